//! Following a growing audit log (`moat audit --follow`): reads what is there, then
//! polls for more; survives rotation (the path now names a new file: rename + create) and
//! truncation (copytruncate), finishing the old file's last lines first. Only complete
//! lines are evaluated; a partial last line waits for its newline.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use crate::engine::{Alert, AuditLine, AuditStats, BadLine, Engine, process_audit_line};
use crate::fields::Source;

/// How to follow.
#[derive(Clone, Copy, Debug)]
pub struct FollowOptions {
    /// Pause between polls at the end of the file.
    pub poll: Duration,
    /// Stop after this long without new data (`None`: follow until `stop` says so).
    pub idle_exit: Option<Duration>,
}

impl Default for FollowOptions {
    fn default() -> Self {
        FollowOptions {
            poll: Duration::from_millis(200),
            idle_exit: None,
        }
    }
}

/// Identity of the file a path names (device and inode on Unix), to detect rotation.
fn identity(meta: &std::fs::Metadata) -> (u64, u64) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        (meta.dev(), meta.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        (0, 0)
    }
}

struct Reader {
    file: File,
    id: (u64, u64),
    offset: u64,
    pending: Vec<u8>,
    line_no: u64,
}

impl Reader {
    fn open(path: &Path) -> io::Result<Self> {
        let file = File::open(path)?;
        let id = identity(&file.metadata()?);
        Ok(Reader {
            file,
            id,
            offset: 0,
            pending: Vec::new(),
            line_no: 0,
        })
    }
}

/// Follows `path`, evaluating every complete line, until `stop()` returns true or the
/// idle timeout passes. Bad lines go to `on_bad` with their line number in the current
/// file (numbering restarts after rotation or truncation).
pub fn follow_audit(
    engine: &Engine,
    source: Source,
    path: &Path,
    opts: FollowOptions,
    on_alert: &mut dyn FnMut(Alert),
    on_bad: &mut dyn FnMut(BadLine),
    stop: &dyn Fn() -> bool,
) -> io::Result<AuditStats> {
    let mut stats = AuditStats::default();
    let mut r = Reader::open(path)?;
    let mut num = 0u64;
    let mut scratch = engine.stream_scratch();
    let mut chunk = vec![0u8; 1 << 16];
    let mut last_data = Instant::now();
    loop {
        let n = r.file.read(&mut chunk)?;
        if n > 0 {
            last_data = Instant::now();
            r.offset += n as u64;
            r.pending
                .extend_from_slice(chunk.get(..n).unwrap_or_default());
            let mut start = 0;
            while let Some(nl) = r
                .pending
                .get(start..)
                .and_then(|p| memchr::memchr(b'\n', p))
            {
                r.line_no += 1;
                stats.lines += 1;
                let mut line = AuditLine {
                    source,
                    raw: r.pending.get(start..start + nl).unwrap_or_default(),
                    line_no: r.line_no,
                    num: &mut num,
                    scratch: &mut scratch,
                };
                process_audit_line(engine, &mut line, &mut stats, on_alert, on_bad);
                start += nl + 1;
            }
            r.pending.drain(..start);
            continue;
        }
        if stop() {
            break;
        }
        if opts.idle_exit.is_some_and(|t| last_data.elapsed() >= t) {
            break;
        }
        // At the end: has the path been rotated or the file truncated?
        match std::fs::metadata(path) {
            Ok(meta) if identity(&meta) != r.id => {
                // Rotated: the old file is fully read (read returned 0); switch.
                if let Ok(next) = Reader::open(path) {
                    r = next;
                    continue;
                }
            }
            Ok(meta) if meta.len() < r.offset => {
                r.file.seek(SeekFrom::Start(0))?;
                r.offset = 0;
                r.pending.clear();
                r.line_no = 0;
                continue;
            }
            _ => {}
        }
        thread::sleep(opts.poll);
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::{RuleSet, compile};

    const RULE: &str = "- rule: r\n  desc: d\n  condition: ka.verb=create\n  output: \"%ka.target.name\"\n  priority: INFO\n  source: k8s_audit\n";

    fn ev(name: &str) -> String {
        format!(
            "{{\"kind\":\"Event\",\"verb\":\"create\",\"objectRef\":{{\"name\":\"{name}\"}}}}\n"
        )
    }

    #[test]
    fn follows_growth_partial_lines_rotation_and_truncation() {
        let dir = std::env::temp_dir().join(format!("moat-follow-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("audit.log");
        std::fs::write(&path, ev("a")).unwrap();
        let mut set = RuleSet::new();
        set.load_str("r.yaml", RULE);
        let engine = Engine::new(&compile(&set), false).unwrap();
        let writer = {
            let path = path.clone();
            std::thread::spawn(move || {
                let pause = || std::thread::sleep(Duration::from_millis(120));
                pause();
                let mut f = std::fs::OpenOptions::new()
                    .append(true)
                    .open(&path)
                    .unwrap();
                let b = ev("b");
                let (x, y) = b.split_at(10);
                f.write_all(x.as_bytes()).unwrap();
                f.flush().unwrap();
                pause();
                f.write_all(y.as_bytes()).unwrap();
                f.write_all(b"not json\n").unwrap();
                drop(f);
                pause();
                // Rotation: rename, then a new file at the path.
                std::fs::rename(&path, path.with_extension("1")).unwrap();
                std::fs::write(&path, ev("c") + "garbage\n").unwrap();
                pause();
                // Truncation (copytruncate) and new content.
                std::fs::write(&path, ev("d")).unwrap();
            })
        };
        let mut names = Vec::new();
        let mut bad = Vec::new();
        let opts = FollowOptions {
            poll: Duration::from_millis(20),
            idle_exit: Some(Duration::from_millis(600)),
        };
        let stats = follow_audit(
            &engine,
            Source::K8sAudit,
            &path,
            opts,
            &mut |a| names.push(a.output),
            &mut |b| bad.push(b.line),
            &|| false,
        )
        .unwrap();
        writer.join().unwrap();
        assert_eq!(names, ["a", "b", "c", "d"]);
        assert_eq!(bad, [3, 2], "line numbers restart in the new file");
        assert_eq!(stats.events, 4);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
