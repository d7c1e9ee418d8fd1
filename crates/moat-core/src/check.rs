use crate::Severity;

/// Static description of one check: everything `moat explain` prints.
#[derive(Debug)]
pub struct CheckMeta {
    /// Stable identifier, `MOAT-NNN`. Never reused.
    pub id: &'static str,
    /// Readable slug (`privileged-container`); accepted wherever an ID is.
    pub name: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// One-line title.
    pub title: &'static str,
    /// Why this matters.
    pub rationale: &'static str,
    /// What to change.
    pub remediation: &'static str,
    /// A YAML snippet showing the fixed configuration.
    pub fix_example: &'static str,
    /// Links to upstream documentation and benchmarks.
    pub references: &'static [&'static str],
    /// Framework controls this check maps to, e.g. `PSS:baseline`, `CIS-5.2.2`,
    /// `NSA-CISA`, `MITRE:T1611`.
    pub frameworks: &'static [&'static str],
}

impl CheckMeta {
    /// The language of [`CheckMeta::fix_example`]: `dockerfile` when its first non-comment
    /// line starts with an upper-case instruction keyword, else `yaml`.
    pub fn fix_language(&self) -> &'static str {
        let first = self
            .fix_example
            .lines()
            .find(|l| !l.trim_start().starts_with('#'))
            .and_then(|l| l.split_whitespace().next())
            .unwrap_or_default();
        if first.len() > 1 && first.bytes().all(|b| b.is_ascii_uppercase()) {
            "dockerfile"
        } else {
            "yaml"
        }
    }
}

/// The set of checks one analyser (or the whole tool) knows, in ID order.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    checks: Vec<&'static CheckMeta>,
}

impl Registry {
    /// Builds a registry; checks are sorted by ID.
    ///
    /// # Panics
    /// Never on user input; duplicate IDs or names are a programming error caught by tests
    /// ([`Registry::duplicates`]).
    pub fn new(mut checks: Vec<&'static CheckMeta>) -> Self {
        checks.sort_by_key(|c| c.id);
        Registry { checks }
    }

    /// Adds more checks (from another analyser).
    pub fn extend(&mut self, more: impl IntoIterator<Item = &'static CheckMeta>) {
        self.checks.extend(more);
        self.checks.sort_by_key(|c| c.id);
    }

    /// All checks in ID order.
    pub fn all(&self) -> &[&'static CheckMeta] {
        &self.checks
    }

    /// Finds a check by ID (case-insensitive) or by name.
    pub fn get(&self, id_or_name: &str) -> Option<&'static CheckMeta> {
        self.checks
            .iter()
            .copied()
            .find(|c| c.id.eq_ignore_ascii_case(id_or_name) || c.name == id_or_name)
    }

    /// IDs or names used by more than one check (should be empty).
    pub fn duplicates(&self) -> Vec<&'static str> {
        let mut seen = std::collections::HashSet::new();
        let mut dups = Vec::new();
        for c in &self.checks {
            if !seen.insert(c.id) {
                dups.push(c.id);
            }
            if !seen.insert(c.name) {
                dups.push(c.name);
            }
        }
        dups
    }
}
