//! Evaluation of compiled conditions against an event. Events hand out field values by
//! visiting them (borrowed, no allocation); only transformers build new strings.

use std::borrow::Cow;

use crate::ast::{Op, Transformer};
use crate::fields::ResolvedField;
use crate::program::{CField, CRhs, Check, Cond};

/// One value of a field.
#[derive(Clone, Debug, PartialEq)]
pub enum Val<'a> {
    /// Text.
    Str(Cow<'a, str>),
    /// Integer.
    Num(i64),
    /// Boolean.
    Bool(bool),
}

impl Val<'_> {
    /// The value as text (numbers and booleans formatted).
    pub fn to_text(&self) -> Cow<'_, str> {
        match self {
            Val::Str(s) => Cow::Borrowed(s),
            Val::Num(n) => Cow::Owned(n.to_string()),
            Val::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        }
    }
}

/// An event the engine can evaluate rules against.
pub trait Event {
    /// The event type (`execve`; for `k8s_audit` events, the verb), by which the engine
    /// indexes rules: `None` makes the event meet every rule of its source.
    fn event_type(&self) -> Option<&str> {
        None
    }

    /// Calls `f` with each value of `field` (none when the field is absent), stopping
    /// early when `f` returns `true`.
    fn visit(&self, field: &ResolvedField, f: &mut dyn FnMut(Val<'_>) -> bool);
}

/// Whether `cond` holds for `ev`. `cache` memoises comparisons by [`Check::id`] for one
/// event (0 unknown, 1 false, 2 true): clear it (all zeros) before each new event; a
/// comparison whose id is beyond its end is simply not memoised.
pub fn eval(cond: &Cond, ev: &dyn Event, cache: &mut [u8]) -> bool {
    match cond {
        Cond::True => true,
        Cond::False => false,
        Cond::And(items) => items.iter().all(|c| eval(c, ev, cache)),
        Cond::Or(items) => items.iter().any(|c| eval(c, ev, cache)),
        Cond::Not(c) => !eval(c, ev, cache),
        Cond::Check(c) => {
            let slot = usize::try_from(c.id).ok().and_then(|i| cache.get_mut(i));
            match slot {
                Some(s) if *s != 0 => *s == 2,
                Some(s) => {
                    let r = eval_check(c, ev);
                    *s = 1 + u8::from(r);
                    r
                }
                None => eval_check(c, ev),
            }
        }
    }
}

/// Visits the values of a field after its transformers.
pub fn visit_cfield(f: &CField, ev: &dyn Event, cb: &mut dyn FnMut(Val<'_>) -> bool) {
    if f.transforms.is_empty() {
        return ev.visit(&f.field, cb);
    }
    if f.field.list && f.transforms.first() == Some(&Transformer::Len) {
        let mut n = 0i64;
        ev.visit(&f.field, &mut |_| {
            n += 1;
            false
        });
        let mut v = Val::Num(n);
        for t in f.transforms.iter().skip(1) {
            v = transform(*t, v);
        }
        cb(v);
        return;
    }
    ev.visit(&f.field, &mut |v| {
        let mut v = v;
        for t in &f.transforms {
            v = transform(*t, v);
        }
        cb(v)
    });
}

fn transform(t: Transformer, v: Val<'_>) -> Val<'_> {
    match (t, v) {
        (Transformer::Len, Val::Str(s)) => Val::Num(i64::try_from(s.len()).unwrap_or(i64::MAX)),
        (Transformer::ToLower, Val::Str(s)) => Val::Str(Cow::Owned(s.to_lowercase())),
        (Transformer::ToUpper, Val::Str(s)) => Val::Str(Cow::Owned(s.to_uppercase())),
        (Transformer::Basename, Val::Str(s)) => match s {
            Cow::Borrowed(b) => Val::Str(Cow::Borrowed(basename(b))),
            Cow::Owned(o) => Val::Str(Cow::Owned(basename(&o).to_string())),
        },
        (Transformer::B64, Val::Str(s)) => match crate::b64::decode(&s) {
            Some(d) => Val::Str(Cow::Owned(String::from_utf8_lossy(&d).into_owned())),
            None => Val::Str(s),
        },
        (_, v) => v,
    }
}

fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

fn eval_check(c: &Check, ev: &dyn Event) -> bool {
    if c.op == Op::Exists {
        let mut any = false;
        visit_cfield(&c.lhs, ev, &mut |_| {
            any = true;
            true
        });
        return any;
    }
    if let CRhs::Field(rf) = &c.rhs {
        let mut rhs_vals: Vec<String> = Vec::new();
        visit_cfield(rf, ev, &mut |v| {
            rhs_vals.push(v.to_text().into_owned());
            false
        });
        if rhs_vals.is_empty() {
            return false;
        }
        let mut hit = false;
        visit_cfield(&c.lhs, ev, &mut |v| {
            let t = v.to_text();
            hit = rhs_vals.iter().any(|r| compare_text(c.op, &t, r));
            hit
        });
        return hit;
    }
    if c.op == Op::Ne && matches!(c.rhs, CRhs::Nets(_)) {
        // An address field is unequal when none of its values (client and server for
        // `fd.net`/`fd.ip`) lies in the networks.
        let (mut seen, mut inside) = (false, false);
        visit_cfield(&c.lhs, ev, &mut |v| {
            seen = true;
            inside = matches_value(Op::Eq, &c.rhs, &v);
            inside
        });
        return seen && !inside;
    }
    if c.lhs.field.list && c.op == Op::In {
        // Every value of a list field must be in the set (and there must be one).
        let mut seen = false;
        let mut all = true;
        visit_cfield(&c.lhs, ev, &mut |v| {
            seen = true;
            if !matches_value(c.op, &c.rhs, &v) {
                all = false;
                return true;
            }
            false
        });
        return seen && all;
    }
    let mut hit = false;
    visit_cfield(&c.lhs, ev, &mut |v| {
        hit = matches_value(c.op, &c.rhs, &v);
        hit
    });
    hit
}

fn compare_text(op: Op, a: &str, b: &str) -> bool {
    match op {
        Op::Eq | Op::In | Op::Intersects => a == b,
        Op::Ne => a != b,
        Op::IContains => a.to_lowercase().contains(&b.to_lowercase()),
        Op::StartsWith | Op::BStartsWith => a.starts_with(b),
        Op::EndsWith => a.ends_with(b),
        Op::Contains | Op::BContains => a.contains(b),
        Op::Lt | Op::Le | Op::Gt | Op::Ge => match (a.parse::<i64>(), b.parse::<i64>()) {
            (Ok(x), Ok(y)) => cmp_num(op, x, y),
            _ => false,
        },
        Op::Glob => glob_match(b.as_bytes(), a.as_bytes()),
        Op::Pmatch => a == b || a.strip_prefix(b).is_some_and(|r| r.starts_with('/')),
        Op::Regex | Op::Exists => false,
    }
}

fn cmp_num(op: Op, x: i64, y: i64) -> bool {
    match op {
        Op::Eq | Op::In | Op::Intersects => x == y,
        Op::Ne => x != y,
        Op::Lt => x < y,
        Op::Le => x <= y,
        Op::Gt => x > y,
        Op::Ge => x >= y,
        _ => false,
    }
}

fn icontains(hay: &str, needle_lower: &str) -> bool {
    if hay.is_ascii() && needle_lower.is_ascii() {
        let n = needle_lower.as_bytes();
        if n.is_empty() {
            return true;
        }
        return hay
            .as_bytes()
            .windows(n.len())
            .any(|w| w.eq_ignore_ascii_case(n));
    }
    hay.to_lowercase().contains(needle_lower)
}

fn matches_value(op: Op, rhs: &CRhs, v: &Val<'_>) -> bool {
    match v {
        Val::Num(n) => match rhs {
            CRhs::Num(r) => cmp_num(op, *n, *r),
            CRhs::NumSet(set) => set.contains(n),
            _ => matches_text(op, rhs, &n.to_string()),
        },
        Val::Bool(b) => match rhs {
            CRhs::Bool(r) => match op {
                Op::Eq => b == r,
                Op::Ne => b != r,
                _ => false,
            },
            _ => matches_text(op, rhs, if *b { "true" } else { "false" }),
        },
        Val::Str(s) => matches_text(op, rhs, s),
    }
}

fn matches_text(op: Op, rhs: &CRhs, s: &str) -> bool {
    match rhs {
        CRhs::Str(r) => match op {
            Op::IContains => icontains(s, r),
            _ => compare_text(op, s, r),
        },
        CRhs::Bytes(b) => {
            let hay = s.as_bytes();
            match op {
                Op::BStartsWith => hay.starts_with(b),
                _ => b.is_empty() || memchr::memmem::find(hay, b).is_some(),
            }
        }
        CRhs::Num(r) => s.trim().parse::<i64>().is_ok_and(|n| cmp_num(op, n, *r)),
        CRhs::Bool(r) => {
            let eq = s == if *r { "true" } else { "false" };
            if op == Op::Ne { !eq } else { eq }
        }
        CRhs::StrSet(set) => set.contains(s),
        CRhs::NumSet(set) => s.trim().parse::<i64>().is_ok_and(|n| set.contains(&n)),
        CRhs::Prefixes(p) => p.matches(s),
        CRhs::Regex(re) => re.is_match(s),
        CRhs::Nets(nets) => {
            let inside =
                crate::cidr::parse_addr(s).is_some_and(|ip| nets.iter().any(|n| n.contains(ip)));
            if op == Op::Ne { !inside } else { inside }
        }
        CRhs::None | CRhs::Field(_) => false,
    }
}

/// Shell-style glob (`*`, `?`, `[abc]`, `[a-z]`, `[!a]`), iterative with backtracking
/// on the last `*` (linear in practice, never exponential).
pub fn glob_match(pat: &[u8], s: &[u8]) -> bool {
    let (mut p, mut i) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while i < s.len() {
        match pat.get(p) {
            Some(b'*') => {
                star = Some((p, i));
                p += 1;
                continue;
            }
            Some(b'?') => {
                p += 1;
                i += 1;
                continue;
            }
            Some(b'[') => {
                if let Some((matched, next)) = class_match(pat, p, s.get(i).copied().unwrap_or(0)) {
                    if matched {
                        p = next;
                        i += 1;
                        continue;
                    }
                } else if s.get(i) == Some(&b'[') {
                    p += 1;
                    i += 1;
                    continue;
                }
            }
            Some(c) if s.get(i) == Some(c) => {
                p += 1;
                i += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((sp, si)) => {
                p = sp + 1;
                i = si + 1;
                star = Some((sp, si + 1));
            }
            None => return false,
        }
    }
    while pat.get(p) == Some(&b'*') {
        p += 1;
    }
    p == pat.len()
}

/// Matches `c` against the class starting at `pat[start] == b'['`; `None` if unclosed.
fn class_match(pat: &[u8], start: usize, c: u8) -> Option<(bool, usize)> {
    let mut j = start + 1;
    let negate = matches!(pat.get(j), Some(b'!' | b'^'));
    if negate {
        j += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let x = *pat.get(j)?;
        if x == b']' && !first {
            return Some((matched != negate, j + 1));
        }
        first = false;
        if pat.get(j + 1) == Some(&b'-') && pat.get(j + 2).is_some_and(|&e| e != b']') {
            let hi = *pat.get(j + 2)?;
            if (x..=hi).contains(&c) {
                matched = true;
            }
            j += 3;
        } else {
            if x == c {
                matched = true;
            }
            j += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match(b"*.txt", b"a.txt"));
        assert!(glob_match(b"/etc/*/x?", b"/etc/a/b/xy"));
        assert!(glob_match(b"[a-c]x", b"bx"));
        assert!(!glob_match(b"[!a-c]x", b"bx"));
        assert!(!glob_match(b"*.txt", b"a.txz"));
        assert!(glob_match(b"*", b""));
        assert!(!glob_match(&b"*a".repeat(50), &b"b".repeat(5000)));
    }

    #[test]
    fn case_insensitive_contains() {
        assert!(icontains("Hello World", "world"));
        assert!(!icontains("Hello", "xyz"));
        assert!(icontains("ÄBC", "äb"));
    }
}
