//! What some checks judge a resource against besides the resource itself: facts about
//! other objects of the scanned set. A scan collects them *before* checking, in a
//! pre-pass that parses only the documents holding one of [`Context::NEEDLES`]
//! (`moat_manifest::load_bytes_matching`), so these checks run per resource like any other:
//! nothing is held per workload and their findings stream with the resource's.

use std::collections::{HashMap, HashSet};

use moat_manifest::selector::LabelSelector;
use moat_manifest::{Node, Resource};

/// Facts about the scanned set, built from the objects [`Context::wants`].
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// PodDisruptionBudget selectors by namespace; `None` when the set has none (the
    /// PDB check then stays silent: the project does not manage PDBs in these files).
    pdbs: Option<HashMap<Option<String>, Vec<LabelSelector>>>,
    /// ServiceAccounts (namespace as written, name) with `automountServiceAccountToken:
    /// false`.
    no_automount: HashSet<(Option<String>, String)>,
    /// HorizontalPodAutoscaler `minReplicas` (default 1) by target (namespace as written,
    /// kind, name); the highest when several target one workload.
    hpa_min: HashMap<(Option<String>, String, String), i64>,
    /// Context objects added, per file, to detect objects the pre-pass missed.
    seen: HashMap<String, u32>,
}

impl Context {
    /// Every object the context reads contains one of these strings (its kind).
    pub const NEEDLES: &'static [&'static str] = &[
        "PodDisruptionBudget",
        "ServiceAccount",
        "HorizontalPodAutoscaler",
    ];

    /// Whether `res` is an object the context is built from.
    pub fn wants(res: &Resource) -> bool {
        match res.rref.kind.as_str() {
            "PodDisruptionBudget" => res.group() == "policy",
            "ServiceAccount" => res.group().is_empty(),
            "HorizontalPodAutoscaler" => res.group() == "autoscaling",
            _ => false,
        }
    }

    /// Builds the context from every resource of a set (in input order); others are
    /// ignored. For tests and small inputs; a scan adds the pre-pass's objects.
    pub fn from_resources<'a>(resources: impl IntoIterator<Item = &'a Resource>) -> Self {
        let mut c = Context::default();
        for r in resources {
            c.add(r);
        }
        c
    }

    /// Adds one object, if it is one the context reads.
    pub fn add(&mut self, res: &Resource) {
        if !Self::wants(res) {
            return;
        }
        *self.seen.entry(res.file.to_string()).or_default() += 1;
        match res.rref.kind.as_str() {
            "ServiceAccount" => {
                if res
                    .node
                    .get("automountServiceAccountToken")
                    .and_then(Node::as_bool)
                    == Some(false)
                    && let Some(name) = &res.rref.name
                {
                    self.no_automount
                        .insert((res.rref.namespace.clone(), name.clone()));
                }
                return;
            }
            "HorizontalPodAutoscaler" => {
                let target = res.node.get_path(&["spec", "scaleTargetRef"]);
                let field = |k: &str| target.and_then(|t| t.get(k)).and_then(Node::as_str);
                if let (Some(kind), Some(name)) = (field("kind"), field("name")) {
                    let min = res
                        .node
                        .get_path(&["spec", "minReplicas"])
                        .and_then(Node::as_i64)
                        .unwrap_or(1);
                    let slot = self
                        .hpa_min
                        .entry((res.rref.namespace.clone(), kind.to_owned(), name.to_owned()))
                        .or_insert(min);
                    *slot = (*slot).max(min);
                }
                return;
            }
            _ => {}
        }
        if let Some(selector) = res
            .node
            .get_path(&["spec", "selector"])
            .and_then(|s| LabelSelector::parse(s).ok())
        {
            self.pdbs
                .get_or_insert_with(HashMap::new)
                .entry(res.rref.namespace.clone())
                .or_default()
                .push(selector);
        }
    }

    /// Whether the ServiceAccount `name` of `namespace` (as written in the manifests) is
    /// in the set with `automountServiceAccountToken: false`.
    pub fn sa_disables_automount(&self, namespace: Option<&str>, name: &str) -> bool {
        self.no_automount
            .contains(&(namespace.map(str::to_owned), name.to_owned()))
    }

    /// `minReplicas` of the HorizontalPodAutoscaler(s) scaling the workload `kind`/`name`
    /// of `namespace` (as written), if one does.
    pub fn hpa_min_replicas(&self, namespace: Option<&str>, kind: &str, name: &str) -> Option<i64> {
        self.hpa_min
            .get(&(
                namespace.map(str::to_owned),
                kind.to_owned(),
                name.to_owned(),
            ))
            .copied()
    }

    /// How many context objects of `file` were added.
    pub fn seen_in(&self, file: &str) -> u32 {
        self.seen.get(file).copied().unwrap_or(0)
    }

    /// PodDisruptionBudget selectors of a namespace; `None` when the set has no PDB.
    pub fn pdb_selectors(&self, namespace: Option<&str>) -> Option<&[LabelSelector]> {
        let pdbs = self.pdbs.as_ref()?;
        Some(
            pdbs.get(&namespace.map(str::to_owned))
                .map_or(&[][..], Vec::as_slice),
        )
    }
}
