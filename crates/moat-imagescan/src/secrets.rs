//! Credentials baked into image layers: every text file of every layer is shown to the
//! `moat-secrets` scanner as it streams past (an [`Inspector`]), so a secret that a later
//! layer deletes is still found — it stays in the image for anyone who pulls it.

use moat_core::Finding;
use moat_image::sbom::ImageInfo;
use moat_image::{Inspector, MergedFs};
use moat_secrets::{Scanner, Secret};

/// Collects the secrets of every layer.
#[derive(Debug)]
pub struct SecretInspector<'a> {
    scanner: &'a Scanner,
    hits: Vec<(usize, String, Secret)>,
}

impl<'a> SecretInspector<'a> {
    /// An inspector using `scanner`.
    pub fn new(scanner: &'a Scanner) -> Self {
        Self {
            scanner,
            hits: Vec::new(),
        }
    }

    /// The findings, in layer then path then line order. Each names the layer (index and
    /// digest), the file (absolute path in the image) and the line; the secret is shown
    /// redacted. A file no longer present in the final image says which layer removed or
    /// replaced it.
    pub fn findings(&self, fs: &MergedFs, image: &ImageInfo) -> Vec<Finding> {
        let mut hits: Vec<&(usize, String, Secret)> = self.hits.iter().collect();
        hits.sort_by(|a, b| (a.0, &a.1, a.2.line).cmp(&(b.0, &b.1, b.2.line)));
        hits.into_iter()
            .map(|(layer, path, s)| {
                let digest = image
                    .layers
                    .get(*layer)
                    .and_then(Option::as_ref)
                    .map_or_else(|| "unknown digest".to_owned(), |d| short(d.as_str()));
                let gone = if fs.is_current(path, *layer) {
                    String::new()
                } else {
                    let by = fs.node(path).map_or_else(
                        || "deleted by a later layer".to_owned(),
                        |n| format!("replaced by layer {}", n.layer),
                    );
                    format!("; {by}, yet still in layer {layer} for anyone who pulls the image")
                };
                let mut f = crate::finding(
                    s.meta,
                    &image.name,
                    &format!("/{path}"),
                    &format!("layers[{layer}]"),
                    format!("{} (layer {layer} {digest}{gone})", s.message()),
                );
                f.location.line = s.line;
                f.location.column = s.column;
                f
            })
            .collect()
    }
}

fn short(digest: &str) -> String {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    format!("sha256:{}", hex.get(..12).unwrap_or(hex))
}

impl Inspector for SecretInspector<'_> {
    fn wants(&self, path: &str, size: u64, _mode: u32) -> bool {
        size > 0 && self.scanner.skip_reason(path, size, &[]).is_none()
    }

    fn inspect(&mut self, layer: usize, path: &str, content: &[u8]) {
        if self
            .scanner
            .skip_reason(path, content.len() as u64, content)
            .is_some()
        {
            return;
        }
        for s in self.scanner.scan(path, content) {
            self.hits.push((layer, path.to_owned(), s));
        }
    }
}
