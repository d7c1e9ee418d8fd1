use std::path::PathBuf;

/// Everything that can go wrong while reading an image.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file of the source could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A layer's bytes could not be decompressed or read as tar.
    #[error("layer {layer}: {source}")]
    Layer {
        /// Index of the layer, from the bottom (0).
        layer: usize,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A JSON document of the image (index, manifest, config) is malformed.
    #[error("{what}: invalid JSON: {source}")]
    Json {
        /// Which document.
        what: String,
        /// The underlying error.
        #[source]
        source: serde_json::Error,
    },
    /// A blob's content does not hash to the digest that names it.
    #[error("{what}: digest mismatch: expected {expected}, got {actual}")]
    DigestMismatch {
        /// Which blob or layer.
        what: String,
        /// The digest the image claims.
        expected: String,
        /// The digest of the bytes read.
        actual: String,
    },
    /// A blob's length differs from its descriptor's size.
    #[error("{what}: size mismatch: expected {expected} bytes, got {actual}")]
    SizeMismatch {
        /// Which blob.
        what: String,
        /// The size the descriptor claims.
        expected: u64,
        /// The number of bytes read.
        actual: u64,
    },
    /// A digest string is not `sha256:` followed by 64 lowercase hex digits.
    #[error("unsupported or malformed digest {digest:?}")]
    BadDigest {
        /// The offending string.
        digest: String,
    },
    /// A layer or manifest media type this reader does not understand.
    #[error("unsupported media type {media_type:?}")]
    UnsupportedMediaType {
        /// The media type.
        media_type: String,
    },
    /// No manifest in an index matches the requested platform.
    #[error("no manifest for platform {wanted}; available: {}", available.join(", "))]
    NoPlatform {
        /// The requested platform (`os/arch[/variant]`).
        wanted: String,
        /// The platforms the index offers.
        available: Vec<String>,
    },
    /// Something the image refers to is absent (a blob, an archive member, a file).
    #[error("{what} not found")]
    Missing {
        /// What was looked for.
        what: String,
    },
    /// The image is structurally invalid.
    #[error("{what}: {reason}")]
    Invalid {
        /// Which part.
        what: String,
        /// Why.
        reason: String,
    },
    /// A limit protecting memory or time was exceeded.
    #[error("{what} exceeds the limit of {limit}")]
    TooLarge {
        /// What grew too large.
        what: String,
        /// The limit.
        limit: u64,
    },
    /// Symbolic links form a loop or a chain longer than the bound.
    #[error("{path}: too many levels of symbolic links")]
    LinkLoop {
        /// The path being resolved.
        path: String,
    },
    /// A registry could not be reached or refused a request.
    #[error("registry {reference}: {reason}")]
    Registry {
        /// The image reference.
        reference: String,
        /// What went wrong.
        reason: String,
    },
    /// An rpm database in the image cannot be read.
    #[error("{path}: rpm database: {source}")]
    RpmDb {
        /// The database file (root-relative).
        path: String,
        /// What is wrong.
        #[source]
        source: crate::catalog::rpm::DbError,
    },
}
