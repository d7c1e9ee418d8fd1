//! The image source arguments shared by `moat sbom` and `moat image`, and opening them.

use std::io::Read as _;
use std::path::PathBuf;

use clap::Args;
use moat_image::source::oci::Platform;
use moat_image::source::open::{OpenOptions, Opened};
use moat_image::source::registry::RegistryOptions;

/// Help text describing what SOURCE may be.
pub const SOURCES: &str = "\
SOURCE is one of (detected, or forced with a prefix in skopeo's style):
  DIR                   an OCI image layout directory (has `oci-layout`), else a root
                        filesystem directory (one layer, no config)       [oci:DIR, dir:DIR]
  FILE.tar              a `docker save` archive (has manifest.json) or an OCI archive
                        (has oci-layout)        [docker-archive:FILE[:TAG], oci-archive:FILE]
  HOST[:PORT]/REPO[:TAG|@sha256:…]
                        an image in a registry, pulled over the OCI Distribution API
                        (layers streamed, never written to disk)   [docker://REF, registry:REF]
Registry credentials: --username with --password-stdin or MOAT_REGISTRY_PASSWORD, else the
docker client config ($DOCKER_CONFIG/config.json or ~/.docker/config.json, inline `auths`
entries); anonymous and bearer-token registries need nothing.";

/// Where an image comes from and how to reach it.
#[derive(Args, Debug)]
pub struct ImageSourceArgs {
    /// Image: OCI layout or root filesystem directory, docker or OCI archive, or a
    /// registry reference (see below).
    #[arg(required = true)]
    pub source: Option<String>,
    /// Image to pick from a multi-platform index, as OS/ARCH[/VARIANT] (default: the only
    /// image, else the host's platform).
    #[arg(long, value_name = "OS/ARCH")]
    pub platform: Option<String>,
    /// Pull over plain HTTP; only for registries on the loopback interface (localhost).
    #[arg(long)]
    pub insecure_registry: bool,
    /// Registry user name (password from --password-stdin or `MOAT_REGISTRY_PASSWORD`).
    #[arg(long, value_name = "USER")]
    pub username: Option<String>,
    /// Read the registry password or token from standard input.
    #[arg(long, requires = "username")]
    pub password_stdin: bool,
    /// PEM file with the CA certificates to trust for the registry (instead of the
    /// built-in web roots).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Docker client config to read registry credentials from.
    #[arg(long, value_name = "FILE")]
    pub docker_config: Option<PathBuf>,
}

impl ImageSourceArgs {
    /// The SOURCE as given (required by the parser wherever it is used).
    pub fn spec(&self) -> &str {
        self.source.as_deref().unwrap_or_default()
    }

    /// Opens the source; a message for the user on failure.
    pub fn open(&self) -> Result<Opened, String> {
        let platform = self
            .platform
            .as_deref()
            .map(Platform::parse)
            .transpose()
            .map_err(|e| format!("--platform: {e}"))?;
        let password = if self.password_stdin {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| format!("--password-stdin: {e}"))?;
            Some(s.trim_end_matches(['\r', '\n']).to_owned())
        } else if self.username.is_some() {
            Some(std::env::var("MOAT_REGISTRY_PASSWORD").map_err(|_| {
                "--username needs --password-stdin or MOAT_REGISTRY_PASSWORD".to_owned()
            })?)
        } else {
            None
        };
        let opts = OpenOptions {
            platform,
            registry: RegistryOptions {
                insecure: self.insecure_registry,
                username: self.username.clone(),
                password,
                ca_file: self.ca_file.clone(),
                docker_config: self.docker_config.clone(),
                timeout: None,
            },
        };
        moat_image::source::open::open(self.spec(), &opts)
            .map_err(|e| format!("{}: {e}", self.spec()))
    }
}

/// Prints the anomalies met while reading layers as warnings on standard error.
pub fn report_notices(source: &str, notices: &[moat_image::Notice]) {
    use moat_image::NoticeKind as K;
    use std::io::Write as _;
    let mut err = std::io::stderr().lock();
    for n in notices {
        let what = match n.kind {
            K::EscapesRoot => "member path climbs above the image root (clamped)",
            K::DanglingHardlink => "hard link to a path absent from the image",
            K::ContentTooLarge => "file too large to catalogue (content not read)",
            K::NotInspected => "file too large to inspect (skipped)",
            _ => "anomaly",
        };
        let _ = writeln!(
            err,
            "moat: warning: {source}: layer {}: {}: {what}",
            n.layer, n.path
        );
    }
}
