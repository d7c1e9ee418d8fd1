//! Rule priorities (Falco's syslog-style levels).

use std::fmt;

/// A rule's priority, most severe first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// `EMERGENCY`
    Emergency,
    /// `ALERT`
    Alert,
    /// `CRITICAL`
    Critical,
    /// `ERROR`
    Error,
    /// `WARNING`
    Warning,
    /// `NOTICE`
    Notice,
    /// `INFORMATIONAL` / `INFO`
    Informational,
    /// `DEBUG`
    Debug,
}

impl Priority {
    /// Parses a priority, case-insensitively (`INFO` is `INFORMATIONAL`).
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.trim().to_ascii_lowercase().as_str() {
            "emergency" => Self::Emergency,
            "alert" => Self::Alert,
            "critical" => Self::Critical,
            "error" => Self::Error,
            "warning" => Self::Warning,
            "notice" => Self::Notice,
            "informational" | "info" => Self::Informational,
            "debug" => Self::Debug,
            _ => return None,
        })
    }

    /// The name Falco writes in alerts (`Warning`, `Informational`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Emergency => "Emergency",
            Self::Alert => "Alert",
            Self::Critical => "Critical",
            Self::Error => "Error",
            Self::Warning => "Warning",
            Self::Notice => "Notice",
            Self::Informational => "Informational",
            Self::Debug => "Debug",
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
