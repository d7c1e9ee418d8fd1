//! `scripts/bench-sensor`: the stress-ng baseline runs and parses, and the sensor part
//! refuses clearly, before measuring anything, when `moat sensor` is unavailable.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/bench-sensor")
}

fn run(args: &[&str]) -> Output {
    Command::new(script())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn has_stress_ng() -> bool {
    Command::new("stress-ng")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn baseline_reports_ops_per_second() {
    if !has_stress_ng() {
        eprintln!("skipped: stress-ng is missing (scripts/setup-test-deps installs it)");
        return;
    }
    let o = run(&[
        "--baseline-only",
        "--duration",
        "1",
        "--runs",
        "1",
        "--workers",
        "1",
        "--stressors",
        "open sock",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for stressor in ["open", "sock"] {
        let ops: f64 = out
            .lines()
            .find_map(|l| l.strip_prefix(stressor))
            .and_then(|rest| rest.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {stressor} row in {out}"));
        assert!(ops > 0.0, "{out}");
    }
}

#[test]
fn sensor_part_fails_clearly_without_a_sensor() {
    if !has_stress_ng() {
        eprintln!("skipped: stress-ng is missing (scripts/setup-test-deps installs it)");
        return;
    }
    // `/bin/false` stands for a moat built without the sensor: `moat sensor check` fails.
    let o = run(&["--duration", "1", "--runs", "1", "--moat", "/bin/false"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty(), "nothing was measured");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("no working `moat sensor`") || err.contains("needs root"),
        "{err}"
    );
}

#[test]
fn bad_options_are_usage_errors() {
    for args in [
        &["--stressors", "fork"][..],
        &["--duration", "0"],
        &["--bogus"],
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&o.stderr).starts_with("bench-sensor: "),
            "{args:?}"
        );
    }
}
