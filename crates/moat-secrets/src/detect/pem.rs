//! PEM private keys (`-----BEGIN … PRIVATE KEY-----` with a body), OpenSSH private keys,
//! and GCP service-account key files (JSON with `"type": "service_account"` and a
//! `private_key`).

use memchr::memmem;

use super::{FileCtx, Hit};
use crate::rules;
use crate::text::line_start;

const BEGIN: &[u8] = b"-----BEGIN ";
/// Base64 of `openssh-key-v1`, how every OpenSSH private key body starts.
const OPENSSH_MAGIC: &[u8] = b"b3BlbnNzaC1rZXktdjE";
/// Fewest base64 characters accepted as a key body (a header with `...` is not a key).
const MIN_BODY: usize = 64;
/// Most header lines (`Proc-Type:`, `DEK-Info:`) skipped before the body.
const MAX_HEADERS: usize = 4;

/// The body of a PEM block whose `BEGIN` line ends at `from`: base64 across real or
/// escaped (`\n`, as in JSON strings) line breaks, up to `-----END`. Returns its span.
fn body(content: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut i = from;
    let mut start = None;
    let mut last = from;
    let mut chars = 0usize;
    let mut headers = 0;
    while let Some(&b) = content.get(i) {
        if b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=') {
            // A `Name: value` header line before the body.
            if start.is_none() && is_header_line(content, i) {
                headers += 1;
                if headers > MAX_HEADERS {
                    return None;
                }
                i = memchr::memchr(b'\n', content.get(i..)?).map_or(content.len(), |n| i + n + 1);
                continue;
            }
            start.get_or_insert(i);
            chars += 1;
            i += 1;
            last = i;
        } else if matches!(b, b'\n' | b'\r' | b' ' | b'\t') {
            i += 1;
        } else if b == b'\\' && matches!(content.get(i + 1), Some(b'n' | b'r')) {
            i += 2;
        } else {
            break;
        }
    }
    let end_marker = content
        .get(i..)
        .is_some_and(|rest| rest.starts_with(b"-----END"));
    (chars >= MIN_BODY && end_marker).then_some((start?, last))
}

/// Whether the line at `i` is a header such as `Proc-Type: 4,ENCRYPTED` (a name, then a
/// colon; base64 never has one).
fn is_header_line(content: &[u8], i: usize) -> bool {
    let rest = content.get(i..).unwrap_or_default();
    let name = rest
        .iter()
        .take(64)
        .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'-')
        .count();
    name > 0 && rest.get(name) == Some(&b':')
}

/// `-----BEGIN <LABEL >PRIVATE KEY-----` ending at `end` (the anchor is `start..end`):
/// the offset of `-----BEGIN` and whether it is an OpenSSH key.
fn begin(content: &[u8], start: usize, end: usize) -> Option<(usize, bool)> {
    if content.get(start..end)? != b"PRIVATE KEY-----" {
        return None;
    }
    let from = start.saturating_sub(48).max(line_start(content, start));
    let window = content.get(from..start)?;
    let pos = memmem::rfind(window, BEGIN)?;
    let label = window.get(pos + BEGIN.len()..)?;
    if !label
        .iter()
        .all(|&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ')
    {
        return None;
    }
    Some((from + pos, label == b"OPENSSH "))
}

pub(super) fn pem(content: &[u8], start: usize, end: usize, out: &mut Vec<Hit>) {
    let Some((at, openssh)) = begin(content, start, end) else {
        return;
    };
    let Some((b0, b1)) = body(content, end) else {
        return;
    };
    if openssh
        && !content
            .get(b0..)
            .is_some_and(|s| s.starts_with(OPENSSH_MAGIC))
    {
        return;
    }
    out.push(Hit {
        meta: if openssh {
            &rules::OPENSSH_KEY
        } else {
            &rules::PRIVATE_KEY
        },
        at,
        start: b0,
        end: b1,
    });
}

/// `"type": "service_account"` in a file that also has a `"private_key"` with a PEM body;
/// reported at the private key (once per file).
pub(super) fn gcp(cx: &mut FileCtx<'_>, start: usize, out: &mut Vec<Hit>) {
    let content = cx.content;
    if cx.gcp_done || content.get(start.saturating_sub(1)) != Some(&b'"') {
        return;
    }
    let line = content
        .get(line_start(content, start)..start)
        .unwrap_or_default();
    if memmem::find(line, b"\"type\"").is_none() {
        return;
    }
    cx.gcp_done = true;
    let Some(key) = memmem::find(content, b"\"private_key\"") else {
        return;
    };
    let after = key + b"\"private_key\"".len();
    let rest = content.get(after..).unwrap_or_default();
    let skip = rest
        .iter()
        .take_while(|&&b| matches!(b, b' ' | b'\t' | b':'))
        .count();
    let value = after + skip + 1;
    if rest.get(skip) != Some(&b'"') || !content.get(value..).is_some_and(|v| v.starts_with(BEGIN))
    {
        return;
    }
    let Some(anchor) = memmem::find(
        content.get(value..).unwrap_or_default(),
        b"PRIVATE KEY-----",
    ) else {
        return;
    };
    let anchor_end = value + anchor + b"PRIVATE KEY-----".len();
    if let Some((b0, b1)) = body(content, anchor_end) {
        out.push(Hit {
            meta: &rules::GCP_SERVICE_ACCOUNT,
            at: key,
            start: b0,
            end: b1,
        });
    }
}
