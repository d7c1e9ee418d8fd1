//! `.moat.yaml`: project configuration, found upward from the scanned path.
//!
//! ```yaml
//! exclude: ["vendor/**"]          # globs skipped during directory walks
//! fail-on: high                   # default for --fail-on
//! waivers:
//!   - check: MOAT-001             # ID or name; unknown IDs are errors
//!     resource: {kind: Deployment, namespace: "team-*", name: "*"}   # globs, all optional
//!     reason: "needs host networking for the CNI"                    # required
//!     expires: 2026-12-31         # optional; after this day the waiver stops applying
//! checks:                         # per-check overrides, by ID or name
//!   MOAT-010: {severity: medium}
//!   recommended-labels-missing: {enabled: false}
//! min-uid: 10000                  # threshold of MOAT-010
//! allowed-registries: [registry.example.com, ghcr.io/example]
//! required-labels: [app.kubernetes.io/name, app.kubernetes.io/version]
//! k8s-version: "1.29"             # target for removed-API checks
//! dockerfile:                     # Dockerfile linting (moat scan, moat dockerfile)
//!   files: ["Dockerfile", "*.Dockerfile", "Dockerfile.*", "Containerfile"]  # names picked up
//!   require-digest: true          # MOAT-604: base images pinned by digest
//!   required-labels: [org.opencontainers.image.source]                    # MOAT-639
//! secrets:                        # secret detection (moat secrets, moat scan)
//!   scan-manifests: true          # moat scan also looks for secrets in what it reads
//!   disable: [MOAT-708]           # rules off (IDs or names; `checks:` works too)
//!   max-file-size-mib: 10         # larger files are skipped by moat secrets
//!   skip-binary: true             # skip files with NUL bytes or binary extensions
//!   skip-generated: true          # skip lockfiles and minified assets
//!   entropy: 3.0                  # MOAT-716 threshold, bits per character
//!   allow: ["^AKIA[A-Z0-9]{12}TEST$"]   # regexes; matching secret values are ignored
//!   allow-paths: ["**/testdata/**"]     # globs; matching files are not scanned
//! vulnerabilities:                # moat image, moat sbom scan
//!   ignore:
//!     - id: CVE-2023-12345        # any ID or alias of the vulnerability
//!       package: "openssl*"       # optional glob on the package name
//!       reason: "not reachable: TLS is terminated by the ingress"   # required
//!       expires: 2026-12-31       # optional
//! ```
//! Every error names the file and line of the offending entry.

use std::path::{Path, PathBuf};

use moat_core::waiver::{FieldGlob, WaiverRule};
use moat_core::{InputError, Severity};

use crate::node::{Node, Pos, Value};
use crate::yaml;

/// File name searched for.
pub const CONFIG_FILE: &str = ".moat.yaml";

/// Parsed configuration.
#[derive(Debug, Default, Clone)]
pub struct Config {
    /// Where it was read from.
    pub path: Option<PathBuf>,
    /// Exclude globs.
    pub exclude: Vec<String>,
    /// Default failure threshold.
    pub fail_on: Option<Severity>,
    /// Central waivers (expiry not yet applied).
    pub waivers: Vec<WaiverRule>,
    /// Per-check overrides: canonical ID, severity, enabled.
    pub overrides: Vec<CheckOverride>,
    /// UID threshold for low-UID findings.
    pub min_uid: Option<i64>,
    /// Allowed image registries (prefixes).
    pub allowed_registries: Option<Vec<String>>,
    /// Labels every workload should carry.
    pub required_labels: Option<Vec<String>>,
    /// Target Kubernetes version `(major, minor)`.
    pub k8s_version: Option<(u32, u32)>,
    /// The `dockerfile:` section.
    pub dockerfile: DockerfileConfig,
    /// The `secrets:` section.
    pub secrets: SecretsConfig,
    /// `vulnerabilities.ignore` entries.
    pub vuln_ignores: Vec<VulnIgnore>,
}

/// One `vulnerabilities.ignore` entry: a vulnerability (by any of its IDs) accepted for
/// the packages whose name matches, with a reason and an optional expiry.
#[derive(Debug, Clone)]
pub struct VulnIgnore {
    /// The vulnerability ID or alias.
    pub id: String,
    /// Glob on the package name (any package when absent).
    pub package: Option<FieldGlob>,
    /// Why it is accepted.
    pub reason: String,
    /// Last day it applies.
    pub expires: Option<jiff::civil::Date>,
    /// `FILE:LINE` of the entry.
    pub source: String,
}

/// The `secrets:` section of `.moat.yaml` (validated further when the scanner is built).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct SecretsConfig {
    /// Whether `moat scan` looks for secrets in manifests and Dockerfiles (default yes).
    pub scan_manifests: Option<bool>,
    /// Canonical IDs of rules turned off.
    pub disable: Vec<String>,
    /// Largest file scanned, in MiB.
    pub max_file_size_mib: Option<u64>,
    /// Skip binary-looking files.
    pub skip_binary: Option<bool>,
    /// Skip lockfiles and minified assets.
    pub skip_generated: Option<bool>,
    /// Entropy threshold of the generic rule.
    pub entropy: Option<f64>,
    /// Regexes of secret values to ignore.
    pub allow: Vec<String>,
    /// Globs of paths not scanned.
    pub allow_paths: Vec<String>,
    /// Line of the section, for errors found when the scanner is built.
    pub line: u32,
}

/// The `dockerfile:` section of `.moat.yaml`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DockerfileConfig {
    /// File-name globs of Dockerfiles picked up during directory walks.
    pub files: Option<Vec<String>>,
    /// Require base images pinned by digest.
    pub require_digest: Option<bool>,
    /// Labels the final image must carry.
    pub required_labels: Option<Vec<String>>,
}

/// A per-check override from the `checks:` map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOverride {
    /// Canonical check ID.
    pub check: String,
    /// Replacement severity.
    pub severity: Option<Severity>,
    /// `false` disables the check (unless selected with `--check`).
    pub enabled: Option<bool>,
}

/// Parses a Kubernetes version such as `1.29`, `v1.29` or `1.29.3` into `(1, 29)`.
pub fn parse_k8s_version(s: &str) -> Option<(u32, u32)> {
    let s = s.trim().trim_start_matches('v');
    let mut it = s.split('.');
    let major = it.next()?.parse().ok()?;
    let minor = it.next()?.parse().ok()?;
    Some((major, minor))
}

/// Looks for `.moat.yaml` in `start` (or its directory, if a file) and its ancestors.
pub fn find_config(start: &Path) -> Option<PathBuf> {
    let abs = std::path::absolute(start).ok()?;
    let mut dir = if abs.is_dir() {
        Some(abs.as_path())
    } else {
        abs.parent()
    };
    while let Some(d) = dir {
        let candidate = d.join(CONFIG_FILE);
        if candidate.is_file() {
            // Report it relative to the working directory when it is below it.
            let rel = std::env::current_dir()
                .ok()
                .and_then(|cwd| candidate.strip_prefix(cwd).ok().map(Path::to_path_buf));
            return Some(rel.unwrap_or(candidate));
        }
        dir = d.parent();
    }
    None
}

/// Reads and parses a config file. `resolve` maps a check ID or name to its canonical ID.
pub fn load_config(
    path: &Path,
    resolve: &dyn Fn(&str) -> Option<&'static str>,
) -> (Config, Vec<InputError>) {
    let name = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let (mut c, e) = parse_config(&name, &text, resolve);
            c.path = Some(path.to_owned());
            (c, e)
        }
        Err(e) => (
            Config::default(),
            vec![InputError {
                file: name,
                line: 0,
                column: 0,
                message: format!("cannot read config: {e}"),
            }],
        ),
    }
}

struct Ctx<'a> {
    file: &'a str,
    errors: Vec<InputError>,
}

impl Ctx<'_> {
    fn err(&mut self, pos: Pos, message: impl Into<String>) {
        self.errors.push(InputError {
            file: self.file.to_owned(),
            line: pos.line,
            column: pos.col,
            message: message.into(),
        });
    }

    fn string(&mut self, n: &Node, what: &str) -> Option<String> {
        match &n.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            _ => {
                self.err(n.pos, format!("`{what}` must be a string"));
                None
            }
        }
    }
}

/// Parses config text.
pub fn parse_config(
    file: &str,
    text: &str,
    resolve: &dyn Fn(&str) -> Option<&'static str>,
) -> (Config, Vec<InputError>) {
    let mut cx = Ctx {
        file,
        errors: Vec::new(),
    };
    let mut cfg = Config::default();
    let parsed = yaml::parse_stream(text);
    for p in parsed.errors {
        cx.err(p.pos, p.message);
    }
    let Some(root) = parsed.docs.into_iter().find_map(|d| d.root) else {
        return (cfg, cx.errors);
    };
    if !root.is_map() {
        cx.err(root.pos, "config must be a mapping");
        return (cfg, cx.errors);
    }
    for e in root.entries() {
        match e.key.as_str() {
            "exclude" => {
                for it in seq(&mut cx, &e.value, "exclude") {
                    if let Some(s) = cx.string(it, "exclude") {
                        cfg.exclude.push(s);
                    }
                }
            }
            "fail-on" | "fail_on" => {
                if let Some(s) = cx.string(&e.value, "fail-on") {
                    match s.parse() {
                        Ok(sev) => cfg.fail_on = Some(sev),
                        Err(err) => cx.err(e.value.pos, err.to_string()),
                    }
                }
            }
            "waivers" => {
                for it in seq(&mut cx, &e.value, "waivers") {
                    if let Some(w) = waiver(&mut cx, it, resolve) {
                        cfg.waivers.push(w);
                    }
                }
            }
            "checks" => {
                if !e.value.is_map() && !e.value.is_null() {
                    cx.err(e.value.pos, "`checks` must be a mapping of check ID to {severity, enabled}");
                }
                for c in e.value.entries() {
                    if let Some(o) = check_override(&mut cx, c, resolve) {
                        cfg.overrides.push(o);
                    }
                }
            }
            "min-uid" => match e.value.as_i64() {
                Some(v) if v >= 0 => cfg.min_uid = Some(v),
                _ => cx.err(e.value.pos, "`min-uid` must be a non-negative integer"),
            },
            "allowed-registries" | "required-labels" => {
                let mut list = Vec::new();
                for it in seq(&mut cx, &e.value, &e.key) {
                    if let Some(s) = cx.string(it, &e.key) {
                        list.push(s);
                    }
                }
                if e.key == "allowed-registries" {
                    cfg.allowed_registries = Some(list);
                } else {
                    cfg.required_labels = Some(list);
                }
            }
            "k8s-version" => {
                let text = match &e.value.value {
                    Value::Str(s) => Some(s.clone()),
                    Value::Float(f) => Some(f.to_string()),
                    _ => None,
                };
                match text.as_deref().and_then(parse_k8s_version) {
                    Some(v) => cfg.k8s_version = Some(v),
                    None => cx.err(e.value.pos, "`k8s-version` must look like \"1.29\" (quote it so YAML keeps it a string)"),
                }
            }
            "dockerfile" => cfg.dockerfile = dockerfile_section(&mut cx, &e.value),
            "secrets" => cfg.secrets = secrets_section(&mut cx, &e.value, resolve),
            "vulnerabilities" => {
                for f in e.value.entries() {
                    if f.key == "ignore" {
                        for it in seq(&mut cx, &f.value, "vulnerabilities.ignore") {
                            if let Some(v) = vuln_ignore(&mut cx, it) {
                                cfg.vuln_ignores.push(v);
                            }
                        }
                    } else {
                        cx.err(
                            f.key_pos,
                            format!("unknown key `vulnerabilities.{}` (expected ignore)", f.key),
                        );
                    }
                }
            }
            other => cx.err(
                e.key_pos,
                format!("unknown config key `{other}` (expected exclude, fail-on, waivers, checks, min-uid, allowed-registries, required-labels, k8s-version, dockerfile, secrets, vulnerabilities)"),
            ),
        }
    }
    (cfg, cx.errors)
}

fn check_override(
    cx: &mut Ctx<'_>,
    e: &crate::node::Entry,
    resolve: &dyn Fn(&str) -> Option<&'static str>,
) -> Option<CheckOverride> {
    let Some(id) = resolve(&e.key) else {
        cx.err(
            e.key_pos,
            format!(
                "`checks` names unknown check `{}` (see `moat checks`)",
                e.key
            ),
        );
        return None;
    };
    let mut o = CheckOverride {
        check: id.to_owned(),
        severity: None,
        enabled: None,
    };
    if !e.value.is_map() {
        cx.err(
            e.value.pos,
            "a check override must be a mapping with `severity` and/or `enabled`",
        );
        return None;
    }
    for f in e.value.entries() {
        match f.key.as_str() {
            "severity" => match cx
                .string(&f.value, "severity")
                .map(|s| s.parse::<Severity>())
            {
                Some(Ok(sev)) => o.severity = Some(sev),
                Some(Err(err)) => cx.err(f.value.pos, err.to_string()),
                None => {}
            },
            "enabled" => match f.value.as_bool() {
                Some(b) => o.enabled = Some(b),
                None => cx.err(f.value.pos, "`enabled` must be true or false"),
            },
            other => cx.err(
                f.key_pos,
                format!("unknown check override key `{other}` (expected severity, enabled)"),
            ),
        }
    }
    Some(o)
}

fn dockerfile_section(cx: &mut Ctx<'_>, n: &Node) -> DockerfileConfig {
    let mut d = DockerfileConfig::default();
    if !n.is_map() && !n.is_null() {
        cx.err(
            n.pos,
            "`dockerfile` must be a mapping with files, require-digest, required-labels",
        );
    }
    for e in n.entries() {
        match e.key.as_str() {
            "files" | "required-labels" => {
                let mut list = Vec::new();
                for it in seq(cx, &e.value, &e.key) {
                    if let Some(s) = cx.string(it, &e.key) {
                        list.push(s);
                    }
                }
                if e.key == "files" {
                    d.files = Some(list);
                } else {
                    d.required_labels = Some(list);
                }
            }
            "require-digest" => match e.value.as_bool() {
                Some(b) => d.require_digest = Some(b),
                None => cx.err(e.value.pos, "`require-digest` must be true or false"),
            },
            other => cx.err(
                e.key_pos,
                format!("unknown dockerfile key `{other}` (expected files, require-digest, required-labels)"),
            ),
        }
    }
    d
}

fn secrets_section(
    cx: &mut Ctx<'_>,
    n: &Node,
    resolve: &dyn Fn(&str) -> Option<&'static str>,
) -> SecretsConfig {
    let mut s = SecretsConfig {
        line: n.pos.line,
        ..SecretsConfig::default()
    };
    if !n.is_map() && !n.is_null() {
        cx.err(n.pos, "`secrets` must be a mapping");
    }
    for e in n.entries() {
        let flag = |cx: &mut Ctx<'_>| {
            let b = e.value.as_bool();
            if b.is_none() {
                cx.err(e.value.pos, format!("`{}` must be true or false", e.key));
            }
            b
        };
        match e.key.as_str() {
            "scan-manifests" => s.scan_manifests = flag(cx),
            "skip-binary" => s.skip_binary = flag(cx),
            "skip-generated" => s.skip_generated = flag(cx),
            "max-file-size-mib" => match e.value.as_i64() {
                Some(v) if v > 0 => s.max_file_size_mib = u64::try_from(v).ok(),
                _ => cx.err(e.value.pos, "`max-file-size-mib` must be a positive integer"),
            },
            "entropy" => {
                let v = match &e.value.value {
                    Value::Float(f) => Some(*f),
                    Value::Int(i) => i32::try_from(*i).ok().map(f64::from),
                    _ => None,
                };
                match v {
                    Some(v) if (0.0..=8.0).contains(&v) => s.entropy = Some(v),
                    _ => cx.err(e.value.pos, "`entropy` must be a number between 0 and 8"),
                }
            }
            "disable" => {
                for it in seq(cx, &e.value, "disable") {
                    let Some(id) = cx.string(it, "disable") else {
                        continue;
                    };
                    match resolve(&id).filter(|c| c.starts_with("MOAT-7")) {
                        Some(c) => s.disable.push(c.to_owned()),
                        None => cx.err(
                            it.pos,
                            format!("`secrets.disable` names unknown secret rule `{id}` (see `moat checks`)"),
                        ),
                    }
                }
            }
            "allow" | "allow-paths" => {
                let mut list = Vec::new();
                for it in seq(cx, &e.value, &e.key) {
                    if let Some(v) = cx.string(it, &e.key) {
                        list.push(v);
                    }
                }
                if e.key == "allow" {
                    s.allow = list;
                } else {
                    s.allow_paths = list;
                }
            }
            other => cx.err(
                e.key_pos,
                format!("unknown secrets key `{other}` (expected scan-manifests, disable, max-file-size-mib, skip-binary, skip-generated, entropy, allow, allow-paths)"),
            ),
        }
    }
    s
}

fn seq<'n>(cx: &mut Ctx<'_>, n: &'n Node, what: &str) -> &'n [Node] {
    match &n.value {
        Value::Seq(items) => items,
        Value::Null => &[],
        _ => {
            cx.err(n.pos, format!("`{what}` must be a list"));
            &[]
        }
    }
}

fn vuln_ignore(cx: &mut Ctx<'_>, n: &Node) -> Option<VulnIgnore> {
    if !n.is_map() {
        cx.err(
            n.pos,
            "an ignore entry must be a mapping with id, reason and optional package/expires",
        );
        return None;
    }
    let mut v = VulnIgnore {
        id: String::new(),
        package: None,
        reason: String::new(),
        expires: None,
        source: format!("{}:{}", cx.file, n.pos.line),
    };
    let mut ok = true;
    for e in n.entries() {
        let Some(text) = cx.string(&e.value, &e.key) else {
            ok = false;
            continue;
        };
        match e.key.as_str() {
            "id" => text.trim().clone_into(&mut v.id),
            "reason" => text.trim().clone_into(&mut v.reason),
            "package" => match FieldGlob::new(&text) {
                Ok(g) => v.package = Some(g),
                Err(msg) => {
                    cx.err(e.value.pos, msg);
                    ok = false;
                }
            },
            "expires" => {
                if let Ok(d) = text.parse::<jiff::civil::Date>() {
                    v.expires = Some(d);
                } else {
                    cx.err(
                        e.value.pos,
                        format!("`expires` must be a date YYYY-MM-DD, got `{text}`"),
                    );
                    ok = false;
                }
            }
            other => {
                cx.err(
                    e.key_pos,
                    format!("unknown ignore key `{other}` (expected id, package, reason, expires)"),
                );
                ok = false;
            }
        }
    }
    if v.id.is_empty() {
        cx.err(n.pos, "ignore entry has no `id`");
        ok = false;
    }
    if v.reason.is_empty() {
        cx.err(
            n.pos,
            "ignore entry has no `reason`; every ignore must say why",
        );
        ok = false;
    }
    ok.then_some(v)
}

fn waiver(
    cx: &mut Ctx<'_>,
    n: &Node,
    resolve: &dyn Fn(&str) -> Option<&'static str>,
) -> Option<WaiverRule> {
    if !n.is_map() {
        cx.err(
            n.pos,
            "a waiver must be a mapping with check, reason and optional resource/expires",
        );
        return None;
    }
    let mut rule = WaiverRule {
        check: String::new(),
        kind: None,
        namespace: None,
        name: None,
        reason: String::new(),
        expires: None,
        source: format!("{}:{}", cx.file, n.pos.line),
        line: n.pos.line,
        file: cx.file.to_owned(),
    };
    let mut ok = true;
    for e in n.entries() {
        match e.key.as_str() {
            "check" => {
                let resolved = cx.string(&e.value, "check").map(|id| (resolve(&id), id));
                match resolved {
                    Some((Some(canonical), _)) => canonical.clone_into(&mut rule.check),
                    Some((None, id)) => {
                        cx.err(
                            e.value.pos,
                            format!("waiver names unknown check `{id}` (see `moat checks`)"),
                        );
                        ok = false;
                    }
                    None => ok = false,
                }
            }
            "reason" => {
                let reason = cx.string(&e.value, "reason").unwrap_or_default();
                reason.trim().clone_into(&mut rule.reason);
            }
            "expires" => {
                let s = cx.string(&e.value, "expires").unwrap_or_default();
                if let Ok(d) = s.parse::<jiff::civil::Date>() {
                    rule.expires = Some(d);
                } else {
                    {
                        cx.err(
                            e.value.pos,
                            format!("`expires` must be a date YYYY-MM-DD, got `{s}`"),
                        );
                        ok = false;
                    }
                }
            }
            "resource" => {
                for f in e.value.entries() {
                    let Some(pattern) = cx.string(&f.value, &f.key) else {
                        ok = false;
                        continue;
                    };
                    let glob = match FieldGlob::new(&pattern) {
                        Ok(g) => g,
                        Err(msg) => {
                            cx.err(f.value.pos, msg);
                            ok = false;
                            continue;
                        }
                    };
                    match f.key.as_str() {
                        "kind" => rule.kind = Some(glob),
                        "namespace" => rule.namespace = Some(glob),
                        "name" => rule.name = Some(glob),
                        other => {
                            cx.err(f.key_pos, format!("unknown resource matcher `{other}` (expected kind, namespace, name)"));
                            ok = false;
                        }
                    }
                }
            }
            other => {
                cx.err(
                    e.key_pos,
                    format!(
                        "unknown waiver key `{other}` (expected check, resource, reason, expires)"
                    ),
                );
                ok = false;
            }
        }
    }
    if n.get("check").is_none() {
        cx.err(n.pos, "waiver has no `check`");
        ok = false;
    }
    if rule.reason.is_empty() {
        cx.err(n.pos, "waiver has no `reason`; every waiver must say why");
        ok = false;
    }
    ok.then_some(rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(id: &str) -> Option<&'static str> {
        (id == "MOAT-001" || id == "privileged-container").then_some("MOAT-001")
    }

    #[test]
    fn parses_and_validates() {
        let text = "exclude: [\"vendor/**\"]\nfail-on: critical\nwaivers:\n  - check: privileged-container\n    resource: {kind: Deploy*, name: web}\n    reason: CNI\n    expires: 2030-01-01\n  - check: MOAT-999\n    reason: x\n  - check: MOAT-001\n  - check: MOAT-001\n    reason: why\n    expires: tomorrow\nbogus: 1\n";
        let (cfg, errs) = parse_config(".moat.yaml", text, &resolve);
        assert_eq!(cfg.exclude, ["vendor/**"]);
        assert_eq!(cfg.fail_on, Some(Severity::Critical));
        assert_eq!(cfg.waivers.len(), 1);
        assert_eq!(cfg.waivers[0].check, "MOAT-001");
        assert_eq!(cfg.waivers[0].source, ".moat.yaml:4");
        let lines: Vec<u32> = errs.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![8, 10, 13, 14], "{errs:?}");
    }

    #[test]
    fn secrets_section() {
        let resolve = |id: &str| (id == "MOAT-708").then_some("MOAT-708");
        let text = "secrets:\n  scan-manifests: false\n  disable: [MOAT-708, MOAT-001]\n  max-file-size-mib: 2\n  entropy: 3.5\n  allow: [\"^x\"]\n  allow-paths: [\"**/t/**\"]\n  skip-binary: maybe\n  bogus: 1\n";
        let (cfg, errs) = parse_config(".moat.yaml", text, &resolve);
        let s = &cfg.secrets;
        assert_eq!(s.scan_manifests, Some(false));
        assert_eq!(s.disable, ["MOAT-708"]);
        assert_eq!(s.max_file_size_mib, Some(2));
        assert_eq!(s.entropy, Some(3.5));
        assert_eq!(s.allow, ["^x"]);
        assert_eq!(s.allow_paths, ["**/t/**"]);
        let lines: Vec<u32> = errs.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 8, 9], "{errs:?}");
    }

    #[test]
    fn dockerfile_section() {
        let text = "dockerfile:\n  files: [Dockerfile, \"*.Dockerfile\"]\n  require-digest: true\n  required-labels: [a]\n  bogus: 1\n";
        let (cfg, errs) = parse_config(".moat.yaml", text, &resolve);
        assert_eq!(
            cfg.dockerfile.files.as_deref(),
            Some(&["Dockerfile".to_owned(), "*.Dockerfile".to_owned()][..])
        );
        assert_eq!(cfg.dockerfile.require_digest, Some(true));
        assert_eq!(
            cfg.dockerfile.required_labels.as_deref(),
            Some(&["a".to_owned()][..])
        );
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].line, 5);
    }
}
