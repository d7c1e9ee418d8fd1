//! `moat-imagegen --out DIR --files N --bytes B [--layers L] [--compression gzip|none]`:
//! writes a deterministic OCI image layout for the image benchmarks: a Debian-like root
//! (os-release, a dpkg status with 90 packages) and N files of B bytes in total spread
//! over L layers, text-like content (compressible about 3:1) with some binary files.

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use moat_corpusgen::rng::Rng;
use sha2::{Digest as _, Sha256};

const USAGE: &str = "usage: moat-imagegen --out DIR --files N --bytes B [--layers L] [--compression gzip|none] [--seed S]

Writes an OCI image layout (tag `bench`) into DIR (absent or empty): os-release, a dpkg
status with 90 packages, and N files holding B bytes in total over L layers (default 4),
gzip level 1 (default) or uncompressed. The same arguments give byte-identical output.";

struct Options {
    out: PathBuf,
    files: u64,
    bytes: u64,
    layers: u64,
    gzip: bool,
    seed: u64,
}

fn parse(args: &[String]) -> Result<Option<Options>, String> {
    let mut o = Options {
        out: PathBuf::new(),
        files: 0,
        bytes: 0,
        layers: 4,
        gzip: true,
        seed: 1,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "-h" || a == "--help" {
            return Ok(None);
        }
        let v = it.next().ok_or_else(|| format!("{a} needs a value"))?;
        let num = || {
            v.parse::<u64>()
                .map_err(|_| format!("{a}: not a number: {v}"))
        };
        match a.as_str() {
            "--out" => o.out = PathBuf::from(v),
            "--files" => o.files = num()?,
            "--bytes" => o.bytes = num()?,
            "--layers" => o.layers = num()?.max(1),
            "--seed" => o.seed = num()?,
            "--compression" => {
                o.gzip = match v.as_str() {
                    "gzip" => true,
                    "none" => false,
                    _ => return Err(format!("--compression: gzip or none, not {v}")),
                }
            }
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    if o.out.as_os_str().is_empty() || o.files == 0 {
        return Err("--out and --files are required".into());
    }
    Ok(Some(o))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Writes `bytes` as a blob; returns its `sha256:` digest.
fn put_blob(out: &Path, bytes: &[u8]) -> io::Result<String> {
    let hex = hex(&Sha256::digest(bytes));
    fs::write(out.join("blobs/sha256").join(&hex), bytes)?;
    Ok(format!("sha256:{hex}"))
}

/// Text-like content: words from a small vocabulary, or random bytes for every 20th file.
fn content(rng: &mut Rng, len: usize, binary: bool, buf: &mut Vec<u8>) {
    const WORDS: &[&str] = &[
        "the", "config", "server", "return", "value", "error", "import", "function", "module",
        "package", "struct", "string", "int", "if", "else", "for", "while", "class", "self",
        "data", "request", "response", "handler", "path", "file", "buffer", "length", "0x1f", "{",
        "}", "(", ")", ";", "\n", "\n    ",
    ];
    buf.clear();
    if binary {
        while buf.len() < len {
            buf.extend_from_slice(&rng.next_u64().to_le_bytes());
        }
    } else {
        while buf.len() < len {
            let r = rng.next_u64();
            for shift in [0u32, 16, 32, 48] {
                let idx = usize::try_from((r >> shift) & 0xffff).unwrap_or(0) % WORDS.len();
                buf.extend_from_slice(WORDS.get(idx).copied().unwrap_or("x").as_bytes());
                buf.push(b' ');
            }
        }
    }
    buf.truncate(len);
}

fn dpkg_status() -> String {
    let mut s = String::new();
    for i in 0..90 {
        s.push_str(&format!(
            "Package: pkg{i:02}\nStatus: install ok installed\nArchitecture: amd64\nSource: src{:02}\nVersion: 1.{i}.0-1+deb12u1\n\n",
            i / 3
        ));
    }
    s
}

fn append(
    b: &mut tar::Builder<impl io::Write>,
    path: &str,
    data: &[u8],
    mode: u32,
) -> io::Result<()> {
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(mode);
    h.set_mtime(1_700_000_000);
    h.set_entry_type(tar::EntryType::Regular);
    b.append_data(&mut h, path, data)
}

fn run(o: &Options) -> io::Result<()> {
    if o.out.exists() && fs::read_dir(&o.out)?.next().is_some() {
        return Err(io::Error::other(format!(
            "{} is not empty",
            o.out.display()
        )));
    }
    fs::create_dir_all(o.out.join("blobs/sha256"))?;
    let mut rng = Rng::new(o.seed);
    let mut buf = Vec::new();
    let per_layer = o.files.div_ceil(o.layers);
    let avg = (o.bytes / o.files).max(1);
    let mut descs = Vec::new();
    let mut diff_ids = Vec::new();
    let mut written = 0u64;
    for layer in 0..o.layers {
        let mut tar_bytes = Vec::new();
        {
            let mut b = tar::Builder::new(&mut tar_bytes);
            if layer == 0 {
                append(&mut b, "etc/os-release", b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n", 0o644)?;
                append(
                    &mut b,
                    "var/lib/dpkg/status",
                    dpkg_status().as_bytes(),
                    0o644,
                )?;
            }
            for i in 0..per_layer {
                let n = layer * per_layer + i;
                if n >= o.files {
                    break;
                }
                // Sizes vary from a tenth to twice the average.
                let len = avg / 10 + rng.next_u64() % (avg * 2);
                let len = len.min(o.bytes.saturating_sub(written)).max(1);
                written += len;
                let binary = n.is_multiple_of(20);
                content(
                    &mut rng,
                    usize::try_from(len).unwrap_or(0),
                    binary,
                    &mut buf,
                );
                let path = format!(
                    "usr/share/bench/l{layer}/d{:03}/f{n}.{}",
                    i % 500,
                    if binary { "bin" } else { "txt" }
                );
                append(&mut b, &path, &buf, if binary { 0o755 } else { 0o644 })?;
            }
            b.finish()?;
        }
        diff_ids.push(format!("sha256:{}", hex(&Sha256::digest(&tar_bytes))));
        let (blob, media_type) = if o.gzip {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(&tar_bytes)?;
            (enc.finish()?, "application/vnd.oci.image.layer.v1.tar+gzip")
        } else {
            (tar_bytes, "application/vnd.oci.image.layer.v1.tar")
        };
        let digest = put_blob(&o.out, &blob)?;
        descs.push(
            serde_json::json!({"mediaType": media_type, "digest": digest, "size": blob.len()}),
        );
    }
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "config": {"User": "65532", "Env": ["PATH=/usr/bin"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }))
    .map_err(io::Error::other)?;
    let config_digest = put_blob(&o.out, &config)?;
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len()},
        "layers": descs,
    }))
    .map_err(io::Error::other)?;
    let manifest_digest = put_blob(&o.out, &manifest)?;
    fs::write(
        o.out.join("oci-layout"),
        br#"{"imageLayoutVersion":"1.0.0"}"#,
    )?;
    let index = serde_json::json!({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_digest,
        "size": manifest.len(), "annotations": {"org.opencontainers.image.ref.name": "bench"}}]});
    fs::write(
        o.out.join("index.json"),
        serde_json::to_vec(&index).map_err(io::Error::other)?,
    )?;
    let mut err = io::stderr().lock();
    writeln!(
        err,
        "moat-imagegen: {} files, {written} bytes of content in {} layers",
        o.files, o.layers
    )?;
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match parse(&args) {
        Ok(None) => {
            let _ = writeln!(io::stdout(), "{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Some(o)) => run(&o),
        Err(e) => {
            let _ = writeln!(io::stderr(), "moat-imagegen: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(io::stderr(), "moat-imagegen: {e}");
            ExitCode::FAILURE
        }
    }
}
