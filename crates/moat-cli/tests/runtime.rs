//! `moat rules check` and `moat audit`: validation output, fail-closed rules, alerts in
//! text and JSON, bad input lines counted and reported with line numbers, exit codes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fs;
use std::io::{Read, Write};

use common::{code, moat_in, shared, stdout};

fn rules_dir() -> std::path::PathBuf {
    shared().join("runtime-rules")
}

/// Standard output as JSON lines.
fn json_lines(o: &std::process::Output) -> Vec<serde_json::Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The audit event of a privileged pod's creation (one line).
fn privileged_pod_event() -> String {
    fs::read_to_string(rules_dir().join("k8s-audit-tests/events/create_nginx_pod_privileged.json"))
        .unwrap()
        .trim()
        .to_string()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn rules_check_lists_rules_and_reports_errors() {
    let dir = rules_dir();
    let audit_rules = dir.join("k8saudit-plugin/k8s_audit_rules.yaml");
    let o = moat_in(
        &dir,
        &["rules", "check", audit_rules.to_str().unwrap()],
        None,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("k8s_audit: 48 rules"), "{out}");
    assert!(out.contains("Warning       Create Privileged Pod"), "{out}");
    assert!(out.ends_with("valid: 0 error(s), 0 warning(s)\n"), "{out}");

    let o = moat_in(
        &dir,
        &[
            "rules",
            "check",
            "falco-legacy-tests/rules/invalid_base_macro.yaml",
            "falco-legacy-tests/rules/invalid_append_macro.yaml",
        ],
        None,
    );
    assert_eq!(code(&o), 2);
    let out = stdout(&o);
    assert!(
        out.contains("falco-legacy-tests/rules/invalid_append_macro.yaml:1: error: macro 'some macro': unexpected token after 'execve', expecting 'or', 'and' (LOAD_ERR_COMPILE_CONDITION)"),
        "{out}"
    );

    let o = moat_in(
        &dir,
        &[
            "rules",
            "check",
            "-f",
            "json",
            "falco-legacy-tests/rules/invalid_rule_output.yaml",
        ],
        None,
    );
    assert_eq!(code(&o), 2);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["diagnostics"][0]["code"], "LOAD_ERR_COMPILE_OUTPUT");
    assert_eq!(
        v["diagnostics"][0]["line"], 17,
        "the line of the rule item, after the licence header"
    );
}

#[test]
fn audit_alerts_bad_lines_and_exit_codes() {
    let dir = rules_dir();
    let tmp = tempfile::tempdir().unwrap();
    let priv_pod = privileged_pod_event();
    let log = format!(
        "{}\nnot json\n{{\"kind\": 0}}\n{}\n",
        priv_pod.trim(),
        priv_pod.trim()
    );
    let log_path = tmp.path().join("audit.log");
    fs::write(&log_path, &log).unwrap();
    let rules = dir.join("k8saudit-plugin/k8s_audit_rules.yaml");
    let args = |extra: &[&str]| {
        let mut a = vec![
            "audit",
            "--rules",
            rules.to_str().unwrap(),
            "--hostname",
            "node-1",
        ];
        a.extend_from_slice(extra);
        a.iter().map(ToString::to_string).collect::<Vec<_>>()
    };
    let run = |a: Vec<String>, stdin: Option<&[u8]>| {
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        moat_in(tmp.path(), &refs, stdin)
    };

    // Bad lines are reported with their numbers, the stream goes on, exit 2.
    let o = run(args(&["-f", "json", log_path.to_str().unwrap()]), None);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("audit.log:2: invalid JSON"), "{err}");
    assert!(
        err.contains("audit.log:3: data not recognized as a k8s audit event"),
        "{err}"
    );
    assert!(
        err.contains("2 of 4 lines were not k8s_audit events"),
        "{err}"
    );
    let alerts = json_lines(&o);
    assert_eq!(alerts.len(), 2);
    assert_eq!(alerts[0]["rule"], "Create Privileged Pod");
    assert_eq!(alerts[0]["priority"], "Warning");
    assert_eq!(alerts[0]["source"], "k8s_audit");
    assert_eq!(alerts[0]["hostname"], "node-1");
    assert_eq!(alerts[0]["time"], "2018-10-25T14:09:12.581541000Z");
    assert_eq!(alerts[0]["output_fields"]["ka.target.namespace"], "default");

    // --max-errors bounds the report, not the count.
    let o = run(
        args(&["--max-errors", "1", log_path.to_str().unwrap()]),
        None,
    );
    let err = stderr(&o);
    assert!(
        err.contains("audit.log:2:") && !err.contains("audit.log:3:"),
        "{err}"
    );

    // Clean stdin: text alerts, exit 0; --fail-on makes alerts fail.
    let o = run(args(&["-"]), Some(priv_pod.as_bytes()));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).starts_with(
        "2018-10-25T14:09:12.581541000Z: Warning Pod started with privileged container"
    ));
    let o = run(
        args(&["--fail-on", "warning", "-"]),
        Some(priv_pod.as_bytes()),
    );
    assert_eq!(code(&o), 1);
    let o = run(
        args(&["--fail-on", "critical", "-"]),
        Some(priv_pod.as_bytes()),
    );
    assert_eq!(code(&o), 0);
    // (No stdin: the usage error exits before reading it.)
    let o = run(args(&["--fail-on", "bogus", "-"]), None);
    assert_eq!(code(&o), 2);

    // Rules with errors: fail closed, unless --skip-invalid-rules.
    let bad_rules = tmp.path().join("bad.yaml");
    fs::write(&bad_rules, "- rule: broken\n  desc: d\n  condition: ka.nope = 1\n  output: o\n  priority: INFO\n  source: k8s_audit\n").unwrap();
    let pod_path = tmp.path().join("pod.log");
    fs::write(&pod_path, &priv_pod).unwrap();
    let mut a = args(&[
        "--rules",
        bad_rules.to_str().unwrap(),
        pod_path.to_str().unwrap(),
    ]);
    let o = run(a.clone(), None);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains(
            "bad.yaml:1: error: rule 'broken': filter_check called with nonexistent field ka.nope"
        ),
        "{}",
        stderr(&o)
    );
    a.insert(1, "--skip-invalid-rules".to_string());
    let o = run(a, None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 1);

    // Unreadable log.
    let o = run(args(&["missing.log"]), None);
    assert_eq!(code(&o), 2);
}

#[test]
fn audit_follow_reads_appended_lines_until_idle() {
    let dir = rules_dir();
    let tmp = tempfile::tempdir().unwrap();
    let ev = privileged_pod_event();
    let log = tmp.path().join("audit.log");
    fs::write(&log, format!("{ev}\n")).unwrap();
    let rules = dir.join("k8saudit-plugin/k8s_audit_rules.yaml");
    let writer = {
        let log = log.clone();
        let ev = ev.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(400));
            let mut f = fs::OpenOptions::new().append(true).open(&log).unwrap();
            writeln!(f, "{ev}").unwrap();
        })
    };
    let o = moat_in(
        tmp.path(),
        &[
            "audit",
            "-r",
            rules.to_str().unwrap(),
            "--follow",
            "--idle-exit",
            "1.5",
            log.to_str().unwrap(),
        ],
        None,
    );
    writer.join().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 2, "{}", stdout(&o));
    let o = moat_in(
        tmp.path(),
        &["audit", "-r", rules.to_str().unwrap(), "--follow", "-"],
        None,
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--follow needs a log file"));
    let o = moat_in(
        tmp.path(),
        &[
            "audit",
            "-r",
            rules.to_str().unwrap(),
            "--follow",
            "--idle-exit=-1",
            log.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--idle-exit: expected a number of seconds"));
}

#[test]
fn runtime_replay_syscall_events() {
    let rules = rules_dir().join("falcosecurity-rules/falco_rules.yaml");
    let events = common::root().join("crates/moat-runtime/tests/fixtures/syscall_events.jsonl");
    let o = moat_in(
        &common::root(),
        &[
            "runtime",
            "replay",
            "-r",
            rules.to_str().unwrap(),
            events.to_str().unwrap(),
            "-f",
            "json",
        ],
        None,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let alerts = json_lines(&o);
    assert_eq!(alerts.len(), 22);
    assert_eq!(alerts[0]["rule"], "Terminal shell in container");
    assert_eq!(alerts[0]["source"], "syscall");
    assert_eq!(alerts[0]["output_fields"]["proc.name"], "bash");
    assert!(
        stderr(&o).contains("40 events, 22 alerts"),
        "{}",
        stderr(&o)
    );
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.jsonl");
    fs::write(&bad, "{\"proc.name\":\"x\"}\n").unwrap();
    let o = moat_in(
        tmp.path(),
        &[
            "runtime",
            "replay",
            "-r",
            rules.to_str().unwrap(),
            bad.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("bad.jsonl:1: data not recognized as a syscall event"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn runtime_replay_on_two_threads_keeps_alerts_in_order() {
    let rules = rules_dir().join("falcosecurity-rules/falco_rules.yaml");
    let events = common::root().join("crates/moat-runtime/tests/fixtures/syscall_events.jsonl");
    let replay = |extra: &[&str]| {
        let mut args = vec![
            "runtime",
            "replay",
            "-r",
            rules.to_str().unwrap(),
            events.to_str().unwrap(),
            "-f",
            "json",
            "--hostname",
            "h",
        ];
        args.extend_from_slice(extra);
        moat_in(&common::root(), &args, None)
    };
    let one = replay(&[]);
    let two = replay(&["--threads", "2"]);
    assert_eq!(code(&two), 0, "{}", stderr(&two));
    assert_eq!(stdout(&two), stdout(&one));
    assert_eq!(json_lines(&two).len(), 22);
    assert!(stderr(&two).contains("40 events, 22 alerts"));
    let zero = replay(&["--threads", "0"]);
    assert_eq!(code(&zero), 2);
    assert!(stderr(&zero).contains("--threads"), "{}", stderr(&zero));
    let audit_rules = rules_dir().join("k8saudit-plugin/k8s_audit_rules.yaml");
    let o = moat_in(
        &common::root(),
        &[
            "audit",
            "-r",
            audit_rules.to_str().unwrap(),
            "--threads",
            "2",
            events.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--threads is for"), "{}", stderr(&o));
}

/// POSTs `body` to the listener and returns the HTTP status line.
fn post(addr: &str, path: &str, body: &str) -> String {
    use std::io::{BufRead, BufReader};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut status = String::new();
    BufReader::new(s).read_line(&mut status).unwrap();
    status.trim().to_owned()
}

#[test]
fn audit_listen_receives_webhook_batches() {
    let rules = rules_dir().join("k8saudit-plugin/k8s_audit_rules.yaml");
    let (child, mut err, addr) = common::start_listener(
        &[
            "audit",
            "--rules",
            rules.to_str().unwrap(),
            "--hostname",
            "node-1",
            "-f",
            "json",
            "--idle-exit",
            "2",
        ],
        "http",
    );
    // The API server's webhook backend sends an EventList per request (pretty JSON is fine).
    let event: serde_json::Value = serde_json::from_str(&privileged_pod_event()).unwrap();
    let list =
        serde_json::json!({"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "items": [event]});
    let pretty = serde_json::to_string_pretty(&list).unwrap();
    assert_eq!(post(&addr, "/k8s-audit", &pretty), "HTTP/1.1 200 OK");
    assert_eq!(
        post(&addr, "/k8s-audit", "{\"kind\": 0}"),
        "HTTP/1.1 400 Bad Request"
    );
    assert_eq!(post(&addr, "/other", "{}"), "HTTP/1.1 404 Not Found");
    let out = child.wait_with_output().unwrap();
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "a bad batch makes the exit code 2: {rest}"
    );
    let alerts: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        alerts.iter().any(|a| a["rule"] == "Create Privileged Pod"),
        "{alerts:#?}"
    );
    assert!(
        rest.contains("data not recognized as a k8s audit event"),
        "{rest}"
    );
}

#[test]
fn audit_webhook_sink_and_rate_limit() {
    use std::io::{BufRead, BufReader};
    use std::sync::{Arc, Mutex};
    // A webhook receiver on 127.0.0.1 that records the JSON bodies it is sent.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/alerts", listener.local_addr().unwrap());
    let bodies = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = bodies.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut r = BufReader::new(stream.try_clone().unwrap());
            let mut len = 0usize;
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; len];
            r.read_exact(&mut body).unwrap();
            seen.lock().unwrap().push(String::from_utf8(body).unwrap());
            let mut w = stream;
            let _ =
                w.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    let tmp = tempfile::tempdir().unwrap();
    let event = privileged_pod_event();
    let log = tmp.path().join("audit.log");
    fs::write(&log, format!("{event}\n{event}\n{event}\n")).unwrap();
    let rules = rules_dir().join("k8saudit-plugin/k8s_audit_rules.yaml");
    let o = moat_in(
        tmp.path(),
        &[
            "audit",
            "--rules",
            rules.to_str().unwrap(),
            "-f",
            "json",
            "--webhook",
            &url,
            "--rate-limit",
            "0.001",
            "--burst",
            "1",
            log.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    // Three privileged pods, one alert let through per rule by the bucket of one.
    let printed = json_lines(&o);
    let privileged: Vec<_> = printed
        .iter()
        .filter(|a| a["rule"] == "Create Privileged Pod")
        .collect();
    assert_eq!(privileged.len(), 1, "{printed:#?}");
    assert!(
        err.contains("rate limit suppressed 2 alerts of rule \"Create Privileged Pod\""),
        "{err}"
    );
    assert!(
        err.contains(&format!("webhook: {} alerts sent, 0 failed", printed.len())),
        "{err}"
    );
    let got = bodies.lock().unwrap().clone();
    assert_eq!(got.len(), printed.len());
    let first: serde_json::Value = serde_json::from_str(&got[0]).unwrap();
    assert!(
        first["rule"].is_string() && first["output_fields"].is_object(),
        "{first}"
    );
    let o = moat_in(
        tmp.path(),
        &[
            "audit",
            "--rules",
            rules.to_str().unwrap(),
            "--webhook",
            "http://example.com/x",
            log.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code(&o), 2, "plain http off loopback is refused");
}

#[test]
fn audit_syslog_sink() {
    let tmp = tempfile::tempdir().unwrap();
    let socket = tmp.path().join("log.sock");
    let receiver = std::os::unix::net::UnixDatagram::bind(&socket).unwrap();
    receiver
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let log = tmp.path().join("audit.log");
    fs::write(&log, format!("{}\n", privileged_pod_event())).unwrap();
    let rules = rules_dir().join("k8saudit-plugin/k8s_audit_rules.yaml");
    let o = moat_in(
        tmp.path(),
        &[
            "audit",
            "--rules",
            rules.to_str().unwrap(),
            "--syslog",
            socket.to_str().unwrap(),
            log.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let mut buf = [0u8; 8192];
    let mut got = Vec::new();
    while let Ok(n) = receiver.recv(&mut buf) {
        got.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        receiver
            .set_read_timeout(Some(std::time::Duration::from_millis(200)))
            .unwrap();
    }
    assert_eq!(got.len(), stdout(&o).lines().count(), "{got:#?}");
    // Facility user (8) + severity warning (4).
    assert!(
        got.iter()
            .any(|m| m.starts_with("<12>") && m.contains(" moat: ") && m.contains("privileged")),
        "{got:#?}"
    );
    let o = moat_in(
        tmp.path(),
        &[
            "audit",
            "--rules",
            rules.to_str().unwrap(),
            "--syslog",
            "/nonexistent/sock",
            log.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code(&o), 2);
}
