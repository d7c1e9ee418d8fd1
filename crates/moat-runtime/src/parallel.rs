//! Replay on several threads: the calling thread reads the input in chunks of whole
//! lines and hands them to `threads` workers through a bounded queue; the workers
//! evaluate them against the shared engine, and the calling thread hands their alerts and
//! bad lines over in input order (line numbers as a single-threaded replay gives them).
//! There is no barrier per batch: a worker slowed down by other work on its core only
//! delays the chunks it holds.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};

use crate::engine::{Alert, AuditStats, BadLine, Engine, StreamScratch, run_lines, run_stream};
use crate::fields::Source;

/// Bytes per chunk of whole lines (about 400 recorded events).
const CHUNK: usize = 256 << 10;

/// Chunks queued per worker beyond the one it evaluates (bounds the memory in flight).
const QUEUED_PER_THREAD: usize = 4;

/// What one worker found in one chunk.
#[derive(Default)]
struct Part {
    stats: AuditStats,
    alerts: Vec<Alert>,
    bad: Vec<BadLine>,
}

/// Like [`run_stream`], on `threads` worker threads. Alerts and bad lines come in input
/// order. Only the `syscall` source is split (its events are independent); `k8s_audit`
/// streams, whose `evt.num` counts events across the stream, and `threads <= 1` run on
/// the calling thread.
pub fn run_stream_parallel(
    engine: &Engine,
    source: Source,
    reader: &mut dyn BufRead,
    threads: usize,
    on_alert: &mut dyn FnMut(Alert),
    on_bad: &mut dyn FnMut(BadLine),
) -> std::io::Result<AuditStats> {
    if threads <= 1 || source != Source::Syscall {
        return run_stream(engine, source, reader, on_alert, on_bad);
    }
    run_chunked(engine, source, reader, threads, CHUNK, on_alert, on_bad)
}

/// Hands parts over in input order as they arrive.
struct Reorder<'a> {
    next: usize,
    waiting: BTreeMap<usize, Part>,
    total: AuditStats,
    on_alert: &'a mut dyn FnMut(Alert),
    on_bad: &'a mut dyn FnMut(BadLine),
}

impl Reorder<'_> {
    fn add(&mut self, index: usize, part: Part) {
        self.waiting.insert(index, part);
        while let Some(part) = self.waiting.remove(&self.next) {
            self.next += 1;
            for a in part.alerts {
                (self.on_alert)(a);
            }
            for mut b in part.bad {
                b.line += self.total.lines;
                (self.on_bad)(b);
            }
            self.total.lines += part.stats.lines;
            self.total.events += part.stats.events;
            self.total.alerts += part.stats.alerts;
            self.total.bad_lines += part.stats.bad_lines;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn run_chunked(
    engine: &Engine,
    source: Source,
    reader: &mut dyn BufRead,
    threads: usize,
    chunk_size: usize,
    on_alert: &mut dyn FnMut(Alert),
    on_bad: &mut dyn FnMut(BadLine),
) -> std::io::Result<AuditStats> {
    let (job_tx, job_rx) = sync_channel::<(usize, Vec<u8>)>(threads * QUEUED_PER_THREAD);
    let job_rx = Arc::new(Mutex::new(job_rx));
    let (part_tx, part_rx) = std::sync::mpsc::channel::<(usize, Part)>();
    let mut out = Reorder {
        next: 0,
        waiting: BTreeMap::new(),
        total: AuditStats::default(),
        on_alert,
        on_bad,
    };
    let read = std::thread::scope(|s| {
        for _ in 0..threads {
            let (jobs, parts) = (Arc::clone(&job_rx), part_tx.clone());
            s.spawn(move || worker(engine, source, &jobs, &parts));
        }
        // Only the workers hold the queue's receiving end and the result senders: if they
        // all stop, sending fails and receiving ends instead of waiting forever.
        drop(job_rx);
        drop(part_tx);
        let mut index = 0;
        let mut carry: Vec<u8> = Vec::new();
        let read = loop {
            let eof = match fill(reader, &mut carry, chunk_size) {
                Ok(eof) => eof,
                Err(e) => break Err(e),
            };
            let end = if eof {
                carry.len()
            } else if let Some(nl) = memchr::memrchr(b'\n', &carry) {
                nl + 1
            } else {
                // One line longer than a chunk: read on until its end.
                continue;
            };
            let rest = carry.split_off(end);
            let chunk = std::mem::replace(&mut carry, rest);
            if !chunk.is_empty() {
                if job_tx.send((index, chunk)).is_err() {
                    break Ok(());
                }
                index += 1;
            }
            // Hand over what is done so far (alerts flow while reading goes on).
            while let Ok((i, part)) = part_rx.try_recv() {
                out.add(i, part);
            }
            if eof {
                break Ok(());
            }
        };
        // No more jobs: the workers finish theirs and stop.
        drop(job_tx);
        for (i, part) in &part_rx {
            out.add(i, part);
        }
        read
    });
    read.map(|()| out.total)
}

/// Evaluates chunks from `jobs` until the queue closes.
fn worker(
    engine: &Engine,
    source: Source,
    jobs: &Mutex<Receiver<(usize, Vec<u8>)>>,
    parts: &std::sync::mpsc::Sender<(usize, Part)>,
) {
    let mut scratch = engine.stream_scratch();
    loop {
        // A poisoned lock means another worker panicked: stop taking work.
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok((index, chunk)) = job else { return };
        let part = chunk_part(engine, source, &chunk, &mut scratch);
        if parts.send((index, part)).is_err() {
            return;
        }
    }
}

/// Reads until `buf` holds at least `size` bytes more than it did; `true` at end of
/// input.
fn fill(reader: &mut dyn BufRead, buf: &mut Vec<u8>, size: usize) -> std::io::Result<bool> {
    let want = buf.len() + size;
    while buf.len() < want {
        let chunk = match reader.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(true);
        }
        let n = chunk.len().min(want - buf.len());
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
        reader.consume(n);
    }
    Ok(false)
}

fn chunk_part(engine: &Engine, source: Source, chunk: &[u8], scratch: &mut StreamScratch) -> Part {
    let mut part = Part::default();
    let (alerts, bad) = (&mut part.alerts, &mut part.bad);
    let mut reader = chunk;
    // Reading a slice cannot fail.
    if let Ok(stats) = run_lines(
        engine,
        source,
        &mut reader,
        scratch,
        &mut |a| alerts.push(a),
        &mut |b| bad.push(b),
    ) {
        part.stats = stats;
    }
    part
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::RuleSet;

    #[test]
    fn parallel_replay_matches_serial_order_and_line_numbers() {
        let mut set = RuleSet::new();
        set.load_str(
            "r.yaml",
            "- rule: sh\n  desc: d\n  condition: evt.type = execve and proc.name = sh\n  output: \"%proc.pid\"\n  priority: WARNING\n",
        );
        let engine = Engine::new(&crate::compile(&set), false).unwrap();
        let mut log = String::new();
        for i in 0..3000 {
            match i % 7 {
                0 => log.push_str(&format!(
                    "{{\"evt.type\":\"execve\",\"proc.name\":\"sh\",\"proc.pid\":{i}}}\n"
                )),
                3 => log.push_str("not json\n"),
                _ => log.push_str("{\"evt.type\":\"read\",\"proc.name\":\"sh\"}\n"),
            }
        }
        let run = |threads, batch| {
            let (mut alerts, mut bad) = (Vec::new(), Vec::new());
            let stats = run_chunked(
                &engine,
                Source::Syscall,
                &mut std::io::BufReader::with_capacity(100, log.as_bytes()),
                threads,
                batch,
                &mut |a| alerts.push(a.output),
                &mut |b| bad.push(b.line),
            )
            .unwrap();
            (stats, alerts, bad)
        };
        let mut serial = (AuditStats::default(), Vec::new(), Vec::new());
        let stats = run_stream(
            &engine,
            Source::Syscall,
            &mut log.as_bytes(),
            &mut |a| serial.1.push(a.output),
            &mut |b| serial.2.push(b.line),
        )
        .unwrap();
        serial.0 = stats;
        assert_eq!(serial.0.events, 3000 - 3000 / 7 - 1);
        assert_eq!(serial.1.len(), 429);
        // Batches smaller than a line, a few lines, and the whole input.
        for batch in [10, 1000, CHUNK] {
            for threads in [2, 3, 8] {
                assert_eq!(
                    run(threads, batch),
                    serial,
                    "{threads} threads, batch {batch}"
                );
            }
        }
    }
}
