//! Where runtime alerts go besides standard output or a file: an HTTP webhook (a JSON post
//! per alert from a background thread, bounded queue, retries with backoff, counts of
//! what was dropped or failed) and a per-rule rate limit (token bucket).

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Alerts waiting for the webhook before new ones are dropped.
const QUEUE: usize = 1024;
/// Attempts per alert (the first plus retries).
const ATTEMPTS: u32 = 4;

/// A token bucket per rule: `rate` alerts per second on average, bursts of `burst`.
#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: HashMap<String, (f64, Instant)>,
    /// Alerts suppressed, per rule.
    pub dropped: BTreeMap<String, u64>,
}

impl RateLimiter {
    /// A limiter; `rate` > 0, `burst` ≥ 1.
    pub fn new(rate: f64, burst: f64) -> Self {
        Self {
            rate,
            burst: burst.max(1.0),
            buckets: HashMap::new(),
            dropped: BTreeMap::new(),
        }
    }

    /// Whether an alert of `rule` may go out now (taking a token), else counts it dropped.
    pub fn allow(&mut self, rule: &str) -> bool {
        let now = Instant::now();
        let (tokens, last) = self
            .buckets
            .entry(rule.to_owned())
            .or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * self.rate).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            *self.dropped.entry(rule.to_owned()).or_default() += 1;
            false
        }
    }
}

/// What the webhook did.
#[derive(Debug, Default, Clone, Copy)]
pub struct WebhookStats {
    /// Alerts delivered (2xx).
    pub sent: u64,
    /// Alerts given up after every retry.
    pub failed: u64,
    /// Alerts dropped because the queue was full.
    pub dropped: u64,
}

/// A webhook sink: alerts are queued and posted as JSON by a background thread.
pub struct Webhook {
    tx: Option<SyncSender<String>>,
    worker: Option<JoinHandle<WebhookStats>>,
    dropped: u64,
}

impl Webhook {
    /// Starts the sender for `url` (`http://` only on loopback, like every moat client).
    pub fn start(url: &str) -> Result<Self, String> {
        let insecure_ok = url.starts_with("http://127.0.0.1")
            || url.starts_with("http://localhost")
            || url.starts_with("http://[::1]");
        if !url.starts_with("https://") && !insecure_ok {
            return Err(format!(
                "--webhook {url}: use https:// (plain http:// only for loopback addresses)"
            ));
        }
        let (tx, rx) = mpsc::sync_channel::<String>(QUEUE);
        let url = url.to_owned();
        let worker = std::thread::spawn(move || {
            let agent = ureq::Agent::new_with_config(
                ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(10)))
                    .build(),
            );
            let mut stats = WebhookStats::default();
            for body in rx {
                let mut delay = Duration::from_millis(100);
                let mut ok = false;
                for attempt in 0..ATTEMPTS {
                    if attempt > 0 {
                        std::thread::sleep(delay);
                        delay *= 2;
                    }
                    let sent = agent
                        .post(&url)
                        .header("Content-Type", "application/json")
                        .send(body.as_bytes());
                    if sent.is_ok_and(|r| r.status().is_success()) {
                        ok = true;
                        break;
                    }
                }
                if ok {
                    stats.sent += 1;
                } else {
                    stats.failed += 1;
                }
            }
            stats
        });
        Ok(Self {
            tx: Some(tx),
            worker: Some(worker),
            dropped: 0,
        })
    }

    /// Queues one alert (its JSON); counts it dropped when the queue is full.
    pub fn send(&mut self, json: String) {
        if let Some(tx) = &self.tx
            && let Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) = tx.try_send(json)
        {
            self.dropped += 1;
        }
    }

    /// Waits for the queue to drain and returns the counts.
    pub fn finish(mut self) -> WebhookStats {
        drop(self.tx.take());
        let mut stats = self
            .worker
            .take()
            .and_then(|w| w.join().ok())
            .unwrap_or_default();
        stats.dropped += self.dropped;
        stats
    }
}

/// A syslog sink: one datagram per alert to the local syslog socket (`/dev/log` by
/// default), facility `user`, severity from the rule's priority (Falco's priorities are
/// syslog's severities), in the classic `<PRI>Mmm dd hh:mm:ss moat: text` form.
pub struct Syslog {
    sock: std::os::unix::net::UnixDatagram,
    /// Datagrams the socket refused.
    pub failed: u64,
}

impl Syslog {
    /// Connects to the socket at `path`.
    pub fn open(path: &std::path::Path) -> Result<Self, String> {
        let fail = |e: std::io::Error| format!("--syslog {}: {e}", path.display());
        let sock = std::os::unix::net::UnixDatagram::unbound().map_err(fail)?;
        sock.connect(path).map_err(fail)?;
        Ok(Self { sock, failed: 0 })
    }

    /// Sends one alert's text line.
    pub fn send(&mut self, priority: moat_runtime::Priority, text: &str) {
        use moat_runtime::Priority as P;
        let severity = match priority {
            P::Emergency => 0,
            P::Alert => 1,
            P::Critical => 2,
            P::Error => 3,
            P::Warning => 4,
            P::Notice => 5,
            P::Informational => 6,
            P::Debug => 7,
        };
        let stamp = jiff::Zoned::now().strftime("%b %e %H:%M:%S");
        let msg = format!("<{}>{stamp} moat: {text}", 8 + severity);
        if self.sock.send(msg.as_bytes()).is_err() {
            self.failed += 1;
        }
    }
}

/// Where alerts go, as `moat audit`, `moat runtime replay` and `moat sensor run` configure
/// it: stdout or a file (text or JSON lines), plus webhook and syslog, behind an optional
/// per-rule rate limit.
pub struct SinkOptions<'a> {
    /// One JSON object per line instead of Falco's text line.
    pub json: bool,
    /// Write alerts to this file instead of standard output.
    pub output: Option<&'a Path>,
    /// `--webhook URL`.
    pub webhook: Option<&'a str>,
    /// `--syslog SOCKET`.
    pub syslog: Option<&'a Path>,
    /// `--rate-limit PER_SECOND`.
    pub rate_limit: Option<f64>,
    /// `--burst N`.
    pub burst: f64,
    /// Flush after every alert (following a stream).
    pub streaming: bool,
}

/// The configured sinks; [`AlertSinks::emit`] per alert, [`AlertSinks::finish`] at the end.
pub struct AlertSinks {
    out: Box<dyn Write>,
    json: bool,
    streaming: bool,
    limiter: Option<RateLimiter>,
    webhook: Option<Webhook>,
    syslog: Option<Syslog>,
    write_err: Option<io::Error>,
    /// The most severe priority emitted so far.
    pub worst: Option<moat_runtime::Priority>,
}

impl AlertSinks {
    /// Opens the sinks; `Err` is a usage error to report.
    pub fn open(o: &SinkOptions<'_>) -> Result<Self, String> {
        let limiter = match o.rate_limit {
            Some(r) if r > 0.0 && r.is_finite() => Some(RateLimiter::new(r, o.burst)),
            Some(_) => return Err("--rate-limit: expected a positive number per second".into()),
            None => None,
        };
        let webhook = o.webhook.map(Webhook::start).transpose()?;
        let syslog = o.syslog.map(Syslog::open).transpose()?;
        let out: Box<dyn Write> = match o.output {
            Some(p) => Box::new(BufWriter::new(
                File::create(p).map_err(|e| format!("{}: {e}", p.display()))?,
            )),
            None => Box::new(BufWriter::new(io::stdout())),
        };
        Ok(Self {
            out,
            json: o.json,
            streaming: o.streaming,
            limiter,
            webhook,
            syslog,
            write_err: None,
            worst: None,
        })
    }

    /// Sends one alert everywhere (unless rate-limited).
    pub fn emit(&mut self, alert: &moat_runtime::Alert) {
        if let Some(l) = &mut self.limiter
            && !l.allow(&alert.rule)
        {
            return;
        }
        self.worst = Some(self.worst.map_or(alert.priority, |w| w.min(alert.priority)));
        if let Some(w) = &mut self.webhook {
            w.send(alert.to_json().to_string());
        }
        if let Some(s) = &mut self.syslog {
            s.send(alert.priority, &alert.to_text());
        }
        if self.write_err.is_some() {
            return;
        }
        let line = if self.json {
            alert.to_json().to_string()
        } else {
            alert.to_text()
        };
        // While following, every alert is flushed as it happens.
        let streaming = self.streaming;
        let written = writeln!(self.out, "{line}")
            .and_then(|()| if streaming { self.out.flush() } else { Ok(()) });
        if let Err(e) = written {
            self.write_err = Some(e);
        }
    }

    /// Flushes, drains the webhook and reports the sinks' counts on `err`.
    pub fn finish(mut self, err: &mut dyn Write) -> io::Result<Option<moat_runtime::Priority>> {
        if let Some(e) = self.write_err.take() {
            return Err(e);
        }
        self.out.flush()?;
        if let Some(l) = &self.limiter {
            for (rule, n) in &l.dropped {
                writeln!(
                    err,
                    "moat: rate limit suppressed {n} alerts of rule {rule:?}"
                )?;
            }
        }
        if let Some(s) = self.syslog.as_ref().filter(|s| s.failed > 0) {
            writeln!(err, "moat: syslog refused {} alerts", s.failed)?;
        }
        if let Some(w) = self.webhook.take() {
            let s = w.finish();
            writeln!(
                err,
                "moat: webhook: {} alerts sent, {} failed after retries, {} dropped (queue full)",
                s.sent, s.failed, s.dropped
            )?;
        }
        Ok(self.worst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_bucket_per_rule() {
        let mut r = RateLimiter::new(0.001, 2.0);
        assert!(r.allow("a"));
        assert!(r.allow("a"));
        assert!(!r.allow("a"));
        assert!(r.allow("b"), "buckets are per rule");
        assert_eq!(r.dropped.get("a"), Some(&1));
    }

    #[test]
    fn plain_http_only_on_loopback() {
        assert!(Webhook::start("http://example.com/hook").is_err());
        assert!(Webhook::start("http://127.0.0.1:1/hook").is_ok_and(|w| {
            w.finish();
            true
        }));
    }
}
