//! With the `bpf` feature: dumps `vmlinux.h` from the running kernel's BTF with bpftool
//! into `OUT_DIR` and compiles `src/bpf/sensor.bpf.c` with clang into a CO-RE object that
//! the crate embeds. Without the feature nothing is built (no clang needed).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::{Command, exit};

fn fail(msg: &str) -> ! {
    eprintln!("moat-sensor build: {msg}");
    eprintln!(
        "moat-sensor build: the `bpf` feature needs clang, bpftool, libbpf-dev and a kernel \
         with BTF (/sys/kernel/btf/vmlinux); scripts/setup-test-deps installs them on Debian"
    );
    exit(1);
}

fn run(cmd: &mut Command, what: &str) -> Vec<u8> {
    match cmd.output() {
        Ok(o) if o.status.success() => o.stdout,
        Ok(o) => fail(&format!(
            "{what} failed ({}):\n{}",
            o.status,
            String::from_utf8_lossy(&o.stderr)
        )),
        Err(e) => fail(&format!("cannot run {what}: {e}")),
    }
}

fn main() {
    let src = "src/bpf/sensor.bpf.c";
    println!("cargo:rerun-if-changed={src}");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=MOAT_BPF_CLANG");
    println!("cargo:rerun-if-env-changed=MOAT_BPF_BTF");
    if std::env::var_os("CARGO_FEATURE_BPF").is_none() {
        return;
    }
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux") {
        fail("the eBPF sensor is Linux only");
    }
    let arch = match std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() {
        Ok("x86_64") => "x86",
        Ok(a) => fail(&format!("unsupported architecture {a} (x86_64 only)")),
        Err(_) => fail("no target architecture"),
    };
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    let btf = std::env::var("MOAT_BPF_BTF").unwrap_or_else(|_| "/sys/kernel/btf/vmlinux".into());
    if !Path::new(&btf).exists() {
        fail(&format!("{btf} does not exist (kernel without BTF)"));
    }
    let header = run(
        Command::new("bpftool").args(["btf", "dump", "file", &btf, "format", "c"]),
        "bpftool btf dump",
    );
    if let Err(e) = std::fs::write(out.join("vmlinux.h"), header) {
        fail(&format!("cannot write vmlinux.h: {e}"));
    }
    let clang = std::env::var("MOAT_BPF_CLANG").unwrap_or_else(|_| "clang".into());
    let obj = out.join("sensor.bpf.o");
    run(
        Command::new(&clang)
            .args(["-g", "-O2", "-Wall", "-Werror", "-target", "bpf"])
            .arg(format!("-D__TARGET_ARCH_{arch}"))
            .arg("-I")
            .arg(&out)
            .args(["-c", src, "-o"])
            .arg(&obj),
        "clang -target bpf",
    );
}
