//! [`Ecosystem`]: which package manager's ordering rules apply, from OSV or purl names.

use std::fmt;

/// A package ecosystem with its own version ordering.
///
/// The declaration order is the order used when versions of different ecosystems are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Ecosystem {
    /// Debian and Ubuntu packages (dpkg ordering, deb-version(7)).
    Debian,
    /// RPM-based distributions: Red Hat, AlmaLinux, Rocky Linux, SUSE, openSUSE, ... (rpmvercmp).
    Rpm,
    /// Alpine Linux and other apk users (apk-tools ordering).
    Alpine,
    /// Python packages (PEP 440, with the legacy ordering for non-PEP 440 strings).
    PyPI,
    /// npm packages (SemVer 2.0).
    Npm,
    /// Rust crates (SemVer 2.0).
    CratesIo,
    /// Go modules (SemVer with `v`, `+incompatible`, pseudo-versions).
    Go,
    /// Maven artifacts (Maven version order).
    Maven,
    /// Ruby gems (`Gem::Version`).
    RubyGems,
    /// NuGet packages (`NuGetVersion`: four numbers, case-insensitive pre-release).
    NuGet,
    /// Dart and Flutter packages (`pub_semver`: SemVer where build metadata also orders).
    Pub,
    /// Haskell packages (dot-separated numbers).
    Hackage,
    /// R packages on CRAN (numbers separated by `.` or `-`).
    Cran,
    /// PHP packages on Packagist (Composer; PHP's `version_compare`).
    Packagist,
}

impl Ecosystem {
    /// Every ecosystem, in comparison order.
    pub const ALL: [Ecosystem; 14] = [
        Ecosystem::Debian,
        Ecosystem::Rpm,
        Ecosystem::Alpine,
        Ecosystem::PyPI,
        Ecosystem::Npm,
        Ecosystem::CratesIo,
        Ecosystem::Go,
        Ecosystem::Maven,
        Ecosystem::RubyGems,
        Ecosystem::NuGet,
        Ecosystem::Pub,
        Ecosystem::Hackage,
        Ecosystem::Cran,
        Ecosystem::Packagist,
    ];

    /// From an OSV ecosystem string: `"Debian:12"`, `"Ubuntu:22.04:LTS"` → Debian;
    /// `"AlmaLinux:9"`, `"Rocky Linux:8"`, `"Red Hat:..."`, `"openSUSE"`, `"SUSE"`, `"Mageia"`,
    /// `"openEuler"` → Rpm; `"Alpine:v3.18"`, `"Wolfi"`, `"Chainguard"` → Alpine; `"PyPI"`, `"npm"`,
    /// `"crates.io"`, `"Go"`, `"Maven"`, `"RubyGems"`, `"NuGet"`, `"Pub"`, `"Hackage"`, `"CRAN"`,
    /// `"Packagist"`. `None` when unknown.
    pub fn from_osv(s: &str) -> Option<Self> {
        let base = s.split(':').next().unwrap_or(s).trim();
        Some(match base {
            "Debian" | "Ubuntu" => Ecosystem::Debian,
            "AlmaLinux" | "Rocky Linux" | "Red Hat" | "openSUSE" | "SUSE" | "Mageia"
            | "openEuler" => Ecosystem::Rpm,
            "Alpine" | "Wolfi" | "Chainguard" | "Alpaquita" | "MinimOS" => Ecosystem::Alpine,
            "PyPI" => Ecosystem::PyPI,
            "npm" => Ecosystem::Npm,
            "crates.io" => Ecosystem::CratesIo,
            "Go" => Ecosystem::Go,
            "Maven" => Ecosystem::Maven,
            "RubyGems" => Ecosystem::RubyGems,
            "NuGet" => Ecosystem::NuGet,
            "Pub" => Ecosystem::Pub,
            "Hackage" => Ecosystem::Hackage,
            "CRAN" => Ecosystem::Cran,
            "Packagist" => Ecosystem::Packagist,
            _ => return None,
        })
    }

    /// From a purl type: `deb`, `rpm`, `apk`, `pypi`, `npm`, `cargo`, `golang`, `maven`, `gem`,
    /// `nuget`, `pub`, `hackage`, `cran`, `composer` (case-insensitive, as the purl spec says).
    pub fn from_purl_type(t: &str) -> Option<Self> {
        Some(match t.to_ascii_lowercase().as_str() {
            "deb" => Ecosystem::Debian,
            "rpm" => Ecosystem::Rpm,
            "apk" => Ecosystem::Alpine,
            "pypi" => Ecosystem::PyPI,
            "npm" => Ecosystem::Npm,
            "cargo" => Ecosystem::CratesIo,
            "golang" => Ecosystem::Go,
            "maven" => Ecosystem::Maven,
            "gem" => Ecosystem::RubyGems,
            "nuget" => Ecosystem::NuGet,
            "pub" => Ecosystem::Pub,
            "hackage" => Ecosystem::Hackage,
            "cran" => Ecosystem::Cran,
            "composer" => Ecosystem::Packagist,
            _ => return None,
        })
    }

    /// The OSV name of the ecosystem (`"Debian"`, `"PyPI"`, `"crates.io"`, ...; `"RPM"` for Rpm).
    pub fn name(self) -> &'static str {
        match self {
            Ecosystem::Debian => "Debian",
            Ecosystem::Rpm => "RPM",
            Ecosystem::Alpine => "Alpine",
            Ecosystem::PyPI => "PyPI",
            Ecosystem::Npm => "npm",
            Ecosystem::CratesIo => "crates.io",
            Ecosystem::Go => "Go",
            Ecosystem::Maven => "Maven",
            Ecosystem::RubyGems => "RubyGems",
            Ecosystem::NuGet => "NuGet",
            Ecosystem::Pub => "Pub",
            Ecosystem::Hackage => "Hackage",
            Ecosystem::Cran => "CRAN",
            Ecosystem::Packagist => "Packagist",
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osv_names() {
        assert_eq!(Ecosystem::from_osv("Debian:12"), Some(Ecosystem::Debian));
        assert_eq!(
            Ecosystem::from_osv("Ubuntu:22.04:LTS"),
            Some(Ecosystem::Debian)
        );
        assert_eq!(
            Ecosystem::from_osv("Ubuntu:Pro:FIPS-updates:22.04:LTS"),
            Some(Ecosystem::Debian)
        );
        assert_eq!(Ecosystem::from_osv("AlmaLinux:9"), Some(Ecosystem::Rpm));
        assert_eq!(Ecosystem::from_osv("Rocky Linux:8"), Some(Ecosystem::Rpm));
        assert_eq!(
            Ecosystem::from_osv("Red Hat:enterprise_linux:9::appstream"),
            Some(Ecosystem::Rpm)
        );
        assert_eq!(Ecosystem::from_osv("openSUSE"), Some(Ecosystem::Rpm));
        assert_eq!(
            Ecosystem::from_osv("SUSE:Linux Enterprise Server 15 SP5"),
            Some(Ecosystem::Rpm)
        );
        assert_eq!(Ecosystem::from_osv("Alpine:v3.18"), Some(Ecosystem::Alpine));
        assert_eq!(Ecosystem::from_osv("crates.io"), Some(Ecosystem::CratesIo));
        assert_eq!(Ecosystem::from_osv("Go"), Some(Ecosystem::Go));
        assert_eq!(Ecosystem::from_osv("CRAN"), Some(Ecosystem::Cran));
        assert_eq!(Ecosystem::from_osv("Packagist"), Some(Ecosystem::Packagist));
        assert_eq!(Ecosystem::from_osv("Hex"), None);
        assert_eq!(
            Ecosystem::from_osv("pypi"),
            None,
            "OSV names are case-sensitive"
        );
        assert_eq!(Ecosystem::from_osv(""), None);
    }

    #[test]
    fn purl_types() {
        for (t, e) in [
            ("deb", Ecosystem::Debian),
            ("rpm", Ecosystem::Rpm),
            ("apk", Ecosystem::Alpine),
            ("pypi", Ecosystem::PyPI),
            ("npm", Ecosystem::Npm),
            ("cargo", Ecosystem::CratesIo),
            ("golang", Ecosystem::Go),
            ("maven", Ecosystem::Maven),
            ("gem", Ecosystem::RubyGems),
            ("NuGet", Ecosystem::NuGet),
        ] {
            assert_eq!(Ecosystem::from_purl_type(t), Some(e), "{t}");
        }
        assert_eq!(Ecosystem::from_purl_type("github"), None);
    }

    #[test]
    fn names_round_trip() {
        for e in Ecosystem::ALL {
            if e != Ecosystem::Rpm {
                assert_eq!(Ecosystem::from_osv(e.name()), Some(e));
            }
        }
    }
}
