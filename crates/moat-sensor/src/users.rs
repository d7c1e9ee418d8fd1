//! User and group names of the host (`/etc/passwd`, `/etc/group`), read once at start.
//! Unknown ids read as `<NA>`, as Falco prints them.

use std::collections::HashMap;
use std::path::Path;

/// Falco's text for an unknown name.
pub const NA: &str = "<NA>";

/// Id → name tables.
#[derive(Debug, Default)]
pub struct Users {
    users: HashMap<u32, String>,
    groups: HashMap<u32, String>,
}

fn parse(text: &str) -> HashMap<u32, String> {
    text.lines()
        .filter_map(|l| {
            let mut it = l.split(':');
            let name = it.next()?;
            let id = it.nth(1)?.parse().ok()?;
            Some((id, name.to_string()))
        })
        .collect()
}

impl Users {
    /// Reads `etc/passwd` and `etc/group` under `root` (missing files: no names).
    pub fn load(root: &Path) -> Self {
        let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap_or_default();
        Self {
            users: parse(&read("etc/passwd")),
            groups: parse(&read("etc/group")),
        }
    }

    /// The user named by `uid`.
    pub fn user(&self, uid: u32) -> &str {
        self.users.get(&uid).map_or(NA, String::as_str)
    }

    /// The group named by `gid`.
    pub fn group(&self, gid: u32) -> &str {
        self.groups.get(&gid).map_or(NA, String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("etc")).unwrap();
        std::fs::write(
            dir.path().join("etc/passwd"),
            "root:x:0:0::/root:/bin/sh\nbad line\nwww:x:33:33::/:/bin/false\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("etc/group"), "root:x:0:\nshadow:x:42:\n").unwrap();
        let u = Users::load(dir.path());
        assert_eq!(u.user(0), "root");
        assert_eq!(u.user(33), "www");
        assert_eq!(u.user(7), NA);
        assert_eq!(u.group(42), "shadow");
        assert_eq!(Users::load(&dir.path().join("none")).user(0), NA);
    }
}
