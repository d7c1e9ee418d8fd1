//! `metav1.LabelSelector` as the aggregation controller and Services use it.

use moat_manifest::Node;

/// One `matchExpressions` requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement<'a> {
    /// Label key.
    pub key: &'a str,
    /// `In`, `NotIn`, `Exists` or `DoesNotExist` (anything else never matches).
    pub operator: &'a str,
    /// Values for `In`/`NotIn`.
    pub values: Vec<&'a str>,
}

/// A label selector: `matchLabels` and `matchExpressions`, `ANDed`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelSelector<'a> {
    /// `matchLabels`.
    pub match_labels: Vec<(&'a str, &'a str)>,
    /// `matchExpressions`.
    pub match_expressions: Vec<Requirement<'a>>,
    /// `null` selector: selects nothing (`metav1.LabelSelectorAsSelector(nil)`).
    pub nothing: bool,
}

/// String pairs of a mapping node (non-string values are skipped).
pub fn string_map(node: Option<&Node>) -> Vec<(&str, &str)> {
    node.map(Node::entries)
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e.value.as_str().map(|v| (e.key.as_str(), v)))
        .collect()
}

/// Strings of a sequence node (non-strings skipped; a lone string counts as one).
pub fn string_list(node: Option<&Node>) -> Vec<&str> {
    match node {
        Some(n) => match n.as_str() {
            Some(s) => vec![s],
            None => n.items().iter().filter_map(Node::as_str).collect(),
        },
        None => Vec::new(),
    }
}

impl<'a> LabelSelector<'a> {
    /// Parses a selector node; `null` selects nothing, `{}` everything.
    pub fn parse(node: &'a Node) -> Self {
        if node.is_null() || !node.is_map() {
            return LabelSelector {
                nothing: true,
                ..LabelSelector::default()
            };
        }
        let match_expressions = node
            .get("matchExpressions")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .map(|e| Requirement {
                key: e.get("key").and_then(Node::as_str).unwrap_or(""),
                operator: e.get("operator").and_then(Node::as_str).unwrap_or(""),
                values: string_list(e.get("values")),
            })
            .collect();
        LabelSelector {
            match_labels: string_map(node.get("matchLabels")),
            match_expressions,
            nothing: false,
        }
    }

    /// Whether the labels satisfy the selector.
    pub fn matches(&self, labels: &[(&str, &str)]) -> bool {
        if self.nothing {
            return false;
        }
        let get = |k: &str| labels.iter().find(|(lk, _)| *lk == k).map(|(_, v)| *v);
        self.match_labels.iter().all(|(k, v)| get(k) == Some(*v))
            && self.match_expressions.iter().all(|r| match r.operator {
                "In" => get(r.key).is_some_and(|v| r.values.contains(&v)),
                "NotIn" => get(r.key).is_none_or(|v| !r.values.contains(&v)),
                "Exists" => get(r.key).is_some(),
                "DoesNotExist" => get(r.key).is_none(),
                _ => false,
            })
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn selectors() {
        let parsed = moat_manifest::yaml::parse_stream(
            "a: {matchLabels: {x: '1'}, matchExpressions: [{key: tier, operator: NotIn, values: [b]}]}\nb: null\nc: {}\n",
        );
        let root = parsed.docs[0].root.as_ref().expect("doc");
        let a = LabelSelector::parse(root.get("a").expect("a"));
        assert!(a.matches(&[("x", "1")]));
        assert!(a.matches(&[("x", "1"), ("tier", "c")]));
        assert!(!a.matches(&[("x", "1"), ("tier", "b")]));
        assert!(!a.matches(&[("x", "2")]));
        let b = LabelSelector::parse(root.get("b").expect("b"));
        assert!(!b.matches(&[]));
        let c = LabelSelector::parse(root.get("c").expect("c"));
        assert!(c.matches(&[("any", "thing")]));
    }
}
