//! Fuzzes the rpm database readers with arbitrary bytes: the rpm header blob parser
//! (every tag of an accepted header read back), the Berkeley DB hash reader, the NDB
//! reader and the whole-database parse of each format (sqlite too, from memory).
//! Nothing may panic, hang or allocate without bound.

#![no_main]

use libfuzzer_sys::fuzz_target;
use moat_image::catalog::rpm::header::Header;
use moat_image::catalog::rpm::{self, Format, bdb, ndb};

fuzz_target!(|data: &[u8]| {
    if let Ok(h) = Header::parse(data) {
        for e in h.entries() {
            let _ = h.get(e.tag);
            let _ = h.string(e.tag);
            let _ = h.int(e.tag);
        }
        let _ = rpm::package(&h, 0, "fuzz");
    }
    for blob in bdb::blobs(data).unwrap_or_default() {
        let _ = Header::parse(&blob);
    }
    let _ = ndb::blobs(data);
    for format in [Format::Sqlite, Format::Ndb, Format::Bdb] {
        let _ = rpm::parse(format, "fuzz", data);
    }
});
