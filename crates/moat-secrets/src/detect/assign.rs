//! Key/value assignments around a secret-like word: `KEY = value`, `key: value`,
//! `"key": "value"`, `key := value`, `key => value`. The key and the file decide the
//! rule: `.npmrc` auth entries, `.pypirc` passwords, kubeconfig credentials, Docker
//! `auth` entries, AWS secret access keys, and otherwise the generic high-entropy rule.

use super::{FileCtx, Hit, contains_any, placeholder};
use crate::rules;
use crate::text::{base64_decode, entropy, is_alnum};

/// Longest key and value considered.
const MAX_KEY: usize = 96;
const MAX_VALUE: usize = 4096;
/// Length bounds of a generic secret value.
const GENERIC_MIN: usize = 10;
const GENERIC_MAX: usize = 256;

/// Key words that make a key secret-like.
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "credential",
    "credentials",
    "privatekey",
    "accesskey",
];
/// Words that qualify a following `key` as a secret key (`api_key`, `signing-key`).
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
    "account",
    "auth",
    "service",
];
/// Last key words that make the value a reference or a parameter, not the secret itself.
const NOT_SECRET: &[&str] = &[
    "name",
    "file",
    "path",
    "dir",
    "url",
    "uri",
    "id",
    "type",
    "ref",
    "length",
    "size",
    "user",
    "username",
    "host",
    "port",
    "endpoint",
    "method",
    "mode",
    "version",
    "header",
    "prefix",
    "suffix",
    "env",
    "var",
    "field",
    "policy",
    "provider",
    "config",
    "store",
    "hash",
    "ttl",
    "timeout",
    "seconds",
    "expiry",
    "expires",
    "count",
    "enabled",
    "required",
    "format",
    "pattern",
    "regex",
    "namespace",
    "mount",
    "volume",
    "source",
    "kind",
    "label",
    "selector",
    "class",
    "template",
    "filename",
    "location",
    "lifetime",
    "duration",
    "audience",
    "issuer",
    "min",
    "max",
    "policy",
    "rotation",
    "algorithm",
    "alg",
    "scope",
    "scopes",
    "public",
    "encryption",
    "strength",
    "complexity",
];
/// Extra placeholder words for generic values (`my-secret-password`, `your_token_here`).
const GENERIC_PLACEHOLDERS: &[&str] = &[
    "your",
    "insert",
    "replace",
    "secret",
    "password",
    "passw0rd",
    "token",
    "test",
    "mock",
    "default",
    "todo",
    "123456",
    "abcdef",
    "qwerty",
    "none",
    "null",
    "undefined",
    "0000",
    // RFC 6749's example access and refresh tokens, quoted by every OAuth library.
    "2YotnFZFEjr1zCsicMWpAA",
    "tGzv3JOkF0XG5Qx2TlKWIA",
];
/// Value prefixes another detector reports with its own rule.
const SPECIFIC_PREFIXES: &[&str] = &[
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "gldt-",
    "glrt-",
    "glptt-",
    "xox",
    "sk_live_",
    "rk_live_",
    "sk_test_",
    "rk_test_",
    "eyJ",
    "AKIA",
    "ASIA",
    "ABIA",
    "ACCA",
    "pypi-",
    "-----BEGIN",
    "https://hooks.slack.com",
];

fn is_key_char(b: u8) -> bool {
    is_alnum(b) || matches!(b, b'_' | b'-' | b'.' | b'/')
}

/// Words that anywhere in a key make its value a digest or public data
/// (`checksum/secret`, `token_sha256`, `publicKey`).
const DIGEST_WORDS: &[&str] = &[
    "checksum",
    "hash",
    "digest",
    "sha",
    "sha1",
    "sha256",
    "sha512",
    "md5",
    "fingerprint",
    "public",
    "encrypted",
    "sealed",
];

/// Splits a key into lower-case words at `_ - .` and camelCase boundaries; calls `f` on
/// each (at most 16).
fn words(key: &[u8], mut f: impl FnMut(&[u8])) {
    let mut buf = [0u8; MAX_KEY];
    let mut n = 0;
    let mut count = 0;
    let mut prev_lower = false;
    let mut flush = |buf: &[u8], n: &mut usize, count: &mut usize| {
        if *n > 0 && *count < 16 {
            f(buf.get(..*n).unwrap_or_default());
            *count += 1;
        }
        *n = 0;
    };
    for &b in key.iter().take(MAX_KEY) {
        if matches!(b, b'_' | b'-' | b'.' | b'/') {
            flush(&buf, &mut n, &mut count);
            prev_lower = false;
            continue;
        }
        if b.is_ascii_uppercase() && prev_lower {
            flush(&buf, &mut n, &mut count);
        }
        prev_lower = b.is_ascii_lowercase() || b.is_ascii_digit();
        if let Some(slot) = buf.get_mut(n) {
            *slot = b.to_ascii_lowercase();
            n += 1;
        }
    }
    flush(&buf, &mut n, &mut count);
}

fn is_one_of(w: &[u8], list: &[&str]) -> bool {
    list.iter().any(|s| s.as_bytes() == w)
}

/// Whether a key names a secret (`DB_PASSWORD`, `clientSecret`, `api-key`), but not a
/// reference to one (`secretName`, `password_file`, `tokenUrl`).
fn secret_key(key: &[u8]) -> bool {
    let mut found = false;
    let mut last_not_secret = false;
    let mut prev_qualifies = false;
    let mut digest = false;
    words(key, |w| {
        digest |= is_one_of(w, DIGEST_WORDS);
        if is_one_of(w, SECRET_WORDS) || (w == b"key" && prev_qualifies) {
            found = true;
        }
        prev_qualifies = is_one_of(w, KEY_QUALIFIERS);
        last_not_secret = is_one_of(w, NOT_SECRET);
    });
    found && !last_not_secret && !digest
}

/// A parsed `key <sep> value`.
struct Assignment {
    key: (usize, usize),
    value: (usize, usize),
    quoted: bool,
}

/// Parses the assignment whose key contains the anchor `start..end`.
fn parse(content: &[u8], start: usize, end: usize) -> Option<Assignment> {
    let back = content
        .get(start.saturating_sub(MAX_KEY)..start)?
        .iter()
        .rev()
        .take_while(|&&b| is_key_char(b))
        .count();
    let k0 = start - back;
    let k1 = end
        + content
            .get(end..)?
            .iter()
            .take(MAX_KEY)
            .take_while(|&&b| is_key_char(b))
            .count();
    let mut i = k1;
    let at = |i: usize| content.get(i).copied();
    if matches!(at(i), Some(b'"' | b'\'')) {
        i += 1;
    }
    while matches!(at(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    match (at(i), at(i + 1)) {
        (Some(b':'), Some(b'=')) | (Some(b'='), Some(b'>')) => i += 2,
        (Some(b'='), Some(b'=' | b'~')) => return None,
        (Some(b'='), _) | (Some(b':'), Some(b' ' | b'\t' | b'"' | b'\'')) => i += 1,
        _ => return None,
    }
    while matches!(at(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    let (v0, v1, quoted) = if let Some(q @ (b'"' | b'\'')) = at(i) {
        let rest = content.get(i + 1..)?;
        let len = rest
            .iter()
            .take(MAX_VALUE)
            .position(|&b| b == q || b == b'\n')?;
        if rest.get(len) != Some(&q) || (len > 0 && rest.get(len - 1) == Some(&b'\\')) {
            return None;
        }
        (i + 1, i + 1 + len, true)
    } else {
        {
            let rest = content.get(i..)?;
            let len = rest
                .iter()
                .take(MAX_VALUE)
                .take_while(|&&b| {
                    !matches!(
                        b,
                        b' ' | b'\t' | b'\r' | b'\n' | b',' | b';' | b'}' | b')' | b']'
                    )
                })
                .count();
            (i, i + len, false)
        }
    };
    Some(Assignment {
        key: (k0, k1),
        value: (v0, v1),
        quoted,
    })
}

/// Whether the value is an expression, a reference or a path rather than a literal.
fn not_literal(v: &[u8], quoted: bool) -> bool {
    let has = |set: &[u8]| v.iter().any(|b| set.contains(b));
    if has(b"$<>{}()[]%\\`| ")
        || v.first()
            .is_some_and(|b| matches!(b, b'/' | b'.' | b'~' | b'#' | b'&' | b'*' | b'!' | b'@'))
    {
        return true;
    }
    if memchr::memmem::find(v, b"://").is_some() {
        return true;
    }
    // `self.password`, `config.api.token`: a dotted identifier in code.
    if !quoted && v.contains(&b'.') {
        return v.split(|&b| b == b'.').all(|p| {
            p.len() <= 32
                && p.first()
                    .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
                && p.iter().all(|&b| is_alnum(b) || b == b'_')
        });
    }
    false
}

/// Whether the line holding `at` mentions `example` (documentation such as
/// `http://example.com/cb#access_token=…`).
fn example_line(content: &[u8], at: usize) -> bool {
    let start = crate::text::line_start(content, at);
    let end = memchr::memchr(b'\n', content.get(at..).unwrap_or_default())
        .map_or(content.len(), |i| at + i);
    contains_any(content.get(start..end).unwrap_or_default(), &["example"])
}

/// `user:password` in base64, as Docker's `auth` stores it.
fn docker_auth(v: &[u8]) -> bool {
    base64_decode(v, 1024).is_some_and(|d| {
        let colon = d.iter().position(|&b| b == b':');
        colon.is_some_and(|c| c > 0 && c + 1 < d.len())
            && d.iter().all(|b| b.is_ascii_graphic() || *b == b' ')
    })
}

/// Reports the assignment around `start..end` if it holds a secret; returns where its
/// key ends (0 when there is no assignment).
pub(super) fn assignment(
    cx: &mut FileCtx<'_>,
    start: usize,
    end: usize,
    out: &mut Vec<Hit>,
) -> usize {
    let content = cx.content;
    let Some(a) = parse(content, start, end) else {
        return 0;
    };
    check(cx, &a, out);
    a.key.1
}

fn check(cx: &FileCtx<'_>, a: &Assignment, out: &mut Vec<Hit>) {
    let content = cx.content;
    let key = content.get(a.key.0..a.key.1).unwrap_or_default();
    let value = content.get(a.value.0..a.value.1).unwrap_or_default();
    if value.is_empty() {
        return;
    }
    let report = |meta: &'static moat_core::CheckMeta, out: &mut Vec<Hit>| {
        out.push(Hit {
            meta,
            at: a.value.0,
            start: a.value.0,
            end: a.value.1,
        });
    };
    let literal = !not_literal(value, a.quoted) && !placeholder(value);
    let lower_is = |k: &str| key.eq_ignore_ascii_case(k.as_bytes());
    // .npmrc: `//registry/:_authToken=…`, `_auth=…`, `_password=…`.
    if lower_is("_authToken") || lower_is("_auth") || lower_is("_password") {
        if literal && value.len() >= 8 {
            report(&rules::NPMRC, out);
        }
        return;
    }
    if lower_is("client-key-data") {
        if value.len() >= 64
            && value
                .iter()
                .all(|&b| crate::text::is_base64(b) || b == b'=')
        {
            report(&rules::KUBECONFIG, out);
        }
        return;
    }
    if (lower_is("token") || lower_is("password")) && cx.is_kubeconfig() {
        if literal && value.len() >= 8 {
            report(&rules::KUBECONFIG, out);
        }
        return;
    }
    if lower_is("password") && cx.is_pypirc() {
        if literal && value.len() >= 6 {
            report(&rules::PYPIRC, out);
        }
        return;
    }
    if lower_is("auth") {
        if a.quoted && docker_auth(value) {
            report(&rules::DOCKER_AUTH, out);
        }
        return;
    }
    if !secret_key(key) || !literal {
        return;
    }
    if SPECIFIC_PREFIXES
        .iter()
        .any(|p| value.starts_with(p.as_bytes()))
    {
        return;
    }
    let mut aws = (false, false, false);
    words(key, |w| match w {
        b"aws" => aws.0 = true,
        b"secret" | b"secretaccesskey" => aws.1 = true,
        b"access" => aws.2 = true,
        _ => {}
    });
    let aws_secret = aws.1 && (aws.0 || aws.2);
    if aws_secret
        && value.len() == 40
        && value.iter().all(|&b| is_alnum(b) || b == b'/' || b == b'+')
    {
        report(&rules::AWS_SECRET_ACCESS_KEY, out);
        return;
    }
    let letters = value.iter().any(u8::is_ascii_alphabetic);
    let digits = value.iter().any(u8::is_ascii_digit);
    if (GENERIC_MIN..=GENERIC_MAX).contains(&value.len())
        && letters
        && digits
        && !contains_any(value, GENERIC_PLACEHOLDERS)
        && entropy(value) >= cx.entropy
        && !example_line(content, a.value.0)
    {
        report(&rules::GENERIC, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys() {
        for k in [
            "DB_PASSWORD",
            "clientSecret",
            "api-key",
            "AWS_SECRET_ACCESS_KEY",
            "token",
            "x.auth.token",
            "SigningKey",
        ] {
            assert!(secret_key(k.as_bytes()), "{k}");
        }
        for k in [
            "secretName",
            "password_file",
            "tokenUrl",
            "author",
            "key",
            "publicKey",
            "secretKeyRef",
            "TOKEN_PATH",
            "checksum/secret",
            "password_sha256",
        ] {
            assert!(!secret_key(k.as_bytes()), "{k}");
        }
    }

    #[test]
    fn parses_forms() {
        for (text, want) in [
            ("API_TOKEN=abc123", "abc123"),
            ("password: \"p4ss w\"", "p4ss w"),
            ("\"secret\":\"v1\"", "v1"),
            ("token := x9, y", "x9"),
            ("'api_key' => 'k'", "k"),
        ] {
            let at = text
                .to_ascii_lowercase()
                .find(|c: char| c.is_ascii_alphabetic())
                .unwrap();
            let a = parse(text.as_bytes(), at, at + 1).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(&text[a.value.0..a.value.1], want, "{text}");
        }
        assert!(parse(b"if token == x", 3, 8).is_none());
        assert!(parse(b"token(x)", 0, 5).is_none());
    }

    #[test]
    fn literals() {
        assert!(not_literal(b"${TOKEN}", false));
        assert!(not_literal(b"self.password", false));
        assert!(not_literal(b"/etc/secret", true));
        assert!(!not_literal(b"a8Kz03Qm.Xr2Lp9d", true));
        assert!(!not_literal(b"a8Kz03QmXr2Lp9d", false));
    }
}
