//! What some checks judge a resource against besides the resource itself: facts about
//! other objects of the scanned set. A scan collects them *before* checking, in a
//! pre-pass that parses only the documents holding one of [`Context::NEEDLES`]
//! (`moat_manifest::load_matching`), so these checks run per resource like any other:
//! nothing is held per workload and their findings stream with the resource's.

use std::collections::HashMap;

use moat_manifest::Resource;
use moat_manifest::selector::LabelSelector;

/// Facts about the scanned set, built from the objects [`Context::wants`].
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// PodDisruptionBudget selectors by namespace; `None` when the set has none (the
    /// PDB check then stays silent: the project does not manage PDBs in these files).
    pdbs: Option<HashMap<Option<String>, Vec<LabelSelector>>>,
    /// Context objects added, per file, to detect objects the pre-pass missed.
    seen: HashMap<String, u32>,
}

impl Context {
    /// Every object the context reads contains one of these strings (its kind).
    pub const NEEDLES: &'static [&'static str] = &["PodDisruptionBudget"];

    /// Whether `res` is an object the context is built from.
    pub fn wants(res: &Resource) -> bool {
        res.rref.kind == "PodDisruptionBudget" && res.group() == "policy"
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
