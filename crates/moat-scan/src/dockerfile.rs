//! Dockerfiles in a scan: which files are Dockerfiles (`Dockerfile`, `Containerfile`,
//! `*.Dockerfile`, `Dockerfile.*`, or the config's `dockerfile.files` globs), how they are
//! linted (rules selected like every other check, severity overrides, inline
//! `# moat:ignore=` and central waivers), and how their results are streamed.

use std::io;
use std::path::Path;

use globset::{Glob, GlobSet, GlobSetBuilder};
use moat_core::{InputError, Summary};
use moat_dockerfile::waivers::inline_waivers;
use moat_dockerfile::{Linter, Rule, Settings};
use moat_manifest::{Input, read_input};
use moat_report::{Renderer, ResourceResult};
use rayon::prelude::*;

use crate::Session;

/// File names picked up as Dockerfiles by default.
pub const DEFAULT_FILES: &[&str] = &[
    "Dockerfile",
    "Containerfile",
    "*.Dockerfile",
    "*.dockerfile",
    "Dockerfile.*",
    "Containerfile.*",
];

/// How this session treats Dockerfiles.
pub(crate) struct Docker {
    files: GlobSet,
    /// Every input is a Dockerfile (`moat dockerfile`).
    pub(crate) only: bool,
    linter: Linter,
}

impl Docker {
    pub(crate) fn new(
        opts: &crate::ScanOptions,
        config: &moat_manifest::config::Config,
        errors: &mut Vec<InputError>,
    ) -> Self {
        let cfg = &config.dockerfile;
        let patterns: Vec<String> = cfg
            .files
            .clone()
            .unwrap_or_else(|| DEFAULT_FILES.iter().map(|s| (*s).to_owned()).collect());
        let mut b = GlobSetBuilder::new();
        for p in &patterns {
            match Glob::new(p) {
                Ok(g) => {
                    b.add(g);
                }
                Err(e) => errors.push(InputError {
                    file: config
                        .path
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                    line: 0,
                    column: 0,
                    message: format!("invalid dockerfile.files glob `{p}`: {e}"),
                }),
            }
        }
        let files = b.build().unwrap_or_else(|_| GlobSet::empty());
        let disabled = |id: &str| {
            config
                .overrides
                .iter()
                .any(|o| o.check == id && o.enabled == Some(false))
        };
        let rules: Vec<&'static dyn Rule> = moat_dockerfile::rules::ALL
            .iter()
            .copied()
            .filter(|r| opts.selection.enabled(r.meta()))
            .filter(|r| !disabled(r.meta().id) || opts.selection.explicitly_included(r.meta()))
            .collect();
        let settings = Settings {
            require_digest: cfg.require_digest.unwrap_or(false),
            dockerignore: None,
            required_labels: cfg.required_labels.clone().unwrap_or_default(),
        };
        Docker {
            files,
            only: false,
            linter: Linter::new(rules, settings),
        }
    }

    /// Whether a path's file name marks it as a Dockerfile.
    pub(crate) fn matches(&self, path: &Path) -> bool {
        let Some(name) = path.file_name() else {
            return false;
        };
        let s = name.to_string_lossy();
        // BuildKit's per-Dockerfile ignore files are not Dockerfiles.
        !s.ends_with(".dockerignore") && self.files.is_match(Path::new(name))
    }

    /// Splits inputs into manifests and Dockerfiles.
    pub(crate) fn partition(&self, inputs: Vec<Input>) -> (Vec<Input>, Vec<Input>) {
        if self.only {
            return (Vec::new(), inputs);
        }
        inputs.into_iter().partition(|i| match i {
            Input::File(p) => !self.matches(p),
            Input::Stdin => true,
        })
    }

    /// The rules that run.
    pub(crate) fn rules(&self) -> impl Iterator<Item = &'static moat_core::CheckMeta> + '_ {
        self.linter.rules()
    }
}

/// Whether the build context of a Dockerfile has a `.dockerignore` (or the
/// Dockerfile-specific `NAME.dockerignore`).
fn has_dockerignore(path: &Path) -> bool {
    let dir = path.parent().unwrap_or(Path::new("."));
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let own = path
        .file_name()
        .map(|n| dir.join(format!("{}.dockerignore", n.to_string_lossy())));
    dir.join(".dockerignore").is_file() || own.is_some_and(|p| p.is_file())
}

/// One linted Dockerfile.
struct DockerOut {
    result: ResourceResult,
    errors: Vec<InputError>,
}

impl Session {
    /// Lints Dockerfiles in parallel and streams their results in input order.
    pub(crate) fn run_dockerfiles(
        &self,
        inputs: &[Input],
        out: &mut dyn Renderer,
        summary: &mut Summary,
    ) -> io::Result<()> {
        for batch in inputs.chunks(crate::BATCH_FILES) {
            let results: Vec<DockerOut> =
                batch.par_iter().map(|i| self.lint_dockerfile(i)).collect();
            for r in results {
                summary.scanned.files += 1;
                summary.scanned.resources += 1;
                for f in &r.result.findings {
                    summary.count(f);
                }
                out.resource(&r.result)?;
                summary.errors.extend(r.errors);
            }
        }
        Ok(())
    }

    fn lint_dockerfile(&self, input: &Input) -> DockerOut {
        let name = input.name();
        let mut errors = Vec::new();
        let err = |line, column, message| InputError {
            file: name.clone(),
            line,
            column,
            message,
        };
        let (df, secrets) = match read_input(input, self.opts.max_file_size) {
            Ok(bytes) => (
                moat_dockerfile::parse_bytes(&bytes),
                self.dockerfile_secrets(&name, &bytes),
            ),
            Err(message) => {
                errors.push(err(0, 0, message));
                (moat_dockerfile::Dockerfile::default(), Vec::new())
            }
        };
        for e in &df.errors {
            errors.push(err(e.pos.line, e.pos.column, e.message.clone()));
        }
        // The build context is taken to be the Dockerfile's directory.
        let dockerignore = match input {
            Input::File(p) => Some(has_dockerignore(p)),
            Input::Stdin => None,
        };
        let hits = self.docker.linter.lint_with(&df, dockerignore);
        let (waivers, waiver_errors) = inline_waivers(&df);
        for e in waiver_errors {
            errors.push(err(e.pos.line, e.pos.column, e.message));
        }
        let mut inline: Vec<(u32, u32, &'static str, String)> = Vec::new();
        for w in &waivers {
            for id in &w.checks {
                match self.registry.get(id) {
                    Some(m) => inline.push((w.from_line, w.to_line, m.id, w.reason.clone())),
                    None => errors.push(err(
                        w.pos.line,
                        w.pos.column,
                        format!("`moat:ignore` names unknown check `{id}` (see `moat checks`)"),
                    )),
                }
            }
        }
        inline.sort_by_key(|w| w.0);
        let mut checks_run: Vec<&'static str> = self.docker.rules().map(|m| m.id).collect();
        for f in &secrets {
            if let Some(m) = self.registry.get(&f.check_id)
                && !checks_run.contains(&m.id)
            {
                checks_run.push(m.id);
            }
        }
        let all = hits
            .into_iter()
            .map(|hit| moat_dockerfile::finding(&name, hit))
            .chain(secrets);
        let mut findings = Vec::new();
        for mut f in all {
            if let Some((_, sev)) = self
                .severity_overrides
                .iter()
                .find(|(id, _)| *id == f.check_id)
            {
                f.severity = *sev;
            }
            let line = f.location.line;
            // Waivers starting at or before the line, nearest first (a bounded look).
            let upto = inline.partition_point(|w| w.0 <= line);
            let mut candidates = inline.get(..upto).unwrap_or_default().iter().rev().take(64);
            if let Some((.., reason)) = candidates
                .find(|(from, to, id, _)| *id == f.check_id && (*from..=*to).contains(&line))
            {
                f.waived = Some(moat_core::Waived {
                    reason: reason.clone(),
                    expires: None,
                    by: "comment".to_owned(),
                });
            } else if let Some(w) = self.waivers.lookup(&f.check_id, &f.resource) {
                f.waived = Some(w);
            }
            if f.severity >= self.opts.min_severity {
                findings.push(f);
            }
        }
        DockerOut {
            result: ResourceResult {
                resource: moat_dockerfile::resource(&name),
                file: name.clone(),
                line: df.instructions.first().map_or(1, |i| i.pos.line),
                findings,
                checks_run,
            },
            errors,
        }
    }
}
