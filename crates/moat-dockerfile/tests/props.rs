//! Property tests: the parser, lexer and rules never panic on arbitrary text; positions
//! stay inside the input; splitting a Dockerfile's instructions across continuation
//! lines (with comments in between) does not change what is parsed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use moat_dockerfile::rule::run_commands;
use moat_dockerfile::{Linter, Settings, parse, rules};
use proptest::prelude::*;

/// Dockerfile-flavoured text: keywords, flags, quotes, heredocs, continuations.
fn dockerish() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("FROM ".to_owned()),
        Just("RUN ".to_owned()),
        Just("COPY ".to_owned()),
        Just("ENV ".to_owned()),
        Just("ARG ".to_owned()),
        Just("ONBUILD ".to_owned()),
        Just("HEALTHCHECK CMD ".to_owned()),
        Just("USER ".to_owned()),
        Just("--mount=type=secret,id=x ".to_owned()),
        Just("\\\n".to_owned()),
        Just("`\n".to_owned()),
        Just("\n# c\n".to_owned()),
        Just("<<EOF\n".to_owned()),
        Just("\nEOF\n".to_owned()),
        Just("<<-'X' ".to_owned()),
        Just("\"".to_owned()),
        Just("'".to_owned()),
        Just("[\"a\", \"b\"]".to_owned()),
        Just("${A:-b}".to_owned()),
        Just("$(".to_owned()),
        Just(" | sh && ".to_owned()),
        Just("# escape=`\n".to_owned()),
        "[a-z0-9=:/._ -]{0,12}",
        "\\PC{0,4}",
    ];
    prop::collection::vec(token, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn never_panics_and_positions_are_in_range(text in dockerish()) {
        let lines = text.split('\n').count() as u32;
        let df = parse(&text);
        for e in &df.errors {
            prop_assert!(e.pos.line >= 1 && e.pos.line <= lines);
        }
        for i in &df.instructions {
            prop_assert!(i.pos.line >= 1 && i.end_line <= lines && i.pos.line <= i.end_line);
            for c in run_commands(i, df.escape) {
                prop_assert!(c.pos.line >= 1 && c.pos.line <= lines, "{:?}", c.pos);
            }
        }
        let linter = Linter::new(rules::ALL.to_vec(), Settings { dockerignore: Some(false), ..Settings::default() });
        for h in linter.lint(&df) {
            prop_assert!(h.pos.line >= 1 && h.pos.line <= lines, "{} {:?}", h.meta.id, h.pos);
        }
    }

    #[test]
    fn continuations_do_not_change_the_parse(words in prop::collection::vec("[a-z][a-z0-9=]{0,6}", 1..8), comment in any::<bool>()) {
        let one = format!("FROM alpine:3.20\nRUN {}\n", words.join(" "));
        let sep = if comment { " \\\n# note\n  " } else { " \\\n  " };
        let split = format!("FROM alpine:3.20\nRUN {}\n", words.join(sep));
        let (a, b) = (parse(&one), parse(&split));
        let argv = |df: &moat_dockerfile::Dockerfile| -> Vec<Vec<String>> {
            df.instructions.iter().flat_map(|i| run_commands(i, df.escape)).map(|c| c.words.iter().map(|w| w.value.clone()).collect()).collect()
        };
        prop_assert_eq!(argv(&a), argv(&b));
        prop_assert!(a.errors.is_empty() && b.errors.is_empty());
    }
}
