//! Lazily parsed JSON objects shared by the event sources: an event line is split into
//! its top-level members, kept as raw JSON text and parsed on first use; JSON pointers
//! are walked without allocating.

use std::borrow::Cow;
use std::cell::OnceCell;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

/// One member of an event object: its raw JSON text, parsed on first use, so that
/// large members (`requestObject`, `responseObject`) cost nothing unless a rule reads them.
#[derive(Debug)]
pub(crate) struct Member<'a> {
    pub(crate) key: Cow<'a, str>,
    pub(crate) raw: &'a RawValue,
    pub(crate) parsed: OnceCell<Value>,
}

/// A top-level object key (borrowed unless it has escapes).
#[derive(Deserialize)]
struct Key<'a>(#[serde(borrow)] Cow<'a, str>);

/// The members of a JSON object, unparsed; `None` when `raw` is not an object.
pub(crate) fn object_members(raw: &str) -> Result<Option<Vec<Member<'_>>>, String> {
    let trimmed = raw.trim_start();
    if !trimmed.starts_with('{') {
        // Valid JSON that is not an object is not an audit event.
        return serde_json::from_str::<&RawValue>(raw)
            .map(|_| None)
            .map_err(|e| format!("invalid JSON: {e}"));
    }
    let pairs: Vec<(Key<'_>, &RawValue)> = serde_json::from_str::<OrderedPairs<'_>>(raw)
        .map(|p| p.0)
        .map_err(|e| format!("invalid JSON: {e}"))?;
    Ok(Some(
        pairs
            .into_iter()
            .map(|(k, raw)| Member {
                key: k.0,
                raw,
                parsed: OnceCell::new(),
            })
            .collect(),
    ))
}

/// An object's members in order, values left as raw JSON.
struct OrderedPairs<'a>(Vec<(Key<'a>, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for OrderedPairs<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
            type Value = OrderedPairs<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut m: M,
            ) -> Result<Self::Value, M::Error> {
                let mut out = Vec::with_capacity(m.size_hint().unwrap_or(16));
                while let Some(pair) = m.next_entry::<Key<'a>, &'a RawValue>()? {
                    out.push(pair);
                }
                Ok(OrderedPairs(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// A member's value, parsed on first use (`None` when absent; invalid JSON is `null`).
pub(crate) fn member<'m>(members: &'m [Member<'_>], key: &str) -> Option<&'m Value> {
    // The last occurrence of a repeated key wins, as in serde_json.
    let m = members.iter().rev().find(|m| m.key == key)?;
    Some(
        m.parsed
            .get_or_init(|| serde_json::from_str(m.raw.get()).unwrap_or(Value::Null)),
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
