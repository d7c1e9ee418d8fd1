//! Realistic Dockerfiles (Go, Node, Python, Java, Rust, nginx, Ruby, PHP, .NET, Windows,
//! multi-stage, distroless) with every expected finding of every rule marked by a
//! `# expect: ID` comment line above the instruction line: the exact set must match.
//! `MOAT_SHOW=1` prints what moat finds, to help write the expectations.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod common;

use std::path::Path;

#[test]
fn realistic_dockerfiles_have_exactly_the_expected_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/realistic");
    let mut paths: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    assert!(paths.len() >= 30, "at least 30 realistic Dockerfiles");
    let mut failures = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        let got = common::lint(&path.display().to_string(), &text);
        if std::env::var_os("MOAT_SHOW").is_some() {
            println!("== {}", path.display());
            for (l, id) in &got {
                println!(
                    "{l}\t{id}\t{}",
                    text.lines().nth(*l as usize - 1).unwrap_or("")
                );
            }
        }
        let want = common::expected(&text);
        if got != want {
            failures.push(format!(
                "{}:\n  missing {:?}\n  unexpected {:?}",
                path.display(),
                want.difference(&got).collect::<Vec<_>>(),
                got.difference(&want).collect::<Vec<_>>()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
