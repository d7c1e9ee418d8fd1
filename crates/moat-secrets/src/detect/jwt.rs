//! JSON Web Tokens: three base64url segments whose header decodes to a JSON object with
//! an `alg`, and a signature of at least 16 characters.

use memchr::memmem;

use super::Hit;
use crate::rules;
use crate::text::{base64_decode, before_is, run_len};

/// Longest segment examined.
const MAX_SEGMENT: usize = 8192;

fn is_b64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

pub(super) fn jwt(content: &[u8], start: usize, out: &mut Vec<Hit>) {
    if content.get(start..start + 3) != Some(b"eyJ")
        || before_is(content, start, |b| {
            is_b64url(b) || b == b'.' || b == b'+' || b == b'/'
        })
    {
        return;
    }
    let mut segs = [(0usize, 0usize); 3];
    let mut at = start;
    for (i, seg) in segs.iter_mut().enumerate() {
        let n = run_len(content, at, MAX_SEGMENT + 1, is_b64url);
        if n > MAX_SEGMENT {
            return;
        }
        *seg = (at, at + n);
        at += n;
        if i < 2 {
            if content.get(at) != Some(&b'.') {
                return;
            }
            at += 1;
        }
    }
    let [(h0, h1), (p0, p1), (s0, s1)] = segs;
    if h1 - h0 < 10 || p1 - p0 < 4 || s1 - s0 < 16 {
        return;
    }
    let json = |a: usize, b: usize| {
        content
            .get(a..b)
            .and_then(|s| base64_decode(s, MAX_SEGMENT))
            .filter(|d| d.first() == Some(&b'{'))
    };
    let Some(header) = json(h0, h1) else {
        return;
    };
    if memmem::find(&header, b"\"alg\"").is_none() || json(p0, p1).is_none() {
        return;
    }
    out.push(Hit {
        meta: &rules::JWT,
        at: start,
        start,
        end: s1,
    });
}
