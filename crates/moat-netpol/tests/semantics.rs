//! Hand-computed cases for every NetworkPolicy semantic rule, as Markdown files in
//! `tests/cases/`: prose, ```yaml blocks (the input) and an ```expect block:
//!
//! ```text
//! SRC => DST : CONNS                 allowed end to end (egress of SRC ∩ ingress of DST)
//! SRC => DST ingress: CONNS          what DST's ingress policies allow from SRC
//! SRC => DST egress: CONNS           what SRC's egress policies allow to DST
//! SRC => DST port 53/UDP: CONNS      end to end, restricted to one port
//! error: TEXT                        an input error containing TEXT (with a real line)
//! exposure: W => PEER : CONNS        an exposure line (`<=` for ingress, or
//!                                    `W is not protected on Egress`); when a case has
//!                                    any, its exposure lines must be exactly these
//! ```
//!
//! Endpoints are `namespace/name` or an IP address. `CONNS` uses the matrix notation.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::path::Path;

use moat_netpol::eval::{Direction, NoTrace};
use moat_netpol::ports::parse_conn_set;
use moat_netpol::{Engine, build, connlist, exposure, reach};

struct Case {
    yaml: String,
    expect: Vec<String>,
}

fn parse_md(text: &str) -> Case {
    let mut yaml = String::new();
    let mut expect = Vec::new();
    let mut block: Option<&str> = None;
    for line in text.lines() {
        if let Some(tag) = line.strip_prefix("```") {
            block = match (block, tag) {
                (None, "yaml") => Some("yaml"),
                (None, "expect") => Some("expect"),
                (None, _) => Some("other"),
                (Some(_), _) => {
                    if block == Some("yaml") {
                        yaml.push_str("---\n");
                    }
                    None
                }
            };
            continue;
        }
        match block {
            Some("yaml") => {
                yaml.push_str(line);
                yaml.push('\n');
            }
            Some("expect") if !line.trim().is_empty() && !line.trim_start().starts_with('#') => {
                expect.push(line.trim().to_owned());
            }
            _ => {}
        }
    }
    Case { yaml, expect }
}

fn run_case(path: &Path) -> Vec<String> {
    let case = parse_md(&std::fs::read_to_string(path).unwrap());
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let lf = moat_manifest::load_bytes(&name, case.yaml.as_bytes());
    assert!(lf.errors.is_empty(), "{name}: {:?}", lf.errors);
    let built = build(&lf.resources);
    let engine = Engine::new(&built.cluster);
    let mut failures = Vec::new();
    let want_exposure: std::collections::BTreeSet<&str> = case
        .expect
        .iter()
        .filter_map(|e| e.strip_prefix("exposure: "))
        .collect();
    if !want_exposure.is_empty() {
        let opts = connlist::Options::default();
        let list = connlist::connlist(&engine, &opts);
        let e = exposure::exposure(&engine, &list, &exposure::Focus::of(&opts));
        let mut got: Vec<String> = Vec::new();
        for (arrow, lines) in [("=>", &e.egress), ("<=", &e.ingress)] {
            for l in lines {
                got.push(format!("{} {arrow} {} : {}", l.workload, l.peer, l.conns));
            }
        }
        for (w, d) in &e.unprotected {
            got.push(format!("{w} is not protected on {}", d.as_str()));
        }
        let got: std::collections::BTreeSet<&str> = got.iter().map(String::as_str).collect();
        for m in want_exposure.difference(&got) {
            failures.push(format!("exposure line missing: {m}"));
        }
        for m in got.difference(&want_exposure) {
            failures.push(format!("exposure line not expected: {m}"));
        }
    }
    for e in case.expect.iter().filter(|e| !e.starts_with("exposure: ")) {
        if let Some(text) = e.strip_prefix("error: ") {
            match built.errors.iter().find(|x| x.message.contains(text)) {
                Some(x) if x.line > 0 => {}
                Some(x) => failures.push(format!("{e}: error has no line: {x:?}")),
                None => failures.push(format!("{e}: no such error in {:#?}", built.errors)),
            }
            continue;
        }
        let (pair, want) = e.rsplit_once(':').unwrap();
        let want = parse_conn_set(want).unwrap_or_else(|| panic!("bad CONNS in {e}"));
        let (src, rest) = pair.split_once(" => ").unwrap();
        let mut words = rest.split_whitespace();
        let dst = words.next().unwrap();
        let mode = words.next();
        let port = if mode == Some("port") {
            Some(reach::parse_port(words.next().unwrap()).unwrap())
        } else {
            None
        };
        let r = reach::reach(&engine, src, dst, port).unwrap_or_else(|err| panic!("{e}: {err}"));
        assert_eq!(r.pairs.len(), 1, "{e}: endpoints must be uniform");
        let p = &r.pairs[0];
        let got = match mode {
            Some("ingress") => engine.direction(&p.src, &p.dst, Direction::Ingress, &mut NoTrace),
            Some("egress") => engine.direction(&p.src, &p.dst, Direction::Egress, &mut NoTrace),
            _ => p.allowed.clone(),
        };
        if got != want {
            failures.push(format!("{e}: got {got}"));
        }
    }
    failures
}

#[test]
fn hand_computed_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    files.sort();
    assert!(files.len() >= 8);
    let mut failed = Vec::new();
    for f in &files {
        for msg in run_case(f) {
            failed.push(format!("{}: {msg}", f.display()));
        }
    }
    println!(
        "{} case files, {} failed expectations",
        files.len(),
        failed.len()
    );
    assert!(failed.is_empty(), "{failed:#?}");
}
