//! Schema 2's `State` bytes, frozen (`STATE_LAYOUT_VERSION` 2): schema 1's with
//! three more fields in each position (`mark`, `mark_ns`, `marked`). What the
//! `v1_to_v2` step produces, described without the live types so that the step stays
//! right after schema 3. While schema 2 is current a test checks this is exactly the
//! live `State` (when schema 3 comes, that test moves to `v3.rs`).
//!
//! Progress: constants and plain data.
//!
//! # Layout
//!
//! | bytes | field | as |
//! |---|---|---|
//! | 0..240 | as schema 1 | [`PREFIX`], opaque |
//! | 240..9 456 | 64 positions | [`Position`], 144 bytes each |
//! | 9 456..45 296 | market, monitors, signals: as schema 1 | [`MARKET`].., opaque |
//!
//! It must never be edited once schema 3 exists.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Bytes of a schema-2 `State`.
pub(crate) const STATE_BYTES: usize = 45_296;
/// Rows in each per-instrument table.
pub(crate) const ROWS: usize = 64;
/// Bytes `0..PREFIX`: as schema 1.
pub(crate) const PREFIX: usize = 240;
/// Offset of the position table.
pub(crate) const POSITIONS: usize = PREFIX;
/// Offset of the market table; from here to the end the bytes are schema 1's.
pub(crate) const MARKET: usize = POSITIONS + ROWS * size_of::<Position>();

const _: () = assert!(size_of::<Position>() == 144 && MARKET == 9_456);
const _: () = assert!(STATE_BYTES - MARKET == super::v1::STATE_BYTES - super::v1::MARKET);

/// A schema-2 position row (18 words).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub(crate) struct Position {
    pub qty: i64,
    pub cost: i64,
    pub avg_price: i64,
    pub realized_pnl: i64,
    pub trip_realized_pnl: i64,
    pub unrealized_pnl: i64,
    pub market_value: i64,
    /// New in schema 2.
    pub mark: i64,
    /// New in schema 2.
    pub mark_ns: u64,
    pub broker_qty: i64,
    pub broker_avg_price: i64,
    pub broker_ns: u64,
    pub opened_ns: u64,
    pub updated_ns: u64,
    pub fills: u64,
    pub mismatches: u64,
    pub mismatch_open: u8,
    /// New in schema 2.
    pub marked: u8,
    pub _pad: [u8; 6],
    pub _reserved: u64,
}

#[cfg(test)]
mod tests {
    use std::mem::offset_of;

    use seamless_core::domain::{self as live, STATE_FIELDS};

    use super::*;

    /// The frozen schema-2 layout is the live one while schema 2 is current. When this
    /// fails, the live `State` changed: that is schema 3 (see the `migrate` docs).
    #[test]
    fn frozen_v2_is_the_live_layout() {
        assert_eq!(crate::format::SCHEMA_VERSION, 2);
        assert_eq!(size_of::<live::State>(), STATE_BYTES);
        let field = |name: &str| STATE_FIELDS.iter().find(|f| f.0 == name).unwrap().1;
        assert_eq!(field("positions"), POSITIONS);
        assert_eq!(field("market"), MARKET);
        assert_eq!(size_of::<live::Position>(), size_of::<Position>());
        macro_rules! same {
            ($($f:ident),*) => {$(
                assert_eq!(
                    offset_of!(live::Position, $f),
                    offset_of!(Position, $f),
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
        // The fold's rows behind the market offset are unchanged since schema 1.
        assert_eq!(
            size_of::<live::Market>(),
            size_of::<super::super::v1::Market>()
        );
    }
}
