//! Tokens recognised by their prefix, length and alphabet: AWS key IDs, GitHub, GitLab,
//! Slack, Stripe and `PyPI` tokens, Slack webhook URLs.

use super::{Hit, placeholder};
use crate::rules;
use crate::text::{before_is, is_alnum, run_len};

/// The anchor as written (the prefilter matches case-insensitively).
fn exact(content: &[u8], start: usize, end: usize) -> &[u8] {
    content.get(start..end).unwrap_or_default()
}

fn push(
    out: &mut Vec<Hit>,
    content: &[u8],
    meta: &'static moat_core::CheckMeta,
    start: usize,
    end: usize,
) {
    if !placeholder(content.get(start..end).unwrap_or_default()) {
        out.push(Hit {
            meta,
            at: start,
            start,
            end,
        });
    }
}

/// `AKIA`/`ASIA`/`ABIA`/`ACCA` followed by exactly 16 characters of `[A-Z2-7]`.
pub(super) fn aws_key_id(content: &[u8], start: usize, out: &mut Vec<Hit>) {
    let prefix = exact(content, start, start + 4);
    if !matches!(prefix, b"AKIA" | b"ASIA" | b"ABIA" | b"ACCA")
        || before_is(content, start, is_alnum)
    {
        return;
    }
    let body = run_len(content, start + 4, 17, |b| {
        b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)
    });
    let end = start + 4 + body;
    if body == 16 && !content.get(end).is_some_and(|&b| is_alnum(b)) {
        push(out, content, &rules::AWS_ACCESS_KEY_ID, start, end);
    }
}

/// `ghp_`/`gho_`/`ghu_`/`ghs_`/`ghr_` + 36 alphanumerics; `github_pat_` + 82 of `[A-Za-z0-9_]`.
pub(super) fn github(content: &[u8], start: usize, end: usize, out: &mut Vec<Hit>) {
    let prefix = exact(content, start, end);
    if before_is(content, start, |b| is_alnum(b) || b == b'_') {
        return;
    }
    let (len, want) = if prefix == b"github_pat_" {
        let n = run_len(content, end, 100, |b| is_alnum(b) || b == b'_');
        (n, 82)
    } else if matches!(prefix, b"ghp_" | b"gho_" | b"ghu_" | b"ghs_" | b"ghr_") {
        (run_len(content, end, 40, is_alnum), 36)
    } else {
        return;
    };
    let stop = end + len;
    if len == want && !content.get(stop).is_some_and(|&b| is_alnum(b) || b == b'_') {
        push(out, content, &rules::GITHUB_TOKEN, start, stop);
    }
}

/// `glpat-` (and deploy, runner, trigger prefixes) + at least 20 of `[A-Za-z0-9_.-]`.
pub(super) fn gitlab(content: &[u8], start: usize, end: usize, out: &mut Vec<Hit>) {
    if !matches!(
        exact(content, start, end),
        b"glpat-" | b"gldt-" | b"glrt-" | b"glptt-"
    ) || before_is(content, start, is_alnum)
    {
        return;
    }
    let len = run_len(content, end, 129, |b| {
        is_alnum(b) || matches!(b, b'_' | b'-' | b'.')
    });
    if (20..=128).contains(&len) {
        push(out, content, &rules::GITLAB_TOKEN, start, end + len);
    }
}

/// `xox[abprs]-` + `[A-Za-z0-9-]`, with a numeric segment of at least 8 digits (the
/// anchor is `xox`).
pub(super) fn slack(content: &[u8], start: usize, out: &mut Vec<Hit>) {
    let end = start + 5;
    let prefix = exact(content, start, end);
    if !matches!(prefix, b"xoxa-" | b"xoxb-" | b"xoxp-" | b"xoxr-" | b"xoxs-")
        || before_is(content, start, is_alnum)
    {
        return;
    }
    let len = run_len(content, end, 256, |b| is_alnum(b) || b == b'-');
    let body = content.get(end..end + len).unwrap_or_default();
    let numeric = body
        .split(|&b| b == b'-')
        .any(|seg| seg.len() >= 8 && seg.iter().all(u8::is_ascii_digit));
    if (20..=255).contains(&len) && numeric {
        push(out, content, &rules::SLACK_TOKEN, start, end + len);
    }
}

/// `hooks.slack.com/services/T…/B…/<secret>`; the path after `services/` is the secret.
pub(super) fn slack_webhook(content: &[u8], start: usize, end: usize, out: &mut Vec<Hit>) {
    if !exact(content, start, end).eq(b"hooks.slack.com/services/") {
        return;
    }
    let mut at = end;
    for (lead, min) in [(b'T', 8), (b'B', 8)] {
        if content.get(at) != Some(&lead) {
            return;
        }
        let n = run_len(content, at, 32, |b| {
            b.is_ascii_uppercase() || b.is_ascii_digit()
        });
        if n < min || content.get(at + n) != Some(&b'/') {
            return;
        }
        at += n + 1;
    }
    let n = run_len(content, at, 64, is_alnum);
    if n >= 20 {
        push(out, content, &rules::SLACK_WEBHOOK, end, at + n);
    }
}

/// `sk_live_`/`rk_live_` (and `_test_`) + at least 20 alphanumerics (the anchor is
/// `k_live_`/`k_test_`).
pub(super) fn stripe(content: &[u8], anchor: usize, end: usize, out: &mut Vec<Hit>) {
    let Some(start) = anchor.checked_sub(1) else {
        return;
    };
    let meta = match exact(content, start, end) {
        b"sk_live_" | b"rk_live_" => &rules::STRIPE_LIVE,
        b"sk_test_" | b"rk_test_" => &rules::STRIPE_TEST,
        _ => return,
    };
    if before_is(content, start, is_alnum) {
        return;
    }
    let len = run_len(content, end, 248, is_alnum);
    if (20..=247).contains(&len) && content.get(end + len).is_none_or(|&b| b != b'_') {
        push(out, content, meta, start, end + len);
    }
}

/// `pypi-AgEIcHlwaS5vcmc` + at least 50 base64url characters.
pub(super) fn pypi(content: &[u8], start: usize, end: usize, out: &mut Vec<Hit>) {
    if exact(content, start, end) != b"pypi-AgEIcHlwaS5vcmc" || before_is(content, start, is_alnum)
    {
        return;
    }
    let len = run_len(content, end, 4096, |b| {
        is_alnum(b) || b == b'-' || b == b'_'
    });
    if len >= 50 {
        push(out, content, &rules::PYPIRC, start, end + len);
    }
}
