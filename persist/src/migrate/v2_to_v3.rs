//! The schema 2 -> 3 steps: the identity on the bytes, for snapshots and segments
//! alike; only the version and the layout hash they are labelled with change (the
//! hash to schema 3's entry, which is schema 2's: no layout changed).
//!
//! Schema 3 gave a meaning to record fields schema 2 always wrote as zero
//! (`reconciliation_mismatch` f2/f3, `position_synced` f2; [`v3`]). A schema-2 record
//! read under schema 3 therefore says "no average recorded" and "no realized P&L
//! booked with this sync", which is exactly what schema 2 folded: the schema-3 fold of
//! a schema-2 log equals the schema-2 fold, and a schema-2 snapshot is already the
//! schema-3 state of the same events (the `State` layout and the fold of every
//! schema-2 record are unchanged). Nothing is lost, nothing is derived. (Tested below
//! on a sync, and against the v2 fixture, whose log holds schema-2 syncs and
//! mismatches, by persist/tests/migrate_v2.rs and `seamless log verify`.)
//!
//! Progress: plain functions, O(1) (the snapshot's state bytes move, they are not
//! copied).
//!
//! # Implementation
//!
//! 1. Snapshots: check the state is exactly [`v2::STATE_BYTES`] long, relabel.
//! 2. Segments: relabel the header; the record frames are read as they are.
//!
//! It must never rewrite a record or the state: a schema-2 zero already means what
//! schema 3 means by it.

use std::path::Path;

use super::{RawSegmentHeader, RawSnapshot, v2, v3};
use crate::error::PersistError;
use crate::format::LAYOUT_HASHES;

/// Offset of the state-length field in a snapshot header (where a wrong size shows).
const STATE_LEN_FIELD: u64 = 44;

/// Migrates a schema-2 snapshot to schema 3: the same state bytes.
///
/// # Errors
///
/// [`PersistError::Corrupt`] if the state is not [`v2::STATE_BYTES`] long.
pub(super) fn snapshot(path: &Path, raw: RawSnapshot) -> Result<RawSnapshot, PersistError> {
    debug_assert_eq!(raw.schema, 2);
    if raw.state.len() != v2::STATE_BYTES {
        let what = format!(
            "schema-2 state is {} bytes, schema 2's State is {}",
            raw.state.len(),
            v2::STATE_BYTES
        );
        return Err(PersistError::corrupt(path, STATE_LEN_FIELD, None, what));
    }
    debug_assert_eq!(raw.state.len(), v3::STATE_BYTES);
    Ok(RawSnapshot {
        schema: 3,
        layout_hash: LAYOUT_HASHES[2],
        ..raw
    })
}

/// Migrates a schema-2 segment header to schema 3: the record frames are the same
/// bytes, and a schema-2 record's zero fields mean what schema 3 means by zero.
///
/// # Errors
///
/// None today; the signature is every step's.
pub(super) fn segment(
    _path: &Path,
    raw: RawSegmentHeader,
) -> Result<RawSegmentHeader, PersistError> {
    debug_assert_eq!(raw.schema, 2);
    Ok(RawSegmentHeader {
        schema: 3,
        layout_hash: LAYOUT_HASHES[2],
    })
}

#[cfg(test)]
mod tests {
    use seamless_core::domain::{
        Event, EventBody, EventRecord, InstrumentId, Money, Price, Qty, State,
    };
    use zerocopy::IntoBytes;

    use super::*;
    use crate::bench::Synthetic;
    use crate::meta::LogMeta;

    fn raw(state: Vec<u8>) -> RawSnapshot {
        RawSnapshot {
            schema: 2,
            layout_hash: LAYOUT_HASHES[1],
            last_seq: 42,
            created_ns: 7,
            meta: LogMeta::default(),
            state,
        }
    }

    #[test]
    fn a_snapshot_keeps_every_byte_and_takes_schema_3s_label() {
        let state: Vec<u8> = (0..v2::STATE_BYTES).map(|i| (i % 251) as u8).collect();
        let out = snapshot(Path::new("s.snap"), raw(state.clone())).unwrap();
        assert_eq!((out.schema, out.layout_hash), (3, LAYOUT_HASHES[2]));
        assert_eq!((out.last_seq, out.created_ns), (42, 7));
        assert_eq!(out.state, state);
    }

    #[test]
    fn a_snapshot_of_the_wrong_size_is_corrupt() {
        let err = snapshot(Path::new("s.snap"), raw(vec![0; v2::STATE_BYTES - 8])).unwrap_err();
        assert!(
            err.to_string().contains("schema 2's State is 45296"),
            "{err}"
        );
    }

    #[test]
    fn the_segment_step_relabels_the_header_only() {
        let seg = RawSegmentHeader {
            schema: 2,
            layout_hash: LAYOUT_HASHES[1],
        };
        let out = segment(Path::new("e.log"), seg).unwrap();
        assert_eq!((out.schema, out.layout_hash), (3, LAYOUT_HASHES[2]));
    }

    /// A `position_synced` as schema 2 wrote it (no realized P&L field) folds under
    /// schema 3 exactly as the schema-2 fold did: the basis moves, realized P&L and
    /// cash do not.
    #[test]
    fn a_schema_2_sync_books_no_realized_pnl() {
        let mut stream = Synthetic::new(3);
        for _ in 0..400 {
            stream.next_event();
        }
        let mut state: State = stream.state().clone();
        let id = InstrumentId(0);
        let before = (state.account().realized_pnl, state.account().cash);
        let p = *state.position(id).unwrap();
        let (qty, avg_price) = (
            Qty::from_raw(p.qty.raw() + 1_000_000),
            Price::from_raw(p.avg_price.raw() + 100_000_000),
        );
        let ev = Event::new(
            state.last_ts_ns() + 1,
            EventBody::PositionSynced {
                instrument: id,
                qty,
                avg_price,
                realized_pnl: Money::ZERO,
            },
        );
        // Its bytes carry zero where schema 3 keeps the realized P&L.
        let record: EventRecord = ev.to_record();
        assert!(record.as_bytes()[32..40].iter().all(|&b| b == 0));
        let seq = state.last_seq() + 1;
        let _ = state.apply(seq, &record.decode().unwrap()).unwrap();
        assert_eq!((state.account().realized_pnl, state.account().cash), before);
        let q = state.position(id).unwrap();
        assert_eq!(q.realized_pnl, p.realized_pnl);
        assert_eq!((q.qty, q.cost), (qty, avg_price.notional_saturating(qty)));
        assert_ne!(q.cost, p.cost, "the basis moved");
    }
}
