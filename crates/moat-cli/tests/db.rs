//! `moat db`: import, stats, lookup, incremental updates, atomicity under faults (SIGKILL,
//! truncated archives, failed downloads) and `moat db update` from a local HTTP server.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn moat(args: &[&str]) -> Output {
    common::moat_in(&common::root(), args, None)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A hand-written OSV record.
fn osv(id: &str, modified: &str, name: &str, fixed: &str) -> String {
    format!(
        r#"{{"id": "{id}", "modified": "{modified}", "aliases": ["CVE-{id}"],
  "summary": "test advisory {id}",
  "affected": [{{"package": {{"ecosystem": "PyPI", "name": "{name}"}},
    "ranges": [{{"type": "ECOSYSTEM", "events": [{{"introduced": "0"}}, {{"fixed": "{fixed}"}}]}}]}}]}}"#
    )
}

fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

fn zip_of(records: &[(String, String)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, body) in records {
        w.start_file(name.as_str(), opts).unwrap();
        w.write_all(body.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn db_arg(db: &Path) -> String {
    db.display().to_string()
}

#[test]
fn import_stats_lookup_and_incremental_reimport() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    write(
        &src,
        "T-1.json",
        &osv("T-1", "2024-01-01T00:00:00Z", "Foo_Bar", "1.2"),
    );
    write(
        &src,
        "T-2.yaml",
        "id: T-2\nmodified: 2024-01-01T00:00:00Z\naffected:\n- package:\n    ecosystem: PyPI\n    name: foo-bar\n  versions:\n  - \"1.10\"\n",
    );
    write(
        &src,
        "README.md",
        "not an advisory, skipped in directory walks",
    );
    let db = dir.path().join("v.db");
    let out = moat(&["db", "import", "--db", &db_arg(&db), src.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let so = text(&out.stdout);
    assert!(so.contains("2 added, 0 updated, 0 unchanged"), "{so}");

    let out = moat(&["db", "stats", "--db", &db_arg(&db)]);
    let so = text(&out.stdout);
    assert!(out.status.success());
    assert!(so.contains("schema     1"), "{so}");
    assert!(so.contains("records    2"), "{so}");
    assert!(so.contains("PyPI"), "{so}");
    let out = moat(&["db", "stats", "-f", "json", "--db", &db_arg(&db)]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ecosystems"]["PyPI"]["records"], 2);
    assert_eq!(v["ecosystems"]["PyPI"]["packages"], 2);

    // Exact names differ; the PEP 503 lookup finds both.
    let out = moat(&[
        "db",
        "lookup",
        "PyPI",
        "foo.bar",
        "--normalize",
        "-f",
        "json",
        "--db",
        &db_arg(&db),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["T-1", "T-2"]);
    let out = moat(&["db", "lookup", "PyPI", "Foo_Bar", "--db", &db_arg(&db)]);
    let so = text(&out.stdout);
    assert!(so.contains("T-1 (CVE-T-1)"), "{so}");
    assert!(
        so.contains("Foo_Bar ECOSYSTEM: introduced 0, fixed 1.2"),
        "{so}"
    );
    assert!(so.contains("1 advisories"), "{so}");

    // Newer `modified` replaces; same or older keeps the stored record.
    let upd = dir.path().join("upd");
    std::fs::create_dir(&upd).unwrap();
    write(
        &upd,
        "T-1.json",
        &osv("T-1", "2024-06-01T00:00:00Z", "Foo_Bar", "1.3"),
    );
    write(
        &upd,
        "T-2.json",
        &osv("T-2", "2023-01-01T00:00:00Z", "foo-bar", "9"),
    );
    write(
        &upd,
        "T-3.json",
        &osv("T-3", "2024-01-01T00:00:00Z", "other", "1"),
    );
    let out = moat(&["db", "import", "--db", &db_arg(&db), upd.to_str().unwrap()]);
    let so = text(&out.stdout);
    assert!(so.contains("1 added, 1 updated, 1 unchanged"), "{so}");
    let out = moat(&["db", "lookup", "PyPI", "Foo_Bar", "--db", &db_arg(&db)]);
    assert!(text(&out.stdout).contains("fixed 1.3"));
    let out = moat(&["db", "lookup", "PyPI", "foo-bar", "--db", &db_arg(&db)]);
    assert!(!text(&out.stdout).contains("fixed 9"));
}

#[test]
fn broken_inputs_are_reported_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(
        dir.path(),
        "ok.json",
        &osv("OK-1", "2024-01-01T00:00:00Z", "a", "1"),
    );
    let bad = write(dir.path(), "bad.json", "{\n  \"id\": \"X\",\n  oops\n}");
    let bad_yaml = write(dir.path(), "bad.yaml", "id: Y\naffected: [\n");
    let db = dir.path().join("v.db");
    let out = moat(&[
        "db",
        "import",
        "--db",
        &db_arg(&db),
        good.to_str().unwrap(),
        bad.to_str().unwrap(),
        bad_yaml.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let se = text(&out.stderr);
    assert!(se.contains("bad.json:3: invalid JSON"), "{se}");
    assert!(se.contains("bad.yaml:3: YAML syntax error"), "{se}");
    // The good file was imported anyway.
    assert!(text(&out.stdout).contains("1 added"));
}

#[test]
fn unreadable_databases_say_to_reimport() {
    let dir = tempfile::tempdir().unwrap();
    let db = write(
        dir.path(),
        "v.db",
        "this is not a database at all, really not, no way",
    );
    let out = moat(&["db", "stats", "--db", &db_arg(&db)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not a moat vulnerability database"),
        "{}",
        text(&out.stderr)
    );
    assert!(text(&out.stderr).contains("moat db import"));

    // A database from another schema version.
    let src = write(
        dir.path(),
        "a.json",
        &osv("A-1", "2024-01-01T00:00:00Z", "a", "1"),
    );
    let db = dir.path().join("w.db");
    assert!(
        moat(&["db", "import", "--db", &db_arg(&db), src.to_str().unwrap()])
            .status
            .success()
    );
    let mut bytes = std::fs::read(&db).unwrap();
    bytes[8] = 99;
    std::fs::write(&db, &bytes).unwrap();
    let out = moat(&["db", "stats", "--db", &db_arg(&db)]);
    let se = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(se.contains("schema version 99 is not supported"), "{se}");
    // A truncated one.
    bytes[8] = 1;
    std::fs::write(&db, &bytes[..bytes.len() - 10]).unwrap();
    let out = moat(&["db", "stats", "--db", &db_arg(&db)]);
    assert!(
        text(&out.stderr).contains("corrupt"),
        "{}",
        text(&out.stderr)
    );
    // Importing over an unreadable database replaces it, with a warning.
    let out = moat(&["db", "import", "--db", &db_arg(&db), src.to_str().unwrap()]);
    assert!(out.status.success());
    assert!(text(&out.stderr).contains("replaced an unreadable database"));
}

/// A database with one record, and its bytes.
fn seeded(dir: &Path) -> (PathBuf, Vec<u8>) {
    let src = write(
        dir,
        "seed.json",
        &osv("SEED-1", "2024-01-01T00:00:00Z", "seed", "1"),
    );
    let db = dir.join("v.db");
    assert!(
        moat(&["db", "import", "--db", &db_arg(&db), src.to_str().unwrap()])
            .status
            .success()
    );
    let bytes = std::fs::read(&db).unwrap();
    (db, bytes)
}

fn assert_old_db_usable(db: &Path, before: &[u8]) {
    assert_eq!(std::fs::read(db).unwrap(), before, "database changed");
    let out = moat(&["db", "lookup", "PyPI", "seed", "--db", &db_arg(db)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("SEED-1"));
}

#[test]
fn truncated_zip_import_leaves_the_database_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let (db, before) = seeded(dir.path());
    let records: Vec<(String, String)> = (0..50)
        .map(|i| {
            (
                format!("Z-{i}.json"),
                osv(&format!("Z-{i}"), "2024-01-01T00:00:00Z", "z", "1"),
            )
        })
        .collect();
    let zip = zip_of(&records);
    let truncated = dir.path().join("trunc.zip");
    std::fs::write(&truncated, &zip[..zip.len() * 2 / 3]).unwrap();
    let out = moat(&[
        "db",
        "import",
        "--db",
        &db_arg(&db),
        truncated.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let se = text(&out.stderr);
    assert!(
        se.contains("trunc.zip") && se.contains("database left unchanged"),
        "{se}"
    );
    assert_old_db_usable(&db, &before);

    // The complete archive imports.
    let full = dir.path().join("full.zip");
    std::fs::write(&full, &zip).unwrap();
    let out = moat(&["db", "import", "--db", &db_arg(&db), full.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("50 added"));
}

#[test]
fn killed_import_leaves_the_previous_database_usable() {
    let dir = tempfile::tempdir().unwrap();
    let (db, before) = seeded(dir.path());
    // Enough records for several blocks; each block write is slowed down.
    let src = dir.path().join("many");
    std::fs::create_dir(&src).unwrap();
    let filler = "x".repeat(2000);
    for i in 0..400 {
        let mut rec: serde_json::Value = serde_json::from_str(&osv(
            &format!("K-{i}"),
            "2024-01-01T00:00:00Z",
            &format!("k{i}"),
            "1",
        ))
        .unwrap();
        rec["details"] = serde_json::Value::String(format!("{i} {filler}"));
        rec["summary"] = serde_json::Value::String(format!("{i}-{}", "s".repeat(300 + i)));
        write(&src, &format!("K-{i}.json"), &rec.to_string());
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_moat"))
        .args(["db", "import", "--db", &db_arg(&db), src.to_str().unwrap()])
        .env("MOAT_DB_TEST_DELAY_MS", "400")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the new file is being written, then kill the importer.
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let line = lines.next().expect("importer ended early").unwrap();
        if line.contains("writing block") {
            break;
        }
        assert!(Instant::now() < deadline, "no progress");
    }
    let tmp_exists = std::fs::read_dir(dir.path())
        .unwrap()
        .any(|e| e.unwrap().file_name().to_string_lossy().contains(".tmp."));
    assert!(
        tmp_exists,
        "the new database is written next to the old one"
    );
    child.kill().unwrap(); // SIGKILL on Unix
    let status = child.wait().unwrap();
    assert!(!status.success());
    assert_old_db_usable(&db, &before);

    // The next import cleans up the killed one's temporary file.
    let one = write(
        dir.path(),
        "one.json",
        &osv("ONE-1", "2024-01-01T00:00:00Z", "one", "1"),
    );
    let out = moat(&["db", "import", "--db", &db_arg(&db), one.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let leftovers = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains(".tmp.")
        })
        .count();
    assert_eq!(leftovers, 0);
}

/// `moat db update --db DB --source URL`.
fn update(db: &Path, url: &str) -> Output {
    moat(&["db", "update", "--db", &db_arg(db), "--source", url])
}

/// Serves `bodies` (one per connection, in order) on 127.0.0.1; returns the base URL.
fn serve(bodies: Vec<(u16, Vec<u8>)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for (status, body) in bodies {
            let Ok((mut conn, _)) = listener.accept() else {
                return;
            };
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                line.clear();
            }
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/zip\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = conn.write_all(head.as_bytes());
            let _ = conn.write_all(&body);
        }
    });
    format!("http://{addr}")
}

#[test]
fn update_downloads_verifies_and_imports() {
    let dir = tempfile::tempdir().unwrap();
    let (db, before) = seeded(dir.path());
    let good = zip_of(&[
        (
            "U-1.json".into(),
            osv("U-1", "2024-01-01T00:00:00Z", "upd", "2.0"),
        ),
        (
            "U-2.json".into(),
            osv("U-2", "2024-01-01T00:00:00Z", "upd", "3.0"),
        ),
    ]);
    let truncated = good[..good.len() - 30].to_vec();

    // A truncated archive: error, database unchanged.
    let base = serve(vec![(200, truncated)]);
    let out = update(&db, &format!("{base}/all.zip"));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("database unchanged"),
        "{}",
        text(&out.stderr)
    );
    assert_old_db_usable(&db, &before);

    // An HTTP error: same.
    let base = serve(vec![(404, b"no".to_vec())]);
    let out = update(&db, &format!("{base}/all.zip"));
    assert_eq!(out.status.code(), Some(2));
    assert_old_db_usable(&db, &before);

    // Plain HTTP to anything but loopback is refused.
    let out = update(&db, "http://example.com/all.zip");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("only https://"));

    // A good archive: imported, and a second update with the same data changes nothing.
    let base = serve(vec![(200, good.clone()), (200, good)]);
    let url = format!("{base}/all.zip");
    let out = update(&db, &url);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("2 added"),
        "{}",
        text(&out.stdout)
    );
    let out = moat(&["db", "lookup", "PyPI", "upd", "--db", &db_arg(&db)]);
    assert!(text(&out.stdout).contains("2 advisories"));
    let out = update(&db, &url);
    assert!(
        text(&out.stdout).contains("0 added, 0 updated, 2 unchanged"),
        "{}",
        text(&out.stdout)
    );
    // No download leftovers next to the database.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.starts_with(".moat-db-update")),
        "{names:?}"
    );
}

#[test]
fn db_help_is_helpful() {
    let out = moat(&["db", "import", "--help"]);
    let so = text(&out.stdout);
    assert!(so.contains("Debian security-tracker"), "{so}");
    assert!(so.contains("Exit codes"), "{so}");
    let out = moat(&["db", "update", "--help"]);
    assert!(text(&out.stdout).contains("osv-vulnerabilities.storage.googleapis.com"));
}
