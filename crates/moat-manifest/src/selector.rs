//! Kubernetes label selectors (`matchLabels` + `matchExpressions`) and their matching.

use crate::node::Node;

/// One `matchExpressions` requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Requirement {
    /// `key In [values]`.
    In(String, Vec<String>),
    /// `key NotIn [values]` (also matches when the key is absent).
    NotIn(String, Vec<String>),
    /// `key Exists`.
    Exists(String),
    /// `key DoesNotExist`.
    DoesNotExist(String),
}

/// A parsed label selector. An empty selector matches everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelSelector {
    /// All requirements (matchLabels become `In` with one value); all must hold.
    pub requirements: Vec<Requirement>,
}

impl LabelSelector {
    /// Parses a selector node. Unknown operators are an error message.
    pub fn parse(n: &Node) -> Result<Self, String> {
        let mut requirements = Vec::new();
        if let Some(ml) = n.get("matchLabels") {
            for e in ml.entries() {
                let v = scalar(&e.value)
                    .ok_or_else(|| format!("matchLabels value of `{}` must be a string", e.key))?;
                requirements.push(Requirement::In(e.key.clone(), vec![v]));
            }
        }
        if let Some(me) = n.get("matchExpressions") {
            for ex in me.items() {
                let key = ex
                    .get("key")
                    .and_then(Node::as_str)
                    .ok_or("matchExpressions entry has no key")?
                    .to_owned();
                let values: Vec<String> = ex
                    .get("values")
                    .map_or(&[][..], Node::items)
                    .iter()
                    .filter_map(scalar)
                    .collect();
                let op = ex.get("operator").and_then(Node::as_str).unwrap_or("");
                requirements.push(match op {
                    "In" => Requirement::In(key, values),
                    "NotIn" => Requirement::NotIn(key, values),
                    "Exists" => Requirement::Exists(key),
                    "DoesNotExist" => Requirement::DoesNotExist(key),
                    other => return Err(format!("unknown matchExpressions operator `{other}`")),
                });
            }
        }
        Ok(LabelSelector { requirements })
    }

    /// Whether `labels` satisfy the selector.
    pub fn matches(&self, labels: &[(String, String)]) -> bool {
        let get = |k: &str| {
            labels
                .iter()
                .find(|(lk, _)| lk == k)
                .map(|(_, v)| v.as_str())
        };
        self.requirements.iter().all(|r| match r {
            Requirement::In(k, vs) => get(k).is_some_and(|v| vs.iter().any(|x| x == v)),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|v| !vs.iter().any(|x| x == v)),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::DoesNotExist(k) => get(k).is_none(),
        })
    }
}

fn scalar(n: &Node) -> Option<String> {
    match &n.value {
        crate::Value::Str(s) => Some(s.clone()),
        crate::Value::Int(i) => Some(i.to_string()),
        crate::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The labels of a `metadata` node as pairs.
pub fn labels_of(metadata: Option<&Node>) -> Vec<(String, String)> {
    metadata
        .and_then(|m| m.get("labels"))
        .map(|l| {
            l.entries()
                .iter()
                .filter_map(|e| scalar(&e.value).map(|v| (e.key.clone(), v)))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_stream;

    fn sel(text: &str) -> LabelSelector {
        let p = parse_stream(text);
        LabelSelector::parse(p.docs[0].root.as_ref().unwrap()).unwrap()
    }

    #[test]
    fn matching() {
        let l = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect::<Vec<_>>()
        };
        let s = sel(
            "matchLabels: {app: web}\nmatchExpressions:\n- {key: tier, operator: NotIn, values: [db]}\n- {key: canary, operator: DoesNotExist}\n",
        );
        assert!(s.matches(&l(&[("app", "web")])));
        assert!(s.matches(&l(&[("app", "web"), ("tier", "fe")])));
        assert!(!s.matches(&l(&[("app", "web"), ("tier", "db")])));
        assert!(!s.matches(&l(&[("app", "web"), ("canary", "1")])));
        assert!(!s.matches(&l(&[("app", "api")])));
        assert!(sel("{}").matches(&[]));
        let p = parse_stream("matchExpressions: [{key: a, operator: Near}]");
        assert!(LabelSelector::parse(p.docs[0].root.as_ref().unwrap()).is_err());
    }
}
