//! Errors of creating, opening and removing segments. Each names the file at fault.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why [`OwnedSegment::create`](super::OwnedSegment::create) failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum CreateError {
    /// A live process holds the segment's lock: its owner is running.
    Locked {
        /// The segment.
        path: PathBuf,
        /// The owner's pid as recorded in the file, when readable.
        pid: Option<u32>,
    },
    /// The file system has no room for the segment's pages (`ENOSPC`).
    NoSpace {
        /// The segment.
        path: PathBuf,
        /// Bytes that could not be reserved.
        len: u64,
    },
    /// A symbolic link sits at the segment's name; it is neither followed nor removed.
    Symlink {
        /// The link.
        path: PathBuf,
    },
    /// Something other than a regular file sits at the segment's name.
    NotRegularFile {
        /// The offending entry.
        path: PathBuf,
    },
    /// A stale file at the segment's name belongs to another user; it is left alone.
    WrongOwner {
        /// The file.
        path: PathBuf,
        /// Its owner.
        uid: u32,
        /// Our effective uid.
        expected: u32,
    },
    /// The name kept being replaced by other processes while we tried to create it.
    Contended {
        /// The segment.
        path: PathBuf,
    },
    /// A system call failed.
    Io {
        /// The segment.
        path: PathBuf,
        /// What we were doing.
        op: &'static str,
        /// The OS error.
        source: io::Error,
    },
}

impl fmt::Display for CreateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CreateError::Locked { path, pid } => {
                write!(f, "{} is held by a live process", path.display())?;
                match pid {
                    Some(pid) => write!(f, " (pid {pid})"),
                    None => f.write_str(" (pid not yet recorded)"),
                }
            }
            CreateError::NoSpace { path, len } => write!(
                f,
                "no space left to reserve {len} bytes for {} (is the tmpfs full? see `df -h`)",
                path.display()
            ),
            CreateError::Symlink { path } => write!(
                f,
                "{} is a symbolic link; refusing to follow or replace it (remove it by hand if it is yours)",
                path.display()
            ),
            CreateError::NotRegularFile { path } => write!(
                f,
                "{} exists but is not a regular file; refusing to replace it",
                path.display()
            ),
            CreateError::WrongOwner {
                path,
                uid,
                expected,
            } => write!(
                f,
                "{} belongs to uid {uid}, not to us (uid {expected}); refusing to replace it",
                path.display()
            ),
            CreateError::Contended { path } => write!(
                f,
                "gave up creating {}: other processes kept replacing it",
                path.display()
            ),
            CreateError::Io { path, op, source } => {
                write!(f, "cannot {op} {}: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for CreateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CreateError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Why [`ReadOnlySegment::open`](super::ReadOnlySegment::open) refused a file.
#[derive(Debug)]
#[non_exhaustive]
pub enum OpenError {
    /// Nothing exists at the path.
    NotFound {
        /// The path looked at.
        path: PathBuf,
    },
    /// The path is a symbolic link (never followed).
    Symlink {
        /// The link.
        path: PathBuf,
    },
    /// The path is not a regular file (a directory, FIFO, device...).
    NotRegularFile {
        /// The offending entry.
        path: PathBuf,
    },
    /// The file belongs to another user.
    WrongOwner {
        /// The file.
        path: PathBuf,
        /// Its owner.
        uid: u32,
        /// Our effective uid.
        expected: u32,
    },
    /// Group or others have some permission on the file; segments are 0600.
    WrongPermissions {
        /// The file.
        path: PathBuf,
        /// Its permission bits (`st_mode & 0o7777`).
        mode: u32,
    },
    /// The file is smaller than the caller's minimum.
    TooSmall {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The minimum the caller needs.
        min: u64,
        /// Whether an owner still holds the lock (then it may still be initialising).
        owner_alive: bool,
    },
    /// A system call failed.
    Io {
        /// The file.
        path: PathBuf,
        /// What we were doing.
        op: &'static str,
        /// The OS error.
        source: io::Error,
    },
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::NotFound { path } => write!(f, "{} does not exist", path.display()),
            OpenError::Symlink { path } => write!(
                f,
                "{} is a symbolic link; refusing to follow it",
                path.display()
            ),
            OpenError::NotRegularFile { path } => {
                write!(f, "{} is not a regular file", path.display())
            }
            OpenError::WrongOwner {
                path,
                uid,
                expected,
            } => write!(
                f,
                "wrong owner of {}: uid {uid}, expected our uid {expected}",
                path.display()
            ),
            OpenError::WrongPermissions { path, mode } => write!(
                f,
                "wrong permissions {mode:04o} on {}, expected 0600",
                path.display()
            ),
            OpenError::TooSmall { path, size: 0, .. } => write!(
                f,
                "{} is empty (0 bytes): truncated, or left by a start-up that crashed",
                path.display()
            ),
            OpenError::TooSmall {
                path, size, min, ..
            } => write!(
                f,
                "{} is too small: {size} bytes, at least {min} expected (truncated, or not a seamless file)",
                path.display()
            ),
            OpenError::Io { path, op, source } => {
                write!(f, "cannot {op} {}: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for OpenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            OpenError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Why a segment could not be removed.
#[derive(Debug)]
pub struct RemoveError {
    /// The segment.
    pub path: PathBuf,
    /// What we were doing.
    pub op: &'static str,
    /// The OS error.
    pub source: io::Error,
}

impl fmt::Display for RemoveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot {} {}: {}",
            self.op,
            self.path.display(),
            self.source
        )
    }
}

impl std::error::Error for RemoveError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}
