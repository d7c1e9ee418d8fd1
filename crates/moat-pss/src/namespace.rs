//! Namespace labels (`pod-security.kubernetes.io/{enforce,audit,warn}[-version]`) and the
//! policy they select, resolved exactly as the API server's `PolicyToEvaluate` does.

use std::fmt;

use crate::version::{Level, LevelVersion, ParseError, Version};

/// Prefix of the Pod Security labels.
pub const LABEL_PREFIX: &str = "pod-security.kubernetes.io/";

/// An admission mode: what the API server does with a failing pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// The pod is rejected.
    Enforce,
    /// The request is allowed and an audit annotation records the violation.
    Audit,
    /// The request is allowed and the client gets a warning.
    Warn,
}

impl Mode {
    /// Every mode.
    pub const ALL: [Mode; 3] = [Mode::Enforce, Mode::Audit, Mode::Warn];

    /// `enforce`, `audit` or `warn`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Audit => "audit",
            Mode::Warn => "warn",
        }
    }

    /// The level label, e.g. `pod-security.kubernetes.io/enforce`.
    pub fn level_label(self) -> &'static str {
        match self {
            Mode::Enforce => "pod-security.kubernetes.io/enforce",
            Mode::Audit => "pod-security.kubernetes.io/audit",
            Mode::Warn => "pod-security.kubernetes.io/warn",
        }
    }

    /// The version label, e.g. `pod-security.kubernetes.io/enforce-version`.
    pub fn version_label(self) -> &'static str {
        match self {
            Mode::Enforce => "pod-security.kubernetes.io/enforce-version",
            Mode::Audit => "pod-security.kubernetes.io/audit-version",
            Mode::Warn => "pod-security.kubernetes.io/warn-version",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The level and version of each mode for one namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Policy {
    /// Rejects pods.
    pub enforce: LevelVersion,
    /// Annotates audit events.
    pub audit: LevelVersion,
    /// Warns clients.
    pub warn: LevelVersion,
}

impl Default for Policy {
    /// The API server's built-in defaults: `privileged:latest` for every mode.
    fn default() -> Self {
        Policy::uniform(LevelVersion::new(Level::Privileged, Version::Latest))
    }
}

impl Policy {
    /// The same level and version for every mode.
    pub const fn uniform(lv: LevelVersion) -> Self {
        Policy {
            enforce: lv,
            audit: lv,
            warn: lv,
        }
    }

    /// The level and version of a mode.
    pub fn get(&self, mode: Mode) -> LevelVersion {
        match mode {
            Mode::Enforce => self.enforce,
            Mode::Audit => self.audit,
            Mode::Warn => self.warn,
        }
    }

    /// Sets the level and version of a mode.
    pub fn set(&mut self, mode: Mode, lv: LevelVersion) {
        match mode {
            Mode::Enforce => self.enforce = lv,
            Mode::Audit => self.audit = lv,
            Mode::Warn => self.warn = lv,
        }
    }

    /// Whether every mode is privileged (nothing is evaluated).
    pub fn fully_privileged(&self) -> bool {
        Mode::ALL
            .iter()
            .all(|&m| self.get(m).level == Level::Privileged)
    }
}

/// A Pod Security label with a value that does not parse. The API server refuses to
/// create or relabel a namespace with one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("metadata.labels[{label}]: Invalid value: \"{value}\": {reason}")]
pub struct LabelError {
    /// The label key.
    pub label: String,
    /// Its value.
    pub value: String,
    /// Why it is invalid.
    pub reason: ParseError,
}

/// The policy a namespace's labels select, starting from `defaults` (the admission
/// configuration's). Like the API server: an invalid enforce level means `restricted`, an
/// invalid version `latest`, an invalid audit or warn level `privileged`; warn follows an
/// explicitly stricter enforce level when warn is not labelled. Labels outside the
/// `pod-security.kubernetes.io/` prefix are ignored.
pub fn policy_for_labels<'a, I>(labels: I, defaults: &Policy) -> (Policy, Vec<LabelError>)
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut p = *defaults;
    let mut errors = Vec::new();
    let mut has_enforce_level = false;
    let mut has_warn_level = false;
    let mut has_warn_version = false;
    let mut err = |label: &str, value: &str, reason: ParseError| {
        errors.push(LabelError {
            label: label.to_owned(),
            value: value.to_owned(),
            reason,
        });
    };
    // Each label is read once, as from a map; later duplicates win.
    let mut found: [Option<&str>; 6] = [None; 6];
    for (k, v) in labels {
        let Some(rest) = k.strip_prefix(LABEL_PREFIX) else {
            continue;
        };
        let slot = match rest {
            "enforce" => 0,
            "enforce-version" => 1,
            "audit" => 2,
            "audit-version" => 3,
            "warn" => 4,
            "warn-version" => 5,
            _ => continue,
        };
        if let Some(s) = found.get_mut(slot) {
            *s = Some(v);
        }
    }
    let [
        enforce,
        enforce_version,
        audit,
        audit_version,
        warn,
        warn_version,
    ] = found;
    if let Some(v) = enforce {
        match Level::parse(v) {
            Ok(l) => {
                p.enforce.level = l;
                has_enforce_level = true;
            }
            Err(e) => {
                p.enforce.level = Level::Restricted;
                err(Mode::Enforce.level_label(), v, e);
            }
        }
    }
    if let Some(v) = enforce_version {
        p.enforce.version = Version::parse(v).unwrap_or_else(|e| {
            err(Mode::Enforce.version_label(), v, e);
            Version::Latest
        });
    }
    if let Some(v) = audit {
        p.audit.level = Level::parse(v).unwrap_or_else(|e| {
            err(Mode::Audit.level_label(), v, e);
            Level::Privileged
        });
    }
    if let Some(v) = audit_version {
        p.audit.version = Version::parse(v).unwrap_or_else(|e| {
            err(Mode::Audit.version_label(), v, e);
            Version::Latest
        });
    }
    if let Some(v) = warn {
        has_warn_level = true;
        p.warn.level = Level::parse(v).unwrap_or_else(|e| {
            err(Mode::Warn.level_label(), v, e);
            Level::Privileged
        });
    }
    if let Some(v) = warn_version {
        has_warn_version = true;
        p.warn.version = Version::parse(v).unwrap_or_else(|e| {
            err(Mode::Warn.version_label(), v, e);
            Version::Latest
        });
    }
    if !has_warn_level && has_enforce_level && p.enforce.level > p.warn.level {
        p.warn.level = p.enforce.level;
        if !has_warn_version {
            p.warn.version = p.enforce.version;
        }
    }
    (p, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lv(l: Level, v: Version) -> LevelVersion {
        LevelVersion::new(l, v)
    }

    #[test]
    fn labels_select_the_policy() {
        let d = Policy::default();
        let (p, e) = policy_for_labels([], &d);
        assert!(e.is_empty() && p == d);
        let (p, e) = policy_for_labels(
            [
                ("pod-security.kubernetes.io/enforce", "baseline"),
                ("pod-security.kubernetes.io/enforce-version", "v1.25"),
                ("pod-security.kubernetes.io/audit", "restricted"),
                ("app", "x"),
            ],
            &d,
        );
        assert!(e.is_empty());
        assert_eq!(p.enforce, lv(Level::Baseline, Version::V1(25)));
        assert_eq!(p.audit, lv(Level::Restricted, Version::Latest));
        // warn follows the stricter, explicitly set enforce level and its version
        assert_eq!(p.warn, lv(Level::Baseline, Version::V1(25)));
    }

    #[test]
    fn warn_is_not_defaulted_when_set_or_less_strict() {
        let d = Policy::uniform(lv(Level::Baseline, Version::Latest));
        let (p, _) = policy_for_labels([("pod-security.kubernetes.io/enforce", "privileged")], &d);
        assert_eq!(p.warn, lv(Level::Baseline, Version::Latest));
        let (p, _) = policy_for_labels(
            [
                ("pod-security.kubernetes.io/enforce", "restricted"),
                ("pod-security.kubernetes.io/warn-version", "v1.20"),
            ],
            &d,
        );
        assert_eq!(p.warn, lv(Level::Restricted, Version::V1(20)));
    }

    #[test]
    fn invalid_labels_fail_closed_for_enforce_and_open_for_audit_and_warn() {
        let d = Policy::default();
        let (p, e) = policy_for_labels(
            [
                ("pod-security.kubernetes.io/enforce", "strict"),
                ("pod-security.kubernetes.io/enforce-version", "1.25"),
                ("pod-security.kubernetes.io/audit", "nope"),
                ("pod-security.kubernetes.io/warn", "nope"),
            ],
            &d,
        );
        assert_eq!(p.enforce, lv(Level::Restricted, Version::Latest));
        assert_eq!(p.audit.level, Level::Privileged);
        assert_eq!(p.warn.level, Level::Privileged);
        assert_eq!(e.len(), 4);
        assert_eq!(
            e[0].to_string(),
            "metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"strict\": \
             must be one of privileged, baseline, restricted"
        );
        assert_eq!(
            e[1].to_string(),
            "metadata.labels[pod-security.kubernetes.io/enforce-version]: Invalid value: \
             \"1.25\": must be \"latest\" or \"v1.x\""
        );
    }
}
