//! The engine: compiled rules of one ruleset, evaluated per event, producing alerts;
//! and the audit-log stream driver (bad lines counted and reported, never fatal).

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use serde_json::{Map, Value, json};

use crate::compile::{Compiled, CompiledRule, compile};
use crate::diag::{Diagnostic, Level, Origin};
use crate::eval::{Event, eval};
use crate::fields::Source;
use crate::k8s::{iso8601, parse_line};
use crate::loader::RuleSet;
use crate::output::field_text;
use crate::program::FastMap;
use crate::rawjson::MemberSpan;
use crate::rule::Priority;
use crate::valueset::{ValueSet, values_of};

/// Loads rules files in order (later ones override earlier ones) and compiles them.
/// Unreadable files become `LOAD_ERR_FILE_READ` errors.
pub fn load_rules_files<P: AsRef<Path>>(paths: &[P]) -> Compiled {
    let mut set = RuleSet::new();
    for p in paths {
        let p = p.as_ref();
        let name = p.display().to_string();
        let text = std::fs::read(p)
            .map_err(|e| format!("cannot read file: {e}"))
            .and_then(|b| String::from_utf8(b).map_err(|_| "file is not valid UTF-8".to_string()));
        match text {
            Ok(text) => set.load_str(&name, &text),
            Err(message) => set.diagnostics.push(
                Origin {
                    file: name,
                    line: 0,
                }
                .diag(
                    Level::Error,
                    "rules content",
                    "",
                    "LOAD_ERR_FILE_READ",
                    message,
                ),
            ),
        }
    }
    compile(&set)
}

/// One alert, in Falco's model.
#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    /// Event time, nanoseconds since the epoch.
    pub time_ns: i64,
    /// Rule name.
    pub rule: String,
    /// Rule priority.
    pub priority: Priority,
    /// Rendered output.
    pub output: String,
    /// Values of the output's fields (`None`: absent).
    pub output_fields: Vec<(String, Option<String>)>,
    /// Event source.
    pub source: Source,
    /// Rule tags.
    pub tags: Vec<String>,
    /// Host name.
    pub hostname: String,
}

impl Alert {
    /// Falco's JSON alert object.
    pub fn to_json(&self) -> Value {
        let mut fields = Map::new();
        for (k, v) in &self.output_fields {
            fields.insert(
                k.clone(),
                v.as_ref().map_or(Value::Null, |s| Value::String(s.clone())),
            );
        }
        json!({
            "hostname": self.hostname,
            "output": self.to_text(),
            "output_fields": fields,
            "priority": self.priority.as_str(),
            "rule": self.rule,
            "source": self.source.name(),
            "tags": self.tags,
            "time": iso8601(self.time_ns),
        })
    }

    /// Falco's text line: `TIME: Priority output`.
    pub fn to_text(&self) -> String {
        format!(
            "{}: {} {}",
            iso8601(self.time_ns),
            self.priority,
            self.output
        )
    }
}

/// The engine would start with errors in its rules (fail closed).
#[derive(Debug, thiserror::Error)]
#[error("{} error(s) in the rules; the engine does not start (use --skip-invalid-rules to run without the invalid items)", .errors.len())]
pub struct RulesError {
    /// The errors.
    pub errors: Vec<Diagnostic>,
}

/// Compiled rules ready to evaluate.
#[derive(Debug)]
pub struct Engine {
    rules: Vec<CompiledRule>,
    by_source: HashMap<Source, Vec<usize>>,
    /// `syscall` rules per event type (rules that cannot be indexed are in every list).
    by_evttype: FastMap<&'static str, Vec<usize>>,
    /// `syscall` rules that cannot be indexed by event type.
    any_evttype: Vec<usize>,
    /// `k8s_audit` rules per verb named by some rule's condition.
    by_verb: FastMap<String, Vec<usize>>,
    /// `k8s_audit` rules that can match a verb no rule names.
    other_verb: Vec<usize>,
    /// Host name put in alerts.
    pub hostname: String,
    min_priority: Priority,
    check_count: usize,
}

impl Engine {
    /// An engine over the enabled rules of `compiled`. Errors make it refuse unless
    /// `skip_invalid` (then the failing items are simply absent).
    pub fn new(compiled: &Compiled, skip_invalid: bool) -> Result<Self, RulesError> {
        if compiled.has_errors() && !skip_invalid {
            return Err(RulesError {
                errors: compiled
                    .diagnostics
                    .iter()
                    .filter(|d| d.level == Level::Error)
                    .cloned()
                    .collect(),
            });
        }
        let rules: Vec<CompiledRule> = compiled
            .rules
            .iter()
            .filter(|r| r.enabled)
            .cloned()
            .collect();
        let mut by_source: HashMap<Source, Vec<usize>> = HashMap::new();
        let mut by_evttype: FastMap<&'static str, Vec<usize>> = FastMap::default();
        let mut any_evttype = Vec::new();
        let mut verb_sets = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            by_source.entry(r.source).or_default().push(i);
            if r.source == Source::K8sAudit {
                verb_sets.push((i, values_of(&r.cond, "ka.verb")));
            }
            if r.source != Source::Syscall {
                continue;
            }
            match &r.evttypes {
                Some(types) => {
                    for t in types {
                        by_evttype.entry(t).or_default().push(i);
                    }
                }
                None => any_evttype.push(i),
            }
        }
        // Every per-type list also holds the unindexed rules, in definition order.
        for list in by_evttype.values_mut() {
            list.extend_from_slice(&any_evttype);
            list.sort_unstable();
            list.dedup();
        }
        let mut by_verb: FastMap<String, Vec<usize>> = FastMap::default();
        for verb in verb_sets.iter().flat_map(|(_, s)| s.named()) {
            let list = verb_sets
                .iter()
                .filter(|(_, s)| s.contains(Some(verb)))
                .map(|(i, _)| *i)
                .collect();
            by_verb.insert(verb.clone(), list);
        }
        let other_verb = verb_sets
            .iter()
            .filter(|(_, s)| matches!(s, ValueSet::Except(_)))
            .map(|(i, _)| *i)
            .collect();
        Ok(Engine {
            rules,
            by_source,
            by_evttype,
            any_evttype,
            by_verb,
            other_verb,
            hostname: String::new(),
            min_priority: Priority::Debug,
            check_count: compiled.check_count,
        })
    }

    /// Buffers for [`process_audit_line`], reusable across the lines of a stream.
    pub fn stream_scratch(&self) -> StreamScratch {
        StreamScratch {
            memo: self.scratch(),
            members: Vec::new(),
        }
    }

    /// Only rules at least this severe produce alerts.
    pub fn set_min_priority(&mut self, p: Priority) {
        self.min_priority = p;
    }

    /// The enabled rules.
    pub fn rules(&self) -> &[CompiledRule] {
        &self.rules
    }

    /// A scratch buffer for [`Engine::process`], reusable across events.
    pub fn scratch(&self) -> Vec<u8> {
        vec![0; self.check_count]
    }

    /// Evaluates every rule of `source` against `ev`, calling `emit` per alert. `scratch`
    /// (from [`Engine::scratch`]) memoises comparisons shared by rules; it is reset here.
    pub fn process(
        &self,
        source: Source,
        ev: &dyn Event,
        time_ns: i64,
        scratch: &mut Vec<u8>,
        emit: &mut dyn FnMut(Alert),
    ) {
        let idx = if source == Source::Syscall {
            let typed = ev.event_type().and_then(|t| self.by_evttype.get(t));
            match typed {
                Some(list) => list,
                None => &self.any_evttype,
            }
        } else if let Some(verb) = ev.event_type().filter(|_| source == Source::K8sAudit) {
            self.by_verb.get(verb).unwrap_or(&self.other_verb)
        } else {
            match self.by_source.get(&source) {
                Some(list) => list,
                None => return,
            }
        };
        scratch.clear();
        scratch.resize(self.check_count, 0);
        for &i in idx {
            let Some(r) = self.rules.get(i) else { continue };
            if r.priority > self.min_priority || !eval(&r.cond, ev, scratch) {
                continue;
            }
            let output_fields = r
                .output
                .fields()
                .into_iter()
                .map(|f| (f.field.display(), field_text(f, ev)))
                .collect();
            emit(Alert {
                time_ns,
                rule: r.name.clone(),
                priority: r.priority,
                output: r.output.render(ev),
                output_fields,
                source,
                tags: r.tags.clone(),
                hostname: self.hostname.clone(),
            });
        }
    }

    /// Whether any enabled rule reads `source`.
    pub fn has_source(&self, source: Source) -> bool {
        self.by_source.contains_key(&source)
    }
}

/// A line of input that could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadLine {
    /// 1-based line number.
    pub line: u64,
    /// Why.
    pub message: String,
}

/// Totals of an audit stream.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditStats {
    /// Lines read (blank ones included).
    pub lines: u64,
    /// Audit events evaluated.
    pub events: u64,
    /// Alerts emitted.
    pub alerts: u64,
    /// Lines that were not audit events.
    pub bad_lines: u64,
}

/// Reads audit events (one JSON `Event`/`EventList` per line) from `reader` until end of
/// input, evaluating each; bad lines go to `on_bad` and the stream goes on. Only an I/O
/// error stops it.
pub fn run_audit(
    engine: &Engine,
    reader: &mut dyn BufRead,
    on_alert: &mut dyn FnMut(Alert),
    on_bad: &mut dyn FnMut(BadLine),
) -> std::io::Result<AuditStats> {
    run_stream(engine, Source::K8sAudit, reader, on_alert, on_bad)
}

/// Reads events of `source` (one JSON object per line: audit events, or recorded
/// syscall events in the `docs/events.md` schema) until end of input, evaluating each;
/// bad lines go to `on_bad` and the stream goes on. Only an I/O error stops it.
pub fn run_stream(
    engine: &Engine,
    source: Source,
    reader: &mut dyn BufRead,
    on_alert: &mut dyn FnMut(Alert),
    on_bad: &mut dyn FnMut(BadLine),
) -> std::io::Result<AuditStats> {
    run_lines(
        engine,
        source,
        reader,
        &mut engine.stream_scratch(),
        on_alert,
        on_bad,
    )
}

/// The body of [`run_stream`], with the caller's buffers (one set per thread).
pub(crate) fn run_lines(
    engine: &Engine,
    source: Source,
    reader: &mut dyn BufRead,
    scratch: &mut StreamScratch,
    on_alert: &mut dyn FnMut(Alert),
    on_bad: &mut dyn FnMut(BadLine),
) -> std::io::Result<AuditStats> {
    let mut stats = AuditStats::default();
    let mut num = 0u64;
    for_each_line(reader, &mut |raw| {
        stats.lines += 1;
        let mut line = AuditLine {
            source,
            raw,
            line_no: stats.lines,
            num: &mut num,
            scratch,
        };
        process_audit_line(engine, &mut line, &mut stats, on_alert, on_bad);
    })?;
    Ok(stats)
}

/// Calls `f` with each line of `reader` (its `\n` included, as `read_until` gives it).
/// Lines lying whole in the reader's buffer are handed over in place, without copying.
pub fn for_each_line(reader: &mut dyn BufRead, f: &mut dyn FnMut(&[u8])) -> std::io::Result<()> {
    let mut partial: Vec<u8> = Vec::new();
    loop {
        let chunk = match reader.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            if !partial.is_empty() {
                f(&partial);
            }
            return Ok(());
        }
        let mut used = 0;
        while let Some(rest) = chunk.get(used..) {
            let Some(nl) = memchr::memchr(b'\n', rest) else {
                partial.extend_from_slice(rest);
                used = chunk.len();
                break;
            };
            let line = rest.get(..=nl).unwrap_or(rest);
            if partial.is_empty() {
                f(line);
            } else {
                partial.extend_from_slice(line);
                f(&partial);
                partial.clear();
            }
            used += nl + 1;
        }
        reader.consume(used);
    }
}

/// One line of an event stream with its position and the per-stream state.
pub struct AuditLine<'a> {
    /// Which source the line belongs to (`k8s_audit` or `syscall`).
    pub source: Source,
    /// The line's bytes.
    pub raw: &'a [u8],
    /// Its 1-based number.
    pub line_no: u64,
    /// Events seen so far in the stream (advanced per event).
    pub num: &'a mut u64,
    /// Per-stream buffers from [`Engine::stream_scratch`].
    pub scratch: &'a mut StreamScratch,
}

/// Buffers reused from event to event of one stream, so that steady-state processing
/// allocates nothing.
#[derive(Debug, Default)]
pub struct StreamScratch {
    /// Comparison memo for [`Engine::process`].
    pub memo: Vec<u8>,
    /// Member table of the current syscall event line.
    pub members: Vec<MemberSpan>,
}

/// Processes one line of an audit stream (shared by file reading and following).
pub fn process_audit_line(
    engine: &Engine,
    l: &mut AuditLine<'_>,
    stats: &mut AuditStats,
    on_alert: &mut dyn FnMut(Alert),
    on_bad: &mut dyn FnMut(BadLine),
) {
    let (raw, line_no) = (l.raw, l.line_no);
    let Ok(line) = std::str::from_utf8(raw) else {
        stats.bad_lines += 1;
        on_bad(BadLine {
            line: line_no,
            message: "line is not valid UTF-8".to_string(),
        });
        return;
    };
    let line = line.trim();
    if line.is_empty() {
        return;
    }
    let mut count_alert = |a: Alert| {
        stats.alerts += 1;
        on_alert(a);
    };
    let parsed = match l.source {
        Source::K8sAudit => parse_line(line, l.num, &engine.hostname).map(|events| {
            for ev in &events {
                stats.events += 1;
                engine.process(
                    Source::K8sAudit,
                    ev,
                    ev.time_ns,
                    &mut l.scratch.memo,
                    &mut count_alert,
                );
            }
        }),
        Source::Syscall => {
            crate::syscall::parse_line_into(line, &mut l.scratch.members).map(|ev| {
                *l.num += 1;
                stats.events += 1;
                engine.process(
                    Source::Syscall,
                    &ev,
                    ev.time_ns,
                    &mut l.scratch.memo,
                    &mut count_alert,
                );
            })
        }
    };
    if let Err(message) = parsed {
        stats.bad_lines += 1;
        on_bad(BadLine {
            line: line_no,
            message,
        });
    }
}
