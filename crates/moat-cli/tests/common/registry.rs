//! Debian's `docker-registry` on 127.0.0.1 and `skopeo`, both installed by
//! `scripts/setup-test-deps`: the real registry the image tests push to and pull from.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};

/// A `docker-registry` on 127.0.0.1 with its storage in a temporary directory; stopped
/// when dropped.
pub struct Registry {
    child: std::process::Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    _dir: tempfile::TempDir,
}

impl Registry {
    /// Starts the registry and waits until it accepts connections.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {addr}\n",
                dir.path().join("data").display()
            ),
        )
        .unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry (installed by scripts/setup-test-deps)");
        let registry = Self {
            child,
            addr,
            _dir: dir,
        };
        for _ in 0..100 {
            if std::net::TcpStream::connect(&registry.addr).is_ok() {
                return registry;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("docker-registry did not start on {}", registry.addr);
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `skopeo copy` (plain HTTP allowed for the destination), asserting success.
pub fn skopeo_copy(from: &str, to: &str) {
    let o = Command::new("skopeo")
        .args(["copy", "--quiet", "--dest-tls-verify=false", from, to])
        .output()
        .expect("skopeo (installed by scripts/setup-test-deps)");
    assert!(
        o.status.success(),
        "skopeo copy {from} {to}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn umoci(args: &[&str]) {
    let o = Command::new("umoci")
        .args(args)
        .output()
        .expect("umoci (installed by scripts/setup-test-deps)");
    assert!(
        o.status.success(),
        "umoci {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Builds an OCI layout at `layout` with `umoci` (rootless), tag `tag`, one layer per
/// directory of `layers` (each copied over the previous ones, then `repack`ed), for
/// linux/amd64.
pub fn umoci_image(layout: &std::path::Path, tag: &str, layers: &[&std::path::Path]) {
    let image = format!("{}:{tag}", layout.display());
    let bundle = layout.with_extension("bundle");
    umoci(&["init", "--layout", &layout.display().to_string()]);
    umoci(&["new", "--image", &image]);
    umoci(&[
        "unpack",
        "--rootless",
        "--image",
        &image,
        &bundle.display().to_string(),
    ]);
    for dir in layers {
        let o = Command::new("cp")
            .arg("-a")
            .arg(dir.join("."))
            .arg(bundle.join("rootfs"))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        umoci(&[
            "repack",
            "--refresh-bundle",
            "--image",
            &image,
            &bundle.display().to_string(),
        ]);
    }
    umoci(&[
        "config",
        "--image",
        &image,
        "--os",
        "linux",
        "--architecture",
        "amd64",
    ]);
    umoci(&["gc", "--layout", &layout.display().to_string()]);
}
