//! Hand-built fixture clusters as markdown tests (`tests/cases/*.md`): prose, YAML
//! blocks (concatenated into one input), and expected answers written by hand:
//!
//! - ```` ```who-can ```` — first line `VERB RESOURCE [-n NS] [name=NAME]`, then one
//!   `SUBJECT | SCOPE` line per expected grant (`cluster` or `ns/NAME`); exact set.
//! - ```` ```escalation ```` — a subject, then the node labels of the shortest path to
//!   cluster-admin joined by ` -> `, or `none`.
//! - ```` ```risks ```` — `CHECK Kind/name` lines: the exact set of (check, located
//!   object) pairs reported.
//!
//! `<!-- builtin: off -->` leaves out the bootstrap roles.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::indexing_slicing,
    clippy::many_single_char_names
)]

use std::collections::BTreeSet;
use std::path::Path;

use moat_rbac::perms::{Query, who_can};
use moat_rbac::{Options, Subject, analyze};

struct Block {
    lang: String,
    body: String,
    line: usize,
}

fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut cur: Option<Block> = None;
    for (i, line) in text.lines().enumerate() {
        if let Some(b) = cur.as_mut() {
            if line.trim_start().starts_with("```") {
                out.push(cur.take().unwrap());
            } else {
                b.body.push_str(line);
                b.body.push('\n');
            }
        } else if let Some(lang) = line.trim_start().strip_prefix("```") {
            cur = Some(Block {
                lang: lang.trim().to_owned(),
                body: String::new(),
                line: i + 1,
            });
        }
    }
    out
}

fn run_case(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let bs = blocks(&text);
    let yaml: String = bs
        .iter()
        .filter(|b| b.lang == "yaml")
        .map(|b| b.body.clone())
        .collect::<Vec<_>>()
        .join("---\n");
    let lf = moat_manifest::load_bytes(&name, yaml.as_bytes());
    assert!(lf.errors.is_empty(), "{name}: {:?}", lf.errors);
    let opts = Options {
        builtin_roles: !text.contains("<!-- builtin: off -->"),
    };
    let a = analyze(&lf.resources, &opts);
    let c = &a.cluster;
    let mut failures = Vec::new();
    for b in &bs {
        let mut lines = b.body.lines().map(str::trim).filter(|l| !l.is_empty());
        let at = format!("{name}:{}", b.line);
        match b.lang.as_str() {
            "who-can" => {
                let head: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
                let (mut ns, mut obj) = (None, None);
                let mut i = 2;
                while i < head.len() {
                    match head[i] {
                        "-n" => {
                            ns = head.get(i + 1).copied();
                            i += 1;
                        }
                        h if h.starts_with("name=") => obj = Some(&h[5..]),
                        other => panic!("{at}: unknown option {other}"),
                    }
                    i += 1;
                }
                let url = head[1].starts_with('/');
                let q = Query {
                    verb: head[0],
                    resource: if url { "" } else { head[1] },
                    namespace: ns,
                    name: obj,
                    non_resource_url: url.then_some(head[1]),
                    ..Query::default()
                };
                let got: BTreeSet<String> = who_can(c, &q)
                    .iter()
                    .map(|r| {
                        let scope = match r.scope {
                            moat_rbac::Scope::Cluster => "cluster".to_owned(),
                            moat_rbac::Scope::Namespace(n) => format!("ns/{n}"),
                            moat_rbac::Scope::AllNamespaces => "all".to_owned(),
                        };
                        format!("{} | {scope}", r.subject)
                    })
                    .collect();
                let want: BTreeSet<String> = lines.map(str::to_owned).collect();
                if got != want {
                    failures.push(format!(
                        "{at}: who-can {}\n  want {want:?}\n  got  {got:?}",
                        head.join(" ")
                    ));
                }
            }
            "escalation" => {
                let subject = Subject::parse(lines.next().unwrap()).unwrap();
                let want = lines.next().unwrap().to_owned();
                let path = a.graph.path_to_admin(c, &subject);
                let got = if path.is_empty() {
                    "none".to_owned()
                } else {
                    let mut nodes = vec![path[0].from.clone()];
                    nodes.extend(path.iter().map(|p| p.to.clone()));
                    nodes.join(" -> ")
                };
                if got != want {
                    failures.push(format!(
                        "{at}: escalation of {subject}\n  want {want}\n  got  {got}\n  ({})",
                        moat_rbac::escalate::render_path(&path)
                    ));
                }
            }
            "risks" => {
                let want: BTreeSet<String> = lines.map(str::to_owned).collect();
                let got: BTreeSet<String> = a
                    .risks()
                    .iter()
                    .map(|f| {
                        format!(
                            "{} {}/{}",
                            f.meta.id,
                            f.src.rref.kind,
                            f.src.rref.name.as_deref().unwrap_or("")
                        )
                    })
                    .collect();
                if got != want {
                    failures.push(format!(
                        "{at}: risks\n  missing {:?}\n  extra   {:?}",
                        want.difference(&got).collect::<Vec<_>>(),
                        got.difference(&want).collect::<Vec<_>>()
                    ));
                }
            }
            _ => {}
        }
    }
    failures
}

#[test]
fn markdown_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut failures = Vec::new();
    for f in &files {
        failures.extend(run_case(f));
    }
    println!("{} case files", files.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
