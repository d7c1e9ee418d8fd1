//! One `match_subjects` run (or several) over the benchmark's packages, for instruction
//! counts under callgrind, where criterion's repetitions would be too slow:
//!
//! ```sh
//! cargo build --release -p moat-imagescan --example match_count
//! valgrind --tool=callgrind --toggle-collect='moat_imagescan::vulns::match_subjects*' \
//!     target/release/examples/match_count /tmp/vuln.db 1000 1
//! ```
//!
//! Arguments: the database (imported from `../shared/vulndata` when missing), how many of
//! the 10,000 packages have advisories (1000: typical, 10000: all), and the runs.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stderr,
    missing_docs
)]

#[path = "../benches/support/mod.rs"]
mod support;

use std::path::Path;

use moat_imagescan::vulns::match_subjects;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, db_path, advised, runs] = args.as_slice() else {
        eprintln!("usage: match_count DB ADVISED RUNS");
        std::process::exit(2);
    };
    let db_path = Path::new(db_path);
    if !db_path.exists() {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vulndata");
        moat_vulndb::import(db_path, &[data], &moat_vulndb::ImportOptions::default()).unwrap();
    }
    let advised: usize = advised.parse().unwrap();
    let runs: u32 = runs.parse().unwrap();
    let db = moat_vulndb::Database::open(db_path).unwrap();
    let subjects = support::subjects(&db, advised);
    let t = std::time::Instant::now();
    let mut found = 0;
    for _ in 0..runs {
        found = match_subjects(&db, &subjects, None).unwrap().matches.len();
    }
    eprintln!(
        "{} packages, {found} vulnerabilities, {:?} per run",
        subjects.len(),
        t.elapsed() / runs.max(1)
    );
}
