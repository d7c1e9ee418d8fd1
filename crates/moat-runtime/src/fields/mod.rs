//! Field registries: for each event source, the fields a condition may use, with
//! their types and argument forms, so that unknown fields, bad arguments, bad
//! operators and type mismatches are load errors.

pub(crate) mod k8s_table;
mod syscall_events;
mod syscall_table;

use std::fmt;

use crate::ast::Op;

/// The value type of a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    /// Text (`CHARBUF`, paths).
    Str,
    /// Binary buffer (`BYTEBUF`).
    Bytes,
    /// Boolean.
    Bool,
    /// Signed integer.
    Int,
    /// Unsigned integer (also times and durations).
    Uint,
    /// Floating point.
    Double,
    /// IP address.
    Ip,
    /// IP network (CIDR).
    IpNet,
    /// TCP/UDP port.
    Port,
    /// Type decided per event (`evt.rawarg`); compared as text or number.
    Dynamic,
}

impl FieldType {
    /// Whether values of this type are numbers.
    pub fn is_numeric(self) -> bool {
        matches!(self, Self::Int | Self::Uint | Self::Double | Self::Port)
    }

    /// Falco's name for the type, as used in error messages.
    pub fn falco_name(self) -> &'static str {
        match self {
            Self::Str => "string",
            Self::Bytes => "bytebuf",
            Self::Bool => "bool",
            Self::Int => "int64",
            Self::Uint => "uint64",
            Self::Double => "double",
            Self::Ip => "ipaddr",
            Self::IpNet => "ipnet",
            Self::Port => "port",
            Self::Dynamic => "dynamic",
        }
    }

    /// Whether `op` may be applied to a field of this type (list fields aside).
    pub fn supports(self, op: Op) -> bool {
        match op {
            Op::Eq | Op::Ne | Op::In | Op::Exists | Op::Intersects => true,
            Op::Lt | Op::Le | Op::Gt | Op::Ge => self.is_numeric() || self == Self::Dynamic,
            Op::Contains | Op::IContains | Op::StartsWith | Op::EndsWith | Op::Glob | Op::Regex => {
                matches!(self, Self::Str | Self::Bytes | Self::Dynamic)
            }
            Op::BContains | Op::BStartsWith => matches!(self, Self::Str | Self::Bytes),
            Op::Pmatch => matches!(self, Self::Str | Self::IpNet | Self::Ip),
        }
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.falco_name())
    }
}

/// Which argument a field takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgSpec {
    /// No argument.
    None,
    /// An optional `[N]` index.
    IndexOptional,
    /// An optional `[key]` (a number or a name).
    KeyOptional,
    /// A mandatory `[key]`.
    KeyRequired,
    /// A mandatory `.name` suffix (`evt.type.is.open`).
    Dotted,
    /// A `.name` suffix or a `[N]` index (`evt.arg.flags`, `evt.arg[0]`).
    DottedOrIndex,
}

/// One field of a source.
#[derive(Clone, Copy, Debug)]
pub struct FieldDef {
    /// Full name (`proc.name`).
    pub name: &'static str,
    /// Value type.
    pub ty: FieldType,
    /// Whether the field yields a list of values.
    pub list: bool,
    /// Argument form.
    pub arg: ArgSpec,
}

impl FieldDef {
    pub(crate) const fn new(name: &'static str, ty: FieldType, list: bool, arg: ArgSpec) -> Self {
        FieldDef {
            name,
            ty,
            list,
            arg,
        }
    }
}

/// A field argument as written in a condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldArg {
    /// No argument.
    None,
    /// `[N]`.
    Index(usize),
    /// `[key]` or `.key`.
    Key(Box<str>),
}

/// A field resolved against a source's registry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedField {
    /// Index into the source's field table.
    pub id: u16,
    /// The field's name.
    pub name: &'static str,
    /// Value type (for a list field, the type of each item).
    pub ty: FieldType,
    /// Whether it yields several values (a list field without an index).
    pub list: bool,
    /// The argument.
    pub arg: FieldArg,
}

impl ResolvedField {
    /// The field as written (`proc.aname[2]`).
    pub fn display(&self) -> String {
        match &self.arg {
            FieldArg::None => self.name.to_string(),
            FieldArg::Index(i) => format!("{}[{i}]", self.name),
            FieldArg::Key(k) => format!("{}[{k}]", self.name),
        }
    }
}

/// An event source known to the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// Kernel system calls (`syscall`).
    Syscall,
    /// Kubernetes audit events (`k8s_audit`).
    K8sAudit,
}

impl Source {
    /// Every source.
    pub const ALL: [Source; 2] = [Source::Syscall, Source::K8sAudit];

    /// The name rules use in `source:`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Syscall => "syscall",
            Self::K8sAudit => "k8s_audit",
        }
    }

    /// The source named `name`, if known.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    fn table(self) -> Table {
        match self {
            Self::Syscall => Table::Plain(syscall_table::FIELDS),
            Self::K8sAudit => Table::K8s(k8s_table::FIELDS),
        }
    }

    /// Every field of the source.
    pub fn fields(self) -> Vec<FieldDef> {
        match self.table() {
            Table::Plain(t) => t.to_vec(),
            Table::K8s(t) => t.iter().map(|(_, d)| *d).collect(),
        }
    }

    /// Whether `name` is a known event type of the source (only `syscall` has several).
    pub fn is_event_type(self, name: &str) -> bool {
        match self {
            Self::Syscall => syscall_events::EVENT_TYPES.binary_search(&name).is_ok(),
            Self::K8sAudit => true,
        }
    }

    /// Resolves `name` with an optional bracketed argument. Errors are Falco's messages.
    pub fn resolve(self, name: &str, bracket: Option<&str>) -> Result<ResolvedField, String> {
        let table = self.table();
        let lookup = |n: &str| -> Option<(u16, FieldDef)> {
            match table {
                Table::Plain(t) => t.iter().position(|d| d.name == n).map(|i| (i, t[i])),
                Table::K8s(t) => t.iter().position(|(_, d)| d.name == n).map(|i| (i, t[i].1)),
            }
            .and_then(|(i, d)| u16::try_from(i).ok().map(|i| (i, d)))
        };
        let unknown = || format!("filter_check called with nonexistent field {name}");
        // Exact name first; otherwise the longest dotted prefix taking a `.suffix`.
        let (id, def, dotted) = if let Some((id, def)) = lookup(name) {
            (id, def, None)
        } else {
            let mut found = None;
            let mut end = name.len();
            while let Some(dot) = name.get(..end).and_then(|s| s.rfind('.')) {
                let prefix = name.get(..dot).unwrap_or_default();
                if let Some((id, def)) = lookup(prefix)
                    && matches!(
                        def.arg,
                        ArgSpec::Dotted | ArgSpec::DottedOrIndex | ArgSpec::KeyOptional
                    )
                {
                    found = Some((id, def, name.get(dot + 1..).map(str::to_string)));
                    break;
                }
                end = dot;
            }
            found.ok_or_else(unknown)?
        };
        let arg = match (dotted, bracket) {
            (Some(_), Some(_)) => return Err(unknown()),
            (Some(suffix), None) => {
                if suffix.is_empty() {
                    return Err(unknown());
                }
                FieldArg::Key(suffix.into())
            }
            (None, Some(b)) => match def.arg {
                ArgSpec::None | ArgSpec::Dotted => {
                    return Err(format!("filter {} does not accept an argument", def.name));
                }
                ArgSpec::IndexOptional | ArgSpec::DottedOrIndex => {
                    FieldArg::Index(b.trim().parse::<usize>().map_err(|_| {
                        format!("filter {} needs a numeric index, got '{b}'", def.name)
                    })?)
                }
                ArgSpec::KeyOptional | ArgSpec::KeyRequired => match b.trim().parse::<usize>() {
                    Ok(i) if def.list => FieldArg::Index(i),
                    _ => FieldArg::Key(b.into()),
                },
            },
            (None, None) => match def.arg {
                ArgSpec::KeyRequired | ArgSpec::Dotted | ArgSpec::DottedOrIndex => {
                    return Err(format!("filter {} requires an argument", def.name));
                }
                _ => FieldArg::None,
            },
        };
        let list = def.list && !matches!(arg, FieldArg::Index(_));
        Ok(ResolvedField {
            id,
            name: def.name,
            ty: def.ty,
            list,
            arg,
        })
    }
}

/// Every `syscall` event name, sorted.
pub(crate) fn syscall_event_types() -> &'static [&'static str] {
    syscall_events::EVENT_TYPES
}

#[derive(Clone, Copy)]
enum Table {
    Plain(&'static [FieldDef]),
    K8s(&'static [(k8s_table::AuditField, FieldDef)]),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_plain_dotted_and_indexed_fields() {
        let f = Source::Syscall.resolve("proc.name", None).unwrap();
        assert_eq!(f.ty, FieldType::Str);
        let f = Source::Syscall.resolve("evt.arg.flags", None).unwrap();
        assert_eq!(f.arg, FieldArg::Key("flags".into()));
        let f = Source::Syscall.resolve("proc.aname", Some("2")).unwrap();
        assert_eq!(f.arg, FieldArg::Index(2));
        let f = Source::K8sAudit
            .resolve("ka.req.pod.containers.image", Some("0"))
            .unwrap();
        assert!(!f.list);
        let f = Source::K8sAudit
            .resolve("ka.req.pod.containers.image", None)
            .unwrap();
        assert!(f.list);
        assert_eq!(
            Source::Syscall.resolve("proc.nobody", None).unwrap_err(),
            "filter_check called with nonexistent field proc.nobody"
        );
        assert!(Source::K8sAudit.resolve("jevt.value", None).is_err());
        assert!(Source::Syscall.resolve("proc.aname", Some("x")).is_err());
    }

    #[test]
    fn event_types_are_sorted_and_known() {
        assert!(syscall_events::EVENT_TYPES.is_sorted());
        assert!(Source::Syscall.is_event_type("execve"));
        assert!(!Source::Syscall.is_event_type("list_a"));
    }
}
