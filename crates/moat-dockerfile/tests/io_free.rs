//! The analyser stays IO-free and runtime-free: its only dependency is moat-core, and no
//! source file prints, touches the filesystem or the network.
#![allow(clippy::unwrap_used)]

use std::path::Path;

#[test]
fn no_runtime_dependencies_and_no_io() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    let deps: Vec<&str> = manifest
        .split("[dependencies]")
        .nth(1)
        .unwrap()
        .split("\n[")
        .next()
        .unwrap()
        .lines()
        .filter_map(|l| l.split(['.', '=', ' ']).next())
        .filter(|n| !n.is_empty())
        .collect();
    assert_eq!(
        deps,
        ["moat-core"],
        "moat-dockerfile must stay IO- and runtime-free"
    );
    let mut dirs = vec![dir.join("src")];
    let mut files = 0;
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files += 1;
                let text = std::fs::read_to_string(&path).unwrap();
                for banned in [
                    "println!",
                    "eprintln!",
                    "std::fs",
                    "std::net",
                    "stdin()",
                    "tokio",
                ] {
                    assert!(!text.contains(banned), "{} uses {banned}", path.display());
                }
            }
        }
    }
    assert!(files > 10);
}
