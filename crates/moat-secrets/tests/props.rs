//! Properties: scanning arbitrary bytes never panics, positions stay inside the input,
//! and a redacted value never shows more than its first four characters.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use moat_secrets::{Scanner, Settings, redact};
use proptest::prelude::*;

/// Arbitrary bytes salted with anchors, so verifiers run on hostile surroundings.
fn salted() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..24),
        Just(b"AKIA".to_vec()),
        Just(b"ghp_".to_vec()),
        Just(b"-----BEGIN RSA PRIVATE KEY-----\n".to_vec()),
        Just(b"-----END".to_vec()),
        Just(b"eyJ".to_vec()),
        Just(b"password = \"".to_vec()),
        Just(b"\"type\": \"service_account\"".to_vec()),
        Just(b"\"private_key\": \"".to_vec()),
        Just(b"hooks.slack.com/services/T".to_vec()),
        Just(b"_authToken=".to_vec()),
        Just(b"\"auth\": \"".to_vec()),
        "[A-Za-z0-9+/=._-]{0,80}".prop_map(String::into_bytes),
        Just(b"\n".to_vec()),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn never_panics_and_stays_in_bounds(data in salted()) {
        let scanner = Scanner::new(Settings::default()).unwrap();
        let lines = data.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
        for s in scanner.scan("kubeconfig", &data) {
            prop_assert!(s.line >= 1 && s.line <= lines);
            prop_assert!(s.span.0 <= s.span.1 && s.span.1 <= data.len());
            prop_assert!(s.redacted.chars().skip(4).all(|c| c == '*'));
        }
    }

    #[test]
    fn redaction_shows_at_most_four(secret in any::<Vec<u8>>()) {
        let r = redact(&secret);
        let text = String::from_utf8_lossy(&secret);
        let shown: String = r.chars().take_while(|&c| c != '*').collect();
        prop_assert!(shown.chars().count() <= 4);
        prop_assert!(text.starts_with(&shown));
        prop_assert!(r.chars().skip(4).all(|c| c == '*'));
    }
}
