//! Rule output templates: `%field` tokens resolved at load time, substituted per alert.

use crate::eval::{Event, Val, visit_cfield};
use crate::fields::Source;
use crate::program::CField;

/// One piece of a template.
#[derive(Clone, Debug)]
enum Piece {
    Lit(String),
    Field(CField),
}

/// A compiled output template.
#[derive(Clone, Debug, Default)]
pub struct OutputFormat {
    pieces: Vec<Piece>,
}

/// Text shown for a field without a value (as Falco does).
pub const NA: &str = "<NA>";

impl OutputFormat {
    /// Compiles `text`; an unknown field is an error (`invalid formatting token …`).
    pub fn compile(source: Source, text: &str) -> Result<Self, String> {
        let mut pieces = Vec::new();
        let mut lit = String::new();
        let b = text.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let Some(off) = memchr::memchr(b'%', b.get(i..).unwrap_or_default()) else {
                lit.push_str(text.get(i..).unwrap_or_default());
                break;
            };
            lit.push_str(text.get(i..i + off).unwrap_or_default());
            i += off + 1;
            let start = i;
            while b
                .get(i)
                .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_'))
            {
                i += 1;
            }
            // A trailing dot ends the sentence, not the field.
            while i > start && b.get(i - 1) == Some(&b'.') {
                i -= 1;
            }
            let name = text.get(start..i).unwrap_or_default();
            if name.is_empty() {
                lit.push('%');
                continue;
            }
            let mut arg = None;
            if b.get(i) == Some(&b'[')
                && let Some(len) = memchr::memchr(b']', b.get(i + 1..).unwrap_or_default())
            {
                arg = text.get(i + 1..i + 1 + len);
                i += len + 2;
            }
            let field = source
                .resolve(name, arg)
                .map_err(|_| format!("invalid formatting token {name}"))?;
            if !lit.is_empty() {
                pieces.push(Piece::Lit(std::mem::take(&mut lit)));
            }
            let ty = field.ty;
            pieces.push(Piece::Field(CField {
                field,
                transforms: Vec::new(),
                ty,
            }));
        }
        if !lit.is_empty() {
            pieces.push(Piece::Lit(lit));
        }
        Ok(OutputFormat { pieces })
    }

    /// The fields of the template, in order, without repetitions.
    pub fn fields(&self) -> Vec<&CField> {
        let mut out: Vec<&CField> = Vec::new();
        for p in &self.pieces {
            if let Piece::Field(f) = p
                && !out.iter().any(|o| o.field == f.field)
            {
                out.push(f);
            }
        }
        out
    }

    /// The template with every field substituted.
    pub fn render(&self, ev: &dyn Event) -> String {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Lit(s) => out.push_str(s),
                Piece::Field(f) => {
                    out.push_str(&field_text(f, ev).unwrap_or_else(|| NA.to_string()));
                }
            }
        }
        out
    }
}

/// A field's value as text: one value as is, several as `(a,b)`; `None` when absent.
pub fn field_text(f: &CField, ev: &dyn Event) -> Option<String> {
    let mut vals: Vec<String> = Vec::new();
    visit_cfield(f, ev, &mut |v: Val<'_>| {
        vals.push(v.to_text().into_owned());
        false
    });
    if f.field.list {
        if vals.is_empty() {
            return None;
        }
        return Some(format!("({})", vals.join(",")));
    }
    vals.into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_errors() {
        let f = OutputFormat::compile(
            Source::K8sAudit,
            "user=%ka.user.name. 100% ok %jevt.value[/a]",
        )
        .unwrap();
        let names: Vec<String> = f.fields().iter().map(|f| f.field.display()).collect();
        assert_eq!(names, ["ka.user.name", "jevt.value[/a]"]);
        assert_eq!(
            OutputFormat::compile(Source::Syscall, "An open was seen %not_a_real_field")
                .unwrap_err(),
            "invalid formatting token not_a_real_field"
        );
    }
}
