//! Which values of one single-valued text field (`ka.verb`) a compiled condition can
//! match, for indexing `k8s_audit` rules by verb as `syscall` rules are indexed by event
//! type: `and` intersects, `or` unites, `not` complements (De Morgan through
//! `and`/`or`); a comparison of any other field, or of this one with another operator,
//! can match every value. A field without a value fails every comparison, so it
//! behaves as a value that no rule names.

use std::collections::BTreeSet;

use crate::ast::Op;
use crate::program::{CRhs, Cond};

/// A set of field values: a finite set, or everything except a finite set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueSet {
    /// Exactly these values.
    Only(BTreeSet<String>),
    /// Every value but these (`Except(∅)` is every value).
    Except(BTreeSet<String>),
}

impl ValueSet {
    fn all() -> Self {
        ValueSet::Except(BTreeSet::new())
    }

    fn none() -> Self {
        ValueSet::Only(BTreeSet::new())
    }

    fn complement(self) -> Self {
        match self {
            ValueSet::Only(s) => ValueSet::Except(s),
            ValueSet::Except(s) => ValueSet::Only(s),
        }
    }

    fn and(self, o: Self) -> Self {
        use ValueSet::{Except, Only};
        match (self, o) {
            (Only(a), Only(b)) => Only(a.intersection(&b).cloned().collect()),
            (Only(a), Except(b)) | (Except(b), Only(a)) => {
                Only(a.difference(&b).cloned().collect())
            }
            (Except(a), Except(b)) => Except(a.union(&b).cloned().collect()),
        }
    }

    fn or(self, o: Self) -> Self {
        self.complement().and(o.complement()).complement()
    }

    /// Whether `value` (`None`: the field has no value) is in the set.
    pub fn contains(&self, value: Option<&str>) -> bool {
        match (self, value) {
            (ValueSet::Only(s), Some(v)) => s.contains(v),
            (ValueSet::Only(_), None) => false,
            (ValueSet::Except(s), Some(v)) => !s.contains(v),
            (ValueSet::Except(_), None) => true,
        }
    }

    /// The values named by the set (its finite part).
    pub fn named(&self) -> &BTreeSet<String> {
        match self {
            ValueSet::Only(s) | ValueSet::Except(s) => s,
        }
    }
}

/// The values of `field` that `cond` can match.
pub fn values_of(cond: &Cond, field: &str) -> ValueSet {
    walk(cond, field, false)
}

fn walk(cond: &Cond, field: &str, inverted: bool) -> ValueSet {
    match cond {
        Cond::True => ValueSet::all(),
        Cond::False if inverted => ValueSet::all(),
        Cond::False => ValueSet::none(),
        Cond::And(items) | Cond::Or(items) => {
            let is_and = matches!(cond, Cond::And(_)) != inverted;
            let mut it = items.iter().map(|c| walk(c, field, inverted));
            let first = it.next().unwrap_or_else(ValueSet::all);
            it.fold(first, |acc, s| if is_and { acc.and(s) } else { acc.or(s) })
        }
        Cond::Not(inner) => walk(inner, field, !inverted),
        Cond::Check(c) => {
            if c.lhs.field.name != field || !c.lhs.transforms.is_empty() || c.lhs.field.list {
                return ValueSet::all();
            }
            let (set, negated): (BTreeSet<String>, bool) = match (&c.op, &c.rhs) {
                (Op::Eq, CRhs::Str(v)) => ([v.to_string()].into(), false),
                (Op::Ne, CRhs::Str(v)) => ([v.to_string()].into(), true),
                (Op::In | Op::Intersects, CRhs::StrSet(v)) => {
                    (v.iter().map(ToString::to_string).collect(), false)
                }
                _ => return ValueSet::all(),
            };
            if negated == inverted {
                ValueSet::Only(set)
            } else {
                ValueSet::Except(set)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::RuleSet;

    fn set_of(condition: &str) -> ValueSet {
        let mut rs = RuleSet::new();
        rs.load_str(
            "r.yaml",
            &format!(
                "- rule: r\n  desc: d\n  condition: {condition}\n  output: o\n  priority: INFO\n  source: k8s_audit\n"
            ),
        );
        let c = crate::compile(&rs);
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        values_of(&c.rules[0].cond, "ka.verb")
    }

    fn names(v: &[&str]) -> BTreeSet<String> {
        v.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn and_or_not_over_verbs() {
        assert_eq!(
            set_of("ka.verb=create and ka.user.name=x"),
            ValueSet::Only(names(&["create"]))
        );
        assert_eq!(
            set_of("ka.verb in (create, update) and not ka.verb=update"),
            ValueSet::Only(names(&["create"]))
        );
        assert_eq!(
            set_of("ka.verb=create or ka.verb=delete"),
            ValueSet::Only(names(&["create", "delete"]))
        );
        assert_eq!(set_of("ka.verb=create or ka.user.name=x"), ValueSet::all());
        assert_eq!(
            set_of("not (ka.verb=get or ka.verb=list)"),
            ValueSet::Except(names(&["get", "list"]))
        );
        assert_eq!(set_of("ka.verb startswith c"), ValueSet::all());
        let s = set_of("not ka.verb=get");
        assert!(s.contains(None) && s.contains(Some("x")) && !s.contains(Some("get")));
        assert!(!set_of("ka.verb=get").contains(None));
    }
}
