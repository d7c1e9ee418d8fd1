//! Secrets in manifests: committed Secret data, secret-looking literals in `env`, and
//! secrets passed as environment variables. Values are never printed.

use moat_core::{CheckMeta, Severity};
use moat_manifest::node::push_index;
use moat_manifest::{ContainerView, Node, PodSpecView, Resource};

use crate::{Check, Emit, Scope};

/// A Secret object with data in the manifest.
pub struct SecretInManifest;

static SECRET_META: CheckMeta = CheckMeta {
    id: "MOAT-152",
    name: "secret-in-manifest",
    severity: Severity::Medium,
    title: "Secret data committed in a manifest",
    rationale: "A Secret manifest with `data` or `stringData` puts the credential in the repository (base64 is not encryption), in every clone, CI log and backup of it. Secrets belong in a secret manager or encrypted at rest in Git (Sealed Secrets, SOPS, External Secrets).",
    remediation: "Remove the data from the repository and rotate the credential; generate the Secret from a secret manager (External Secrets Operator, CSI secrets store) or commit it encrypted (SealedSecret, SOPS).",
    fix_example: "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata: {name: db}\nspec:\n  secretStoreRef: {name: vault, kind: ClusterSecretStore}\n  target: {name: db}\n  data:\n  - secretKey: password\n    remoteRef: {key: prod/db, property: password}\n",
    references: &[
        "https://kubernetes.io/docs/concepts/security/secrets-good-practices/",
        "https://kubernetes.io/docs/concepts/configuration/secret/",
    ],
    frameworks: &["CIS-5.4.2", "NSA-CISA", "MITRE:T1552"],
};

impl Check for SecretInManifest {
    fn meta(&self) -> &'static CheckMeta {
        &SECRET_META
    }

    fn scope(&self) -> Scope {
        Scope::Any
    }

    fn check_object(&self, res: &Resource, out: &mut Emit<'_>) {
        if res.rref.kind != "Secret" || res.group() != "" {
            return;
        }
        for field in ["data", "stringData"] {
            let keys = res.node.get(field).map_or(0, |n| n.entries().len());
            if keys > 0 {
                out.report(
                    field.to_owned(),
                    format!("Secret carries {keys} key(s) in `{field}`"),
                );
            }
        }
    }
}

/// What kind of secret a literal looks like, if any.
pub fn classify_secret(name: &str, value: &str) -> Option<&'static str> {
    let v = value.trim();
    if v.contains("-----BEGIN") && v.contains("PRIVATE KEY") {
        return Some("private key");
    }
    let word = |prefix: &str, len: usize, ok: fn(u8) -> bool| {
        v.strip_prefix(prefix)
            .is_some_and(|r| r.len() >= len && r.bytes().take(len).all(ok))
    };
    let upper_alnum = |b: u8| b.is_ascii_uppercase() || b.is_ascii_digit();
    let alnum = |b: u8| b.is_ascii_alphanumeric();
    let token = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    if word("AKIA", 16, upper_alnum) || word("ASIA", 16, upper_alnum) {
        return Some("AWS access key ID");
    }
    if ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"]
        .iter()
        .any(|p| word(p, 36, alnum))
        || word("github_pat_", 22, token)
    {
        return Some("GitHub token");
    }
    if ["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-"]
        .iter()
        .any(|p| word(p, 10, token))
    {
        return Some("Slack token");
    }
    if word("AIza", 35, token) {
        return Some("Google API key");
    }
    if word("sk_live_", 20, alnum) || word("rk_live_", 20, alnum) {
        return Some("Stripe key");
    }
    if word("glpat-", 20, token) {
        return Some("GitLab token");
    }
    let parts: Vec<&str> = v.split('.').collect();
    if parts.len() == 3
        && v.starts_with("eyJ")
        && parts.iter().all(|p| p.len() >= 4 && p.bytes().all(token))
    {
        return Some("JSON Web Token");
    }
    let n = name.to_ascii_uppercase();
    let lower = v.to_ascii_lowercase();
    // An AWS secret access key is 40 characters of base64, often with `/` (which the
    // heuristic below takes for a path).
    if n.contains("SECRET_ACCESS_KEY")
        && v.len() == 40
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'/' || b == b'+')
        && !lower.contains("example")
        && entropy(v) >= 4.0
    {
        return Some("AWS secret access key");
    }
    let secret_name = [
        "PASSWORD", "PASSWD", "SECRET", "TOKEN", "APIKEY", "API_KEY", "PRIVATE_KEY", "CREDENTIAL",
        "ACCESS_KEY",
    ]
    .iter()
    .any(|k| n.contains(k))
        // Names of things, not the things: SECRET_NAME, TOKEN_FILE, PASSWORD_PATH, ...
        && !["_NAME", "_FILE", "_PATH", "_DIR", "_URL", "_ENDPOINT", "_REF", "_KEY_NAME"]
            .iter()
            .any(|suffix| n.ends_with(suffix));
    let placeholder = v.is_empty()
        || v.starts_with('$')
        || v.starts_with('<')
        || v.starts_with("{{")
        || v.contains('/')
        || v.contains(' ')
        // IDENTIFIER_LIKE values are template placeholders.
        || v.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        || [
            "changeme", "change-me", "change_me", "your", "insert", "replace", "example", "placeholder",
            "dummy", "xxx", "todo", "fixme", "redacted", "secret", "password",
        ]
        .iter()
        .any(|p| lower.contains(p))
        || ["true", "false", "none", "null"].iter().any(|p| lower == *p);
    if secret_name && !placeholder && v.len() >= 8 && entropy(v) >= 3.0 {
        return Some("high-entropy value in a secret-named variable");
    }
    None
}

/// Shannon entropy in bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[usize::from(b)] += 1;
    }
    let len = f64::from(u32::try_from(s.len()).unwrap_or(u32::MAX));
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / len;
            -p * p.log2()
        })
        .sum()
}

/// A secret-looking literal in `env[].value`.
pub struct SecretLiteralEnv;

static LITERAL_META: CheckMeta = CheckMeta {
    id: "MOAT-153",
    name: "secret-literal-in-env",
    severity: Severity::High,
    title: "Secret-looking literal in an environment variable",
    rationale: "A credential written as an `env` value lives in the manifest, the repository and the pod spec, readable by anyone who can `get` the workload. moat recognises AWS keys, private keys, GitHub/GitLab/Slack/Stripe/Google tokens, JWTs, and high-entropy values of secret-named variables; the value itself is never printed.",
    remediation: "Rotate the credential. Store it in a Secret (from a secret manager) and reference it with `valueFrom.secretKeyRef`, or better mount it as a file.",
    fix_example: "env:\n- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef: {name: db, key: password}\n",
    references: &["https://kubernetes.io/docs/concepts/security/secrets-good-practices/"],
    frameworks: &["NSA-CISA", "MITRE:T1552"],
};

impl Check for SecretLiteralEnv {
    fn meta(&self) -> &'static CheckMeta {
        &LITERAL_META
    }

    fn check_container(&self, _pod: &PodSpecView<'_>, c: &ContainerView<'_>, out: &mut Emit<'_>) {
        let Some(env) = c.get("env") else { return };
        for (i, e) in env.items().iter().enumerate() {
            let name = e.get("name").and_then(Node::as_str).unwrap_or("");
            let Some(value) = e.get("value").and_then(Node::as_str) else {
                continue;
            };
            if let Some(kind) = classify_secret(name, value) {
                let mut p = c.field_path("env");
                push_index(&mut p, i);
                p.push_str(".value");
                out.container(c, p, format!("container \"{}\" env {name} holds a literal that looks like a {kind} (value redacted)", c.name()));
            }
        }
    }
}

/// Secrets consumed as environment variables.
pub struct SecretAsEnv;

static ENV_META: CheckMeta = CheckMeta {
    id: "MOAT-154",
    name: "secret-as-env",
    severity: Severity::Info,
    title: "Secret passed as an environment variable",
    rationale: "Environment variables leak: into crash dumps, child processes, `/proc/<pid>/environ`, debug endpoints and logs. Secrets mounted as files can be rotated without a restart and are not inherited by every subprocess.",
    remediation: "Mount the Secret as a volume and read the file.",
    fix_example: "volumeMounts:\n- {name: db, mountPath: /var/run/secrets/db, readOnly: true}\nvolumes:\n- name: db\n  secret: {secretName: db}\n",
    references: &[
        "https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-files-from-a-pod",
    ],
    frameworks: &["CIS-5.4.1", "NSA-CISA"],
};

impl Check for SecretAsEnv {
    fn meta(&self) -> &'static CheckMeta {
        &ENV_META
    }

    fn check_container(&self, _pod: &PodSpecView<'_>, c: &ContainerView<'_>, out: &mut Emit<'_>) {
        if let Some(env) = c.get("env") {
            for (i, e) in env.items().iter().enumerate() {
                if e.get_path(&["valueFrom", "secretKeyRef"]).is_some() {
                    let name = e.get("name").and_then(Node::as_str).unwrap_or("");
                    let mut p = c.field_path("env");
                    push_index(&mut p, i);
                    p.push_str(".valueFrom.secretKeyRef");
                    out.container(
                        c,
                        p,
                        format!("container \"{}\" reads secret into env {name}", c.name()),
                    );
                }
            }
        }
        if let Some(from) = c.get("envFrom") {
            for (i, e) in from.items().iter().enumerate() {
                if let Some(s) = e.get("secretRef") {
                    let name = s.get("name").and_then(Node::as_str).unwrap_or("");
                    let mut p = c.field_path("envFrom");
                    push_index(&mut p, i);
                    p.push_str(".secretRef");
                    out.container(
                        c,
                        p,
                        format!(
                            "container \"{}\" loads all keys of Secret {name} into its environment",
                            c.name()
                        ),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::classify_secret;

    #[test]
    fn patterns() {
        assert_eq!(
            classify_secret("X", "AKIAIOSFODNN7EXAMPLE"),
            Some("AWS access key ID")
        );
        assert_eq!(
            classify_secret("KEY", "-----BEGIN RSA PRIVATE KEY-----\nMII"),
            Some("private key")
        );
        assert!(classify_secret("DB_PASSWORD", "Zx8#kq2!Lm9@").is_some());
        assert!(classify_secret("DB_PASSWORD", "changeme").is_none());
        assert!(classify_secret("DB_PASSWORD", "$(DB_PASS)").is_none());
        assert!(classify_secret("LOG_LEVEL", "Zx8#kq2!Lm9@").is_none());
        assert!(classify_secret("TOKEN_PATH", "/var/run/secrets/token").is_none());
        assert!(classify_secret("GOOGLE_API_KEY", "GOOGLE_API_KEY_VAL").is_none());
        assert!(classify_secret("ETCD_TOKEN", "INSERT_ETCD_TOKEN").is_none());
        assert!(classify_secret("DB_PASSWORD", "yourpassword").is_none());
        assert!(classify_secret("DB_SECRET_NAME", "prod-db-Xk29q").is_none());
        assert_eq!(
            classify_secret(
                "A",
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
            ),
            Some("JSON Web Token")
        );
    }
}
