//! Normalisation of paths found in layers and link targets: always relative to the image
//! root, never escaping it.

/// Normalises a tar member path or absolute link target to a root-relative path without
/// a leading or trailing `/`: `.` and empty components vanish, `..` pops a component and
/// stops at the root. The root itself is `""`. Returns whether a `..` tried to climb
/// above the root.
pub fn normalize(path: &str) -> (String, bool) {
    join("", path)
}

/// Resolves `rel` against the root-relative directory `base` (`rel` starting with `/`
/// starts again at the root), with the same rules as [`normalize`].
pub fn join(base: &str, rel: &str) -> (String, bool) {
    let mut parts: Vec<&str> = Vec::new();
    if !rel.starts_with('/') {
        parts.extend(base.split('/').filter(|c| !c.is_empty()));
    }
    let mut escaped = false;
    for c in rel.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    escaped = true;
                }
            }
            c => parts.push(c),
        }
    }
    (parts.join("/"), escaped)
}

/// The parent directory of a normalised path (`""` for top-level entries and the root).
pub fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(p, _)| p)
}

/// The last component of a normalised path.
pub fn file_name(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_inside_root() {
        assert_eq!(
            normalize("./etc/os-release"),
            ("etc/os-release".into(), false)
        );
        assert_eq!(normalize("/etc//x/"), ("etc/x".into(), false));
        assert_eq!(normalize("../../etc/passwd"), ("etc/passwd".into(), true));
        assert_eq!(normalize("a/../../b"), ("b".into(), true));
        assert_eq!(join("usr/lib", "../../../etc"), ("etc".into(), true));
        assert_eq!(
            join("etc", "/usr/lib/os-release"),
            ("usr/lib/os-release".into(), false)
        );
        assert_eq!(
            join("etc", "../usr/lib/os-release"),
            ("usr/lib/os-release".into(), false)
        );
        assert_eq!(parent("a/b/c"), "a/b");
        assert_eq!(parent("a"), "");
        assert_eq!(file_name("a/b/c"), "c");
    }
}
