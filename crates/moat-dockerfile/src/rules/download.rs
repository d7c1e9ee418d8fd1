//! Downloads and verification: `MOAT-607` (piping a download into a shell), `MOAT-608`
//! (TLS verification disabled for curl/wget), `MOAT-646` (package signature or TLS
//! checks disabled for package managers).

use moat_core::CheckMeta;

use super::CIS_DOCKER;
use super::util::{piped_into, subcommand};
use crate::ast::Body;
use crate::rule::{At, Context, Emit, Rule, is_shell};
use crate::shell::Command;

const INTERPRETERS: &[&str] = &["python", "python3", "perl", "ruby", "node", "php"];

fn is_fetch(c: &Command) -> bool {
    matches!(c.program(), Some("curl" | "wget"))
}

fn runs_code(c: &Command) -> bool {
    is_shell(c.program()) || c.program().is_some_and(|p| INTERPRETERS.contains(&p))
}

/// `curl … | sh`, `sh -c "$(curl …)"`, `bash <(curl …)`.
pub struct CurlPipeShell;

static PIPE: CheckMeta = meta!(
    "MOAT-607", "dockerfile-curl-pipe-shell", High, "Downloaded script piped into a shell",
    rationale: "Piping a download straight into a shell runs whatever the server returns at build time, unreviewed and unverified: a compromised host, CDN or DNS answer gets code execution in your build and persistence in your image, and a truncated download runs half a script.",
    remediation: "Download the script or binary to a file, verify a pinned checksum or signature, then run it; better, install a pinned package.",
    fix: "RUN curl -fsSLo /tmp/install.sh https://example.com/install-1.2.3.sh \\\n && echo \"3b4c…e9  /tmp/install.sh\" | sha256sum -c - \\\n && sh /tmp/install.sh && rm /tmp/install.sh\n",
    refs: ["https://docs.docker.com/build/building/best-practices/#using-pipes", CIS_DOCKER],
    frameworks: ["CIS-Docker-4.11"],
);

impl Rule for CurlPipeShell {
    rule_meta!(PIPE);

    fn check_command(&self, _cx: &Context<'_>, at: &At<'_>, i: usize, out: &mut Emit<'_>) {
        let Some(c) = at.commands.get(i) else { return };
        if is_fetch(c) {
            // curl … | [sudo] sh, possibly through tee/cat.
            let mut j = i;
            while let Some(next) = piped_into(at.commands, j) {
                if runs_code(next) {
                    out.report(
                        c.pos,
                        format!(
                            "`{}` output is piped into `{}`: the download runs unverified",
                            c.program().unwrap_or_default(),
                            next.program().unwrap_or_default()
                        ),
                    );
                    return;
                }
                j += 1;
            }
        } else if runs_code(c) {
            let fetched = c.args().iter().any(|w| {
                let v = &w.value;
                v.contains("$(curl")
                    || v.contains("$(wget")
                    || v.contains("`curl")
                    || v.contains("`wget")
                    || (v.starts_with("<(") && (v.contains("curl") || v.contains("wget")))
            });
            if fetched {
                out.report(c.pos, format!(
                    "`{}` runs a script fetched by command substitution: the download runs unverified",
                    c.program().unwrap_or_default()
                ));
            }
        }
    }
}

/// `curl -k`, `wget --no-check-certificate`.
pub struct InsecureTls;

static TLS: CheckMeta = meta!(
    "MOAT-608", "dockerfile-insecure-download", High, "Download with TLS verification disabled",
    rationale: "curl -k/--insecure and wget --no-check-certificate accept any certificate, so anyone on the network path (proxy, Wi-Fi, compromised DNS) can swap what gets downloaded into the image.",
    remediation: "Remove the flag. If the server uses a private CA, install that CA certificate (or pass --cacert / --ca-certificate) instead of disabling verification.",
    fix: "COPY corp-ca.crt /usr/local/share/ca-certificates/corp-ca.crt\nRUN update-ca-certificates && curl -fsSLo /tmp/x.tgz https://internal.example/x.tgz\n",
    refs: ["https://curl.se/docs/manpage.html#-k", "https://www.gnu.org/software/wget/manual/wget.html#HTTPS-_0028SSL_002fTLS_0029-Options", CIS_DOCKER],
    frameworks: ["CIS-Docker-4.11", "checkov:CKV2_DOCKER_2", "checkov:CKV2_DOCKER_3"],
);

impl Rule for InsecureTls {
    rule_meta!(TLS);

    fn check_command(&self, _cx: &Context<'_>, at: &At<'_>, i: usize, out: &mut Emit<'_>) {
        let Some(c) = at.commands.get(i) else { return };
        let bad = match c.program() {
            Some("curl") => c
                .has_flag('k', &["--insecure"])
                .then_some("curl -k/--insecure"),
            Some("wget") => c
                .has_arg(&["--no-check-certificate"])
                .then_some("wget --no-check-certificate"),
            _ => None,
        };
        if let Some(what) = bad {
            out.report(
                c.pos,
                format!("{what} disables TLS certificate verification"),
            );
        }
    }
}

/// Package managers told to skip signatures or TLS checks.
pub struct Unverified;

static UNVERIFIED: CheckMeta = meta!(
    "MOAT-646", "dockerfile-unverified-packages", High, "Package signature or TLS verification disabled",
    rationale: "Package managers verify repository signatures and TLS certificates so that a mirror, proxy or network attacker cannot substitute packages. Flags such as --allow-unauthenticated, --allow-untrusted, --nogpgcheck, --trusted-host, strict-ssl=false or variables like NODE_TLS_REJECT_UNAUTHORIZED=0 turn that off for everything installed.",
    remediation: "Remove the option; import the repository's signing key or the private CA certificate instead.",
    fix: "RUN curl -fsSLo /usr/share/keyrings/vendor.gpg https://vendor.example/key.gpg \\\n && echo \"deb [signed-by=/usr/share/keyrings/vendor.gpg] https://vendor.example/apt stable main\" > /etc/apt/sources.list.d/vendor.list \\\n && apt-get update && apt-get install -y --no-install-recommends vendor-tool=1.2.3\n",
    refs: [CIS_DOCKER, "https://manpages.debian.org/bookworm/apt/apt-get.8.en.html", "https://pip.pypa.io/en/stable/cli/pip_install/"],
    frameworks: ["CIS-Docker-4.11", "checkov:CKV2_DOCKER_4", "checkov:CKV2_DOCKER_5", "checkov:CKV2_DOCKER_6", "checkov:CKV2_DOCKER_7", "checkov:CKV2_DOCKER_8", "checkov:CKV2_DOCKER_9", "checkov:CKV2_DOCKER_10", "checkov:CKV2_DOCKER_11", "checkov:CKV2_DOCKER_12", "checkov:CKV2_DOCKER_13", "checkov:CKV2_DOCKER_14", "checkov:CKV2_DOCKER_15", "checkov:CKV2_DOCKER_16"],
);

/// Environment variables that disable verification, with the values that do.
const BAD_ENV: &[(&str, &[&str])] = &[
    ("NODE_TLS_REJECT_UNAUTHORIZED", &["0"]),
    ("PYTHONHTTPSVERIFY", &["0"]),
    ("GIT_SSL_NO_VERIFY", &["1", "true", "yes"]),
    ("NPM_CONFIG_STRICT_SSL", &["false", "0"]),
    ("PIP_TRUSTED_HOST", &[]),
];

fn unverified_option(c: &Command) -> Option<String> {
    let args: Vec<&str> = c.args().iter().map(|w| w.value.as_str()).collect();
    let has = |opts: &[&str]| {
        args.iter()
            .find(|a| {
                opts.iter().any(|o| {
                    a.strip_prefix(o)
                        .is_some_and(|r| r.is_empty() || r.starts_with('='))
                })
            })
            .map(|s| (*s).to_owned())
    };
    match c.program()? {
        "apt-get" | "apt" | "aptitude" => has(&[
            "--allow-unauthenticated",
            "--force-yes",
            "--allow-insecure-repositories",
        ])
        .or_else(|| {
            args.iter()
                .find(|a| {
                    let l = a.to_ascii_lowercase();
                    (l.contains("allowunauthenticated=")
                        || l.contains("allowinsecurerepositories="))
                        && (l.ends_with("true") || l.ends_with("yes") || l.ends_with('1'))
                })
                .map(|s| (*s).to_owned())
        }),
        "apk" => has(&["--allow-untrusted"]),
        "rpm" => has(&[
            "--nosignature",
            "--nodigest",
            "--nogpgcheck",
            "--noverify",
            "--nofiledigest",
        ]),
        "yum" | "dnf" | "microdnf" | "tdnf" | "zypper" => has(&[
            "--nogpgcheck",
            "--no-gpg-checks",
            "--setopt=sslverify=false",
            "--setopt=sslverify=0",
        ]),
        "git" => args
            .iter()
            .find(|a| a.to_ascii_lowercase().starts_with("http.sslverify=false"))
            .map(|s| (*s).to_owned())
            .or_else(|| {
                (args
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case("http.sslVerify"))
                    && args.contains(&"false"))
                .then(|| "http.sslVerify false".to_owned())
            }),
        "npm" | "yarn" | "pnpm" => has(&["--strict-ssl"])
            .filter(|a| a.ends_with("false"))
            .or_else(|| {
                (args.contains(&"strict-ssl") && args.contains(&"false"))
                    .then(|| "strict-ssl false".to_owned())
            }),
        p if super::util::pip_args(c).is_some() || p.starts_with("pip") => has(&["--trusted-host"]),
        _ => None,
    }
}

impl Rule for Unverified {
    rule_meta!(UNVERIFIED);

    fn check_command(&self, _cx: &Context<'_>, at: &At<'_>, i: usize, out: &mut Emit<'_>) {
        let Some(c) = at.commands.get(i) else { return };
        if let Some(opt) = unverified_option(c) {
            let sub = subcommand(c).map_or("", |(s, _)| s);
            out.report(
                c.pos,
                format!(
                    "`{} {sub}` with `{opt}` skips package verification",
                    c.program().unwrap_or_default()
                ),
            );
        }
    }

    fn check_instruction(&self, _cx: &Context<'_>, at: &At<'_>, out: &mut Emit<'_>) {
        let Body::Env(kvs) = &at.instr.body else {
            return;
        };
        for kv in kvs {
            let Some((_, values)) = BAD_ENV
                .iter()
                .find(|(n, _)| kv.key.value.eq_ignore_ascii_case(n))
            else {
                continue;
            };
            let v = kv.value.value.to_ascii_lowercase();
            if (values.is_empty() && !v.is_empty()) || values.contains(&v.as_str()) {
                out.report(
                    kv.key.pos,
                    format!(
                        "ENV {}={} disables verification",
                        kv.key.value, kv.value.value
                    ),
                );
            }
        }
    }
}
