//! A tar archive read in place: one pass records where each member's data starts, then
//! members are read by seeking there. Links between members are followed, bounded.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::{Error, path};

const MAX_MEMBERS: usize = 1_000_000;
const MAX_MEMBER_LINKS: usize = 8;

#[derive(Debug, Clone)]
enum Member {
    File { offset: u64, size: u64 },
    Link(String),
}

/// The member index of a tar file on disk.
#[derive(Debug)]
pub(crate) struct TarIndex {
    path: PathBuf,
    members: HashMap<String, Member>,
}

impl TarIndex {
    /// Indexes the members of the tar at `path` (names normalised inside the root).
    pub(crate) fn open(path: &Path) -> Result<Self, Error> {
        let io = |source| Error::Io {
            path: path.to_owned(),
            source,
        };
        let file = File::open(path).map_err(io)?;
        let mut archive = tar::Archive::new(BufReader::new(file));
        let mut members = HashMap::new();
        for entry in archive.entries_with_seek().map_err(io)? {
            let entry = entry.map_err(io)?;
            let (name, _) = path::normalize(&entry.path().map_err(io)?.to_string_lossy());
            let member = match entry.header().entry_type() {
                tar::EntryType::Regular | tar::EntryType::Continuous => Member::File {
                    offset: entry.raw_file_position(),
                    size: entry.size(),
                },
                tar::EntryType::Symlink => {
                    let target = entry.link_name().map_err(io)?.unwrap_or_default();
                    Member::Link(path::join(path::parent(&name), &target.to_string_lossy()).0)
                }
                tar::EntryType::Link => {
                    let target = entry.link_name().map_err(io)?.unwrap_or_default();
                    Member::Link(path::normalize(&target.to_string_lossy()).0)
                }
                _ => continue,
            };
            members.insert(name, member);
            if members.len() > MAX_MEMBERS {
                return Err(Error::TooLarge {
                    what: format!("{}: members", path.display()),
                    limit: MAX_MEMBERS as u64,
                });
            }
        }
        Ok(Self {
            path: path.to_owned(),
            members,
        })
    }

    /// Whether a member (file or link) of that name exists.
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.members.contains_key(&path::normalize(name).0)
    }

    /// Finds a member by name, following links inside the archive: (offset, size), name.
    pub(crate) fn locate(&self, name: &str) -> Result<((u64, u64), String), Error> {
        let mut name = path::normalize(name).0;
        for _ in 0..MAX_MEMBER_LINKS {
            match self.members.get(&name) {
                Some(Member::File { offset, size }) => return Ok(((*offset, *size), name)),
                Some(Member::Link(target)) => name.clone_from(target),
                None => {
                    return Err(Error::Missing {
                        what: format!("{name:?} in {}", self.path.display()),
                    });
                }
            }
        }
        Err(Error::LinkLoop { path: name })
    }

    /// Reads the member `name` from its stored offset.
    pub(crate) fn member(&self, name: &str) -> Result<impl Read + use<>, Error> {
        let ((offset, size), _) = self.locate(name)?;
        let io = |source| Error::Io {
            path: self.path.clone(),
            source,
        };
        let mut file = File::open(&self.path).map_err(io)?;
        file.seek(SeekFrom::Start(offset)).map_err(io)?;
        Ok(BufReader::with_capacity(1 << 16, file).take(size))
    }
}
