//! Schema 3's bytes, frozen: exactly schema 2's ([`v2`](super::v2): the same `State`,
//! `STATE_LAYOUT_VERSION` 2, and the same 56-byte `EventRecord` frames). What changed
//! is the meaning of three record fields that schema 2 always wrote as zero:
//!
//! | kind (code) | field | bytes of the record | schema 2 | schema 3 |
//! |---|---|---|---|---|
//! | `reconciliation_mismatch` (13) | f2 | 32..40 | 0 | our average price (`Price` raw) |
//! | `reconciliation_mismatch` (13) | f3 | 40..48 | 0 | the broker's average price (`Price` raw) |
//! | `position_synced` (14) | f2 | 32..40 | 0 | the realized P&L the fold books with the sync (`Money` raw) |
//!
//! A zero in them means what schema 2 meant (no average recorded; no correction
//! booked, the basis change then shows in unrealized P&L only), so the `v2_to_v3`
//! steps are the identity. The version is bumped all the same: a schema-2 binary
//! would ignore the realized P&L of a schema-3 `position_synced` and fold other books,
//! so it must refuse these files instead (docs/versioning.md).
//!
//! Progress: constants only.
//!
//! It must never be edited once schema 4 exists. While schema 3 is current a test
//! checks this is exactly the live layout (when schema 4 comes, that test moves to
//! `v4.rs`).

/// Bytes of a schema-3 `State`: schema 2's.
pub(crate) const STATE_BYTES: usize = super::v2::STATE_BYTES;

#[cfg(test)]
mod tests {
    use std::mem::offset_of;

    use seamless_core::domain::{
        self as live, Event, EventBody, EventKind, EventRecord, InstrumentId, Money, Price, Qty,
        STATE_FIELDS, STATE_LAYOUT_VERSION,
    };
    use zerocopy::IntoBytes;

    use super::super::v2;
    use super::*;

    /// Bytes of a schema-3 `EventRecord` (a record frame's payload): schema 2's.
    const RECORD_BYTES: usize = 56;
    /// Kind codes of the two kinds whose spare fields gained a meaning.
    const RECONCILIATION_MISMATCH: u16 = 13;
    const POSITION_SYNCED: u16 = 14;
    /// Offsets of f2 and f3 in the record (little-endian `i64`s).
    const F2: usize = 32;
    const F3: usize = 40;

    fn word(record: &EventRecord, at: usize) -> i64 {
        i64::from_le_bytes(record.as_bytes()[at..at + 8].try_into().unwrap())
    }

    /// The frozen schema-3 layout is the live one while schema 3 is current. When this
    /// fails, the live `State` or `EventRecord` changed: that is schema 4 (see the
    /// `migrate` docs).
    #[test]
    fn frozen_v3_is_the_live_layout() {
        assert_eq!(crate::format::SCHEMA_VERSION, 3);
        assert_eq!(STATE_LAYOUT_VERSION, 2);
        assert_eq!(size_of::<live::State>(), STATE_BYTES);
        let field = |name: &str| STATE_FIELDS.iter().find(|f| f.0 == name).unwrap().1;
        assert_eq!(field("positions"), v2::POSITIONS);
        assert_eq!(field("market"), v2::MARKET);
        assert_eq!(size_of::<live::Position>(), size_of::<v2::Position>());
        macro_rules! same {
            ($($f:ident),*) => {$(
                assert_eq!(
                    offset_of!(live::Position, $f),
                    offset_of!(v2::Position, $f),
                    stringify!($f)
                );
            )*};
        }
        same!(
            qty,
            cost,
            avg_price,
            realized_pnl,
            trip_realized_pnl,
            unrealized_pnl,
            market_value,
            mark,
            mark_ns,
            broker_qty,
            broker_avg_price,
            broker_ns,
            opened_ns,
            updated_ns,
            fills,
            mismatches,
            mismatch_open,
            marked,
            _reserved
        );
        assert_eq!(size_of::<EventRecord>(), RECORD_BYTES);
        assert_eq!(
            EventKind::ReconciliationMismatch.code(),
            RECONCILIATION_MISMATCH
        );
        assert_eq!(EventKind::PositionSynced.code(), POSITION_SYNCED);
    }

    /// The fields schema 3 gave a meaning sit where the table says, and their zero
    /// decodes to schema 2's meaning.
    #[test]
    fn the_new_fields_are_where_the_table_says() {
        let instrument = InstrumentId(3);
        let mismatch = Event::new(
            9,
            EventBody::ReconciliationMismatch {
                instrument,
                ours: Qty::from_raw(1),
                broker: Qty::from_raw(2),
                ours_avg_price: Price::from_raw(111),
                broker_avg_price: Price::from_raw(222),
            },
        )
        .to_record();
        assert_eq!(mismatch.kind_code(), RECONCILIATION_MISMATCH);
        assert_eq!((word(&mismatch, F2), word(&mismatch, F3)), (111, 222));
        let synced = Event::new(
            9,
            EventBody::PositionSynced {
                instrument,
                qty: Qty::from_raw(5),
                avg_price: Price::from_raw(7),
                realized_pnl: Money::from_raw(-333),
            },
        )
        .to_record();
        assert_eq!(synced.kind_code(), POSITION_SYNCED);
        assert_eq!(word(&synced, F2), -333);

        // The same records as schema 2 wrote them: the new fields zero.
        let mut bytes = synced.as_bytes().to_vec();
        bytes[F2..F2 + 8].fill(0);
        let old = <EventRecord as zerocopy::FromBytes>::read_from_bytes(&bytes).unwrap();
        match old.decode().unwrap().body {
            EventBody::PositionSynced { realized_pnl, .. } => assert!(realized_pnl.is_zero()),
            other => panic!("{other:?}"),
        }
    }
}
