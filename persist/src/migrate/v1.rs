//! Schema 1's `State` bytes, frozen: the layout commit 44dd3efba6d5 wrote
//! (`STATE_LAYOUT_VERSION` 1). Described by byte offsets and `#[repr(C)]` structs of
//! plain integers, never by the live types, so it stays true whatever the domain
//! becomes.
//!
//! Progress: constants and plain data.
//!
//! # Layout
//!
//! | bytes | field | as |
//! |---|---|---|
//! | 0..240 | `last_seq` (0..8), `last_ts_ns`, `account`, `runner`, `counters` | [`PREFIX`], opaque |
//! | 240..8 432 | 64 positions | [`Position`], 128 bytes each |
//! | 8 432..11 504 | 64 market rows | [`Market`], 48 bytes each |
//! | 11 504..44 272 | 64 monitors (56 bytes), 64 signal logs (456 bytes) | [`TAIL`], opaque |
//!
//! All little-endian (the crate refuses big-endian targets). Prices, quantities and
//! money are fixed-point `i64` with 8 decimals.
//!
//! It must never be edited: files of schema 1 exist.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Bytes of a schema-1 `State`.
pub(crate) const STATE_BYTES: usize = 44_272;
/// Rows in each per-instrument table.
pub(crate) const ROWS: usize = 64;
/// Bytes `0..PREFIX`: `last_seq`, `last_ts_ns`, the account, the runner and the
/// counters.
pub(crate) const PREFIX: usize = 240;
/// Offset of the position table.
pub(crate) const POSITIONS: usize = PREFIX;
/// Offset of the market table.
pub(crate) const MARKET: usize = POSITIONS + ROWS * size_of::<Position>();
/// Offset of the monitor and signal tables, which run to the end.
pub(crate) const TAIL: usize = MARKET + ROWS * size_of::<Market>();

const _: () = assert!(size_of::<Position>() == 128 && size_of::<Market>() == 48);
const _: () = assert!(MARKET == 8_432 && TAIL == 11_504);
const _: () = assert!(TAIL + ROWS * (56 + 456) == STATE_BYTES);

/// A schema-1 position row (16 words).
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
    pub broker_qty: i64,
    pub broker_avg_price: i64,
    pub broker_ns: u64,
    pub opened_ns: u64,
    pub updated_ns: u64,
    pub fills: u64,
    pub mismatches: u64,
    pub mismatch_open: u8,
    pub _pad: [u8; 7],
    pub _reserved: u64,
}

/// A schema-1 market row of the fold (6 words): `last` is the mark once `updates`
/// is not 0.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub(crate) struct Market {
    pub bid: i64,
    pub ask: i64,
    pub last: i64,
    pub updated_ns: u64,
    pub updates: u64,
    pub _reserved: u64,
}
