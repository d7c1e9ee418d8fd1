//! `moat audit --listen ADDR`: an HTTP endpoint compatible with the Kubernetes API
//! server's webhook audit backend. Each `POST /k8s-audit` carries an `EventList` (or one
//! `Event`) as JSON; its events are evaluated as they arrive and the request is answered
//! `200` (`400` when the body is not audit JSON, `404`/`405` for other paths and methods,
//! `413` beyond the size limit). HTTPS with `--tls-cert`/`--tls-key` (rustls, PEM files);
//! plain HTTP is only served on a loopback address unless `--insecure`.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, ToSocketAddrs};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use moat_runtime::{AuditStats, BadLine, Engine, Source};

/// Largest request body accepted.
const MAX_BODY: u64 = 32 << 20;
/// Longest request head (request line and headers).
const MAX_HEAD: usize = 64 << 10;

/// A TLS server configuration from a PEM certificate chain and a PEM private key.
pub fn tls_config(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, String> {
    let certs = CertificateDer::pem_file_iter(cert)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|e| format!("--tls-cert {}: {e}", cert.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "--tls-cert {}: no PEM certificate in the file",
            cert.display()
        ));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("--tls-key {}: {e}", key.display()))?;
    ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_no_client_auth().with_single_cert(certs, key))
        .map(Arc::new)
        .map_err(|e| format!("--tls-cert/--tls-key: {e}"))
}

/// Whether every address `addr` names is a loopback address.
pub fn is_loopback(addr: &str) -> bool {
    addr.to_socket_addrs()
        .is_ok_and(|mut a| a.all(|a| a.ip().is_loopback()))
}

/// Serves until `idle_exit` passes without a request (or forever); HTTPS when `tls` is
/// given.
#[allow(clippy::too_many_arguments)]
pub fn serve(
    engine: &Engine,
    source: Source,
    addr: &str,
    tls: Option<&Arc<ServerConfig>>,
    idle_exit: Option<Duration>,
    on_alert: &mut dyn FnMut(moat_runtime::Alert),
    on_bad: &mut dyn FnMut(BadLine),
    ready: &mut dyn FnMut(&str),
) -> io::Result<AuditStats> {
    let listener = TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    ready(&listener.local_addr()?.to_string());
    let mut total = AuditStats::default();
    let mut last = Instant::now();
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                last = Instant::now();
                stream.set_nonblocking(false)?;
                stream.set_read_timeout(Some(Duration::from_secs(30)))?;
                // A broken connection (or failed handshake) loses that request only.
                let _ = if let Some(cfg) = tls {
                    rustls::ServerConnection::new(Arc::clone(cfg))
                        .map_err(io::Error::other)
                        .and_then(|conn| {
                            let mut tls = rustls::StreamOwned::new(conn, stream);
                            handle(engine, source, &mut tls, &mut total, on_alert, on_bad)?;
                            tls.conn.send_close_notify();
                            tls.flush()
                        })
                } else {
                    let mut stream = stream;
                    handle(engine, source, &mut stream, &mut total, on_alert, on_bad)
                };
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if idle_exit.is_some_and(|d| last.elapsed() >= d) {
                    return Ok(total);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => return Err(e),
        }
    }
}

fn respond(stream: &mut impl Write, status: &str, body: &str) -> io::Result<()> {
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}

fn handle(
    engine: &Engine,
    source: Source,
    stream: &mut (impl Read + Write),
    total: &mut AuditStats,
    on_alert: &mut dyn FnMut(moat_runtime::Alert),
    on_bad: &mut dyn FnMut(BadLine),
) -> io::Result<()> {
    let mut reader = BufReader::new(stream);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    let mut parts = request.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let mut length: Option<u64> = None;
    let mut head = request.len();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        head += line.len();
        if head > MAX_HEAD {
            return respond(reader.get_mut(), "431 Request Header Fields Too Large", "");
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().ok();
        }
    }
    if path.split('?').next() != Some("/k8s-audit") {
        return respond(
            reader.get_mut(),
            "404 Not Found",
            "POST audit events to /k8s-audit\n",
        );
    }
    if method != "POST" {
        return respond(reader.get_mut(), "405 Method Not Allowed", "");
    }
    let Some(length) = length else {
        return respond(reader.get_mut(), "411 Length Required", "");
    };
    if length > MAX_BODY {
        return respond(reader.get_mut(), "413 Content Too Large", "");
    }
    let mut body = Vec::new();
    (&mut reader).take(length).read_to_end(&mut body)?;
    // One request is one document: JSON never needs its line breaks.
    for b in &mut body {
        if *b == b'\n' || *b == b'\r' {
            *b = b' ';
        }
    }
    let mut bad = 0u64;
    let stats =
        moat_runtime::run_stream(engine, source, &mut body.as_slice(), on_alert, &mut |b| {
            bad += 1;
            on_bad(b);
        })?;
    total.lines += stats.lines;
    total.events += stats.events;
    total.alerts += stats.alerts;
    total.bad_lines += stats.bad_lines;
    if bad > 0 {
        respond(
            reader.get_mut(),
            "400 Bad Request",
            "not an audit.k8s.io Event or EventList\n",
        )
    } else {
        respond(reader.get_mut(), "200 OK", "")
    }
}
