//! Syntax tree of a condition, as parsed (before macro inlining and list expansion).

use std::fmt;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `=` / `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `contains`
    Contains,
    /// `icontains`
    IContains,
    /// `bcontains`
    BContains,
    /// `startswith`
    StartsWith,
    /// `bstartswith`
    BStartsWith,
    /// `endswith`
    EndsWith,
    /// `glob`
    Glob,
    /// `regex`
    Regex,
    /// `in`
    In,
    /// `intersects`
    Intersects,
    /// `pmatch`
    Pmatch,
    /// `exists`
    Exists,
}

impl Op {
    /// The operator for a word or symbol, if it is one.
    pub fn from_token(t: &str) -> Option<Op> {
        Some(match t {
            "=" | "==" => Op::Eq,
            "!=" => Op::Ne,
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            "contains" => Op::Contains,
            "icontains" => Op::IContains,
            "bcontains" => Op::BContains,
            "startswith" => Op::StartsWith,
            "bstartswith" => Op::BStartsWith,
            "endswith" => Op::EndsWith,
            "glob" => Op::Glob,
            "regex" => Op::Regex,
            "in" => Op::In,
            "intersects" => Op::Intersects,
            "pmatch" => Op::Pmatch,
            "exists" => Op::Exists,
            _ => return None,
        })
    }

    /// Whether the operator takes a parenthesised list.
    pub fn takes_list(self) -> bool {
        matches!(self, Op::In | Op::Intersects | Op::Pmatch)
    }

    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Contains => "contains",
            Op::IContains => "icontains",
            Op::BContains => "bcontains",
            Op::StartsWith => "startswith",
            Op::BStartsWith => "bstartswith",
            Op::EndsWith => "endswith",
            Op::Glob => "glob",
            Op::Regex => "regex",
            Op::In => "in",
            Op::Intersects => "intersects",
            Op::Pmatch => "pmatch",
            Op::Exists => "exists",
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value transformer applied to a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Transformer {
    /// `tolower(…)`
    ToLower,
    /// `toupper(…)`
    ToUpper,
    /// `b64(…)`: base64-decodes.
    B64,
    /// `basename(…)`
    Basename,
    /// `len(…)`: length (of a string, or number of items of a list).
    Len,
}

impl Transformer {
    /// The transformer named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "tolower" => Self::ToLower,
            "toupper" => Self::ToUpper,
            "b64" => Self::B64,
            "basename" => Self::Basename,
            "len" => Self::Len,
            _ => return None,
        })
    }
}

/// The left side of a comparison, or a `val(…)` right side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operand {
    /// A field with its optional `[arg]`.
    Field {
        /// Name (may include a `.suffix` argument).
        name: String,
        /// Bracketed argument.
        arg: Option<String>,
    },
    /// A transformer around an operand.
    Transform(Transformer, Box<Operand>),
}

/// One value of a parenthesised list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListValue {
    /// The text (unquoted).
    pub text: String,
    /// Whether it was quoted (quoted values are never list names).
    pub quoted: bool,
}

/// The right side of a comparison.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rhs {
    /// Nothing (`exists`).
    None,
    /// One value.
    Value(ListValue),
    /// A parenthesised list.
    List(Vec<ListValue>),
    /// `val(field)`.
    Field(Operand),
}

/// A condition expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// All must hold.
    And(Vec<Expr>),
    /// One must hold.
    Or(Vec<Expr>),
    /// Negation.
    Not(Box<Expr>),
    /// A macro reference (an identifier that is not a field).
    Macro(String),
    /// A comparison.
    Check {
        /// Left side.
        lhs: Operand,
        /// Operator.
        op: Op,
        /// Right side.
        rhs: Rhs,
    },
}
