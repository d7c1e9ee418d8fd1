//! Package-name normalisation for ecosystems whose names are case-insensitive.

use std::borrow::Cow;

/// The ecosystem without its release suffix (`Debian:12` → `Debian`).
pub fn base_ecosystem(ecosystem: &str) -> &str {
    ecosystem.split(':').next().unwrap_or(ecosystem)
}

/// How an ecosystem compares package names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameRule {
    /// As written (Go, npm, crates.io, `RubyGems`, Maven, distributions).
    AsWritten,
    /// Case-insensitively (`NuGet`, Packagist, Pub, Hackage).
    Lowercase,
    /// PEP 503 (`PyPI`): lowercase, runs of `-`, `_`, `.` become one `-`.
    Pep503,
}

impl NameRule {
    /// The rule of `ecosystem` (with or without its release suffix).
    pub fn of(ecosystem: &str) -> Self {
        match base_ecosystem(ecosystem) {
            "PyPI" => Self::Pep503,
            "NuGet" | "Packagist" | "Pub" | "Hackage" => Self::Lowercase,
            _ => Self::AsWritten,
        }
    }

    /// The name in normal form.
    pub fn normalize(self, name: &str) -> String {
        match self {
            Self::Pep503 => {
                let mut out = String::with_capacity(name.len());
                let mut sep = false;
                for c in name.chars() {
                    if matches!(c, '-' | '_' | '.') {
                        sep = true;
                        continue;
                    }
                    if sep {
                        out.push('-');
                    }
                    sep = false;
                    out.extend(c.to_lowercase());
                }
                if sep {
                    out.push('-');
                }
                out
            }
            Self::Lowercase => name.to_lowercase(),
            Self::AsWritten => name.to_owned(),
        }
    }

    /// [`normalize`](Self::normalize) without allocating when the name is already in
    /// normal form (always for [`AsWritten`](Self::AsWritten); for the others when the
    /// name is lowercase ASCII, for PEP 503 also without `_`, `.` or `--`).
    pub fn normalize_cow(self, name: &str) -> Cow<'_, str> {
        let normal = match self {
            Self::Pep503 => {
                name.is_ascii()
                    && !name.bytes().any(|c| matches!(c, b'A'..=b'Z' | b'_' | b'.'))
                    && !name.contains("--")
            }
            Self::Lowercase => name.is_ascii() && !name.bytes().any(|c| c.is_ascii_uppercase()),
            Self::AsWritten => true,
        };
        if normal {
            Cow::Borrowed(name)
        } else {
            Cow::Owned(self.normalize(name))
        }
    }
}

/// The name as the ecosystem compares names: `PyPI` per PEP 503 (lowercase, runs of `-`,
/// `_`, `.` become one `-`); `NuGet`, Packagist, Pub and Hackage lowercase; other ecosystems
/// (Go, npm, crates.io, `RubyGems`, Maven, distributions) unchanged. See [`NameRule`].
pub fn normalize(ecosystem: &str, name: &str) -> String {
    NameRule::of(ecosystem).normalize(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503() {
        assert_eq!(normalize("PyPI", "Foo.Bar__baz-Qux"), "foo-bar-baz-qux");
        assert_eq!(normalize("PyPI", "requests"), "requests");
        assert_eq!(normalize("NuGet", "Newtonsoft.Json"), "newtonsoft.json");
        assert_eq!(normalize("Go", "github.com/A/b"), "github.com/A/b");
        assert_eq!(base_ecosystem("Ubuntu:22.04:LTS"), "Ubuntu");
    }

    #[test]
    fn borrowed_form_equals_the_normal_form() {
        for (eco, name) in [
            ("PyPI", "Foo.Bar__baz-Qux"),
            ("PyPI", "requests"),
            ("PyPI", "a--b"),
            ("PyPI", "-a-"),
            ("PyPI", "zope.interface"),
            ("PyPI", "Ünïcode_Name"),
            ("NuGet", "Newtonsoft.Json"),
            ("NuGet", "newtonsoft.json"),
            ("Hackage", "ÄBC"),
            ("Go", "github.com/A/b"),
            ("Debian:12", "openssl"),
        ] {
            let cow = NameRule::of(eco).normalize_cow(name);
            assert_eq!(cow, normalize(eco, name), "{eco} {name}");
            let borrowed = matches!(cow, std::borrow::Cow::Borrowed(_));
            assert_eq!(borrowed, normalize(eco, name) == name, "{eco} {name}");
        }
    }
}
