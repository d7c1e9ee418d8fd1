//! Scanner tunables ([`Settings`]) and the cheap pre-read decision whether a file is
//! worth scanning at all ([`Skip`]).

use std::fmt;

/// Default largest file scanned: 10 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;
/// Default entropy threshold (bits per character) of `MOAT-716`.
pub const DEFAULT_ENTROPY: f64 = 3.0;
/// How many leading bytes [`crate::Scanner::skip_reason`] inspects for NUL bytes.
pub const SNIFF_LEN: usize = 8192;

/// How a [`crate::Scanner`] behaves (`.moat.yaml` `secrets:` section).
#[derive(Clone, Debug)]
pub struct Settings {
    /// Rule IDs to run; empty = every rule.
    pub enabled: Vec<String>,
    /// Rule IDs never run (wins over `enabled`).
    pub disabled: Vec<String>,
    /// Larger files are skipped.
    pub max_file_size: u64,
    /// Skip files that look binary (NUL bytes in the first 8 KiB, binary extensions).
    pub skip_binary: bool,
    /// Skip lockfiles and minified/vendored assets (`package-lock.json`, `*.min.js`, …).
    pub skip_generated: bool,
    /// Regular expressions; a secret value matching one is not reported.
    pub allow: Vec<String>,
    /// Path globs (`**/testdata/**`); matching files are skipped.
    pub allow_paths: Vec<String>,
    /// Minimum Shannon entropy (bits per character) of a generic secret value.
    pub entropy: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            enabled: Vec::new(),
            disabled: Vec::new(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            skip_binary: true,
            skip_generated: true,
            allow: Vec::new(),
            allow_paths: Vec::new(),
            entropy: DEFAULT_ENTROPY,
        }
    }
}

/// Why a [`Settings`] value was rejected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// An `allow` entry is not a valid regular expression.
    #[error("invalid secrets allow regex `{pattern}`: {source}")]
    AllowRegex {
        /// The pattern.
        pattern: String,
        /// The parser's complaint.
        #[source]
        source: regex::Error,
    },
    /// An `allow_paths` entry is not a valid glob.
    #[error("invalid secrets allow-paths glob `{pattern}`: {source}")]
    AllowPath {
        /// The pattern.
        pattern: String,
        /// The parser's complaint.
        #[source]
        source: globset::Error,
    },
    /// A rule ID that is not one of `MOAT-700`…
    #[error("unknown secret rule `{id}` (see `moat checks`)")]
    UnknownRule {
        /// The ID as given.
        id: String,
    },
    /// The anchor automaton could not be built (a programming error).
    #[error("cannot build the secret prefilter: {0}")]
    Automaton(String),
    /// The entropy threshold is not a number in 0..=8.
    #[error("secrets entropy threshold must be between 0 and 8 bits per character, got {value}")]
    Entropy {
        /// The value given.
        value: f64,
    },
}

/// Why a file is not scanned.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Skip {
    /// Larger than [`Settings::max_file_size`].
    TooLarge {
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// NUL bytes in its first bytes, or a binary file extension.
    Binary,
    /// A lockfile or a minified/generated asset.
    Generated,
    /// Matched an `allow_paths` glob.
    AllowListed,
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Skip::TooLarge { size, limit } => {
                write!(
                    f,
                    "larger than the secrets size limit ({size} > {limit} bytes)"
                )
            }
            Skip::Binary => f.write_str("binary file"),
            Skip::Generated => f.write_str("lockfile or minified asset"),
            Skip::AllowListed => f.write_str("path allow-listed"),
        }
    }
}

/// File extensions of formats that are binary (lower case).
const BINARY_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "bmp", "ico", "webp", "tif", "tiff", "psd", "mp3", "mp4", "m4a",
    "ogg", "wav", "flac", "avi", "mov", "mkv", "webm", "woff", "woff2", "ttf", "otf", "eot", "zip",
    "gz", "tgz", "bz2", "xz", "zst", "7z", "rar", "tar", "jar", "war", "ear", "class", "so", "dll",
    "exe", "dylib", "a", "o", "obj", "lib", "pyc", "pyo", "whl", "deb", "rpm", "apk", "iso", "img",
    "bin", "dat", "db", "sqlite", "pdf", "wasm", "node", "mo",
];

/// File names of lockfiles: generated, huge, full of hashes, never hand-written secrets.
const LOCKFILES: &[&str] = &[
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "cargo.lock",
    "go.sum",
    "poetry.lock",
    "pipfile.lock",
    "composer.lock",
    "gemfile.lock",
    "uv.lock",
    "packages.lock.json",
];

/// Whether the path's name marks a binary format.
pub(crate) fn binary_extension(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(_, ext)| {
        BINARY_EXTENSIONS
            .iter()
            .any(|b| b.eq_ignore_ascii_case(ext))
    })
}

/// Whether the path's name marks a lockfile or a minified asset.
pub(crate) fn generated(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    LOCKFILES.contains(&lower.as_str())
        || lower.ends_with(".min.js")
        || lower.ends_with(".min.css")
        || lower.ends_with(".js.map")
        || lower.ends_with(".css.map")
}

/// The last component of a `/`-separated path.
pub(crate) fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(binary_extension("a/b/logo.PNG"));
        assert!(!binary_extension("config.yaml"));
        assert!(generated("Cargo.lock"));
        assert!(generated("app.min.js"));
        assert!(!generated("app.js"));
        assert_eq!(file_name("a/b/c.txt"), "c.txt");
        assert_eq!(file_name("c.txt"), "c.txt");
    }
}
