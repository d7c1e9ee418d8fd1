//! The `PodSecurity` admission plugin's configuration, read as the API server reads it: an
//! `AdmissionConfiguration` (`--admission-control-config-file`) whose `PodSecurity`
//! plugin carries a `PodSecurityConfiguration` inline or names a file holding one, or a
//! bare `PodSecurityConfiguration`. Decoding is strict (unknown fields are errors), empty
//! defaults become `privileged`/`latest`, and the result is validated like upstream.
//!
//! No IO happens here: a plugin `path` is returned for the caller to read.

use moat_manifest::node::{join, push_index};
use moat_manifest::{Node, Value};

use crate::namespace::{Mode, Policy};
use crate::version::{Level, LevelVersion, Version};

/// `apiVersion`s of `PodSecurityConfiguration`.
pub const POD_SECURITY_API_VERSIONS: &[&str] = &[
    "pod-security.admission.config.k8s.io/v1",
    "pod-security.admission.config.k8s.io/v1beta1",
    "pod-security.admission.config.k8s.io/v1alpha1",
];

/// `apiVersion`s of `AdmissionConfiguration`.
pub const ADMISSION_API_VERSIONS: &[&str] = &[
    "apiserver.config.k8s.io/v1",
    "apiserver.config.k8s.io/v1alpha1",
    "apiserver.k8s.io/v1alpha1",
];

/// One problem in a configuration, at a field path of the document (resolve its line with
/// `Node::lookup`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ConfigError {
    /// Field path inside the document; empty for the document itself.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

fn error(path: &str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        path: path.to_owned(),
        message: message.into(),
    }
}

/// Who and what is exempt from Pod Security.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Exemptions {
    /// Authenticated user names (not applicable to manifests; kept for completeness).
    pub usernames: Vec<String>,
    /// Namespaces whose pods are never evaluated.
    pub namespaces: Vec<String>,
    /// Pods with one of these `runtimeClassName`s are never evaluated.
    pub runtime_classes: Vec<String>,
}

/// A validated `PodSecurityConfiguration`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodSecurityConfig {
    /// Policy of namespaces without Pod Security labels.
    pub defaults: Policy,
    /// Exemptions.
    pub exemptions: Exemptions,
}

impl PodSecurityConfig {
    /// Whether pods in `namespace` are exempt.
    pub fn exempt_namespace(&self, namespace: &str) -> bool {
        self.exemptions.namespaces.iter().any(|n| n == namespace)
    }

    /// Whether a pod with this `runtimeClassName` is exempt (never for an empty one).
    pub fn exempt_runtime_class(&self, runtime_class: &str) -> bool {
        !runtime_class.is_empty()
            && self
                .exemptions
                .runtime_classes
                .iter()
                .any(|r| r == runtime_class)
    }

    /// Parses and validates a `PodSecurityConfiguration` document. `base` is the path of
    /// `node` inside its document (`plugins[0].configuration`, or `""`), used in errors.
    pub fn from_node(node: &Node, base: &str) -> Result<Self, Vec<ConfigError>> {
        let mut errs = Vec::new();
        let at = |field: &str| join(base, field);
        if !node.is_map() {
            return Err(vec![error(
                base,
                "expected a PodSecurityConfiguration object",
            )]);
        }
        let api_version = node.get("apiVersion").and_then(Node::as_str).unwrap_or("");
        let kind = node.get("kind").and_then(Node::as_str).unwrap_or("");
        if kind != "PodSecurityConfiguration" {
            errs.push(error(
                &at("kind"),
                format!("expected kind PodSecurityConfiguration, got {kind:?}"),
            ));
        }
        if !POD_SECURITY_API_VERSIONS.contains(&api_version) {
            errs.push(error(
                &at("apiVersion"),
                format!(
                    "unsupported apiVersion {api_version:?} (expected one of {})",
                    POD_SECURITY_API_VERSIONS.join(", ")
                ),
            ));
        }
        unknown_fields(
            node,
            base,
            &["apiVersion", "kind", "defaults", "exemptions"],
            &mut errs,
        );
        let mut cfg = PodSecurityConfig::default();
        if let Some(d) = node.get("defaults").filter(|n| !n.is_null()) {
            let path = at("defaults");
            if d.is_map() {
                unknown_fields(
                    d,
                    &path,
                    &[
                        "enforce",
                        "enforce-version",
                        "audit",
                        "audit-version",
                        "warn",
                        "warn-version",
                    ],
                    &mut errs,
                );
                for mode in Mode::ALL {
                    let lv = read_level_version(d, &path, mode, &mut errs);
                    cfg.defaults.set(mode, lv);
                }
            } else {
                errs.push(error(&path, "must be an object"));
            }
        }
        if let Some(x) = node.get("exemptions").filter(|n| !n.is_null()) {
            let path = at("exemptions");
            if x.is_map() {
                unknown_fields(
                    x,
                    &path,
                    &["usernames", "namespaces", "runtimeClasses"],
                    &mut errs,
                );
                cfg.exemptions.usernames =
                    read_names(x, &path, "usernames", Validate::Username, &mut errs);
                cfg.exemptions.namespaces =
                    read_names(x, &path, "namespaces", Validate::Namespace, &mut errs);
                cfg.exemptions.runtime_classes = read_names(
                    x,
                    &path,
                    "runtimeClasses",
                    Validate::RuntimeClass,
                    &mut errs,
                );
            } else {
                errs.push(error(&path, "must be an object"));
            }
        }
        if errs.is_empty() { Ok(cfg) } else { Err(errs) }
    }
}

fn unknown_fields(node: &Node, base: &str, known: &[&str], errs: &mut Vec<ConfigError>) {
    for e in node.entries() {
        if !known.contains(&e.key.as_str()) {
            errs.push(error(
                &join(base, &e.key),
                format!("strict decoding error: unknown field {:?}", e.key),
            ));
        }
    }
}

fn string_field<'a>(node: &'a Node, base: &str, key: &str, errs: &mut Vec<ConfigError>) -> &'a str {
    match node.get(key).map(|n| &n.value) {
        None | Some(Value::Null) => "",
        Some(Value::Str(s)) => s,
        Some(_) => {
            errs.push(error(&join(base, key), "must be a string"));
            ""
        }
    }
}

fn read_level_version(
    d: &Node,
    base: &str,
    mode: Mode,
    errs: &mut Vec<ConfigError>,
) -> LevelVersion {
    let level_key = mode.as_str();
    let version_key = format!("{level_key}-version");
    let level = match string_field(d, base, level_key, errs) {
        "" => Level::Privileged,
        s => Level::parse(s).unwrap_or_else(|e| {
            errs.push(error(
                &join(base, level_key),
                format!("Invalid value: {s:?}: {e}"),
            ));
            Level::Privileged
        }),
    };
    let version = match string_field(d, base, &version_key, errs) {
        "" => Version::Latest,
        s => Version::parse(s).unwrap_or_else(|e| {
            errs.push(error(
                &join(base, &version_key),
                format!("Invalid value: {s:?}: {e}"),
            ));
            Version::Latest
        }),
    };
    LevelVersion::new(level, version)
}

#[derive(Clone, Copy)]
enum Validate {
    Username,
    Namespace,
    RuntimeClass,
}

fn read_names(
    x: &Node,
    base: &str,
    key: &str,
    kind: Validate,
    errs: &mut Vec<ConfigError>,
) -> Vec<String> {
    let path = join(base, key);
    let items = match x.get(key).map(|n| &n.value) {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Seq(items)) => items,
        Some(_) => {
            errs.push(error(&path, "must be a list of strings"));
            return Vec::new();
        }
    };
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let mut p = path.clone();
        push_index(&mut p, i);
        let Some(s) = item.as_str() else {
            errs.push(error(&p, "must be a string"));
            continue;
        };
        let problem = match kind {
            Validate::Username => s
                .is_empty()
                .then(|| "username must not be empty".to_owned()),
            Validate::Namespace => dns_label(s).err(),
            Validate::RuntimeClass => dns_subdomain(s).err(),
        };
        if let Some(reason) = problem {
            errs.push(error(&p, format!("Invalid value: {s:?}: {reason}")));
            continue;
        }
        if out.iter().any(|o| o == s) {
            errs.push(error(&p, format!("Duplicate value: {s:?}")));
            continue;
        }
        out.push(s.to_owned());
    }
    out
}

fn label_chars_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    b.first().is_some_and(alnum)
        && b.last().is_some_and(alnum)
        && b.iter().all(|c| alnum(c) || *c == b'-')
}

/// An RFC 1123 label (namespace names).
fn dns_label(s: &str) -> Result<(), String> {
    if s.len() > 63 {
        return Err("must be no more than 63 characters".into());
    }
    if !label_chars_ok(s) {
        return Err(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric \
                    characters or '-', and must start and end with an alphanumeric character"
                .into(),
        );
    }
    Ok(())
}

/// An RFC 1123 subdomain (runtime class names).
fn dns_subdomain(s: &str) -> Result<(), String> {
    if s.len() > 253 {
        return Err("must be no more than 253 characters".into());
    }
    if !s.split('.').all(label_chars_ok) {
        return Err(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric \
                    characters, '-' or '.', and must start and end with an alphanumeric \
                    character"
                .into(),
        );
    }
    Ok(())
}

/// Where the `PodSecurity` plugin's configuration is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AdmissionConfig {
    /// Configured in the document itself (or not at all: then the defaults).
    Inline(PodSecurityConfig),
    /// In another file: read `path` (relative to the admission configuration's
    /// directory when not absolute) and parse it with [`PodSecurityConfig::from_node`].
    File {
        /// The plugin's `path`, as written.
        path: String,
        /// Field path of `path` in the document, for errors.
        field: String,
    },
}

/// Reads an `AdmissionConfiguration` (or a bare `PodSecurityConfiguration`) document.
pub fn parse_admission_config(node: &Node) -> Result<AdmissionConfig, Vec<ConfigError>> {
    let kind = node.get("kind").and_then(Node::as_str).unwrap_or("");
    let api_version = node.get("apiVersion").and_then(Node::as_str).unwrap_or("");
    match kind {
        "PodSecurityConfiguration" => {
            PodSecurityConfig::from_node(node, "").map(AdmissionConfig::Inline)
        }
        "AdmissionConfiguration" => {
            if !ADMISSION_API_VERSIONS.contains(&api_version) {
                return Err(vec![error(
                    "apiVersion",
                    format!(
                        "unsupported apiVersion {api_version:?} for AdmissionConfiguration \
                         (expected one of {})",
                        ADMISSION_API_VERSIONS.join(", ")
                    ),
                )]);
            }
            let plugins = node.get("plugins").map_or(&[][..], Node::items);
            let mut errs = Vec::new();
            let mut found: Option<(usize, &Node)> = None;
            let mut names: Vec<&str> = Vec::new();
            for (i, p) in plugins.iter().enumerate() {
                let name = p.get("name").and_then(Node::as_str).unwrap_or("");
                if names.contains(&name) {
                    errs.push(error(
                        &format!("plugins[{i}].name"),
                        format!("duplicate plugin name {name:?}"),
                    ));
                }
                names.push(name);
                if name == "PodSecurity" && found.is_none() {
                    found = Some((i, p));
                }
            }
            if !errs.is_empty() {
                return Err(errs);
            }
            let Some((i, plugin)) = found else {
                return Ok(AdmissionConfig::Inline(PodSecurityConfig::default()));
            };
            let base = format!("plugins[{i}]");
            if let Some(c) = plugin.get("configuration").filter(|n| !n.is_null()) {
                return PodSecurityConfig::from_node(c, &join(&base, "configuration"))
                    .map(AdmissionConfig::Inline);
            }
            match plugin.get("path").and_then(Node::as_str) {
                Some(p) if !p.is_empty() => Ok(AdmissionConfig::File {
                    path: p.to_owned(),
                    field: join(&base, "path"),
                }),
                _ => Ok(AdmissionConfig::Inline(PodSecurityConfig::default())),
            }
        }
        _ => Err(vec![error(
            "kind",
            format!(
                "expected AdmissionConfiguration or PodSecurityConfiguration, got kind {kind:?}"
            ),
        )]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Node {
        let lf = moat_manifest::load_bytes("c.yaml", text.as_bytes());
        assert!(lf.errors.is_empty(), "{:?}", lf.errors);
        lf.resources.into_iter().next().map_or_else(
            || Node::new(Value::Null, moat_manifest::Pos::default()),
            |r| r.node,
        )
    }

    #[test]
    fn inline_plugin_configuration() {
        let n = doc(r"
apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: Other
  path: other.yaml
- name: PodSecurity
  configuration:
    apiVersion: pod-security.admission.config.k8s.io/v1
    kind: PodSecurityConfiguration
    defaults:
      enforce: baseline
      enforce-version: v1.30
      warn: restricted
    exemptions:
      namespaces: [kube-system]
      runtimeClasses: [kata]
");
        let AdmissionConfig::Inline(c) = parse_admission_config(&n).unwrap() else {
            panic!("inline expected");
        };
        assert_eq!(
            c.defaults.enforce,
            LevelVersion::new(Level::Baseline, Version::V1(30))
        );
        assert_eq!(
            c.defaults.warn,
            LevelVersion::new(Level::Restricted, Version::Latest)
        );
        assert_eq!(c.defaults.audit.level, Level::Privileged);
        assert!(c.exempt_namespace("kube-system") && !c.exempt_namespace("default"));
        assert!(c.exempt_runtime_class("kata") && !c.exempt_runtime_class(""));
    }

    #[test]
    fn path_plugin_and_missing_plugin() {
        let n = doc(
            "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- name: PodSecurity\n  path: pss.yaml\n",
        );
        assert_eq!(
            parse_admission_config(&n).unwrap(),
            AdmissionConfig::File {
                path: "pss.yaml".into(),
                field: "plugins[0].path".into()
            }
        );
        let n = doc(
            "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins: []\n",
        );
        assert_eq!(
            parse_admission_config(&n).unwrap(),
            AdmissionConfig::Inline(PodSecurityConfig::default())
        );
    }

    #[test]
    fn strict_and_validated() {
        let n = doc(r"
apiVersion: pod-security.admission.config.k8s.io/v1beta1
kind: PodSecurityConfiguration
metadata: {name: x}
defaults:
  enforce: strict
  warn-version: '1.2'
  color: red
exemptions:
  namespaces: [ok, Bad_NS, ok]
  runtimeClasses: [a.b-c, -x]
  usernames: ['']
");
        let errs = parse_admission_config(&n).unwrap_err();
        let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "metadata: strict decoding error: unknown field \"metadata\"",
                "defaults.color: strict decoding error: unknown field \"color\"",
                "defaults.enforce: Invalid value: \"strict\": must be one of privileged, baseline, restricted",
                "defaults.warn-version: Invalid value: \"1.2\": must be \"latest\" or \"v1.x\"",
                "exemptions.usernames[0]: Invalid value: \"\": username must not be empty",
                "exemptions.namespaces[1]: Invalid value: \"Bad_NS\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
                "exemptions.namespaces[2]: Duplicate value: \"ok\"",
                "exemptions.runtimeClasses[1]: Invalid value: \"-x\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
            ]
        );
        let n = doc("apiVersion: v1\nkind: ConfigMap\n");
        assert!(parse_admission_config(&n).is_err());
    }
}
