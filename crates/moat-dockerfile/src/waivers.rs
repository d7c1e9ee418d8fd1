//! Inline waivers: a comment `# moat:ignore=ID[,ID] reason` waives those checks for the
//! instruction that follows it (all its lines, continuations and heredocs included).

use crate::ast::{Dockerfile, ParseError, Pos};

/// The comment prefix.
pub const PREFIX: &str = "moat:ignore=";

/// One inline waiver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlineWaiver {
    /// Where the comment is.
    pub pos: Pos,
    /// Check IDs or names as written.
    pub checks: Vec<String>,
    /// The mandatory reason.
    pub reason: String,
    /// First line covered.
    pub from_line: u32,
    /// Last line covered.
    pub to_line: u32,
}

impl InlineWaiver {
    /// Whether a finding on `line` is covered.
    pub fn covers(&self, line: u32) -> bool {
        (self.from_line..=self.to_line).contains(&line)
    }
}

/// Reads the waiver comments of a file; malformed ones become errors.
pub fn inline_waivers(df: &Dockerfile) -> (Vec<InlineWaiver>, Vec<ParseError>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for c in &df.comments {
        let Some(rest) = c.text.strip_prefix(PREFIX) else {
            if c.text.starts_with("moat:ignore") {
                errors.push(ParseError {
                    pos: c.pos,
                    message: "waiver comment must be `# moat:ignore=ID[,ID] reason`".to_owned(),
                });
            }
            continue;
        };
        let (ids, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let checks = moat_core::waiver::split_ids(ids);
        let reason = reason.trim();
        if checks.is_empty() {
            errors.push(ParseError {
                pos: c.pos,
                message: "`moat:ignore=` names no check".to_owned(),
            });
            continue;
        }
        if reason.is_empty() {
            errors.push(ParseError {
                pos: c.pos,
                message: format!(
                    "`moat:ignore={}` has no reason; a waiver must say why",
                    checks.join(",")
                ),
            });
            continue;
        }
        let line = c.pos.line;
        // Instructions are in file order, so their last lines are sorted.
        let first = df.instructions.partition_point(|i| i.end_line <= line);
        let Some(instr) = df.instructions.get(first) else {
            errors.push(ParseError {
                pos: c.pos,
                message: "`moat:ignore` comment is not followed by an instruction".to_owned(),
            });
            continue;
        };
        out.push(InlineWaiver {
            pos: c.pos,
            checks,
            reason: reason.to_owned(),
            from_line: instr.pos.line.max(line + 1),
            to_line: instr.end_line,
        });
    }
    (out, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    #[test]
    fn waivers_cover_the_next_instruction() {
        let df = parse(
            "FROM a\n# moat:ignore=MOAT-607,MOAT-601 vendor script, pinned by checksum\nRUN curl x \\\n  | sh\n# moat:ignore=MOAT-1\n# moat:ignore\nUSER 0\n",
        );
        let (w, e) = inline_waivers(&df);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].checks, ["MOAT-607", "MOAT-601"]);
        assert_eq!((w[0].from_line, w[0].to_line), (3, 4));
        assert!(w[0].covers(4) && !w[0].covers(5));
        let lines: Vec<u32> = e.iter().map(|e| e.pos.line).collect();
        assert_eq!(lines, [5, 6]);
    }
}
