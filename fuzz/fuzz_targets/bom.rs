//! Fuzz the readers of user-supplied vulnerability inputs: SBOM documents (CycloneDX,
//! SPDX), package URLs and OpenVEX documents. Nothing may panic; a parsed package URL must
//! print to a string that parses back to the same value.

#![no_main]

use libfuzzer_sys::fuzz_target;
use moat_image::purl::Purl;

fuzz_target!(|data: &[u8]| {
    if let Ok(bom) = moat_image::bom::read(data) {
        for p in &bom.packages {
            let again = Purl::parse(&p.purl.to_string()).expect("printed purl parses");
            assert_eq!(again, p.purl);
        }
    }
    let _ = moat_imagescan::vex::Vex::parse(data, "fuzz");
    let text = String::from_utf8_lossy(data);
    for line in text.lines().take(16) {
        if let Ok(p) = Purl::parse(line) {
            let again = Purl::parse(&p.to_string()).expect("printed purl parses");
            assert_eq!(again, p, "{line:?}");
        }
    }
});
