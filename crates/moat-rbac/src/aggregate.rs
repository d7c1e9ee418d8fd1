//! ClusterRole aggregation (`aggregationRule.clusterRoleSelectors`), resolved
//! transitively as the clusterrole-aggregation controller converges to.
//!
//! An aggregated ClusterRole's rules are the union of the rules of every other
//! ClusterRole whose labels match one of its selectors (`null` selects nothing, `{}`
//! everything); because the controller writes those rules into the aggregated role,
//! roles that select an aggregated role receive its aggregated rules too. Cycles are
//! resolved with strongly connected components, so the result does not depend on input
//! order and the work is linear in the selection graph. Rules listed on an aggregated
//! role are kept as well: in a `kubectl get -o json` snapshot they are the controller's
//! own output.

use std::collections::HashMap;

use crate::model::{Cluster, RoleKind, RuleRef};

/// Fills `effective` for every role of the cluster.
pub fn resolve(c: &mut Cluster<'_>) {
    let n = c.roles.len();
    let own: Vec<Vec<RuleRef>> = c
        .roles
        .iter()
        .enumerate()
        .map(|(id, r)| {
            (0..r.rules.len())
                .map(|i| RuleRef {
                    role: id as u32,
                    rule: i as u32,
                })
                .collect()
        })
        .collect();
    // Label index of ClusterRoles for selectors with matchLabels.
    let mut by_label: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    let cluster_roles: Vec<usize> = (0..n)
        .filter(|&i| {
            c.roles
                .get(i)
                .is_some_and(|r| r.kind == RoleKind::ClusterRole)
        })
        .collect();
    for &i in &cluster_roles {
        if let Some(r) = c.roles.get(i) {
            for &(k, v) in &r.labels {
                by_label.entry((k, v)).or_default().push(i);
            }
        }
    }
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (id, role) in c.roles.iter().enumerate() {
        let Some(selectors) = &role.aggregation else {
            continue;
        };
        let mut out = Vec::new();
        for sel in selectors {
            if sel.nothing {
                continue;
            }
            let candidates: &[usize] = match sel.match_labels.first() {
                Some(kv) => by_label.get(kv).map_or(&[], Vec::as_slice),
                None => &cluster_roles,
            };
            for &cand in candidates {
                if cand != id && c.roles.get(cand).is_some_and(|r| sel.matches(&r.labels)) {
                    out.push(cand);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        if let Some(e) = edges.get_mut(id) {
            *e = out;
        }
    }
    let effective = propagate(&edges, &own);
    // Index each role's effective rules by resource pattern.
    let mut indexes = Vec::with_capacity(n);
    for eff in &effective {
        let mut by: crate::fnv::FnvMap<(&str, &str), Vec<RuleRef>> = crate::fnv::FnvMap::default();
        let mut urls = Vec::new();
        for rr in eff {
            let Some(rule) = c.rule(*rr) else { continue };
            for p in &rule.resources {
                let key = p.split_once('/').unwrap_or((p, ""));
                let v = by.entry(key).or_default();
                if v.last() != Some(rr) {
                    v.push(*rr);
                }
            }
            if !rule.non_resource_urls.is_empty() {
                urls.push(*rr);
            }
        }
        indexes.push((by, urls));
    }
    for ((role, eff), (by, urls)) in c.roles.iter_mut().zip(effective).zip(indexes) {
        role.effective = eff;
        role.by_resource = by;
        role.url_rules = urls;
    }
}

/// Union of `own` over everything reachable in `edges`, per node (iterative Tarjan).
pub(crate) fn propagate(edges: &[Vec<usize>], own: &[Vec<RuleRef>]) -> Vec<Vec<RuleRef>> {
    let n = edges.len();
    let mut result: Vec<Vec<RuleRef>> = vec![Vec::new(); n];
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut comp = vec![usize::MAX; n];
    let mut stack: Vec<usize> = Vec::new();
    let mut next = 0usize;
    let mut comps = 0usize;
    for root in 0..n {
        if index.get(root).copied() != Some(usize::MAX) {
            continue;
        }
        // (node, next edge position)
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some(&mut (v, ref mut pos)) = work.last_mut() {
            if *pos == 0 && index.get(v).copied() == Some(usize::MAX) {
                set(&mut index, v, next);
                set(&mut low, v, next);
                next += 1;
                stack.push(v);
                set(&mut on_stack, v, true);
            }
            let succ = edges.get(v).and_then(|e| e.get(*pos)).copied();
            if let Some(w) = succ {
                *pos += 1;
                if index.get(w).copied() == Some(usize::MAX) {
                    work.push((w, 0));
                } else if on_stack.get(w).copied().unwrap_or(false) {
                    let lw = index.get(w).copied().unwrap_or(0);
                    let lv = low.get(v).copied().unwrap_or(0);
                    set(&mut low, v, lv.min(lw));
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                let lv = low.get(v).copied().unwrap_or(0);
                let lp = low.get(parent).copied().unwrap_or(0);
                set(&mut low, parent, lp.min(lv));
            }
            if low.get(v) == index.get(v) {
                // Pop the component; its successors outside it are already complete.
                let mut members = Vec::new();
                while let Some(w) = stack.pop() {
                    set(&mut on_stack, w, false);
                    set(&mut comp, w, comps);
                    members.push(w);
                    if w == v {
                        break;
                    }
                }
                let mut union: Vec<RuleRef> = Vec::new();
                for &m in &members {
                    union.extend(own.get(m).map_or(&[][..], Vec::as_slice));
                    for &s in edges.get(m).map_or(&[][..], Vec::as_slice) {
                        if comp.get(s).copied() != Some(comps) {
                            union.extend(result.get(s).map_or(&[][..], Vec::as_slice));
                        }
                    }
                }
                union.sort_unstable();
                union.dedup();
                for &m in &members {
                    set(&mut result, m, union.clone());
                }
                comps += 1;
            }
        }
    }
    result
}

fn set<T>(v: &mut [T], i: usize, x: T) {
    if let Some(slot) = v.get_mut(i) {
        *slot = x;
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn r(role: u32) -> RuleRef {
        RuleRef { role, rule: 0 }
    }

    #[test]
    fn chains_and_cycles() {
        // 0 -> 1 -> 2, 3 <-> 4 -> 2
        let edges = vec![vec![1], vec![2], vec![], vec![4], vec![3, 2]];
        let own: Vec<Vec<RuleRef>> = (0..5).map(|i| vec![r(i)]).collect();
        let out = propagate(&edges, &own);
        assert_eq!(out[0], vec![r(0), r(1), r(2)]);
        assert_eq!(out[1], vec![r(1), r(2)]);
        assert_eq!(out[2], vec![r(2)]);
        assert_eq!(out[3], vec![r(2), r(3), r(4)]);
        assert_eq!(out[4], out[3]);
    }

    #[test]
    fn long_chain_does_not_recurse() {
        let n = 100_000;
        let edges: Vec<Vec<usize>> = (0..n)
            .map(|i| if i + 1 < n { vec![i + 1] } else { vec![] })
            .collect();
        let own: Vec<Vec<RuleRef>> = (0..n)
            .map(|i| {
                if i + 1 == n {
                    vec![r(i as u32)]
                } else {
                    vec![]
                }
            })
            .collect();
        let out = propagate(&edges, &own);
        assert_eq!(out[0], vec![r((n - 1) as u32)]);
    }
}
