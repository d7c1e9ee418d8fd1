//! Byte-level helpers shared by the detectors: character classes, Shannon entropy,
//! base64 decoding, redaction and offset → line/column conversion.

/// Characters kept visible by [`redact`].
pub const VISIBLE: usize = 4;
/// Most `*` a redacted value shows (the length of long secrets is not revealed exactly).
const MAX_STARS: usize = 16;

/// `[A-Za-z0-9]`.
pub fn is_alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// Characters of a standard or URL-safe base64 alphabet (without padding).
pub fn is_base64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

/// Whether the byte before `at` (if any) satisfies `f`.
pub fn before_is(content: &[u8], at: usize, f: impl Fn(u8) -> bool) -> bool {
    at.checked_sub(1)
        .and_then(|i| content.get(i))
        .is_some_and(|&b| f(b))
}

/// Length of the run of bytes satisfying `f` starting at `from`, at most `max`.
pub fn run_len(content: &[u8], from: usize, max: usize, f: impl Fn(u8) -> bool) -> usize {
    content
        .get(from..)
        .unwrap_or_default()
        .iter()
        .take(max)
        .take_while(|&&b| f(b))
        .count()
}

/// Shannon entropy of `s` in bits per byte.
pub fn entropy(s: &[u8]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in s {
        if let Some(c) = counts.get_mut(usize::from(b)) {
            *c += 1;
        }
    }
    let n = f64::from(u32::try_from(s.len()).unwrap_or(u32::MAX));
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

fn b64_value(b: u8) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}

/// Decodes standard or URL-safe base64, padded or not; `None` on any other character or
/// an impossible length. At most `max` input bytes are accepted.
pub fn base64_decode(s: &[u8], max: usize) -> Option<Vec<u8>> {
    let s = s.strip_suffix(b"==").or(s.strip_suffix(b"=")).unwrap_or(s);
    if s.len() > max || s.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() / 4 * 3 + 2);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for &b in s {
        acc = (acc << 6) | u32::from(b64_value(b)?);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// The first four characters of `secret`, then one `*` per remaining character
/// (at most 16). Never returns more than four characters of the input.
pub fn redact(secret: &[u8]) -> String {
    let text = String::from_utf8_lossy(secret);
    let mut out: String = text.chars().take(VISIBLE).collect();
    let rest = text.chars().count().saturating_sub(VISIBLE);
    out.extend(std::iter::repeat_n('*', rest.clamp(1, MAX_STARS)));
    out
}

/// Converts increasing byte offsets into 1-based lines and columns with one forward pass.
pub struct LineIndex<'a> {
    content: &'a [u8],
    /// Offset up to which newlines have been counted.
    pos: usize,
    /// Line number at `pos`.
    line: u32,
    /// Offset where that line starts.
    line_start: usize,
}

impl<'a> LineIndex<'a> {
    /// Starts at the beginning of `content`.
    pub fn new(content: &'a [u8]) -> Self {
        LineIndex {
            content,
            pos: 0,
            line: 1,
            line_start: 0,
        }
    }

    /// Line and column (1-based, in characters) of `offset`. Offsets may go backwards;
    /// then counting restarts from the top.
    pub fn locate(&mut self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.content.len());
        if offset < self.pos {
            *self = LineIndex::new(self.content);
        }
        let span = self.content.get(self.pos..offset).unwrap_or_default();
        // A plain count vectorises; iterating newline by newline would cost per line.
        let newlines = count_newlines(span);
        if newlines > 0 {
            self.line = self
                .line
                .saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
            self.line_start = line_start(self.content, offset);
        }
        self.pos = offset;
        let col_bytes = self
            .content
            .get(self.line_start..offset)
            .unwrap_or_default();
        let chars = col_bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count();
        (
            self.line,
            u32::try_from(chars).unwrap_or(u32::MAX).saturating_add(1),
        )
    }
}

/// Number of `\n` in `s`, counted in chunks of 255 with byte-wide accumulators so the
/// loop vectorises 16 or 32 bytes at a time.
pub fn count_newlines(s: &[u8]) -> usize {
    s.chunks(255)
        .map(|c| {
            usize::from(
                c.iter()
                    .fold(0u8, |n, &b| n.wrapping_add(u8::from(b == b'\n'))),
            )
        })
        .sum()
}

/// Start of the line holding `at`.
pub fn line_start(content: &[u8], at: usize) -> usize {
    memchr::memrchr(b'\n', content.get(..at).unwrap_or_default()).map_or(0, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        assert_eq!(base64_decode(b"dXNlcjpwYXNz", 100).unwrap(), b"user:pass");
        assert_eq!(base64_decode(b"dXNlcjpwYXM=", 100).unwrap(), b"user:pas");
        assert_eq!(base64_decode(b"dXNlcjpwYXM", 100).unwrap(), b"user:pas");
        assert!(base64_decode(b"a", 100).is_none());
        assert!(base64_decode(b"ab!c", 100).is_none());
    }

    #[test]
    fn redaction_keeps_four() {
        assert_eq!(redact(b"ghp_abcdef"), "ghp_******");
        assert_eq!(redact(b"abc"), "abc*");
        assert_eq!(redact("ééééé".as_bytes()), "éééé*");
        assert_eq!(redact(&[b'x'; 100]).len(), 4 + 16);
    }

    #[test]
    fn lines_and_columns() {
        let text = b"ab\ncd\n\xc3\xa9x";
        let mut idx = LineIndex::new(text);
        assert_eq!(idx.locate(0), (1, 1));
        assert_eq!(idx.locate(4), (2, 2));
        assert_eq!(idx.locate(8), (3, 2));
        assert_eq!(idx.locate(1), (1, 2));
    }

    #[test]
    fn counts_newlines() {
        let text: Vec<u8> = (0..2000u32)
            .map(|i| if i % 7 == 0 { b'\n' } else { b'a' })
            .collect();
        assert_eq!(count_newlines(&text), 286);
        assert_eq!(count_newlines(b""), 0);
    }

    #[test]
    fn entropy_orders() {
        assert!(entropy(b"aaaaaaaa") < 0.1);
        assert!(entropy(b"a8Kz03Qm+Xr2Lp9d") > 3.5);
    }
}
