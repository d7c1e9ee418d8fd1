//! `moat audit --listen` over HTTPS (`--tls-cert`/`--tls-key`, a self-signed certificate
//! made here) with a rustls client on 127.0.0.1, and the refusal of plain HTTP on
//! non-loopback addresses unless `--insecure`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use common::{code, moat_in, shared};

fn audit_rules() -> std::path::PathBuf {
    shared().join("runtime-rules/k8saudit-plugin/k8s_audit_rules.yaml")
}

/// POSTs `body` over TLS (trusting only `ca`) and returns the status line; the read
/// fails unless the server ends the session cleanly (TLS `close_notify`).
fn post_tls(addr: &str, ca: &rustls_pki_types::CertificateDer<'static>, body: &str) -> String {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, TcpStream::connect(addr).unwrap());
    write!(
        tls,
        "POST /k8s-audit HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    tls.flush().unwrap();
    let mut response = String::new();
    // A clean close (close_notify) ends the read without error.
    tls.read_to_string(&mut response).unwrap();
    response.lines().next().unwrap_or_default().to_owned()
}

#[test]
fn audit_listen_serves_https_with_a_pem_certificate() {
    let tmp = tempfile::tempdir().unwrap();
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let (cert, key) = (tmp.path().join("tls.crt"), tmp.path().join("tls.key"));
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
    let (child, mut err, addr) = common::start_listener(
        &[
            "audit",
            "--rules",
            audit_rules().to_str().unwrap(),
            "-f",
            "json",
            "--idle-exit",
            "2",
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
        "https",
    );
    let event = std::fs::read_to_string(
        shared().join("runtime-rules/k8s-audit-tests/events/create_nginx_pod_privileged.json"),
    )
    .unwrap();
    let event: serde_json::Value = serde_json::from_str(event.trim()).unwrap();
    let list =
        serde_json::json!({"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "items": [event]});
    assert_eq!(
        post_tls(&addr, ck.cert.der(), &list.to_string()),
        "HTTP/1.1 200 OK"
    );
    // A plain-HTTP client on the TLS port gets nothing useful, and the server goes on.
    let mut plain = TcpStream::connect(&addr).unwrap();
    let _ = plain.write_all(b"POST /k8s-audit HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}");
    let mut junk = Vec::new();
    let _ = plain.read_to_end(&mut junk);
    assert!(!String::from_utf8_lossy(&junk).starts_with("HTTP/1.1 200"));
    assert_eq!(
        post_tls(&addr, ck.cert.der(), &list.to_string()),
        "HTTP/1.1 200 OK"
    );
    let out = child.wait_with_output().unwrap();
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    assert_eq!(out.status.code(), Some(0), "{rest}");
    let alerts = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        alerts.matches("\"rule\":\"Create Privileged Pod\"").count(),
        2,
        "{alerts}"
    );
}

#[test]
fn plain_http_only_on_loopback_unless_insecure() {
    let rules = audit_rules();
    let audit = |extra: &[&str]| {
        let mut args = vec!["audit", "-r", rules.to_str().unwrap()];
        args.extend_from_slice(extra);
        let o = moat_in(&common::root(), &args, None);
        (code(&o), String::from_utf8_lossy(&o.stderr).into_owned())
    };
    let (status, err) = audit(&["--listen", "0.0.0.0:0"]);
    assert_eq!(status, 2);
    assert!(
        err.contains("plain HTTP is only served on loopback"),
        "{err}"
    );
    let (status, err) = audit(&["--listen", "0.0.0.0:0", "--insecure", "--idle-exit", "0.2"]);
    assert_eq!(status, 0, "{err}");
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("missing.pem");
    let missing = missing.to_str().unwrap();
    let (status, err) = audit(&[
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        missing,
        "--tls-key",
        missing,
    ]);
    assert_eq!(status, 2);
    assert!(
        err.contains("--tls-cert") && err.contains("missing.pem"),
        "{err}"
    );
}
