//! Errors of creating and attaching regions, and of looking sections up. Each names the
//! instance or file, and the header field at fault.

use std::fmt;
use std::path::PathBuf;

use super::spec::SpecError;
use crate::shm::{self, InvalidName, OpenError};

/// Why [`RegionOwner::create`](super::RegionOwner::create) failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum CreateError {
    /// The instance name is not valid.
    InvalidName(InvalidName),
    /// The spec cannot be laid out.
    Spec(SpecError),
    /// A live owner already holds the instance.
    AlreadyRunning {
        /// The instance.
        name: String,
        /// Its pid, when recorded.
        pid: Option<u32>,
        /// Its region file.
        path: PathBuf,
    },
    /// The segment could not be created (no space, something foreign at the name, I/O).
    Segment(shm::CreateError),
}

impl fmt::Display for CreateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CreateError::InvalidName(e) => e.fmt(f),
            CreateError::Spec(e) => write!(f, "invalid region spec: {e}"),
            CreateError::AlreadyRunning { name, pid, path } => {
                write!(f, "instance {name} is already running")?;
                match pid {
                    Some(pid) => write!(f, ", pid {pid}")?,
                    None => f.write_str(" (pid not yet recorded)")?,
                }
                write!(f, " ({})", path.display())
            }
            CreateError::Segment(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for CreateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CreateError::InvalidName(e) => Some(e),
            CreateError::Spec(e) => Some(e),
            CreateError::Segment(e) => Some(e),
            CreateError::AlreadyRunning { .. } => None,
        }
    }
}

/// Why [`RegionReader::attach`](super::RegionReader::attach) refused a region.
#[derive(Debug)]
#[non_exhaustive]
pub enum AttachError {
    /// The instance name is not valid.
    InvalidName(InvalidName),
    /// No region file exists for the instance.
    NotFound {
        /// The instance.
        name: String,
        /// Where we looked.
        path: PathBuf,
    },
    /// The file failed a check before mapping (symlink, owner, permissions, size, I/O).
    Open(OpenError),
    /// A live owner has not finished writing the header yet; try again shortly.
    StillInitialising {
        /// The region file.
        path: PathBuf,
    },
    /// The header was never finished and its owner is dead (a crashed start-up).
    Abandoned {
        /// The region file.
        path: PathBuf,
    },
    /// The first word is not the region magic: not a seamless region.
    WrongMagic {
        /// The file.
        path: PathBuf,
        /// The word found.
        found: u64,
    },
    /// A header format this reader does not know.
    UnsupportedFormat {
        /// The file.
        path: PathBuf,
        /// Format in the file.
        found: u32,
        /// Format this reader knows.
        expected: u32,
    },
    /// The owner's layout version differs from the reader's.
    LayoutVersion {
        /// The file.
        path: PathBuf,
        /// Version in the region.
        found: u32,
        /// Version this reader understands.
        expected: u32,
    },
    /// The owner's layout hash differs from the reader's: same version, other records.
    LayoutHash {
        /// The file.
        path: PathBuf,
        /// Hash in the region.
        found: u64,
        /// Hash this reader computed.
        expected: u64,
    },
    /// The header's total size is not the file's size (truncated or extended).
    SizeMismatch {
        /// The file.
        path: PathBuf,
        /// Size the header records.
        header: u64,
        /// Size of the file.
        file: u64,
    },
    /// A header field is out of bounds or inconsistent.
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The field, e.g. `sections[2].offset`.
        field: String,
        /// What is wrong with it.
        detail: String,
    },
}

impl fmt::Display for AttachError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttachError::InvalidName(e) => e.fmt(f),
            AttachError::NotFound { name, path } => write!(
                f,
                "no running instance {name} ({} does not exist); start one with `seamless core --name {name}`",
                path.display()
            ),
            AttachError::Open(e) => e.fmt(f),
            AttachError::StillInitialising { path } => write!(
                f,
                "region {} is still initialising; try again in a moment",
                path.display()
            ),
            AttachError::Abandoned { path } => write!(
                f,
                "region {} was never finished and its owner is dead (a crashed start-up); `seamless clean` removes it",
                path.display()
            ),
            AttachError::WrongMagic { path, found } => write!(
                f,
                "{} is not a seamless region (magic {found:#018x}, expected {:#018x})",
                path.display(),
                super::MAGIC
            ),
            AttachError::UnsupportedFormat {
                path,
                found,
                expected,
            } => write!(
                f,
                "region header format {found} in {}, this reader understands format {expected}",
                path.display()
            ),
            AttachError::LayoutVersion {
                path,
                found,
                expected,
            } => write!(
                f,
                "region layout v{found}, this reader understands v{expected} ({})",
                path.display()
            ),
            AttachError::LayoutHash {
                path,
                found,
                expected,
            } => write!(
                f,
                "region layout hash {found:#018x}, this reader expects {expected:#018x}: same version, different record layouts; rebuild both from one source ({})",
                path.display()
            ),
            AttachError::SizeMismatch { path, header, file } => write!(
                f,
                "header total_size says {header} bytes but {} is {file} bytes (truncated or altered)",
                path.display()
            ),
            AttachError::Corrupt {
                path,
                field,
                detail,
            } => write!(
                f,
                "corrupt region header in {}: {field}: {detail}",
                path.display()
            ),
        }
    }
}

impl std::error::Error for AttachError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AttachError::InvalidName(e) => Some(e),
            AttachError::Open(e) => Some(e),
            _ => None,
        }
    }
}

/// Why a section lookup failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SectionError {
    /// The region has no section with this id.
    NoSuchId {
        /// The id asked for.
        id: u32,
    },
    /// The region has no section with this name.
    NoSuchName {
        /// The name asked for.
        name: String,
    },
}

impl fmt::Display for SectionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SectionError::NoSuchId { id } => write!(f, "the region has no section with id {id}"),
            SectionError::NoSuchName { name } => {
                write!(f, "the region has no section named {name:?}")
            }
        }
    }
}

impl std::error::Error for SectionError {}
