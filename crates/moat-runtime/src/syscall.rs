//! The `syscall` source's recorded-event model: one JSON object per line whose keys are
//! Falco field names (`"evt.type": "execve"`, `"proc.name": "bash"`,
//! `"fd.name": "/etc/shadow"`), documented in `docs/events.md`. Ancestor fields
//! (`proc.aname`, `proc.apid`, …) are arrays starting at the parent, so `proc.aname[1]`
//! is the first item and `proc.aname[0]` is `proc.name`; keyed fields (`proc.env[HOME]`,
//! `k8s.pod.label[app]`, `evt.arg.flags`) are objects.

use std::borrow::Cow;

use serde_json::Value;

use crate::eval::{Event, Val};
use crate::fields::{FieldArg, ResolvedField};
use crate::json::{Member, member, object_members};

/// Message for a line that is not a syscall event.
pub const NOT_SYSCALL: &str =
    "data not recognized as a syscall event (an object with \"evt.type\")";

/// One recorded syscall event, borrowing its line.
#[derive(Debug)]
pub struct SyscallEvent<'a> {
    members: Vec<Member<'a>>,
    evt_type: Option<Cow<'a, str>>,
    /// Event time (`evt.rawtime`), nanoseconds since the epoch.
    pub time_ns: i64,
}

/// Parses one line into an event.
pub fn parse_line(line: &str) -> Result<SyscallEvent<'_>, String> {
    let Some(members) = object_members(line)? else {
        return Err(NOT_SYSCALL.to_string());
    };
    let evt_type = members
        .iter()
        .find(|m| m.key == "evt.type")
        .and_then(|m| serde_json::from_str::<Cow<'_, str>>(m.raw.get()).ok());
    let Some(evt_type) = evt_type else {
        return Err(NOT_SYSCALL.to_string());
    };
    let mut ev = SyscallEvent {
        members,
        evt_type: Some(evt_type),
        time_ns: 0,
    };
    ev.time_ns = ev
        .get("evt.rawtime")
        .and_then(Value::as_i64)
        .unwrap_or_default();
    Ok(ev)
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

fn emit(v: &Value, f: &mut dyn FnMut(Val<'_>) -> bool) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => f(Val::Str(Cow::Borrowed(s))),
        Value::Bool(b) => f(Val::Bool(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => f(Val::Num(i)),
            None => match n.as_u64() {
                Some(u) => f(Val::Num(u.cast_signed())),
                None => f(Val::Str(Cow::Owned(n.to_string()))),
            },
        },
        Value::Array(items) => items.iter().any(|i| emit(i, f)),
        Value::Object(_) => f(Val::Str(Cow::Owned(v.to_string()))),
    }
}

impl SyscallEvent<'_> {
    fn get(&self, key: &str) -> Option<&Value> {
        member(&self.members, key)
    }
}

impl Event for SyscallEvent<'_> {
    fn event_type(&self) -> Option<&str> {
        self.evt_type.as_deref()
    }

    fn visit(&self, field: &ResolvedField, f: &mut dyn FnMut(Val<'_>) -> bool) {
        match &field.arg {
            FieldArg::None => {
                if let Some(v) = self.get(field.name) {
                    emit(v, f);
                }
            }
            FieldArg::Index(i) => {
                let (v, at) = match self_field(field.name) {
                    Some(own) if *i == 0 => (self.get(own), None),
                    Some(_) => (self.get(field.name), Some(i - 1)),
                    None => (self.get(field.name), Some(*i)),
                };
                let v = match (v, at) {
                    (Some(Value::Array(items)), Some(at)) => items.get(at),
                    (Some(Value::Object(map)), Some(at)) => map.get(&at.to_string()),
                    (v, None) => v,
                    _ => None,
                };
                if let Some(v) = v {
                    emit(v, f);
                }
            }
            FieldArg::Key(k) => {
                let v = match self.get(field.name) {
                    Some(Value::Object(map)) => map.get(&**k),
                    Some(Value::Array(items)) => k.parse::<usize>().ok().and_then(|i| items.get(i)),
                    _ => None,
                };
                if let Some(v) = v {
                    emit(v, f);
                }
            }
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
