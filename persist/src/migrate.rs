//! Schema migrations: every file is read at its own schema version, then carried to
//! [`SCHEMA_VERSION`] one step at a time (`migrate_v1_to_v2`, `migrate_v2_to_v3`, ...).
//!
//! Schema 1 is the current and only version, so the chains are empty and loading a v1
//! file is the identity. A file with a *newer* schema is refused with both versions
//! named ([`PersistError::NewerSchema`]); it is never read as if it were older.
//!
//! Progress: plain functions, run once per file.
//!
//! # Adding schema 2 (issue 7)
//!
//! 1. Bump [`SCHEMA_VERSION`] to 2 and change the writers.
//! 2. Teach the readers (`snapshot`, `segment::header`) to decode the v1 byte layout
//!    into the `Raw*` forms below (they keep the old bytes, e.g. the v1 `State`).
//! 3. Write `fn migrate_v1_to_v2(path, RawSnapshot) -> Result<RawSnapshot, _>` (and the
//!    segment one) and list it in `SNAPSHOT_STEPS`/`SEGMENT_STEPS`: step `i` takes
//!    version `i + 1` to `i + 2`.
//! 4. Keep a v1 file in `persist/tests/` and test that it loads.
//!
//! # Implementation
//!
//! 1. [`check_version`] refuses version 0 and anything newer than this binary.
//! 2. The `to_current` functions run the steps from the file's version on; each step
//!    must set the version it produces.
//!
//! It must never reinterpret bytes of one version as another's without a step.

use std::path::Path;

use crate::error::PersistError;
use crate::format::SCHEMA_VERSION;
use crate::meta::LogMeta;

/// A snapshot as read from disk, at its own schema version.
#[derive(Debug)]
pub(crate) struct RawSnapshot {
    /// The schema version these fields are in.
    pub schema: u32,
    /// The layout hash recorded.
    pub layout_hash: u64,
    /// Last sequence number folded into the state.
    pub last_seq: u64,
    /// When the snapshot was written (Unix ns).
    pub created_ns: u64,
    /// The instrument table.
    pub meta: LogMeta,
    /// The state bytes, in the version's layout.
    pub state: Vec<u8>,
}

/// A segment header as read from disk, at its own schema version.
#[derive(Debug)]
pub(crate) struct RawSegmentHeader {
    /// The schema version these fields are in.
    pub schema: u32,
    /// The layout hash recorded.
    pub layout_hash: u64,
}

type Step<T> = fn(&Path, T) -> Result<T, PersistError>;

/// Snapshot steps: entry `i` migrates schema `i + 1` to `i + 2`. Empty: v1 is current.
const SNAPSHOT_STEPS: [Step<RawSnapshot>; SCHEMA_VERSION as usize - 1] = [];

/// Segment steps, like [`SNAPSHOT_STEPS`]. A step for segments also owns the record
/// frame conversion of that version (the scanner reads current frames only).
const SEGMENT_STEPS: [Step<RawSegmentHeader>; SCHEMA_VERSION as usize - 1] = [];

/// Refuses a version this binary cannot read: 0 (never written) or newer than
/// [`SCHEMA_VERSION`].
///
/// # Errors
///
/// [`PersistError::NewerSchema`] or [`PersistError::Corrupt`] (version 0).
pub(crate) fn check_version(path: &Path, offset: u64, found: u32) -> Result<(), PersistError> {
    if found > SCHEMA_VERSION {
        return Err(PersistError::NewerSchema {
            path: path.to_path_buf(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if found == 0 {
        return Err(PersistError::corrupt(
            path,
            offset,
            None,
            "schema version 0",
        ));
    }
    Ok(())
}

/// Carries a snapshot to [`SCHEMA_VERSION`].
///
/// # Errors
///
/// See [`check_version`]; a failing step's error.
pub(crate) fn snapshot_to_current(
    path: &Path,
    raw: RawSnapshot,
) -> Result<RawSnapshot, PersistError> {
    run_steps(path, raw.schema, raw, &SNAPSHOT_STEPS)
}

/// Carries a segment header to [`SCHEMA_VERSION`].
///
/// # Errors
///
/// See [`check_version`]; a failing step's error.
pub(crate) fn segment_to_current(
    path: &Path,
    raw: RawSegmentHeader,
) -> Result<RawSegmentHeader, PersistError> {
    run_steps(path, raw.schema, raw, &SEGMENT_STEPS)
}

fn run_steps<T>(
    path: &Path,
    version: u32,
    mut raw: T,
    steps: &[Step<T>],
) -> Result<T, PersistError> {
    check_version(path, 8, version)?;
    for step in steps.iter().skip(version as usize - 1) {
        raw = step(path, raw)?;
    }
    Ok(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_versions_are_refused_naming_both() {
        let err = check_version(Path::new("x.snap"), 8, SCHEMA_VERSION + 1).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(&format!("schema version {}", SCHEMA_VERSION + 1)),
            "{text}"
        );
        assert!(
            text.contains(&format!("this binary's {SCHEMA_VERSION}")),
            "{text}"
        );
        assert!(check_version(Path::new("x.snap"), 8, 0).is_err());
        let raw = RawSegmentHeader {
            schema: SCHEMA_VERSION,
            layout_hash: 1,
        };
        assert_eq!(
            segment_to_current(Path::new("x"), raw).unwrap().schema,
            SCHEMA_VERSION
        );
    }
}
