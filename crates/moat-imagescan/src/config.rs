//! Risks in the image config: `MOAT-750` (runs as root), `MOAT-751` (secret in `Env`),
//! `MOAT-752` (SSH port exposed), `MOAT-753` (base image by the `latest` tag or no tag).

use std::collections::BTreeMap;

use moat_core::{CheckMeta, Finding, Severity};
use moat_dockerfile::rules::secrets::{credential_in, is_secret_name};
use moat_image::source::RunConfig;

const CIS_DOCKER: &str = "https://www.cisecurity.org/benchmark/docker";
const OCI_CONFIG: &str = "https://github.com/opencontainers/image-spec/blob/main/config.md";

/// `MOAT-750`.
pub static ROOT: CheckMeta = CheckMeta {
    id: "MOAT-750",
    name: "image-runs-as-root",
    severity: Severity::High,
    title: "Image runs as root",
    rationale: "The image config sets no USER (or user 0/root), so every container started from it runs as root unless the pod overrides it. A compromise of the process is then root inside the container, one kernel or runtime bug away from the node; Pod Security `restricted` rejects such pods unless runAsNonRoot/runAsUser is set.",
    remediation: "Create an unprivileged user in the Dockerfile and end the final stage with `USER <uid>` (numeric, so Kubernetes can verify runAsNonRoot); also set runAsNonRoot: true in the pod.",
    fix_example: "RUN useradd --uid 10001 --no-create-home app\nUSER 10001\n",
    references: &[
        "https://docs.docker.com/reference/dockerfile/#user",
        OCI_CONFIG,
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
        CIS_DOCKER,
    ],
    frameworks: &["CIS-Docker-4.1", "NSA-CISA", "MITRE:T1611"],
};

/// `MOAT-751`.
pub static ENV_SECRET: CheckMeta = CheckMeta {
    id: "MOAT-751",
    name: "image-secret-in-env",
    severity: Severity::Critical,
    title: "Secret stored in the image config's Env",
    rationale: "Env values are part of the image config: anyone who can pull the image reads them with `docker inspect` or from the registry, and they are copied to every node and cache the image reaches. A password, token or key there is leaked.",
    remediation: "Remove the value from the image (no ENV with secrets in any stage that ends in the image); inject it at run time from a Kubernetes Secret (env valueFrom.secretKeyRef or a mounted file), and rotate the leaked credential.",
    fix_example: "# Dockerfile: no ENV DB_PASSWORD=...\n# Pod spec:\nenv:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef: {name: db, key: password}\n",
    references: &[
        "https://docs.docker.com/build/building/secrets/",
        "https://kubernetes.io/docs/concepts/configuration/secret/",
        OCI_CONFIG,
        CIS_DOCKER,
    ],
    frameworks: &["CIS-Docker-4.10", "MITRE:T1552.001"],
};

/// `MOAT-752`.
pub static SSH_PORT: CheckMeta = CheckMeta {
    id: "MOAT-752",
    name: "image-exposes-ssh",
    severity: Severity::Medium,
    title: "Image exposes the SSH port 22",
    rationale: "An image that exposes port 22 usually runs an SSH daemon: a second, long-lived way into the container with its own credentials and keys, outside the platform's access control and audit (kubectl exec is logged by the API server).",
    remediation: "Remove the SSH server and `EXPOSE 22`; use `kubectl exec` or ephemeral debug containers for access.",
    fix_example: "# Remove:\n# RUN apt-get install -y openssh-server\n# EXPOSE 22\n",
    references: &[
        "https://kubernetes.io/docs/tasks/debug/debug-application/debug-running-pod/#ephemeral-container",
        CIS_DOCKER,
    ],
    frameworks: &["CIS-Docker-4.8", "MITRE:T1021.004"],
};

/// `MOAT-753`.
pub static LATEST_BASE: CheckMeta = CheckMeta {
    id: "MOAT-753",
    name: "image-latest-base",
    severity: Severity::Low,
    title: "Image built on a base referenced by the latest tag",
    rationale: "The image records (org.opencontainers.image.base.name) that it was built FROM a base without a tag or with `latest`: rebuilding it silently picks up whatever the tag points to then, so builds are not reproducible and a vulnerable or hostile base can slip in unnoticed.",
    remediation: "Build FROM a specific version, pinned by digest (`FROM debian:12.5-slim@sha256:…`), and update it deliberately (e.g. with Renovate or Dependabot).",
    fix_example: "FROM debian:12.5-slim@sha256:<digest>\n",
    references: &[
        "https://github.com/opencontainers/image-spec/blob/main/annotations.md",
        "https://docs.docker.com/build/building/best-practices/#from",
    ],
    frameworks: &["CIS-Docker-4.2", "SLSA"],
};

/// Every config check.
pub static CHECKS: &[&CheckMeta] = &[&ROOT, &ENV_SECRET, &SSH_PORT, &LATEST_BASE];

/// What the config checks read: the runtime config and the labels and annotations that
/// may name the base image.
#[derive(Debug, Clone, Copy)]
pub struct ConfigInput<'a> {
    /// The image config's `config` object.
    pub run: &'a RunConfig,
    /// Image config labels.
    pub labels: Option<&'a BTreeMap<String, String>>,
    /// Manifest annotations.
    pub annotations: Option<&'a BTreeMap<String, String>>,
}

const BASE_NAME: &str = "org.opencontainers.image.base.name";

/// Runs the config checks; findings point at `file` (the image source) and the config
/// field they judge.
pub fn check(input: ConfigInput<'_>, image_name: &str, file: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    let mk = |meta, path: &str, msg| crate::finding(meta, image_name, file, path, msg);
    let user = input.run.user.as_deref().unwrap_or_default().trim();
    let name = user.split(':').next().unwrap_or_default();
    if name.is_empty() || name == "0" || name == "root" {
        let msg = if user.is_empty() {
            "the image config sets no User, so containers run as root".to_owned()
        } else {
            format!("the image config sets User {user:?}, which is root")
        };
        out.push(mk(&ROOT, "config.User", msg));
    }
    for (i, kv) in input.run.env.iter().flatten().enumerate() {
        let (key, value) = kv.split_once('=').unwrap_or((kv, ""));
        if value.trim().is_empty() {
            continue;
        }
        let named = is_secret_name(key) && !looks_like_reference(value);
        if named || credential_in(value).is_some() {
            let what = credential_in(value).unwrap_or("a secret-like value");
            out.push(mk(
                &ENV_SECRET,
                &format!("config.Env[{i}]"),
                format!("Env {key} holds {what} ({})", redact(value)),
            ));
        }
    }
    if let Some(ports) = &input.run.exposed_ports
        && let Some(port) = ports
            .keys()
            .find(|p| p.as_str() == "22" || p.starts_with("22/"))
    {
        out.push(mk(
            &SSH_PORT,
            "config.ExposedPorts",
            format!("the image exposes {port}"),
        ));
    }
    let base = [input.annotations, input.labels]
        .into_iter()
        .flatten()
        .find_map(|m| m.get(BASE_NAME));
    if let Some(base) = base
        && uses_latest(base)
    {
        out.push(mk(
            &LATEST_BASE,
            BASE_NAME,
            format!("the image was built FROM {base}, which follows the latest tag"),
        ));
    }
    out
}

/// A value that names where a secret is rather than holding one (a path, a variable).
fn looks_like_reference(value: &str) -> bool {
    value.starts_with('/') || value.starts_with("${") || value.starts_with('$')
}

/// The first four characters, then asterisks.
fn redact(value: &str) -> String {
    let shown: String = value.chars().take(4).collect();
    format!("{shown}****")
}

/// `name`, `name:latest`, but not `name:1.2`, `name@sha256:…` or `host:5000/name:1`.
fn uses_latest(reference: &str) -> bool {
    if reference.contains('@') {
        return false;
    }
    let last = reference.rsplit('/').next().unwrap_or(reference);
    match last.split_once(':') {
        None => true,
        Some((_, tag)) => tag == "latest",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(user: Option<&str>, env: &[&str], ports: &[&str]) -> RunConfig {
        let mut r = RunConfig {
            user: user.map(str::to_owned),
            env: Some(env.iter().map(|s| (*s).to_owned()).collect()),
            ..RunConfig::default()
        };
        if !ports.is_empty() {
            r.exposed_ports = Some(
                ports
                    .iter()
                    .map(|p| ((*p).to_owned(), serde_json::json!({})))
                    .collect(),
            );
        }
        r
    }

    fn ids(input: ConfigInput<'_>) -> Vec<(&'static str, String)> {
        check(input, "img", "img")
            .into_iter()
            .map(|f| match f.check_id {
                std::borrow::Cow::Borrowed(id) => (id, f.location.path),
                std::borrow::Cow::Owned(_) => unreachable!(),
            })
            .collect()
    }

    fn plain(run: &RunConfig) -> ConfigInput<'_> {
        ConfigInput {
            run,
            labels: None,
            annotations: None,
        }
    }

    #[test]
    fn root_user() {
        for user in [
            None,
            Some(""),
            Some("0"),
            Some("root"),
            Some("0:0"),
            Some("root:app"),
        ] {
            let r = run(user, &[], &[]);
            assert_eq!(
                ids(plain(&r)),
                [("MOAT-750", "config.User".to_owned())],
                "{user:?}"
            );
        }
        for user in ["65532", "app", "1000:1000", "nobody"] {
            assert!(ids(plain(&run(Some(user), &[], &[]))).is_empty(), "{user}");
        }
    }

    #[test]
    fn env_secrets_are_redacted() {
        let r = run(
            Some("1000"),
            &[
                "PATH=/usr/bin",
                "DB_PASSWORD=hunter2-very-long",
                "GPG_KEY=A4A9406876FCBD3C456770C88C718D3B5072E1F5",
                "PASSWORD_FILE=/run/secrets/db",
                "API_TOKEN=",
                "SECRET_KEY=${FROM_RUNTIME}",
                "NOTES=see AKIAQ3EGRSV7VMXZ2K5P",
            ],
            &[],
        );
        let fs = check(plain(&r), "img", "img");
        let got: Vec<_> = fs.iter().map(|f| f.location.path.as_str()).collect();
        assert_eq!(got, ["config.Env[1]", "config.Env[6]"]);
        assert!(fs.iter().all(|f| f.check_id == "MOAT-751"));
        assert!(fs[0].message.contains("hunt****"), "{}", fs[0].message);
        assert!(!fs[0].message.contains("hunter2"));
        assert!(
            !fs[1].message.contains("AKIAQ3EGRSV7VMXZ2K5P"),
            "{}",
            fs[1].message
        );
    }

    #[test]
    fn ssh_port() {
        let r = run(Some("1000"), &[], &["22/tcp", "8080/tcp"]);
        assert_eq!(
            ids(plain(&r)),
            [("MOAT-752", "config.ExposedPorts".to_owned())]
        );
        assert!(ids(plain(&run(Some("1000"), &[], &["2222/tcp", "8022/tcp"]))).is_empty());
    }

    #[test]
    fn latest_base() {
        let r = run(Some("1000"), &[], &[]);
        for (base, hit) in [
            ("docker.io/library/debian", true),
            ("debian:latest", true),
            ("registry:5000/team/base", true),
            ("debian:12-slim", false),
            ("registry:5000/team/base:1.4", false),
            (
                "debian@sha256:0000000000000000000000000000000000000000000000000000000000000000",
                false,
            ),
        ] {
            let labels: BTreeMap<String, String> = [(BASE_NAME.to_owned(), base.to_owned())].into();
            let input = ConfigInput {
                run: &r,
                labels: Some(&labels),
                annotations: None,
            };
            assert_eq!(!ids(input).is_empty(), hit, "{base}");
        }
    }
}
