//! The compiled, evaluable form of a condition: fields resolved, lists expanded into
//! hash sets and prefix sets, right-hand values parsed to the field's type once.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use crate::ast::{Op, Transformer};
use crate::fields::{FieldType, ResolvedField};

/// A field with the transformers applied to it (innermost first).
#[derive(Clone, Debug)]
pub struct CField {
    /// The field.
    pub field: ResolvedField,
    /// Transformers, innermost first.
    pub transforms: Vec<Transformer>,
    /// Type after the transformers.
    pub ty: FieldType,
}

impl CField {
    /// The operand as written (`tolower(proc.name)`).
    pub fn display(&self) -> String {
        let mut s = self.field.display();
        for t in &self.transforms {
            let name = match t {
                Transformer::ToLower => "tolower",
                Transformer::ToUpper => "toupper",
                Transformer::B64 => "b64",
                Transformer::Basename => "basename",
                Transformer::Len => "len",
            };
            s = format!("{name}({s})");
        }
        s
    }
}

/// A fast, unkeyed hasher for the compiled value sets (Fx-style multiply-rotate). The
/// sets are built from the rules, not from events, so collision attacks by event data are
/// not a concern; events only look values up.
#[derive(Clone, Copy, Debug, Default)]
pub struct FastHasher(u64);

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            if let Some(dst) = w.get_mut(..rest.len()) {
                dst.copy_from_slice(rest);
            }
            self.add(u64::from_le_bytes(w));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_i64(&mut self, i: i64) {
        self.add(i.cast_unsigned());
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A hash set with [`FastHasher`].
pub type FastSet<T> = HashSet<T, BuildHasherDefault<FastHasher>>;

/// A hash map with [`FastHasher`] (keys from the rules, looked up by event data).
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// A set of path prefixes for `pmatch`: a value matches when it equals a prefix or
/// continues it with `/`.
#[derive(Clone, Debug, Default)]
pub struct PrefixSet {
    /// Prefixes without trailing `/` (the root `/` matches everything absolute).
    exact: FastSet<Box<str>>,
    root: bool,
}

impl PrefixSet {
    /// Builds the set.
    pub fn new<'a>(items: impl IntoIterator<Item = &'a str>) -> Self {
        let mut set = PrefixSet::default();
        for i in items {
            let t = i.trim_end_matches('/');
            if t.is_empty() {
                set.root = true;
            } else {
                set.exact.insert(t.into());
            }
        }
        set
    }

    /// Whether the root `/` is one of the prefixes (every absolute path matches).
    pub fn has_root(&self) -> bool {
        self.root
    }

    /// The prefixes other than the root, without trailing `/`, in no particular order.
    pub fn entries(&self) -> impl Iterator<Item = &str> {
        self.exact.iter().map(|e| &**e)
    }

    /// Whether `path` is one of the prefixes or below one.
    pub fn matches(&self, path: &str) -> bool {
        if self.root && path.starts_with('/') {
            return true;
        }
        let mut p = path.trim_end_matches('/');
        loop {
            if self.exact.contains(p) {
                return true;
            }
            match p.rfind('/') {
                Some(0) | None => return false,
                Some(i) => p = p.get(..i).unwrap_or_default(),
            }
        }
    }
}

/// The right side of a compiled comparison.
#[derive(Clone, Debug)]
pub enum CRhs {
    /// No value (`exists`).
    None,
    /// Text (for `icontains`, already lower-cased).
    Str(Box<str>),
    /// Bytes (`bcontains`, `bstartswith`: decoded from hex).
    Bytes(Box<[u8]>),
    /// A number.
    Num(i64),
    /// A boolean.
    Bool(bool),
    /// A set of texts (`in`, `intersects`).
    StrSet(FastSet<Box<str>>),
    /// A set of numbers.
    NumSet(FastSet<i64>),
    /// Path prefixes (`pmatch`).
    Prefixes(PrefixSet),
    /// A compiled regular expression.
    Regex(regex::Regex),
    /// IP networks (`ipaddr`/`ipnet` fields: `=`, `!=`, `in`, `intersects`; an address
    /// is a host network). A value matches when it lies in one of them.
    Nets(Box<[crate::cidr::IpNet]>),
    /// Another field's value (`val(…)`).
    Field(CField),
}

/// One comparison.
#[derive(Clone, Debug)]
pub struct Check {
    /// Identifies the comparison within a compiled ruleset: identical comparisons (the
    /// same macro used by many rules) share an id, so an event evaluates each only once.
    pub id: u32,
    /// Left side.
    pub lhs: CField,
    /// Operator.
    pub op: Op,
    /// Right side.
    pub rhs: CRhs,
}

/// A compiled condition.
#[derive(Clone, Debug)]
pub enum Cond {
    /// Always holds.
    True,
    /// Never holds.
    False,
    /// All hold.
    And(Box<[Cond]>),
    /// One holds.
    Or(Box<[Cond]>),
    /// Negation.
    Not(Box<Cond>),
    /// A comparison.
    Check(Box<Check>),
}

impl Cond {
    /// `And` with constant folding and flattening.
    pub fn and(items: Vec<Cond>) -> Cond {
        let mut out = Vec::with_capacity(items.len());
        for i in items {
            match i {
                Cond::True => {}
                Cond::False => return Cond::False,
                Cond::And(inner) => out.extend(inner.into_vec()),
                other => out.push(other),
            }
        }
        match out.len() {
            0 => Cond::True,
            1 => out.pop().unwrap_or(Cond::True),
            _ => Cond::And(out.into_boxed_slice()),
        }
    }

    /// `Or` with constant folding and flattening.
    pub fn or(items: Vec<Cond>) -> Cond {
        let mut out = Vec::with_capacity(items.len());
        for i in items {
            match i {
                Cond::False => {}
                Cond::True => return Cond::True,
                Cond::Or(inner) => out.extend(inner.into_vec()),
                other => out.push(other),
            }
        }
        match out.len() {
            0 => Cond::False,
            1 => out.pop().unwrap_or(Cond::False),
            _ => Cond::Or(out.into_boxed_slice()),
        }
    }

    /// Negation with constant folding.
    pub fn negate(inner: Cond) -> Cond {
        match inner {
            Cond::True => Cond::False,
            Cond::False => Cond::True,
            Cond::Not(x) => *x,
            other => Cond::Not(Box::new(other)),
        }
    }

    /// Every field the condition reads (for output and index building).
    pub fn fields<'a>(&'a self, out: &mut Vec<&'a CField>) {
        match self {
            Cond::True | Cond::False => {}
            Cond::And(items) | Cond::Or(items) => items.iter().for_each(|c| c.fields(out)),
            Cond::Not(c) => c.fields(out),
            Cond::Check(c) => {
                out.push(&c.lhs);
                if let CRhs::Field(f) = &c.rhs {
                    out.push(f);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_set_matches_whole_components() {
        let p = PrefixSet::new(["/etc", "/usr/lib/"]);
        assert!(p.matches("/etc"));
        assert!(p.matches("/etc/passwd"));
        assert!(p.matches("/usr/lib/x/y"));
        assert!(!p.matches("/etcx"));
        assert!(!p.matches("/usr"));
        assert!(PrefixSet::new(["/"]).matches("/a"));
    }

    #[test]
    fn folding() {
        assert!(matches!(
            Cond::and(vec![Cond::True, Cond::False]),
            Cond::False
        ));
        assert!(matches!(
            Cond::or(vec![Cond::False, Cond::True]),
            Cond::True
        ));
        assert!(matches!(Cond::negate(Cond::negate(Cond::True)), Cond::True));
        assert!(matches!(Cond::and(Vec::new()), Cond::True));
    }
}
