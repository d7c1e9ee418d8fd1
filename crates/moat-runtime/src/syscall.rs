//! The `syscall` source's recorded-event model: one JSON object per line whose keys are
//! Falco field names (`"evt.type": "execve"`, `"proc.name": "bash"`,
//! `"fd.name": "/etc/shadow"`), documented in `docs/events.md`. Ancestor fields
//! (`proc.aname`, `proc.apid`, …) are arrays starting at the parent, so `proc.aname[1]`
//! is the first item and `proc.aname[0]` is `proc.name`; keyed fields (`proc.env[HOME]`,
//! `k8s.pod.label[app]`, `evt.arg.flags`) are objects.

use std::borrow::Cow;

use crate::eval::{Event, Val};
use crate::fields::{FieldArg, ResolvedField};
use crate::rawjson::{MemberSpan, array_items, object_get, scan_object, string};

/// Message for a line that is not a syscall event.
pub const NOT_SYSCALL: &str =
    "data not recognized as a syscall event (an object with \"evt.type\")";

/// One recorded syscall event, borrowing its line (and, from [`parse_line_into`], the
/// caller's member buffer).
#[derive(Debug)]
pub struct SyscallEvent<'a> {
    line: &'a str,
    members: Cow<'a, [MemberSpan]>,
    evt_type: Cow<'a, str>,
    /// Event time (`evt.rawtime`), nanoseconds since the epoch.
    pub time_ns: i64,
}

/// Parses one line into an event.
pub fn parse_line(line: &str) -> Result<SyscallEvent<'_>, String> {
    let mut members = Vec::new();
    let (evt_type, time_ns) = scan(line, &mut members)?;
    Ok(SyscallEvent {
        line,
        members: Cow::Owned(members),
        evt_type,
        time_ns,
    })
}

/// Parses one line into an event whose member table lives in `members` (reused from
/// line to line, so that parsing allocates nothing once the buffer has grown).
pub fn parse_line_into<'a>(
    line: &'a str,
    members: &'a mut Vec<MemberSpan>,
) -> Result<SyscallEvent<'a>, String> {
    let (evt_type, time_ns) = scan(line, members)?;
    Ok(SyscallEvent {
        line,
        members: Cow::Borrowed(members.as_slice()),
        evt_type,
        time_ns,
    })
}

fn scan<'a>(line: &'a str, members: &mut Vec<MemberSpan>) -> Result<(Cow<'a, str>, i64), String> {
    if !scan_object(line, members).map_err(crate::rawjson::SyntaxError::message)? {
        return Err(NOT_SYSCALL.to_string());
    }
    let raw = |key: &str| raw_member(line, members, key);
    let evt_type = raw("evt.type")
        .and_then(string)
        .ok_or_else(|| NOT_SYSCALL.to_string())?;
    let time_ns = raw("evt.rawtime")
        .and_then(|t| t.parse::<i64>().ok())
        .unwrap_or_default();
    Ok((evt_type, time_ns))
}

/// The raw JSON text of member `key` (the last one when repeated).
fn raw_member<'a>(line: &'a str, members: &[MemberSpan], key: &str) -> Option<&'a str> {
    let (b, k) = (line.as_bytes(), key.as_bytes());
    let m = members.iter().rev().find(|m| {
        if m.key_escaped {
            line.get(m.key.start - 1..=m.key.end)
                .and_then(string)
                .is_some_and(|s| s == key)
        } else {
            m.key.len() == k.len() && b.get(m.key.clone()) == Some(k)
        }
    })?;
    line.get(m.value.clone())
}

/// The recorded fields that give an address or network field its values when it is not
/// recorded itself: `fd.ip` and `fd.net` match the client or the server address,
/// `fd.cnet`/`fd.snet`/`fd.lnet`/`fd.rnet` the client/server/local/remote one.
fn address_sources(field: &str) -> &'static [&'static str] {
    match field {
        "fd.ip" => &["fd.cip", "fd.sip"],
        "fd.net" => &["fd.ip", "fd.cip", "fd.sip"],
        "fd.cnet" => &["fd.cip"],
        "fd.snet" => &["fd.sip"],
        "fd.lnet" => &["fd.lip"],
        "fd.rnet" => &["fd.rip"],
        _ => &[],
    }
}

/// The field holding level 0 of an ancestor field (`proc.aname[0]` is `proc.name`).
fn self_field(ancestor: &str) -> Option<&'static str> {
    Some(match ancestor {
        "proc.aname" => "proc.name",
        "proc.apid" => "proc.pid",
        "proc.aexe" => "proc.exe",
        "proc.aexepath" => "proc.exepath",
        "proc.acmdline" => "proc.cmdline",
        "proc.aargs" => "proc.args",
        "proc.aenv" => "proc.env",
        _ => return None,
    })
}

/// Calls `f` with the value(s) of a member's raw JSON text (each item of an array);
/// returns `f`'s verdict. Objects are handed over as their JSON text.
fn emit(raw: &str, f: &mut dyn FnMut(Val<'_>) -> bool) -> bool {
    match raw.as_bytes().first() {
        None | Some(b'n') => false,
        Some(b'"') => string(raw).is_some_and(|s| f(Val::Str(s))),
        Some(b't') => f(Val::Bool(true)),
        Some(b'f') => f(Val::Bool(false)),
        Some(b'[') => array_items(raw).any(|i| emit(i, f)),
        Some(b'{') => f(Val::Str(Cow::Borrowed(raw))),
        Some(_) => match raw.parse::<i64>() {
            Ok(i) => f(Val::Num(i)),
            Err(_) => match raw.parse::<u64>() {
                Ok(u) => f(Val::Num(u.cast_signed())),
                Err(_) => f(Val::Str(Cow::Borrowed(raw))),
            },
        },
    }
}

/// Item `at` of an array, or member `at` of an object keyed by numbers.
fn nth(raw: &str, at: usize) -> Option<&str> {
    match raw.as_bytes().first() {
        Some(b'[') => array_items(raw).nth(at),
        // Objects keyed by numbers are rare in recordings: the key is formatted.
        Some(b'{') => object_get(raw, &at.to_string()),
        _ => None,
    }
}

impl SyscallEvent<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        raw_member(self.line, &self.members, key)
    }
}

impl Event for SyscallEvent<'_> {
    fn event_type(&self) -> Option<&str> {
        Some(&self.evt_type)
    }

    fn visit(&self, field: &ResolvedField, f: &mut dyn FnMut(Val<'_>) -> bool) {
        let v = match &field.arg {
            FieldArg::None => {
                let v = self.get(field.name);
                if v.is_none() {
                    // Address and network fields not recorded: from the addresses.
                    for key in address_sources(field.name) {
                        if let Some(v) = self.get(key)
                            && emit(v, f)
                        {
                            return;
                        }
                    }
                }
                v
            }
            FieldArg::Index(i) => match self_field(field.name) {
                Some(own) if *i == 0 => self.get(own),
                Some(_) => self.get(field.name).and_then(|v| nth(v, i - 1)),
                None => self.get(field.name).and_then(|v| nth(v, *i)),
            },
            FieldArg::Key(k) => self
                .get(field.name)
                .and_then(|v| match v.as_bytes().first() {
                    Some(b'{') => object_get(v, k),
                    Some(b'[') => k.parse::<usize>().ok().and_then(|i| array_items(v).nth(i)),
                    _ => None,
                }),
        };
        if let Some(v) = v {
            emit(v, f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::Source;

    fn values(ev: &SyscallEvent<'_>, name: &str, arg: Option<&str>) -> Vec<String> {
        let field = Source::Syscall.resolve(name, arg).unwrap();
        let mut out = Vec::new();
        ev.visit(&field, &mut |v| {
            out.push(v.to_text().into_owned());
            false
        });
        out
    }

    #[test]
    fn fields_ancestors_keys_and_errors() {
        let line = r#"{"evt.type":"execve","evt.rawtime":5,"proc.name":"sh","proc.aname":["bash","sshd"],"proc.pid":7,"proc.env":{"HOME":"/root"},"evt.arg":{"flags":"O_RDONLY"},"fd.num":null}"#;
        let ev = parse_line(line).unwrap();
        assert_eq!(ev.event_type(), Some("execve"));
        assert_eq!(ev.time_ns, 5);
        assert_eq!(values(&ev, "proc.aname", Some("0")), ["sh"]);
        assert_eq!(values(&ev, "proc.aname", Some("2")), ["sshd"]);
        assert_eq!(values(&ev, "proc.aname", None), ["bash", "sshd"]);
        assert!(values(&ev, "proc.aname", Some("3")).is_empty());
        assert_eq!(values(&ev, "proc.env", Some("HOME")), ["/root"]);
        assert_eq!(values(&ev, "evt.arg.flags", None), ["O_RDONLY"]);
        assert_eq!(values(&ev, "proc.pid", None), ["7"]);
        assert!(values(&ev, "fd.num", None).is_empty());
        assert_eq!(parse_line("{}").unwrap_err(), NOT_SYSCALL);
        assert_eq!(parse_line("[1]").unwrap_err(), NOT_SYSCALL);
        assert!(parse_line("{").unwrap_err().starts_with("invalid JSON"));
    }
}
