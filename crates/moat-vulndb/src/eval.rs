//! OSV affected-version evaluation, generic over the ecosystem's version comparator.
//!
//! Implements the evaluation in the OSV schema ("Evaluation" section): a version is
//! affected by an `affected[]` entry when it is listed in `versions`, or when any SEMVER or
//! ECOSYSTEM range says so. Within a range, events are sorted by version (`introduced: 0`
//! first); walking them in order, `introduced` (`0` or `v >= introduced`) sets affected,
//! `fixed` (`v >= fixed`) and `last_affected` (`v > last_affected`) clear it. A range with
//! `limit` events only applies to versions below one of its limits (`*` = no limit). GIT
//! ranges are never evaluated; they are counted in the verdict.

use std::cmp::Ordering;

use crate::model::{Affected, Event, RangeKind, Record};

/// What decided a verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Range `range` (index into `ranges`) affects the version; `event` is the last event
    /// that set "affected" (an `introduced`).
    Range {
        /// Index of the range in `Affected::ranges`.
        range: usize,
        /// The deciding event.
        event: Event,
    },
    /// The version is listed in `versions` at this index.
    Listed {
        /// Index into `Affected::versions`.
        index: usize,
    },
    /// Not affected. `event` is the event that last cleared "affected" in some range
    /// (a `fixed`/`last_affected`, or a `limit` the version is not below), if any.
    NotAffected {
        /// The deciding (range index, event), if any range had one.
        event: Option<(usize, Event)>,
    },
    /// The record is withdrawn: nothing is affected.
    Withdrawn,
}

/// Result of evaluating one version against one `affected[]` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// Whether the version is affected.
    pub affected: bool,
    /// Which range/event or list entry decided.
    pub reason: Reason,
    /// `fixed` versions greater than the evaluated version, from the SEMVER/ECOSYSTEM ranges
    /// that affect it (for a listed version: from all ranges), deduplicated, in source
    /// order: the versions to upgrade to.
    pub fixed: Vec<String>,
    /// GIT ranges that were skipped.
    pub git_ranges_ignored: usize,
}

/// Outcome of one range.
enum RangeOutcome {
    Affected(Event),
    Clear(Option<Event>),
}

impl Affected {
    /// Evaluates `version` against this entry, comparing versions with `cmp`
    /// (`cmp(a, b)` orders `a` relative to `b` in the package's ecosystem).
    ///
    /// `introduced: "0"` is never passed to `cmp`; comparator errors (e.g. an unparseable
    /// version) are returned as they are.
    pub fn affects<E>(
        &self,
        version: &str,
        cmp: &dyn Fn(&str, &str) -> Result<Ordering, E>,
    ) -> Result<Verdict, E> {
        let git_ranges_ignored = self
            .ranges
            .iter()
            .filter(|r| r.kind == RangeKind::Git)
            .count();
        let mut cleared: Option<(usize, Event)> = None;
        let mut hit: Option<(usize, Event)> = None;
        for (i, range) in self.ranges.iter().enumerate() {
            if range.kind == RangeKind::Git {
                continue;
            }
            match evaluate_range(version, &range.events, cmp)? {
                RangeOutcome::Affected(ev) => {
                    hit = Some((i, ev));
                    break;
                }
                RangeOutcome::Clear(Some(ev)) => cleared = Some((i, ev)),
                RangeOutcome::Clear(None) => {}
            }
        }
        if let Some((range, event)) = hit {
            let fixed = fixed_above(version, std::slice::from_ref(&self.ranges[range]), cmp)?;
            return Ok(Verdict {
                affected: true,
                reason: Reason::Range { range, event },
                fixed,
                git_ranges_ignored,
            });
        }
        if let Some(index) = self.versions.iter().position(|v| v == version) {
            let fixed = fixed_above(version, &self.ranges, cmp)?;
            return Ok(Verdict {
                affected: true,
                reason: Reason::Listed { index },
                fixed,
                git_ranges_ignored,
            });
        }
        Ok(Verdict {
            affected: false,
            reason: Reason::NotAffected { event: cleared },
            fixed: Vec::new(),
            git_ranges_ignored,
        })
    }
}

impl Record {
    /// Evaluates `version` of `affected[index]`; a withdrawn record affects nothing.
    /// Returns `None` when `index` is out of range.
    pub fn affects<E>(
        &self,
        index: usize,
        version: &str,
        cmp: &dyn Fn(&str, &str) -> Result<Ordering, E>,
    ) -> Option<Result<Verdict, E>> {
        let entry = self.affected.get(index)?;
        if self.is_withdrawn() {
            return Some(Ok(Verdict {
                affected: false,
                reason: Reason::Withdrawn,
                fixed: Vec::new(),
                git_ranges_ignored: 0,
            }));
        }
        Some(entry.affects(version, cmp))
    }
}

/// Orders two events by version; `introduced: 0` comes first. Stable for ties.
fn order_events<E>(
    a: &Event,
    b: &Event,
    cmp: &dyn Fn(&str, &str) -> Result<Ordering, E>,
) -> Result<Ordering, E> {
    let zero = |e: &Event| matches!(e, Event::Introduced(v) if v == "0");
    match (zero(a), zero(b)) {
        (true, true) => Ok(Ordering::Equal),
        (true, false) => Ok(Ordering::Less),
        (false, true) => Ok(Ordering::Greater),
        (false, false) => cmp(a.version(), b.version()),
    }
}

/// Sorts events by version with a fallible comparator (insertion sort: ranges are short,
/// and the comparator's error must escape).
fn sorted_events<'a, E>(
    events: &'a [Event],
    cmp: &dyn Fn(&str, &str) -> Result<Ordering, E>,
) -> Result<Vec<&'a Event>, E> {
    let mut out: Vec<&Event> = Vec::with_capacity(events.len());
    for ev in events.iter().filter(|e| !matches!(e, Event::Limit(_))) {
        let mut at = out.len();
        while at > 0 && order_events(out[at - 1], ev, cmp)? == Ordering::Greater {
            at -= 1;
        }
        out.insert(at, ev);
    }
    Ok(out)
}

fn evaluate_range<E>(
    version: &str,
    events: &[Event],
    cmp: &dyn Fn(&str, &str) -> Result<Ordering, E>,
) -> Result<RangeOutcome, E> {
    // Limits: the range only applies below one of them.
    let mut limited: Option<&Event> = None;
    for ev in events {
        if let Event::Limit(l) = ev {
            if l == "*" || cmp(version, l)? == Ordering::Less {
                limited = None;
                break;
            }
            limited = Some(ev);
        }
    }
    if let Some(limit) = limited {
        return Ok(RangeOutcome::Clear(Some(limit.clone())));
    }
    let mut state: Option<&Event> = None;
    let mut affected = false;
    for ev in sorted_events(events, cmp)? {
        match ev {
            Event::Introduced(v) => {
                if v == "0" || cmp(version, v)? != Ordering::Less {
                    affected = true;
                    state = Some(ev);
                }
            }
            Event::Fixed(v) => {
                if cmp(version, v)? != Ordering::Less {
                    affected = false;
                    state = Some(ev);
                }
            }
            Event::LastAffected(v) => {
                if cmp(version, v)? == Ordering::Greater {
                    affected = false;
                    state = Some(ev);
                }
            }
            Event::Limit(_) => {}
        }
    }
    Ok(match (affected, state) {
        (true, Some(ev)) => RangeOutcome::Affected(ev.clone()),
        (_, ev) => RangeOutcome::Clear(ev.cloned()),
    })
}

fn fixed_above<E>(
    version: &str,
    ranges: &[crate::model::Range],
    cmp: &dyn Fn(&str, &str) -> Result<Ordering, E>,
) -> Result<Vec<String>, E> {
    let mut out: Vec<String> = Vec::new();
    for range in ranges.iter().filter(|r| r.kind != RangeKind::Git) {
        for ev in &range.events {
            if let Event::Fixed(f) = ev
                && cmp(f, version)? == Ordering::Greater
                && !out.contains(f)
            {
                out.push(f.clone());
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::many_single_char_names)]
mod tests {
    use super::*;
    use crate::model::{Package, Range};

    /// A test comparator: dot-separated numeric components; anything else is an error.
    fn numeric(a: &str, b: &str) -> Result<Ordering, String> {
        let parse = |s: &str| -> Result<Vec<u64>, String> {
            s.split('.')
                .map(|p| p.parse::<u64>().map_err(|_| format!("bad version {s}")))
                .collect()
        };
        let (x, y) = (parse(a)?, parse(b)?);
        let n = x.len().max(y.len());
        for i in 0..n {
            let o = x.get(i).unwrap_or(&0).cmp(y.get(i).unwrap_or(&0));
            if o != Ordering::Equal {
                return Ok(o);
            }
        }
        Ok(Ordering::Equal)
    }

    fn intro(v: &str) -> Event {
        Event::Introduced(v.into())
    }
    fn fixed(v: &str) -> Event {
        Event::Fixed(v.into())
    }
    fn last(v: &str) -> Event {
        Event::LastAffected(v.into())
    }
    fn limit(v: &str) -> Event {
        Event::Limit(v.into())
    }

    fn entry(ranges: Vec<Vec<Event>>, versions: &[&str]) -> Affected {
        Affected {
            package: Package {
                ecosystem: "Test".into(),
                name: "pkg".into(),
                purl: None,
            },
            ranges: ranges
                .into_iter()
                .map(|events| Range {
                    kind: RangeKind::Ecosystem,
                    events,
                })
                .collect(),
            versions: versions.iter().map(|s| (*s).to_owned()).collect(),
            ..Affected::default()
        }
    }

    fn is(a: &Affected, v: &str) -> bool {
        a.affects(v, &numeric).is_ok_and(|v| v.affected)
    }

    #[test]
    fn introduced_zero_and_fixed() {
        let a = entry(vec![vec![intro("0"), fixed("1.2.3")]], &[]);
        assert!(is(&a, "0.0.1"));
        assert!(is(&a, "1.2.2"));
        assert!(!is(&a, "1.2.3"));
        assert!(!is(&a, "2.0"));
        let v = a.affects("1.0", &numeric).unwrap();
        assert_eq!(
            v.reason,
            Reason::Range {
                range: 0,
                event: intro("0")
            }
        );
        assert_eq!(v.fixed, vec!["1.2.3".to_owned()]);
        let v = a.affects("1.3", &numeric).unwrap();
        assert_eq!(
            v.reason,
            Reason::NotAffected {
                event: Some((0, fixed("1.2.3")))
            }
        );
        assert!(v.fixed.is_empty());
    }

    #[test]
    fn multiple_ranges_and_unsorted_events() {
        // Two branches in one range, events deliberately out of order.
        let a = entry(
            vec![vec![fixed("2.5"), intro("2.0"), fixed("1.5"), intro("1.0")]],
            &[],
        );
        assert!(!is(&a, "0.9"));
        assert!(is(&a, "1.0"));
        assert!(is(&a, "1.4.9"));
        assert!(!is(&a, "1.5"));
        assert!(!is(&a, "1.9"));
        assert!(is(&a, "2.0"));
        assert!(!is(&a, "2.5"));
        let v = a.affects("2.1", &numeric).unwrap();
        assert_eq!(
            v.reason,
            Reason::Range {
                range: 0,
                event: intro("2.0")
            }
        );
        // The upgrade targets are the fixed versions above 2.1 only.
        assert_eq!(v.fixed, vec!["2.5".to_owned()]);

        // The same as two separate ranges: the second range decides for 2.x.
        let b = entry(
            vec![
                vec![intro("1.0"), fixed("1.5")],
                vec![intro("2.0"), fixed("2.5")],
            ],
            &[],
        );
        for v in [
            "0.9", "1.0", "1.4.9", "1.5", "1.9", "2.0", "2.4", "2.5", "3",
        ] {
            assert_eq!(is(&a, v), is(&b, v), "{v}");
        }
        let v = b.affects("2.1", &numeric).unwrap();
        assert_eq!(
            v.reason,
            Reason::Range {
                range: 1,
                event: intro("2.0")
            }
        );
    }

    #[test]
    fn last_affected_is_inclusive() {
        let a = entry(vec![vec![intro("1.0"), last("1.4")]], &[]);
        assert!(is(&a, "1.4"));
        assert!(!is(&a, "1.4.1"));
        assert!(!is(&a, "0.5"));
        let v = a.affects("1.4", &numeric).unwrap();
        assert!(v.fixed.is_empty(), "last_affected gives no fix");
    }

    #[test]
    fn limit_bounds_the_range() {
        let a = entry(vec![vec![intro("1.0"), limit("2.0")]], &[]);
        assert!(is(&a, "1.9"));
        assert!(!is(&a, "2.0"));
        assert_eq!(
            a.affects("2.0", &numeric).unwrap().reason,
            Reason::NotAffected {
                event: Some((0, limit("2.0")))
            }
        );
        let star = entry(vec![vec![intro("1.0"), limit("*")]], &[]);
        assert!(is(&star, "99"));
        // Several limits: below any of them is enough.
        let two = entry(vec![vec![intro("0"), limit("1.0"), limit("3.0")]], &[]);
        assert!(is(&two, "2.0"));
        assert!(!is(&two, "3.0"));
    }

    #[test]
    fn explicit_versions_list() {
        let a = entry(vec![], &["1.0", "1.1"]);
        assert!(is(&a, "1.1"));
        assert!(!is(&a, "1.2"));
        assert_eq!(
            a.affects("1.1", &numeric).unwrap().reason,
            Reason::Listed { index: 1 }
        );
        // Listed but outside the ranges: still affected, with the range's fix.
        let b = entry(vec![vec![intro("2.0"), fixed("2.1")]], &["1.0"]);
        let v = b.affects("1.0", &numeric).unwrap();
        assert!(v.affected);
        assert_eq!(v.fixed, vec!["2.1".to_owned()]);
    }

    #[test]
    fn git_ranges_are_ignored_and_counted() {
        let mut a = entry(vec![], &[]);
        a.ranges.push(Range {
            kind: RangeKind::Git,
            events: vec![intro("0")],
        });
        let v = a.affects("1.0", &numeric).unwrap();
        assert!(!v.affected);
        assert_eq!(v.git_ranges_ignored, 1);
    }

    #[test]
    fn withdrawn_records_affect_nothing() {
        let rec = Record {
            id: "TEST-1".into(),
            withdrawn: Some("2024-01-01T00:00:00Z".into()),
            affected: vec![entry(vec![vec![intro("0")]], &[])],
            ..Record::default()
        };
        let v = rec.affects(0, "1.0", &numeric).unwrap().unwrap();
        assert!(!v.affected);
        assert_eq!(v.reason, Reason::Withdrawn);
        assert!(rec.affects(1, "1.0", &numeric).is_none());
    }

    #[test]
    fn comparator_errors_propagate() {
        let a = entry(vec![vec![intro("0"), fixed("1.x")]], &[]);
        assert!(a.affects("1.0", &numeric).is_err());
        // introduced 0 alone never calls the comparator.
        let b = entry(vec![vec![intro("0")]], &[]);
        assert!(b.affects("whatever", &numeric).unwrap().affected);
    }

    #[test]
    fn reintroduced_after_fix() {
        let a = entry(vec![vec![intro("0"), fixed("1.0"), intro("2.0")]], &[]);
        assert!(is(&a, "0.5"));
        assert!(!is(&a, "1.5"));
        assert!(is(&a, "2.5"));
        assert!(a.affects("2.5", &numeric).unwrap().fixed.is_empty());
    }
}
