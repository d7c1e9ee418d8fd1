//! Load diagnostics: errors and warnings with file, line, item and Falco's code.

use std::fmt;

/// Whether a diagnostic stops the ruleset from being used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// The ruleset is unusable (fail closed) unless invalid rules are skipped.
    Error,
    /// Worth knowing; the ruleset still loads.
    Warning,
}

/// One load error or warning, located like Falco's `--validate` output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub level: Level,
    /// The rules file.
    pub file: String,
    /// 1-based line of the item (0 when it concerns the whole file).
    pub line: u32,
    /// `rule`, `macro`, `list`, `required_engine_version`, `rules content`, ….
    pub item_type: String,
    /// The item's name (empty when it has none).
    pub item_name: String,
    /// Falco's code (`LOAD_ERR_COMPILE_CONDITION`, `LOAD_UNUSED_MACRO`, …).
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
        }
        write!(f, ": {level}: ")?;
        if !self.item_name.is_empty() {
            write!(f, "{} '{}': ", self.item_type, self.item_name)?;
        } else if !self.item_type.is_empty() {
            write!(f, "{}: ", self.item_type)?;
        }
        write!(f, "{} ({})", self.message, self.code)
    }
}

/// Where an item was defined (for diagnostics).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    /// The rules file.
    pub file: String,
    /// 1-based line.
    pub line: u32,
}

impl Origin {
    pub(crate) fn diag(
        &self,
        level: Level,
        item_type: &str,
        item_name: &str,
        code: &'static str,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            level,
            file: self.file.clone(),
            line: self.line,
            item_type: item_type.to_string(),
            item_name: item_name.to_string(),
            code,
            message: message.into(),
        }
    }
}
