//! The data directory: listing its segments and snapshots, syncing it, the clock used
//! for `created` stamps.
//!
//! Progress: blocking file I/O.
//!
//! It must never treat a file it does not recognise as part of the log (other files
//! are left alone).

use std::fs::File;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::PersistError;
use crate::format::{TEMP_SUFFIX, parse_segment_name, parse_snapshot_name};
use crate::segment::SegmentFile;
use crate::snapshot::SnapshotFile;

/// What a data directory holds.
#[derive(Debug, Default)]
pub(crate) struct Inventory {
    /// Segments, oldest first.
    pub segments: Vec<SegmentFile>,
    /// Snapshots, newest first.
    pub snapshots: Vec<SnapshotFile>,
    /// Leftover temporary files (a snapshot write that never completed).
    pub temps: Vec<PathBuf>,
}

/// Lists `dir` (a missing directory is empty).
///
/// # Errors
///
/// [`PersistError::Io`] if the directory cannot be read.
pub(crate) fn inventory(dir: &Path) -> Result<Inventory, PersistError> {
    let mut inv = Inventory::default();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(inv),
        Err(e) => return Err(PersistError::io("read directory", dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| PersistError::io("read directory", dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue; // not ours: a directory (quarantine/) or a special file
        }
        let path = entry.path();
        let len = || entry.metadata().map(|m| m.len()).unwrap_or(0);
        if let Some(first_seq) = parse_segment_name(name) {
            inv.segments.push(SegmentFile {
                path,
                first_seq,
                len: len(),
            });
        } else if let Some(last_seq) = parse_snapshot_name(name) {
            inv.snapshots.push(SnapshotFile {
                path,
                last_seq,
                len: len(),
            });
        } else if name.ends_with(TEMP_SUFFIX)
            && name
                .strip_suffix(TEMP_SUFFIX)
                .and_then(parse_snapshot_name)
                .is_some()
        {
            inv.temps.push(path);
        }
    }
    inv.segments.sort_by_key(|s| s.first_seq);
    inv.snapshots.sort_by_key(|s| std::cmp::Reverse(s.last_seq));
    Ok(inv)
}

/// `fsync`s a directory, so that files created, renamed or removed in it stay so
/// after a crash.
///
/// # Errors
///
/// [`PersistError::Io`].
pub(crate) fn sync_dir(dir: &Path) -> Result<(), PersistError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| PersistError::io("fsync directory", dir, e))
}

/// Now, in Unix ns (0 if the clock is before 1970).
pub(crate) fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}
