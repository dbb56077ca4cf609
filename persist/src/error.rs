//! [`PersistError`]: every way reading or writing a data directory can fail, each
//! naming the file (and, for damaged data, the byte offset and sequence number).
//!
//! Progress: plain data.
//!
//! # Example
//!
//! ```
//! use seamless_persist::PersistError;
//! let e = PersistError::Sequence { expected: 8, got: 10 };
//! assert_eq!(e.to_string(), "append: seq 10 leaves a gap (expected 8)");
//! ```
//!
//! It must never describe damaged data without the file it is in.

use std::error::Error;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// Why a persistence operation failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum PersistError {
    /// An operating-system call failed (`ENOSPC`, `EFBIG`, `EIO`, `EACCES`...).
    Io {
        /// What was being done: `write`, `fdatasync`, `open`, ...
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// Bytes that are not what the format says (a bad checksum, magic, length or
    /// sequence number) where a torn tail is not a possible explanation.
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Byte offset of the damaged header or record.
        offset: u64,
        /// The sequence number expected there, when known.
        seq: Option<u64>,
        /// What is wrong.
        what: String,
    },
    /// A file written by a newer schema than this binary understands.
    NewerSchema {
        /// The file.
        path: PathBuf,
        /// Its schema version.
        found: u32,
        /// The newest this binary reads.
        supported: u32,
    },
    /// A file whose layout hash is not the one its schema was written with: a build
    /// whose record layouts differ, at the same schema.
    Layout {
        /// The file.
        path: PathBuf,
        /// Its schema version.
        schema: u32,
        /// The file's layout hash.
        found: u64,
        /// The hash of its schema's layout, as this build knows it.
        expected: u64,
    },
    /// Sequence numbers that do not continue: between two segments, or between the
    /// snapshot restored and the log after it.
    Gap {
        /// The file where the sequence should continue.
        path: PathBuf,
        /// The sequence number expected.
        expected: u64,
        /// The one found.
        found: u64,
    },
    /// [`LogWriter::append`](crate::LogWriter::append) with a sequence number other
    /// than the next one.
    Sequence {
        /// The next sequence number of the log.
        expected: u64,
        /// The one given.
        got: u64,
    },
    /// A record that passed its checksum could not be folded (`decode` or
    /// `State::apply` refused it): the log and the fold disagree.
    Replay {
        /// The file.
        path: PathBuf,
        /// Byte offset of the record.
        offset: u64,
        /// Its sequence number.
        seq: u64,
        /// Why it was refused.
        what: String,
    },
    /// An instrument table that is not valid (a bad symbol, id or size).
    Meta(String),
    /// Another [`LogWriter`](crate::LogWriter) (another persister) holds the data
    /// directory's writer lock.
    Locked {
        /// The lock file.
        path: PathBuf,
    },
}

impl PersistError {
    pub(crate) fn io(op: &'static str, path: &Path, source: io::Error) -> Self {
        PersistError::Io {
            op,
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn corrupt(
        path: &Path,
        offset: u64,
        seq: Option<u64>,
        what: impl Into<String>,
    ) -> Self {
        PersistError::Corrupt {
            path: path.to_path_buf(),
            offset,
            seq,
            what: what.into(),
        }
    }

    /// The OS error, if this is an I/O failure (a full disk or a file-size limit is
    /// worth retrying once space returns).
    pub fn io_error(&self) -> Option<&io::Error> {
        match self {
            PersistError::Io { source, .. } => Some(source),
            _ => None,
        }
    }

    /// The file concerned, if one is.
    pub fn path(&self) -> Option<&Path> {
        match self {
            PersistError::Io { path, .. }
            | PersistError::Corrupt { path, .. }
            | PersistError::NewerSchema { path, .. }
            | PersistError::Layout { path, .. }
            | PersistError::Gap { path, .. }
            | PersistError::Replay { path, .. }
            | PersistError::Locked { path } => Some(path),
            PersistError::Sequence { .. } | PersistError::Meta(_) => None,
        }
    }
}

impl fmt::Display for PersistError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PersistError::Io { op, path, source } => {
                write!(f, "cannot {op} {}: {source}", path.display())
            }
            PersistError::Corrupt {
                path,
                offset,
                seq,
                what,
            } => {
                write!(f, "corrupt {} at offset {offset}", path.display())?;
                if let Some(seq) = seq {
                    write!(f, " (seq {seq})")?;
                }
                write!(f, ": {what}")
            }
            PersistError::NewerSchema {
                path,
                found,
                supported,
            } => write!(
                f,
                "{} has schema version {found}, newer than this binary's {supported} \
                 (it reads 1 to {supported}): use the seamless that wrote it, or a newer one",
                path.display()
            ),
            PersistError::Layout {
                path,
                schema,
                found,
                expected,
            } => write!(
                f,
                "{} (schema {schema}) was written with record layout {found:#018x}, but \
                 schema {schema}'s layout is {expected:#018x}: a build changed a record \
                 without bumping the schema (docs/versioning.md); refusing to misread it; \
                 read it with the build that wrote it",
                path.display()
            ),
            PersistError::Gap {
                path,
                expected,
                found,
            } => write!(
                f,
                "gap in the log at {}: expected seq {expected}, found {found}",
                path.display()
            ),
            PersistError::Sequence { expected, got } if got > expected => {
                write!(f, "append: seq {got} leaves a gap (expected {expected})")
            }
            PersistError::Sequence { expected, got } => {
                write!(f, "append: seq {got} is a duplicate (expected {expected})")
            }
            PersistError::Replay {
                path,
                offset,
                seq,
                what,
            } => write!(
                f,
                "cannot replay {} at offset {offset} (seq {seq}): {what}",
                path.display()
            ),
            PersistError::Meta(what) => write!(f, "bad instrument table: {what}"),
            PersistError::Locked { path } => write!(
                f,
                "{} is held by another writer: a persister already has this data directory open",
                path.display()
            ),
        }
    }
}

impl Error for PersistError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            PersistError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
