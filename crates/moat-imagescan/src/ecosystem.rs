//! Which advisories can apply to a package: its package URL (and, for OS packages, the
//! distribution release and source package) mapped to the OSV ecosystem string, package
//! name and version that advisories are keyed by. A Debian package only ever meets
//! `Debian:<release>` advisories, never PyPI's for a same-named library.

use moat_image::purl::Purl;
use moat_version::Ecosystem;

/// What to look up for one package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// OSV ecosystem with release: `Debian:12`, `Ubuntu:22.04:LTS`, `Alpine:v3.19`,
    /// `AlmaLinux:9`, `PyPI`, `npm`, `Go`, `crates.io`, `Maven`, `RubyGems`, `NuGet`.
    pub ecosystem: String,
    /// Version ordering rules.
    pub order: Ecosystem,
    /// Advisory package name: the source package for Debian/Ubuntu, the origin for
    /// Alpine, the source rpm's name for RPM distributions; the normalised name
    /// otherwise (PEP 503 for PyPI, `group:artifact` for Maven, module path for Go).
    pub name: String,
    /// Version to compare: the source version for Debian/Ubuntu when recorded (binNMU
    /// suffixes like `+b1` are not in advisories), else the installed version.
    pub version: String,
}

/// A distribution release: os-release `ID` and `VERSION_ID`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Distro {
    /// `debian`, `ubuntu`, `alpine`, `almalinux`, `rocky`, …
    pub id: String,
    /// `12`, `22.04`, `3.19.1`, `9.3`.
    pub version_id: String,
}

impl Distro {
    /// From a purl `distro` qualifier: `debian-12`, `alpine-3.19`, `ubuntu-22.04`.
    pub fn from_qualifier(q: &str) -> Option<Self> {
        let (id, v) = q.split_once('-')?;
        Some(Self {
            id: id.to_ascii_lowercase(),
            version_id: v.to_owned(),
        })
    }

    /// The OSV ecosystem of this release, when OSV has advisories for it.
    pub fn osv_ecosystem(&self) -> Option<String> {
        let v = self.version_id.as_str();
        let major = v.split('.').next().unwrap_or(v);
        let major_minor = || {
            let mut it = v.split('.');
            match (it.next(), it.next()) {
                (Some(a), Some(b)) => Some(format!("{a}.{b}")),
                _ => None,
            }
        };
        match self.id.as_str() {
            "debian" if !major.is_empty() && major.bytes().all(|b| b.is_ascii_digit()) => {
                Some(format!("Debian:{major}"))
            }
            "ubuntu" => {
                let mm = major_minor()?;
                // LTS releases: April releases of even years.
                let lts =
                    mm.ends_with(".04") && major.parse::<u32>().is_ok_and(|y| y.is_multiple_of(2));
                Some(if lts {
                    format!("Ubuntu:{mm}:LTS")
                } else {
                    format!("Ubuntu:{mm}")
                })
            }
            "alpine" => Some(format!("Alpine:v{}", major_minor()?)),
            "almalinux" => Some(format!("AlmaLinux:{major}")),
            "rocky" => Some(format!("Rocky Linux:{major}")),
            _ => None,
        }
    }
}

/// The lookup for a package, or `None` when no advisory ecosystem covers it (then the
/// package is reported as not checked, never silently as clean).
pub fn query(purl: &Purl, source: Option<(&str, &str)>, distro: Option<&Distro>) -> Option<Query> {
    let version = purl.version.clone()?;
    let from_qualifier = purl.qualifier("distro").and_then(Distro::from_qualifier);
    let distro = distro.cloned().or(from_qualifier);
    let os = |order: Ecosystem, source_version_ok: bool| {
        let ecosystem = distro.as_ref()?.osv_ecosystem()?;
        let (name, version) = match source {
            Some((n, v)) if !n.is_empty() => (
                n.to_owned(),
                if source_version_ok && !v.is_empty() {
                    v.to_owned()
                } else {
                    version.clone()
                },
            ),
            _ => (purl.name.clone(), version.clone()),
        };
        Some(Query {
            ecosystem,
            order,
            name,
            version,
        })
    };
    let lang = |ecosystem: &str, order: Ecosystem, name: String| {
        Some(Query {
            ecosystem: ecosystem.to_owned(),
            order,
            name,
            version: version.clone(),
        })
    };
    let with_namespace = |sep: &str| match &purl.namespace {
        Some(ns) => format!("{ns}{sep}{}", purl.name),
        None => purl.name.clone(),
    };
    match purl.ty.as_str() {
        "deb" => os(Ecosystem::Debian, true),
        "apk" => os(Ecosystem::Alpine, false),
        "rpm" => {
            // Advisories name source rpms and fixed versions as `[epoch:]version-release`.
            let mut q = os(Ecosystem::Rpm, false)?;
            if let Some(epoch) = purl.qualifier("epoch").filter(|e| *e != "0")
                && !q.version.contains(':')
            {
                q.version = format!("{epoch}:{}", q.version);
            }
            Some(q)
        }
        "pypi" => lang(
            "PyPI",
            Ecosystem::PyPI,
            moat_image::catalog::python::normalize(&purl.name),
        ),
        "npm" => lang("npm", Ecosystem::Npm, with_namespace("/")),
        "cargo" => lang("crates.io", Ecosystem::CratesIo, purl.name.clone()),
        "golang" => lang("Go", Ecosystem::Go, with_namespace("/")),
        "maven" => lang("Maven", Ecosystem::Maven, with_namespace(":")),
        "gem" => lang("RubyGems", Ecosystem::RubyGems, purl.name.clone()),
        "nuget" => lang("NuGet", Ecosystem::NuGet, purl.name.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(purl: &str, source: Option<(&str, &str)>) -> Option<(String, String, String)> {
        query(&Purl::parse(purl).unwrap(), source, None).map(|q| (q.ecosystem, q.name, q.version))
    }

    #[allow(clippy::unnecessary_wraps)]
    fn t(a: &str, b: &str, c: &str) -> Option<(String, String, String)> {
        Some((a.into(), b.into(), c.into()))
    }

    #[test]
    fn os_packages_match_by_source_and_release() {
        assert_eq!(
            q(
                "pkg:deb/debian/libssl3@3.0.13-1~deb12u1%2Bb1?arch=amd64&distro=debian-12",
                Some(("openssl", "3.0.13-1~deb12u1"))
            ),
            t("Debian:12", "openssl", "3.0.13-1~deb12u1")
        );
        assert_eq!(
            q("pkg:deb/ubuntu/bash@5.1-6ubuntu1?distro=ubuntu-22.04", None),
            t("Ubuntu:22.04:LTS", "bash", "5.1-6ubuntu1")
        );
        assert_eq!(
            q("pkg:deb/ubuntu/bash@5.2?distro=ubuntu-23.10", None),
            t("Ubuntu:23.10", "bash", "5.2")
        );
        assert_eq!(
            q(
                "pkg:apk/alpine/libcrypto3@3.1.4-r5?distro=alpine-3.19.1",
                Some(("openssl", "3.1.4-r5"))
            ),
            t("Alpine:v3.19", "openssl", "3.1.4-r5")
        );
        assert_eq!(
            q(
                "pkg:rpm/almalinux/openssl-libs@3.0.7-25.el9?epoch=1&distro=almalinux-9.3",
                Some(("openssl", "3.0.7-25.el9"))
            ),
            t("AlmaLinux:9", "openssl", "1:3.0.7-25.el9")
        );
        // No release known: no OS lookup (reported as unchecked by the caller).
        assert_eq!(q("pkg:deb/debian/bash@5.2", None), None);
    }

    #[test]
    fn language_packages_never_meet_os_advisories() {
        assert_eq!(
            q("pkg:pypi/Requests_OAuthlib@1.0", None),
            t("PyPI", "requests-oauthlib", "1.0")
        );
        // Debian's python3-requests is a deb: only Debian advisories, by source package.
        assert_eq!(
            q(
                "pkg:deb/debian/python3-requests@2.28.1%2Bdfsg-1?distro=debian-12",
                Some(("requests", "2.28.1+dfsg-1"))
            ),
            t("Debian:12", "requests", "2.28.1+dfsg-1")
        );
        assert_eq!(
            q("pkg:npm/%40babel/core@7.0.0", None),
            t("npm", "@babel/core", "7.0.0")
        );
        assert_eq!(
            q("pkg:golang/golang.org/x/net@v0.7.0", None),
            t("Go", "golang.org/x/net", "v0.7.0")
        );
        assert_eq!(
            q("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", None),
            t("Maven", "org.apache.logging.log4j:log4j-core", "2.14.1")
        );
        assert_eq!(
            q("pkg:cargo/smallvec@0.6.9", None),
            t("crates.io", "smallvec", "0.6.9")
        );
        assert_eq!(q("pkg:generic/thing@1", None), None);
        assert_eq!(q("pkg:pypi/requests", None), None, "no version");
    }
}
