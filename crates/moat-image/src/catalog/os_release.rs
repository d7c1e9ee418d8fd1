//! `/etc/os-release`, falling back to `/usr/lib/os-release` (os-release(5)).

use crate::Error;
use crate::fs::MergedFs;

/// Files this cataloger reads.
pub const PATHS: &[&str] = &["etc/os-release", "usr/lib/os-release"];

/// The distribution an image is based on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OsRelease {
    /// `ID` (`debian`, `alpine`).
    pub id: String,
    /// `ID_LIKE`, split on spaces.
    pub id_like: Vec<String>,
    /// `VERSION_ID` (`12`, `3.20.1`).
    pub version_id: Option<String>,
    /// `VERSION_CODENAME` (`bookworm`).
    pub version_codename: Option<String>,
    /// `NAME`.
    pub name: Option<String>,
    /// `PRETTY_NAME`.
    pub pretty_name: Option<String>,
    /// The file it was read from (resolved).
    pub path: String,
    /// The layer that wrote that file.
    pub layer: usize,
}

/// Reads the first os-release file present.
pub fn find(fs: &MergedFs) -> Result<Option<OsRelease>, Error> {
    for p in PATHS {
        if let Some(file) = fs.file(p)? {
            let mut os = parse(&String::from_utf8_lossy(file.content));
            file.path.clone_into(&mut os.path);
            os.layer = file.node.layer;
            return Ok(Some(os));
        }
    }
    Ok(None)
}

/// Parses os-release text; unknown keys are ignored, `ID` defaults to `linux`.
pub fn parse(text: &str) -> OsRelease {
    let mut os = OsRelease {
        id: "linux".into(),
        ..OsRelease::default()
    };
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let Some((key, raw)) = line.split_once('=') else {
            continue;
        };
        let value = unquote(raw.trim());
        match key.trim() {
            "ID" => os.id = value,
            "ID_LIKE" => os.id_like = value.split_whitespace().map(str::to_owned).collect(),
            "VERSION_ID" => os.version_id = Some(value),
            "VERSION_CODENAME" => os.version_codename = Some(value),
            "NAME" => os.name = Some(value),
            "PRETTY_NAME" => os.pretty_name = Some(value),
            _ => {}
        }
    }
    os
}

/// Shell-style unquoting of one value: `"…"` with `\` escapes, `'…'` literal, or bare.
fn unquote(raw: &str) -> String {
    let mut out = String::new();
    let mut chars = raw.chars();
    match raw.chars().next() {
        Some('"') => {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => out.extend(chars.next()),
                    c => out.push(c),
                }
            }
        }
        Some('\'') => out.extend(raw.chars().skip(1).take_while(|&c| c != '\'')),
        _ => out.push_str(raw),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_bookworm() {
        let os = parse(
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n\
             VERSION_CODENAME=bookworm\nID=debian\n# comment\nHOME_URL=\"https://www.debian.org/\"\n",
        );
        assert_eq!(os.id, "debian");
        assert_eq!(os.version_id.as_deref(), Some("12"));
        assert_eq!(os.version_codename.as_deref(), Some("bookworm"));
        assert_eq!(
            os.pretty_name.as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
    }

    #[test]
    fn quoting_and_id_like() {
        let os = parse(
            "ID='alpine'\nID_LIKE=\"rhel fedora\"\nNAME=\"A \\\"quoted\\\" name\"\nVERSION_ID=3.20.1\n",
        );
        assert_eq!(os.id, "alpine");
        assert_eq!(os.id_like, ["rhel", "fedora"]);
        assert_eq!(os.name.as_deref(), Some("A \"quoted\" name"));
        assert_eq!(os.version_id.as_deref(), Some("3.20.1"));
        assert_eq!(parse("").id, "linux");
    }
}
