use moat_core::{CheckMeta, Finding, Location};
use moat_manifest::{ContainerView, PodSpecView, Resource};

use crate::context::Context;

/// Which resources a check looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Only workloads (resources with a pod spec).
    Workload,
    /// Every resource.
    Any,
}

/// A check. Implement the hooks that fit; the others do nothing.
pub trait Check: Sync + Send {
    /// The check's metadata.
    fn meta(&self) -> &'static CheckMeta;

    /// Which resources it evaluates (default: workloads).
    fn scope(&self) -> Scope {
        Scope::Workload
    }

    /// Whether it reads [`Emit::context`] (then a scan collects the context first).
    fn uses_context(&self) -> bool {
        false
    }

    /// Called once per resource, any kind.
    fn check_object(&self, _res: &Resource, _out: &mut Emit<'_>) {}

    /// Called once per workload's pod spec.
    fn check_pod(&self, _pod: &PodSpecView<'_>, _out: &mut Emit<'_>) {}

    /// Called for every container (init, regular, ephemeral) of a workload.
    fn check_container(&self, _pod: &PodSpecView<'_>, _c: &ContainerView<'_>, _out: &mut Emit<'_>) {
    }
}

/// A finding as a check reports it: message, judged field path, container.
#[derive(Debug, Clone)]
pub struct Raw {
    /// The check.
    pub meta: &'static CheckMeta,
    /// Specific message.
    pub message: String,
    /// Judged field path.
    pub path: String,
    /// Container name, if about one container.
    pub container: Option<String>,
}

/// Tunables of the checks, from `.moat.yaml` or flags.
#[derive(Clone, Debug)]
pub struct Settings {
    /// UIDs below this are "low" (`MOAT-010`).
    pub min_uid: i64,
    /// Registries images may come from (`MOAT-102`); empty = no allowlist.
    pub allowed_registries: Vec<String>,
    /// Labels every workload should carry (`MOAT-193`).
    pub required_labels: Vec<String>,
    /// Target Kubernetes minor version for API deprecations, e.g. `(1, 29)`.
    pub k8s_version: Option<(u32, u32)>,
    /// Pod Security Standard level and version to evaluate (`--pss-level`); `None` = off.
    pub pss: Option<moat_pss::LevelVersion>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            min_uid: 10_000,
            allowed_registries: Vec::new(),
            required_labels: vec![
                "app.kubernetes.io/name".to_owned(),
                "app.kubernetes.io/version".to_owned(),
            ],
            k8s_version: None,
            pss: None,
        }
    }
}

/// Collects what a check reports.
pub struct Emit<'a> {
    meta: &'static CheckMeta,
    out: &'a mut Vec<Raw>,
    /// Check tunables.
    pub settings: &'a Settings,
    /// Facts about the other objects of the scanned set.
    pub context: &'a Context,
}

impl Emit<'_> {
    /// Reports a finding at `path`.
    pub fn report(&mut self, path: String, message: String) {
        self.out.push(Raw {
            meta: self.meta,
            message,
            path,
            container: None,
        });
    }

    /// Reports a finding about one container at `path`.
    pub fn container(&mut self, c: &ContainerView<'_>, path: String, message: String) {
        self.out.push(Raw {
            meta: self.meta,
            message,
            path,
            container: Some(c.name().to_owned()),
        });
    }
}

/// A family of checks evaluated together (one evaluation, several check IDs), such as
/// the Pod Security Standards.
pub trait Family: Sync + Send {
    /// The checks it reports under.
    fn metas(&self) -> Vec<&'static CheckMeta>;

    /// Whether it runs at all with these settings.
    fn active(&self, settings: &Settings) -> bool;

    /// Evaluates a workload's pod spec.
    fn check_pod(&self, pod: &PodSpecView<'_>, settings: &Settings) -> Vec<Raw>;
}

/// Runs a fixed set of checks.
pub struct Checker {
    checks: Vec<&'static dyn Check>,
    families: Vec<(&'static dyn Family, Vec<&'static str>)>,
    settings: Settings,
    context: Context,
    /// Whether some check reads the context (fixed at construction).
    needs_context: bool,
}

impl Checker {
    /// A checker for these checks with default settings.
    pub fn new(checks: Vec<&'static dyn Check>) -> Self {
        Checker::with_settings(checks, Settings::default())
    }

    /// A checker for these checks with explicit settings.
    pub fn with_settings(checks: Vec<&'static dyn Check>, settings: Settings) -> Self {
        Checker {
            needs_context: checks.iter().any(|c| c.uses_context()),
            checks,
            families: Vec::new(),
            settings,
            context: Context::default(),
        }
    }

    /// Sets the facts about the scanned set that context checks judge against.
    #[must_use]
    pub fn with_context(mut self, context: Context) -> Self {
        self.context = context;
        self
    }

    /// Whether some check reads the context (see [`Check::uses_context`]).
    pub fn needs_context(&self) -> bool {
        self.needs_context
    }

    /// The facts about the scanned set in use.
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// Adds a family, limited to the check IDs in `enabled`. Inactive families (per the
    /// settings) are ignored.
    #[must_use]
    pub fn with_family(mut self, family: &'static dyn Family, enabled: Vec<&'static str>) -> Self {
        if family.active(&self.settings) && !enabled.is_empty() {
            self.families.push((family, enabled));
        }
        self
    }

    /// The checks it runs.
    pub fn checks(&self) -> impl Iterator<Item = &'static CheckMeta> + '_ {
        self.checks.iter().map(|c| c.meta()).chain(
            self.families
                .iter()
                .flat_map(|(f, ids)| f.metas().into_iter().filter(|m| ids.contains(&m.id))),
        )
    }

    /// Runs every check on a resource; returns raw findings in check order, and the
    /// checks that were evaluated on it (workload checks only run on workloads).
    pub fn raw(&self, res: &Resource) -> Vec<Raw> {
        let mut out = Vec::new();
        let pod = PodSpecView::of(res);
        let containers: Vec<ContainerView<'_>> = pod
            .as_ref()
            .map(|p| p.containers().collect())
            .unwrap_or_default();
        for check in &self.checks {
            let mut emit = Emit {
                meta: check.meta(),
                out: &mut out,
                settings: &self.settings,
                context: &self.context,
            };
            check.check_object(res, &mut emit);
            if let Some(pod) = &pod {
                check.check_pod(pod, &mut emit);
                for c in &containers {
                    check.check_container(pod, c, &mut emit);
                }
            }
        }
        if let Some(pod) = &pod {
            for (family, ids) in &self.families {
                out.extend(
                    family
                        .check_pod(pod, &self.settings)
                        .into_iter()
                        .filter(|r| ids.contains(&r.meta.id)),
                );
            }
        }
        out
    }

    /// IDs of the checks that evaluate `res`.
    pub fn applicable(&self, res: &Resource) -> Vec<&'static str> {
        let workload = PodSpecView::of(res).is_some();
        let mut ids: Vec<&'static str> = self
            .checks
            .iter()
            .filter(|c| workload || c.scope() == Scope::Any)
            .map(|c| c.meta().id)
            .collect();
        if workload {
            ids.extend(
                self.families
                    .iter()
                    .flat_map(|(_, ids)| ids.iter().copied()),
            );
        }
        ids
    }

    /// Runs every check and resolves locations: full [`Finding`]s (not yet waived).
    pub fn run(&self, res: &Resource) -> Vec<Finding> {
        self.raw(res).into_iter().map(|r| locate(res, r)).collect()
    }
}

/// Turns a raw finding into a [`Finding`] with file, line and column of its path.
pub fn locate(res: &Resource, raw: Raw) -> Finding {
    let pos = res.pos_of(&raw.path);
    let mut f = Finding::from_meta(raw.meta, raw.message);
    f.resource = res.rref.clone();
    f.location = Location {
        file: res.file.to_string(),
        line: pos.line,
        column: pos.col,
        path: raw.path,
    };
    f.container = raw.container;
    f
}
