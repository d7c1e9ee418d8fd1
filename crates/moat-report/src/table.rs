//! The human format: findings grouped by resource, a summary line, errors and warnings.
//! Colours only when asked (the CLI asks when stdout is a terminal).

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use moat_core::{Severity, Summary};

use crate::{Renderer, ResourceResult, RunInfo};

/// Table renderer.
pub struct Table<'w> {
    out: Box<dyn Write + 'w>,
    info: RunInfo,
    shown: u64,
}

impl<'w> Table<'w> {
    /// A table renderer writing to `out`.
    pub fn new(out: Box<dyn Write + 'w>, info: RunInfo) -> Self {
        Table {
            out,
            info,
            shown: 0,
        }
    }

    fn style(&self, s: Style) -> Style {
        if self.info.color { s } else { Style::new() }
    }
}

fn severity_style(s: Severity) -> Style {
    match s {
        Severity::Critical => AnsiColor::Magenta.on_default().bold(),
        Severity::High => AnsiColor::Red.on_default().bold(),
        Severity::Medium => AnsiColor::Yellow.on_default(),
        Severity::Low => AnsiColor::Blue.on_default(),
        Severity::Info => AnsiColor::White.on_default().dimmed(),
    }
}

impl Renderer for Table<'_> {
    fn begin(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn resource(&mut self, r: &ResourceResult) -> io::Result<()> {
        let visible: Vec<_> = r
            .findings
            .iter()
            .filter(|f| self.info.show_waived || f.waived.is_none())
            .collect();
        if visible.is_empty() {
            return Ok(());
        }
        let bold = self.style(Style::new().bold());
        let dim = self.style(Style::new().dimmed());
        let at = if r.line == 0 {
            r.file.clone()
        } else {
            format!("{}:{}", r.file, r.line)
        };
        writeln!(
            self.out,
            "{bold}{}{bold:#} {dim}{at}{dim:#}",
            r.resource.display(),
        )?;
        for f in visible {
            let sev = self.style(severity_style(f.severity));
            let label = format!("{:<8}", f.severity.as_str().to_uppercase());
            // Findings without a line (image config fields) name the judged field instead.
            let at = if f.location.line == 0 {
                format!("{} {}", f.location.file, f.location.path)
            } else {
                format!(
                    "{}:{}:{}",
                    f.location.file, f.location.line, f.location.column
                )
            };
            write!(
                self.out,
                "  {sev}{label}{sev:#} {}  {}  {dim}{at}{dim:#}",
                f.check_id, f.message
            )?;
            if let Some(w) = &f.waived {
                write!(self.out, "  {dim}[waived: {} ({})]{dim:#}", w.reason, w.by)?;
            }
            writeln!(self.out)?;
            self.shown += 1;
        }
        writeln!(self.out)
    }

    fn finish(&mut self, s: &Summary) -> io::Result<()> {
        let yellow = self.style(AnsiColor::Yellow.on_default());
        let red = self.style(AnsiColor::Red.on_default().bold());
        for w in &s.warnings {
            writeln!(
                self.out,
                "{yellow}warning{yellow:#}: {}:{}:{}: {}",
                w.file, w.line, w.column, w.message
            )?;
        }
        for e in &s.errors {
            writeln!(
                self.out,
                "{red}error{red:#}: {}:{}:{}: {}",
                e.file, e.line, e.column, e.message
            )?;
        }
        if !s.warnings.is_empty() || !s.errors.is_empty() {
            writeln!(self.out)?;
        }
        let counts: Vec<String> = Severity::ALL
            .iter()
            .rev()
            .map(|sev| {
                format!(
                    "{} {}",
                    s.by_severity.get(sev).copied().unwrap_or(0),
                    sev.as_str()
                )
            })
            .collect();
        let bold = self.style(Style::new().bold());
        writeln!(
            self.out,
            "{bold}{} findings{bold:#} ({}) in {} resources from {} files; {} waived, {} errors, {} warnings",
            s.total(),
            counts.join(", "),
            s.scanned.resources,
            s.scanned.files,
            s.waived,
            s.errors.len(),
            s.warnings.len()
        )?;
        self.out.flush()
    }
}
