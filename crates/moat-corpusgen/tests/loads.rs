//! Every generated file must load without errors or warnings, and the counts in the
//! summary must match what the loader finds.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use moat_corpusgen::{Options, SUMMARY_FILE, generate};
use moat_manifest::{LoadOptions, discover, load};

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "moat-corpusgen-{tag}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn generated_corpus_loads_cleanly() {
    let dir = temp_dir("loads");
    let opts = Options {
        out: dir.clone(),
        resources: 300,
        seed: 42,
        files_per_dir: 25,
    };
    let summary = generate(&opts).unwrap();
    assert_eq!(summary.resources, 300);
    assert!(summary.files > 10, "{summary:?}");
    assert!(dir.join(SUMMARY_FILE).is_file());

    let (inputs, errors) = discover(std::slice::from_ref(&dir), &LoadOptions::default());
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(inputs.len(), summary.files);
    let mut resources = 0;
    let mut bytes = 0;
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for input in &inputs {
        let lf = load(input, &LoadOptions::default());
        assert!(lf.errors.is_empty(), "{}: {:?}", lf.name, lf.errors);
        assert!(lf.warnings.is_empty(), "{}: {:?}", lf.name, lf.warnings);
        assert_eq!(lf.skipped_documents, 0, "{}", lf.name);
        resources += lf.resources.len();
        bytes += lf.bytes;
        for r in &lf.resources {
            *kinds.entry(r.rref.kind.clone()).or_default() += 1;
            assert!(
                r.rref.name.is_some(),
                "{}: unnamed {}",
                lf.name,
                r.rref.kind
            );
        }
    }
    assert_eq!(resources, 300);
    assert_eq!(bytes, summary.bytes);
    assert_eq!(kinds, summary.kinds);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn same_seed_same_bytes_and_mix() {
    let a = temp_dir("a");
    let b = temp_dir("b");
    let mk = |out: &PathBuf| Options {
        out: out.clone(),
        resources: 400,
        seed: 7,
        files_per_dir: 100,
    };
    let sa = generate(&mk(&a)).unwrap();
    let sb = generate(&mk(&b)).unwrap();
    assert_eq!(sa, sb);
    let (ia, _) = discover(std::slice::from_ref(&a), &LoadOptions::default());
    for input in ia {
        let moat_manifest::Input::File(p) = input else {
            continue;
        };
        let rel = p.strip_prefix(&a).unwrap();
        assert_eq!(
            std::fs::read(&p).unwrap(),
            std::fs::read(b.join(rel)).unwrap()
        );
    }
    // The mix the benchmarks rely on.
    let percent = sa.insecure_workloads * 100 / sa.workloads;
    assert!((8..35).contains(&percent), "{sa:?}");
    for kind in [
        "Deployment",
        "Service",
        "ConfigMap",
        "Secret",
        "ServiceAccount",
    ] {
        assert!(sa.kinds.get(kind).is_some_and(|&n| n > 5), "{kind}: {sa:?}");
    }
    assert!(sa.list_files > 0, "{sa:?}");
    let avg = sa.bytes / u64::try_from(sa.resources).unwrap();
    assert!(
        (1500..6000).contains(&avg),
        "average {avg} bytes per resource"
    );
    // A second run into a non-empty directory is refused.
    assert!(generate(&mk(&a)).is_err());
    std::fs::remove_dir_all(&a).unwrap();
    std::fs::remove_dir_all(&b).unwrap();
}
