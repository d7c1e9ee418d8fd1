//! Secrets in a scan: the `moat-secrets` scanner built from `.moat.yaml`'s `secrets:`
//! section and the check selection, run over every manifest and Dockerfile `moat scan`
//! reads (Kubernetes `Secret` `data` values are base64-decoded first; `SealedSecret`
//! ciphertext is ignored), and over every file
//! of `moat secrets`. Findings carry file, line and column and go through severity
//! overrides and waivers like every other finding.

use std::borrow::Cow;
use std::io;

use moat_core::{Finding, InputError, Location, ResourceRef, Summary, Warning};
use moat_manifest::config::Config;
use moat_manifest::node::Value;
use moat_manifest::{Input, Resource};
use moat_report::{Renderer, ResourceResult};
use moat_secrets::{Scanner, Secret, Settings, Skip};
use rayon::prelude::*;

use crate::{Session, StdinBytes, input_bytes};

/// Resource kind of findings about a plain file.
pub const FILE_KIND: &str = "File";
/// Largest base64 value of a `Secret` decoded.
const MAX_DECODED: usize = 1 << 20;

/// How this session looks for secrets.
pub(crate) struct Secrets {
    /// `None` when no secret rule is selected (or the settings are invalid).
    scanner: Option<Scanner>,
    /// Every input is scanned for secrets only (`moat secrets`).
    pub(crate) only: bool,
    /// `moat scan` scans manifests and Dockerfiles too.
    in_scan: bool,
}

impl Secrets {
    pub(crate) fn new(
        opts: &crate::ScanOptions,
        config: &Config,
        errors: &mut Vec<InputError>,
    ) -> Self {
        let cfg = &config.secrets;
        let disabled = |id: &str| {
            cfg.disable.iter().any(|d| d == id)
                || config
                    .overrides
                    .iter()
                    .any(|o| o.check == id && o.enabled == Some(false))
        };
        let enabled: Vec<String> = moat_secrets::rules::ALL
            .iter()
            .filter(|m| opts.selection.enabled(m))
            .filter(|m| !disabled(m.id) || opts.selection.explicitly_included(m))
            .map(|m| m.id.to_owned())
            .collect();
        let defaults = Settings::default();
        let settings = Settings {
            max_file_size: cfg
                .max_file_size_mib
                .map_or(defaults.max_file_size, |m| m.saturating_mul(1024 * 1024)),
            skip_binary: cfg.skip_binary.unwrap_or(defaults.skip_binary),
            skip_generated: cfg.skip_generated.unwrap_or(defaults.skip_generated),
            allow: cfg.allow.clone(),
            allow_paths: cfg.allow_paths.clone(),
            entropy: cfg.entropy.unwrap_or(defaults.entropy),
            ..defaults
        };
        let scanner = if enabled.is_empty() {
            None
        } else {
            match Scanner::new(Settings {
                enabled,
                ..settings
            }) {
                Ok(s) => Some(s),
                Err(e) => {
                    errors.push(InputError {
                        file: config
                            .path
                            .as_ref()
                            .map(|p| p.display().to_string())
                            .unwrap_or_default(),
                        line: cfg.line,
                        column: 0,
                        message: e.to_string(),
                    });
                    None
                }
            }
        };
        Secrets {
            scanner,
            only: false,
            in_scan: cfg.scan_manifests.unwrap_or(true),
        }
    }

    /// The rules that run.
    pub(crate) fn rules(&self) -> impl Iterator<Item = &'static moat_core::CheckMeta> + '_ {
        self.scanner
            .as_ref()
            .filter(|_| self.only || self.in_scan)
            .into_iter()
            .flat_map(Scanner::rules)
    }

    /// The scanner, when `moat scan` should look for secrets.
    fn in_scan(&self) -> Option<&Scanner> {
        self.scanner.as_ref().filter(|_| self.in_scan)
    }
}

/// The resource a plain file's findings are about: kind `File`, name = the path.
pub fn file_resource(file: &str) -> ResourceRef {
    ResourceRef {
        api_version: String::new(),
        kind: FILE_KIND.to_owned(),
        namespace: None,
        name: Some(file.to_owned()),
    }
}

/// A finding for a secret found in `file`; `path` names the field when known.
fn finding(file: &str, s: &Secret, line: u32, column: u32, path: String, note: &str) -> Finding {
    let mut f = Finding::from_meta(s.meta, format!("{}{note}", s.message()));
    f.resource = file_resource(file);
    f.location = Location {
        file: file.to_owned(),
        line,
        column,
        path,
    };
    f
}

impl Session {
    /// Secrets in a manifest file, each attached to the resource whose document holds its
    /// line (`None` = before every resource, reported against the file). `Secret` `data`
    /// values are decoded and scanned; raw matches on those lines are dropped.
    pub(crate) fn manifest_secrets(
        &self,
        file: &str,
        bytes: &[u8],
        resources: &[Resource],
    ) -> Vec<(Option<usize>, Finding)> {
        let Some(scanner) = self.secrets.in_scan() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut data_lines = Vec::new();
        for (i, res) in resources.iter().enumerate() {
            if res.rref.kind == "Secret" && res.rref.api_version == "v1" {
                decoded_secrets(
                    scanner,
                    file,
                    res,
                    &mut |f| out.push((Some(i), f)),
                    &mut data_lines,
                );
            }
        }
        let owner = |line: u32| resources.iter().rposition(|r| r.node.pos.line <= line);
        scanner.scan_with(file, bytes, &mut |s| {
            if data_lines.contains(&s.line) {
                return;
            }
            let at = owner(s.line);
            // A SealedSecret's `encryptedData` is ciphertext, safe to commit by design.
            let res = at.and_then(|i| resources.get(i));
            if res.is_some_and(|r| r.rref.kind == "SealedSecret") {
                return;
            }
            let mut f = finding(file, &s, s.line, s.column, String::new(), "");
            if let Some(r) = res {
                f.resource = r.rref.clone();
            }
            out.push((at, f));
        });
        out
    }

    /// Secrets in a Dockerfile, as findings about it.
    pub(crate) fn dockerfile_secrets(&self, file: &str, bytes: &[u8]) -> Vec<Finding> {
        let Some(scanner) = self.secrets.in_scan() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        scanner.scan_with(file, bytes, &mut |s| {
            let mut f = finding(file, &s, s.line, s.column, String::new(), "");
            f.resource = moat_dockerfile::resource(file);
            out.push(f);
        });
        out
    }

    /// `moat secrets`: scans every input as a plain file, in parallel batches, streaming
    /// results in input order.
    pub(crate) fn run_secret_files(
        &self,
        inputs: &[Input],
        stdin: Option<&StdinBytes>,
        out: &mut dyn Renderer,
        summary: &mut Summary,
    ) -> io::Result<()> {
        let Some(scanner) = self.secrets.scanner.as_ref() else {
            summary.scanned.files += inputs.len() as u64;
            return Ok(());
        };
        for batch in inputs.chunks(crate::BATCH_FILES) {
            let results: Vec<FileScan> = batch
                .par_iter()
                .map(|i| self.scan_file(scanner, i, stdin))
                .collect();
            for r in results {
                summary.scanned.files += 1;
                summary.errors.extend(r.error);
                summary.warnings.extend(r.warning);
                if let Some(result) = r.result {
                    for f in &result.findings {
                        summary.count(f);
                    }
                    out.resource(&result)?;
                }
            }
        }
        Ok(())
    }

    fn scan_file(&self, scanner: &Scanner, input: &Input, stdin: Option<&StdinBytes>) -> FileScan {
        let name = input.name();
        let mut scan = FileScan::default();
        if let Input::File(p) = input {
            let size = std::fs::metadata(p).map_or(0, |m| m.len());
            if let Some(skip) = scanner.skip_reason(&name, size, &[]) {
                scan.warning = too_large(&name, &skip);
                return scan;
            }
        }
        let limit = scanner.settings().max_file_size;
        let bytes = match input_bytes(input, stdin, limit.max(self.opts.max_file_size)) {
            Ok(b) => b,
            Err(message) => {
                scan.error = Some(InputError {
                    file: name,
                    line: 0,
                    column: 0,
                    message,
                });
                return scan;
            }
        };
        if let Some(skip) = scanner.skip_reason(&name, bytes.len() as u64, &bytes) {
            scan.warning = too_large(&name, &skip);
            return scan;
        }
        let mut findings = Vec::new();
        scanner.scan_with(&name, &bytes, &mut |s| {
            findings.push(finding(&name, &s, s.line, s.column, String::new(), ""));
        });
        self.finish_findings(&mut findings);
        let mut checks_run: Vec<&'static str> = scanner.rules().map(|m| m.id).collect();
        checks_run.sort_unstable();
        scan.result = Some(ResourceResult {
            resource: file_resource(&name),
            file: name,
            line: 1,
            findings,
            checks_run,
        });
        scan
    }

    /// Severity overrides, central waivers and the severity filter.
    pub(crate) fn finish_findings(&self, findings: &mut Vec<Finding>) {
        for f in findings.iter_mut() {
            if let Some((_, sev)) = self
                .severity_overrides
                .iter()
                .find(|(id, _)| *id == f.check_id)
            {
                f.severity = *sev;
            }
            if f.waived.is_none()
                && let Some(w) = self.waivers.lookup(&f.check_id, &f.resource)
            {
                f.waived = Some(w);
            }
        }
        findings.retain(|f| f.severity >= self.opts.min_severity);
    }
}

/// Only an oversized file is worth a warning; binaries and lockfiles are skipped quietly.
fn too_large(file: &str, skip: &Skip) -> Option<Warning> {
    matches!(skip, Skip::TooLarge { .. }).then(|| Warning {
        file: file.to_owned(),
        line: 0,
        column: 0,
        message: format!("not scanned for secrets: {skip}"),
    })
}

/// What scanning one file produced.
#[derive(Default)]
struct FileScan {
    result: Option<ResourceResult>,
    error: Option<InputError>,
    warning: Option<Warning>,
}

/// Decodes each `data` value of a `Secret` and scans it: a multi-line value as a file
/// named after its key (`.dockerconfigjson`, `config`, `id_rsa`), a single line as
/// `key: value`. Findings point at the key's line.
fn decoded_secrets(
    scanner: &Scanner,
    file: &str,
    res: &Resource,
    emit: &mut dyn FnMut(Finding),
    data_lines: &mut Vec<u32>,
) {
    let Some(data) = res.node.get("data") else {
        return;
    };
    for e in data.entries() {
        let Value::Str(v) = &e.value.value else {
            continue;
        };
        let compact: Vec<u8> = v.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        // Multi-line block scalars: every line of the value is base64 noise in the raw scan.
        let value_lines = u32::try_from(v.lines().count()).unwrap_or(1).max(1);
        data_lines.extend(e.value.pos.line..e.value.pos.line + value_lines);
        let Some(decoded) = moat_secrets::base64_decode(&compact, MAX_DECODED) else {
            continue;
        };
        let key = e.key.as_str();
        let (name, text): (&str, Cow<'_, [u8]>) = if decoded.contains(&b'\n') {
            (key, Cow::Borrowed(&decoded))
        } else {
            let mut t = Vec::with_capacity(key.len() + 2 + decoded.len());
            t.extend_from_slice(key.as_bytes());
            t.extend_from_slice(b": ");
            t.extend_from_slice(&decoded);
            (key, Cow::Owned(t))
        };
        let path = format!("data.{key}");
        scanner.scan_with(name, &text, &mut |s| {
            let mut f = finding(
                file,
                &s,
                e.key_pos.line,
                e.key_pos.col,
                path.clone(),
                " (in the base64-decoded value)",
            );
            f.resource = res.rref.clone();
            emit(f);
        });
    }
}
