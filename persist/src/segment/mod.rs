//! Log segments: `events-<first seq>.log` files holding a header and fixed-size
//! checksummed record frames (`header`, `frame`), read in order by `scan`.
//!
//! Progress: blocking file I/O.
//!
//! It must never be written by anything but [`LogWriter`](crate::LogWriter).

pub(crate) mod frame;
pub(crate) mod header;
pub(crate) mod scan;

use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};

pub use header::SegmentHeader;

use crate::error::PersistError;

/// A segment file found in a data directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentFile {
    /// Its path.
    pub path: PathBuf,
    /// The first sequence number, from its name.
    pub first_seq: u64,
    /// Its size in bytes when listed.
    pub len: u64,
}

/// A torn last record (or a segment whose creation was torn), cut or ignored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TornTail {
    /// The segment.
    pub path: PathBuf,
    /// Byte offset of the first byte cut.
    pub offset: u64,
    /// Bytes from there to the end of the file.
    pub bytes: u64,
    /// The sequence number the cut record would have had.
    pub seq: u64,
    /// What was wrong with it.
    pub what: String,
}

impl fmt::Display for TornTail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "torn tail in {} at offset {} (seq {}): {} bytes ({})",
            self.path.display(),
            self.offset,
            self.seq,
            self.bytes,
            self.what
        )
    }
}

/// Opens a segment for reading and reads its length.
pub(crate) fn open_read(path: &Path) -> Result<(File, u64), PersistError> {
    let file = File::open(path).map_err(|e| PersistError::io("open", path, e))?;
    let len = file
        .metadata()
        .map_err(|e| PersistError::io("stat", path, e))?
        .len();
    Ok((file, len))
}
