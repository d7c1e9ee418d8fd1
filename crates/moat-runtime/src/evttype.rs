//! Which `syscall` event types a compiled condition can match, as Falco computes it for
//! its rule index and its "matches too many evt.type values" warning: `and` intersects,
//! `or` unites, `not` complements event-type checks (De Morgan through `and`/`or`), and
//! any other check matches every type.

use crate::ast::Op;
use crate::fields::syscall_event_types;
use crate::program::{CRhs, Cond};

const WORDS: usize = 8;

/// A set of event types (bit per entry of the event table).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EvtSet([u64; WORDS]);

impl EvtSet {
    fn empty() -> Self {
        EvtSet([0; WORDS])
    }

    fn all() -> Self {
        let mut s = Self::empty();
        for i in 0..syscall_event_types().len() {
            s.insert(i);
        }
        s
    }

    fn insert(&mut self, i: usize) {
        if let Some(w) = self.0.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }

    fn of<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let mut s = Self::empty();
        for n in names {
            if let Ok(i) = syscall_event_types().binary_search(&n) {
                s.insert(i);
            }
        }
        s
    }

    fn and(self, o: Self) -> Self {
        let mut r = self;
        r.0.iter_mut().zip(o.0).for_each(|(a, b)| *a &= b);
        r
    }

    fn or(self, o: Self) -> Self {
        let mut r = self;
        r.0.iter_mut().zip(o.0).for_each(|(a, b)| *a |= b);
        r
    }

    fn complement(self) -> Self {
        let all = Self::all();
        let mut r = self;
        r.0.iter_mut().zip(all.0).for_each(|(a, b)| *a = !*a & b);
        r
    }

    /// Number of event types in the set.
    pub fn len(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The event-type names in the set.
    pub fn names(&self) -> Vec<&'static str> {
        syscall_event_types()
            .iter()
            .enumerate()
            .filter(|(i, _)| self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0))
            .map(|(_, n)| *n)
            .collect()
    }
}

/// The event types `cond` can match.
pub fn evttypes(cond: &Cond) -> EvtSet {
    walk(cond, false)
}

fn walk(cond: &Cond, inverted: bool) -> EvtSet {
    match cond {
        Cond::True => EvtSet::all(),
        Cond::False => {
            if inverted {
                EvtSet::all()
            } else {
                EvtSet::empty()
            }
        }
        Cond::And(items) | Cond::Or(items) => {
            let is_and = matches!(cond, Cond::And(_)) != inverted;
            let mut it = items.iter().map(|c| walk(c, inverted));
            let first = it.next().unwrap_or_else(EvtSet::all);
            it.fold(first, |acc, s| if is_and { acc.and(s) } else { acc.or(s) })
        }
        Cond::Not(inner) => walk(inner, !inverted),
        Cond::Check(c) => {
            if c.lhs.field.name != "evt.type" || !c.lhs.transforms.is_empty() {
                return EvtSet::all();
            }
            let (set, negated) = match (&c.op, &c.rhs) {
                (Op::Eq, CRhs::Str(v)) => (EvtSet::of([&**v]), false),
                (Op::Ne, CRhs::Str(v)) => (EvtSet::of([&**v]), true),
                (Op::In | Op::Intersects, CRhs::StrSet(v)) => {
                    (EvtSet::of(v.iter().map(|s| &**s)), false)
                }
                _ => return EvtSet::all(),
            };
            if negated == inverted {
                set
            } else {
                set.complement()
            }
        }
    }
}
