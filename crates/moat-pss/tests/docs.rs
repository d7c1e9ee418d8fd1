//! `docs/pss.md` lists every check with its level and minimum version, in upstream order.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use moat_pss::CHECKS;

#[test]
fn docs_table_matches_the_checks() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/pss.md"))
            .unwrap();
    let mut last = 0;
    for c in CHECKS {
        let row = format!("| `{}` | {} | {} |", c.id, c.level, c.min_version());
        let at = doc
            .find(&row)
            .unwrap_or_else(|| panic!("docs/pss.md lacks the row `{row}`"));
        assert!(at > last, "docs/pss.md lists {} out of order", c.id);
        last = at;
    }
}
