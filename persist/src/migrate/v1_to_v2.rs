//! The schema 1 -> 2 steps. Snapshots: each position row grows from 16 to 18 words
//! and takes its mark (`mark`, `mark_ns`, `marked`) from the instrument's market row
//! in the same snapshot; every other byte is carried over unchanged. Segments: the
//! identity (the record frames and `EventRecord` did not change; only the header's
//! version and layout hash do).
//!
//! The snapshot step loses nothing: in every state the schema-1 fold could reach, a
//! position was revalued at its market's mark whenever that mark changed, which is
//! exactly when the schema-2 fold records it in the position (core's
//! `positions_carry_their_instruments_mark` property). So a migrated snapshot equals
//! the schema-2 fold of the same events, byte for byte (tested below and against the
//! v1 fixture by `seamless log verify`).
//!
//! Progress: plain functions, O(state size).
//!
//! # Implementation
//!
//! 1. Check the input is exactly [`v1::STATE_BYTES`].
//! 2. Copy the prefix (account, runner, counters) and everything from the market
//!    table on, at their new offsets ([`v2`]).
//! 3. Per instrument, read the frozen v1 position and market rows and write the v2
//!    position.
//!
//! It must never read or write the live `State` type: only the frozen layouts.

use std::path::Path;

use zerocopy::{FromBytes, IntoBytes};

use super::{RawSegmentHeader, RawSnapshot, v1, v2};
use crate::error::PersistError;
use crate::format::LAYOUT_HASHES;

/// Offset of the state-length field in a snapshot header (where a wrong size shows).
const STATE_LEN_FIELD: u64 = 44;

/// Migrates a schema-1 snapshot to schema 2.
///
/// # Errors
///
/// [`PersistError::Corrupt`] if the state is not [`v1::STATE_BYTES`] long.
pub(super) fn snapshot(path: &Path, raw: RawSnapshot) -> Result<RawSnapshot, PersistError> {
    debug_assert_eq!(raw.schema, 1);
    let Some(state) = state(&raw.state) else {
        let what = format!(
            "schema-1 state is {} bytes, schema 1's State is {}",
            raw.state.len(),
            v1::STATE_BYTES
        );
        return Err(PersistError::corrupt(path, STATE_LEN_FIELD, None, what));
    };
    Ok(RawSnapshot {
        schema: 2,
        layout_hash: LAYOUT_HASHES[1],
        state,
        ..raw
    })
}

/// Migrates a schema-1 segment header to schema 2: the records are the same.
///
/// # Errors
///
/// None today; the signature is every step's.
pub(super) fn segment(
    _path: &Path,
    raw: RawSegmentHeader,
) -> Result<RawSegmentHeader, PersistError> {
    debug_assert_eq!(raw.schema, 1);
    Ok(RawSegmentHeader {
        schema: 2,
        layout_hash: LAYOUT_HASHES[1],
    })
}

/// Schema-1 `State` bytes as schema-2 bytes (`None` if the length is wrong).
pub(super) fn state(old: &[u8]) -> Option<Vec<u8>> {
    if old.len() != v1::STATE_BYTES {
        return None;
    }
    let mut new = vec![0u8; v2::STATE_BYTES];
    new[..v2::PREFIX].copy_from_slice(&old[..v1::PREFIX]);
    new[v2::MARKET..].copy_from_slice(&old[v1::MARKET..]);
    let positions = old[v1::POSITIONS..v1::MARKET].chunks_exact(size_of::<v1::Position>());
    let markets = old[v1::MARKET..v1::TAIL].chunks_exact(size_of::<v1::Market>());
    let out = new[v2::POSITIONS..v2::MARKET].chunks_exact_mut(size_of::<v2::Position>());
    for ((p, m), out) in positions.zip(markets).zip(out) {
        let p = v1::Position::read_from_bytes(p).ok()?;
        let m = v1::Market::read_from_bytes(m).ok()?;
        out.copy_from_slice(position(&p, &m).as_bytes());
    }
    Some(new)
}

/// One position row: every schema-1 field kept, the mark from the market row.
fn position(p: &v1::Position, m: &v1::Market) -> v2::Position {
    let marked = m.updates != 0;
    v2::Position {
        qty: p.qty,
        cost: p.cost,
        avg_price: p.avg_price,
        realized_pnl: p.realized_pnl,
        trip_realized_pnl: p.trip_realized_pnl,
        unrealized_pnl: p.unrealized_pnl,
        market_value: p.market_value,
        mark: if marked { m.last } else { 0 },
        mark_ns: if marked { m.updated_ns } else { 0 },
        broker_qty: p.broker_qty,
        broker_avg_price: p.broker_avg_price,
        broker_ns: p.broker_ns,
        opened_ns: p.opened_ns,
        updated_ns: p.updated_ns,
        fills: p.fills,
        mismatches: p.mismatches,
        mismatch_open: p.mismatch_open,
        marked: u8::from(marked),
        _pad: [0; 6],
        _reserved: p._reserved,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use zerocopy::IntoBytes;

    use super::*;
    use crate::bench::Synthetic;
    use crate::meta::LogMeta;

    /// Schema-2 bytes as schema 1 would have held them (the marks dropped): the
    /// inverse of [`state`], for the tests only.
    fn downgrade(new: &[u8]) -> Vec<u8> {
        assert_eq!(new.len(), v2::STATE_BYTES);
        let mut old = vec![0u8; v1::STATE_BYTES];
        old[..v1::PREFIX].copy_from_slice(&new[..v2::PREFIX]);
        old[v1::MARKET..].copy_from_slice(&new[v2::MARKET..]);
        let rows = new[v2::POSITIONS..v2::MARKET].chunks_exact(size_of::<v2::Position>());
        let out = old[v1::POSITIONS..v1::MARKET].chunks_exact_mut(size_of::<v1::Position>());
        for (p, out) in rows.zip(out) {
            let p = v2::Position::read_from_bytes(p).unwrap();
            let q = v1::Position {
                qty: p.qty,
                cost: p.cost,
                avg_price: p.avg_price,
                realized_pnl: p.realized_pnl,
                trip_realized_pnl: p.trip_realized_pnl,
                unrealized_pnl: p.unrealized_pnl,
                market_value: p.market_value,
                broker_qty: p.broker_qty,
                broker_avg_price: p.broker_avg_price,
                broker_ns: p.broker_ns,
                opened_ns: p.opened_ns,
                updated_ns: p.updated_ns,
                fills: p.fills,
                mismatches: p.mismatches,
                mismatch_open: p.mismatch_open,
                _pad: [0; 7],
                _reserved: p._reserved,
            };
            out.copy_from_slice(q.as_bytes());
        }
        old
    }

    fn row<T: FromBytes>(bytes: &[u8], table: usize, i: usize) -> T {
        let at = table + i * size_of::<T>();
        T::read_from_bytes(&bytes[at..at + size_of::<T>()]).unwrap()
    }

    #[test]
    fn every_field_is_kept_and_the_mark_comes_from_the_market_row() {
        let mut old = vec![0u8; v1::STATE_BYTES];
        // A recognisable byte pattern everywhere, so misplaced copies show.
        for (i, b) in old.iter_mut().enumerate() {
            *b = (i % 251) as u8;
        }
        let marked = v1::Market {
            last: 123_456,
            updated_ns: 77,
            updates: 3,
            ..v1::Market::default()
        };
        let unmarked = v1::Market {
            last: 999,
            updated_ns: 55,
            ..v1::Market::default()
        };
        for (i, m) in [(5, marked), (6, unmarked)] {
            let at = v1::MARKET + i * size_of::<v1::Market>();
            old[at..at + 48].copy_from_slice(m.as_bytes());
        }
        let p5: v1::Position = row(&old, v1::POSITIONS, 5);
        let new = state(&old).unwrap();
        assert_eq!(new.len(), v2::STATE_BYTES);
        assert_eq!(new[..v2::PREFIX], old[..v1::PREFIX]);
        assert_eq!(new[v2::MARKET..], old[v1::MARKET..]);
        let q5: v2::Position = row(&new, v2::POSITIONS, 5);
        assert_eq!((q5.mark, q5.mark_ns, q5.marked), (123_456, 77, 1));
        assert_eq!(
            (q5.qty, q5.market_value, q5.broker_qty, q5.mismatches),
            (p5.qty, p5.market_value, p5.broker_qty, p5.mismatches)
        );
        assert_eq!(
            (q5.mismatch_open, q5._reserved),
            (p5.mismatch_open, p5._reserved)
        );
        let q6: v2::Position = row(&new, v2::POSITIONS, 6);
        assert_eq!((q6.mark, q6.mark_ns, q6.marked), (0, 0, 0));
        assert!(state(&old[1..]).is_none());
        assert!(state(&new).is_none());
    }

    #[test]
    fn a_snapshot_of_the_wrong_size_is_corrupt_and_the_segment_step_is_the_identity() {
        let raw = RawSnapshot {
            schema: 1,
            layout_hash: LAYOUT_HASHES[0],
            last_seq: 0,
            created_ns: 0,
            meta: LogMeta::default(),
            state: vec![0; v1::STATE_BYTES - 8],
        };
        let err = snapshot(Path::new("s.snap"), raw).unwrap_err();
        assert!(
            err.to_string().contains("schema 1's State is 44272"),
            "{err}"
        );
        let seg = RawSegmentHeader {
            schema: 1,
            layout_hash: LAYOUT_HASHES[0],
        };
        let out = segment(Path::new("e.log"), seg).unwrap();
        assert_eq!((out.schema, out.layout_hash), (2, LAYOUT_HASHES[1]));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Any state the fold reaches, held in schema 1's layout, migrates to exactly
        /// that state: the step recovers the marks the v1 bytes do not hold.
        #[test]
        fn a_v1_fold_migrates_to_the_v2_fold(seed in any::<u64>(), events in 0usize..3_000) {
            let mut stream = Synthetic::new(seed);
            for _ in 0..events {
                stream.next_event();
            }
            let live = stream.state().as_bytes();
            prop_assert_eq!(state(&downgrade(live)).unwrap(), live.to_vec());
        }

        /// Arbitrary schema-1 bytes migrate without panicking, and nothing of them is
        /// lost (only the positions' padding, zero in every real file, is not kept).
        #[test]
        fn arbitrary_v1_bytes_round_trip(words in prop::collection::vec(any::<u64>(), v1::STATE_BYTES / 8)) {
            let mut old: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
            for i in 0..v1::ROWS {
                let pad = v1::POSITIONS + i * size_of::<v1::Position>() + 113;
                old[pad..pad + 7].fill(0);
            }
            let new = state(&old).unwrap();
            prop_assert_eq!(downgrade(&new), old);
        }
    }
}
