//! Helpers shared by the CLI tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod registry;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// `../shared` beside the repository.
pub fn shared() -> PathBuf {
    root().join("../shared")
}

/// Runs `moat` with args in `dir`, optionally feeding stdin.
pub fn moat_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_moat"));
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(input) = stdin {
        use std::io::Write;
        let mut si = child.stdin.take().unwrap();
        si.write_all(input).unwrap();
    }
    child.wait_with_output().unwrap()
}

/// Runs `moat` in the repository root.
pub fn moat(args: &[&str]) -> Output {
    moat_in(&root(), args, None)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn validator(schema_path: &Path) -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn validate(schema_path: &Path, text: &str) -> serde_json::Value {
    let v: serde_json::Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON: {e}\n{text}"));
    let errs: Vec<String> = validator(schema_path)
        .iter_errors(&v)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errs.is_empty(),
        "schema {}:\n{}",
        schema_path.display(),
        errs.join("\n")
    );
    v
}

/// Parses and validates a JSON report against docs/report.schema.json.
pub fn valid_report(text: &str) -> serde_json::Value {
    validate(&root().join("docs/report.schema.json"), text)
}

/// Parses and validates SARIF against the official 2.1.0 schema in ../shared.
pub fn valid_sarif(text: &str) -> serde_json::Value {
    validate(
        &shared().join("schemas/sarif-2.1.0/sarif-schema-2.1.0.json"),
        text,
    )
}

/// Checks JUnit XML is well formed and has the expected shape; returns (suites, cases, failures).
pub fn valid_junit(text: &str) -> (usize, usize, usize) {
    use quick_xml::Reader;
    use quick_xml::events::Event;
    let mut r = Reader::from_str(text);
    let (mut suites, mut cases, mut failures) = (0, 0, 0);
    let mut depth = 0i32;
    let mut root_seen = false;
    loop {
        match r
            .read_event()
            .unwrap_or_else(|e| panic!("bad XML: {e}\n{text}"))
        {
            Event::Start(e) | Event::Empty(e) if e.name().0 == "testsuites" => {
                root_seen = true;
                depth += 1;
            }
            Event::Start(e) => {
                depth += 1;
                match e.name().0 {
                    "testsuite" => suites += 1,
                    "testcase" => cases += 1,
                    "failure" => failures += 1,
                    _ => {}
                }
            }
            Event::Empty(e) => match e.name().0 {
                "testcase" => cases += 1,
                "failure" => failures += 1,
                _ => {}
            },
            Event::End(_) => depth -= 1,
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(root_seen && depth == 0, "unbalanced JUnit XML");
    (suites, cases, failures)
}

/// A `moat audit --listen 127.0.0.1:0 …` server started in the background: the child,
/// its stderr after the first line, and the `ADDR` it announced (`moat: listening on
/// SCHEME://ADDR/k8s-audit`).
pub fn start_listener(
    args: &[&str],
    scheme: &str,
) -> (
    std::process::Child,
    std::io::BufReader<std::process::ChildStderr>,
    String,
) {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_moat"))
        .args(args)
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    err.read_line(&mut first).unwrap();
    let addr = first
        .trim()
        .strip_prefix(&format!("moat: listening on {scheme}://"))
        .and_then(|a| a.strip_suffix("/k8s-audit"))
        .unwrap_or_else(|| panic!("{first}"))
        .to_owned();
    (child, err, addr)
}
