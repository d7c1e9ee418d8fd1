//! Detectors: each anchor of the prefilter maps to one [`Det`], which verifies the bytes
//! around the anchor precisely and reports [`Hit`]s.

mod assign;
mod jwt;
mod pem;
mod tokens;

use std::cell::OnceCell;

use moat_core::CheckMeta;

use crate::settings::file_name;

/// What the verifier behind an anchor checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Det {
    /// `AKIA`, `ASIA`, `ABIA`, `ACCA` + 16 base32 characters.
    AwsKeyId,
    /// `ghp_`… (36 characters) and `github_pat_`.
    GitHub,
    /// `glpat-`, `gldt-`, `glrt-`, `glptt-`.
    GitLab,
    /// `xoxb-`…
    Slack,
    /// `hooks.slack.com/services/`.
    SlackWebhook,
    /// `sk_live_`, `rk_live_`, `sk_test_`, `rk_test_`.
    Stripe,
    /// `pypi-AgEIcHlwaS5vcmc` (a `PyPI` macaroon token).
    Pypi,
    /// `PRIVATE KEY-----` (PEM and OpenSSH blocks).
    Pem,
    /// `service_account` (GCP key JSON).
    Gcp,
    /// `eyJ` (a JWT header).
    Jwt,
}

/// Anchors of tokens recognised by their prefix (matched case-sensitively). Shortened
/// where a verifier checks the rest (`xox` for `xoxb-`…, `k_live_` for `sk_live_`…), so
/// the automaton stays small enough for its SIMD prefilter.
pub(crate) const TOKEN_ANCHORS: &[(&str, Det)] = &[
    ("AKIA", Det::AwsKeyId),
    ("ASIA", Det::AwsKeyId),
    ("ABIA", Det::AwsKeyId),
    ("ACCA", Det::AwsKeyId),
    ("ghp_", Det::GitHub),
    ("gho_", Det::GitHub),
    ("ghu_", Det::GitHub),
    ("ghs_", Det::GitHub),
    ("ghr_", Det::GitHub),
    ("github_pat_", Det::GitHub),
    ("glpat-", Det::GitLab),
    ("gldt-", Det::GitLab),
    ("glrt-", Det::GitLab),
    ("glptt-", Det::GitLab),
    ("xox", Det::Slack),
    ("hooks.slack.com/services/", Det::SlackWebhook),
    ("k_live_", Det::Stripe),
    ("k_test_", Det::Stripe),
    ("pypi-AgEIcHlwaS5vcmc", Det::Pypi),
    ("PRIVATE KEY-----", Det::Pem),
    ("service_account", Det::Gcp),
    ("eyJ", Det::Jwt),
];

/// Fragments of secret-like key words in the spellings keys use (`password`,
/// `Password`, `PASSWORD`, `apiKey`, `API_KEY`…), matched case-sensitively; the
/// assignment parser then reads the whole key around the fragment.
pub(crate) const KEY_ANCHORS: &[&str] = &[
    "assw",
    "ASSW",
    "assphrase",
    "ASSPHRASE",
    "ecret",
    "ECRET",
    "oken",
    "OKEN",
    "pikey",
    "piKey",
    "PIKEY",
    "pi_key",
    "PI_KEY",
    "pi-key",
    "PI-KEY",
    "ccessKey",
    "ccesskey",
    "CCESSKEY",
    "ccess_key",
    "CCESS_KEY",
    "rivateKey",
    "rivatekey",
    "RIVATEKEY",
    "rivate_key",
    "RIVATE_KEY",
    "redential",
    "REDENTIAL",
    "auth",
    "Auth",
    "AUTH",
    "client-key-data",
];

/// One verified secret: the rule, where to report it, and the bytes of the secret value.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Hit {
    pub(crate) meta: &'static CheckMeta,
    /// Offset reported as the finding's position.
    pub(crate) at: usize,
    /// The secret value's bytes (redacted for display; used to resolve overlaps).
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// How much of a file is searched for `kind: Config` to recognise a kubeconfig.
const KUBECONFIG_HEAD: usize = 64 * 1024;

/// What detectors know about the file being scanned.
pub(crate) struct FileCtx<'a> {
    pub(crate) path: &'a str,
    pub(crate) content: &'a [u8],
    pub(crate) entropy: f64,
    kubeconfig: OnceCell<bool>,
    pub(crate) gcp_done: bool,
}

impl<'a> FileCtx<'a> {
    pub(crate) fn new(path: &'a str, content: &'a [u8], entropy: f64) -> Self {
        FileCtx {
            path,
            content,
            entropy,
            kubeconfig: OnceCell::new(),
            gcp_done: false,
        }
    }

    /// Whether the file is a kubeconfig: named like one, or `kind: Config` with clusters.
    pub(crate) fn is_kubeconfig(&self) -> bool {
        *self.kubeconfig.get_or_init(|| {
            let name = file_name(self.path);
            name.to_ascii_lowercase().contains("kubeconfig")
                || self.path.ends_with(".kube/config")
                || {
                    // Kubeconfigs are small; a large file is judged by its head.
                    let head = self.content.get(..KUBECONFIG_HEAD).unwrap_or(self.content);
                    memchr::memmem::find(head, b"kind: Config").is_some()
                        && memchr::memmem::find(head, b"clusters:").is_some()
                }
        })
    }

    /// Whether the file is a `.pypirc`.
    pub(crate) fn is_pypirc(&self) -> bool {
        file_name(self.path).eq_ignore_ascii_case(".pypirc")
    }
}

/// Runs the verifier of `det` on the anchor match `start..end`.
pub(crate) fn verify(det: Det, cx: &mut FileCtx<'_>, start: usize, end: usize, out: &mut Vec<Hit>) {
    match det {
        Det::AwsKeyId => tokens::aws_key_id(cx.content, start, out),
        Det::GitHub => tokens::github(cx.content, start, end, out),
        Det::GitLab => tokens::gitlab(cx.content, start, end, out),
        Det::Slack => tokens::slack(cx.content, start, out),
        Det::SlackWebhook => tokens::slack_webhook(cx.content, start, end, out),
        Det::Stripe => tokens::stripe(cx.content, start, end, out),
        Det::Pypi => tokens::pypi(cx.content, start, end, out),
        Det::Pem => pem::pem(cx.content, start, end, out),
        Det::Gcp => pem::gcp(cx, start, out),
        Det::Jwt => jwt::jwt(cx.content, start, out),
    }
}

/// Parses the key/value assignment around a key-word fragment at `start..end`; returns
/// the offset where the key ends (later fragments before it belong to the same key).
pub(crate) fn verify_key(
    cx: &mut FileCtx<'_>,
    start: usize,
    end: usize,
    out: &mut Vec<Hit>,
) -> usize {
    assign::assignment(cx, start, end, out).max(end)
}

/// Placeholder markers that disqualify any value (documentation examples, masks).
const PLACEHOLDERS: &[&str] = &[
    "example",
    "xxxx",
    "****",
    "....",
    "dummy",
    "placeholder",
    "redacted",
    "sample",
    "changeme",
    "fake",
];

/// Whether `v` is an obvious placeholder: a marker word, or too few distinct characters.
pub(crate) fn placeholder(v: &[u8]) -> bool {
    contains_any(v, PLACEHOLDERS) || distinct(v) < 6
}

/// Whether `v` contains one of `words`, ASCII case-insensitively.
pub(crate) fn contains_any(v: &[u8], words: &[&str]) -> bool {
    words.iter().any(|w| {
        let w = w.as_bytes();
        v.windows(w.len()).any(|win| win.eq_ignore_ascii_case(w))
    })
}

/// How many distinct byte values `v` has.
pub(crate) fn distinct(v: &[u8]) -> usize {
    let mut seen = [false; 256];
    let mut n = 0;
    for &b in v {
        if let Some(s) = seen.get_mut(usize::from(b))
            && !*s
        {
            *s = true;
            n += 1;
        }
    }
    n
}
