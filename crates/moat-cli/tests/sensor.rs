//! `moat sensor`: without the `sensor` feature it explains how to enable it; with it (and
//! root and BTF) it attaches, alerts with the default rules, detaches cleanly on SIGTERM,
//! and leaves no program behind after SIGKILL. Tests that cannot run say why.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

fn moat() -> Command {
    Command::new(env!("CARGO_BIN_EXE_moat"))
}

#[cfg(not(feature = "sensor"))]
#[test]
fn without_the_feature_the_sensor_explains_how_to_enable_it() {
    for args in [
        &["sensor", "check"][..],
        &["sensor", "run", "--dry-run"][..],
    ] {
        let out = moat().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("built without the eBPF sensor"), "{err}");
        assert!(err.contains("--features moat-cli/sensor"), "{err}");
    }
}

#[test]
fn help_names_the_capabilities_and_exit_codes() {
    let out = moat().args(["sensor", "run", "--help"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    for want in [
        "--rules",
        "--dry-run",
        "--ready-file",
        "CAP_BPF",
        "SIGKILL",
        "Exit codes",
    ] {
        assert!(text.contains(want), "{want} in {text}");
    }
    let out = moat().args(["sensor", "run"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "--rules is required without --dry-run"
    );
}

#[cfg(all(feature = "sensor", target_os = "linux"))]
mod live {
    use super::*;
    use std::path::Path;
    use std::process::Stdio;
    use std::time::{Duration, Instant};

    fn rules() -> String {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/runtime-rules/falcosecurity-rules/falco_rules.yaml"
        )
        .to_string()
    }

    fn skip_reason() -> Option<&'static str> {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let root = status
            .lines()
            .find(|l| l.starts_with("Uid:"))
            .is_some_and(|l| l.split_whitespace().nth(2) == Some("0"));
        if !root {
            return Some("not root");
        }
        if !Path::new("/sys/kernel/btf/vmlinux").exists() {
            return Some("no kernel BTF");
        }
        if Command::new("bpftool").arg("version").output().is_err() {
            return Some("bpftool is not installed (scripts/setup-test-deps)");
        }
        None
    }

    fn wait_for(path: &Path) {
        let start = Instant::now();
        while !path.exists() {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "sensor not ready"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Ids of the loaded programs named `moat_*` (bpftool here cannot name the process
    /// holding a program, so a test compares the sets before and after it starts one).
    fn moat_programs() -> Vec<u64> {
        let out = Command::new("bpftool")
            .args(["-j", "prog", "show"])
            .output()
            .unwrap();
        let progs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        progs
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["name"].as_str().is_some_and(|n| n.starts_with("moat_")))
            .filter_map(|p| p["id"].as_u64())
            .collect()
    }

    /// Kills the sensor if a test fails before it does.
    struct KillOnDrop(std::process::Child);

    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    #[test]
    fn check_reports_a_capable_kernel() {
        if let Some(why) = skip_reason() {
            eprintln!("skipped: {why}");
            return;
        }
        let out = moat().args(["sensor", "check"]).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        assert!(
            text.contains("BTF: /sys/kernel/btf/vmlinux present"),
            "{text}"
        );
        assert!(text.contains("program moat_exec"), "{text}");
    }

    #[test]
    fn alerts_on_a_shadow_read_and_detaches_on_sigterm() {
        if let Some(why) = skip_reason() {
            eprintln!("skipped: {why}");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let ready = dir.path().join("ready");
        let child = moat()
            .args([
                "sensor",
                "run",
                "-r",
                &rules(),
                "-f",
                "json",
                "--duration",
                "60",
                "--ready-file",
            ])
            .arg(&ready)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_for(&ready);
        let cat = Command::new("/bin/cat")
            .arg("/etc/shadow")
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let cat_pid = cat.id();
        cat.wait_with_output().unwrap();
        std::thread::sleep(Duration::from_millis(500));
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert!(stderr.contains("moat: sensor attached:"), "{stderr}");
        assert!(stderr.contains("moat: sensor detached:"), "{stderr}");
        assert!(stderr.contains(" lost "), "{stderr}");
        let alert = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .find(|a| {
                a["rule"] == "Read sensitive file untrusted"
                    && a["output_fields"]["proc.cmdline"] == "cat /etc/shadow"
            })
            .unwrap_or_else(|| panic!("no alert for cat (pid {cat_pid}) in {stderr}"));
        assert_eq!(alert["output_fields"]["fd.name"], "/etc/shadow");
        assert_eq!(alert["priority"], "Warning");
        assert_eq!(alert["source"], "syscall");
    }

    #[test]
    fn sigkill_leaves_no_program_behind() {
        if let Some(why) = skip_reason() {
            eprintln!("skipped: {why}");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let ready = dir.path().join("ready");
        let before = moat_programs();
        let mut child = KillOnDrop(
            moat()
                .args(["sensor", "run", "--dry-run", "-o"])
                .arg(dir.path().join("events"))
                .arg("--ready-file")
                .arg(&ready)
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        wait_for(&ready);
        let ours: Vec<u64> = moat_programs()
            .into_iter()
            .filter(|id| !before.contains(id))
            .collect();
        assert!(ours.len() >= 4, "four programs attached: {ours:?}");
        child.0.kill().unwrap(); // SIGKILL
        child.0.wait().unwrap();
        let start = Instant::now();
        loop {
            let left: Vec<u64> = moat_programs()
                .into_iter()
                .filter(|id| ours.contains(id))
                .collect();
            if left.is_empty() {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "programs {left:?} still loaded after SIGKILL"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
