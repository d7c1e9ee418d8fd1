//! The [`Scanner`]: two case-sensitive Aho-Corasick passes over a file (each small
//! enough for the SIMD "Teddy" prefilter) find anchors, token prefixes and PEM markers in
//! one, fragments of secret-like key words in the other; only the bytes around each
//! anchor are verified.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use globset::{Glob, GlobSet, GlobSetBuilder};
use moat_core::CheckMeta;
use regex::bytes::RegexSet;

use crate::detect::{self, FileCtx, Hit, KEY_ANCHORS, TOKEN_ANCHORS};
use crate::rules::{self, specificity};
use crate::settings::{
    SNIFF_LEN, Settings, SettingsError, Skip, binary_extension, file_name, generated,
};
use crate::text::{LineIndex, redact};

/// One credential found in a file. It never holds the secret itself, only its redacted
/// form.
#[derive(Clone, Debug)]
pub struct Secret {
    /// The rule's metadata.
    pub meta: &'static CheckMeta,
    /// The rule ID, `MOAT-7xx`.
    pub rule: &'static str,
    /// What was found (the rule's title).
    pub title: &'static str,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// The first four characters of the secret, then `*`s.
    pub redacted: String,
    /// Byte range of the secret value in the scanned content (for callers that map it
    /// back, e.g. to a manifest field). Not the value itself.
    pub span: (usize, usize),
}

impl Secret {
    /// A one-line description naming the rule's subject and the redacted value.
    pub fn message(&self) -> String {
        let what = self.title.strip_suffix(" in a file").unwrap_or(self.title);
        format!("{what}: `{}`", self.redacted)
    }
}

/// A compiled secret scanner. Build once, share across threads.
#[derive(Debug)]
pub struct Scanner {
    tokens: AhoCorasick,
    keys: AhoCorasick,
    enabled: Vec<bool>,
    allow: Option<RegexSet>,
    allow_paths: Option<GlobSet>,
    settings: Settings,
}

impl Scanner {
    /// Compiles the prefilter and the allow-lists.
    pub fn new(settings: Settings) -> Result<Self, SettingsError> {
        if !(0.0..=8.0).contains(&settings.entropy) {
            return Err(SettingsError::Entropy {
                value: settings.entropy,
            });
        }
        for id in settings.enabled.iter().chain(&settings.disabled) {
            if find_rule(id).is_none() {
                return Err(SettingsError::UnknownRule { id: id.clone() });
            }
        }
        let enabled = rules::ALL
            .iter()
            .map(|m| {
                let named = |list: &[String]| list.iter().any(|id| find_rule(id) == Some(m.id));
                (settings.enabled.is_empty() || named(&settings.enabled))
                    && !named(&settings.disabled)
            })
            .collect();
        let allow = if settings.allow.is_empty() {
            None
        } else {
            for p in &settings.allow {
                if let Err(source) = regex::bytes::Regex::new(p) {
                    return Err(SettingsError::AllowRegex {
                        pattern: p.clone(),
                        source,
                    });
                }
            }
            RegexSet::new(&settings.allow).ok()
        };
        let allow_paths = if settings.allow_paths.is_empty() {
            None
        } else {
            let mut b = GlobSetBuilder::new();
            for p in &settings.allow_paths {
                let g = Glob::new(p).map_err(|source| SettingsError::AllowPath {
                    pattern: p.clone(),
                    source,
                })?;
                b.add(g);
            }
            b.build().ok()
        };
        let build = |pats: Vec<&str>| {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(pats)
                .map_err(|e| SettingsError::Automaton(e.to_string()))
        };
        let tokens = build(TOKEN_ANCHORS.iter().map(|(a, _)| *a).collect())?;
        let keys = build(KEY_ANCHORS.to_vec())?;
        Ok(Scanner {
            tokens,
            keys,
            enabled,
            allow,
            allow_paths,
            settings,
        })
    }

    /// The settings this scanner was built from.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The rules that run, in ID order.
    pub fn rules(&self) -> impl Iterator<Item = &'static CheckMeta> + '_ {
        rules::ALL
            .iter()
            .zip(&self.enabled)
            .filter(|(_, on)| **on)
            .map(|(m, _)| *m)
    }

    /// Whether a file should be skipped, judged from its path, its size and its first
    /// bytes (`head`, up to 8 KiB; may be empty when not read yet).
    pub fn skip_reason(&self, path: &str, size: u64, head: &[u8]) -> Option<Skip> {
        if self.path_allowed(path) {
            return Some(Skip::AllowListed);
        }
        if size > self.settings.max_file_size {
            return Some(Skip::TooLarge {
                size,
                limit: self.settings.max_file_size,
            });
        }
        let name = file_name(path);
        if self.settings.skip_generated && generated(name) {
            return Some(Skip::Generated);
        }
        if self.settings.skip_binary {
            let sniff = head.get(..SNIFF_LEN).unwrap_or(head);
            if binary_extension(name) || memchr::memchr(0, sniff).is_some() {
                return Some(Skip::Binary);
            }
        }
        None
    }

    fn path_allowed(&self, path: &str) -> bool {
        self.allow_paths.as_ref().is_some_and(|g| g.is_match(path))
    }

    /// Finds the secrets in `content` (the file at `path`; the name decides file-specific
    /// rules such as `.pypirc`). Results are in file order, one per secret.
    pub fn scan(&self, path: &str, content: &[u8]) -> Vec<Secret> {
        let mut out = Vec::new();
        self.scan_with(path, content, &mut |s| out.push(s));
        out
    }

    /// Like [`Scanner::scan`], calling `f` for each secret (in file order).
    pub fn scan_with(&self, path: &str, content: &[u8], f: &mut dyn FnMut(Secret)) {
        if self.path_allowed(path) {
            return;
        }
        let mut cx = FileCtx::new(path, content, self.settings.entropy);
        let mut hits: Vec<Hit> = Vec::new();
        for m in self.tokens.find_iter(content) {
            if let Some((_, det)) = TOKEN_ANCHORS.get(m.pattern().as_usize()) {
                detect::verify(*det, &mut cx, m.start(), m.end(), &mut hits);
            }
        }
        let mut resume = 0;
        for m in self.keys.find_iter(content) {
            // Several fragments in one key (`client_secret_token`) parse it once.
            if m.start() >= resume {
                resume = detect::verify_key(&mut cx, m.start(), m.end(), &mut hits);
            }
        }
        if hits.is_empty() {
            return;
        }
        let hits = resolve_overlaps(hits);
        let mut lines = LineIndex::new(content);
        for h in hits {
            if !self.rule_enabled(h.meta) {
                continue;
            }
            let value = content.get(h.start..h.end).unwrap_or_default();
            if self.allow.as_ref().is_some_and(|a| a.is_match(value)) {
                continue;
            }
            let (line, column) = lines.locate(h.at);
            f(Secret {
                meta: h.meta,
                rule: h.meta.id,
                title: h.meta.title,
                line,
                column,
                redacted: redact(value),
                span: (h.start, h.end),
            });
        }
    }

    fn rule_enabled(&self, meta: &CheckMeta) -> bool {
        rules::ALL
            .iter()
            .position(|m| std::ptr::eq(*m, meta))
            .and_then(|i| self.enabled.get(i))
            .copied()
            .unwrap_or(false)
    }
}

/// Canonical ID of a secret rule given by ID (any case) or name.
fn find_rule(id: &str) -> Option<&'static str> {
    rules::ALL
        .iter()
        .find(|m| m.id.eq_ignore_ascii_case(id) || m.name == id)
        .map(|m| m.id)
}

/// Sorts hits by position and keeps, of hits on overlapping bytes, the most specific one.
fn resolve_overlaps(mut hits: Vec<Hit>) -> Vec<Hit> {
    hits.sort_by_key(|h| (h.start, h.end));
    let mut out: Vec<Hit> = Vec::with_capacity(hits.len());
    for h in hits {
        match out.last_mut() {
            Some(last) if h.start < last.end => {
                if specificity(h.meta) > specificity(last.meta) {
                    *last = h;
                }
            }
            _ => out.push(h),
        }
    }
    out.sort_by_key(|h| h.at);
    out
}
