//! The subject → binding → role → permission graph, as JSON or Graphviz DOT.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::Serialize;

use crate::model::Cluster;

/// A node of the RBAC graph.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GraphNode {
    /// Stable identifier (`subject:…`, `binding:…`, `role:…`, `rule:…`).
    pub id: String,
    /// `subject`, `binding`, `role` or `permission`.
    pub kind: &'static str,
    /// Human label.
    pub label: String,
}

/// An edge of the RBAC graph.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GraphEdge {
    /// Source node id.
    pub from: String,
    /// Destination node id.
    pub to: String,
}

/// The RBAC graph.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RbacGraph {
    /// Nodes, in insertion order.
    pub nodes: Vec<GraphNode>,
    /// Edges.
    pub edges: Vec<GraphEdge>,
}

impl RbacGraph {
    fn add(&mut self, seen: &mut BTreeSet<String>, id: String, kind: &'static str, label: String) {
        if seen.insert(id.clone()) {
            self.nodes.push(GraphNode { id, kind, label });
        }
    }

    /// Graphviz DOT text.
    pub fn to_dot(&self) -> String {
        let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        let mut s = String::from(
            "digraph rbac {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n",
        );
        for n in &self.nodes {
            let shape = match n.kind {
                "subject" => "ellipse",
                "binding" => "box",
                "role" => "component",
                _ => "note",
            };
            let _ = writeln!(
                s,
                "  \"{}\" [label=\"{}\", shape={shape}];",
                esc(&n.id),
                esc(&n.label)
            );
        }
        for e in &self.edges {
            let _ = writeln!(s, "  \"{}\" -> \"{}\";", esc(&e.from), esc(&e.to));
        }
        s.push_str("}\n");
        s
    }
}

/// Builds the graph for the input's bindings (and, with `builtin`, the bootstrap ones).
pub fn rbac_graph(c: &Cluster<'_>, builtin: bool) -> RbacGraph {
    let mut g = RbacGraph::default();
    let mut seen = BTreeSet::new();
    for b in c.bindings.iter().filter(|b| builtin || !b.builtin) {
        let bid = format!("binding:{}", b.display());
        g.add(&mut seen, bid.clone(), "binding", b.display());
        for (_, s) in &b.subjects {
            let sid = format!("subject:{s}");
            g.add(&mut seen, sid.clone(), "subject", s.to_string());
            g.edges.push(GraphEdge {
                from: sid,
                to: bid.clone(),
            });
        }
        let Some(role) = b.role.and_then(|r| c.roles.get(r)) else {
            let rid = format!("role:{} (missing)", b.role_ref_display());
            g.add(
                &mut seen,
                rid.clone(),
                "role",
                format!("{} (missing)", b.role_ref_display()),
            );
            g.edges.push(GraphEdge { from: bid, to: rid });
            continue;
        };
        let rid = format!("role:{}", role.display());
        g.add(&mut seen, rid.clone(), "role", role.display());
        g.edges.push(GraphEdge {
            from: bid,
            to: rid.clone(),
        });
        for rr in &role.effective {
            let Some(rule) = c.rule(*rr) else { continue };
            let from = c
                .roles
                .get(rr.role as usize)
                .map(crate::model::Role::display)
                .unwrap_or_default();
            let pid = format!("rule:{from}#{}", rr.rule);
            g.add(&mut seen, pid.clone(), "permission", rule_label(rule));
            g.edges.push(GraphEdge {
                from: rid.clone(),
                to: pid,
            });
        }
    }
    g.edges
        .sort_by(|a, b| (&a.from, &a.to).cmp(&(&b.from, &b.to)));
    g.edges.dedup();
    g
}

/// `get,list pods,secrets (core)` style label of a rule.
pub fn rule_label(rule: &crate::authz::PolicyRule<'_>) -> String {
    let verbs = rule.verbs.join(",");
    if !rule.non_resource_urls.is_empty() {
        return format!("{verbs} {}", rule.non_resource_urls.join(","));
    }
    let groups: Vec<&str> = rule
        .api_groups
        .iter()
        .map(|g| if g.is_empty() { "core" } else { g })
        .collect();
    let mut s = format!(
        "{verbs} {} ({})",
        rule.resources.join(","),
        groups.join(",")
    );
    if !rule.resource_names.is_empty() {
        let _ = write!(s, " names={}", rule.resource_names.join(","));
    }
    s
}
