//! Schema 2's `State` bytes, frozen (`STATE_LAYOUT_VERSION` 2): schema 1's with
//! three more fields in each position (`mark`, `mark_ns`, `marked`). What the
//! `v1_to_v2` step produces, described without the live types so that the step stays
//! right after schema 3. While schema 2 was current a test checked this was exactly
//! the live `State`; schema 3 kept these bytes, and that test lives on in `v3.rs`.
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
