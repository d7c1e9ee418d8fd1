//! A registry source: the OCI Distribution API (`/v2/<name>/manifests/<ref>`,
//! `/v2/<name>/blobs/<digest>`) over HTTPS with rustls, or plain HTTP when asked for.
//! Authentication: anonymous, basic, and bearer tokens from the registry's token
//! service (the `WWW-Authenticate` challenge), with credentials from options or from the
//! docker client config (`$DOCKER_CONFIG/config.json`, `~/.docker/config.json`). Layers
//! stream from the response body; nothing is written to disk.

use std::fmt;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine as _;
use serde::Deserialize;

use super::oci::{BlobStore, Descriptor, OciImage, Platform};
use super::read_small;
use crate::Error;
use crate::digest::Digest;

/// Docker Hub's registry host, for references without one.
const DOCKER_HUB: &str = "registry-1.docker.io";
const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
application/vnd.oci.image.manifest.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.docker.distribution.manifest.v2+json";
/// Largest token-service or error response read.
const MAX_SMALL: u64 = 1 << 20;

/// A parsed image reference: `host[:port]/repository[:tag|@sha256:…]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Registry host and optional port.
    pub host: String,
    /// Repository path (`library/alpine`).
    pub repository: String,
    /// Tag, or digest (`sha256:…`); `latest` when neither was given.
    pub reference: String,
}

impl Reference {
    /// Whether `s` looks like a registry reference rather than a path: the first
    /// component names a host (has a `.` or `:`, or is `localhost`) and a repository
    /// follows.
    pub fn looks_like(s: &str) -> bool {
        s.split_once('/').is_some_and(|(host, rest)| {
            !rest.is_empty()
                && (host.contains(['.', ':']) || host == "localhost")
                && !host.starts_with('.')
        })
    }

    /// Parses a reference; a name without a host is a Docker Hub image
    /// (`alpine` → `registry-1.docker.io/library/alpine:latest`).
    pub fn parse(s: &str) -> Result<Self, Error> {
        let bad = |reason: &str| Error::Invalid {
            what: format!("image reference {s:?}"),
            reason: reason.to_owned(),
        };
        let (name, reference) = if let Some((name, digest)) = s.split_once('@') {
            Digest::parse(digest).map_err(|_| bad("the digest must be sha256:<64 hex digits>"))?;
            (name, digest.to_owned())
        } else {
            let last_slash = s.rfind('/').map_or(0, |i| i + 1);
            match s.get(last_slash..).and_then(|tail| tail.rfind(':')) {
                Some(colon) => {
                    let at = last_slash + colon;
                    (
                        s.get(..at).unwrap_or(s),
                        s.get(at + 1..).unwrap_or_default().to_owned(),
                    )
                }
                None => (s, "latest".to_owned()),
            }
        };
        if reference.is_empty() {
            return Err(bad("empty tag"));
        }
        let (host, repository) = match name.split_once('/') {
            Some((host, repo)) if host.contains(['.', ':']) || host == "localhost" => {
                (host.to_owned(), repo.to_owned())
            }
            Some(_) => (DOCKER_HUB.to_owned(), name.to_owned()),
            None => (DOCKER_HUB.to_owned(), format!("library/{name}")),
        };
        let valid_repo = !repository.is_empty()
            && repository.split('/').all(|c| {
                !c.is_empty()
                    && c.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b)
                    })
            });
        if !valid_repo {
            return Err(bad(
                "the repository must be lowercase letters, digits and . _ - separated by /",
            ));
        }
        if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c == '@') {
            return Err(bad("bad registry host"));
        }
        Ok(Self {
            host,
            repository,
            reference,
        })
    }

    fn is_loopback(&self) -> bool {
        let host = self
            .host
            .rsplit_once(':')
            .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
            .map_or(self.host.as_str(), |(h, _)| h);
        matches!(host, "localhost" | "127.0.0.1" | "[::1]")
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sep = if self.reference.starts_with("sha256:") {
            '@'
        } else {
            ':'
        };
        write!(
            f,
            "{}/{}{sep}{}",
            self.host, self.repository, self.reference
        )
    }
}

/// How to reach registries.
#[derive(Debug, Clone, Default)]
pub struct RegistryOptions {
    /// Use plain HTTP (only ever for loopback hosts: `localhost`, `127.0.0.1`, `[::1]`).
    pub insecure: bool,
    /// User name for basic auth or the token service (overrides the docker config).
    pub username: Option<String>,
    /// Password or token for `username`.
    pub password: Option<String>,
    /// PEM file with the CA certificates to trust instead of the built-in web roots.
    pub ca_file: Option<PathBuf>,
    /// Docker client config to read credentials from (default: `$DOCKER_CONFIG/config.json`,
    /// else `~/.docker/config.json`).
    pub docker_config: Option<PathBuf>,
    /// Network timeout per request.
    pub timeout: Option<Duration>,
}

/// Opens `reference` from its registry and picks the image for `platform`.
pub fn open(
    reference: &Reference,
    opts: &RegistryOptions,
    platform: Option<&Platform>,
) -> Result<OciImage, Error> {
    let client = Client::new(reference, opts)?;
    let (bytes, media_type) = client.get_manifest(&reference.reference)?;
    let digest = Digest::of(&bytes);
    if reference.reference.starts_with("sha256:") && digest.as_str() != reference.reference {
        return Err(Error::DigestMismatch {
            what: format!("manifest {reference}"),
            expected: reference.reference.clone(),
            actual: digest.to_string(),
        });
    }
    let top = Descriptor {
        media_type,
        digest: digest.to_string(),
        size: bytes.len() as u64,
        platform: None,
        annotations: None,
    };
    client.cache(digest, bytes);
    OciImage::resolve(Box::new(client), vec![top], platform)
}

/// Credentials for one registry.
#[derive(Clone)]
struct Credentials {
    username: String,
    password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Credentials({}, <redacted>)", self.username)
    }
}

/// An authenticated connection to one repository.
struct Client {
    agent: ureq::Agent,
    base: String,
    repository: String,
    display: String,
    credentials: Option<Credentials>,
    authorization: Mutex<Option<String>>,
    cached: Mutex<Option<(Digest, Vec<u8>)>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("repository", &self.repository)
            .finish_non_exhaustive()
    }
}

impl Client {
    fn new(reference: &Reference, opts: &RegistryOptions) -> Result<Self, Error> {
        if opts.insecure && !reference.is_loopback() {
            return Err(Error::Invalid {
                what: reference.to_string(),
                reason: "plain HTTP (--insecure-registry) is only allowed for localhost, \
                         127.0.0.1 and [::1]"
                    .into(),
            });
        }
        let mut config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .https_only(!opts.insecure)
            .max_redirects(5)
            .user_agent(concat!("moat/", env!("CARGO_PKG_VERSION")))
            .timeout_connect(Some(Duration::from_secs(15)))
            .timeout_recv_response(opts.timeout.or(Some(Duration::from_secs(60))));
        if let Some(ca) = &opts.ca_file {
            let pem = std::fs::read(ca).map_err(|source| Error::Io {
                path: ca.clone(),
                source,
            })?;
            let mut certs = Vec::new();
            for item in ureq::tls::parse_pem(&pem) {
                match item {
                    Ok(ureq::tls::PemItem::Certificate(c)) => certs.push(c),
                    Ok(_) => {}
                    Err(e) => {
                        return Err(Error::Invalid {
                            what: ca.display().to_string(),
                            reason: format!("not a PEM certificate file: {e}"),
                        });
                    }
                }
            }
            if certs.is_empty() {
                return Err(Error::Invalid {
                    what: ca.display().to_string(),
                    reason: "no certificate in the file".into(),
                });
            }
            config = config.tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::new_with_certs(&certs))
                    .build(),
            );
        }
        let credentials = match (&opts.username, &opts.password) {
            (Some(u), Some(p)) => Some(Credentials {
                username: u.clone(),
                password: p.clone(),
            }),
            (Some(_), None) | (None, Some(_)) => {
                return Err(Error::Invalid {
                    what: "registry credentials".into(),
                    reason: "give both a user name and a password".into(),
                });
            }
            (None, None) => docker_config_credentials(&reference.host, opts)?,
        };
        let scheme = if opts.insecure { "http" } else { "https" };
        Ok(Self {
            agent: ureq::Agent::new_with_config(config.build()),
            base: format!("{scheme}://{}/v2/{}", reference.host, reference.repository),
            repository: reference.repository.clone(),
            display: reference.to_string(),
            credentials,
            authorization: Mutex::new(None),
            cached: Mutex::new(None),
        })
    }

    fn cache(&self, digest: Digest, bytes: Vec<u8>) {
        if let Ok(mut c) = self.cached.lock() {
            *c = Some((digest, bytes));
        }
    }

    fn net_error(&self, url: &str, e: &ureq::Error) -> Error {
        Error::Registry {
            reference: self.display.clone(),
            reason: format!("{url}: {e}"),
        }
    }

    /// GETs `url`, answering one authentication challenge when the registry asks.
    fn get(&self, url: &str, accept: &str) -> Result<ureq::http::Response<ureq::Body>, Error> {
        let send = |auth: Option<&str>| {
            let mut req = self.agent.get(url).header("Accept", accept);
            if let Some(a) = auth {
                req = req.header("Authorization", a);
            }
            req.call().map_err(|e| self.net_error(url, &e))
        };
        let current = self.authorization.lock().ok().and_then(|a| a.clone());
        let response = send(current.as_deref())?;
        if response.status() != 401 {
            return self.check(url, response);
        }
        let challenge = response
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let auth = self.answer(&challenge)?;
        let response = send(Some(&auth))?;
        if let Ok(mut a) = self.authorization.lock() {
            *a = Some(auth);
        }
        self.check(url, response)
    }

    fn check(
        &self,
        url: &str,
        mut response: ureq::http::Response<ureq::Body>,
    ) -> Result<ureq::http::Response<ureq::Body>, Error> {
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_SMALL)
            .read_to_string()
            .unwrap_or_default();
        let detail = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| {
                v.pointer("/errors/0/message")
                    .and_then(|m| m.as_str().map(str::to_owned))
            })
            .unwrap_or_default();
        let reason = match status.as_u16() {
            401 => "authentication failed (check --username/--password or the docker config)"
                .to_owned(),
            403 => "access denied".to_owned(),
            404 => "not found".to_owned(),
            code => format!("HTTP {code}"),
        };
        Err(Error::Registry {
            reference: self.display.clone(),
            reason: if detail.is_empty() {
                format!("{url}: {reason}")
            } else {
                format!("{url}: {reason}: {detail}")
            },
        })
    }

    /// The `Authorization` value answering a `WWW-Authenticate` challenge.
    fn answer(&self, challenge: &str) -> Result<String, Error> {
        let (scheme, params) = challenge.split_once(' ').unwrap_or((challenge, ""));
        if scheme.eq_ignore_ascii_case("basic") {
            return self
                .credentials
                .as_ref()
                .map(basic)
                .ok_or_else(|| Error::Registry {
                    reference: self.display.clone(),
                    reason: "the registry wants a user name and password (--username, \
                             --password or docker login)"
                        .into(),
                });
        }
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(Error::Registry {
                reference: self.display.clone(),
                reason: format!("unsupported authentication scheme {scheme:?}"),
            });
        }
        let params = challenge_params(params);
        let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let realm = param("realm").ok_or_else(|| Error::Registry {
            reference: self.display.clone(),
            reason: "bearer challenge without a realm".into(),
        })?;
        let scope = param("scope").map_or_else(
            || format!("repository:{}:pull", self.repository),
            str::to_owned,
        );
        let mut req = self.agent.get(realm).query("scope", &scope);
        if let Some(service) = param("service") {
            req = req.query("service", service);
        }
        if let Some(c) = &self.credentials {
            req = req.header("Authorization", &basic(c));
        }
        let response = req.call().map_err(|e| self.net_error(realm, &e))?;
        let mut response = self.check(realm, response)?;
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_SMALL)
            .read_to_vec()
            .map_err(|e| self.net_error(realm, &e))?;
        let token: Token = serde_json::from_slice(&body).map_err(|source| Error::Json {
            what: format!("token from {realm}"),
            source,
        })?;
        token
            .token
            .or(token.access_token)
            .filter(|t| !t.is_empty())
            .map(|t| format!("Bearer {t}"))
            .ok_or_else(|| Error::Registry {
                reference: self.display.clone(),
                reason: format!("{realm}: the token service returned no token"),
            })
    }

    /// The manifest or index `reference` (a tag or digest) and its media type.
    fn get_manifest(&self, reference: &str) -> Result<(Vec<u8>, String), Error> {
        let url = format!("{}/manifests/{reference}", self.base);
        let response = self.get(&url, ACCEPT)?;
        let media_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().trim().to_owned())
            .filter(|m| m.starts_with("application/vnd."))
            .unwrap_or_default();
        let bytes = read_small(response.into_body().into_reader(), &url)?;
        Ok((bytes, media_type))
    }
}

impl BlobStore for Client {
    fn open(&self, digest: &Digest) -> Result<Box<dyn Read + Send + '_>, Error> {
        let url = format!("{}/blobs/{digest}", self.base);
        let response = self.get(&url, "*/*")?;
        Ok(Box::new(response.into_body().into_reader()))
    }

    fn manifest(&self, digest: &Digest) -> Result<Vec<u8>, Error> {
        if let Ok(mut cached) = self.cached.lock()
            && cached.as_ref().is_some_and(|(d, _)| d == digest)
            && let Some((_, bytes)) = cached.take()
        {
            return Ok(bytes);
        }
        Ok(self.get_manifest(digest.as_str())?.0)
    }
}

/// A token service's answer.
#[derive(Deserialize)]
struct Token {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
}

/// The parts of a docker client config read for credentials.
#[derive(Deserialize)]
struct DockerConfig {
    #[serde(default)]
    auths: std::collections::BTreeMap<String, DockerAuth>,
}

#[derive(Deserialize)]
struct DockerAuth {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

fn basic(c: &Credentials) -> String {
    let raw = format!("{}:{}", c.username, c.password);
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// `key="value", key=value` pairs of an authentication challenge.
fn challenge_params(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = s.trim();
    while !rest.is_empty() {
        let Some((key, after)) = rest.split_once('=') else {
            break;
        };
        let key = key
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        let after = after.trim_start();
        let (value, next) = if let Some(quoted) = after.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            value.push(n);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    _ => value.push(c),
                }
            }
            (value, quoted.get(end..).unwrap_or_default())
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (
                after.get(..end).unwrap_or_default().trim().to_owned(),
                after.get(end..).unwrap_or_default(),
            )
        };
        out.push((key, value));
        rest = next.trim_start().trim_start_matches(',').trim_start();
    }
    out
}

/// Credentials for `host` from the docker client config, when it has them inline
/// (`auths.<host>.auth` or `username`/`password`). Credential helpers are not run.
fn docker_config_credentials(
    host: &str,
    opts: &RegistryOptions,
) -> Result<Option<Credentials>, Error> {
    let path = match &opts.docker_config {
        Some(p) => p.clone(),
        None => match std::env::var_os("DOCKER_CONFIG") {
            Some(dir) => PathBuf::from(dir).join("config.json"),
            None => match std::env::var_os("HOME") {
                Some(home) => PathBuf::from(home).join(".docker/config.json"),
                None => return Ok(None),
            },
        },
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && opts.docker_config.is_none() => {
            return Ok(None);
        }
        Err(source) => return Err(Error::Io { path, source }),
    };
    let config: DockerConfig = serde_json::from_slice(&bytes).map_err(|source| Error::Json {
        what: path.display().to_string(),
        source,
    })?;
    let hub = host == DOCKER_HUB;
    let entry = config.auths.iter().find(|(k, _)| {
        let k = k
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        let k = k.split('/').next().unwrap_or(k);
        k == host || (hub && (k == "index.docker.io" || k == "docker.io"))
    });
    let Some((_, entry)) = entry else {
        return Ok(None);
    };
    if let (Some(u), Some(p)) = (&entry.username, &entry.password) {
        return Ok(Some(Credentials {
            username: u.clone(),
            password: p.clone(),
        }));
    }
    let Some(auth) = &entry.auth else {
        return Ok(None);
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(auth.trim())
        .ok()
        .and_then(|d| String::from_utf8(d).ok())
        .and_then(|s| s.split_once(':').map(|(u, p)| (u.to_owned(), p.to_owned())))
        .ok_or_else(|| Error::Invalid {
            what: path.display().to_string(),
            reason: format!("auths.{host}.auth is not base64 of user:password"),
        })?;
    Ok(Some(Credentials {
        username: decoded.0,
        password: decoded.1,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        let r = Reference::parse("127.0.0.1:5000/moat/minbase:bookworm").unwrap();
        assert_eq!(
            (r.host.as_str(), r.repository.as_str(), r.reference.as_str()),
            ("127.0.0.1:5000", "moat/minbase", "bookworm")
        );
        assert!(r.is_loopback());
        assert_eq!(r.to_string(), "127.0.0.1:5000/moat/minbase:bookworm");
        let r = Reference::parse("localhost:5000/app").unwrap();
        assert_eq!(r.reference, "latest");
        let r = Reference::parse("alpine").unwrap();
        assert_eq!(r.to_string(), "registry-1.docker.io/library/alpine:latest");
        let d = format!("sha256:{}", "a".repeat(64));
        let r = Reference::parse(&format!("ghcr.io/o/r@{d}")).unwrap();
        assert_eq!(r.reference, d);
        assert!(!r.is_loopback());
        for bad in [
            "ghcr.io/o/r@sha256:zz",
            "ghcr.io/O/R",
            "ghcr.io/o/r:",
            "ghcr.io/",
        ] {
            assert!(Reference::parse(bad).is_err(), "{bad}");
        }
        assert!(Reference::looks_like("localhost:5000/a"));
        assert!(Reference::looks_like("ghcr.io/a/b:1"));
        assert!(!Reference::looks_like("images/app.tar"));
        assert!(!Reference::looks_like("./x/y"));
    }

    #[test]
    fn challenges() {
        let p = challenge_params(
            r#"realm="http://127.0.0.1:1/token",service="reg istry", scope="repository:a/b:pull,push""#,
        );
        assert_eq!(
            p,
            [
                ("realm".to_owned(), "http://127.0.0.1:1/token".to_owned()),
                ("service".to_owned(), "reg istry".to_owned()),
                ("scope".to_owned(), "repository:a/b:pull,push".to_owned()),
            ]
        );
        assert_eq!(
            challenge_params("realm=x, a=\"q\\\"\""),
            [
                ("realm".to_owned(), "x".to_owned()),
                ("a".to_owned(), "q\"".to_owned())
            ]
        );
    }
}
