//! Replay on several threads: the input is read in batches of whole lines, each batch is
//! cut at line boundaries into one chunk per thread, the chunks are evaluated in
//! parallel against the shared engine, and their alerts and bad lines are handed over in
//! input order (line numbers as a single-threaded replay gives them).

use std::io::BufRead;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::engine::{Alert, AuditStats, BadLine, Engine, StreamScratch, run_lines, run_stream};
use crate::fields::Source;

/// Bytes read per batch (each thread gets about `BATCH / threads`).
const BATCH: usize = 4 << 20;

/// What one thread found in its chunk.
#[derive(Default)]
struct Part {
    stats: AuditStats,
    alerts: Vec<Alert>,
    bad: Vec<BadLine>,
}

/// Like [`run_stream`], on `threads` threads. Alerts and bad lines come in input order.
/// Only the `syscall` source is split (its events are independent); `k8s_audit` streams,
/// whose `evt.num` counts events across the stream, and `threads <= 1` run on the calling
/// thread.
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
    run_batched(engine, source, reader, threads, BATCH, on_alert, on_bad)
}

#[allow(clippy::too_many_arguments)]
fn run_batched(
    engine: &Engine,
    source: Source,
    reader: &mut dyn BufRead,
    threads: usize,
    batch_size: usize,
    on_alert: &mut dyn FnMut(Alert),
    on_bad: &mut dyn FnMut(BadLine),
) -> std::io::Result<AuditStats> {
    let mut scratches: Vec<StreamScratch> = (0..threads).map(|_| engine.stream_scratch()).collect();
    let mut total = AuditStats::default();
    let mut batch: Vec<u8> = Vec::with_capacity(batch_size + (64 << 10));
    let mut want = batch_size;
    loop {
        let eof = fill(reader, &mut batch, want)?;
        let end = if eof {
            batch.len()
        } else if let Some(nl) = memchr::memrchr(b'\n', &batch) {
            nl + 1
        } else {
            // One line longer than a batch: read on until its end.
            want = batch.len() + batch_size;
            continue;
        };
        want = batch_size;
        let work = batch.get(..end).unwrap_or_default();
        let parts = evaluate(engine, source, work, &mut scratches);
        for part in parts {
            for a in part.alerts {
                on_alert(a);
            }
            for mut b in part.bad {
                b.line += total.lines;
                on_bad(b);
            }
            total.lines += part.stats.lines;
            total.events += part.stats.events;
            total.alerts += part.stats.alerts;
            total.bad_lines += part.stats.bad_lines;
        }
        batch.drain(..end);
        if eof {
            return Ok(total);
        }
    }
}

/// Reads until `batch` holds at least `size` bytes; `true` at end of input.
fn fill(reader: &mut dyn BufRead, batch: &mut Vec<u8>, size: usize) -> std::io::Result<bool> {
    while batch.len() < size {
        let chunk = match reader.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(true);
        }
        let n = chunk.len();
        batch.extend_from_slice(chunk);
        reader.consume(n);
    }
    Ok(false)
}

/// Cuts `work` (whole lines) into one chunk per scratch and evaluates them in parallel;
/// the parts come back in input order, line numbers relative to their chunk.
fn evaluate(
    engine: &Engine,
    source: Source,
    work: &[u8],
    scratches: &mut [StreamScratch],
) -> Vec<Part> {
    // More chunks than threads, taken in turn from a shared counter: a thread slowed
    // down (by other work on its core) takes fewer, instead of holding up the batch.
    let n = scratches.len().max(1) * CHUNKS_PER_THREAD;
    let mut chunks = Vec::with_capacity(n);
    let mut start = 0;
    for i in 1..=n {
        let target = work.len() * i / n;
        let end = if i == n {
            work.len()
        } else if target <= start {
            start
        } else {
            work.get(target - 1..)
                .and_then(|rest| memchr::memchr(b'\n', rest))
                .map_or(work.len(), |p| target + p)
        };
        chunks.push(work.get(start..end).unwrap_or_default());
        start = end;
    }
    let next = AtomicUsize::new(0);
    let worker = |scratch: &mut StreamScratch| {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(chunk) = chunks.get(i) else {
                return done;
            };
            done.push((i, chunk_part(engine, source, chunk, scratch)));
        }
    };
    let mut parts: Vec<(usize, Part)> = std::thread::scope(|s| {
        let (first, rest) = scratches.split_at_mut(scratches.len().min(1));
        let handles: Vec<_> = rest
            .iter_mut()
            .map(|scratch| s.spawn(|| worker(scratch)))
            .collect();
        let mut parts = first.first_mut().map(&worker).unwrap_or_default();
        for h in handles {
            // A panicking worker is a bug: propagate it as the single-threaded path would.
            match h.join() {
                Ok(p) => parts.extend(p),
                Err(e) => std::panic::resume_unwind(e),
            }
        }
        parts
    });
    parts.sort_unstable_by_key(|(i, _)| *i);
    parts.into_iter().map(|(_, p)| p).collect()
}

/// Chunks per thread in a batch.
const CHUNKS_PER_THREAD: usize = 8;

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
            let stats = run_batched(
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
        for batch in [10, 1000, BATCH] {
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
