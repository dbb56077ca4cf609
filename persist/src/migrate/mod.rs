//! Schema migrations: every file is read at its own schema version, then carried to
//! [`SCHEMA_VERSION`] one step at a time (`v1_to_v2`, then `v2_to_v3`, ...).
//!
//! | schema | what changed | snapshot step | segment step |
//! |---:|---|---|---|
//! | 1 | the first | - | - |
//! | 2 | `Position` gained `mark`, `mark_ns`, `marked` (`State` 44 272 -> 45 296 bytes) | [`v1_to_v2::snapshot`]: rows re-laid, the mark taken from the instrument's market row | [`v1_to_v2::segment`]: identity (records unchanged) |
//! | 3 | no layout: spare record fields gained a meaning (`reconciliation_mismatch` f2/f3 both average prices, `position_synced` f2 the realized P&L the fold books; schema 2 wrote them as 0, which means the same in schema 3) | [`v2_to_v3::snapshot`]: identity | [`v2_to_v3::segment`]: identity |
//!
//! A file with a *newer* schema is refused with both versions named
//! ([`PersistError::NewerSchema`]); a file whose layout hash is not the one its schema
//! was written with ([`LAYOUT_HASHES`]) is refused too ([`PersistError::Layout`]): it
//! came from a build that changed a record without bumping the schema. Neither is
//! ever read as if it were something else.
//!
//! Progress: plain functions, run once per file.
//!
//! # Example
//!
//! Loading goes through it without the caller noticing:
//!
//! ```
//! use seamless_core::domain::State;
//! use seamless_persist::{LogMeta, load_snapshot, write_snapshot};
//! let dir = tempfile::tempdir().unwrap();
//! let path = write_snapshot(dir.path(), &State::new(), &LogMeta::default()).unwrap();
//! assert_eq!(load_snapshot(&path).unwrap().0, State::new()); // schema 3: no step
//! ```
//!
//! # Adding schema N + 1 (docs/versioning.md)
//!
//! 1. Freeze the current layout: copy its description into `vN.rs` (byte offsets and
//!    frozen `#[repr(C)]` structs of plain integers, never the live types), and move
//!    the test that ties the newest frozen layout to the live one to the new `vN1.rs`.
//! 2. Change the record, bump `STATE_LAYOUT_VERSION` / the region's `LAYOUT_VERSION`
//!    as docs/versioning.md says, [`SCHEMA_VERSION`] to N + 1, and append the new
//!    [`LAYOUT_HASH`](crate::format::LAYOUT_HASH) to [`LAYOUT_HASHES`] (the pin test
//!    prints it).
//! 3. Write `vN_to_vN1.rs` with `snapshot(path, RawSnapshot) -> Result<RawSnapshot, _>`
//!    and `segment(...)` (identity when the record frames did not change), each
//!    producing exactly the frozen N + 1 bytes, and append them to [`SNAPSHOT_STEPS`]
//!    and [`SEGMENT_STEPS`]: entry `i` takes schema `i + 1` to `i + 2`.
//! 4. Keep fixtures written by the old code (`persist/tests/fixtures/vN/`, made by the
//!    old commit) and test that they restore into the expected values.
//!
//! A change of meaning with no change of bytes (a spare field put to use) is a new
//! schema too: its steps are the identity, its [`LAYOUT_HASHES`] entry repeats the
//! previous one, and the bump is what makes an older binary refuse the newer files
//! instead of folding them with the old meaning (schema 3).
//!
//! # Implementation
//!
//! 1. [`check_version`] refuses version 0 and anything newer than this binary.
//! 2. The layout hash must be the one recorded for the file's schema.
//! 3. The `to_current` functions run the steps from the file's version on; each step
//!    checks its input's size and sets the version and layout hash it produces.
//!
//! (The "expand, migrate step by step, never reinterpret" discipline of schema
//! evolution: e.g. Kleppmann, "Designing Data-Intensive Applications", 2017, ch. 4.)
//!
//! It must never reinterpret bytes of one version as another's without a step.

mod v1;
mod v1_to_v2;
mod v2;
mod v2_to_v3;
mod v3;

use std::path::Path;

use crate::error::PersistError;
use crate::format::{LAYOUT_HASHES, SCHEMA_VERSION};
use crate::meta::LogMeta;

/// A snapshot as read from disk, at its own schema version.
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawSegmentHeader {
    /// The schema version these fields are in.
    pub schema: u32,
    /// The layout hash recorded.
    pub layout_hash: u64,
}

type Step<T> = fn(&Path, T) -> Result<T, PersistError>;

/// Snapshot steps: entry `i` migrates schema `i + 1` to `i + 2`.
const SNAPSHOT_STEPS: [Step<RawSnapshot>; SCHEMA_VERSION as usize - 1] =
    [v1_to_v2::snapshot, v2_to_v3::snapshot];

/// Segment steps, like [`SNAPSHOT_STEPS`]. A step for segments also owns the record
/// frame conversion of that version (the scanner reads current frames only; every
/// step so far is the identity on records).
const SEGMENT_STEPS: [Step<RawSegmentHeader>; SCHEMA_VERSION as usize - 1] =
    [v1_to_v2::segment, v2_to_v3::segment];

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

/// Refuses a file whose layout hash is not the one its (known) schema was written
/// with.
///
/// # Errors
///
/// [`PersistError::Layout`]; see [`check_version`].
fn check_layout(path: &Path, schema: u32, found: u64) -> Result<(), PersistError> {
    check_version(path, 8, schema)?;
    let expected = LAYOUT_HASHES[schema as usize - 1];
    if found != expected {
        return Err(PersistError::Layout {
            path: path.to_path_buf(),
            schema,
            found,
            expected,
        });
    }
    Ok(())
}

/// Carries a snapshot to [`SCHEMA_VERSION`].
///
/// # Errors
///
/// See [`check_version`] and [`check_layout`]; a failing step's error.
pub(crate) fn snapshot_to_current(
    path: &Path,
    raw: RawSnapshot,
) -> Result<RawSnapshot, PersistError> {
    check_layout(path, raw.schema, raw.layout_hash)?;
    run_steps(path, raw.schema, raw, &SNAPSHOT_STEPS)
}

/// Carries a segment header to [`SCHEMA_VERSION`].
///
/// # Errors
///
/// See [`check_version`] and [`check_layout`]; a failing step's error.
pub(crate) fn segment_to_current(
    path: &Path,
    raw: RawSegmentHeader,
) -> Result<RawSegmentHeader, PersistError> {
    check_layout(path, raw.schema, raw.layout_hash)?;
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
    use crate::format::LAYOUT_HASH;

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
            schema: SCHEMA_VERSION + 1,
            layout_hash: LAYOUT_HASH,
        };
        let err = segment_to_current(Path::new("x"), raw).unwrap_err();
        assert!(matches!(err, PersistError::NewerSchema { .. }), "{err}");
    }

    /// When this fails, a record in `State`, `EventRecord` or the file formats changed:
    /// bump the schema and add a migration step (module docs), then append the new hash
    /// to `LAYOUT_HASHES`.
    #[test]
    fn the_current_schema_and_layout_hash_are_pinned() {
        assert_eq!(
            (SCHEMA_VERSION, format!("{LAYOUT_HASH:#018x}")),
            (
                3,
                format!("{:#018x}", LAYOUT_HASHES[SCHEMA_VERSION as usize - 1])
            )
        );
        // Schema 3 changed meanings, not layouts: it shares schema 2's hash (a schema
        // is told by its version; the hash only guards its layout).
        assert_eq!(LAYOUT_HASHES[2], LAYOUT_HASHES[1]);
        let current = RawSegmentHeader {
            schema: SCHEMA_VERSION,
            layout_hash: LAYOUT_HASH,
        };
        assert_eq!(
            segment_to_current(Path::new("x"), current.clone()).unwrap(),
            current
        );
    }

    #[test]
    fn a_known_schema_with_another_layout_is_refused_naming_it() {
        for schema in 1..=SCHEMA_VERSION {
            let raw = RawSegmentHeader {
                schema,
                layout_hash: LAYOUT_HASHES[schema as usize - 1] ^ 1,
            };
            let err = segment_to_current(Path::new("x.log"), raw).unwrap_err();
            assert!(
                matches!(err, PersistError::Layout { schema: s, .. } if s == schema),
                "{err}"
            );
            assert!(err.to_string().contains("docs/versioning.md"), "{err}");
        }
    }
}
