//! Errors of creating, opening and listing reader slots; each names the file.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::shm::{self, InvalidName, OpenError};

/// Why a [`ReaderSlot`](super::ReaderSlot) could not be created.
#[derive(Debug)]
#[non_exhaustive]
pub enum SlotCreateError {
    /// The instance name or role is not valid.
    InvalidName(InvalidName),
    /// A live reader already holds this role.
    Taken {
        /// The instance.
        name: String,
        /// The role.
        role: String,
        /// The live reader's pid, when recorded.
        pid: Option<u32>,
        /// The slot file.
        path: PathBuf,
    },
    /// The segment could not be created (no space, something foreign at the name, I/O).
    Segment(shm::CreateError),
}

impl fmt::Display for SlotCreateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SlotCreateError::InvalidName(e) => e.fmt(f),
            SlotCreateError::Taken {
                name,
                role,
                pid,
                path,
            } => {
                write!(f, "reader role {role} of instance {name} is already taken")?;
                match pid {
                    Some(pid) => write!(f, " by pid {pid}")?,
                    None => f.write_str(" (pid not yet recorded)")?,
                }
                write!(f, " ({})", path.display())
            }
            SlotCreateError::Segment(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SlotCreateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SlotCreateError::InvalidName(e) => Some(e),
            SlotCreateError::Segment(e) => Some(e),
            SlotCreateError::Taken { .. } => None,
        }
    }
}

/// Why a slot could not be opened for viewing.
#[derive(Debug)]
#[non_exhaustive]
pub enum SlotOpenError {
    /// The instance name or role is not valid.
    InvalidName(InvalidName),
    /// No slot file exists for the role.
    NotFound {
        /// Where we looked.
        path: PathBuf,
    },
    /// The file failed a check before mapping (symlink, owner, permissions, size, I/O).
    Open(OpenError),
    /// A live reader has not finished writing its slot yet.
    StillInitialising {
        /// The slot file.
        path: PathBuf,
    },
    /// The slot was never finished and its reader is dead.
    Abandoned {
        /// The slot file.
        path: PathBuf,
    },
    /// The first word is not the slot magic: not a seamless reader slot.
    WrongMagic {
        /// The file.
        path: PathBuf,
        /// The word found.
        found: u64,
    },
    /// A slot format this build does not know.
    UnsupportedVersion {
        /// The file.
        path: PathBuf,
        /// Version in the file.
        found: u64,
        /// Version this build knows.
        expected: u32,
    },
    /// The file is not exactly one slot long.
    WrongSize {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// A slot's size.
        expected: u64,
    },
    /// The role recorded inside differs from the one in the file name.
    RoleMismatch {
        /// The file.
        path: PathBuf,
        /// Role recorded in the file.
        found: String,
        /// Role from the file name.
        expected: String,
    },
}

impl fmt::Display for SlotOpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SlotOpenError::InvalidName(e) => e.fmt(f),
            SlotOpenError::NotFound { path } => {
                write!(f, "no reader slot at {}", path.display())
            }
            SlotOpenError::Open(e) => e.fmt(f),
            SlotOpenError::StillInitialising { path } => {
                write!(f, "reader slot {} is still initialising", path.display())
            }
            SlotOpenError::Abandoned { path } => write!(
                f,
                "reader slot {} was never finished and its reader is dead; `seamless clean` removes it",
                path.display()
            ),
            SlotOpenError::WrongMagic { path, found } => write!(
                f,
                "{} is not a seamless reader slot (magic {found:#018x}, expected {:#018x})",
                path.display(),
                super::SLOT_MAGIC
            ),
            SlotOpenError::UnsupportedVersion {
                path,
                found,
                expected,
            } => write!(
                f,
                "reader slot format v{found} in {}, this build understands v{expected}",
                path.display()
            ),
            SlotOpenError::WrongSize {
                path,
                size,
                expected,
            } => write!(
                f,
                "reader slot {} is {size} bytes, expected {expected}",
                path.display()
            ),
            SlotOpenError::RoleMismatch {
                path,
                found,
                expected,
            } => write!(
                f,
                "reader slot {} records role {found:?}, its name says {expected:?}",
                path.display()
            ),
        }
    }
}

impl std::error::Error for SlotOpenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SlotOpenError::InvalidName(e) => Some(e),
            SlotOpenError::Open(e) => Some(e),
            _ => None,
        }
    }
}

/// Why [`list_reader_slots`](super::list_reader_slots) could not list at all.
#[derive(Debug)]
#[non_exhaustive]
pub enum ListError {
    /// The instance name is not valid.
    InvalidName(InvalidName),
    /// The directory could not be read.
    ReadDir {
        /// The directory.
        dir: PathBuf,
        /// The OS error.
        source: io::Error,
    },
}

impl fmt::Display for ListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListError::InvalidName(e) => e.fmt(f),
            ListError::ReadDir { dir, source } => {
                write!(f, "cannot list {}: {source}", dir.display())
            }
        }
    }
}

impl std::error::Error for ListError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ListError::InvalidName(e) => Some(e),
            ListError::ReadDir { source, .. } => Some(source),
        }
    }
}
