//! End-to-end: small images written by the tests, read from an OCI layout and a docker
//! archive, merged and catalogued; plus hostile layers.

#![allow(clippy::unwrap_used)]

mod support;

use moat_image::fs::NoticeKind;
use moat_image::layer::{Compression, Expect};
use moat_image::source::docker::DockerArchive;
use moat_image::source::oci::{OciLayout, Platform};
use moat_image::{Error, FileKind, Limits, MergedFs, PackageKind, Source, Want, catalog, load};
use support::{Blob, E, layer};

const OS_RELEASE: &[u8] = b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n";

const STATUS_0: &[u8] = b"Package: base-files\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.4+deb12u5\n\n\
Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\nVersion: 2.36-9\n";
const STATUS_1: &[u8] = b"Package: base-files\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.4+deb12u5\n\n\
Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\nVersion: 2.36-9\n\n\
Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl (3.0.13-1~deb12u1)\nVersion: 3.0.13-1~deb12u1+b1\n";
const STATUS_2: &[u8] = b"Package: base-files\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.4+deb12u5\n\n\
Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\nVersion: 2.36-9+deb12u7\n\n\
Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl (3.0.13-1~deb12u1)\nVersion: 3.0.13-1~deb12u1+b1\n\n\
Package: curl\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 7.88.1-10\n";
const APK_0: &[u8] = b"P:musl\nV:1.2.5-r0\nA:x86_64\no:musl\n";
const APK_1: &[u8] =
    b"P:musl\nV:1.2.5-r0\nA:x86_64\no:musl\n\nP:libcrypto3\nV:3.3.1-r0\nA:x86_64\no:openssl\n";

/// Three layers: a base; one that adds packages, whites out a file and makes a directory
/// opaque; one that upgrades libc6 and adds a hard link.
fn layers() -> [Vec<u8>; 3] {
    [
        layer(&[
            E::Dir("etc/"),
            E::File("usr/lib/os-release", OS_RELEASE),
            E::Sym("etc/os-release", "../usr/lib/os-release"),
            E::File("var/lib/dpkg/status", STATUS_0),
            E::File(
                "var/lib/dpkg/status.d/tzdata",
                b"Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n",
            ),
            E::File(
                "var/lib/dpkg/status.d/tzdata.md5sums",
                b"00  usr/share/zoneinfo/UTC\n",
            ),
            E::File("lib/apk/db/installed", APK_0),
            E::File("etc/secret", b"hunter2"),
            E::File("tmp/cache/a", b"a"),
            E::File("tmp/cache/b", b"b"),
            E::File("opt/app/bin", b"\x7fELF"),
        ]),
        layer(&[
            E::File("var/lib/dpkg/status", STATUS_1),
            E::File("lib/apk/db/installed", APK_1),
            E::File("etc/.wh.secret", b""),
            E::File("tmp/cache/.wh..wh..opq", b""),
            E::File("tmp/cache/c", b"c"),
        ]),
        layer(&[
            E::File("./var/lib/dpkg/status", STATUS_2),
            E::Hard("opt/app/bin2", "opt/app/bin"),
        ]),
    ]
}

fn check_merged(fs: &MergedFs) {
    assert_eq!(fs.layer_count(), 3);
    assert!(fs.node("etc/secret").is_none(), "whiteout hides etc/secret");
    assert!(
        fs.node("tmp/cache/a").is_none() && fs.node("tmp/cache/b").is_none(),
        "opaque dir hides lower entries"
    );
    assert_eq!(fs.node("tmp/cache/c").map(|n| n.layer), Some(1));
    assert_eq!(fs.node("usr/lib/os-release").map(|n| n.layer), Some(0));
    let bin2 = fs.node("opt/app/bin2").unwrap();
    assert_eq!((&bin2.kind, bin2.size, bin2.layer), (&FileKind::File, 4, 2));
    assert_eq!(
        fs.children("var/lib/dpkg/status.d").unwrap(),
        [
            "var/lib/dpkg/status.d/tzdata",
            "var/lib/dpkg/status.d/tzdata.md5sums"
        ]
    );
    assert!(fs.notices().is_empty(), "{:?}", fs.notices());

    let cat = catalog(fs).unwrap();
    let os = cat.os.unwrap();
    assert_eq!(
        (
            os.id.as_str(),
            os.version_id.as_deref(),
            os.path.as_str(),
            os.layer
        ),
        ("debian", Some("12"), "usr/lib/os-release", 0)
    );
    let got: Vec<_> = cat
        .packages
        .iter()
        .map(|p| {
            (
                p.kind,
                p.name.as_str(),
                p.version.as_str(),
                p.source_name.as_str(),
                p.source_version.as_str(),
                p.location.as_str(),
                p.layer,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                PackageKind::Deb,
                "base-files",
                "12.4+deb12u5",
                "base-files",
                "12.4+deb12u5",
                "var/lib/dpkg/status",
                0
            ),
            (
                PackageKind::Deb,
                "libc6",
                "2.36-9+deb12u7",
                "glibc",
                "2.36-9+deb12u7",
                "var/lib/dpkg/status",
                2
            ),
            (
                PackageKind::Deb,
                "libssl3",
                "3.0.13-1~deb12u1+b1",
                "openssl",
                "3.0.13-1~deb12u1",
                "var/lib/dpkg/status",
                1
            ),
            (
                PackageKind::Deb,
                "tzdata",
                "2024a-0+deb12u1",
                "tzdata",
                "2024a-0+deb12u1",
                "var/lib/dpkg/status.d/tzdata",
                0
            ),
            (
                PackageKind::Apk,
                "libcrypto3",
                "3.3.1-r0",
                "openssl",
                "3.3.1-r0",
                "lib/apk/db/installed",
                1
            ),
            (
                PackageKind::Apk,
                "musl",
                "1.2.5-r0",
                "musl",
                "1.2.5-r0",
                "lib/apk/db/installed",
                0
            ),
        ]
    );
}

#[test]
fn oci_layout_gzip_zstd_plain() {
    let dir = tempfile::tempdir().unwrap();
    let [l0, l1, l2] = layers();
    let desc = support::oci_image(
        dir.path(),
        "amd64",
        &[Blob::gz(&l0), Blob::zst(&l1), Blob::plain(l2)],
    );
    support::oci_index(dir.path(), &[desc]);
    let image = OciLayout::open(dir.path(), None).unwrap();
    assert_eq!(image.config().config.user.as_deref(), Some("65532"));
    let fs = load(&image, moat_image::catalog::want(), Limits::default()).unwrap();
    check_merged(&fs);
}

#[test]
fn docker_archive_plain_and_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let [l0, l1, l2] = layers();
    let path = dir.path().join("image.tar");
    support::docker_archive(&path, &[Blob::plain(l0), Blob::gz(&l1), Blob::gz(&l2)]);
    let image = DockerArchive::open(&path, None).unwrap();
    assert_eq!(image.repo_tags(), ["example/app:1"]);
    assert!(image.layers()[0].digest.is_none() && image.layers()[1].digest.is_some());
    let fs = load(&image, moat_image::catalog::want(), Limits::default()).unwrap();
    check_merged(&fs);
    assert!(DockerArchive::open(&path, Some("example/app:1")).is_ok());
    assert!(matches!(
        DockerArchive::open(&path, Some("other:2")),
        Err(Error::Missing { .. })
    ));
}

#[test]
fn oci_platform_selection() {
    let dir = tempfile::tempdir().unwrap();
    let arm = support::oci_image(
        dir.path(),
        "arm64",
        &[Blob::plain(layer(&[E::File("arm", b"")]))],
    );
    let amd = support::oci_image(
        dir.path(),
        "amd64",
        &[Blob::plain(layer(&[E::File("amd", b"")]))],
    );
    support::oci_index(dir.path(), &[arm, amd]);
    let pick = |p: Option<&str>| {
        let platform = p.map(|p| Platform::parse(p).unwrap());
        let image = OciLayout::open(dir.path(), platform.as_ref())?;
        let fs = load(&image, Want::new(), Limits::default())?;
        Ok::<_, Error>(fs.iter().map(|(p, _)| p.to_owned()).collect::<Vec<_>>())
    };
    assert_eq!(pick(None).unwrap(), ["", "amd"]);
    assert_eq!(pick(Some("linux/arm64")).unwrap(), ["", "arm"]);
    let err = pick(Some("linux/s390x")).unwrap_err();
    assert!(
        matches!(&err, Error::NoPlatform { available, .. } if available == &["linux/arm64", "linux/amd64"]),
        "{err}"
    );
    assert!(Platform::parse("linux").is_err());
}

#[test]
fn oci_tampered_blob_is_a_digest_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let tar = layer(&[E::File("a", b"original")]);
    let blob = Blob::plain(tar.clone());
    let desc = support::oci_image(dir.path(), "amd64", &[blob]);
    support::oci_index(dir.path(), &[desc]);
    let image = OciLayout::open(dir.path(), None).unwrap();
    let evil = layer(&[E::File("a", b"tampered")]);
    assert_eq!(evil.len(), tar.len());
    let blob_path = dir
        .path()
        .join("blobs/sha256")
        .join(moat_image::Digest::of(&tar).hex());
    std::fs::write(blob_path, &evil).unwrap();
    let err = load(&image, Want::new(), Limits::default()).unwrap_err();
    assert!(matches!(err, Error::DigestMismatch { .. }), "{err}");
}

#[test]
fn docker_wrong_diff_id_is_a_digest_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("image.tar");
    let mut blob = Blob::plain(layer(&[E::File("a", b"x")]));
    blob.diff_id = moat_image::Digest::of(b"something else");
    support::docker_archive(&path, &[blob]);
    let image = DockerArchive::open(&path, None).unwrap();
    let err = load(&image, Want::new(), Limits::default()).unwrap_err();
    assert!(matches!(err, Error::DigestMismatch { .. }), "{err}");
    assert!(
        err.to_string().contains("layer 0: digest mismatch"),
        "{err}"
    );
}

#[test]
fn oci_bad_digest_and_media_type() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("blobs/sha256")).unwrap();
    support::oci_index(
        dir.path(),
        &[
            serde_json::json!({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:../../../etc/passwd", "size": 1}),
        ],
    );
    assert!(matches!(
        OciLayout::open(dir.path(), None),
        Err(Error::BadDigest { .. })
    ));

    let mut blob = Blob::plain(layer(&[E::File("a", b"")]));
    blob.media_type = "application/vnd.oci.image.layer.v1.tar+lz4";
    let dir = tempfile::tempdir().unwrap();
    let desc = support::oci_image(dir.path(), "amd64", &[blob]);
    support::oci_index(dir.path(), &[desc]);
    let err = OciLayout::open(dir.path(), None).unwrap_err();
    assert!(
        matches!(&err, Error::UnsupportedMediaType { media_type } if media_type.ends_with("+lz4")),
        "{err}"
    );
}

fn one_layer(entries: &[E<'_>], want: &[&str]) -> MergedFs {
    let mut fs = MergedFs::new(Want::new().with(want), Limits::default());
    fs.add_layer(&layer(entries)[..], None, &Expect::default())
        .unwrap();
    fs
}

#[test]
fn hostile_traversal_is_clamped_inside_root() {
    let fs = one_layer(
        &[
            E::File("../../etc/passwd", b"root:x:0:0"),
            E::File("/abs/file", b"abs"),
            E::Hard("x/y", "../../../abs/file"),
        ],
        &["etc/passwd", "abs/file", "x/y"],
    );
    assert_eq!(
        fs.iter().map(|(p, _)| p).collect::<Vec<_>>(),
        ["", "abs/file", "etc/passwd", "x/y"]
    );
    assert_eq!(
        fs.file("etc/passwd").unwrap().unwrap().content,
        b"root:x:0:0"
    );
    assert_eq!(fs.file("x/y").unwrap().unwrap().content, b"abs");
    let kinds: Vec<_> = fs
        .notices()
        .iter()
        .map(|n| (n.path.as_str(), &n.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("../../etc/passwd", &NoticeKind::EscapesRoot),
            ("x/y", &NoticeKind::EscapesRoot)
        ]
    );
}

#[test]
fn hostile_symlinks_never_leave_root() {
    let fs = one_layer(
        &[
            E::File("etc/shadow", b"image shadow"),
            E::Sym("etc/abs", "/etc/shadow"),
            E::Sym("etc/up", "../../../../../etc/shadow"),
            E::Sym("etc/dir", "/../../"),
            E::Sym("etc/gone", "/nonexistent/file"),
        ],
        &["etc/shadow"],
    );
    for link in [
        "etc/abs",
        "etc/up",
        "/etc/abs",
        "etc/dir/etc/shadow",
        "etc/dir/etc/dir/etc/up",
    ] {
        let f = fs.file(link).unwrap().unwrap();
        assert_eq!(
            (f.path, f.content),
            ("etc/shadow", &b"image shadow"[..]),
            "{link}"
        );
    }
    assert_eq!(fs.resolve("etc/dir").unwrap().as_deref(), Some(""));
    assert_eq!(fs.resolve("etc/gone").unwrap(), None);
    assert!(fs.file("etc/gone").unwrap().is_none());
}

#[test]
fn hostile_symlink_loops_stop() {
    let fs = one_layer(
        &[
            E::Sym("a", "b"),
            E::Sym("b", "/a"),
            E::Sym("self", "self"),
            E::Sym("grow", "grow/x"),
            E::Hard("h", "h"),
        ],
        &[],
    );
    for p in ["a", "b/c", "self", "grow"] {
        assert!(matches!(fs.resolve(p), Err(Error::LinkLoop { .. })), "{p}");
        assert!(fs.file(p).is_err());
    }
    assert_eq!(
        fs.notices().iter().map(|n| &n.kind).collect::<Vec<_>>(),
        [&NoticeKind::DanglingHardlink]
    );
}

#[test]
fn gzip_bomb_stops_at_the_limit() {
    let big = layer(&[E::File("zeros", &vec![0; 1 << 20])]);
    let gz = support::gzip(&big);
    assert!(gz.len() < 10_000);
    let limits = Limits {
        max_layer_bytes: 100_000,
        ..Limits::default()
    };
    let mut fs = MergedFs::new(Want::new(), limits);
    let err = fs
        .add_layer(&gz[..], Some(Compression::Gzip), &Expect::default())
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("exceeds the limit of 100000 bytes"),
        "{err}"
    );
}

#[test]
fn truncated_and_garbage_layers_are_errors() {
    let tar = support::gzip(&layer(&[E::File("a", &[1; 4000])]));
    for bytes in [
        &tar[..tar.len() / 2],
        b"\x1f\x8b not really gzip",
        b"\x28\xb5\x2f\xfd garbage",
    ] {
        let mut fs = MergedFs::new(Want::new(), Limits::default());
        let err = fs.add_layer(bytes, None, &Expect::default()).unwrap_err();
        assert!(matches!(err, Error::Layer { layer: 0, .. }), "{err}");
    }
}

#[test]
fn huge_watched_file_is_not_kept() {
    let limits = Limits {
        max_content: 8,
        ..Limits::default()
    };
    let mut fs = MergedFs::new(Want::new().with(&["etc/os-release"]), limits);
    fs.add_layer(
        &layer(&[E::File("etc/os-release", b"ID=debian\n")])[..],
        None,
        &Expect::default(),
    )
    .unwrap();
    assert!(fs.file("etc/os-release").unwrap().is_none());
    assert_eq!(fs.notices()[0].kind, NoticeKind::ContentTooLarge);
}

#[test]
fn zstd_with_several_frames() {
    let tar = layer(&[
        E::File("lib/apk/db/installed", APK_1),
        E::File("etc/hostname", b"x"),
    ]);
    let (a, b) = tar.split_at(700);
    let mut bytes = support::zstd(a);
    bytes.extend(support::zstd(b));
    let mut fs = MergedFs::new(moat_image::catalog::want(), Limits::default());
    let expect = Expect {
        diff_id: Some(moat_image::Digest::of(&tar)),
        ..Expect::default()
    };
    fs.add_layer(&bytes[..], Some(Compression::Zstd), &expect)
        .unwrap();
    let names: Vec<_> = catalog(&fs)
        .unwrap()
        .packages
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["libcrypto3", "musl"]);
    assert!(fs.node("etc/hostname").is_some());
}

#[test]
fn oci_nested_index() {
    let dir = tempfile::tempdir().unwrap();
    let amd = support::oci_image(
        dir.path(),
        "amd64",
        &[Blob::plain(layer(&[E::File("amd", b"")]))],
    );
    let arm = support::oci_image(
        dir.path(),
        "arm64",
        &[Blob::plain(layer(&[E::File("arm", b"")]))],
    );
    let inner = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [arm, amd],
    }))
    .unwrap();
    let digest = moat_image::Digest::of(&inner);
    std::fs::write(dir.path().join("blobs/sha256").join(digest.hex()), &inner).unwrap();
    support::oci_index(
        dir.path(),
        &[
            serde_json::json!({"mediaType": "application/vnd.oci.image.index.v1+json", "digest": digest.as_str(), "size": inner.len()}),
        ],
    );
    let image = OciLayout::open(dir.path(), None).unwrap();
    let fs = load(&image, Want::new(), Limits::default()).unwrap();
    assert!(fs.node("amd").is_some() && fs.node("arm").is_none());
    assert_eq!(image.config().architecture, "amd64");
}

#[test]
fn packages_vanish_with_their_database_and_come_back_in_a_new_layer() {
    let mut fs = MergedFs::new(moat_image::catalog::want(), Limits::default());
    let add = |fs: &mut MergedFs, entries: &[E<'_>]| {
        fs.add_layer(&layer(entries)[..], None, &Expect::default())
            .unwrap();
    };
    add(&mut fs, &[E::File("lib/apk/db/installed", APK_1)]);
    add(&mut fs, &[E::File("lib/apk/db/.wh.installed", b"")]);
    assert!(catalog(&fs).unwrap().packages.is_empty());
    add(&mut fs, &[E::File("lib/apk/db/installed", APK_0)]);
    let got: Vec<_> = catalog(&fs)
        .unwrap()
        .packages
        .into_iter()
        .map(|p| (p.name, p.layer))
        .collect();
    assert_eq!(got, [("musl".to_owned(), 2)]);
    // An opaque parent directory deletes it as well.
    add(&mut fs, &[E::File("lib/.wh..wh..opq", b"")]);
    assert!(catalog(&fs).unwrap().packages.is_empty());
    assert!(
        fs.versions("lib/apk/db/installed").unwrap().is_empty(),
        "path gone, no history"
    );
}

#[test]
fn huge_size_header_without_data_is_an_error_not_an_allocation() {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_size(10 << 30);
    h.set_mode(0o644);
    h.set_path("etc/os-release").unwrap();
    h.set_cksum();
    let mut b = tar::Builder::new(Vec::new());
    b.append(&h, &[][..]).unwrap();
    let bytes = b.into_inner().unwrap();
    for want in [Want::new(), moat_image::catalog::want()] {
        let mut fs = MergedFs::new(want, Limits::default());
        let err = fs
            .add_layer(&bytes[..], None, &Expect::default())
            .unwrap_err();
        assert!(matches!(err, Error::Layer { layer: 0, .. }), "{err}");
    }
}

/// An old-style `docker save` archive whose second layer is a symlink to the first, plus a
/// member that links to itself; `layers` is the manifest's `Layers` JSON.
fn old_docker_archive(path: &std::path::Path, layers: &str) {
    let l0 = layer(&[E::File("lib/apk/db/installed", APK_0)]);
    let config = support::config_json(
        "amd64",
        &[&moat_image::Digest::of(&l0), &moat_image::Digest::of(&l0)],
    );
    let mut b = tar::Builder::new(std::fs::File::create(path).unwrap());
    let mut file = |name: &str, bytes: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, name, bytes).unwrap();
    };
    let manifest = format!(r#"[{{"Config":"config.json","RepoTags":null,"Layers":{layers}}}]"#);
    file("manifest.json", manifest.as_bytes());
    file("config.json", &config);
    file("a/layer.tar", &l0);
    for (name, target) in [
        ("b/layer.tar", "../a/layer.tar"),
        ("loop/layer.tar", "../loop/layer.tar"),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_size(0);
        b.append_link(&mut h, name, target).unwrap();
    }
    b.finish().unwrap();
}

#[test]
fn docker_archive_with_linked_layer_members() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.tar");
    old_docker_archive(&path, r#"["a/layer.tar","b/layer.tar"]"#);
    let image = DockerArchive::open(&path, None).unwrap();
    assert!(image.repo_tags().is_empty());
    let fs = load(&image, moat_image::catalog::want(), Limits::default()).unwrap();
    let got: Vec<_> = catalog(&fs)
        .unwrap()
        .packages
        .into_iter()
        .map(|p| (p.name, p.layer))
        .collect();
    assert_eq!(
        got,
        [("musl".to_owned(), 0)],
        "same content again in layer 1 keeps layer 0"
    );

    old_docker_archive(&path, r#"["a/layer.tar","loop/layer.tar"]"#);
    assert!(matches!(
        DockerArchive::open(&path, None),
        Err(Error::LinkLoop { .. })
    ));
    old_docker_archive(&path, r#"["a/layer.tar","../../etc/passwd"]"#);
    let err = DockerArchive::open(&path, None).unwrap_err();
    assert!(
        matches!(&err, Error::Missing { what } if what.contains("\"etc/passwd\"")),
        "{err}"
    );
}

/// Records what an inspector was shown.
#[derive(Default)]
struct Seen(Vec<(usize, String, Vec<u8>)>);

impl moat_image::Inspector for Seen {
    fn wants(&self, path: &str, size: u64, _mode: u32) -> bool {
        std::path::Path::new(path)
            .extension()
            .is_some_and(|e| e == "key")
            && size < 100
    }
    fn inspect(&mut self, layer: usize, path: &str, content: &[u8]) {
        self.0.push((layer, path.to_owned(), content.to_vec()));
    }
}

#[test]
fn inspectors_see_every_layer_and_deletions_are_visible() {
    let mut fs = MergedFs::new(Want::new().with(&["etc/a.key"]), Limits::default());
    let mut seen = Seen::default();
    let mut other = Seen::default();
    let layers = [
        layer(&[
            E::File("etc/a.key", b"first"),
            E::File("etc/b.key", b"gone later"),
            E::File("etc/big.key", &[b'x'; 200]),
            E::File("etc/plain.txt", b"not wanted"),
        ]),
        layer(&[
            E::File("etc/.wh.b.key", b""),
            E::File("etc/a.key", b"second"),
        ]),
    ];
    for l in &layers {
        fs.add_layer_inspected(
            &l[..],
            None,
            &Expect::default(),
            &mut [&mut seen, &mut other],
        )
        .unwrap();
    }
    let got: Vec<(usize, &str, &[u8])> = seen
        .0
        .iter()
        .map(|(l, p, c)| (*l, p.as_str(), c.as_slice()))
        .collect();
    assert_eq!(
        got,
        [
            (0, "etc/a.key", &b"first"[..]),
            (0, "etc/b.key", b"gone later"),
            (1, "etc/a.key", b"second"),
        ]
    );
    assert_eq!(other.0.len(), 3, "every inspector is shown the file");
    assert!(!fs.is_current("etc/a.key", 0));
    assert!(fs.is_current("etc/a.key", 1));
    assert!(!fs.is_current("etc/b.key", 0));
    // The catalogers' watched file is kept as well, read once.
    assert_eq!(fs.file("etc/a.key").unwrap().unwrap().content, b"second");
}

#[test]
fn oversized_files_are_not_inspected_but_noticed() {
    let limits = Limits {
        max_inspect: 4,
        ..Limits::default()
    };
    let mut fs = MergedFs::new(Want::new(), limits);
    let mut seen = Seen::default();
    fs.add_layer_inspected(
        &layer(&[E::File("a.key", b"12345"), E::File("b.key", b"123")])[..],
        None,
        &Expect::default(),
        &mut [&mut seen],
    )
    .unwrap();
    assert_eq!(seen.0.len(), 1);
    assert_eq!(seen.0[0].1, "b.key");
    assert_eq!(fs.notices().len(), 1);
    assert_eq!(fs.notices()[0].kind, NoticeKind::NotInspected);
}

#[test]
fn root_filesystem_directory_is_one_layer_and_links_stay_inside() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("host-secret.key"), b"host").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::create_dir_all(root.join("var/lib/dpkg")).unwrap();
    std::fs::write(root.join("etc/os-release"), OS_RELEASE).unwrap();
    std::fs::write(root.join("var/lib/dpkg/status"), STATUS_1).unwrap();
    std::fs::write(root.join("etc/app.key"), b"k").unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("host-secret.key"),
        root.join("etc/out.key"),
    )
    .unwrap();
    std::os::unix::fs::symlink("/etc/os-release", root.join("etc/abs")).unwrap();
    let mut fs = MergedFs::new(catalog::want(), Limits::default());
    let mut seen = Seen::default();
    fs.add_dir(root, &mut [&mut seen]).unwrap();
    assert_eq!(fs.layer_count(), 1);
    let cat = catalog(&fs).unwrap();
    assert_eq!(cat.os.unwrap().id, "debian");
    let names: Vec<&str> = cat.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["base-files", "libc6", "libssl3"]);
    // Only the regular file was inspected; the link to the host was recorded, not read.
    assert_eq!(seen.0.len(), 1);
    assert_eq!(seen.0[0].1, "etc/app.key");
    assert!(matches!(
        fs.node("etc/out.key").unwrap().kind,
        FileKind::Symlink(_)
    ));
    assert_eq!(fs.resolve("etc/out.key").unwrap(), None);
    assert_eq!(
        fs.resolve("etc/abs").unwrap().as_deref(),
        Some("etc/os-release")
    );
    let err = MergedFs::new(Want::new(), Limits::default())
        .add_dir(&root.join("etc/os-release"), &mut [])
        .unwrap_err();
    assert!(err.to_string().contains("not a directory"), "{err}");
}

#[test]
fn dpkg_file_lists_from_info() {
    let status =
        b"Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.36-9\n\n\
Package: tzdata\nStatus: install ok installed\nArchitecture: all\nVersion: 2024a-0+deb12u1\n\n\
Package: nolist\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1\n";
    let l0 = layer(&[
        E::File("var/lib/dpkg/status", status),
        E::File(
            "var/lib/dpkg/info/libc6:amd64.list",
            b"/.\n/lib\n/lib/x86_64-linux-gnu/libc.so.6\n",
        ),
        E::File("var/lib/dpkg/info/libc6:amd64.md5sums", b"00 lib/x\n"),
        E::File(
            "var/lib/dpkg/info/tzdata.list",
            b"/.\n/usr/share/zoneinfo/UTC\n",
        ),
    ]);
    let l1 = layer(&[E::File(
        "var/lib/dpkg/info/tzdata.list",
        b"/.\n/usr/share/zoneinfo/UTC\n/usr/share/zoneinfo/Europe/Paris\n",
    )]);
    let mut fs = MergedFs::new(moat_image::catalog::want(), Limits::default());
    for l in [l0, l1] {
        fs.add_layer(&l[..], None, &Expect::default()).unwrap();
    }
    // Only the `.list` files of info/ are kept.
    assert!(
        fs.file("var/lib/dpkg/info/libc6:amd64.list")
            .unwrap()
            .is_some()
    );
    assert!(
        fs.file("var/lib/dpkg/info/libc6:amd64.md5sums")
            .unwrap()
            .is_none()
    );
    let cat = catalog(&fs).unwrap();
    let files: Vec<(&str, Vec<&str>)> = cat
        .packages
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.files.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        files,
        [
            ("libc6", vec!["/lib", "/lib/x86_64-linux-gnu/libc.so.6"]),
            ("nolist", vec![]),
            (
                "tzdata",
                vec![
                    "/usr/share/zoneinfo/UTC",
                    "/usr/share/zoneinfo/Europe/Paris"
                ]
            ),
        ]
    );
}

#[test]
fn want_suffix_patterns() {
    let w = Want::new().with(&["var/lib/dpkg/info/*.list", "etc/apk/*"]);
    assert!(w.matches("var/lib/dpkg/info/bash.list"));
    assert!(!w.matches("var/lib/dpkg/info/.list"));
    assert!(!w.matches("var/lib/dpkg/info/bash.md5sums"));
    assert!(!w.matches("var/lib/dpkg/info/sub/bash.list"));
    assert!(w.matches("etc/apk/repositories"));
    assert!(!w.matches("etc/apk"));
}
