//! The registry source against a small OCI Distribution server the test runs on
//! 127.0.0.1: anonymous, basic and bearer-token authentication, credentials from a docker
//! config, tampered blobs and manifests, and error messages.

#![allow(clippy::unwrap_used)]

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use moat_image::source::registry::{self, Reference, RegistryOptions};
use moat_image::{Error, Limits, catalog};
use support::{Blob, E, layer};

#[derive(Clone, Copy, PartialEq)]
enum Auth {
    Anonymous,
    Basic,
    Bearer,
}

const USER: &str = "alice";
const PASS: &str = "s3cret";
const TOKEN: &str = "tok-123";

struct Server {
    addr: String,
    log: Arc<Mutex<Vec<String>>>,
}

/// Serves the OCI layout at `dir` as repository `team/app`, tag `1.0`; with `tamper`
/// the layer blobs are served with one byte changed.
fn serve(dir: PathBuf, auth: Auth, tamper: bool) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let log = Arc::new(Mutex::new(Vec::new()));
    let (log2, addr2) = (log.clone(), addr.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = handle(stream, &dir, auth, tamper, &addr2, &log2);
        }
    });
    Server { addr, log }
}

fn handle(
    mut stream: TcpStream,
    dir: &Path,
    auth: Auth,
    tamper: bool,
    addr: &str,
    log: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let path = line
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    let mut authorization = String::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':')
            && k.eq_ignore_ascii_case("authorization")
        {
            v.trim().clone_into(&mut authorization);
        }
    }
    log.lock().unwrap().push(format!("{path} {authorization}"));
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASS}"))
    );
    let respond = |stream: &mut TcpStream, status: &str, headers: &str, body: &[u8]| {
        write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n",
            body.len()
        )?;
        stream.write_all(body)
    };
    if let Some(query) = path.strip_prefix("/token?") {
        assert!(
            query.contains("scope=repository%3Ateam%2Fapp%3Apull"),
            "{query}"
        );
        return if authorization == basic {
            respond(
                &mut stream,
                "200 OK",
                "",
                format!("{{\"token\":\"{TOKEN}\"}}").as_bytes(),
            )
        } else {
            respond(&mut stream, "401 Unauthorized", "", b"{}")
        };
    }
    let allowed = match auth {
        Auth::Anonymous => true,
        Auth::Basic => authorization == basic,
        Auth::Bearer => authorization == format!("Bearer {TOKEN}"),
    };
    if !allowed {
        let challenge = match auth {
            Auth::Basic => "WWW-Authenticate: Basic realm=\"test\"\r\n".to_owned(),
            _ => format!(
                "WWW-Authenticate: Bearer realm=\"http://{addr}/token\",service=\"test\",scope=\"repository:team/app:pull\"\r\n"
            ),
        };
        return respond(
            &mut stream,
            "401 Unauthorized",
            &challenge,
            br#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#,
        );
    }
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json"))?).unwrap();
    let top = index["manifests"][0]["digest"].as_str().unwrap().to_owned();
    let blob = |d: &str| {
        std::fs::read(
            dir.join("blobs/sha256")
                .join(d.trim_start_matches("sha256:")),
        )
    };
    if let Some(reference) = path.strip_prefix("/v2/team/app/manifests/") {
        let digest = if reference == "1.0" {
            top
        } else {
            reference.to_owned()
        };
        return match blob(&digest) {
            Ok(bytes) => respond(
                &mut stream,
                "200 OK",
                "Content-Type: application/vnd.oci.image.manifest.v1+json\r\n",
                &bytes,
            ),
            Err(_) => respond(
                &mut stream,
                "404 Not Found",
                "",
                br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#,
            ),
        };
    }
    if let Some(digest) = path.strip_prefix("/v2/team/app/blobs/") {
        let mut bytes = blob(digest)?;
        let manifest: serde_json::Value = serde_json::from_slice(&blob(&top)?).unwrap();
        let is_layer = manifest["layers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["digest"] == digest);
        if tamper
            && is_layer
            && let Some(b) = bytes.last_mut()
        {
            *b ^= 1;
        }
        return respond(&mut stream, "200 OK", "", &bytes);
    }
    respond(&mut stream, "404 Not Found", "", b"{}")
}

fn image(dir: &Path) {
    image_with(dir, Blob::gz);
}

/// The image with its layer stored as `blob` makes it.
fn image_with(dir: &Path, blob: impl Fn(&[u8]) -> Blob) {
    let l0 = layer(&[
        E::File("etc/os-release", b"ID=alpine\nVERSION_ID=3.20.0\n"),
        E::File(
            "lib/apk/db/installed",
            b"P:musl\nV:1.2.5-r0\nA:x86_64\no:musl\n",
        ),
    ]);
    let desc = support::oci_image(dir, "amd64", &[blob(&l0)]);
    support::oci_index(dir, &[desc]);
}

/// Plain HTTP, and an empty docker config so the user's own is never read.
/// Written once per test process: tests run in parallel, and rewriting the file while
/// another test reads it would let that test see it empty.
fn insecure() -> RegistryOptions {
    static CONFIG: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        let config =
            std::env::temp_dir().join(format!("moat-registry-test-{}.json", std::process::id()));
        std::fs::write(&config, "{}").unwrap();
        config
    });
    RegistryOptions {
        insecure: true,
        docker_config: Some(config.clone()),
        ..RegistryOptions::default()
    }
}

fn packages(server: &Server, opts: &RegistryOptions) -> Result<Vec<String>, Error> {
    let reference = Reference::parse(&format!("{}/team/app:1.0", server.addr))?;
    let img = registry::open(&reference, opts, None)?;
    let fs = moat_image::load(&img, catalog::want(), Limits::default())?;
    Ok(catalog(&fs)?
        .packages
        .into_iter()
        .map(|p| format!("{}@{}", p.name, p.version))
        .collect())
}

#[test]
fn anonymous_pull() {
    let dir = tempfile::tempdir().unwrap();
    image(dir.path());
    let server = serve(dir.path().to_owned(), Auth::Anonymous, false);
    assert_eq!(packages(&server, &insecure()).unwrap(), ["musl@1.2.5-r0"]);
    // Without --insecure-registry, plain HTTP is not used (the TLS handshake fails).
    let err = packages(&server, &RegistryOptions::default()).unwrap_err();
    assert!(matches!(err, Error::Registry { .. }), "{err}");
}

#[test]
fn basic_auth_from_options_and_docker_config() {
    let dir = tempfile::tempdir().unwrap();
    image(dir.path());
    let server = serve(dir.path().to_owned(), Auth::Basic, false);
    let err = packages(&server, &insecure()).unwrap_err();
    assert!(
        err.to_string().contains("wants a user name and password"),
        "{err}"
    );
    let opts = RegistryOptions {
        username: Some(USER.into()),
        password: Some("wrong".into()),
        ..insecure()
    };
    let err = packages(&server, &opts).unwrap_err();
    assert!(err.to_string().contains("authentication failed"), "{err}");
    let config = dir.path().join("docker-config.json");
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASS}"));
    std::fs::write(
        &config,
        format!(
            r#"{{"auths":{{"http://{}":{{"auth":"{auth}"}}}}}}"#,
            server.addr
        ),
    )
    .unwrap();
    let opts = RegistryOptions {
        docker_config: Some(config.clone()),
        ..insecure()
    };
    assert_eq!(packages(&server, &opts).unwrap(), ["musl@1.2.5-r0"]);
    std::fs::write(
        &config,
        r#"{"auths":{"x":{"auth":"!!"}}}"#.replace('x', &server.addr),
    )
    .unwrap();
    let err = packages(&server, &opts).unwrap_err();
    assert!(err.to_string().contains("not base64"), "{err}");
}

#[test]
fn bearer_token_from_the_token_service() {
    let dir = tempfile::tempdir().unwrap();
    image(dir.path());
    let server = serve(dir.path().to_owned(), Auth::Bearer, false);
    let err = packages(&server, &insecure()).unwrap_err();
    assert!(err.to_string().contains("authentication failed"), "{err}");
    let opts = RegistryOptions {
        username: Some(USER.into()),
        password: Some(PASS.into()),
        ..insecure()
    };
    let server = serve(dir.path().to_owned(), Auth::Bearer, false);
    assert_eq!(packages(&server, &opts).unwrap(), ["musl@1.2.5-r0"]);
    // Once obtained, the token is sent up front: one challenge for the whole pull.
    let log = server.log.lock().unwrap();
    let unauthenticated = log.iter().filter(|l| l.ends_with(' ')).count();
    assert_eq!(unauthenticated, 1, "{log:#?}");
    assert!(
        log.iter()
            .any(|l| l.contains("/blobs/") && l.ends_with(TOKEN))
    );
}

#[test]
fn tampered_blobs_and_unknown_tags_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    // Uncompressed, so the changed byte (in the tar's end padding) reaches the digests.
    image_with(dir.path(), |l| Blob::plain(l.to_vec()));
    let server = serve(dir.path().to_owned(), Auth::Anonymous, true);
    let err = packages(&server, &insecure()).unwrap_err();
    assert!(matches!(err, Error::DigestMismatch { .. }), "{err}");
    let reference = Reference::parse(&format!("{}/team/app:2.0", server.addr)).unwrap();
    let err = registry::open(&reference, &insecure(), None).unwrap_err();
    assert!(
        err.to_string().contains("not found: manifest unknown"),
        "{err}"
    );
    let wrong = format!("{}/team/app@sha256:{}", server.addr, "0".repeat(64));
    let err = registry::open(&Reference::parse(&wrong).unwrap(), &insecure(), None).unwrap_err();
    assert!(err.to_string().contains("not found"), "{err}");
}
