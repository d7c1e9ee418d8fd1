//! The rpm cataloger on real databases made at test time with Debian's `rpm` tools
//! (see `support/rpmdb.rs`): sqlite written by rpm itself, Berkeley DB (both byte orders,
//! overflow chains) written by `db_load` from rpm's header blobs and checked with rpm's
//! own read-only `bdb_ro` backend, NDB written by the test support; each put into images
//! under both database directories; plus hostile databases.

#![allow(clippy::unwrap_used)]

mod support;

use std::path::PathBuf;
use std::sync::OnceLock;

use moat_image::catalog::rpm::{self, DbError, Format, bdb, ndb};
use moat_image::layer::Expect;
use moat_image::sbom::purl;
use moat_image::{Error, Limits, MergedFs, Package, PackageKind, catalog};
use support::rpmdb::{self, Spec};
use support::{Blob, E, layer};

const OS_ROCKY: &[u8] =
    b"NAME=\"Rocky Linux\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.3\"\n";
const SQLITE: &str = "usr/lib/sysimage/rpm/rpmdb.sqlite";

/// Databases built once per test binary.
struct Fixture {
    _dir: tempfile::TempDir,
    /// The root after the first install (hello 2:1.0~rc1-3.fc40, greeting, libgreet).
    root0: PathBuf,
    /// rpmdb.sqlite bytes after the first install.
    db0: Vec<u8>,
    /// rpmdb.sqlite bytes after upgrading hello to 2:1.0-1.fc40.
    db1: Vec<u8>,
    /// Header blobs (hnum, blob) of db1.
    blobs1: Vec<(u32, Vec<u8>)>,
    dir: PathBuf,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let hello_rc = rpmdb::build(
            d,
            &Spec {
                name: "hello",
                epoch: Some(2),
                version: "1.0~rc1",
                release: "3.fc40",
                sub: None,
            },
        );
        let greeting = rpmdb::build(
            d,
            &Spec {
                name: "greeting",
                epoch: None,
                version: "2.0^git1",
                release: "1",
                sub: Some("libgreet"),
            },
        );
        let hello = rpmdb::build(
            d,
            &Spec {
                name: "hello",
                epoch: Some(2),
                version: "1.0",
                release: "1.fc40",
                sub: None,
            },
        );
        let all: Vec<PathBuf> = hello_rc.iter().chain(&greeting).cloned().collect();
        let root0 = rpmdb::install(d, "root0", &all);
        let db0 = rpmdb::sqlite(&root0);
        let root1 = rpmdb::install(d, "root1", &all);
        rpmdb::upgrade(&root1, &hello);
        let db1 = rpmdb::sqlite(&root1);
        let blobs1 = rpmdb::header_blobs(&root1);
        assert_eq!(
            rpmdb::query_all(&root1, "sqlite", "/var/lib/rpm"),
            [
                "greeting (none):2.0^git1-1 noarch",
                "hello 2:1.0-1.fc40 noarch",
                "libgreet (none):2.0^git1-1 noarch"
            ]
            .map(|s| s.replace("(none)", "0"))
        );
        Fixture {
            dir: d.to_path_buf(),
            _dir: dir,
            root0,
            db0,
            db1,
            blobs1,
        }
    })
}

fn merged(layers: &[Vec<u8>]) -> MergedFs {
    let mut fs = MergedFs::new(catalog::want(), Limits::default());
    for l in layers {
        fs.add_layer(&l[..], None, &Expect::default()).unwrap();
    }
    fs
}

/// (name, version, source name, source version, layer, location) of every rpm package.
fn summary(packages: &[Package]) -> Vec<(String, String, String, String, usize, String)> {
    packages
        .iter()
        .filter(|p| p.kind == PackageKind::Rpm)
        .map(|p| {
            (
                p.name.clone(),
                p.version.clone(),
                p.source_name.clone(),
                p.source_version.clone(),
                p.layer,
                p.location.clone(),
            )
        })
        .collect()
}

fn expected(
    location: &str,
    hello_layer: usize,
    hello: &str,
) -> Vec<(String, String, String, String, usize, String)> {
    [
        ("greeting", "2.0^git1-1", "greeting", "2.0^git1-1", 0),
        ("hello", hello, "hello", hello, hello_layer),
        ("libgreet", "2.0^git1-1", "greeting", "2.0^git1-1", 0),
    ]
    .iter()
    .map(|(n, v, sn, sv, l)| {
        (
            (*n).to_owned(),
            (*v).to_owned(),
            (*sn).to_owned(),
            (*sv).to_owned(),
            *l,
            location.to_owned(),
        )
    })
    .collect()
}

#[test]
fn sqlite_upgrade_in_a_later_layer_through_a_linked_directory() {
    let f = fixture();
    let l0 = layer(&[
        E::File("etc/os-release", OS_ROCKY),
        E::File(SQLITE, &f.db0),
        E::Sym("var/lib/rpm", "../../usr/lib/sysimage/rpm"),
    ]);
    let l1 = layer(&[E::File(SQLITE, &f.db1)]);
    // Read through an OCI layout, as moat does.
    let dir = tempfile::tempdir().unwrap();
    let desc = support::oci_image(dir.path(), "amd64", &[Blob::gz(&l0), Blob::plain(l1)]);
    support::oci_index(dir.path(), &[desc]);
    let image = moat_image::source::oci::OciLayout::open(dir.path(), None).unwrap();
    let fs = moat_image::load(&image, catalog::want(), Limits::default()).unwrap();
    let cat = catalog::catalog(&fs).unwrap();
    // The link and the directory name the same file: each package once.
    assert_eq!(summary(&cat.packages), expected(SQLITE, 1, "2:1.0-1.fc40"));
    let purls: Vec<String> = cat
        .packages
        .iter()
        .map(|p| purl(p, cat.os.as_ref()))
        .collect();
    assert_eq!(
        purls,
        [
            "pkg:rpm/rocky/greeting@2.0%5Egit1-1?arch=noarch&distro=rocky-9.3",
            "pkg:rpm/rocky/hello@1.0-1.fc40?arch=noarch&distro=rocky-9.3&epoch=2",
            "pkg:rpm/rocky/libgreet@2.0%5Egit1-1?arch=noarch&distro=rocky-9.3",
        ]
    );
    let hello = &cat.packages[1];
    assert_eq!(hello.arch.as_deref(), Some("noarch"));
    assert_eq!(
        hello.license.as_deref(),
        Some("MIT AND (Apache-2.0 OR BSD-3-Clause)")
    );
    assert_eq!(hello.vendor.as_deref(), Some("Moat Test"));
    assert_eq!(hello.files, ["/usr/share/hello", "/usr/share/hello/README"]);
    assert!(cat.packages[2].files.is_empty(), "libgreet owns no file");
    assert_eq!(cat.packages[2].license.as_deref(), Some("GPL-2.0-or-later"));
}

#[test]
fn sqlite_in_var_lib_rpm_with_the_tilde_version() {
    let f = fixture();
    let fs = merged(&[layer(&[E::File("var/lib/rpm/rpmdb.sqlite", &f.db0)])]);
    let cat = catalog::catalog(&fs).unwrap();
    assert_eq!(
        summary(&cat.packages),
        expected("var/lib/rpm/rpmdb.sqlite", 0, "2:1.0~rc1-3.fc40")
    );
    // Without os-release: no namespace, no distro.
    assert_eq!(
        purl(&cat.packages[1], None),
        "pkg:rpm/hello@1.0~rc1-3.fc40?arch=noarch&epoch=2"
    );
    // The same as rpm itself lists.
    let from_rpm = rpmdb::query_all(&f.root0, "sqlite", "/var/lib/rpm");
    let ours: Vec<String> = cat
        .packages
        .iter()
        .map(|p| {
            let evr = if p.version.contains(':') {
                p.version.clone()
            } else {
                format!("0:{}", p.version)
            };
            format!("{} {evr} {}", p.name, p.arch.as_deref().unwrap())
        })
        .collect();
    assert_eq!(ours, from_rpm);
}

#[test]
fn berkeley_db_both_byte_orders_and_overflow_pages() {
    let f = fixture();
    for (page_size, big_endian) in [(4096, false), (512, false), (512, true), (1024, true)] {
        let db = rpmdb::bdb(&f.dir, &f.blobs1, page_size, big_endian);
        // rpm's own read-only Berkeley DB backend agrees on the fixture.
        let root = f.dir.join(format!("bdbroot-{page_size}-{big_endian}"));
        std::fs::create_dir_all(root.join("var/lib/rpm")).unwrap();
        std::fs::write(root.join("var/lib/rpm/Packages"), &db).unwrap();
        if !big_endian {
            assert_eq!(
                rpmdb::query_all(&root, "bdb_ro", "/var/lib/rpm"),
                [
                    "greeting 0:2.0^git1-1 noarch",
                    "hello 2:1.0-1.fc40 noarch",
                    "libgreet 0:2.0^git1-1 noarch"
                ]
            );
        }
        let blobs = bdb::blobs(&db).unwrap();
        let mut got = blobs.clone();
        got.sort();
        let mut want: Vec<Vec<u8>> = f.blobs1.iter().map(|(_, b)| b.clone()).collect();
        want.sort();
        assert_eq!(got, want, "page size {page_size}, big endian {big_endian}");
        let fs = merged(&[layer(&[E::File("var/lib/rpm/Packages", &db)])]);
        let cat = catalog::catalog(&fs).unwrap();
        assert_eq!(
            summary(&cat.packages),
            expected("var/lib/rpm/Packages", 0, "2:1.0-1.fc40")
        );
    }
}

#[test]
fn ndb_in_sysimage_with_upgrade_in_a_later_layer() {
    let f = fixture();
    let before = rpmdb::header_blobs(&f.root0);
    let path = "usr/lib/sysimage/rpm/Packages.db";
    let fs = merged(&[
        layer(&[E::File(path, &rpmdb::ndb(&before))]),
        layer(&[E::File(path, &rpmdb::ndb(&f.blobs1))]),
    ]);
    let cat = catalog::catalog(&fs).unwrap();
    assert_eq!(summary(&cat.packages), expected(path, 1, "2:1.0-1.fc40"));
}

#[test]
fn one_database_per_directory_sqlite_first() {
    let f = fixture();
    let bdb = rpmdb::bdb(&f.dir, &f.blobs1, 4096, false);
    let fs = merged(&[layer(&[
        E::File("var/lib/rpm/Packages", &bdb),
        E::File("var/lib/rpm/rpmdb.sqlite", &f.db0),
    ])]);
    let cat = catalog::catalog(&fs).unwrap();
    assert_eq!(
        summary(&cat.packages),
        expected("var/lib/rpm/rpmdb.sqlite", 0, "2:1.0~rc1-3.fc40")
    );
}

fn rpm_error(fs: &MergedFs) -> (String, DbError) {
    match catalog::catalog(fs) {
        Err(Error::RpmDb { path, source }) => (path, source),
        other => panic!("expected an rpm database error, got {other:?}"),
    }
}

#[test]
fn broken_databases_are_reported_not_empty() {
    let f = fixture();
    let fs = merged(&[layer(&[E::File(
        "var/lib/rpm/rpmdb.sqlite",
        b"this is not sqlite at all",
    )])]);
    let (path, e) = rpm_error(&fs);
    assert_eq!(path, "var/lib/rpm/rpmdb.sqlite");
    assert!(matches!(e, DbError::NotDb { .. }), "{e}");
    let msg = catalog::catalog(&fs).unwrap_err().to_string();
    assert!(msg.starts_with("var/lib/rpm/rpmdb.sqlite: rpm database: not a SQLite"));

    // Truncated sqlite file.
    let fs = merged(&[layer(&[E::File(SQLITE, &f.db1[..f.db1.len() / 2])])]);
    let (_, e) = rpm_error(&fs);
    assert!(matches!(e, DbError::Sqlite(_)), "{e}");

    // A Berkeley DB file that is not one.
    let fs = merged(&[layer(&[E::File("var/lib/rpm/Packages", &[0u8; 4096])])]);
    assert!(matches!(rpm_error(&fs).1, DbError::NotDb { .. }));

    // NDB with a corrupted blob: the checksum catches it.
    let mut db = rpmdb::ndb(&f.blobs1);
    db[4096 + 100] ^= 0xff;
    let fs = merged(&[layer(&[E::File("var/lib/rpm/Packages.db", &db)])]);
    let e = rpm_error(&fs).1;
    assert!(e.to_string().contains("checksum mismatch"), "{e}");

    // A broken database in a lower layer, replaced by a good one: no error, the
    // packages come from the layer that fixed it.
    let fs = merged(&[
        layer(&[E::File(SQLITE, b"garbage")]),
        layer(&[E::File(SQLITE, &f.db1)]),
    ]);
    let cat = catalog::catalog(&fs).unwrap();
    assert!(cat.packages.iter().all(|p| p.layer == 1));
    assert_eq!(cat.packages.len(), 3);
}

#[test]
fn hostile_headers_inside_a_valid_database() {
    let f = fixture();
    let mut records = f.blobs1.clone();
    // Absurd index count in the second header.
    records[1].1[..4].copy_from_slice(&0x00ff_ffffu32.to_be_bytes());
    let fs = merged(&[layer(&[E::File(
        "var/lib/rpm/Packages.db",
        &rpmdb::ndb(&records),
    )])]);
    let e = rpm_error(&fs).1;
    assert!(matches!(e, DbError::Header { index: 1, .. }), "{e}");
    // An offset pointing past the data.
    let mut records = f.blobs1.clone();
    records[0].1[8 + 16 + 8..8 + 16 + 12].copy_from_slice(&0x7fff_0000u32.to_be_bytes());
    let e = rpm::parse(Format::Ndb, "x", &rpmdb::ndb(&records)).unwrap_err();
    assert!(matches!(e, DbError::Header { index: 0, .. }), "{e}");
}

/// Page `pgno` of a little-endian database: sets its next-page pointer.
fn set_next(db: &mut [u8], page_size: usize, pgno: usize, next: u32) {
    let at = pgno * page_size + 16;
    db[at..at + 4].copy_from_slice(&next.to_le_bytes());
}

fn overflow_pages(db: &[u8], page_size: usize) -> Vec<usize> {
    (1..db.len() / page_size)
        .filter(|p| db[p * page_size + 25] == 7)
        .collect()
}

#[test]
fn berkeley_db_page_loops_and_bad_pointers_end_with_errors() {
    let f = fixture();
    let good = rpmdb::bdb(&f.dir, &f.blobs1, 512, false);
    let over = overflow_pages(&good, 512);
    assert!(over.len() > 3, "small pages give overflow chains");
    // A chain looping back onto itself.
    let mut db = good.clone();
    set_next(&mut db, 512, over[1], over[1] as u32);
    let e = bdb::blobs(&db).unwrap_err();
    assert!(e.to_string().contains("loops"), "{e}");
    // A chain leading outside the file.
    let mut db = good.clone();
    set_next(&mut db, 512, over[1], 0x00ff_ffff);
    assert!(bdb::blobs(&db).is_err());
    // A meta page claiming more pages than the file has.
    let mut db = good.clone();
    db[32..36].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(bdb::blobs(&db), Err(DbError::Corrupt { .. })));
    // Bad page size.
    let mut db = good.clone();
    db[20..24].copy_from_slice(&1000u32.to_le_bytes());
    assert!(matches!(bdb::blobs(&db), Err(DbError::Corrupt { .. })));
    // Truncated file.
    assert!(bdb::blobs(&good[..good.len() - 700]).is_err());
    // Every single-byte corruption of the first data pages returns.
    for i in 512..2048 {
        let mut db = good.clone();
        db[i] ^= 0x5a;
        let _ = bdb::blobs(&db);
    }
}

#[test]
fn ndb_with_several_slot_pages() {
    let f = fixture();
    let records: Vec<(u32, Vec<u8>)> = (1..=600)
        .map(|n| (n, f.blobs1[n as usize % 3].1.clone()))
        .collect();
    let db = rpmdb::ndb(&records);
    assert_eq!(u32::from_le_bytes(db[12..16].try_into().unwrap()), 3);
    assert_eq!(ndb::blobs(&db).unwrap().len(), 600);
}

#[test]
fn ndb_bad_slots_and_blob_pointers() {
    let f = fixture();
    let good = rpmdb::ndb(&f.blobs1);
    assert_eq!(ndb::blobs(&good).unwrap().len(), 3);
    let slot = |i: usize| 32 + 16 * i;
    // Offset beyond the file.
    let mut db = good.clone();
    db[slot(0) + 8..slot(0) + 12].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(ndb::blobs(&db), Err(DbError::Corrupt { .. })));
    // Offset inside the slot page.
    let mut db = good.clone();
    db[slot(0) + 8..slot(0) + 12].copy_from_slice(&1u32.to_le_bytes());
    assert!(ndb::blobs(&db).is_err());
    // Absurd block count.
    let mut db = good.clone();
    db[slot(1) + 12..slot(1) + 16].copy_from_slice(&0x1000_0000u32.to_le_bytes());
    assert!(ndb::blobs(&db).is_err());
    // Bad slot magic.
    let mut db = good.clone();
    db[slot(5)] = b'X';
    assert!(ndb::blobs(&db).is_err());
    // Huge slot page count.
    let mut db = good.clone();
    db[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(ndb::blobs(&db).is_err());
    // Two slots for one package, and many slots sharing one blob under new indexes.
    let mut db = good.clone();
    db.copy_within(slot(0)..slot(1), slot(1));
    let e = ndb::blobs(&db).unwrap_err();
    assert!(e.to_string().contains("two slots"), "{e}");
    let mut db = good.clone();
    for i in 1..200 {
        db.copy_within(slot(0)..slot(1), slot(i));
        db[slot(i) + 4..slot(i) + 8].copy_from_slice(&(1000 + i as u32).to_le_bytes());
    }
    let e = ndb::blobs(&db).unwrap_err();
    assert!(
        e.to_string().contains("overlap") || e.to_string().contains("blob head"),
        "{e}"
    );
    // Truncation anywhere returns.
    for cut in (0..good.len()).step_by(97) {
        let _ = ndb::blobs(&good[..cut]);
    }
}

#[test]
fn real_blobs_parse_and_fields_match_rpm() {
    let f = fixture();
    for (_, blob) in &f.blobs1 {
        let h = rpm::header::Header::parse(blob).unwrap();
        assert_eq!(h.entries()[0].tag, rpm::header::tag::HEADER_IMMUTABLE);
        assert!(h.string(rpm::header::tag::SOURCERPM).is_some());
    }
}

#[test]
fn linked_directory_with_a_leftover_database_is_read_once() {
    let f = fixture();
    let bdb = rpmdb::bdb(&f.dir, &f.blobs1, 4096, false);
    let fs = merged(&[layer(&[
        E::Sym("var/lib/rpm", "../../usr/lib/sysimage/rpm"),
        E::File(SQLITE, &f.db0),
        E::File("usr/lib/sysimage/rpm/Packages", &bdb),
    ])]);
    let cat = catalog::catalog(&fs).unwrap();
    assert_eq!(
        summary(&cat.packages),
        expected(SQLITE, 0, "2:1.0~rc1-3.fc40")
    );
}

#[test]
fn database_larger_than_the_content_limit_is_an_error() {
    let f = fixture();
    let limits = Limits {
        max_content: 1024,
        ..Limits::default()
    };
    let mut fs = MergedFs::new(catalog::want(), limits);
    let l = layer(&[E::File(SQLITE, &f.db1)]);
    fs.add_layer(&l[..], None, &Expect::default()).unwrap();
    let (path, e) = rpm_error(&fs);
    assert_eq!(path, SQLITE);
    assert!(
        matches!(e, DbError::NotKept { limit: 1024, size } if size == f.db1.len() as u64),
        "{e}"
    );
}
