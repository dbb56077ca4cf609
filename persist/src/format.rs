//! The on-disk constants shared by segments and snapshots: magics, [`SCHEMA_VERSION`],
//! [`layout_hash`], the record frame size, and the file names.
//!
//! Progress: constants and `const fn`s.
//!
//! # Example
//!
//! ```
//! use seamless_persist::format::{self, SCHEMA_VERSION};
//! assert_eq!(SCHEMA_VERSION, 3);
//! assert_eq!(format::segment_name(42), "events-00000000000000000042.log");
//! assert_eq!(format::parse_segment_name("events-00000000000000000042.log"), Some(42));
//! assert_eq!(format::RECORD_BYTES, 80);
//! ```
//!
//! # Implementation
//!
//! 1. Every multi-byte number on disk is little-endian, written through zerocopy's
//!    [`byteorder`](zerocopy::byteorder) types, so no field depends on the host. The
//!    two exceptions are the [`EventRecord`] payload and the [`State`] bytes, which
//!    are the domain's own `#[repr(C)]` native-endian records; the crate refuses to
//!    build for a big-endian target, so on every supported host they are
//!    little-endian too.
//! 2. [`layout_hash`] mixes the sizes and alignments of [`EventRecord`], [`State`],
//!    [`InstrumentRow`] and the record frame, [`STATE_LAYOUT_HASH`] (every field of
//!    `State` and of the records inside it: name, offset, size) and
//!    [`STATE_LAYOUT_VERSION`] with the region's FNV-1a [`LayoutHasher`]: a file
//!    written by a build whose records differ at the same schema version is refused,
//!    never misread. [`LAYOUT_HASHES`] keeps the hash each schema was written with.
//!    The hash names a layout, not a meaning: a schema that only gives bytes a new
//!    meaning (schema 3) keeps its predecessor's hash, and the version alone tells
//!    the two apart.
//! 3. File names carry the sequence number in 20 zero-padded digits (`u64::MAX` has
//!    20), so a directory listing sorts in log order.
//!
//! It must never change a byte's meaning without bumping [`SCHEMA_VERSION`] and adding
//! a migration step (`migrate`).

use seamless_core::domain::{EventRecord, STATE_LAYOUT_VERSION, State};
use seamless_core::shared::InstrumentRow;
use seamless_core::shared::layout::STATE_LAYOUT_HASH;
use seamless_ipc::region::LayoutHasher;

#[cfg(target_endian = "big")]
compile_error!(
    "seamless-persist writes EventRecord and State bytes as they are in memory: little-endian hosts only"
);

/// Schema version of segment and snapshot files written by this build. Files with a
/// newer version are refused; older ones go through the `migrate` chain.
///
/// History: 1, the first; 2, `Position` gained its mark (`State` layout 2; the
/// segment records did not change); 3, spare record fields gained a meaning
/// (`reconciliation_mismatch` f2/f3: both average prices; `position_synced` f2: the
/// realized P&L the fold books), same bytes as 2, so that a schema-2 binary refuses
/// these logs instead of folding them without the booked P&L. docs/versioning.md says
/// when to bump it.
pub const SCHEMA_VERSION: u32 = 3;

/// The [`layout_hash`] of the build that wrote each schema: entry `i` is schema
/// `i + 1`'s, and a file of that schema must carry it. Frozen: an entry never changes
/// once released; the last one is this build's [`LAYOUT_HASH`] (a test pins it).
pub const LAYOUT_HASHES: [u64; SCHEMA_VERSION as usize] = [
    // Schema 1, as written by commit 44dd3efba6d5 (persist/tests/fixtures/v1).
    0xaa77_78d2_b5eb_fceb,
    // Schema 2: `Position` with its mark.
    0xf717_da8a_bc11_bed0,
    // Schema 3: schema 2's layout (no size, field or `State` change), so schema 2's
    // hash; only the meaning of spare `EventRecord` fields changed, which the version
    // carries.
    0xf717_da8a_bc11_bed0,
];

/// First 8 bytes of a log segment.
pub const SEGMENT_MAGIC: [u8; 8] = *b"SEAMLOG\0";

/// First 8 bytes of a snapshot.
pub const SNAPSHOT_MAGIC: [u8; 8] = *b"SEAMSNP\0";

/// The largest sequence number a file may hold (`i64::MAX`): far beyond any real log,
/// and it keeps every `seq + n` in range, so a crafted header cannot overflow.
pub const MAX_SEQ: u64 = i64::MAX as u64;

/// Bytes of one framed record in a segment: 24 bytes of frame head + the 56-byte
/// [`EventRecord`].
pub const RECORD_BYTES: usize = 24 + EventRecord::SIZE;

/// The payload length every v1 record frame declares.
pub const PAYLOAD_BYTES: u32 = EventRecord::SIZE as u32;

/// Hash of the record layouts this build reads and writes (see the module docs).
pub const fn layout_hash() -> u64 {
    LayoutHasher::new()
        .str("seamless-persist")
        .record(
            "EventRecord",
            size_of::<EventRecord>(),
            align_of::<EventRecord>(),
        )
        .record("State", size_of::<State>(), align_of::<State>())
        .u64(STATE_LAYOUT_VERSION as u64)
        .u64(STATE_LAYOUT_HASH)
        .record(
            "InstrumentRow",
            size_of::<InstrumentRow>(),
            align_of::<InstrumentRow>(),
        )
        .record("frame", RECORD_BYTES, 1)
        .finish()
}

/// [`layout_hash`] as a constant.
pub const LAYOUT_HASH: u64 = layout_hash();

const SEGMENT_PREFIX: &str = "events-";
const SEGMENT_SUFFIX: &str = ".log";
const SNAPSHOT_PREFIX: &str = "snapshot-";
const SNAPSHOT_SUFFIX: &str = ".snap";
/// Suffix of a snapshot being written (renamed away when complete).
pub const TEMP_SUFFIX: &str = ".tmp";
/// The writer lock file: [`LogWriter`](crate::LogWriter) holds an exclusive `flock` on
/// it while open, so two persisters never append to one directory.
pub const LOCK_FILE: &str = "writer.lock";
/// Subdirectory that `restore` with repair moves corrupt files into.
pub const QUARANTINE_DIR: &str = "quarantine";

/// `events-<first seq, 20 digits>.log`.
pub fn segment_name(first_seq: u64) -> String {
    format!("{SEGMENT_PREFIX}{first_seq:020}{SEGMENT_SUFFIX}")
}

/// `snapshot-<last seq, 20 digits>.snap`.
pub fn snapshot_name(last_seq: u64) -> String {
    format!("{SNAPSHOT_PREFIX}{last_seq:020}{SNAPSHOT_SUFFIX}")
}

/// The first sequence number in a segment file name, if it is one.
pub fn parse_segment_name(name: &str) -> Option<u64> {
    parse_seq(name, SEGMENT_PREFIX, SEGMENT_SUFFIX)
}

/// The last sequence number in a snapshot file name, if it is one.
pub fn parse_snapshot_name(name: &str) -> Option<u64> {
    parse_seq(name, SNAPSHOT_PREFIX, SNAPSHOT_SUFFIX)
}

fn parse_seq(name: &str, prefix: &str, suffix: &str) -> Option<u64> {
    let digits = name.strip_prefix(prefix)?.strip_suffix(suffix)?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_sort_in_log_order() {
        assert_eq!(parse_segment_name(&segment_name(u64::MAX)), Some(u64::MAX));
        assert_eq!(parse_snapshot_name(&snapshot_name(7)), Some(7));
        assert!(segment_name(9) < segment_name(10));
        for bad in [
            "events-1.log",
            "events-0000000000000000004x.log",
            "events-00000000000000000042.log.tmp",
            "snapshot-00000000000000000042.snap",
            "events-99999999999999999999.log",
        ] {
            assert_eq!(parse_segment_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn layout_hash_is_not_the_empty_hash() {
        assert_ne!(LAYOUT_HASH, LayoutHasher::new().finish());
    }
}
