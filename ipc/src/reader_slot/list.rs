//! Discovery: every reader slot of an instance, off the hot path.

use std::path::{Path, PathBuf};

use super::error::{ListError, SlotOpenError};
use super::view::{ReaderSlotInfo, ReaderSlotView};
use crate::shm::{self, FILE_PREFIX, NameKind, READER_INFIX};

/// One file found by [`list_reader_slots`].
#[derive(Debug)]
pub struct SlotListing {
    /// The role from the file name (possibly invalid, then `slot` says so).
    pub role: String,
    /// The file.
    pub path: PathBuf,
    /// The slot's state, or why the file is not a usable slot.
    pub slot: Result<ReaderSlotInfo, SlotOpenError>,
}

/// Lists the reader slots of instance `name` in `dir`: every file named
/// `seamless-NAME.reader-*`, each mapped read-only, validated and probed for liveness.
/// Foreign or garbage files are listed with their error, never skipped silently and
/// never a panic. Sorted by role.
///
/// # Errors
///
/// [`ListError`] for an invalid name or an unreadable directory.
///
/// # Examples
///
/// ```
/// use seamless_ipc::reader_slot::{list_reader_slots, ReaderSlot};
/// let dir = tempfile::tempdir().unwrap();
/// let _mine = ReaderSlot::create_fresh(Some(dir.path()), "demo", "monitor-1", 2).unwrap();
/// let found = list_reader_slots(Some(dir.path()), "demo").unwrap();
/// assert_eq!(found.len(), 1);
/// let info = found[0].slot.as_ref().unwrap();
/// assert!(info.alive && info.kind == 2 && !info.gating);
/// ```
pub fn list_reader_slots(dir: Option<&Path>, name: &str) -> Result<Vec<SlotListing>, ListError> {
    shm::validate_name(NameKind::Instance, name).map_err(ListError::InvalidName)?;
    let dir = shm::shm_dir(dir);
    let prefix = format!("{FILE_PREFIX}{name}{READER_INFIX}");
    let read_err = |source| ListError::ReadDir {
        dir: dir.clone(),
        source,
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(read_err)? {
        let entry = entry.map_err(read_err)?;
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        let Some(role) = file_name.strip_prefix(&prefix) else {
            continue;
        };
        let path = entry.path();
        let slot = match shm::validate_name(NameKind::Role, role) {
            Ok(()) => ReaderSlotView::open_path(&path, role).map(|view| view.info()),
            Err(e) => Err(SlotOpenError::InvalidName(e)),
        };
        out.push(SlotListing {
            role: role.to_owned(),
            path,
            slot,
        });
    }
    out.sort_by(|a, b| a.role.cmp(&b.role));
    Ok(out)
}
