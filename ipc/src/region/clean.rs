//! Removing what dead owners left behind (`seamless clean`), never a live one's files.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::shm::{
    self, FILE_PREFIX, InvalidName, NameKind, READER_INFIX, Removal, RemoveError, remove_if_dead,
};

/// What happened to one file.
#[derive(Debug)]
pub struct Cleaned {
    /// The file.
    pub path: PathBuf,
    /// Removed, left alone (and why), or the error.
    pub outcome: Result<Removal, RemoveError>,
}

/// Why [`clean_stale`] could not even start.
#[derive(Debug)]
#[non_exhaustive]
pub enum CleanError {
    /// The instance name is not valid.
    InvalidName(InvalidName),
    /// The directory could not be listed.
    ReadDir {
        /// The directory.
        dir: PathBuf,
        /// The OS error.
        source: io::Error,
    },
}

impl fmt::Display for CleanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CleanError::InvalidName(e) => e.fmt(f),
            CleanError::ReadDir { dir, source } => {
                write!(f, "cannot list {}: {source}", dir.display())
            }
        }
    }
}

impl std::error::Error for CleanError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CleanError::InvalidName(e) => Some(e),
            CleanError::ReadDir { source, .. } => Some(source),
        }
    }
}

/// The instance a seamless file name belongs to, if it follows the naming scheme
/// exactly (`seamless-NAME` or `seamless-NAME.reader-ROLE`, both valid).
fn instance_of(file_name: &str) -> Option<&str> {
    let rest = file_name.strip_prefix(FILE_PREFIX)?;
    let (name, role) = match rest.split_once(READER_INFIX) {
        Some((name, role)) => (name, Some(role)),
        None => (rest, None),
    };
    shm::validate_name(NameKind::Instance, name).ok()?;
    if let Some(role) = role {
        shm::validate_name(NameKind::Role, role).ok()?;
    }
    Some(name)
}

/// Removes the region and reader slots of instance `name` (or of every instance, for
/// `None`) in `dir` whose owners are dead. Files of live owners, files not following
/// the naming scheme, symlinks, and other users' files are never removed; each
/// candidate is reported with what happened to it.
///
/// # Errors
///
/// [`CleanError`] for an invalid name or an unreadable directory; per-file failures are
/// reported in the list instead.
pub fn clean_stale(dir: Option<&Path>, name: Option<&str>) -> Result<Vec<Cleaned>, CleanError> {
    if let Some(name) = name {
        shm::validate_name(NameKind::Instance, name).map_err(CleanError::InvalidName)?;
    }
    let dir = shm::shm_dir(dir);
    let read_err = |source| CleanError::ReadDir {
        dir: dir.clone(),
        source,
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(read_err)? {
        let entry = entry.map_err(read_err)?;
        let file_name = entry.file_name();
        let Some(instance) = file_name.to_str().and_then(instance_of) else {
            continue;
        };
        if name.is_some_and(|n| n != instance) {
            continue;
        }
        let path = entry.path();
        let outcome = remove_if_dead(&path);
        out.push(Cleaned { path, outcome });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_scheme_names_are_candidates() {
        assert_eq!(instance_of("seamless-a"), Some("a"));
        assert_eq!(instance_of("seamless-a.reader-persist"), Some("a"));
        assert_eq!(instance_of("seamless-a.reader-"), None);
        assert_eq!(instance_of("seamless-a.reader-x.y"), None);
        assert_eq!(instance_of("seamless-a.tmp"), None);
        assert_eq!(instance_of("other-a"), None);
        assert_eq!(instance_of("seamless-"), None);
    }
}
