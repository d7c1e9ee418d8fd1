//! JUnit XML: one `<testsuite>` per resource, one `<testcase>` per check evaluated on it
//! (a `<failure>` when it found something, `<skipped>` when waived), and a final suite
//! for input errors.

use std::fmt::Write as _;
use std::io::{self, Write};

use moat_core::Summary;

use crate::{Renderer, ResourceResult, RunInfo};

/// JUnit renderer.
pub struct Junit<'w> {
    out: Box<dyn Write + 'w>,
    _info: RunInfo,
}

impl<'w> Junit<'w> {
    /// A JUnit renderer writing to `out`.
    pub fn new(out: Box<dyn Write + 'w>, info: RunInfo) -> Self {
        Junit { out, _info: info }
    }
}

/// Escapes text for XML attributes and content; drops characters XML 1.0 forbids.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\n' => o.push_str("&#10;"),
            '\t' | '\r' => {
                let _ = write!(o, "&#{};", u32::from(ch));
            }
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => o.push(c),
        }
    }
    o
}

impl Renderer for Junit<'_> {
    fn begin(&mut self) -> io::Result<()> {
        writeln!(
            self.out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"moat\">"
        )
    }

    fn resource(&mut self, r: &ResourceResult) -> io::Result<()> {
        if r.checks_run.is_empty() {
            return Ok(());
        }
        let name = escape(&r.resource.display());
        let failing = |id: &str| {
            r.findings
                .iter()
                .any(|f| f.check_id == id && f.waived.is_none())
        };
        let waived = |id: &str| {
            r.findings
                .iter()
                .any(|f| f.check_id == id && f.waived.is_some())
        };
        let failures = r.checks_run.iter().filter(|id| failing(id)).count();
        let skipped = r
            .checks_run
            .iter()
            .filter(|id| !failing(id) && waived(id))
            .count();
        let mut s = format!(
            "  <testsuite name=\"{name}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" file=\"{}\">\n",
            r.checks_run.len(),
            escape(&r.file)
        );
        for id in &r.checks_run {
            let _ = write!(
                s,
                "    <testcase classname=\"{}\" name=\"{id} {name}\"",
                escape(&r.file)
            );
            let mine: Vec<_> = r.findings.iter().filter(|f| f.check_id == *id).collect();
            if mine.is_empty() {
                s.push_str("/>\n");
                continue;
            }
            s.push_str(">\n");
            let failing: Vec<_> = mine.iter().filter(|f| f.waived.is_none()).collect();
            if let Some(first) = failing.first() {
                let mut body = String::new();
                for f in &failing {
                    let _ = write!(
                        body,
                        "{}:{}:{} {}: {}&#10;",
                        escape(&f.location.file),
                        f.location.line,
                        f.location.column,
                        escape(&f.location.path),
                        escape(&f.message)
                    );
                }
                let _ = writeln!(
                    s,
                    "      <failure type=\"{}\" message=\"{}\">{body}Fix: {}</failure>",
                    first.severity,
                    escape(&first.message),
                    escape(&first.remediation)
                );
            } else if let Some(w) = mine.first().and_then(|f| f.waived.as_ref()) {
                let _ = writeln!(
                    s,
                    "      <skipped message=\"waived: {} ({})\"/>",
                    escape(&w.reason),
                    escape(&w.by)
                );
            }
            s.push_str("    </testcase>\n");
        }
        s.push_str("  </testsuite>\n");
        self.out.write_all(s.as_bytes())
    }

    fn finish(&mut self, s: &Summary) -> io::Result<()> {
        if !s.errors.is_empty() {
            let mut o = format!(
                "  <testsuite name=\"moat input\" tests=\"{n}\" failures=\"0\" errors=\"{n}\" skipped=\"0\">\n",
                n = s.errors.len()
            );
            for e in &s.errors {
                let _ = writeln!(
                    o,
                    "    <testcase classname=\"{f}\" name=\"read {f}\"><error message=\"{m}\">{f}:{}:{} {m}</error></testcase>",
                    e.line,
                    e.column,
                    f = escape(&e.file),
                    m = escape(&e.message)
                );
            }
            o.push_str("  </testsuite>\n");
            self.out.write_all(o.as_bytes())?;
        }
        writeln!(self.out, "</testsuites>")?;
        self.out.flush()
    }
}
