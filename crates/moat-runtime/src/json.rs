//! Lazily parsed JSON objects shared by the event sources: an event line is split into
//! its top-level members, kept as raw JSON text and parsed on first use; JSON pointers
//! are walked without allocating.

use std::borrow::Cow;
use std::cell::OnceCell;

use serde_json::Value;

use crate::rawjson::{MemberSpan, scan_object, string};

/// One member of an event object: its raw JSON text, parsed on first use, so that
/// large members (`requestObject`, `responseObject`) cost nothing unless a rule reads them.
#[derive(Debug)]
pub(crate) struct Member<'a> {
    pub(crate) key: Cow<'a, str>,
    pub(crate) raw: &'a str,
    pub(crate) parsed: OnceCell<Value>,
}

/// The members of a JSON object, unparsed; `None` when `raw` is valid JSON but not an
/// object.
pub(crate) fn object_members(raw: &str) -> Result<Option<Vec<Member<'_>>>, String> {
    let mut spans: Vec<MemberSpan> = Vec::new();
    if !scan_object(raw, &mut spans).map_err(crate::rawjson::SyntaxError::message)? {
        return Ok(None);
    }
    Ok(Some(
        spans
            .iter()
            .map(|m| {
                let key = if m.key_escaped {
                    raw.get(m.key.start - 1..=m.key.end)
                        .and_then(string)
                        .unwrap_or_default()
                } else {
                    Cow::Borrowed(raw.get(m.key.clone()).unwrap_or_default())
                };
                Member {
                    key,
                    raw: raw.get(m.value.clone()).unwrap_or_default(),
                    parsed: OnceCell::new(),
                }
            })
            .collect(),
    ))
}

/// A member's value, parsed on first use (`None` when absent; invalid JSON is `null`).
pub(crate) fn member<'m>(members: &'m [Member<'_>], key: &str) -> Option<&'m Value> {
    // The last occurrence of a repeated key wins, as in serde_json.
    let m = members.iter().rev().find(|m| m.key == key)?;
    Some(
        m.parsed
            .get_or_init(|| serde_json::from_str(m.raw).unwrap_or(Value::Null)),
    )
}

/// RFC 6901 JSON pointer lookup without allocating (`~1` is `/`, `~0` is `~`).
pub fn pointer<'v>(root: &'v Value, ptr: &str) -> Option<&'v Value> {
    if ptr.is_empty() {
        return Some(root);
    }
    let rest = ptr.strip_prefix('/')?;
    let mut cur = root;
    for token in rest.split('/') {
        cur = match cur {
            Value::Object(map) => {
                if token.contains('~') {
                    map.iter()
                        .find(|(k, _)| token_eq(token, k))
                        .map(|(_, v)| v)?
                } else {
                    map.get(token)?
                }
            }
            Value::Array(items) => {
                if token.starts_with('+') || (token.len() > 1 && token.starts_with('0')) {
                    return None;
                }
                items.get(token.parse::<usize>().ok()?)?
            }
            _ => return None,
        };
    }
    Some(cur)
}

/// Whether an escaped pointer token names `key`.
pub(crate) fn token_eq(token: &str, key: &str) -> bool {
    let mut t = token.bytes();
    let mut k = key.bytes();
    loop {
        match (t.next(), k.next()) {
            (None, None) => return true,
            (Some(b'~'), Some(kc)) => match t.next() {
                Some(b'0') if kc == b'~' => {}
                Some(b'1') if kc == b'/' => {}
                _ => return false,
            },
            (Some(tc), Some(kc)) if tc == kc => {}
            _ => return false,
        }
    }
}
