//! Secrets: `MOAT-621` (secret-like `ENV`/`ARG` names), `MOAT-622` (credential values
//! in the file), `MOAT-623` (key files copied in), `MOAT-624` (secrets passed without a
//! secret mount).

use moat_core::CheckMeta;

use super::CIS_DOCKER;
use crate::ast::{Body, CmdLine, Instruction};
use crate::expand::references;
use crate::rule::{At, Context, Emit, Rule};

const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "secret",
    "token",
    "apikey",
    "credential",
    "credentials",
    "passphrase",
    "auth",
];
const KEY_QUALIFIERS: &[&str] = &[
    "api",
    "access",
    "private",
    "secret",
    "signing",
    "encryption",
    "master",
    "client",
    "app",
    "license",
    "ssh",
];
const NOT_SECRET: &[&str] = &[
    "public",
    "gpg",
    "fingerprint",
    "keyring",
    "file",
    "path",
    "dir",
    "url",
    "id",
    "type",
    "length",
    "size",
    "name",
    "user",
    "username",
    "host",
    "port",
    "endpoint",
    "method",
    "mode",
    "version",
    "salt",
    "header",
];

/// Whether a variable name looks like it holds a secret (`DB_PASSWORD`, `NPM_TOKEN`,
/// `AWS_SECRET_ACCESS_KEY`, `API_KEY`), but not `GPG_KEY`, `TOKEN_FILE`, `SECRET_PATH`.
pub fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let parts: Vec<&str> = lower
        .split(['_', '-', '.'])
        .filter(|p| !p.is_empty())
        .collect();
    if parts.last().is_some_and(|p| NOT_SECRET.contains(p))
        || parts.iter().any(|p| *p == "public" || *p == "gpg")
    {
        return false;
    }
    parts.iter().enumerate().any(|(i, p)| {
        SECRET_WORDS.contains(p)
            || (*p == "key"
                && (parts.len() == 1
                    || i.checked_sub(1)
                        .and_then(|j| parts.get(j))
                        .is_some_and(|q| KEY_QUALIFIERS.contains(q))))
    })
}

/// `ENV`/`ARG` with a secret-like name.
pub struct SecretName;

static NAME: CheckMeta = meta!(
    "MOAT-621", "dockerfile-secret-in-env-arg", High, "Secret passed through ENV or ARG",
    rationale: "ENV values are baked into the image config and visible to anyone who can pull it (docker inspect); ARG values are recorded in the image history and build cache. A password, token or key passed this way leaks to every registry and cluster the image reaches.",
    remediation: "Pass secrets to the build with RUN --mount=type=secret (BuildKit) and to the container at run time from a Kubernetes Secret or a secret manager.",
    fix: "# docker build --secret id=npm_token,env=NPM_TOKEN .\nRUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci --omit=dev\n",
    refs: ["https://docs.docker.com/build/building/secrets/", "https://docs.docker.com/reference/build-checks/secrets-used-in-arg-or-env/", CIS_DOCKER],
    frameworks: ["CIS-Docker-4.10"],
);

impl Rule for SecretName {
    rule_meta!(NAME);

    fn check_instruction(&self, _cx: &Context<'_>, at: &At<'_>, out: &mut Emit<'_>) {
        match &at.instr.body {
            Body::Env(kvs) => {
                for kv in kvs
                    .iter()
                    .filter(|kv| is_secret_name(&kv.key.value) && !kv.value.value.is_empty())
                {
                    out.report(
                        kv.key.pos,
                        format!(
                            "ENV {} stores a secret in the image configuration",
                            kv.key.value
                        ),
                    );
                }
            }
            Body::Arg(decls) => {
                for d in decls.iter().filter(|d| is_secret_name(&d.name.value)) {
                    out.report(
                        d.name.pos,
                        format!(
                            "ARG {} passes a secret that is recorded in the image history",
                            d.name.value
                        ),
                    );
                }
            }
            _ => {}
        }
    }
}

/// Known credential formats found in the text of an instruction.
pub fn credential_in(text: &str) -> Option<&'static str> {
    let has_run = |prefix: &str, min: usize, ok: fn(char) -> bool| {
        text.match_indices(prefix).any(|(i, _)| {
            text.get(i + prefix.len()..)
                .is_some_and(|r| r.chars().take_while(|c| ok(*c)).count() >= min)
        })
    };
    let alnum = |c: char| c.is_ascii_alphanumeric();
    let token = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if text.contains("-----BEGIN") && text.contains("PRIVATE KEY") {
        return Some("a private key");
    }
    if text.match_indices("AKIA").any(|(i, _)| {
        text.get(i + 4..).is_some_and(|r| {
            r.chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                .count()
                == 16
        })
    }) {
        return Some("an AWS access key ID");
    }
    for (prefix, min, what) in [
        ("ghp_", 36, "a GitHub token"),
        ("gho_", 36, "a GitHub token"),
        ("ghs_", 36, "a GitHub token"),
        ("github_pat_", 40, "a GitHub token"),
        ("npm_", 36, "an npm token"),
        ("sk_live_", 20, "a Stripe secret key"),
        ("AIza", 35, "a Google API key"),
    ] {
        if has_run(prefix, min, alnum) || (prefix == "AIza" && has_run(prefix, min, token)) {
            return Some(what);
        }
    }
    if has_run("glpat-", 20, token) {
        return Some("a GitLab token");
    }
    for p in ["xoxb-", "xoxp-", "xoxa-", "xoxs-"] {
        if has_run(p, 10, token) {
            return Some("a Slack token");
        }
    }
    // https://user:password@host with a literal password.
    for scheme in ["https://", "http://", "ftp://"] {
        for (i, _) in text.match_indices(scheme) {
            let rest = text.get(i + scheme.len()..).unwrap_or_default();
            let auth_end = rest.find(['/', ' ', '"', '\'']).unwrap_or(rest.len());
            let Some(auth) = rest
                .get(..auth_end)
                .and_then(|a| a.rsplit_once('@'))
                .map(|(a, _)| a)
            else {
                continue;
            };
            if let Some((_, pw)) = auth.split_once(':')
                && !pw.is_empty()
                && !pw.contains('$')
            {
                return Some("a password in a URL");
            }
        }
    }
    None
}

fn instruction_texts(instr: &Instruction) -> Vec<(&str, crate::Pos)> {
    let mut out = Vec::new();
    match &instr.body {
        Body::Env(kvs) | Body::Label(kvs) => {
            out.extend(kvs.iter().map(|kv| (kv.value.value.as_str(), kv.key.pos)));
        }
        Body::Arg(decls) => out.extend(
            decls
                .iter()
                .filter_map(|d| d.default.as_ref().map(|w| (w.value.as_str(), d.name.pos))),
        ),
        Body::Run(c) | Body::Cmd(c) | Body::Entrypoint(c) | Body::Healthcheck(Some(c)) => match c {
            CmdLine::Shell(s) => out.push((s.text.as_str(), instr.pos)),
            CmdLine::Exec(ws) => out.extend(ws.iter().map(|w| (w.value.as_str(), w.pos))),
        },
        _ => {}
    }
    out.extend(instr.heredocs.iter().map(|h| (h.body.as_str(), h.pos)));
    out
}

/// Credentials written into the Dockerfile.
pub struct SecretValue;

static VALUE: CheckMeta = meta!(
    "MOAT-622", "dockerfile-hardcoded-credential", Critical, "Credential written in the Dockerfile",
    rationale: "A private key, cloud access key, API token or URL password written into a Dockerfile is in version control, in the build cache, in the image layers or config, and in every copy of them. It must be considered leaked.",
    remediation: "Revoke and rotate the credential now, then pass it at build time with RUN --mount=type=secret or at run time from a secret store.",
    fix: "RUN --mount=type=secret,id=gh_token,env=GITHUB_TOKEN \\\n    git clone https://x-access-token:${GITHUB_TOKEN}@github.com/example/private.git /src\n",
    refs: ["https://docs.docker.com/build/building/secrets/", CIS_DOCKER],
    frameworks: ["CIS-Docker-4.10", "checkov:CKV2_DOCKER_17"],
);

impl Rule for SecretValue {
    rule_meta!(VALUE);

    /// `echo 'user:password' | chpasswd` sets a literal password.
    fn check_command(&self, _cx: &Context<'_>, at: &At<'_>, i: usize, out: &mut Emit<'_>) {
        let Some(c) = at.commands.get(i) else { return };
        if !matches!(c.program(), Some("echo" | "printf")) {
            return;
        }
        let Some(next) = super::util::piped_into(at.commands, i) else {
            return;
        };
        let literal = c.args().iter().any(|w| {
            w.value
                .split_once(':')
                .is_some_and(|(u, p)| !u.is_empty() && !p.is_empty() && !w.value.contains('$'))
        });
        if literal && next.program() == Some("chpasswd") {
            out.report(
                c.pos,
                "RUN sets a literal password with chpasswd".to_owned(),
            );
        }
    }

    fn check_instruction(&self, _cx: &Context<'_>, at: &At<'_>, out: &mut Emit<'_>) {
        for (text, pos) in instruction_texts(at.instr) {
            if let Some(what) = credential_in(text) {
                out.report(
                    pos,
                    format!("{} contains {what}", at.instr.keyword.as_str()),
                );
                return;
            }
        }
    }
}

/// Whether a path names a credential file.
pub fn is_secret_file(path: &str) -> bool {
    let p = path.trim_end_matches('/');
    let base = p.rsplit('/').next().unwrap_or(p).to_ascii_lowercase();
    let lower = p.to_ascii_lowercase();
    if [
        "id_rsa",
        "id_dsa",
        "id_ecdsa",
        "id_ed25519",
        ".npmrc",
        ".pypirc",
        ".netrc",
        ".git-credentials",
        ".htpasswd",
        ".dockercfg",
        ".env",
        ".ssh",
    ]
    .contains(&base.as_str())
    {
        return true;
    }
    if base.starts_with(".env.")
        && !["example", "sample", "template", "dist", "defaults"]
            .iter()
            .any(|s| base.ends_with(s))
    {
        return true;
    }
    if [
        ".aws/credentials",
        ".docker/config.json",
        ".kube/config",
        ".config/gcloud",
    ]
    .iter()
    .any(|s| lower.ends_with(s))
    {
        return true;
    }
    let is_cert = ["cert", "chain", "ca.", "ca-", "bundle", "root"]
        .iter()
        .any(|s| base.contains(s));
    [".pem", ".key", ".p12", ".pfx", ".jks", ".keystore"]
        .iter()
        .any(|e| base.ends_with(e))
        && !is_cert
}

/// `COPY`/`ADD` of key and credential files.
pub struct SecretFile;

static FILE: CheckMeta = meta!(
    "MOAT-623", "dockerfile-copy-secret-file", High, "Credential file copied into the image",
    rationale: "SSH keys, .env files, .npmrc/.pypirc tokens, cloud credentials and private keys copied into a layer stay in the image even if a later RUN deletes them; anyone who can pull the image can extract them.",
    remediation: "Do not copy credential files. Use RUN --mount=type=secret (or --mount=type=ssh for git over SSH) for build-time access, and exclude such files in .dockerignore.",
    fix: "# syntax=docker/dockerfile:1\nRUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci --omit=dev\n",
    refs: ["https://docs.docker.com/build/building/secrets/", "https://docs.docker.com/build/concepts/context/#dockerignore-files", CIS_DOCKER],
    frameworks: ["CIS-Docker-4.10"],
);

impl Rule for SecretFile {
    rule_meta!(FILE);

    fn check_instruction(&self, _cx: &Context<'_>, at: &At<'_>, out: &mut Emit<'_>) {
        let (Body::Copy(t) | Body::Add(t)) = &at.instr.body else {
            return;
        };
        for s in t.sources.iter().filter(|s| is_secret_file(&s.value)) {
            out.report(
                s.pos,
                format!(
                    "{} copies credential file `{}` into the image",
                    at.instr.keyword.as_str(),
                    s.value
                ),
            );
        }
    }
}

/// `RUN` that uses a secret-named variable without a secret mount.
pub struct SecretNotMounted;

static MOUNT: CheckMeta = meta!(
    "MOAT-624", "dockerfile-secret-mount-preferred", Info, "Build secret used without a secret mount",
    rationale: "A RUN step that reads a token from a build argument or environment variable gets it from a value that is recorded in the image history or config. BuildKit secret mounts expose the secret to that one step only, and never store it.",
    remediation: "Declare the secret with --mount=type=secret (optionally env=NAME) on the RUN that needs it and pass it with `docker build --secret`.",
    fix: "RUN --mount=type=secret,id=pip_token,env=PIP_TOKEN \\\n    pip install --no-cache-dir --index-url https://__token__:${PIP_TOKEN}@pypi.example/simple app==1.2.3\n",
    refs: ["https://docs.docker.com/build/building/secrets/"],
    frameworks: ["CIS-Docker-4.10"],
);

impl Rule for SecretNotMounted {
    rule_meta!(MOUNT);

    fn check_instruction(&self, cx: &Context<'_>, at: &At<'_>, out: &mut Emit<'_>) {
        let Body::Run(CmdLine::Shell(s)) = &at.instr.body else {
            return;
        };
        if at.instr.mounts().any(|m| m.kind == "secret") {
            return;
        }
        if let Some((off, name)) = references(&s.text, cx.file().escape)
            .into_iter()
            .find(|(_, n)| is_secret_name(n))
        {
            out.report(
                s.pos(off),
                format!("RUN reads ${name} from a build argument or ENV; use --mount=type=secret"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for n in [
            "DB_PASSWORD",
            "NPM_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "API_KEY",
            "apikey",
            "GITHUB_AUTH",
            "PRIVATE_KEY",
            "KEY",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in [
            "GPG_KEY",
            "TOKEN_FILE",
            "SECRET_PATH",
            "PUBLIC_KEY",
            "KEY_ID",
            "PATH",
            "PASSWORD_LENGTH",
            "MONKEY",
            "PASSENGER_VERSION",
            "DB_USER",
        ] {
            assert!(!is_secret_name(n), "{n}");
        }
    }

    #[test]
    fn credentials_and_files() {
        assert!(credential_in("AKIAIOSFODNN7EXAMPLE").is_some());
        assert!(credential_in("https://bob:hunter2@example.com/x").is_some());
        assert!(credential_in("https://bob:${PW}@example.com/x").is_none());
        assert!(credential_in("ghp_0123456789abcdefghijABCDEFGHIJ012345").is_some());
        assert!(credential_in("echo hello").is_none());
        for f in [
            "id_rsa",
            "./.ssh/id_ed25519",
            ".env",
            ".env.production",
            "server.key",
            "tls/key.pem",
            "$HOME/.aws/credentials",
        ] {
            assert!(is_secret_file(f), "{f}");
        }
        for f in [
            ".env.example",
            "ca-certificates.pem",
            "cert.pem",
            "id_rsa.pub",
            "app.py",
            ".",
        ] {
            assert!(!is_secret_file(f), "{f}");
        }
    }
}
