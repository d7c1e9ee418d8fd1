//! The analyser stays IO-free and runtime-free: no async runtime or network crate among
//! its dependencies, no printing or filesystem access in its sources.
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
    for d in &deps {
        assert!(
            ["moat-core", "moat-manifest", "rayon", "serde"].contains(d),
            "unexpected dependency {d}: moat-rbac must stay IO- and runtime-free"
        );
    }
    for entry in std::fs::read_dir(dir.join("src")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
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
