//! `moat sbom`: small images written by the test (a Debian OCI layout, an Alpine docker
//! archive), SBOMs validated against the official CycloneDX 1.6 and SPDX 2.3 schemas in
//! `../shared/schemas/`, exact package lists and purls, byte-identical reruns.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../../moat-image/tests/support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use support::{Blob, E, layer};

const OS_DEBIAN: &[u8] = b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n";
const STATUS_0: &[u8] = b"Package: base-files\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.4+deb12u5\n\n\
Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\nVersion: 2.36-9\n";
const STATUS_1: &[u8] = b"Package: base-files\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.4+deb12u5\n\n\
Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\nVersion: 2.36-9+deb12u7\n\n\
Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl (3.0.13-1~deb12u1)\nVersion: 3.0.13-1~deb12u1+b1\n\n\
Package: curl\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 7.88.1-10\n";
const OS_ALPINE: &[u8] = b"NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.19.1\n";
const APK_0: &[u8] = b"P:musl\nV:1.2.4_git20230717-r4\nA:x86_64\no:musl\n";
const APK_1: &[u8] = b"P:musl\nV:1.2.4_git20230717-r4\nA:x86_64\no:musl\n\n\
P:libcrypto3\nV:3.1.4-r5\nA:x86_64\no:openssl\n";

/// A two-layer Debian image as an OCI layout (gzip layers).
fn debian_layout(dir: &Path) -> [String; 2] {
    debian_layout_ref(dir, None)
}

/// The same, its index entry annotated with `org.opencontainers.image.ref.name`.
fn debian_layout_ref(dir: &Path, ref_name: Option<&str>) -> [String; 2] {
    let l0 = layer(&[
        E::File("usr/lib/os-release", OS_DEBIAN),
        E::Sym("etc/os-release", "../usr/lib/os-release"),
        E::File("var/lib/dpkg/status", STATUS_0),
    ]);
    let l1 = layer(&[E::File("var/lib/dpkg/status", STATUS_1)]);
    let blobs = [Blob::gz(&l0), Blob::gz(&l1)];
    let ids = blobs.each_ref().map(|b| b.diff_id.as_str().to_owned());
    let mut desc = support::oci_image(dir, "amd64", &blobs);
    if let Some(r) = ref_name {
        desc["annotations"] = serde_json::json!({"org.opencontainers.image.ref.name": r});
    }
    support::oci_index(dir, &[desc]);
    ids
}

/// A two-layer Alpine image as a docker archive (plain, then gzip).
fn alpine_archive(path: &Path) -> [String; 2] {
    let l0 = layer(&[
        E::File("etc/os-release", OS_ALPINE),
        E::File("lib/apk/db/installed", APK_0),
    ]);
    let l1 = layer(&[E::File("lib/apk/db/installed", APK_1)]);
    let blobs = [Blob::plain(l0), Blob::gz(&l1)];
    let ids = blobs.each_ref().map(|b| b.diff_id.as_str().to_owned());
    support::docker_archive(path, &blobs);
    ids
}

fn moat(args: &[&str], epoch: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_moat"));
    cmd.args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match epoch {
        Some(e) => cmd.env("SOURCE_DATE_EPOCH", e),
        None => cmd.env_remove("SOURCE_DATE_EPOCH"),
    };
    cmd.output().unwrap()
}

/// Runs `moat sbom` twice with a fixed epoch; asserts success and identical bytes.
fn sbom_twice(args: &[&str]) -> String {
    let a = moat(args, Some("1700000000"));
    assert_eq!(
        common::code(&a),
        0,
        "{}",
        String::from_utf8_lossy(&a.stderr)
    );
    let b = moat(args, Some("1700000000"));
    assert_eq!(a.stdout, b.stdout, "two runs differ");
    String::from_utf8(a.stdout).unwrap()
}

/// Serves the schemas the CycloneDX schema refers to from `../shared` (no network).
struct Local(HashMap<String, Value>);

impl jsonschema::Retrieve for Local {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let key = uri.as_str().split('#').next().unwrap_or_default();
        self.0
            .get(key)
            .cloned()
            .ok_or_else(|| format!("schema {uri} is not in ../shared").into())
    }
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn validate(schema: &Value, retriever: Local, text: &str) -> Value {
    let doc: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON: {e}"));
    let v = jsonschema::options()
        .with_retriever(retriever)
        .should_validate_formats(true)
        .build(schema)
        .unwrap();
    let errs: Vec<String> = v
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errs.is_empty(), "{}\n{text}", errs.join("\n"));
    doc
}

fn valid_cyclonedx(text: &str) -> Value {
    let dir = common::shared().join("schemas/cyclonedx-1.6");
    let mut refs = HashMap::new();
    for f in ["spdx.schema.json", "jsf-0.82.schema.json"] {
        refs.insert(
            format!("http://cyclonedx.org/schema/{f}"),
            read_json(&dir.join(f)),
        );
    }
    validate(
        &read_json(&dir.join("bom-1.6.schema.json")),
        Local(refs),
        text,
    )
}

fn valid_spdx(text: &str) -> Value {
    let schema = read_json(&common::shared().join("schemas/spdx-2.3/spdx-schema.json"));
    validate(&schema, Local(HashMap::new()), text)
}

fn prop<'a>(c: &'a Value, name: &str) -> Option<&'a str> {
    c["properties"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name)?["value"]
        .as_str()
}

/// The purls of a CycloneDX document's components, in order.
fn purls(bom: &Value) -> Vec<&str> {
    bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["purl"].as_str())
        .collect()
}

#[test]
fn cyclonedx_from_oci_layout() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("debian-oci");
    let [l0, l1] = debian_layout(&layout);
    let src = layout.to_str().unwrap();
    let text = sbom_twice(&["sbom", src]);
    let bom = valid_cyclonedx(&text);
    assert_eq!(bom["specVersion"], "1.6");
    assert_eq!(bom["metadata"]["timestamp"], "2023-11-14T22:13:20Z");
    assert_eq!(bom["metadata"]["tools"]["components"][0]["name"], "moat");
    let image = &bom["metadata"]["component"];
    assert_eq!(image["type"], "container");
    assert_eq!(image["name"], src);
    let digest = image["version"].as_str().unwrap();
    assert!(digest.starts_with("sha256:"));
    let comps = bom["components"].as_array().unwrap();
    let got: Vec<_> = comps
        .iter()
        .map(|c| {
            (
                c["type"].as_str().unwrap(),
                c["name"].as_str().unwrap(),
                c["version"].as_str().unwrap(),
                c["purl"].as_str(),
                prop(c, "moat:layer"),
                prop(c, "moat:sourcePackage"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("operating-system", "debian", "12", None, Some(&*l0), None),
            (
                "library",
                "base-files",
                "12.4+deb12u5",
                Some("pkg:deb/debian/base-files@12.4%2Bdeb12u5?arch=amd64&distro=debian-12"),
                Some(&*l0),
                None
            ),
            (
                "library",
                "libc6",
                "2.36-9+deb12u7",
                Some("pkg:deb/debian/libc6@2.36-9%2Bdeb12u7?arch=amd64&distro=debian-12"),
                Some(&*l1),
                Some("glibc")
            ),
            (
                "library",
                "libssl3",
                "3.0.13-1~deb12u1+b1",
                Some("pkg:deb/debian/libssl3@3.0.13-1~deb12u1%2Bb1?arch=amd64&distro=debian-12"),
                Some(&*l1),
                Some("openssl")
            ),
        ]
    );
    assert_eq!(
        prop(&comps[3], "moat:sourceVersion"),
        Some("3.0.13-1~deb12u1")
    );
    // The serial depends on the image digest only, not on the time.
    let later = moat(&["sbom", src], Some("1800000000"));
    let later: Value = serde_json::from_slice(&later.stdout).unwrap();
    assert_eq!(later["serialNumber"], bom["serialNumber"]);
    assert_ne!(later["metadata"]["timestamp"], bom["metadata"]["timestamp"]);
}

#[test]
fn spdx_from_docker_archive() {
    let dir = tempfile::tempdir().unwrap();
    let tar = dir.path().join("alpine.tar");
    let [l0, l1] = alpine_archive(&tar);
    let out = dir.path().join("out.spdx.json");
    let args = [
        "sbom",
        tar.to_str().unwrap(),
        "--format",
        "spdx",
        "-o",
        out.to_str().unwrap(),
    ];
    assert_eq!(sbom_twice(&args), "", "-o writes nothing to stdout");
    let first = std::fs::read(&out).unwrap();
    sbom_twice(&args);
    assert_eq!(first, std::fs::read(&out).unwrap(), "two runs differ");
    let text = String::from_utf8(first).unwrap();
    let doc = valid_spdx(&text);
    assert_eq!(doc["spdxVersion"], "SPDX-2.3");
    assert_eq!(doc["name"], "example/app:1");
    assert_eq!(doc["creationInfo"]["created"], "2023-11-14T22:13:20Z");
    assert!(
        doc["documentNamespace"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    let pkgs = doc["packages"].as_array().unwrap();
    let got: Vec<_> = pkgs
        .iter()
        .map(|p| {
            (
                p["primaryPackagePurpose"].as_str().unwrap(),
                p["name"].as_str().unwrap(),
                p["externalRefs"][0]["referenceLocator"].as_str(),
                p["sourceInfo"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("CONTAINER", "example/app:1", None, None),
            ("OPERATING_SYSTEM", "alpine", None, None),
            (
                "LIBRARY",
                "libcrypto3",
                Some("pkg:apk/alpine/libcrypto3@3.1.4-r5?arch=x86_64&distro=alpine-3.19"),
                Some("built package from: openssl 3.1.4-r5")
            ),
            (
                "LIBRARY",
                "musl",
                Some("pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19"),
                None
            ),
        ]
    );
    let comment = |i: usize| pkgs[i]["comment"].as_str().unwrap().to_owned();
    assert!(comment(2).contains(&l1), "{}", comment(2));
    assert!(comment(3).contains(&l0), "{}", comment(3));
    let rels = doc["relationships"].as_array().unwrap();
    assert_eq!(rels.len(), 4);
    assert_eq!(rels[0]["relationshipType"], "DESCRIBES");
}

#[test]
fn cyclonedx_from_docker_archive_and_spdx_from_layout() {
    let dir = tempfile::tempdir().unwrap();
    let tar = dir.path().join("alpine.tar");
    alpine_archive(&tar);
    let bom = valid_cyclonedx(&sbom_twice(&["sbom", tar.to_str().unwrap()]));
    let purls = purls(&bom);
    assert_eq!(
        purls,
        [
            "pkg:apk/alpine/libcrypto3@3.1.4-r5?arch=x86_64&distro=alpine-3.19",
            "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19"
        ]
    );
    let layout = dir.path().join("oci");
    debian_layout_ref(&layout, Some("12"));
    let src = layout.to_str().unwrap();
    let doc = valid_spdx(&sbom_twice(&["sbom", src, "-f", "spdx"]));
    assert_eq!(doc["packages"].as_array().unwrap().len(), 5);
    assert_eq!(
        doc["name"],
        format!("{src}:12"),
        "DIR:TAG from the ref name"
    );

    let full = dir.path().join("full");
    debian_layout_ref(&full, Some("registry.example/debian:12"));
    let bom: Value = serde_json::from_str(&sbom_twice(&["sbom", full.to_str().unwrap()])).unwrap();
    assert_eq!(
        bom["metadata"]["component"]["name"],
        "registry.example/debian:12"
    );
}

#[test]
fn table_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("oci");
    let [l0, l1] = debian_layout(&layout);
    let src = layout.to_str().unwrap();
    let table = sbom_twice(&["sbom", src, "--format", "table"]);
    let short = |d: &str| d.trim_start_matches("sha256:")[..12].to_owned();
    let lines: Vec<_> = table.lines().collect();
    assert_eq!(
        lines[..4]
            .iter()
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .collect::<Vec<_>>(),
        [
            vec!["NAME", "VERSION", "TYPE", "LAYER"],
            vec!["base-files", "12.4+deb12u5", "deb", &short(&l0)],
            vec!["libc6", "2.36-9+deb12u7", "deb", &short(&l1)],
            vec!["libssl3", "3.0.13-1~deb12u1+b1", "deb", &short(&l1)],
        ]
    );
    assert!(table.contains("3 packages in"), "{table}");
    let json: Value = serde_json::from_str(&sbom_twice(&["sbom", src, "-f", "json"])).unwrap();
    assert_eq!(json["os"]["id"], "debian");
    assert_eq!(json["packages"][1]["sourceName"], "glibc");
    assert_eq!(json["packages"][1]["layer"], l1.as_str());
}

#[test]
fn errors_name_the_source() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let o = moat(&["sbom", missing.to_str().unwrap()], None);
    assert_eq!(common::code(&o), 2);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(missing.to_str().unwrap()), "{err}");

    // A directory without oci-layout is a root filesystem, unless forced to be a layout.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let o = moat(&["sbom", empty.to_str().unwrap(), "-f", "table"], None);
    assert_eq!(
        common::code(&o),
        0,
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = moat(&["sbom", &format!("oci:{}", empty.display())], None);
    assert_eq!(common::code(&o), 2);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("oci-layout"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    let junk = dir.path().join("junk.tar");
    std::fs::write(&junk, b"not a tar at all").unwrap();
    let o = moat(&["sbom", junk.to_str().unwrap()], None);
    assert_eq!(common::code(&o), 2);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("junk.tar") && err.contains("neither a directory nor a tar archive"),
        "{err}"
    );

    let oci_tar = dir.path().join("oci.tar");
    let mut b = tar::Builder::new(std::fs::File::create(&oci_tar).unwrap());
    let mut h = tar::Header::new_gnu();
    h.set_size(2);
    h.set_mode(0o644);
    b.append_data(&mut h, "oci-layout", &b"{}"[..]).unwrap();
    b.finish().unwrap();
    drop(b);
    let o = moat(&["sbom", oci_tar.to_str().unwrap()], None);
    assert_eq!(common::code(&o), 2);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("oci.tar") && err.contains("index.json"),
        "{err}"
    );

    let layout = dir.path().join("oci");
    debian_layout(&layout);
    let o = moat(
        &[
            "sbom",
            layout.to_str().unwrap(),
            "--platform",
            "linux/arm64",
        ],
        None,
    );
    assert_eq!(common::code(&o), 2);
    let o = moat(&["sbom", layout.to_str().unwrap()], Some("yesterday"));
    assert_eq!(common::code(&o), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("SOURCE_DATE_EPOCH"));
    // Without SOURCE_DATE_EPOCH the current time is used.
    let o = moat(&["sbom", layout.to_str().unwrap()], None);
    assert_eq!(common::code(&o), 0);

    let help = moat(&["sbom", "--help"], None);
    let help = common::stdout(&help);
    assert!(
        help.contains("Examples:") && help.contains("--platform"),
        "{help}"
    );
}

/// The validators are not vacuous: a broken document fails each schema.
#[test]
#[should_panic(expected = "serialNumber")]
fn cyclonedx_schema_rejects_a_bad_serial() {
    valid_cyclonedx(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","serialNumber":"42"}"#);
}

#[test]
#[should_panic(expected = "primaryPackagePurpose")]
fn spdx_schema_rejects_a_bad_purpose() {
    valid_spdx(
        r#"{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"x",
        "documentNamespace":"https://x.invalid/x","creationInfo":{"created":"2023-11-14T22:13:20Z","creators":["Tool: x"]},
        "packages":[{"SPDXID":"SPDXRef-A","name":"a","downloadLocation":"NOASSERTION","primaryPackagePurpose":"OS"}]}"#,
    );
}

/// Tars up a directory's contents (an OCI layout becomes an OCI archive).
fn tar_dir(dir: &Path, out: &Path) {
    let mut b = tar::Builder::new(std::fs::File::create(out).unwrap());
    b.append_dir_all(".", dir).unwrap();
    b.finish().unwrap();
}

#[test]
fn oci_archive_and_root_filesystem_sources() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("oci");
    let [_, l1] = debian_layout(&layout);
    let archive = dir.path().join("app.oci.tar");
    tar_dir(&layout, &archive);
    let from_layout: Value = serde_json::from_str(&sbom_twice(&[
        "sbom",
        layout.to_str().unwrap(),
        "-f",
        "json",
    ]))
    .unwrap();
    for spec in [
        archive.to_str().unwrap().to_owned(),
        format!("oci-archive:{}", archive.display()),
    ] {
        let from_archive: Value =
            serde_json::from_str(&sbom_twice(&["sbom", &spec, "-f", "json"])).unwrap();
        assert_eq!(from_archive["packages"], from_layout["packages"], "{spec}");
        assert_eq!(
            from_archive["image"]["digest"],
            from_layout["image"]["digest"]
        );
        assert_eq!(from_archive["packages"][1]["layer"], l1.as_str());
    }

    // The same files unpacked: one layer, no config, packages found all the same.
    let root = dir.path().join("rootfs");
    std::fs::create_dir_all(root.join("usr/lib")).unwrap();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::create_dir_all(root.join("var/lib/dpkg")).unwrap();
    std::fs::write(root.join("usr/lib/os-release"), OS_DEBIAN).unwrap();
    std::os::unix::fs::symlink("../usr/lib/os-release", root.join("etc/os-release")).unwrap();
    std::fs::write(root.join("var/lib/dpkg/status"), STATUS_1).unwrap();
    let from_dir: Value =
        serde_json::from_str(&sbom_twice(&["sbom", root.to_str().unwrap(), "-f", "json"])).unwrap();
    let purls = |v: &Value| -> Vec<String> {
        v["packages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["purl"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(purls(&from_dir), purls(&from_layout));
    let cdx: Value =
        serde_json::from_str(&sbom_twice(&["sbom", &format!("dir:{}", root.display())])).unwrap();
    assert_eq!(cdx["components"].as_array().unwrap().len(), 4, "{cdx:#}");

    // A docker archive with several images needs a tag, given skopeo-style.
    let docker = dir.path().join("alpine.tar");
    alpine_archive(&docker);
    let table = sbom_twice(&[
        "sbom",
        &format!("docker-archive:{}", docker.display()),
        "-f",
        "table",
    ]);
    assert!(table.contains("libcrypto3"), "{table}");
}

/// The real Debian minbase image `scripts/build-test-images` builds (via
/// `scripts/setup-test-deps`): its OCI layout and what dpkg itself lists.
fn minbase() -> (std::path::PathBuf, String) {
    let dir = common::root().join("target/test-images/minbase");
    let expected = std::fs::read_to_string(dir.join("dpkg-query.tsv")).unwrap_or_else(|e| {
        panic!(
            "{}: {e} — run scripts/setup-test-deps (it builds the real test images)",
            dir.display()
        )
    });
    (dir.join("oci"), expected)
}

/// `name version arch source source-version` rows of moat's JSON, sorted.
fn package_rows(json: &Value) -> String {
    let mut rows: Vec<String> = json["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}\t{}\t{}\t{}\t{}\n",
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap(),
                p["arch"].as_str().unwrap_or_default(),
                p["sourceName"].as_str().unwrap(),
                p["sourceVersion"].as_str().unwrap()
            )
        })
        .collect();
    rows.sort();
    rows.concat()
}

#[test]
fn real_minbase_image_from_every_source() {
    let (layout, expected) = minbase();
    let src = format!("oci:{}:bookworm", layout.display());
    // From the layout: exactly what dpkg lists, every package from the base layer.
    let json: Value = serde_json::from_str(&sbom_twice(&[
        "sbom",
        layout.to_str().unwrap(),
        "-f",
        "json",
    ]))
    .unwrap();
    assert_eq!(package_rows(&json), expected);
    assert!(json["packages"].as_array().unwrap().len() > 80);
    let base_layer = json["image"]["layers"][0].clone();
    for p in json["packages"].as_array().unwrap() {
        assert_eq!(p["layer"], base_layer, "{p}");
    }
    let libc = json["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "libc6")
        .unwrap();
    assert_eq!(libc["sourceName"], "glibc");
    assert!(
        libc["purl"]
            .as_str()
            .unwrap()
            .starts_with("pkg:deb/debian/libc6@2.36-9%2Bdeb12u"),
        "{libc}"
    );
    valid_cyclonedx(&sbom_twice(&["sbom", layout.to_str().unwrap()]));
    valid_spdx(&sbom_twice(&[
        "sbom",
        layout.to_str().unwrap(),
        "-f",
        "spdx",
    ]));

    // The same image pushed to a registry on 127.0.0.1 and saved as archives by skopeo.
    let registry = common::registry::Registry::start();
    let reference = format!("{}/moat/minbase:bookworm", registry.addr);
    common::registry::skopeo_copy(
        &format!("oci:{}:bookworm", layout.display()),
        &format!("docker://{reference}"),
    );
    let dir = tempfile::tempdir().unwrap();
    let docker = dir.path().join("minbase.docker.tar");
    let oci_archive = dir.path().join("minbase.oci.tar");
    common::registry::skopeo_copy(
        &src,
        &format!("docker-archive:{}:moat/minbase:bookworm", docker.display()),
    );
    common::registry::skopeo_copy(
        &src,
        &format!("oci-archive:{}:bookworm", oci_archive.display()),
    );
    for (spec, extra) in [
        (reference.clone(), vec!["--insecure-registry"]),
        (docker.display().to_string(), vec![]),
        (oci_archive.display().to_string(), vec![]),
    ] {
        let mut args = vec!["sbom", spec.as_str(), "-f", "json"];
        args.extend(extra);
        let o = moat(&args, None);
        assert_eq!(
            common::code(&o),
            0,
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let other: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(package_rows(&other), expected, "{spec}");
        assert_eq!(other["image"]["layers"], json["image"]["layers"], "{spec}");
    }
    // Plain HTTP is refused unless asked for, and only ever on loopback.
    let o = moat(&["sbom", &reference], None);
    assert_eq!(common::code(&o), 2);
    let o = moat(
        &["sbom", "--insecure-registry", "registry.example.com/a/b:1"],
        None,
    );
    assert_eq!(common::code(&o), 2);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("only allowed for localhost"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = moat(
        &[
            "sbom",
            "--insecure-registry",
            &format!("{}/moat/absent:1", registry.addr),
        ],
        None,
    );
    assert_eq!(common::code(&o), 2);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("not found"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn broken_rpm_database_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let tar = dir.path().join("broken.tar");
    let l0 = layer(&[E::File(
        "var/lib/rpm/rpmdb.sqlite",
        b"definitely not sqlite",
    )]);
    support::docker_archive(&tar, &[Blob::plain(l0)]);
    let o = moat(&["sbom", tar.to_str().unwrap()], None);
    assert_eq!(common::code(&o), 2);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("broken.tar")
            && err.contains("var/lib/rpm/rpmdb.sqlite: rpm database: not a SQLite database"),
        "{err}"
    );
}

/// A two-layer Rocky-like image as a docker archive: an rpm sqlite database made with
/// Debian's rpm in `usr/lib/sysimage/rpm` (with `var/lib/rpm` linked to it), `hello`
/// upgraded in the second layer.
fn rpm_archive(path: &Path) -> [String; 2] {
    use support::rpmdb::{self, Spec};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let spec = |name, epoch, version, release, sub| Spec {
        name,
        epoch,
        version,
        release,
        sub,
    };
    let mut rpms = rpmdb::build(d, &spec("hello", Some(2), "1.0~rc1", "3.el9", None));
    rpms.extend(rpmdb::build(
        d,
        &spec("greeting", None, "2.0^git1", "1.el9", Some("libgreet")),
    ));
    let root = rpmdb::install(d, "root", &rpms);
    let db0 = rpmdb::sqlite(&root);
    rpmdb::upgrade(
        &root,
        &rpmdb::build(d, &spec("hello", Some(2), "1.0", "1.el9", None)),
    );
    let db1 = rpmdb::sqlite(&root);
    let db = "usr/lib/sysimage/rpm/rpmdb.sqlite";
    let l0 = layer(&[
        E::File(
            "etc/os-release",
            b"NAME=\"Rocky Linux\"\nID=\"rocky\"\nVERSION_ID=\"9.3\"\nPRETTY_NAME=\"Rocky Linux 9.3 (Blue Onyx)\"\n",
        ),
        E::File(db, &db0),
        E::Sym("var/lib/rpm", "../../usr/lib/sysimage/rpm"),
    ]);
    let l1 = layer(&[E::File(db, &db1)]);
    let blobs = [Blob::gz(&l0), Blob::plain(l1)];
    let ids = blobs.each_ref().map(|b| b.diff_id.as_str().to_owned());
    support::docker_archive(path, &blobs);
    ids
}

#[test]
fn rpm_image_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let tar = dir.path().join("rocky.tar");
    let [l0, l1] = rpm_archive(&tar);
    let src = tar.to_str().unwrap();
    let bom = valid_cyclonedx(&sbom_twice(&["sbom", src]));
    let comps = bom["components"].as_array().unwrap();
    let got: Vec<_> = comps
        .iter()
        .skip(1)
        .map(|c| {
            (
                c["name"].as_str().unwrap(),
                c["version"].as_str().unwrap(),
                c["purl"].as_str().unwrap(),
                prop(c, "moat:layer").unwrap(),
                prop(c, "moat:sourcePackage"),
                prop(c, "moat:sourceVersion"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "greeting",
                "2.0^git1-1.el9",
                "pkg:rpm/rocky/greeting@2.0%5Egit1-1.el9?arch=noarch&distro=rocky-9.3",
                &*l0,
                None,
                None
            ),
            (
                "hello",
                "2:1.0-1.el9",
                "pkg:rpm/rocky/hello@1.0-1.el9?arch=noarch&distro=rocky-9.3&epoch=2",
                &*l1,
                None,
                None
            ),
            (
                "libgreet",
                "2.0^git1-1.el9",
                "pkg:rpm/rocky/libgreet@2.0%5Egit1-1.el9?arch=noarch&distro=rocky-9.3",
                &*l0,
                Some("greeting"),
                Some("2.0^git1-1.el9")
            ),
        ]
    );
    assert_eq!(comps[0]["type"], "operating-system");
    assert_eq!(
        prop(&comps[2], "moat:location"),
        Some("usr/lib/sysimage/rpm/rpmdb.sqlite")
    );
    assert_eq!(comps[2]["supplier"]["name"], "Moat Test");
    assert_eq!(
        comps[2]["licenses"][0]["license"]["name"],
        "MIT AND (Apache-2.0 OR BSD-3-Clause)"
    );

    let doc = valid_spdx(&sbom_twice(&["sbom", src, "-f", "spdx"]));
    let libgreet = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "libgreet")
        .unwrap();
    assert_eq!(
        libgreet["sourceInfo"],
        "built package from: greeting 2.0^git1-1.el9"
    );
    assert_eq!(libgreet["supplier"], "Organization: Moat Test");
    assert_eq!(libgreet["licenseDeclared"], "NOASSERTION");
    assert!(
        libgreet["licenseComments"]
            .as_str()
            .unwrap()
            .ends_with("GPL-2.0-or-later")
    );
    assert_eq!(
        libgreet["externalRefs"][0]["referenceLocator"],
        "pkg:rpm/rocky/libgreet@2.0%5Egit1-1.el9?arch=noarch&distro=rocky-9.3"
    );

    let json: Value = serde_json::from_str(&sbom_twice(&["sbom", src, "-f", "json"])).unwrap();
    assert_eq!(json["packages"][1]["type"], "rpm");
    assert_eq!(json["packages"][1]["version"], "2:1.0-1.el9");
    assert_eq!(json["packages"][1]["layer"], l1.as_str());
    assert_eq!(json["packages"][1]["fileCount"], 2);
    assert_eq!(json["packages"][1]["vendor"], "Moat Test");
    let table = sbom_twice(&["sbom", src, "-f", "table"]);
    assert!(
        table
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == ["hello", "2:1.0-1.el9", "rpm", &l1["sha256:".len()..][..12]]),
        "{table}"
    );
}

/// An image with one package of every language ecosystem (hand-built Go and
/// cargo-auditable ELF files, a war with a nested jar) and a corrupt jar.
fn language_layout(dir: &Path) {
    use support::lang::{Z, dep_v0, go_inline, pom, zip, zlib};
    let go = go_inline(
        true,
        false,
        "go1.21.5",
        "path\texample.com/svc\nmod\texample.com/svc\tv1.0.0\t\ndep\tgolang.org/x/net\tv0.17.0\th1:x=\n",
    );
    let rust = dep_v0(zlib(
        br#"{"packages":[{"name":"svc","version":"0.2.0","source":"local","root":true,"dependencies":[1]},{"name":"smallvec","version":"1.6.0","source":"crates.io"}]}"#,
    ));
    let jar = zip(&[Z::File(
        "META-INF/maven/org.slf4j/slf4j-api/pom.properties",
        &pom("org.slf4j", "slf4j-api", "1.7.36"),
    )]);
    let war = zip(&[Z::Stored("WEB-INF/lib/slf4j-api-1.7.36.jar", &jar)]);
    let l0 = layer(&[
        E::File("usr/lib/os-release", OS_DEBIAN),
        E::Sym("etc/os-release", "../usr/lib/os-release"),
        E::File(
            "usr/lib/python3/dist-packages/Flask_Cors-4.0.0.dist-info/METADATA",
            b"Metadata-Version: 2.1\nName: Flask_Cors\nVersion: 4.0.0\n",
        ),
        E::File(
            "app/node_modules/@babel/core/package.json",
            br#"{"name":"@babel/core","version":"7.22.0"}"#,
        ),
        E::File("app/package.json", br#"{"name":"app","version":"1.0.0"}"#),
    ]);
    let l1 = layer(&[
        E::Exec("usr/local/bin/svc-go", &go),
        E::Exec("usr/local/bin/svc-rs", &rust),
        E::File("opt/shop.war", &war),
        E::File("opt/broken.jar", b"PK\x03\x04 no central directory"),
    ]);
    let desc = support::oci_image(dir, "amd64", &[Blob::gz(&l0), Blob::plain(l1)]);
    support::oci_index(dir, &[desc]);
}

#[test]
fn language_packages_in_both_formats() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("oci");
    language_layout(&layout);
    let src = layout.to_str().unwrap();
    let o = moat(&["sbom", src], Some("0"));
    assert_eq!(common::code(&o), 0);
    assert_eq!(
        String::from_utf8_lossy(&o.stderr).trim(),
        "moat: warning: /opt/broken.jar (layer 1): zip archive: invalid Zip archive: Could not find EOCD"
    );
    let bom = valid_cyclonedx(&sbom_twice(&["sbom", src]));
    let purls = purls(&bom);
    assert_eq!(
        purls,
        [
            "pkg:cargo/smallvec@1.6.0",
            "pkg:cargo/svc@0.2.0",
            "pkg:golang/example.com/svc@v1.0.0",
            "pkg:golang/golang.org/x/net@v0.17.0",
            "pkg:golang/stdlib@go1.21.5",
            "pkg:maven/org.slf4j/slf4j-api@1.7.36",
            "pkg:maven/shop",
            "pkg:npm/%40babel/core@7.22.0",
            "pkg:pypi/flask-cors@4.0.0",
        ]
    );
    let net = &bom["components"][4];
    assert_eq!(prop(net, "moat:location"), Some("usr/local/bin/svc-go"));
    assert_eq!(prop(net, "moat:layerIndex"), Some("1"));
    assert_eq!(prop(net, "moat:sourcePackage"), Some("example.com/svc"));
    assert_eq!(prop(net, "moat:sourceVersion"), Some("go1.21.5"));
    let jar = &bom["components"][6];
    assert_eq!(
        prop(jar, "moat:location"),
        Some("opt/shop.war!/WEB-INF/lib/slf4j-api-1.7.36.jar")
    );
    let doc = valid_spdx(&sbom_twice(&["sbom", src, "-f", "spdx"]));
    let packages = doc["packages"].as_array().unwrap();
    // Image, operating system, 9 packages (the war itself, by file name, included).
    assert_eq!(packages.len(), 11);
    let smallvec = packages.iter().find(|p| p["name"] == "smallvec").unwrap();
    assert_eq!(smallvec["sourceInfo"], "compiled into: svc 0.2.0");
    let table = sbom_twice(&["sbom", src, "-f", "table"]);
    assert!(table.contains("9 packages in"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()[..3]
                == ["@babel/core", "7.22.0", "npm"]),
        "{table}"
    );
}

#[test]
fn cyclonedx_with_vulnerabilities_validates() {
    let dir = tempfile::tempdir().unwrap();
    let advisories = dir.path().join("osv");
    std::fs::create_dir_all(&advisories).unwrap();
    std::fs::write(
        advisories.join("TEST-1.json"),
        r#"{"id":"TEST-1","aliases":["CVE-2099-0001"],"modified":"2024-01-01T00:00:00Z","summary":"test advisory",
            "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
            "affected":[{"package":{"ecosystem":"PyPI","name":"requests"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.20.0"}]}]}]}"#,
    )
    .unwrap();
    let db = dir.path().join("vuln.db");
    let o = moat(
        &[
            "db",
            "import",
            "--db",
            db.to_str().unwrap(),
            advisories.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(
        common::code(&o),
        0,
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let root = dir.path().join("root");
    let site = root.join("usr/lib/python3/site-packages/requests-2.19.1.dist-info");
    std::fs::create_dir_all(&site).unwrap();
    std::fs::write(site.join("METADATA"), "Name: requests\nVersion: 2.19.1\n").unwrap();
    let o = moat(
        &[
            "image",
            root.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
            "-f",
            "cyclonedx",
        ],
        Some("1700000000"),
    );
    assert_eq!(
        common::code(&o),
        0,
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let bom = valid_cyclonedx(&String::from_utf8(o.stdout).unwrap());
    let v = &bom["vulnerabilities"][0];
    assert_eq!(v["id"], "CVE-2099-0001");
    assert_eq!(v["references"][0]["id"], "TEST-1");
    assert_eq!(v["ratings"][0]["score"], 9.8);
    assert_eq!(v["ratings"][0]["method"], "CVSSv31");
    assert_eq!(v["recommendation"], "Upgrade to 2.20.0");
    let component = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["purl"] == "pkg:pypi/requests@2.19.1")
        .unwrap();
    assert_eq!(v["affects"][0]["ref"], component["bom-ref"]);
    // A VEX statement becomes the analysis; `moat sbom scan -f cyclonedx` adds the same
    // array to a CycloneDX input.
    let vex = dir.path().join("vex.json");
    std::fs::write(
        &vex,
        r#"{"statements":[{"vulnerability":"CVE-2099-0001","products":["pkg:pypi/requests"],"status":"not_affected","justification":"vulnerable_code_not_present"}]}"#,
    )
    .unwrap();
    let input = dir.path().join("bom.json");
    let o = moat(
        &[
            "sbom",
            root.to_str().unwrap(),
            "-o",
            input.to_str().unwrap(),
        ],
        Some("1700000000"),
    );
    assert_eq!(common::code(&o), 0);
    let o = moat(
        &[
            "sbom",
            "scan",
            input.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
            "--vex",
            vex.to_str().unwrap(),
            "-f",
            "cyclonedx",
        ],
        None,
    );
    assert_eq!(
        common::code(&o),
        0,
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let bom = valid_cyclonedx(&String::from_utf8(o.stdout).unwrap());
    assert_eq!(
        bom["vulnerabilities"][0]["analysis"]["state"],
        "not_affected"
    );
}
