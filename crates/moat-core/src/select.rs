use globset::{GlobSet, GlobSetBuilder};

use crate::CheckMeta;

/// A `--check`/`--skip-check` pattern that is not a valid glob.
#[derive(Debug, thiserror::Error)]
#[error("invalid check pattern `{pattern}`: {source}")]
pub struct SelectionError {
    /// The pattern.
    pub pattern: String,
    /// Why.
    #[source]
    pub source: globset::Error,
}

/// Which checks run: `--check` (include; all when empty) minus `--skip-check`.
/// Patterns are IDs, names or globs over either (`MOAT-0*`), case-insensitive.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
}

fn build(patterns: &[String]) -> Result<Option<GlobSet>, SelectionError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        for part in p.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let glob = globset::GlobBuilder::new(part)
                .case_insensitive(true)
                .build()
                .map_err(|source| SelectionError {
                    pattern: part.to_owned(),
                    source,
                })?;
            b.add(glob);
        }
    }
    b.build().map(Some).map_err(|source| SelectionError {
        pattern: patterns.join(","),
        source,
    })
}

impl Selection {
    /// Builds a selection from include and exclude patterns.
    pub fn new(include: &[String], exclude: &[String]) -> Result<Self, SelectionError> {
        Ok(Selection {
            include: build(include)?,
            exclude: build(exclude)?,
        })
    }

    /// Whether a check is enabled.
    pub fn enabled(&self, meta: &CheckMeta) -> bool {
        let hit = |set: &GlobSet| set.is_match(meta.id) || set.is_match(meta.name);
        self.include.as_ref().is_none_or(hit) && !self.exclude.as_ref().is_some_and(hit)
    }

    /// Whether `--check` patterns name this check (so config may not disable it).
    pub fn explicitly_included(&self, meta: &CheckMeta) -> bool {
        self.include
            .as_ref()
            .is_some_and(|set| set.is_match(meta.id) || set.is_match(meta.name))
    }

    /// Whether a pattern looks like a glob rather than a literal ID.
    pub fn is_glob(pattern: &str) -> bool {
        pattern.contains(['*', '?', '['])
    }
}
