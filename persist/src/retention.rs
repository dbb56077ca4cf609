//! [`retain`]: keep the newest K snapshots and the log they need; delete the rest.
//!
//! Progress: blocking file I/O (it loads the kept snapshots to check them).
//!
//! # Example
//!
//! ```
//! use seamless_persist::retain;
//! let dir = tempfile::tempdir().unwrap();
//! let report = retain(dir.path(), 3).unwrap();
//! assert!(report.deleted_segments.is_empty() && report.deleted_snapshots.is_empty());
//! ```
//!
//! # Implementation
//!
//! 1. Snapshots beyond the newest `keep` are deleted, as are leftover `.tmp` files of
//!    snapshot writes that never completed.
//! 2. The cover point is the oldest *valid* kept snapshot's sequence number: any of
//!    the kept snapshots may be the one a restore falls back to, and a corrupt one
//!    covers nothing. No valid snapshot: no segment is deleted.
//! 3. A segment is deleted when its last record is at or before the cover point: its
//!    end is the next segment's first sequence number - 1. The last segment is never
//!    deleted (the writer appends to it).
//! 4. The directory is `fsync`ed after deleting.
//!
//! It must never delete a record that a kept snapshot does not cover.

use std::path::{Path, PathBuf};

use crate::dir::{inventory, sync_dir};
use crate::error::PersistError;
use crate::snapshot::load_snapshot;

/// What [`retain`] deleted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RetentionReport {
    /// Snapshots deleted (older than the newest `keep`), and leftover temp files.
    pub deleted_snapshots: Vec<PathBuf>,
    /// Segments deleted (wholly covered by the oldest valid kept snapshot).
    pub deleted_segments: Vec<PathBuf>,
    /// The sequence number the kept snapshots cover the log up to (`None`: no valid
    /// kept snapshot, so no segment was deleted).
    pub covered_to: Option<u64>,
}

/// Keeps the newest `keep` snapshots (at least 1 is kept whatever `keep` says) and
/// deletes the segments wholly covered by the oldest valid one among them.
///
/// # Errors
///
/// [`PersistError::Io`] naming the file that could not be listed or deleted (files
/// deleted before it stay deleted).
pub fn retain(dir: &Path, keep: usize) -> Result<RetentionReport, PersistError> {
    let inv = inventory(dir)?;
    let keep = keep.max(1);
    let mut report = RetentionReport::default();
    let remove =
        |path: &Path| std::fs::remove_file(path).map_err(|e| PersistError::io("remove", path, e));
    for snap in inv.snapshots.iter().skip(keep) {
        remove(&snap.path)?;
        report.deleted_snapshots.push(snap.path.clone());
    }
    for temp in &inv.temps {
        remove(temp)?;
        report.deleted_snapshots.push(temp.clone());
    }
    let kept = inv.snapshots.iter().take(keep);
    report.covered_to = kept
        .filter(|s| load_snapshot(&s.path).is_ok())
        .map(|s| s.last_seq)
        .min();
    if let Some(cover) = report.covered_to {
        for pair in inv.segments.windows(2) {
            let end = pair[1].first_seq.saturating_sub(1);
            if end <= cover {
                remove(&pair[0].path)?;
                report.deleted_segments.push(pair[0].path.clone());
            }
        }
    }
    if !report.deleted_segments.is_empty() || !report.deleted_snapshots.is_empty() {
        sync_dir(dir)?;
    }
    Ok(report)
}
