use std::os::unix::fs::MetadataExt;

use moat_runtime::eval::Event;
use moat_runtime::{Engine, Source};

use super::*;
use crate::container::CgroupMode;
use crate::record::RecordBuilder;

struct Fixture {
    _dir: tempfile::TempDir,
    dec: Decoder,
    container_cg: u64,
}

/// A decoder over a fake `/proc` and pids hierarchy with one runc container `moatprobe`.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("pids");
    std::fs::create_dir_all(root.join("moatprobe")).unwrap();
    let proc_root = dir.path().join("proc");
    for (pid, cg) in [(100, "/"), (200, "/moatprobe"), (201, "/moatprobe")] {
        std::fs::create_dir_all(proc_root.join(pid.to_string())).unwrap();
        std::fs::write(
            proc_root.join(format!("{pid}/cgroup")),
            format!("8:pids:{cg}\n"),
        )
        .unwrap();
    }
    std::os::unix::fs::symlink("/tmp", proc_root.join("100/cwd")).unwrap();
    let container_cg = std::fs::metadata(root.join("moatprobe")).unwrap().ino();
    let mut tree = ProcTree::new();
    tree.insert(Proc {
        pid: 1,
        name: "systemd".into(),
        ..Proc::default()
    });
    tree.insert(Proc {
        pid: 100,
        ppid: 1,
        sid: 100,
        name: "bash".into(),
        exe: "-bash".into(),
        exepath: "/usr/bin/bash".into(),
        ..Proc::default()
    });
    tree.insert(Proc {
        pid: 150,
        ppid: 1,
        name: "runc:[1:CHILD]".into(),
        ..Proc::default()
    });
    let dec = Decoder::new(
        tree,
        Users::load(Path::new("/")),
        Resolver::new(CgroupMode::V1Pids, root, proc_root.clone()),
        proc_root,
        0,
    );
    Fixture {
        _dir: dir,
        dec,
        container_cg,
    }
}

fn values(dec: &Decoder, ev: &SensorEvent, name: &str, arg: Option<&str>) -> Vec<String> {
    let field = Source::Syscall.resolve(name, arg).unwrap();
    let mut out = Vec::new();
    dec.view(ev).visit(&field, &mut |v| {
        out.push(v.to_text().into_owned());
        false
    });
    out
}

fn one(dec: &Decoder, ev: &SensorEvent, name: &str) -> String {
    let (n, arg) = match name.split_once('[') {
        Some((n, a)) => (n, Some(a.trim_end_matches(']'))),
        None => (name, None),
    };
    values(dec, ev, n, arg).join(",")
}

fn engine() -> Engine {
    let rules = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/runtime-rules/falcosecurity-rules/falco_rules.yaml"
    );
    Engine::new(&moat_runtime::load_rules_files(&[rules]), false).unwrap()
}

fn alerts(engine: &Engine, dec: &Decoder, ev: &SensorEvent) -> Vec<String> {
    let mut out = Vec::new();
    let mut scratch = engine.scratch();
    engine.process(
        Source::Syscall,
        &dec.view(ev),
        ev.time_ns,
        &mut scratch,
        &mut |a| {
            out.push(a.rule);
        },
    );
    out
}

fn exec(pid: u32, ppid: u32, comm: &str, path: &str, argv: &[&str]) -> Vec<u8> {
    let mut blob = Vec::new();
    for a in argv {
        blob.extend_from_slice(a.as_bytes());
        blob.push(0);
    }
    RecordBuilder::new(2, 0, pid)
        .put(96, &ppid.to_le_bytes())
        .comm(comm)
        .string(0, path)
        .blob(&blob)
        .build()
}

#[test]
fn exec_then_open_shadow_on_the_host() {
    let mut f = fixture();
    let engine = engine();
    f.dec.tree.fork(100, 101, "bash");
    let ev = f
        .dec
        .handle(&exec(
            101,
            100,
            "cat",
            "/usr/bin/cat",
            &["cat", "/etc/shadow"],
        ))
        .unwrap()
        .unwrap();
    assert_eq!(ev.evt_type, "execve");
    assert_eq!(one(&f.dec, &ev, "proc.cmdline"), "cat /etc/shadow");
    assert_eq!(one(&f.dec, &ev, "proc.pname"), "bash");
    assert_eq!(one(&f.dec, &ev, "proc.aname[2]"), "systemd");
    assert_eq!(one(&f.dec, &ev, "proc.exepath"), "/usr/bin/cat");
    assert_eq!(one(&f.dec, &ev, "proc.sname"), "bash");
    assert_eq!(one(&f.dec, &ev, "container.id"), "host");
    assert_eq!(one(&f.dec, &ev, "evt.dir"), "<");
    let open = RecordBuilder::new(1, 257, 101)
        .arg(0, (-100i64).cast_unsigned())
        .arg(2, 0o2_000_000)
        .res(3)
        .comm("cat")
        .string(0, "/etc/shadow")
        .build();
    let ev = f.dec.handle(&open).unwrap().unwrap();
    assert_eq!(ev.evt_type, "openat");
    assert_eq!(one(&f.dec, &ev, "fd.name"), "/etc/shadow");
    assert_eq!(one(&f.dec, &ev, "fd.directory"), "/etc");
    assert_eq!(one(&f.dec, &ev, "fd.filename"), "shadow");
    assert_eq!(one(&f.dec, &ev, "fd.typechar"), "f");
    assert_eq!(one(&f.dec, &ev, "fd.num"), "3");
    assert_eq!(one(&f.dec, &ev, "evt.arg.flags"), "O_RDONLY|O_CLOEXEC");
    assert_eq!(one(&f.dec, &ev, "evt.is_open_read"), "true");
    assert_eq!(one(&f.dec, &ev, "evt.is_open_write"), "false");
    assert_eq!(one(&f.dec, &ev, "evt.res"), "SUCCESS");
    assert_eq!(
        alerts(&engine, &f.dec, &ev),
        ["Read sensitive file untrusted"]
    );
    // Exit forgets the process after its event.
    let exit = RecordBuilder::new(4, 0, 101).comm("cat").build();
    let ev = f.dec.handle(&exit).unwrap().unwrap();
    assert_eq!(ev.evt_type, "procexit");
    assert_eq!(one(&f.dec, &ev, "proc.name"), "cat");
    f.dec.handle(&exit).unwrap();
    assert!(f.dec.tree.get(101).is_none());
}

#[test]
fn shell_in_container_and_relative_paths() {
    let mut f = fixture();
    let engine = engine();
    f.dec.tree.fork(150, 200, "runc:[1:CHILD]");
    let rec = {
        let mut b = RecordBuilder::new(2, 0, 200);
        b.put(96, &150u32.to_le_bytes())
            .put(8, &f.container_cg.to_le_bytes())
            .put(120, &34816u32.to_le_bytes())
            .comm("sh")
            .string(0, "/bin/sh")
            .blob(b"sh\0");
        b.build()
    };
    let ev = f.dec.handle(&rec).unwrap().unwrap();
    assert_eq!(one(&f.dec, &ev, "container.id"), "moatprobe");
    assert_eq!(one(&f.dec, &ev, "proc.tty"), "34816");
    assert_eq!(one(&f.dec, &ev, "proc.pname"), "runc:[1:CHILD]");
    assert_eq!(
        alerts(&engine, &f.dec, &ev),
        ["Terminal shell in container"]
    );
    // The same shell on the host: no alert.
    let rec = exec(101, 100, "sh", "/bin/sh", &["sh"]);
    f.dec.tree.fork(100, 101, "bash");
    let ev = f.dec.handle(&rec).unwrap().unwrap();
    assert!(alerts(&engine, &f.dec, &ev).is_empty());
    // A relative open resolves against the process's cwd (/tmp).
    let open = RecordBuilder::new(1, 257, 100)
        .arg(0, (-100i64).cast_unsigned())
        .arg(2, 0o1101)
        .res(4)
        .string(0, "./x/../out.txt")
        .build();
    let ev = f.dec.handle(&open).unwrap().unwrap();
    assert_eq!(one(&f.dec, &ev, "fd.name"), "/tmp/out.txt");
    assert_eq!(one(&f.dec, &ev, "fd.nameraw"), "./x/../out.txt");
    assert_eq!(one(&f.dec, &ev, "evt.is_open_write"), "true");
    assert_eq!(
        one(&f.dec, &ev, "evt.arg.flags"),
        "O_WRONLY|O_CREAT|O_TRUNC"
    );
    // The working directory is kept in the tree: after a `chdir` relative paths resolve
    // against it without /proc (whose link still says /tmp), and a child inherits it.
    let chdir = RecordBuilder::new(1, 80, 100)
        .res(0)
        .string(0, "sub/dir")
        .build();
    let ev = f.dec.handle(&chdir).unwrap().unwrap();
    assert_eq!(ev.evt_type, "chdir");
    assert_eq!(one(&f.dec, &ev, "evt.arg.path"), "/tmp/sub/dir");
    let open_rel = |pid| {
        RecordBuilder::new(1, 257, pid)
            .arg(0, (-100i64).cast_unsigned())
            .res(3)
            .string(0, "y")
            .build()
    };
    let ev = f.dec.handle(&open_rel(100)).unwrap().unwrap();
    assert_eq!(one(&f.dec, &ev, "fd.name"), "/tmp/sub/dir/y");
    f.dec.tree.fork(100, 102, "bash");
    let ev = f.dec.handle(&open_rel(102)).unwrap().unwrap();
    assert_eq!(one(&f.dec, &ev, "fd.name"), "/tmp/sub/dir/y");
    // A failed chdir changes nothing.
    let failed = RecordBuilder::new(1, 80, 100)
        .res(-2)
        .string(0, "/nonexistent")
        .build();
    f.dec.handle(&failed).unwrap().unwrap();
    let ev = f.dec.handle(&open_rel(100)).unwrap().unwrap();
    assert_eq!(one(&f.dec, &ev, "fd.name"), "/tmp/sub/dir/y");
    // The working directory the kernel sends with a relative path wins over the tree's
    // (so chdir need not be recorded) and keeps the tree current.
    let open_k = RecordBuilder::new(1, 257, 100)
        .arg(0, (-100i64).cast_unsigned())
        .res(3)
        .string(0, "y")
        .string(2, "/srv")
        .build();
    let ev = f.dec.handle(&open_k).unwrap().unwrap();
    assert_eq!(one(&f.dec, &ev, "fd.name"), "/srv/y");
    let ev = f.dec.handle(&open_rel(100)).unwrap().unwrap();
    assert_eq!(one(&f.dec, &ev, "fd.name"), "/srv/y");
    // At a successful chdir's exit the kernel's working directory is the new one.
    let chdir_k = RecordBuilder::new(1, 80, 100)
        .res(0)
        .string(0, "../etc")
        .string(2, "/etc")
        .build();
    let ev = f.dec.handle(&chdir_k).unwrap().unwrap();
    assert_eq!(one(&f.dec, &ev, "evt.arg.path"), "/etc");
    // Relative to a descriptor: the directory the kernel sent is the descriptor's, and
    // not the working directory.
    let open_at = RecordBuilder::new(1, 257, 100)
        .arg(0, 7)
        .res(3)
        .string(0, "y")
        .string(2, "/data")
        .build();
    let ev = f.dec.handle(&open_at).unwrap().unwrap();
    assert_eq!(one(&f.dec, &ev, "fd.name"), "/data/y");
    assert!(ev.cwd.is_none());
    let ev = f.dec.handle(&open_rel(100)).unwrap().unwrap();
    assert_eq!(one(&f.dec, &ev, "fd.name"), "/etc/y");
    // When chdir is not recorded, a directory the kernel did not send comes from /proc,
    // not from the (possibly stale) tree.
    f.dec.set_tracks_chdir(false);
    let ev = f.dec.handle(&open_rel(100)).unwrap().unwrap();
    assert_eq!(one(&f.dec, &ev, "fd.name"), "/tmp/y");
}

#[test]
fn sockets_ptrace_chmod_and_errors() {
    let mut f = fixture();
    let mut sa = vec![2u8, 0, 0x1f, 0x90, 127, 0, 0, 1];
    sa.extend_from_slice(&[0; 8]);
    let connect = RecordBuilder::new(1, 42, 100)
        .arg(0, 5)
        .res(-115)
        .put(148, &2u16.to_le_bytes())
        .put(150, &1u16.to_le_bytes())
        .put(152, &6u16.to_le_bytes())
        .put(154, &43210u16.to_le_bytes())
        .put(160, &[127, 0, 0, 1])
        .blob(&sa)
        .build();
    let ev = f.dec.handle(&connect).unwrap().unwrap();
    assert_eq!(
        one(&f.dec, &ev, "fd.name"),
        "127.0.0.1:43210->127.0.0.1:8080"
    );
    assert_eq!(one(&f.dec, &ev, "fd.sip"), "127.0.0.1");
    assert_eq!(one(&f.dec, &ev, "fd.sport"), "8080");
    assert_eq!(one(&f.dec, &ev, "fd.cport"), "43210");
    assert_eq!(one(&f.dec, &ev, "fd.lport"), "43210");
    assert_eq!(one(&f.dec, &ev, "fd.rport"), "8080");
    assert_eq!(one(&f.dec, &ev, "fd.l4proto"), "tcp");
    assert_eq!(one(&f.dec, &ev, "fd.typechar"), "4");
    // Network fields carry the address; the engine checks it against the rule's network.
    assert_eq!(one(&f.dec, &ev, "fd.snet"), "127.0.0.1");
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("net.yaml");
    std::fs::write(
        &rules,
        "- rule: loopback\n  desc: d\n  condition: evt.type=connect and fd.snet in (\"127.0.0.0/8\")\n  output: o\n  priority: WARNING\n\
         - rule: not loopback\n  desc: d\n  condition: evt.type=connect and fd.net != \"127.0.0.0/8\"\n  output: o\n  priority: WARNING\n",
    )
    .unwrap();
    let net_engine = Engine::new(&moat_runtime::load_rules_files(&[&rules]), false).unwrap();
    assert_eq!(alerts(&net_engine, &f.dec, &ev), ["loopback"]);
    assert_eq!(one(&f.dec, &ev, "evt.res"), "EINPROGRESS");
    assert_eq!(one(&f.dec, &ev, "evt.rawres"), "-115");
    assert_eq!(one(&f.dec, &ev, "fd.connected"), "true");

    let accept = RecordBuilder::new(1, 288, 100)
        .arg(0, 3)
        .res(7)
        .put(148, &10u16.to_le_bytes())
        .put(150, &1u16.to_le_bytes())
        .put(154, &8080u16.to_le_bytes())
        .put(156, &5555u16.to_le_bytes())
        .put(175, &[1])
        .put(191, &[1])
        .build();
    let ev = f.dec.handle(&accept).unwrap().unwrap();
    assert_eq!(one(&f.dec, &ev, "fd.name"), "::1:5555->::1:8080");
    assert_eq!(one(&f.dec, &ev, "fd.num"), "7");
    assert_eq!(one(&f.dec, &ev, "fd.typechar"), "6");
    assert_eq!(one(&f.dec, &ev, "fd.sport"), "8080");

    let mut un = vec![1u8, 0];
    un.extend_from_slice(b"/run/docker.sock\0");
    let connect_unix = RecordBuilder::new(1, 42, 100).arg(0, 4).blob(&un).build();
    let ev = f.dec.handle(&connect_unix).unwrap().unwrap();
    assert_eq!(one(&f.dec, &ev, "fd.name"), "/run/docker.sock");
    assert_eq!(one(&f.dec, &ev, "fd.typechar"), "u");

    let ptrace = RecordBuilder::new(1, 101, 100)
        .arg(0, 16)
        .arg(1, 4242)
        .build();
    let ev = f.dec.handle(&ptrace).unwrap().unwrap();
    assert_eq!(one(&f.dec, &ev, "evt.arg.request"), "PTRACE_ATTACH");
    assert_eq!(one(&f.dec, &ev, "evt.arg.pid"), "4242");

    let chmod = RecordBuilder::new(1, 268, 100)
        .arg(0, (-100i64).cast_unsigned())
        .arg(2, 0o4755)
        .string(0, "/tmp/x")
        .build();
    let ev = f.dec.handle(&chmod).unwrap().unwrap();
    assert_eq!(ev.evt_type, "fchmodat");
    assert!(one(&f.dec, &ev, "evt.arg.mode").starts_with("S_ISUID|"));
    assert_eq!(one(&f.dec, &ev, "evt.arg.filename"), "/tmp/x");
    assert_eq!(one(&f.dec, &ev, "evt.rawarg.res"), "0");

    let setuid = RecordBuilder::new(1, 105, 100).arg(0, 0).res(-1).build();
    let ev = f.dec.handle(&setuid).unwrap().unwrap();
    assert_eq!(one(&f.dec, &ev, "evt.arg.uid"), "0");
    assert_eq!(one(&f.dec, &ev, "evt.res"), "EPERM");
    assert_eq!(one(&f.dec, &ev, "evt.failed"), "true");

    // Unknown syscall numbers and corrupt records are not events.
    assert!(
        f.dec
            .handle(&RecordBuilder::new(1, 0, 100).build())
            .unwrap()
            .is_none()
    );
    assert!(f.dec.handle(&[0; 12]).is_err());
    // The dry-run line names the essentials.
    let line = f.dec.view(&ev).to_string();
    assert!(line.contains(" setuid pid=100 "), "{line}");
    assert!(line.ends_with("res=EPERM"), "{line}");
}
