//! `moat-scan` runs a scan end to end: it reads `.moat.yaml`, discovers inputs, loads
//! and checks files in parallel (rayon, in bounded batches so memory stays flat),
//! applies waivers and filters, and streams each resource's result to a renderer in a
//! deterministic order (files sorted, documents in order, checks in ID order).

mod dockerfile;
mod secrets;
mod waivers;

use std::borrow::Cow;
use std::collections::HashMap;
use std::io;
use std::path::PathBuf;

use moat_checks::{Check, Checker, Context, Settings};
use moat_core::waiver::Waivers;
use moat_core::{
    Finding, InputError, Registry, ResourceRef, Selection, Severity, Summary, Warning,
};
use moat_manifest::config::{Config, find_config, load_config};
use moat_manifest::inventory::{Fact, InventoryCheck};
use moat_manifest::{
    Input, LoadOptions, LoadedFile, Resource, discover_matching, is_manifest_path, load_bytes,
    load_bytes_matching, read_input,
};
use moat_report::{Renderer, ResourceResult};
use rayon::prelude::*;
use waivers::Inline;

pub use dockerfile::DEFAULT_FILES as DEFAULT_DOCKERFILES;
pub use secrets::{FILE_KIND, file_resource};
pub use waivers::{apply_waivers, inline_waivers, waive};

/// Files processed in parallel per batch; results are emitted in order after each batch.
const BATCH_FILES: usize = 64;
/// Files read per batch by the context pre-pass (cheap: few documents are parsed).
const CONTEXT_BATCH_FILES: usize = 256;

/// Standard input, read once for both passes.
type StdinBytes = Result<Vec<u8>, String>;

/// The bytes of an input: standard input from the copy read once, a file from disk.
fn input_bytes<'a>(
    input: &Input,
    stdin: Option<&'a StdinBytes>,
    limit: u64,
) -> Result<Cow<'a, [u8]>, String> {
    match (input, stdin) {
        (Input::Stdin, Some(read)) => read.as_deref().map(Cow::Borrowed).map_err(Clone::clone),
        _ => read_input(input, limit).map(Cow::Owned),
    }
}

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Files, directories, or `-`.
    pub paths: Vec<PathBuf>,
    /// Extra exclude globs (added to the config's).
    pub exclude: Vec<String>,
    /// Largest file read.
    pub max_file_size: u64,
    /// Which checks run.
    pub selection: Selection,
    /// Findings below this are not reported.
    pub min_severity: Severity,
    /// Explicit config file; otherwise `.moat.yaml` is searched upward from the first path.
    pub config: Option<PathBuf>,
    /// Do not look for a config file.
    pub no_config: bool,
    /// The date waiver expiry is judged against.
    pub today: jiff::civil::Date,
    /// Target Kubernetes version (overrides the config's `k8s-version`).
    pub k8s_version: Option<(u32, u32)>,
    /// Evaluate the Pod Security Standards at this level and version.
    pub pss: Option<moat_pss::LevelVersion>,
}

/// Every check moat knows (metadata).
pub fn registry() -> Registry {
    let mut r = moat_checks::registry();
    r.extend(moat_netpol::inventory::COVERAGE.checks());
    r.extend(moat_rbac::inventory::RISKS.checks());
    r.extend(moat_dockerfile::metas());
    r.extend(moat_imagescan::metas());
    r.extend(moat_secrets::metas());
    r
}

/// A prepared scan: config read, checks selected.
pub struct Session {
    opts: ScanOptions,
    /// The configuration in effect.
    pub config: Config,
    checker: Checker,
    inventory: Vec<&'static dyn InventoryCheck>,
    severity_overrides: Vec<(String, Severity)>,
    waivers: Waivers,
    registry: Registry,
    errors: Vec<InputError>,
    warnings: Vec<Warning>,
    docker: dockerfile::Docker,
    secrets: secrets::Secrets,
}

impl Session {
    /// Reads the configuration and selects the checks.
    pub fn new(opts: ScanOptions) -> Self {
        let registry = registry();
        let mut errors = Vec::new();
        let config_path = if opts.no_config {
            None
        } else {
            opts.config.clone().or_else(|| {
                let start = opts
                    .paths
                    .iter()
                    .find(|p| p.as_os_str() != "-")
                    .cloned()
                    .unwrap_or_else(|| PathBuf::from("."));
                find_config(&start)
            })
        };
        let config = match &config_path {
            Some(p) => {
                let resolve = |id: &str| registry.get(id).map(|m| m.id);
                let (c, e) = load_config(p, &resolve);
                errors.extend(e);
                c
            }
            None => Config::default(),
        };
        let (waivers, warnings) = Waivers::new(config.waivers.clone(), opts.today);
        let disabled = |id: &str| {
            config
                .overrides
                .iter()
                .any(|o| o.check == id && o.enabled == Some(false))
        };
        let checks: Vec<&'static dyn Check> = moat_checks::all()
            .into_iter()
            .filter(|c| opts.selection.enabled(c.meta()))
            .filter(|c| !disabled(c.meta().id) || opts.selection.explicitly_included(c.meta()))
            .collect();
        let mut settings = Settings::default();
        if let Some(v) = config.min_uid {
            settings.min_uid = v;
        }
        if let Some(v) = &config.allowed_registries {
            settings.allowed_registries.clone_from(v);
        }
        if let Some(v) = &config.required_labels {
            settings.required_labels.clone_from(v);
        }
        settings.k8s_version = opts.k8s_version.or(config.k8s_version);
        settings.pss = opts.pss;
        let severity_overrides = config
            .overrides
            .iter()
            .filter_map(|o| o.severity.map(|s| (o.check.clone(), s)))
            .collect();
        let mut checker = Checker::with_settings(checks, settings);
        for family in moat_checks::families() {
            let enabled: Vec<&'static str> = family
                .metas()
                .into_iter()
                .filter(|m| {
                    opts.selection.enabled(m)
                        && (!disabled(m.id) || opts.selection.explicitly_included(m))
                })
                .map(|m| m.id)
                .collect();
            checker = checker.with_family(family, enabled);
        }
        let netpol: &'static dyn InventoryCheck = &moat_netpol::inventory::COVERAGE;
        let rbac: &'static dyn InventoryCheck = &moat_rbac::inventory::RISKS;
        let inventory = [netpol, rbac]
            .into_iter()
            .filter(|c| {
                c.checks().iter().any(|m| {
                    opts.selection.enabled(m)
                        && (!disabled(m.id) || opts.selection.explicitly_included(m))
                })
            })
            .collect();
        let docker = dockerfile::Docker::new(&opts, &config, &mut errors);
        let secrets = secrets::Secrets::new(&opts, &config, &mut errors);
        Session {
            opts,
            config,
            checker,
            inventory,
            severity_overrides,
            waivers,
            registry,
            errors,
            warnings,
            docker,
            secrets,
        }
    }

    /// Treats every input as a Dockerfile (`moat dockerfile`).
    #[must_use]
    pub fn dockerfiles_only(mut self) -> Self {
        self.docker.only = true;
        self
    }

    /// Scans every input as a plain file for secrets only (`moat secrets`).
    #[must_use]
    pub fn secrets_only(mut self) -> Self {
        self.secrets.only = true;
        self
    }

    /// The checks that will run.
    pub fn checks(&self) -> Vec<&'static moat_core::CheckMeta> {
        if self.secrets.only {
            return self.secrets.rules().collect();
        }
        let mut v: Vec<_> = self.checker.checks().collect();
        v.extend(
            self.inventory
                .iter()
                .flat_map(|c| c.checks())
                .filter(|m| self.opts.selection.enabled(m)),
        );
        v.extend(self.docker.rules());
        v.extend(self.secrets.rules());
        v.sort_by_key(|m| m.id);
        v
    }

    /// Runs the scan, streaming results into `out`. Returns the totals.
    pub fn run(self, out: &mut dyn Renderer) -> io::Result<Summary> {
        let mut summary = Summary::default();
        summary.errors.extend(self.errors.iter().cloned());
        summary.warnings.extend(self.warnings.iter().cloned());
        let mut exclude = self.config.exclude.clone();
        exclude.extend(self.opts.exclude.iter().cloned());
        let load_opts = LoadOptions {
            exclude,
            max_file_size: self.opts.max_file_size,
        };
        let (inputs, discover_errors) = discover_matching(&self.opts.paths, &load_opts, &|p| {
            self.secrets.only
                || self.docker.matches(p)
                || (!self.docker.only && is_manifest_path(p))
        });
        summary.errors.extend(discover_errors);
        if self.secrets.only {
            let stdin = inputs
                .contains(&Input::Stdin)
                .then(|| read_input(&Input::Stdin, load_opts.max_file_size));
            out.begin()?;
            self.run_secret_files(&inputs, stdin.as_ref(), out, &mut summary)?;
            out.finish(&summary)?;
            return Ok(summary);
        }
        let (inputs, dockerfiles) = self.docker.partition(inputs);
        // Standard input can be read only once; both passes use these bytes.
        let stdin = inputs
            .contains(&Input::Stdin)
            .then(|| read_input(&Input::Stdin, load_opts.max_file_size));
        let mut session = self;
        if session.checker.needs_context() {
            let context = Self::collect_context(&inputs, &load_opts, stdin.as_ref());
            session.checker = session.checker.with_context(context);
        }
        let this = &session;
        out.begin()?;
        // Batches are checked in parallel on the rayon pool while this thread renders the
        // previous batch: parsing and output overlap, and at most two batches are alive.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<FileOut>>(1);
        let mut write_result = Ok(());
        let mut inventory = Inventory {
            facts: this.inventory.iter().map(|_| Vec::new()).collect(),
            inline: Vec::new(),
        };
        std::thread::scope(|scope| {
            scope.spawn(|| {
                for batch in inputs.chunks(BATCH_FILES) {
                    let results: Vec<FileOut> = batch
                        .par_iter()
                        .map(|input| this.process(input, &load_opts, stdin.as_ref()))
                        .collect();
                    if tx.send(results).is_err() {
                        break; // the writer stopped (e.g. broken pipe)
                    }
                }
                drop(tx);
            });
            for results in &rx {
                if let Err(e) = emit(results, out, &mut summary, &mut inventory) {
                    write_result = Err(e);
                    break;
                }
            }
            drop(rx);
        });
        write_result?;
        this.run_dockerfiles(&dockerfiles, out, &mut summary)?;
        this.conclude(inventory, out, &mut summary)?;
        out.finish(&summary)?;
        Ok(summary)
    }

    /// Runs the cross-object checks and renders their findings as they are made, grouped
    /// by resource in the order the checks report them (each check reports a resource's
    /// findings together), so no finding is held longer than its resource's group.
    fn conclude(
        &self,
        inv: Inventory,
        out: &mut dyn Renderer,
        summary: &mut Summary,
    ) -> io::Result<()> {
        let mut inline: HashMap<String, Vec<(ResourceRef, Inline)>> = HashMap::new();
        for (file, rref, w) in inv.inline {
            inline.entry(file).or_default().push((rref, w));
        }
        let no_inline = Inline::default();
        let mut result = Ok(());
        for (check, facts) in self.inventory.iter().zip(inv.facts) {
            let ids: Vec<&'static str> = check.checks().iter().map(|m| m.id).collect();
            let mut group: Option<ResourceResult> = None;
            let mut flush = |g: ResourceResult, result: &mut io::Result<()>| {
                if result.is_ok() {
                    for f in &g.findings {
                        summary.count(f);
                    }
                    *result = out.resource(&g);
                }
            };
            check.conclude(facts, &mut |mut f, start| {
                if result.is_err() {
                    return;
                }
                let Some(meta) = self.registry.get(&f.check_id) else {
                    return;
                };
                if !self.opts.selection.enabled(meta) {
                    return;
                }
                if let Some((_, sev)) = self
                    .severity_overrides
                    .iter()
                    .find(|(id, _)| *id == f.check_id)
                {
                    f.severity = *sev;
                }
                let w = inline
                    .get(&f.location.file)
                    .and_then(|v| v.iter().find(|(r, _)| *r == f.resource))
                    .map_or(&no_inline, |(_, w)| w);
                waive(std::slice::from_mut(&mut f), w, &self.waivers);
                if f.severity < self.opts.min_severity {
                    return;
                }
                if let Some(g) = group
                    .as_mut()
                    .filter(|g| g.file == f.location.file && g.resource == f.resource)
                {
                    g.findings.push(f);
                    return;
                }
                let next = ResourceResult {
                    resource: f.resource.clone(),
                    file: f.location.file.clone(),
                    line: start,
                    checks_run: ids.clone(),
                    findings: vec![f],
                };
                if let Some(done) = group.replace(next) {
                    flush(done, &mut result);
                }
            });
            if let Some(done) = group.take() {
                flush(done, &mut result);
            }
        }
        result
    }

    /// The pre-pass: parses only the documents that can hold context objects (see
    /// [`Context`]) and collects them in input order.
    fn collect_context(
        inputs: &[Input],
        load_opts: &LoadOptions,
        stdin: Option<&StdinBytes>,
    ) -> Context {
        let mut context = Context::default();
        for batch in inputs.chunks(CONTEXT_BATCH_FILES) {
            let found: Vec<Vec<Resource>> = batch
                .par_iter()
                .map(|input| {
                    // Unreadable inputs are the scan proper's to report.
                    let Ok(bytes) = input_bytes(input, stdin, load_opts.max_file_size) else {
                        return Vec::new();
                    };
                    let lf = load_bytes_matching(&input.name(), &bytes, Context::NEEDLES);
                    lf.resources.into_iter().filter(Context::wants).collect()
                })
                .collect();
            for r in found.iter().flatten() {
                context.add(r);
            }
        }
        context
    }

    fn process(
        &self,
        input: &Input,
        load_opts: &LoadOptions,
        stdin: Option<&StdinBytes>,
    ) -> FileOut {
        let name = input.name();
        let (lf, mut secrets) = match input_bytes(input, stdin, load_opts.max_file_size) {
            Ok(bytes) => {
                let lf = load_bytes(&name, &bytes);
                let secrets = self.manifest_secrets(&name, &bytes, &lf.resources);
                (lf, secrets)
            }
            Err(msg) => (LoadedFile::unreadable(name.clone(), msg), Vec::new()),
        };
        let mut errors = lf.errors;
        let mut warnings = lf.warnings;
        let mut resources = Vec::with_capacity(lf.resources.len());
        let mut facts = Vec::new();
        let mut inline_by_resource = Vec::new();
        let mut context_objects = 0u32;
        for (index, res) in lf.resources.iter().enumerate() {
            if self.checker.needs_context() && Context::wants(res) {
                context_objects += 1;
                if context_objects > self.checker.context().seen_in(&res.file) {
                    warnings.push(Warning {
                        file: res.file.to_string(),
                        line: res.node.pos.line,
                        column: res.node.pos.col,
                        message: format!(
                            "{} was not recognised by the pre-pass that collects objects for cross-object checks (is its kind written with escapes?); checks such as MOAT-126 did not take it into account",
                            res.rref.display()
                        ),
                    });
                }
            }
            let mut findings = self.checker.run(res);
            let mut checks_run = self.checker.applicable(res);
            for (_, f) in secrets.extract_if(.., |(at, _)| *at == Some(index)) {
                if !checks_run.contains(&&*f.check_id) {
                    checks_run.extend(self.registry.get(&f.check_id).map(|m| m.id));
                }
                findings.push(f);
            }
            for f in &mut findings {
                if let Some((_, sev)) = self
                    .severity_overrides
                    .iter()
                    .find(|(id, _)| *id == f.check_id)
                {
                    f.severity = *sev;
                }
            }
            let inline = apply_waivers(
                res,
                &mut findings,
                &self.waivers,
                &self.registry,
                &mut errors,
            );
            findings.retain(|f| f.severity >= self.opts.min_severity);
            for (i, inv) in self.inventory.iter().enumerate() {
                if let Some(fact) = inv.observe(res) {
                    facts.push((i, fact));
                }
            }
            if !inline.is_empty() && !self.inventory.is_empty() {
                inline_by_resource.push((res.file.to_string(), res.rref.clone(), inline));
            }
            resources.push(ResourceResult {
                resource: res.rref.clone(),
                file: res.file.to_string(),
                line: res.node.pos.line,
                findings,
                checks_run,
            });
        }
        // Secrets before the first resource (or in a file without any) are about the file.
        let mut loose: Vec<Finding> = secrets.into_iter().map(|(_, f)| f).collect();
        if !loose.is_empty() {
            self.finish_findings(&mut loose);
            let mut checks_run: Vec<&'static str> = loose
                .iter()
                .filter_map(|f| self.registry.get(&f.check_id).map(|m| m.id))
                .collect();
            checks_run.sort_unstable();
            checks_run.dedup();
            resources.insert(
                0,
                ResourceResult {
                    resource: file_resource(&name),
                    file: name.clone(),
                    line: loose.iter().map(|f| f.location.line).min().unwrap_or(1),
                    findings: loose,
                    checks_run,
                },
            );
        }
        FileOut {
            resources,
            errors,
            warnings,
            skipped: lf.skipped_documents,
            facts,
            inline: inline_by_resource,
        }
    }
}

/// What cross-object checks accumulate over the whole scan.
#[derive(Default)]
struct Inventory {
    facts: Vec<Vec<Fact>>,
    inline: Vec<(String, ResourceRef, Inline)>,
}

/// Renders one batch in order and adds it to the totals.
fn emit(
    results: Vec<FileOut>,
    out: &mut dyn Renderer,
    summary: &mut Summary,
    inv: &mut Inventory,
) -> io::Result<()> {
    for mut r in results {
        for (i, fact) in r.facts.drain(..) {
            if let Some(slot) = inv.facts.get_mut(i) {
                slot.push(fact);
            }
        }
        inv.inline.append(&mut r.inline);
        summary.scanned.files += 1;
        summary.scanned.resources += r.resources.len() as u64;
        summary.scanned.skipped_documents += r.skipped;
        for rr in &r.resources {
            for f in &rr.findings {
                summary.count(f);
            }
            out.resource(rr)?;
        }
        summary.errors.extend(r.errors);
        summary.warnings.extend(r.warnings);
    }
    Ok(())
}

struct FileOut {
    /// Facts for cross-object checks: (index into `Session::inventory`, fact).
    facts: Vec<(usize, Fact)>,
    /// Inline waivers of resources, kept for cross-object findings.
    inline: Vec<(String, ResourceRef, Inline)>,
    resources: Vec<ResourceResult>,
    errors: Vec<InputError>,
    warnings: Vec<Warning>,
    skipped: u64,
}
