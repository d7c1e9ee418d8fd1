//! Which opened paths a compiled condition can match: a necessary condition on the path
//! of a file-opening event, as literal prefixes, exact names and suffixes. The eBPF sensor
//! turns it into an in-kernel filter so that opens no rule can match never leave the
//! kernel.
//!
//! The result over-approximates: every path for which the condition can hold satisfies
//! the [`PathNeed`], never the other way round. It is stated for *plain* paths only —
//! absolute, without `//`, `/.`, `..` or a trailing `/`, where the raw path the process
//! passed (`fd.nameraw`) and the normalised one (`fd.name`) are the same text. Whoever
//! applies the filter must let every other path through; checks that only such paths can
//! satisfy (`fd.nameraw contains "../"`) therefore need nothing.

use std::collections::BTreeSet;

use crate::ast::Op;
use crate::program::{CRhs, Check, Cond};

/// Paths an event must have for a condition to possibly hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathNeed {
    /// Any path (the condition does not constrain it in a way this analysis sees).
    Any,
    /// Only plain paths matching one of these.
    Some(PathSet),
}

/// A union of literal path patterns.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathSet {
    /// The path starts with one of these.
    pub prefixes: BTreeSet<String>,
    /// The path is one of these.
    pub exact: BTreeSet<String>,
    /// The path ends with one of these.
    pub suffixes: BTreeSet<String>,
}

impl PathSet {
    /// Number of patterns.
    pub fn len(&self) -> usize {
        self.prefixes.len() + self.exact.len() + self.suffixes.len()
    }

    /// Whether no plain path can match.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether plain path `p` matches one of the patterns.
    pub fn matches(&self, p: &str) -> bool {
        self.exact.contains(p)
            || self.prefixes.iter().any(|x| p.starts_with(x.as_str()))
            || self.suffixes.iter().any(|x| p.ends_with(x.as_str()))
    }

    fn union(mut self, o: PathSet) -> PathSet {
        self.prefixes.extend(o.prefixes);
        self.exact.extend(o.exact);
        self.suffixes.extend(o.suffixes);
        self
    }
}

impl PathNeed {
    fn none() -> Self {
        PathNeed::Some(PathSet::default())
    }

    /// Either need (`or`).
    #[must_use]
    pub fn union(self, o: PathNeed) -> PathNeed {
        match (self, o) {
            (PathNeed::Some(a), PathNeed::Some(b)) => PathNeed::Some(a.union(b)),
            _ => PathNeed::Any,
        }
    }

    /// Both needs (`and`): either one is a sound answer, the one with fewer patterns is
    /// kept.
    fn narrower(self, o: PathNeed) -> PathNeed {
        match (self, o) {
            (PathNeed::Any, x) | (x, PathNeed::Any) => x,
            (PathNeed::Some(a), PathNeed::Some(b)) => {
                PathNeed::Some(if b.len() < a.len() { b } else { a })
            }
        }
    }

    /// Whether plain path `p` can satisfy the need.
    pub fn admits(&self, p: &str) -> bool {
        match self {
            PathNeed::Any => true,
            PathNeed::Some(s) => s.matches(p),
        }
    }
}

/// What `cond` needs of the path of an event of type `evt_type` whose `fd.name` is the
/// opened path (`open`, `openat`, `openat2`, `creat`).
pub fn open_path_need(cond: &Cond, evt_type: &str) -> PathNeed {
    walk(cond, false, evt_type)
}

/// `cond` (negated when `inverted`) for an event of type `ty`.
fn walk(cond: &Cond, inverted: bool, ty: &str) -> PathNeed {
    match cond {
        Cond::True if inverted => PathNeed::none(),
        Cond::False if !inverted => PathNeed::none(),
        Cond::True | Cond::False => PathNeed::Any,
        Cond::And(items) | Cond::Or(items) => {
            let is_and = matches!(cond, Cond::And(_)) != inverted;
            let mut it = items.iter().map(|c| walk(c, inverted, ty));
            let first = it.next().unwrap_or(PathNeed::Any);
            it.fold(first, |acc, n| {
                if is_and {
                    acc.narrower(n)
                } else {
                    acc.union(n)
                }
            })
        }
        Cond::Not(inner) => walk(inner, !inverted, ty),
        Cond::Check(c) => match evt_type_truth(c, ty) {
            Some(holds) if holds == inverted => PathNeed::none(),
            Some(_) => PathNeed::Any,
            None if inverted => PathNeed::Any,
            None => check(c),
        },
    }
}

/// For an `evt.type` comparison: whether it holds for type `ty`.
fn evt_type_truth(c: &Check, ty: &str) -> Option<bool> {
    if c.lhs.field.name != "evt.type" || !c.lhs.transforms.is_empty() {
        return None;
    }
    match (&c.op, &c.rhs) {
        (Op::Eq, CRhs::Str(v)) => Some(&**v == ty),
        (Op::Ne, CRhs::Str(v)) => Some(&**v != ty),
        (Op::In | Op::Intersects, CRhs::StrSet(v)) => Some(v.iter().any(|s| &**s == ty)),
        _ => None,
    }
}

/// Text that no plain path contains: a check needing it is only met by paths the filter
/// always lets through.
fn unplain(s: &str) -> bool {
    s.contains("..") || s.contains("/.") || s.contains("//")
}

fn set(f: impl FnOnce(&mut PathSet)) -> PathNeed {
    let mut s = PathSet::default();
    f(&mut s);
    PathNeed::Some(s)
}

/// A check that holds (not negated).
fn check(c: &Check) -> PathNeed {
    if !c.lhs.transforms.is_empty() {
        return PathNeed::Any;
    }
    match c.lhs.field.name {
        "fd.name" | "fd.nameraw" => path_check(c),
        // `fd.directory` is the path without its last component.
        "fd.directory" => match (&c.op, &c.rhs) {
            (Op::Eq, CRhs::Str(v)) => set(|s| {
                s.prefixes.insert(dir_prefix(v));
            }),
            (Op::In | Op::Intersects, CRhs::StrSet(v)) => set(|s| {
                s.prefixes.extend(v.iter().map(|d| dir_prefix(d)));
            }),
            _ => PathNeed::Any,
        },
        "fd.filename" => match (&c.op, &c.rhs) {
            (Op::Eq, CRhs::Str(v)) => set(|s| {
                s.suffixes.insert(format!("/{v}"));
            }),
            (Op::In | Op::Intersects, CRhs::StrSet(v)) => set(|s| {
                s.suffixes.extend(v.iter().map(|f| format!("/{f}")));
            }),
            _ => PathNeed::Any,
        },
        _ => PathNeed::Any,
    }
}

fn dir_prefix(dir: &str) -> String {
    if dir == "/" {
        "/".to_string()
    } else {
        format!("{dir}/")
    }
}

fn path_check(c: &Check) -> PathNeed {
    match (&c.op, &c.rhs) {
        (Op::Eq, CRhs::Str(v)) => set(|s| {
            s.exact.insert(v.to_string());
        }),
        (Op::In | Op::Intersects, CRhs::StrSet(v)) => set(|s| {
            s.exact.extend(v.iter().map(ToString::to_string));
        }),
        (Op::StartsWith, CRhs::Str(v)) if !v.is_empty() => set(|s| {
            s.prefixes.insert(v.to_string());
        }),
        (Op::EndsWith, CRhs::Str(v)) if !v.is_empty() => set(|s| {
            s.suffixes.insert(v.to_string());
        }),
        // `pmatch`: the path is one of the prefixes or below one.
        (Op::Pmatch, CRhs::Prefixes(p)) => {
            if p.has_root() {
                return PathNeed::Any;
            }
            set(|s| {
                for e in p.entries() {
                    s.exact.insert(e.to_string());
                    s.prefixes.insert(format!("{e}/"));
                }
            })
        }
        (Op::Contains | Op::IContains, CRhs::Str(v)) if unplain(v) => PathNeed::none(),
        (Op::Glob, CRhs::Str(v)) => glob_need(v),
        _ => PathNeed::Any,
    }
}

/// A glob's literal head (a prefix), a literal piece no plain path contains, or its
/// literal tail (a suffix), in that order of preference.
fn glob_need(pattern: &str) -> PathNeed {
    if pattern.contains(['[', '\\']) {
        return PathNeed::Any;
    }
    let pieces: Vec<&str> = pattern.split(['*', '?']).collect();
    let wild = pieces.len() > 1;
    let head = pieces.first().copied().unwrap_or_default();
    let tail = pieces.last().copied().unwrap_or_default();
    if !wild {
        return set(|s| {
            s.exact.insert(pattern.to_string());
        });
    }
    if !head.is_empty() {
        return set(|s| {
            s.prefixes.insert(head.to_string());
        });
    }
    if pieces.iter().any(|p| unplain(p)) {
        return PathNeed::none();
    }
    if !tail.is_empty() {
        return set(|s| {
            s.suffixes.insert(tail.to_string());
        });
    }
    PathNeed::Any
}

#[cfg(test)]
mod tests;
