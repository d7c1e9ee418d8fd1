//! Java archives (`*.jar`, `*.war`, `*.ear`): the zip central directory is read (with
//! the `zip` crate), then per archive every `META-INF/maven/<group>/<artifact>/
//! pom.properties` is a package; without one, `META-INF/MANIFEST.MF`
//! (`Implementation-Title`/`-Version`, `Bundle-SymbolicName`/`-Version`,
//! `Implementation-Vendor-Id` as group); without either, the file name
//! (`commons-lang3-3.12.0.jar`). Archives inside archives (`WEB-INF/lib/*.jar` of a war,
//! `BOOT-INF/lib/*.jar`, jars in an ear) are read in memory to a bounded depth, size
//! and total of decompressed bytes ([`JavaLimits`]), so a zip bomb or a deep nest is a
//! problem, not an allocation. Nested packages are located at `outer.war!/WEB-INF/lib/inner.jar`.

use std::io::{Cursor, Read};

use super::PackageKind;
use super::lang::{Findings, ParseError, package};
use crate::Package;
use crate::fs::Inspector;

/// Bounds on reading one archive (and everything nested in it).
#[derive(Debug, Clone, Copy)]
pub struct JavaLimits {
    /// Deepest nesting followed (the archive in the image is depth 0).
    pub max_depth: usize,
    /// Largest nested archive read into memory (peak memory is at most `max_depth`
    /// times this).
    pub max_nested: u64,
    /// Most bytes decompressed for nested archives and metadata, over the whole tree
    /// (bounds the time spent on one archive).
    pub max_total: u64,
    /// Most entries looked at per archive.
    pub max_entries: usize,
    /// Largest metadata file (`pom.properties`, `MANIFEST.MF`) read.
    pub max_metadata: u64,
}

impl Default for JavaLimits {
    fn default() -> Self {
        Self {
            max_depth: 4,
            max_nested: 16 << 20,
            max_total: 256 << 20,
            max_entries: 100_000,
            max_metadata: 1 << 20,
        }
    }
}

/// The Java archive cataloger.
#[derive(Debug, Default, Clone)]
pub struct Java {
    pub(crate) findings: Findings,
    /// The bounds in force.
    pub limits: JavaLimits,
}

/// Whether `name` ends with `.jar`, `.war` or `.ear` (any case).
pub fn is_archive(name: &str) -> bool {
    let n = name.len();
    n > 4
        && name.get(n - 4..).is_some_and(|ext| {
            [".jar", ".war", ".ear"]
                .iter()
                .any(|e| ext.eq_ignore_ascii_case(e))
        })
}

/// What reading one archive tree gave: packages (with their `location`) and the
/// nested locations that could not be read.
#[derive(Debug, Default)]
pub struct Archive {
    /// Packages found, outermost archive first.
    pub packages: Vec<Package>,
    /// Problems, by location (`outer!/inner`).
    pub problems: Vec<(String, ParseError)>,
}

/// Reads the archive at `location` (its whole content `data`) and everything nested.
pub fn read(location: &str, data: &[u8], limits: JavaLimits) -> Archive {
    let mut out = Archive::default();
    let mut budget = limits.max_total;
    walk(location, data, 0, &limits, &mut budget, &mut out);
    out
}

fn zip_error(e: &zip::result::ZipError) -> ParseError {
    ParseError::invalid("zip archive", e.to_string())
}

/// Reads at most `limit` bytes of an entry; more is a [`ParseError::TooLarge`].
fn read_bounded(r: impl Read, limit: u64, what: &str) -> Result<Vec<u8>, ParseError> {
    let mut buf = Vec::new();
    r.take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| ParseError::invalid(what, e.to_string()))?;
    if buf.len() as u64 > limit {
        return Err(ParseError::TooLarge {
            what: what.to_owned(),
            limit,
        });
    }
    Ok(buf)
}

/// Metadata of one archive, gathered in a first pass over its entries.
#[derive(Default)]
struct Meta {
    poms: Vec<(String, String, String)>,
    manifest: Option<Vec<(String, String)>>,
    nested: Vec<usize>,
}

fn walk(
    location: &str,
    data: &[u8],
    depth: usize,
    limits: &JavaLimits,
    budget: &mut u64,
    out: &mut Archive,
) {
    let mut zip = match zip::ZipArchive::new(Cursor::new(data)) {
        Ok(z) => z,
        Err(e) => {
            out.problems.push((location.to_owned(), zip_error(&e)));
            return;
        }
    };
    if zip.len() > limits.max_entries {
        out.problems.push((
            location.to_owned(),
            ParseError::TooLarge {
                what: "zip entries".into(),
                limit: limits.max_entries as u64,
            },
        ));
    }
    let mut meta = Meta::default();
    for i in 0..zip.len().min(limits.max_entries) {
        let name = match zip.name_for_index(i) {
            Some(Ok(n)) => n.into_owned(),
            Some(Err(e)) => {
                out.problems.push((location.to_owned(), zip_error(&e)));
                continue;
            }
            None => continue,
        };
        let is_pom = name.starts_with("META-INF/maven/") && name.ends_with("/pom.properties");
        let is_manifest = name.eq_ignore_ascii_case("META-INF/MANIFEST.MF");
        if is_archive(&name) && !name.ends_with('/') {
            meta.nested.push(i);
        }
        if !is_pom && !is_manifest {
            continue;
        }
        let limit = limits.max_metadata.min(*budget);
        let content = zip
            .by_index(i)
            .map_err(|e| zip_error(&e))
            .and_then(|f| read_bounded(f, limit, "Java metadata file"));
        let content = match content {
            Ok(c) => c,
            Err(e) => {
                out.problems.push((format!("{location}!/{name}"), e));
                continue;
            }
        };
        *budget = budget.saturating_sub(content.len() as u64);
        let text = String::from_utf8_lossy(&content);
        if is_pom {
            let props = properties(&text);
            let get = |k: &str| {
                props
                    .iter()
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| v.clone())
            };
            if let (Some(g), Some(a), Some(v)) = (get("groupId"), get("artifactId"), get("version"))
            {
                meta.poms.push((g, a, v));
            }
        } else {
            meta.manifest = Some(manifest_main(&text));
        }
    }
    record(location, &meta, out);
    for i in meta.nested {
        let name = zip
            .name_for_index(i)
            .and_then(Result::ok)
            .map(std::borrow::Cow::into_owned)
            .unwrap_or_default();
        let inner = format!("{location}!/{name}");
        if depth + 1 > limits.max_depth {
            out.problems.push((
                inner,
                ParseError::TooLarge {
                    what: "archive nesting depth".into(),
                    limit: limits.max_depth as u64,
                },
            ));
            continue;
        }
        let content = zip.by_index(i).map_err(|e| zip_error(&e)).and_then(|f| {
            if *budget < limits.max_nested {
                read_bounded(f, *budget, "decompressed bytes of nested archives")
            } else {
                read_bounded(f, limits.max_nested, "nested archive")
            }
        });
        match content {
            Ok(c) => {
                *budget = budget.saturating_sub(c.len() as u64);
                walk(&inner, &c, depth + 1, limits, budget, out);
            }
            Err(e) => out.problems.push((inner, e)),
        }
    }
}

/// Adds the packages of one archive from its metadata.
fn record(location: &str, meta: &Meta, out: &mut Archive) {
    if !meta.poms.is_empty() {
        let mut seen = std::collections::BTreeSet::new();
        for (g, a, v) in &meta.poms {
            if seen.insert((g, a, v)) {
                out.packages
                    .push(package(PackageKind::Java, &format!("{g}:{a}"), v, location));
            }
        }
        return;
    }
    let file = location.rsplit(['/', '!']).next().unwrap_or(location);
    let (file_name, file_version) = split_file_name(file);
    let get = |k: &str| {
        meta.manifest.as_ref().and_then(|m| {
            m.iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.as_str())
                .filter(|v| !v.is_empty())
        })
    };
    let symbolic = get("Bundle-SymbolicName").map(|s| s.split(';').next().unwrap_or(s).trim());
    let artifact = get("Implementation-Title")
        .filter(|t| !t.contains(' '))
        .or(symbolic)
        .unwrap_or(file_name);
    let version = get("Implementation-Version")
        .or_else(|| get("Bundle-Version"))
        .unwrap_or(file_version);
    let name = match get("Implementation-Vendor-Id") {
        Some(g) if !artifact.contains(':') => format!("{g}:{artifact}"),
        _ => artifact.to_owned(),
    };
    if !name.is_empty() {
        out.packages
            .push(package(PackageKind::Java, &name, version, location));
    }
}

/// `commons-lang3-3.12.0.jar` → (`commons-lang3`, `3.12.0`): the version starts after the
/// last `-` that is followed by a digit.
pub fn split_file_name(file: &str) -> (&str, &str) {
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    let split = stem
        .match_indices('-')
        .filter(|(i, _)| {
            stem.get(i + 1..)
                .and_then(|r| r.chars().next())
                .is_some_and(|c| c.is_ascii_digit())
        })
        .map(|(i, _)| i)
        .next_back();
    match split {
        Some(i) => (
            stem.get(..i).unwrap_or(stem),
            stem.get(i + 1..).unwrap_or_default(),
        ),
        None => (stem, ""),
    }
}

/// `key=value` / `key: value` lines of a Java properties file (comments skipped,
/// line continuations not joined: pom.properties does not use them).
fn properties(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('!'))
        .filter_map(|l| {
            let at = l.find(['=', ':'])?;
            Some((
                l.get(..at)?.trim().to_owned(),
                l.get(at + 1..)?.trim().to_owned(),
            ))
        })
        .collect()
}

/// The main section of a `MANIFEST.MF`: `Name: value` headers up to the first blank
/// line, continuation lines (starting with one space) joined.
fn manifest_main(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if let Some(cont) = line.strip_prefix(' ') {
            if let Some((_, v)) = out.last_mut() {
                v.push_str(cont);
            }
        } else if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    out
}

impl Inspector for Java {
    fn wants(&self, path: &str, size: u64, _mode: u32) -> bool {
        size >= 22 && is_archive(path)
    }

    fn inspect(&mut self, layer: usize, path: &str, content: &[u8]) {
        if !is_archive(path) {
            return;
        }
        let archive = read(path, content, self.limits);
        for p in archive.packages {
            self.findings.package(layer, path, p);
        }
        for (location, e) in archive.problems {
            self.findings
                .problem(layer, &location, PackageKind::Java, e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names() {
        assert_eq!(
            split_file_name("commons-lang3-3.12.0.jar"),
            ("commons-lang3", "3.12.0")
        );
        assert_eq!(
            split_file_name("log4j-core-2.14.1-SNAPSHOT.jar"),
            ("log4j-core", "2.14.1-SNAPSHOT")
        );
        assert_eq!(split_file_name("app.jar"), ("app", ""));
        assert!(is_archive("x/App.WAR"));
        assert!(!is_archive(".jar"));
        assert!(!is_archive("x.jar.sha1"));
    }

    #[test]
    fn manifest_and_properties() {
        let m = manifest_main(
            "Manifest-Version: 1.0\r\nBundle-SymbolicName: org.example.very.lo\r\n ng.name;singleton:=true\r\n\r\nName: x\r\n",
        );
        assert_eq!(m[1].1, "org.example.very.long.name;singleton:=true");
        assert_eq!(m.len(), 2);
        let p = properties("#Generated\nversion=1.2\ngroupId = g\nartifactId: a\n");
        assert_eq!(p.len(), 3);
        assert_eq!(p[2], ("artifactId".into(), "a".into()));
    }

    #[test]
    fn corrupt_archive_is_a_problem() {
        let a = read(
            "app/x.jar",
            b"PK\x03\x04 not really a zip",
            JavaLimits::default(),
        );
        assert!(a.packages.is_empty());
        assert_eq!(a.problems.len(), 1);
        assert_eq!(a.problems[0].0, "app/x.jar");
    }
}
