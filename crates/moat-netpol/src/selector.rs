//! Label selectors (`matchLabels` + `matchExpressions`) with Kubernetes validation and
//! matching semantics: all requirements AND-ed; an empty selector matches everything.

use std::fmt;
use std::sync::Arc;

/// A label set (pod or namespace labels): each key once, sorted by key. Keys and values are
/// shared strings, so label sets made from one string table share their text (a workload's
/// labels cost two pointers each).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Labels(Vec<(Arc<str>, Arc<str>)>);

impl Labels {
    /// No labels.
    pub fn new() -> Self {
        Labels(Vec::new())
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| (**k).cmp(key))
    }

    /// The value of a label.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.find(key)
            .ok()
            .and_then(|i| self.0.get(i))
            .map(|(_, v)| &**v)
    }

    /// Whether a label is set.
    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Sets a label (replacing its value).
    pub fn insert(&mut self, key: impl Into<Arc<str>>, value: impl Into<Arc<str>>) {
        let key = key.into();
        match self.find(&key) {
            Ok(i) => {
                if let Some(slot) = self.0.get_mut(i) {
                    slot.1 = value.into();
                }
            }
            Err(i) => self.0.insert(i, (key, value.into())),
        }
    }

    /// Labels in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (&**k, &**v))
    }

    /// Keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| &**k)
    }

    /// Number of labels.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no labels.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Collects labels; for a key given twice the last value wins (as for a map).
impl<K: Into<Arc<str>>, V: Into<Arc<str>>> FromIterator<(K, V)> for Labels {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut v: Vec<(Arc<str>, Arc<str>)> = iter
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        // Stable: equal keys stay in input order, and the last one is kept.
        v.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(Arc<str>, Arc<str>)> = Vec::with_capacity(v.len());
        for kv in v {
            match out.last_mut() {
                Some(last) if last.0 == kv.0 => *last = kv,
                _ => out.push(kv),
            }
        }
        out.shrink_to_fit();
        Labels(out)
    }
}

/// The well-known label the API server puts on every namespace.
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// A `matchExpressions` operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// The label is present and its value is one of the values.
    In,
    /// The label is absent or its value is none of the values.
    NotIn,
    /// The label is present.
    Exists,
    /// The label is absent.
    DoesNotExist,
}

/// One requirement of a selector.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Requirement {
    /// Label key.
    pub key: String,
    /// Operator.
    pub op: Op,
    /// Values (`In`/`NotIn` only).
    pub values: Vec<String>,
}

impl Requirement {
    /// Whether `labels` satisfy the requirement.
    pub fn matches(&self, labels: &Labels) -> bool {
        let v = labels.get(&self.key);
        match self.op {
            Op::In => v.is_some_and(|v| self.values.iter().any(|x| x == v)),
            Op::NotIn => v.is_none_or(|v| !self.values.iter().any(|x| x == v)),
            Op::Exists => v.is_some(),
            Op::DoesNotExist => v.is_none(),
        }
    }
}

/// A label selector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct LabelSelector {
    /// `matchLabels` and `matchExpressions` as one AND-ed list (`matchLabels` become `In`).
    pub requirements: Vec<Requirement>,
    /// How many leading `requirements` came from `matchLabels` (the rest are
    /// `matchExpressions`); only the exposure rendering looks at it.
    pub match_labels: usize,
}

impl LabelSelector {
    /// The selector that matches everything (`{}`).
    pub fn everything() -> Self {
        LabelSelector::default()
    }

    /// `matchLabels` only.
    pub fn from_labels<'a>(labels: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let requirements: Vec<Requirement> = labels
            .into_iter()
            .map(|(k, v)| Requirement {
                key: k.to_owned(),
                op: Op::In,
                values: vec![v.to_owned()],
            })
            .collect();
        LabelSelector {
            match_labels: requirements.len(),
            requirements,
        }
    }

    /// Whether the selector is empty (matches every label set).
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Whether `labels` match.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.requirements.iter().all(|r| r.matches(labels))
    }

    /// Label keys the selector looks at.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.requirements.iter().map(|r| r.key.as_str())
    }
}

/// `app=web,tier in (a,b),!legacy` — the Kubernetes selector string, requirements sorted by key.
impl fmt::Display for LabelSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut reqs: Vec<&Requirement> = self.requirements.iter().collect();
        reqs.sort_by(|a, b| a.key.cmp(&b.key));
        for (i, r) in reqs.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            match r.op {
                Op::In if r.values.len() == 1 => {
                    write!(
                        f,
                        "{}={}",
                        r.key,
                        r.values.first().map_or("", String::as_str)
                    )?;
                }
                Op::In => write!(f, "{} in ({})", r.key, sorted(&r.values))?,
                Op::NotIn => write!(f, "{} notin ({})", r.key, sorted(&r.values))?,
                Op::Exists => write!(f, "{}", r.key)?,
                Op::DoesNotExist => write!(f, "!{}", r.key)?,
            }
        }
        Ok(())
    }
}

fn sorted(v: &[String]) -> String {
    let mut v: Vec<&str> = v.iter().map(String::as_str).collect();
    v.sort_unstable();
    v.join(",")
}

const NAME_MSG: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

fn is_name(s: &str, max: usize) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= max
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253
        && s.split('.').all(|l| {
            let b = l.as_bytes();
            !b.is_empty()
                && b.len() <= 63
                && b.first()
                    .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                && b.last()
                    .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        })
}

/// Checks a label key (`[prefix/]name`); the error text follows the API server's.
pub fn validate_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix
        && !is_dns_subdomain(p)
    {
        return Err(format!(
            "key: Invalid value: \"{key}\": prefix part must be a lowercase RFC 1123 subdomain"
        ));
    }
    if !is_name(name, 63) {
        return Err(format!("key: Invalid value: \"{key}\": {NAME_MSG}"));
    }
    Ok(())
}

/// Checks a label value (empty, or a name of at most 63 characters).
pub fn validate_value(value: &str) -> Result<(), String> {
    if value.is_empty() || is_name(value, 63) {
        Ok(())
    } else {
        Err(format!(
            "values[0]: Invalid value: \"{value}\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (at most 63 characters)"
        ))
    }
}

/// Parses an operator name.
pub fn parse_op(s: &str) -> Option<Op> {
    match s {
        "In" => Some(Op::In),
        "NotIn" => Some(Op::NotIn),
        "Exists" => Some(Op::Exists),
        "DoesNotExist" => Some(Op::DoesNotExist),
        _ => None,
    }
}

/// Validates one requirement as `metav1.LabelSelectorAsSelector` does.
pub fn validate_requirement(r: &Requirement) -> Result<(), String> {
    validate_key(&r.key)?;
    match r.op {
        Op::In | Op::NotIn => {
            if r.values.is_empty() {
                return Err(format!(
                    "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty (key `{}`)",
                    r.key
                ));
            }
            for v in &r.values {
                validate_value(v)?;
            }
        }
        Op::Exists | Op::DoesNotExist => {
            if !r.values.is_empty() {
                return Err(format!(
                    "values: Invalid value: {:?}: values set must be empty for exists and does not exist (key `{}`)",
                    r.values, r.key
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn labels(kv: &[(&str, &str)]) -> Labels {
        kv.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn req(key: &str, op: Op, values: &[&str]) -> Requirement {
        Requirement {
            key: key.into(),
            op,
            values: values.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn operators() {
        let l = labels(&[("app", "web"), ("tier", "front")]);
        assert!(req("app", Op::In, &["db", "web"]).matches(&l));
        assert!(!req("app", Op::NotIn, &["web"]).matches(&l));
        assert!(
            req("missing", Op::NotIn, &["x"]).matches(&l),
            "NotIn matches absent keys"
        );
        assert!(req("tier", Op::Exists, &[]).matches(&l));
        assert!(req("missing", Op::DoesNotExist, &[]).matches(&l));
        assert!(!req("missing", Op::In, &["x"]).matches(&l));
        assert!(LabelSelector::everything().matches(&Labels::new()));
        let s = LabelSelector {
            requirements: vec![
                req("tier", Op::In, &["front", "back"]),
                req("app", Op::In, &["web"]),
                req("x", Op::DoesNotExist, &[]),
            ],
            match_labels: 0,
        };
        assert_eq!(s.to_string(), "app=web,tier in (back,front),!x");
        assert!(s.matches(&l));
    }

    #[test]
    fn validation() {
        assert!(validate_key("app").is_ok());
        assert!(validate_key("app.kubernetes.io/name").is_ok());
        assert!(
            validate_key("app@b")
                .unwrap_err()
                .contains("key: Invalid value")
        );
        assert!(validate_key("Bad_Prefix/x").is_err());
        assert!(validate_key("").is_err());
        assert!(validate_value("").is_ok());
        assert!(validate_value("a b").is_err());
        assert!(validate_requirement(&req("a", Op::In, &[])).is_err());
        assert!(validate_requirement(&req("a", Op::Exists, &["x"])).is_err());
    }

    proptest! {
        #[test]
        fn selector_is_conjunction_of_requirements(
            vals in proptest::collection::vec(proptest::option::of(0u8..3), 3),
            ops in proptest::collection::vec((0u8..4, proptest::collection::vec(0u8..3, 0..3)), 0..4),
        ) {
            let keys = ["a", "b", "c"];
            let mut l = Labels::new();
            for (k, v) in keys.iter().zip(&vals) {
                if let Some(v) = v { l.insert(*k, v.to_string()); }
            }
            let reqs: Vec<Requirement> = ops.iter().enumerate().map(|(i, (op, vs))| {
                let op = [Op::In, Op::NotIn, Op::Exists, Op::DoesNotExist][usize::from(*op)];
                let values = match op { Op::In | Op::NotIn => vs.iter().map(ToString::to_string).collect(), _ => vec![] };
                Requirement { key: keys[i % 3].into(), op, values }
            }).collect();
            let sel = LabelSelector { requirements: reqs.clone(), match_labels: 0 };
            // definition: every requirement holds
            let expected = reqs.iter().all(|r| {
                let v = l.get(&r.key);
                match r.op {
                    Op::In => v.is_some_and(|v| r.values.iter().any(|x| x == v)),
                    Op::NotIn => !v.is_some_and(|v| r.values.iter().any(|x| x == v)),
                    Op::Exists => v.is_some(),
                    Op::DoesNotExist => v.is_none(),
                }
            });
            prop_assert_eq!(sel.matches(&l), expected);
            // NotIn is the complement of In; DoesNotExist of Exists
            for r in &reqs {
                let neg = Requirement { op: match r.op { Op::In => Op::NotIn, Op::NotIn => Op::In, Op::Exists => Op::DoesNotExist, Op::DoesNotExist => Op::Exists }, ..r.clone() };
                prop_assert_ne!(r.matches(&l), neg.matches(&l));
            }
        }
    }
}
