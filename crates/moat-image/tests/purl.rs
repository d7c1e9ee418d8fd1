//! Property tests of the package URL parser and the SBOM reader: arbitrary input never
//! panics, and package URLs built from arbitrary parts print and parse back unchanged.

use std::collections::BTreeMap;

use moat_image::purl::Purl;
use proptest::prelude::*;

fn segment() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9._~+!:@ %/-]{1,12}".prop_filter("non-empty after trim", |s| !s.is_empty())
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(s in ".{0,200}") {
        let _ = Purl::parse(&s);
        let _ = Purl::parse(&format!("pkg:{s}"));
        let _ = moat_image::bom::read(s.as_bytes());
    }

    #[test]
    fn printed_purls_parse_back(
        ty in "[a-z][a-z0-9.+-]{0,8}",
        namespace in proptest::option::of(segment()),
        name in segment(),
        version in proptest::option::of(segment()),
        qualifiers in proptest::collection::btree_map("[a-z]{1,6}", segment(), 0..3),
    ) {
        // Namespace segments are `/`-separated; an empty one cannot be written.
        let namespace = namespace.map(|n| n.split('/').filter(|s| !s.is_empty()).collect::<Vec<_>>().join("/")).filter(|n| !n.is_empty());
        let p = Purl {
            ty,
            namespace,
            name,
            version,
            qualifiers: qualifiers.into_iter().collect::<BTreeMap<_, _>>(),
            subpath: None,
        };
        let text = p.to_string();
        let back = Purl::parse(&text);
        prop_assert!(back.is_ok(), "{text}: {back:?}");
        prop_assert_eq!(back.ok(), Some(p), "{}", text);
    }
}
