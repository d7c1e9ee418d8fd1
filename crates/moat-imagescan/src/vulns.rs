//! Vulnerability matching: each package's advisories (looked up by OSV ecosystem and
//! name in the local database, see [`crate::ecosystem`]) evaluated with the exact version
//! ordering of its ecosystem (`moat-version`), records naming the same vulnerability
//! (aliases: CVE ↔ GHSA ↔ DSA/USN/PYSEC/GO/RUSTSEC) merged into one result with every
//! ID, severity from CVSS vectors or the ecosystem's own rating, and the versions that
//! fix it. Every match keeps the record, range and event that produced it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use moat_core::{CheckMeta, Finding, ResourceRef, Severity};
use moat_image::purl::Purl;
use moat_vulndb::{Database, Reason, Record};

use crate::ecosystem::{Distro, Query, query};

/// `MOAT-760`: the catalogue entry every vulnerability finding uses.
pub static VULNERABLE: CheckMeta = CheckMeta {
    id: "MOAT-760",
    name: "vulnerable-package",
    severity: Severity::High,
    title: "Package with a known vulnerability",
    rationale: "The image contains a package version that an advisory (OSV, Debian, Alpine, GitHub, Go, PyPA, RustSec, …) lists as affected. The finding's severity is the vulnerability's: from its CVSS vector when the advisory has one, else the ecosystem's own rating.",
    remediation: "Upgrade the package to a fixed version (rebuild the image on an updated base for OS packages); when no fix exists, assess exposure, and record the decision as a waiver or a VEX statement.",
    fix_example: "# Debian-based images: rebuild on a current base and upgrade\nRUN apt-get update && apt-get upgrade -y && rm -rf /var/lib/apt/lists/*\n",
    references: &[
        "https://ossf.github.io/osv-schema/",
        "https://osv.dev/",
        "https://security-tracker.debian.org/tracker/",
    ],
    frameworks: &["NSA-CISA", "CIS-Docker-4.4", "SLSA"],
};

/// A package to match: its purl and, for OS packages, its source package.
#[derive(Debug, Clone)]
pub struct Subject {
    /// Package URL (type, name, version, distro qualifier).
    pub purl: Purl,
    /// Source package name and version (dpkg `Source`, apk origin, source rpm).
    pub source: Option<(String, String)>,
    /// Where it was found (database file, binary, archive).
    pub location: String,
}

/// Why one record matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// The record.
    pub record: String,
    /// The `affected[]` entry's ecosystem and package.
    pub package: String,
    /// What decided, in words: the range and event, or the listed version.
    pub reason: String,
}

/// One vulnerability of one package (all aliases merged).
#[derive(Debug, Clone)]
pub struct VulnMatch {
    /// Index of the package in the subjects given.
    pub subject: usize,
    /// Every ID, the preferred one first (a CVE when there is one).
    pub ids: Vec<String>,
    /// What was looked up.
    pub query: Query,
    /// Versions that fix it (from the matching ranges), in ascending order.
    pub fixed: Vec<String>,
    /// Severity (unrated vulnerabilities count as medium, see `rated`).
    pub severity: Severity,
    /// The CVSS base score, when a vector gave one.
    pub score: Option<f64>,
    /// The CVSS vector that gave the score.
    pub vector: Option<String>,
    /// Whether any record rated the vulnerability.
    pub rated: bool,
    /// A one-line summary.
    pub summary: Option<String>,
    /// The advisory text (cut to `moat_vulndb::model::MAX_DETAILS` bytes).
    pub details: Option<String>,
    /// The advisory's first reference (an advisory link when there is one).
    pub reference: Option<String>,
    /// Why each record matched.
    pub evidence: Vec<Evidence>,
}

/// The outcome of matching.
#[derive(Debug, Default)]
pub struct Report {
    /// Vulnerabilities, by package then ID.
    pub matches: Vec<VulnMatch>,
    /// Packages no advisory ecosystem covers (no release known, unknown type).
    pub unchecked: Vec<usize>,
    /// Versions that could not be compared (package, record, message).
    pub problems: Vec<String>,
}

/// The subjects of a catalogue: every package with its purl and source package.
pub fn subjects(catalog: &moat_image::Catalog) -> Vec<Subject> {
    catalog
        .packages
        .iter()
        .filter_map(|p| {
            let purl = Purl::parse(&moat_image::sbom::purl(p, catalog.os.as_ref())).ok()?;
            Some(Subject {
                purl,
                source: Some((p.source_name.clone(), p.source_version.clone())),
                location: format!("/{}", p.location.trim_start_matches('/')),
            })
        })
        .collect()
}

/// The distribution release of a catalogue, from os-release.
pub fn distro(catalog: &moat_image::Catalog) -> Option<Distro> {
    let os = catalog.os.as_ref()?;
    Some(Distro {
        id: os.id.to_ascii_lowercase(),
        version_id: os.version_id.clone()?,
    })
}

/// Matches every subject against the database.
///
/// Each distinct (ecosystem, name) is looked up once, in key order, so packages whose
/// records share a database block inflate it once.
pub fn match_subjects(
    db: &Database,
    subjects: &[Subject],
    distro: Option<&Distro>,
) -> Result<Report, moat_vulndb::Error> {
    let mut report = Report::default();
    let mut queries: Vec<Option<Query>> = Vec::with_capacity(subjects.len());
    for (i, s) in subjects.iter().enumerate() {
        let source = s.source.as_ref().map(|(n, v)| (n.as_str(), v.as_str()));
        let Some(mut q) = query(&s.purl, source, distro) else {
            report.unchecked.push(i);
            queries.push(None);
            continue;
        };
        if q.ecosystem == "Go" {
            // go-vulndb writes SEMVER without the `v`; the toolchain as `stdlib`.
            let kept = q
                .version
                .trim_start_matches("go")
                .trim_start_matches('v')
                .len();
            q.version.drain(..q.version.len() - kept);
        }
        queries.push(Some(q));
    }
    let keys: BTreeSet<(&str, &str)> = queries
        .iter()
        .flatten()
        .map(|q| (q.ecosystem.as_str(), q.name.as_str()))
        .collect();
    let mut decoded = moat_vulndb::Decoded::default();
    let mut records: HashMap<(&str, &str), Vec<Arc<Record>>> = HashMap::with_capacity(keys.len());
    for (eco, name) in keys {
        let found = db.lookup_normalized_shared(eco, name, &mut decoded)?;
        records.insert((eco, name), found);
    }
    let mut scores = Scores::new();
    for (i, q) in queries.iter().enumerate() {
        let Some(q) = q else { continue };
        let found = records
            .get(&(q.ecosystem.as_str(), q.name.as_str()))
            .map_or(&[][..], Vec::as_slice);
        let hits = evaluate(found, q, &mut report.problems);
        report.matches.extend(merge(i, q, hits, &mut scores));
    }
    Ok(report)
}

/// One matching record with the fixed versions and the evidence.
struct Hit<'a> {
    record: &'a Record,
    fixed: Vec<String>,
    evidence: Evidence,
}

fn evaluate<'a>(records: &'a [Arc<Record>], q: &Query, problems: &mut Vec<String>) -> Vec<Hit<'a>> {
    let rule = moat_vulndb::names::NameRule::of(&q.ecosystem);
    let wanted = rule.normalize(&q.name);
    // The installed version is one side of most comparisons: parse it once.
    let installed = moat_version::Version::parse(q.order, &q.version);
    let cmp = |a: &str, b: &str| match &installed {
        Ok(v) if a == q.version => moat_version::Version::parse(q.order, b).map(|b| v.cmp(&b)),
        Ok(v) if b == q.version => moat_version::Version::parse(q.order, a).map(|a| a.cmp(v)),
        _ => moat_version::compare(q.order, a, b),
    };
    let mut hits = Vec::new();
    for r in records.iter().filter(|r| !r.is_withdrawn()) {
        for (idx, a) in r.affected.iter().enumerate() {
            if rule.normalize_cow(&a.package.name) != wanted || a.package.ecosystem != q.ecosystem {
                continue;
            }
            match a.affects(&q.version, &cmp) {
                Ok(v) if v.affected => {
                    let reason = match &v.reason {
                        Reason::Range { range, event } => {
                            let kind = a.ranges.get(*range).map_or("", |r| r.kind.as_str());
                            format!(
                                "{kind} range {range}: {} {} <= {} and not fixed at or below it",
                                event.name(),
                                event.version(),
                                q.version
                            )
                        }
                        Reason::Listed { index } => {
                            format!(
                                "version {} listed as affected (versions[{index}])",
                                q.version
                            )
                        }
                        _ => String::new(),
                    };
                    hits.push(Hit {
                        record: r,
                        fixed: v.fixed,
                        evidence: Evidence {
                            record: r.id.clone(),
                            package: format!(
                                "affected[{idx}] {}/{}",
                                a.package.ecosystem, a.package.name
                            ),
                            reason,
                        },
                    });
                    break;
                }
                Ok(_) => {}
                Err(e) => problems.push(format!("{} {}: {}: {e}", q.name, q.version, r.id)),
            }
        }
    }
    hits
}

/// Groups hits whose IDs overlap (aliases) into one result each.
/// A record's rating: severity, CVSS score and vector.
type Rating = (Severity, Option<f64>, Option<String>);

/// Ratings by (record, ecosystem), computed once per scan: a record naming many packages
/// matches (and would be rated) once per package.
type Scores<'a> = HashMap<(*const Record, &'a str), Option<Rating>>;

fn merge<'a>(
    subject: usize,
    q: &'a Query,
    hits: Vec<Hit<'_>>,
    scores: &mut Scores<'a>,
) -> Vec<VulnMatch> {
    let mut groups: Vec<(BTreeSet<String>, Vec<Hit<'_>>)> = Vec::new();
    for h in hits {
        let ids: BTreeSet<String> = h.record.all_ids().map(str::to_owned).collect();
        let mut joined: Vec<usize> = groups
            .iter()
            .enumerate()
            .filter(|(_, (g, _))| !g.is_disjoint(&ids))
            .map(|(i, _)| i)
            .collect();
        let mut set = ids;
        let mut members = vec![h];
        while let Some(i) = joined.pop() {
            let (g, m) = groups.swap_remove(i);
            set.extend(g);
            members.extend(m);
        }
        groups.push((set, members));
    }
    let mut out: Vec<VulnMatch> = groups
        .into_iter()
        .map(|(ids, members)| {
            let mut ids: Vec<String> = ids.into_iter().collect();
            ids.sort_by_key(|id| (!id.starts_with("CVE-"), id.clone()));
            let mut fixed: Vec<String> = members
                .iter()
                .flat_map(|h| h.fixed.iter().cloned())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            fixed.sort_by(|a, b| moat_version::compare(q.order, a, b).unwrap_or_else(|_| a.cmp(b)));
            let rating = members
                .iter()
                .filter_map(|h| {
                    scores
                        .entry((std::ptr::from_ref(h.record), q.ecosystem.as_str()))
                        .or_insert_with(|| rate(h.record, &q.ecosystem))
                        .clone()
                })
                .max_by(|a, b| {
                    (a.0, a.1.unwrap_or(0.0))
                        .partial_cmp(&(b.0, b.1.unwrap_or(0.0)))
                        .unwrap_or(std::cmp::Ordering::Equal)
                });
            let summary = members.iter().find_map(|h| h.record.summary.clone());
            let details = members.iter().find_map(|h| h.record.details.clone());
            let reference = members
                .iter()
                .find_map(|h| h.record.references.first().map(|r| r.url.clone()));
            VulnMatch {
                subject,
                ids,
                query: q.clone(),
                fixed,
                severity: rating.as_ref().map_or(Severity::Medium, |r| r.0),
                score: rating.as_ref().and_then(|r| r.1),
                vector: rating.as_ref().and_then(|r| r.2.clone()),
                rated: rating.is_some(),
                summary,
                details,
                reference,
                evidence: members.into_iter().map(|h| h.evidence).collect(),
            }
        })
        .collect();
    out.sort_by(|a, b| a.ids.cmp(&b.ids));
    out
}

/// A record's severity: the highest CVSS score among its vectors (with the vector), else
/// its ecosystem's rating word.
fn rate(r: &Record, ecosystem: &str) -> Option<Rating> {
    let vectors = r.severity.iter().chain(
        r.affected
            .iter()
            .filter(|a| a.package.ecosystem == ecosystem)
            .flat_map(|a| a.severity.iter()),
    );
    let best = vectors
        .filter_map(|s| cvss_score(&s.score).map(|v| (v, &s.score)))
        .fold(None::<(f64, &String)>, |m, (v, vec)| match m {
            Some((mv, _)) if mv >= v => m,
            _ => Some((v, vec)),
        });
    if let Some((score, vector)) = best {
        return Some((from_score(score), Some(score), Some(vector.clone())));
    }
    let words = r
        .affected
        .iter()
        .filter(|a| a.package.ecosystem == ecosystem)
        .filter_map(|a| a.ecosystem_severity.as_deref())
        .chain(r.database_severity.as_deref());
    words.filter_map(from_word).max().map(|s| (s, None, None))
}

/// The base score of a CVSS v3.x or v4.0 vector.
pub fn cvss_score(vector: &str) -> Option<f64> {
    if vector.starts_with("CVSS:4.0/") {
        vector
            .parse::<cvss::v4::Vector>()
            .ok()
            .map(|v| v.score().value())
    } else if vector.starts_with("CVSS:3.") {
        vector
            .parse::<cvss::v3::Vector>()
            .ok()
            .map(|v| v.score().value())
    } else {
        None
    }
}

/// CVSS qualitative ratings (0.1–3.9 low, 4.0–6.9 medium, 7.0–8.9 high, 9.0+ critical).
fn from_score(score: f64) -> Severity {
    if score >= 9.0 {
        Severity::Critical
    } else if score >= 7.0 {
        Severity::High
    } else if score >= 4.0 {
        Severity::Medium
    } else if score > 0.0 {
        Severity::Low
    } else {
        Severity::Info
    }
}

/// Ecosystem words: GHSA (`CRITICAL`, `HIGH`, `MODERATE`, `LOW`), Red Hat/AlmaLinux
/// (`Important`, `Moderate`), Debian urgency (`high`, `medium`, `low`, `unimportant`),
/// Ubuntu priority (`negligible`).
fn from_word(w: &str) -> Option<Severity> {
    Some(match w.trim().to_ascii_lowercase().as_str() {
        "critical" => Severity::Critical,
        "high" | "important" => Severity::High,
        "medium" | "moderate" => Severity::Medium,
        "low" => Severity::Low,
        "negligible" | "unimportant" | "not yet assigned" => Severity::Info,
        _ => return None,
    })
}

/// The findings of a report: one per package and vulnerability, grouped per package
/// (resource kind `Package`), pointing at where the package was found; `waive` decides
/// which are waived (VEX statements, configured ignores).
pub fn findings(
    report: &Report,
    subjects: &[Subject],
    ignore_unfixed: bool,
    waive: &dyn Fn(&VulnMatch, &Subject) -> Option<moat_core::Waived>,
) -> Vec<Finding> {
    let mut by_package: BTreeMap<usize, Vec<&VulnMatch>> = BTreeMap::new();
    for m in &report.matches {
        if ignore_unfixed && m.fixed.is_empty() {
            continue;
        }
        by_package.entry(m.subject).or_default().push(m);
    }
    let mut out = Vec::new();
    for (i, matches) in by_package {
        let Some(s) = subjects.get(i) else { continue };
        let installed = s.purl.version.clone().unwrap_or_default();
        let name = match &s.purl.namespace {
            Some(ns) if matches!(s.purl.ty.as_str(), "npm" | "golang") => {
                format!("{ns}/{}", s.purl.name)
            }
            Some(ns) if s.purl.ty == "maven" => format!("{ns}:{}", s.purl.name),
            _ => s.purl.name.clone(),
        };
        for m in matches {
            let mut f = Finding::from_meta(&VULNERABLE, message(m, &installed));
            f.severity = m.severity;
            f.resource = ResourceRef {
                api_version: s.purl.ty.clone(),
                kind: "Package".to_owned(),
                namespace: None,
                name: Some(format!("{name} {installed}")),
            };
            f.location.file.clone_from(&s.location);
            f.location.path = s.purl.to_string();
            f.waived = waive(m, s);
            f.rule = Some(Box::new(rule(m)));
            out.push(f);
        }
    }
    out
}

/// The SARIF rule of a vulnerability: its preferred ID, summary and details, its first
/// reference (else its OSV page), severity and score, the other IDs as tags.
fn rule(m: &VulnMatch) -> moat_core::SpecificRule {
    let (id, aliases) = m
        .ids
        .split_first()
        .map_or(("?", &[][..]), |(f, r)| (f.as_str(), r));
    let short = m.summary.clone().unwrap_or_else(|| id.to_owned());
    moat_core::SpecificRule {
        id: id.to_owned(),
        check: VULNERABLE.id.to_owned(),
        full_description: m.details.clone().unwrap_or_else(|| short.clone()),
        short_description: short,
        help_uri: m
            .reference
            .clone()
            .unwrap_or_else(|| format!("https://osv.dev/vulnerability/{id}")),
        severity: m.severity,
        score: m.score,
        tags: aliases.to_vec(),
    }
}

fn message(m: &VulnMatch, installed: &str) -> String {
    let (first, rest) = m
        .ids
        .split_first()
        .map_or(("?", &[][..]), |(f, r)| (f.as_str(), r));
    let mut s = first.to_owned();
    if !rest.is_empty() {
        s.push_str(&format!(" ({})", rest.join(", ")));
    }
    let via = if m.query.name == installed || m.query.ecosystem.contains(':') {
        format!(
            " [{} {} {}]",
            m.query.ecosystem, m.query.name, m.query.version
        )
    } else {
        String::new()
    };
    match m.fixed.as_slice() {
        [] => s.push_str(&format!(": {installed}, no fixed version yet{via}")),
        fixed => s.push_str(&format!(": {installed} → {}{via}", fixed.join(" or "))),
    }
    if let Some(score) = m.score {
        s.push_str(&format!(", CVSS {score:.1}"));
    } else if !m.rated {
        s.push_str(", severity not rated (reported as medium)");
    }
    if let Some(summary) = &m.summary {
        s.push_str(" — ");
        s.push_str(&moat_vulndb::model::truncate(summary, 120));
    }
    s
}

/// Adds a CycloneDX 1.6 `vulnerabilities` array (VEX) to an SBOM written for the same
/// packages: one entry per vulnerability and package, its ratings, the affected component
/// (by the SBOM's `bom-ref` for the package URL), the fixed versions as recommendation, and
/// an analysis for waived ones (`not_affected`, or `resolved` for VEX `fixed`).
pub fn add_cyclonedx_vulnerabilities(
    bom: &mut serde_json::Value,
    report: &Report,
    subjects: &[Subject],
    waive: &dyn Fn(&VulnMatch, &Subject) -> Option<moat_core::Waived>,
) {
    use serde_json::json;
    let refs: HashMap<String, String> = bom
        .get("components")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| {
            Some((
                c.get("purl")?.as_str()?.to_owned(),
                c.get("bom-ref")?.as_str()?.to_owned(),
            ))
        })
        .collect();
    let mut out = Vec::new();
    for (n, m) in report.matches.iter().enumerate() {
        let Some(s) = subjects.get(m.subject) else {
            continue;
        };
        let purl = s.purl.to_string();
        let Some(bom_ref) = refs.get(&purl) else {
            continue;
        };
        let (id, aliases) = m
            .ids
            .split_first()
            .map_or(("", &[][..]), |(f, r)| (f.as_str(), r));
        let method = match m.vector.as_deref() {
            Some(v) if v.starts_with("CVSS:4.0") => "CVSSv4",
            Some(v) if v.starts_with("CVSS:3.1") => "CVSSv31",
            Some(v) if v.starts_with("CVSS:3.0") => "CVSSv3",
            _ => "other",
        };
        let mut rating = json!({"severity": m.severity.as_str(), "method": method});
        if let Some(score) = m.score {
            rating["score"] = json!(score);
        }
        if let Some(v) = &m.vector {
            rating["vector"] = json!(v);
        }
        let mut v = json!({
            "bom-ref": format!("vuln-{n}-{id}"),
            "id": id,
            "source": {"name": source_of(id)},
            "ratings": [rating],
            "affects": [{"ref": bom_ref, "versions": [{"version": s.purl.version.clone().unwrap_or_default(), "status": "affected"}]}],
        });
        if !aliases.is_empty() {
            v["references"] = json!(
                aliases
                    .iter()
                    .map(|a| json!({"id": a, "source": {"name": source_of(a)}}))
                    .collect::<Vec<_>>()
            );
        }
        if let Some(summary) = &m.summary {
            v["description"] = json!(summary);
        }
        if !m.fixed.is_empty() {
            v["recommendation"] = json!(format!("Upgrade to {}", m.fixed.join(" or ")));
        }
        if let Some(w) = waive(m, s) {
            let state = if w.reason.starts_with("VEX fixed") {
                "resolved"
            } else {
                "not_affected"
            };
            v["analysis"] = json!({"state": state, "detail": format!("{} ({})", w.reason, w.by)});
        }
        out.push(v);
    }
    if let Some(obj) = bom.as_object_mut() {
        obj.insert("vulnerabilities".into(), serde_json::Value::Array(out));
    }
}

/// The database an ID belongs to, by its prefix.
fn source_of(id: &str) -> &'static str {
    match id.split('-').next().unwrap_or_default() {
        "CVE" => "NVD",
        "GHSA" => "GitHub",
        "GO" => "Go Vulnerability Database",
        "PYSEC" => "PyPA Advisory Database",
        "RUSTSEC" => "RustSec",
        "DSA" | "DLA" | "DTSA" => "Debian",
        "ALSA" | "ALBA" | "ALEA" => "AlmaLinux",
        "USN" | "UBUNTU" => "Ubuntu",
        _ => "OSV",
    }
}
