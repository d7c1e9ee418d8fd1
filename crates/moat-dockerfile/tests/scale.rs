//! Hostile sizes stay linear: files with hundreds of thousands of instructions, stages
//! built on one another, variable chains and waiver comments are linted completely (a
//! quadratic rule would not finish), with the exact number of findings expected.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use moat_dockerfile::{Linter, Settings, parse, rules, waivers};

fn count(text: &str, id: &str) -> usize {
    let df = parse(text);
    assert!(df.errors.is_empty(), "{:?}", df.errors.first());
    Linter::new(rules::ALL.to_vec(), Settings::default())
        .lint(&df)
        .iter()
        .filter(|h| h.meta.id == id)
        .count()
}

const N: usize = 20_000;

#[test]
fn many_instructions_in_one_stage() {
    let mut t = String::from("FROM alpine:3.20\nENV X=/a\n");
    for i in 0..N {
        t.push_str(&format!("CMD [\"x{i}\"]\nWORKDIR $X/d{i}\nRUN a | b\n"));
    }
    assert_eq!(count(&t, "MOAT-629"), N - 1);
    assert_eq!(count(&t, "MOAT-641"), N);
}

#[test]
fn many_chained_stages_and_variable_chains() {
    let mut t = String::from("FROM alpine:3.20 AS s0\n");
    for i in 1..N {
        t.push_str(&format!(
            "FROM s{} AS s{i}\nENV V{i}=$V{}$V{}\nCOPY --from=s{} /a /a\nRUN x | y\n",
            i - 1,
            i - 1,
            i - 1,
            i - 1
        ));
    }
    assert_eq!(count(&t, "MOAT-637"), 0);
    assert_eq!(count(&t, "MOAT-641"), N - 1);
}

#[test]
fn many_waiver_comments() {
    let mut t = String::from("FROM alpine:3.20\n");
    for _ in 0..N {
        t.push_str("# moat:ignore=MOAT-632 legacy\nRUN cd /x\n");
    }
    let df = parse(&t);
    let (w, e) = waivers::inline_waivers(&df);
    assert_eq!((w.len(), e.len()), (N, 0));
    assert_eq!(
        w.last().unwrap().from_line,
        u32::try_from(2 * N + 1).unwrap()
    );
}
