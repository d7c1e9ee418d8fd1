//! Package URLs (<https://github.com/package-url/purl-spec>): parsing, for SBOMs read
//! back in (`moat sbom scan`) and for matching packages to advisories by ecosystem.

use std::collections::BTreeMap;
use std::fmt;

use crate::Error;

/// A parsed package URL: `pkg:type/namespace/name@version?qualifiers#subpath`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Purl {
    /// Package type (`deb`, `apk`, `rpm`, `pypi`, `npm`, `golang`, `cargo`, `maven`, …),
    /// lowercase.
    pub ty: String,
    /// Namespace segments joined by `/` (decoded), e.g. `debian`, `@babel`, `org.apache`.
    pub namespace: Option<String>,
    /// Name (decoded).
    pub name: String,
    /// Version (decoded).
    pub version: Option<String>,
    /// Qualifiers (keys lowercase, values decoded).
    pub qualifiers: BTreeMap<String, String>,
    /// Subpath (decoded).
    pub subpath: Option<String>,
}

impl Purl {
    /// Parses a package URL; anything that is not one is an [`Error::Invalid`].
    pub fn parse(s: &str) -> Result<Self, Error> {
        let bad = |reason: &str| Error::Invalid {
            what: format!("package URL {s:?}"),
            reason: reason.to_owned(),
        };
        let rest = s
            .strip_prefix("pkg:")
            .ok_or_else(|| bad("does not start with pkg:"))?
            .trim_start_matches('/');
        let (rest, subpath) = match rest.split_once('#') {
            Some((r, sub)) => (r, Some(decode_path(sub).map_err(|e| bad(&e))?)),
            None => (rest, None),
        };
        let (rest, qualifiers) = match rest.split_once('?') {
            Some((r, q)) => (r, parse_qualifiers(q).map_err(|e| bad(&e))?),
            None => (rest, BTreeMap::new()),
        };
        let (ty, rest) = rest.split_once('/').ok_or_else(|| bad("no name"))?;
        if ty.is_empty()
            || !ty
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-'))
        {
            return Err(bad("bad type"));
        }
        let rest = rest.trim_end_matches('/');
        // The version follows the last `@` of the last segment (namespaces like npm's
        // `@scope` start with an encoded or literal `@`).
        let (path, version) = match rest.rfind('@') {
            Some(at) if rest.get(at..).is_some_and(|v| !v.contains('/')) && at > 0 => (
                rest.get(..at).unwrap_or_default(),
                Some(decode(rest.get(at + 1..).unwrap_or_default()).map_err(|e| bad(&e))?),
            ),
            _ => (rest, None),
        };
        let mut segments: Vec<String> = path
            .split('/')
            .filter(|p| !p.is_empty())
            .map(decode)
            .collect::<Result<_, _>>()
            .map_err(|e| bad(&e))?;
        let name = segments.pop().ok_or_else(|| bad("no name"))?;
        if name.is_empty() {
            return Err(bad("empty name"));
        }
        Ok(Self {
            ty: ty.to_ascii_lowercase(),
            namespace: (!segments.is_empty()).then(|| segments.join("/")),
            name,
            version: version.filter(|v| !v.is_empty()),
            qualifiers,
            subpath,
        })
    }

    /// A qualifier's value.
    pub fn qualifier(&self, key: &str) -> Option<&str> {
        self.qualifiers.get(key).map(String::as_str)
    }
}

impl fmt::Display for Purl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pkg:{}/", self.ty)?;
        if let Some(ns) = &self.namespace {
            for seg in ns.split('/') {
                write!(f, "{}/", encode(seg))?;
            }
        }
        f.write_str(&encode(&self.name))?;
        if let Some(v) = &self.version {
            write!(f, "@{}", encode(v))?;
        }
        for (i, (k, v)) in self.qualifiers.iter().enumerate() {
            write!(f, "{}{k}={}", if i == 0 { '?' } else { '&' }, encode(v))?;
        }
        if let Some(sub) = &self.subpath {
            write!(
                f,
                "#{}",
                sub.split('/').map(encode).collect::<Vec<_>>().join("/")
            )?;
        }
        Ok(())
    }
}

/// Percent-encodes all but RFC 3986 unreserved characters.
pub fn encode(s: &str) -> String {
    use fmt::Write as _;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("bad percent-encoding in {s:?}"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("{s:?} is not UTF-8 once decoded"))
}

fn decode_path(s: &str) -> Result<String, String> {
    let parts: Vec<String> = s
        .split('/')
        .filter(|p| !p.is_empty() && *p != "." && *p != "..")
        .map(decode)
        .collect::<Result<_, _>>()?;
    Ok(parts.join("/"))
}

fn parse_qualifiers(q: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for pair in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair
            .split_once('=')
            .ok_or_else(|| format!("qualifier {pair:?} has no value"))?;
        let v = decode(v)?;
        if !v.is_empty() {
            out.insert(k.to_ascii_lowercase(), v);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_common_forms() {
        let p = Purl::parse("pkg:deb/debian/libc6@2.36-9%2Bdeb12u7?arch=amd64&distro=debian-12")
            .unwrap();
        assert_eq!(p.ty, "deb");
        assert_eq!(p.namespace.as_deref(), Some("debian"));
        assert_eq!(p.name, "libc6");
        assert_eq!(p.version.as_deref(), Some("2.36-9+deb12u7"));
        assert_eq!(p.qualifier("distro"), Some("debian-12"));
        assert_eq!(
            p.to_string(),
            "pkg:deb/debian/libc6@2.36-9%2Bdeb12u7?arch=amd64&distro=debian-12"
        );
        let p = Purl::parse("pkg:npm/%40babel/core@7.24.0").unwrap();
        assert_eq!(
            (p.namespace.as_deref(), p.name.as_str()),
            (Some("@babel"), "core")
        );
        let p = Purl::parse("pkg:golang/github.com/gin-gonic/gin@v1.9.1").unwrap();
        assert_eq!(p.namespace.as_deref(), Some("github.com/gin-gonic"));
        assert_eq!(p.version.as_deref(), Some("v1.9.1"));
        let p =
            Purl::parse("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar").unwrap();
        assert_eq!(p.name, "log4j-core");
        let p = Purl::parse("pkg:deb/debian/dpkg@1%3A1.21.22#usr/bin").unwrap();
        assert_eq!(p.version.as_deref(), Some("1:1.21.22"));
        assert_eq!(p.subpath.as_deref(), Some("usr/bin"));
        let p = Purl::parse("pkg:pypi/requests").unwrap();
        assert_eq!(p.version, None);
    }

    #[test]
    fn rejects_what_is_not_a_purl() {
        for bad in [
            "deb/debian/x@1",
            "pkg:",
            "pkg:deb",
            "pkg:deb/",
            "pkg:de b/x",
            "pkg:deb/x@1%zz",
        ] {
            assert!(Purl::parse(bad).is_err(), "{bad}");
        }
    }
}
