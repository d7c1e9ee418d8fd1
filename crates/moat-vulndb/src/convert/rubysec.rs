//! rubysec advisory YAML (`gems/<gem>/*.yml`) to records.
//!
//! A version is affected unless it satisfies one of `patched_versions` or
//! `unaffected_versions` (`RubyGems` requirements such as `~> 1.2.3`, `>= 2.0, < 2.1`).
//! Each requirement is turned into an interval, the union of the "safe" intervals is
//! computed, and its complement is written as one ECOSYSTEM range (`introduced`/`fixed`,
//! `last_affected` for a `> v` lower bound). `~> 1.2.3` means `>= 1.2.3, < 1.3`.
//!
//! Not exact, and converted conservatively (more versions reported, never fewer):
//! an inclusive upper bound `<= v` (and `= v`) becomes `< v`, so `v` itself is reported;
//! `!= v` is dropped. Such records are counted as inexact. Pre-releases of the bumped
//! version of `~>` (`1.3.0.pre` for `~> 1.2.3`) count as safe here but do not satisfy the
//! requirement in `RubyGems`.
//!
//! Advisories for Ruby interpreters (`rubies/`, field `engine` instead of `gem`) have no
//! OSV ecosystem and are skipped.
//!
//! Ordering the bounds needs a version order; [`gem_cmp`] is a small RubyGems-style
//! segment comparison used only here (matching uses the ecosystem comparator).

use std::cmp::Ordering;

use serde_json::Value;

use crate::model::{
    Affected, Event, MAX_DETAILS, MAX_REFERENCES, Package, Range, RangeKind, Record, Reference,
    truncate,
};

/// How a rubysec file converted.
#[derive(Debug)]
pub enum Outcome {
    /// A record; `inexact` when some requirement could only be approximated.
    Record {
        /// The record.
        record: Box<Record>,
        /// Whether a requirement was approximated.
        inexact: bool,
    },
    /// A Ruby interpreter advisory: skipped.
    Engine,
}

/// Whether a parsed document looks like a rubysec advisory.
pub fn is_rubysec(v: &Value) -> bool {
    (v.get("gem").is_some() || v.get("engine").is_some())
        && (v.get("patched_versions").is_some()
            || v.get("unaffected_versions").is_some()
            || v.get("title").is_some())
}

#[derive(Clone, Debug)]
struct Bound {
    version: String,
    inclusive: bool,
}

#[derive(Clone, Debug, Default)]
struct Interval {
    lo: Option<Bound>,
    hi: Option<Bound>,
}

/// Converts one advisory; `stem` is the file name without extension (`CVE-2014-2322`).
pub fn convert(v: &Value, stem: &str) -> Result<Outcome, String> {
    let Some(gem) = v.get("gem").and_then(Value::as_str) else {
        if v.get("engine").is_some() {
            return Ok(Outcome::Engine);
        }
        return Err("rubysec advisory without `gem`".into());
    };
    let mut aliases = Vec::new();
    if let Some(cve) = v.get("cve").and_then(Value::as_str) {
        aliases.push(format!("CVE-{cve}"));
    }
    if let Some(ghsa) = v.get("ghsa").and_then(Value::as_str) {
        aliases.push(format!("GHSA-{ghsa}"));
    }
    if let Some(osvdb) = v.get("osvdb").and_then(Value::as_str) {
        aliases.push(format!("OSVDB-{osvdb}"));
    }
    let mut inexact = false;
    let mut safe = Vec::new();
    for key in ["patched_versions", "unaffected_versions"] {
        let reqs = match v.get(key) {
            None | Some(Value::Null) => continue,
            Some(Value::Array(a)) => a,
            Some(_) => return Err(format!("`{key}` must be a list")),
        };
        for r in reqs {
            let r = r.as_str().ok_or(format!("`{key}` must hold strings"))?;
            match requirement(r)? {
                Some((iv, approx)) => {
                    inexact |= approx;
                    safe.push(iv);
                }
                None => inexact = true,
            }
        }
    }
    let events = complement(safe, &mut inexact);
    let mut references = Vec::new();
    if let Some(url) = v.get("url").and_then(Value::as_str) {
        references.push(Reference {
            kind: "ADVISORY".into(),
            url: url.to_owned(),
        });
    }
    if let Some(Value::Array(urls)) = v.get("related").and_then(|r| r.get("url")) {
        references.extend(urls.iter().filter_map(Value::as_str).map(|u| Reference {
            kind: "WEB".into(),
            url: u.to_owned(),
        }));
    }
    references.truncate(MAX_REFERENCES);
    let score = ["cvss_v4", "cvss_v3", "cvss_v2"]
        .iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str).map(str::to_owned));
    let record = Record {
        id: format!("RUBYSEC-{gem}-{stem}"),
        published: v
            .get("date")
            .and_then(Value::as_str)
            .map(|d| format!("{d}T00:00:00Z")),
        aliases,
        summary: v.get("title").and_then(Value::as_str).map(str::to_owned),
        details: v
            .get("description")
            .and_then(Value::as_str)
            .map(|d| truncate(d.trim(), MAX_DETAILS)),
        affected: vec![Affected {
            package: Package {
                ecosystem: "RubyGems".into(),
                name: gem.to_owned(),
                purl: Some(format!("pkg:gem/{gem}")),
            },
            ranges: vec![Range {
                kind: RangeKind::Ecosystem,
                events,
            }],
            ..Affected::default()
        }],
        references,
        database_severity: score,
        ..Record::default()
    };
    Ok(Outcome::Record {
        record: Box::new(record),
        inexact,
    })
}

/// One requirement (a conjunction) as an interval; `None` when nothing usable is left.
/// The flag says whether it was approximated.
fn requirement(req: &str) -> Result<Option<(Interval, bool)>, String> {
    let mut iv = Interval::default();
    let mut approx = false;
    let mut any = false;
    for part in req.split(',') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let op_len = part
            .find(|c: char| c.is_ascii_alphanumeric())
            .ok_or_else(|| format!("requirement `{req}` has no version"))?;
        let (op, ver) = part.split_at(op_len);
        let (op, ver) = (op.trim(), ver.trim().to_owned());
        if ver.contains(char::is_whitespace) {
            return Err(format!("cannot read requirement `{req}`"));
        }
        let lo = |inclusive| {
            Some(Bound {
                version: ver.clone(),
                inclusive,
            })
        };
        match op {
            ">=" => tighten_lo(&mut iv, lo(true)),
            ">" => tighten_lo(&mut iv, lo(false)),
            "<" => tighten_hi(&mut iv, lo(false)),
            "<=" => {
                approx = true;
                tighten_hi(&mut iv, lo(false));
            }
            "=" | "" => {
                approx = true;
                tighten_lo(&mut iv, lo(true));
                tighten_hi(&mut iv, lo(false));
            }
            "~>" => {
                tighten_lo(&mut iv, lo(true));
                tighten_hi(
                    &mut iv,
                    Some(Bound {
                        version: bump(&ver),
                        inclusive: false,
                    }),
                );
            }
            "!=" => {
                approx = true;
                continue;
            }
            other => return Err(format!("unknown operator `{other}` in `{req}`")),
        }
        any = true;
    }
    Ok(any.then_some((iv, approx)))
}

/// Narrows `slot` to `b` when `b` is tighter: a lower bound (`toward` = `Greater`) moves
/// up, an upper bound (`toward` = `Less`) down; at equal versions exclusive wins.
fn tighten(slot: &mut Option<Bound>, b: Option<Bound>, toward: Ordering) {
    let Some(b) = b else { return };
    let replace = slot.as_ref().is_none_or(|cur| {
        let o = gem_cmp(&b.version, &cur.version);
        o == toward || (o == Ordering::Equal && !b.inclusive)
    });
    if replace {
        *slot = Some(b);
    }
}

fn tighten_lo(iv: &mut Interval, b: Option<Bound>) {
    tighten(&mut iv.lo, b, Ordering::Greater);
}

fn tighten_hi(iv: &mut Interval, b: Option<Bound>) {
    tighten(&mut iv.hi, b, Ordering::Less);
}

/// The affected complement of the union of safe intervals, as OSV events.
fn complement(mut safe: Vec<Interval>, inexact: &mut bool) -> Vec<Event> {
    // Empty intervals (lo above hi) are dropped.
    safe.retain(|iv| match (&iv.lo, &iv.hi) {
        (Some(l), Some(h)) => gem_cmp(&l.version, &h.version) == Ordering::Less,
        _ => true,
    });
    safe.sort_by(|a, b| match (&a.lo, &b.lo) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => gem_cmp(&x.version, &y.version).then(y.inclusive.cmp(&x.inclusive)),
    });
    // Merge overlapping or touching intervals.
    let mut merged: Vec<Interval> = Vec::new();
    for iv in safe {
        if let Some(last) = merged.last_mut() {
            let overlaps = match (&last.hi, &iv.lo) {
                (None, _) | (_, None) => true,
                (Some(h), Some(l)) => match gem_cmp(&l.version, &h.version) {
                    Ordering::Less => true,
                    Ordering::Equal => h.inclusive || l.inclusive,
                    Ordering::Greater => false,
                },
            };
            if overlaps {
                let extend = match (&last.hi, &iv.hi) {
                    (None, _) => false,
                    (_, None) => true,
                    (Some(a), Some(b)) => gem_cmp(&b.version, &a.version) == Ordering::Greater,
                };
                if extend {
                    last.hi = iv.hi;
                }
                continue;
            }
        }
        merged.push(iv);
    }
    let mut events = Vec::new();
    let mut affected_open = true; // below the first interval everything is affected
    if merged.first().is_some_and(|iv| iv.lo.is_none()) {
        affected_open = false;
    } else {
        events.push(Event::Introduced("0".into()));
    }
    for iv in merged {
        if let Some(lo) = iv.lo
            && affected_open
        {
            events.push(if lo.inclusive {
                Event::Fixed(lo.version)
            } else {
                Event::LastAffected(lo.version)
            });
        }
        match iv.hi {
            None => return events,
            Some(hi) => {
                if hi.inclusive {
                    *inexact = true;
                }
                events.push(Event::Introduced(hi.version));
                affected_open = true;
            }
        }
    }
    events
}

/// `~>` upper bound: drop pre-release segments, drop the last segment (if more than one),
/// increment the new last one.
fn bump(v: &str) -> String {
    let mut segs: Vec<u64> = Vec::new();
    for s in v.split('.') {
        match s.parse::<u64>() {
            Ok(n) => segs.push(n),
            Err(_) => break,
        }
    }
    if segs.len() > 1 {
        segs.pop();
    }
    if let Some(last) = segs.last_mut() {
        *last += 1;
    }
    segs.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Seg<'a> {
    // Declaration order gives strings (pre-releases) below numbers.
    Str(&'a str),
    Num(u64),
}

fn segments(v: &str) -> Vec<Seg<'_>> {
    let mut out = Vec::new();
    for part in v.split(['.', '-']) {
        let mut rest = part;
        while !rest.is_empty() {
            let digits = rest.starts_with(|c: char| c.is_ascii_digit());
            let end = rest
                .find(|c: char| c.is_ascii_digit() != digits)
                .unwrap_or(rest.len());
            let (tok, tail) = rest.split_at(end);
            out.push(if digits {
                Seg::Num(tok.parse().unwrap_or(u64::MAX))
            } else {
                Seg::Str(tok)
            });
            rest = tail;
        }
    }
    out
}

/// RubyGems-style version order (segments; strings are pre-releases and sort below
/// numbers; missing segments count as 0).
pub fn gem_cmp(left: &str, right: &str) -> Ordering {
    let (lhs, rhs) = (segments(left), segments(right));
    for i in 0..lhs.len().max(rhs.len()) {
        let l = lhs.get(i).unwrap_or(&Seg::Num(0));
        let r = rhs.get(i).unwrap_or(&Seg::Num(0));
        match l.cmp(r) {
            Ordering::Equal => {}
            o => return o,
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(patched: &[&str], unaffected: &[&str]) -> (Vec<Event>, bool) {
        let doc = serde_json::json!({
            "gem": "g", "title": "t",
            "patched_versions": patched, "unaffected_versions": unaffected,
        });
        match convert(&doc, "CVE-1").unwrap() {
            Outcome::Record { record, inexact } => {
                (record.affected[0].ranges[0].events.clone(), inexact)
            }
            Outcome::Engine => panic!("engine"),
        }
    }

    fn i(v: &str) -> Event {
        Event::Introduced(v.into())
    }
    fn f(v: &str) -> Event {
        Event::Fixed(v.into())
    }

    #[test]
    fn pessimistic_and_ranges() {
        let (ev, inexact) = events(&["~> 1.2.5", ">= 1.3.1"], &["< 1.0"]);
        assert_eq!(ev, vec![i("1.0"), f("1.2.5"), i("1.3"), f("1.3.1")]);
        assert!(!inexact);
        let (ev, _) = events(&["~> 5.0.1, >= 5.0.1.1", ">= 5.1.2"], &[]);
        assert_eq!(ev, vec![i("0"), f("5.0.1.1"), i("5.1"), f("5.1.2")]);
        let (ev, _) = events(&[], &[]);
        assert_eq!(ev, vec![i("0")]);
        // Overlapping requirements merge.
        let (ev, _) = events(&[">= 1.5", "~> 1.6.2"], &[]);
        assert_eq!(ev, vec![i("0"), f("1.5")]);
        // `>` lower bound gives last_affected.
        let (ev, _) = events(&["> 2.0"], &[]);
        assert_eq!(ev, vec![i("0"), Event::LastAffected("2.0".into())]);
    }

    #[test]
    fn inexact_bounds_are_conservative() {
        let (ev, inexact) = events(&[">= 2.0"], &["<= 1.0"]);
        assert_eq!(ev, vec![i("1.0"), f("2.0")]);
        assert!(inexact);
        let (_, inexact) = events(&["!= 1.0"], &[]);
        assert!(inexact);
    }

    #[test]
    fn gem_order() {
        assert_eq!(gem_cmp("1.0", "1.0.0"), Ordering::Equal);
        assert_eq!(gem_cmp("1.0.rc1", "1.0"), Ordering::Less);
        assert_eq!(gem_cmp("1.10", "1.9"), Ordering::Greater);
        assert_eq!(bump("1.2.3"), "1.3");
        assert_eq!(bump("1"), "2");
        assert_eq!(bump("2.0.0.rc1"), "2.1");
    }

    #[test]
    fn engines_are_skipped() {
        let doc = serde_json::json!({"engine": "ruby", "title": "t", "patched_versions": []});
        assert!(matches!(convert(&doc, "x").unwrap(), Outcome::Engine));
    }
}
