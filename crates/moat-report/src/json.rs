//! The JSON report: `{tool, version, findings, errors, warnings, scanned}`.
//! Findings are written as they arrive, one per line inside the array.

use std::io::{self, Write};

use moat_core::Summary;

use crate::{Renderer, ResourceResult, RunInfo};

/// JSON renderer.
pub struct Json<'w> {
    out: Box<dyn Write + 'w>,
    info: RunInfo,
    first: bool,
}

impl<'w> Json<'w> {
    /// A JSON renderer writing to `out`.
    pub fn new(out: Box<dyn Write + 'w>, info: RunInfo) -> Self {
        Json {
            out,
            info,
            first: true,
        }
    }
}

fn to_io(e: serde_json::Error) -> io::Error {
    io::Error::other(e)
}

impl Renderer for Json<'_> {
    fn begin(&mut self) -> io::Result<()> {
        write!(self.out, "{{\n  \"tool\": \"moat\",\n  \"version\": ")?;
        serde_json::to_writer(&mut self.out, &self.info.version).map_err(to_io)?;
        write!(self.out, ",\n  \"findings\": [")
    }

    fn resource(&mut self, r: &ResourceResult) -> io::Result<()> {
        for f in &r.findings {
            self.out
                .write_all(if self.first { b"\n    " } else { b",\n    " })?;
            self.first = false;
            serde_json::to_writer(&mut self.out, f).map_err(to_io)?;
        }
        Ok(())
    }

    fn finish(&mut self, s: &Summary) -> io::Result<()> {
        self.out
            .write_all(if self.first { b"],\n" } else { b"\n  ],\n" })?;
        write!(self.out, "  \"errors\": ")?;
        serde_json::to_writer(&mut self.out, &s.errors).map_err(to_io)?;
        write!(self.out, ",\n  \"warnings\": ")?;
        serde_json::to_writer(&mut self.out, &s.warnings).map_err(to_io)?;
        write!(self.out, ",\n  \"scanned\": ")?;
        serde_json::to_writer(&mut self.out, &s.scanned).map_err(to_io)?;
        writeln!(self.out, "\n}}")?;
        self.out.flush()
    }
}
