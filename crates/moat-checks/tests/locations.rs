//! Property: every reported location exists in its file and points at the field the
//! finding judged (or at its nearest present parent).

use moat_checks::Checker;
use moat_manifest::node::{Segment, Segments};
use moat_manifest::{Node, load_bytes};
use proptest::prelude::*;

/// The key of the deepest present segment of `path`, if the last present step is a key.
fn nearest_key<'p>(root: &Node, path: &'p str) -> Option<&'p str> {
    let mut cur = root;
    let mut last = None;
    for seg in Segments::new(path) {
        match seg {
            Segment::Key(k) => match cur.get(k) {
                Some(n) => {
                    cur = n;
                    last = Some(k);
                }
                None => break,
            },
            Segment::Index(i) => match cur.items().get(i) {
                Some(n) => {
                    cur = n;
                    last = None;
                }
                None => break,
            },
        }
    }
    last
}

/// Asserts every finding of `text` is located inside it, at its field's key.
fn assert_locations(name: &str, text: &str) -> usize {
    let lf = load_bytes(name, text.as_bytes());
    let checker = Checker::new(moat_checks::all());
    let lines: Vec<&str> = text.lines().collect();
    let mut n = 0;
    for res in &lf.resources {
        for f in checker.run(res) {
            n += 1;
            let l = f.location.line as usize;
            assert!(
                l >= 1 && l <= lines.len(),
                "{name}: line {l} out of range for {f:?}"
            );
            let line = lines[l - 1];
            let col = f.location.column as usize;
            let rest: String = line.chars().skip(col - 1).collect();
            assert!(
                col >= 1 && col <= line.chars().count() + 1,
                "{name}: column {col} out of range"
            );
            if let Some(key) = nearest_key(&res.node, &f.location.path) {
                let bare = rest.trim_start_matches(['"', '\'']);
                assert!(
                    bare.starts_with(key),
                    "{name}:{l}:{col}: expected key `{key}` for {}, found `{rest}`",
                    f.location.path
                );
            }
        }
    }
    n
}

#[derive(Debug, Clone)]
struct Ctr {
    privileged: Option<bool>,
    non_root: Option<bool>,
    image: &'static str,
    limits: u8,
    flow_sc: bool,
}

fn ctr() -> impl Strategy<Value = Ctr> {
    (
        proptest::option::of(any::<bool>()),
        proptest::option::of(any::<bool>()),
        prop_oneof![
            Just("nginx"),
            Just("nginx:latest"),
            Just("nginx:1.2"),
            Just("r:5000/a")
        ],
        0u8..4,
        any::<bool>(),
    )
        .prop_map(|(privileged, non_root, image, limits, flow_sc)| Ctr {
            privileged,
            non_root,
            image,
            limits,
            flow_sc,
        })
}

fn render(
    kind: usize,
    indent: usize,
    pod_non_root: Option<bool>,
    containers: &[Ctr],
    host_paths: usize,
    comments: bool,
) -> String {
    let (head, depth): (&str, usize) = match kind {
        0 => (
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n",
            1,
        ),
        1 => (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n",
            3,
        ),
        _ => (
            "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n",
            5,
        ),
    };
    // The header uses 2-space indentation; the pod spec body uses `indent`.
    let base = " ".repeat(depth * 2);
    let i1 = format!("{base}{}", " ".repeat(indent));
    let mut s = String::from(head);
    if let Some(v) = pod_non_root {
        s += &format!("{base}securityContext:\n{i1}runAsNonRoot: {v}\n");
    }
    s += &format!("{base}containers:\n");
    for (n, c) in containers.iter().enumerate() {
        if comments {
            s += &format!("{base}# container {n}\n");
        }
        s += &format!("{base}- name: c{n}\n{base}  image: {}\n", c.image);
        let mut sc = Vec::new();
        if let Some(p) = c.privileged {
            sc.push(format!("privileged: {p}"));
        }
        if let Some(r) = c.non_root {
            sc.push(format!("runAsNonRoot: {r}"));
        }
        if !sc.is_empty() {
            if c.flow_sc {
                s += &format!("{base}  securityContext: {{{}}}\n", sc.join(", "));
            } else {
                s += &format!("{base}  securityContext:\n");
                for kv in &sc {
                    s += &format!("{base}  {}{kv}\n", " ".repeat(indent));
                }
            }
        }
        match c.limits {
            1 => {
                s += &format!(
                    "{base}  resources:\n{base}  {}limits: {{cpu: 1}}\n",
                    " ".repeat(indent)
                );
            }
            2 => {
                s += &format!(
                    "{base}  resources:\n{base}  {}limits:\n{base}  {}cpu: 1\n{base}  {}memory: 1Gi\n",
                    " ".repeat(indent),
                    " ".repeat(indent * 2),
                    " ".repeat(indent * 2)
                );
            }
            3 => s += &format!("{base}  resources: {{}}\n"),
            _ => {}
        }
    }
    if host_paths > 0 {
        s += &format!("{base}volumes:\n");
        for v in 0..host_paths {
            s += &format!(
                "{base}- name: v{v}\n{base}  hostPath:\n{base}  {}path: /var/{v}\n",
                " ".repeat(indent)
            );
        }
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn locations_point_at_the_judged_field(
        kind in 0usize..3,
        indent in prop_oneof![Just(2usize), Just(4usize)],
        pod_non_root in proptest::option::of(any::<bool>()),
        containers in proptest::collection::vec(ctr(), 1..4),
        host_paths in 0usize..3,
        comments in any::<bool>(),
        crlf in any::<bool>(),
    ) {
        let mut text = render(kind, indent, pod_non_root, &containers, host_paths, comments);
        if crlf {
            text = text.replace('\n', "\r\n");
        }
        let lf = load_bytes("gen.yaml", text.as_bytes());
        prop_assert!(lf.errors.is_empty(), "{:?}\n{}", lf.errors, text);
        prop_assert_eq!(lf.resources.len(), 1);
        assert_locations("gen.yaml", &text);
    }
}

#[test]
fn locations_in_examples_and_real_world_corpus() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = 0;
    let mut findings = 0;
    for dir in [
        root.join("examples"),
        root.join("../shared/corpus/manifests"),
    ] {
        for e in walkdir::WalkDir::new(&dir)
            .into_iter()
            .filter_map(Result::ok)
        {
            let p = e.path();
            if !p
                .extension()
                .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
            {
                continue;
            }
            let text = std::fs::read_to_string(p).unwrap_or_default();
            findings += assert_locations(&p.display().to_string(), &text);
            files += 1;
        }
    }
    assert!(
        files > 600,
        "the shared corpus should be present ({files} files)"
    );
    assert!(findings > 500, "{findings}");
}
