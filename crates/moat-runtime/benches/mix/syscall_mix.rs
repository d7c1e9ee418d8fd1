//! The generated syscall event mix shared by the `syscall` bench and the
//! `syscall_cost` example: mostly `openat`/`read`/`connect`/`execve` from many
//! processes, inside and outside containers, as JSON lines in the `docs/events.md`
//! schema.

/// Replays `log` as `moat runtime replay --threads N` does (1: the calling thread
/// only), alerts discarded; the mix has no bad line.
#[allow(dead_code)] // not every includer replays
pub fn replay(
    engine: &moat_runtime::Engine,
    log: &str,
    threads: usize,
) -> moat_runtime::AuditStats {
    moat_runtime::run_stream_parallel(
        engine,
        moat_runtime::Source::Syscall,
        &mut log.as_bytes(),
        threads,
        &mut |a| {
            std::hint::black_box(a);
        },
        &mut |b| panic!("{}", b.message),
    )
    .unwrap()
}

/// Event `i` of the mix (one JSON line, without the line break).
pub fn event(i: usize) -> String {
    let procs = [
        "nginx",
        "java",
        "python3",
        "node",
        "postgres",
        "bash",
        "curl",
        "redis-server",
    ];
    let files = [
        "/var/log/app.log",
        "/etc/hosts",
        "/usr/lib/libc.so.6",
        "/srv/data/db.bin",
        "/proc/self/stat",
        "/tmp/cache.tmp",
    ];
    let proc_name = procs[i % procs.len()];
    let container = if i.is_multiple_of(3) {
        "host"
    } else {
        "3ad7b26ded6d"
    };
    let common = format!(
        r#""evt.dir":"<","evt.rawtime":{},"proc.name":"{proc_name}","proc.exe":"{proc_name}","proc.exepath":"/usr/bin/{proc_name}","proc.cmdline":"{proc_name} --serve","proc.args":"--serve","proc.pid":{},"proc.tty":0,"proc.pname":"containerd-shim","proc.aname":["containerd-shim","systemd"],"user.name":"app","user.uid":1000,"container.id":"{container}","container.image.repository":"ghcr.io/acme/{proc_name}""#,
        1_732_380_000_000_000_000u64 + i as u64,
        1000 + i % 5000
    );
    match i % 10 {
        0..=3 => {
            let f = files[i % files.len()];
            let dir = f.rsplit_once('/').map_or("/", |(d, _)| d);
            format!(
                r#"{{"evt.type":"openat",{common},"evt.is_open_read":true,"evt.is_open_write":false,"fd.typechar":"f","fd.num":5,"fd.name":"{f}","fd.nameraw":"{f}","fd.directory":"{dir}","evt.arg":{{"flags":"O_RDONLY"}}}}"#
            )
        }
        4..=6 => format!(
            r#"{{"evt.type":"read",{common},"fd.typechar":"f","fd.num":5,"fd.name":"/srv/data/db.bin","evt.rawres":4096}}"#
        ),
        7 | 8 => format!(
            r#"{{"evt.type":"connect",{common},"fd.typechar":"4","fd.type":"ipv4","fd.sip":"10.0.0.{}","fd.sport":5432,"fd.sip.name":"db.shop.svc","fd.name":"10.1.0.2:40000->10.0.0.1:5432"}}"#,
            i % 250
        ),
        _ => format!(r#"{{"evt.type":"execve",{common}}}"#),
    }
}

/// A value of an in-memory event field.
#[derive(Debug)]
pub enum MemVal {
    /// Text.
    Str(String),
    /// Integer.
    Num(i64),
    /// Boolean.
    Bool(bool),
    /// Ancestor values: the process itself (`proc.aname[0]`), then its parent, ….
    List(Vec<String>),
    /// Keyed texts (`evt.arg`, `proc.env`).
    Map(Vec<(String, String)>),
}

/// Distinct in-memory events the engine-alone measurements cycle through: a sensor
/// evaluates each event right after building it, while it is in cache, so the working set
/// is kept small (1,000 events cover every combination of the mix).
pub const MEM_WINDOW: usize = 1_000;

/// An event built in memory, as the eBPF sensor produces them: field values by the
/// field's registry id (sorted, compact), no JSON.
#[derive(Debug)]
pub struct MemEvent {
    evt_type: String,
    fields: Vec<(u16, MemVal)>,
}

impl MemEvent {
    /// The in-memory form of a JSON line of the mix.
    pub fn from_line(line: &str) -> MemEvent {
        use serde_json::Value;
        let fields = moat_runtime::Source::Syscall.fields();
        let mut slots: Vec<(u16, MemVal)> = Vec::new();
        let map: serde_json::Map<String, Value> = serde_json::from_str(line).unwrap();
        let text = |v: &Value| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        for (k, v) in &map {
            let Some(id) = fields.iter().position(|d| d.name == k) else {
                continue;
            };
            let id = u16::try_from(id).unwrap();
            let value = match v {
                Value::String(s) => MemVal::Str(s.clone()),
                Value::Bool(b) => MemVal::Bool(*b),
                Value::Number(n) => MemVal::Num(n.as_i64().unwrap()),
                Value::Array(items) => {
                    let own = k.replacen("proc.a", "proc.", 1);
                    let first = map.get(&own).map(text).unwrap_or_default();
                    MemVal::List(
                        std::iter::once(first)
                            .chain(items.iter().map(text))
                            .collect(),
                    )
                }
                Value::Object(m) => {
                    MemVal::Map(m.iter().map(|(k, v)| (k.clone(), text(v))).collect())
                }
                Value::Null => continue,
            };
            slots.push((id, value));
        }
        slots.sort_by_key(|(id, _)| *id);
        MemEvent {
            evt_type: map["evt.type"].as_str().unwrap().to_string(),
            fields: slots,
        }
    }
}

fn emit(v: &MemVal, f: &mut dyn FnMut(moat_runtime::eval::Val<'_>) -> bool) -> bool {
    use moat_runtime::eval::Val;
    use std::borrow::Cow;
    match v {
        MemVal::Str(s) => f(Val::Str(Cow::Borrowed(s))),
        MemVal::Num(n) => f(Val::Num(*n)),
        MemVal::Bool(b) => f(Val::Bool(*b)),
        MemVal::List(items) => items.iter().skip(1).any(|s| f(Val::Str(Cow::Borrowed(s)))),
        MemVal::Map(_) => false,
    }
}

impl moat_runtime::eval::Event for MemEvent {
    fn event_type(&self) -> Option<&str> {
        Some(&self.evt_type)
    }

    fn visit(
        &self,
        field: &moat_runtime::fields::ResolvedField,
        f: &mut dyn FnMut(moat_runtime::eval::Val<'_>) -> bool,
    ) {
        use moat_runtime::eval::Val;
        use moat_runtime::fields::FieldArg;
        use std::borrow::Cow;
        let Ok(at) = self.fields.binary_search_by_key(&field.id, |(id, _)| *id) else {
            return;
        };
        let v = &self.fields[at].1;
        match (&field.arg, v) {
            (FieldArg::None, v) => {
                emit(v, f);
            }
            (FieldArg::Index(i), MemVal::List(items)) => {
                if let Some(s) = items.get(*i) {
                    f(Val::Str(Cow::Borrowed(s)));
                }
            }
            (FieldArg::Key(k), MemVal::Map(m)) => {
                if let Some((_, s)) = m.iter().rev().find(|(mk, _)| **mk == **k) {
                    f(Val::Str(Cow::Borrowed(s)));
                }
            }
            _ => {}
        }
    }
}
