//! Package-name normalisation for ecosystems whose names are case-insensitive.

/// The ecosystem without its release suffix (`Debian:12` → `Debian`).
pub fn base_ecosystem(ecosystem: &str) -> &str {
    ecosystem.split(':').next().unwrap_or(ecosystem)
}

/// The name as the ecosystem compares names: `PyPI` per PEP 503 (lowercase, runs of `-`,
/// `_`, `.` become one `-`); `NuGet`, Packagist, Pub and Hackage lowercase; other ecosystems
/// (Go, npm, crates.io, `RubyGems`, Maven, distributions) unchanged.
pub fn normalize(ecosystem: &str, name: &str) -> String {
    match base_ecosystem(ecosystem) {
        "PyPI" => {
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
        "NuGet" | "Packagist" | "Pub" | "Hackage" => name.to_lowercase(),
        _ => name.to_owned(),
    }
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
}
