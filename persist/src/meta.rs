//! [`LogMeta`]: what every segment and snapshot header records besides the sequence
//! numbers, today the run's instrument table (so `log dump` can name instruments with
//! no process running), and its little-endian byte form.
//!
//! Progress: plain data; encoding allocates only the output.
//!
//! # Example
//!
//! ```
//! use seamless_core::domain::{Instruments, Qty};
//! use seamless_persist::LogMeta;
//! let mut table = Instruments::new();
//! table.add("BTCUSD", "0.01".parse().unwrap(), Qty::ONE).unwrap();
//! let meta = LogMeta::from_table(&table);
//! assert_eq!(meta.instruments_table().unwrap().symbol(seamless_core::domain::InstrumentId(0)), Some("BTCUSD"));
//! ```
//!
//! # Implementation
//!
//! 1. Each [`InstrumentRow`] is written as 48 little-endian bytes:
//!
//!    | bytes  | field       | type            |
//!    |--------|-------------|-----------------|
//!    | 0..16  | `symbol`    | ASCII, zero-padded |
//!    | 16..24 | `tick_size` | i64 fixed point |
//!    | 24..32 | `lot_size`  | i64 fixed point |
//!    | 32..36 | `id`        | u32 (= row index) |
//!    | 36..40 | `_pad`      | zero            |
//!    | 40..48 | `_reserved` | zero            |
//!
//! 2. A table holds at most [`MAX_INSTRUMENTS`] rows; [`LogMeta::instruments_table`]
//!    validates symbols, ids and sizes exactly like the region reader does.
//!
//! It must never trust a row read from disk without that validation.

use seamless_core::domain::{InstrumentId, Instruments, MAX_INSTRUMENTS, Price, Qty};
use seamless_core::shared::InstrumentRow;
use zerocopy::byteorder::little_endian::{I64, U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::error::PersistError;

/// What a segment or snapshot header records about the run besides sequence numbers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogMeta {
    /// The run's instruments, row `i` with id `i` (at most [`MAX_INSTRUMENTS`]).
    pub instruments: Vec<InstrumentRow>,
}

impl LogMeta {
    /// The rows of a domain instrument table.
    pub fn from_table(table: &Instruments) -> LogMeta {
        let instruments = table
            .iter()
            .map(|(id, i)| InstrumentRow {
                symbol: i.symbol.to_bytes(),
                tick_size: i.tick_size,
                lot_size: i.lot_size,
                id,
                _pad: 0,
                _reserved: 0,
            })
            .collect();
        LogMeta { instruments }
    }

    /// The rows as a domain table (for `write_event_json`).
    ///
    /// # Errors
    ///
    /// [`PersistError::Meta`] naming the row: more than [`MAX_INSTRUMENTS`] rows, an
    /// invalid or duplicate symbol, an id that is not the row index, a tick or lot size
    /// that is not positive.
    pub fn instruments_table(&self) -> Result<Instruments, PersistError> {
        if self.instruments.len() > MAX_INSTRUMENTS {
            return Err(PersistError::Meta(format!(
                "{} instruments, at most {MAX_INSTRUMENTS}",
                self.instruments.len()
            )));
        }
        let mut table = Instruments::new();
        for (ix, row) in self.instruments.iter().enumerate() {
            let bad = |what: String| PersistError::Meta(format!("instruments[{ix}]: {what}"));
            let symbol = row
                .symbol()
                .ok_or_else(|| bad("symbol is not a valid symbol".into()))?;
            if row.id != InstrumentId(ix as u32) {
                return Err(bad(format!("id {} at row {ix}", row.id)));
            }
            table
                .add(symbol.as_str(), row.tick_size, row.lot_size)
                .map_err(|e| bad(e.to_string()))?;
        }
        Ok(table)
    }
}

/// An [`InstrumentRow`] as stored: 48 little-endian bytes.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned)]
#[repr(C)]
pub(crate) struct RowLe {
    symbol: [u8; 16],
    tick_size: I64,
    lot_size: I64,
    id: U32,
    pad: U32,
    reserved: U64,
}

/// Bytes of one stored instrument row.
pub(crate) const ROW_BYTES: usize = size_of::<RowLe>();
const _: () = assert!(ROW_BYTES == 48 && size_of::<InstrumentRow>() == 48);

impl From<&InstrumentRow> for RowLe {
    fn from(r: &InstrumentRow) -> Self {
        RowLe {
            symbol: r.symbol,
            tick_size: I64::new(r.tick_size.raw()),
            lot_size: I64::new(r.lot_size.raw()),
            id: U32::new(r.id.0),
            pad: U32::new(r._pad),
            reserved: U64::new(r._reserved),
        }
    }
}

impl From<&RowLe> for InstrumentRow {
    fn from(r: &RowLe) -> Self {
        InstrumentRow {
            symbol: r.symbol,
            tick_size: Price::from_raw(r.tick_size.get()),
            lot_size: Qty::from_raw(r.lot_size.get()),
            id: InstrumentId(r.id.get()),
            _pad: r.pad.get(),
            _reserved: r.reserved.get(),
        }
    }
}

/// Appends the stored form of `rows` to `out`.
pub(crate) fn encode_rows(rows: &[InstrumentRow], out: &mut Vec<u8>) {
    for row in rows {
        out.extend_from_slice(RowLe::from(row).as_bytes());
    }
}

/// Reads `count` stored rows from `bytes` (which holds at least `count * ROW_BYTES`).
pub(crate) fn decode_rows(bytes: &[u8], count: usize) -> Option<Vec<InstrumentRow>> {
    let bytes = bytes.get(..count.checked_mul(ROW_BYTES)?)?;
    let rows = <[RowLe]>::ref_from_bytes(bytes).ok()?;
    Some(rows.iter().map(InstrumentRow::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_and_validate() {
        let mut table = Instruments::new();
        table
            .add("AAPL", Price::from_raw(1_000_000), Qty::ONE)
            .unwrap();
        table
            .add("MSFT", Price::from_raw(1_000_000), Qty::ONE)
            .unwrap();
        let meta = LogMeta::from_table(&table);
        let mut bytes = Vec::new();
        encode_rows(&meta.instruments, &mut bytes);
        assert_eq!(bytes.len(), 2 * ROW_BYTES);
        let back = LogMeta {
            instruments: decode_rows(&bytes, 2).unwrap(),
        };
        assert_eq!(back, meta);
        assert_eq!(back.instruments_table().unwrap().len(), 2);
        assert!(decode_rows(&bytes, 3).is_none());

        let mut swapped = meta.clone();
        swapped.instruments.swap(0, 1);
        let err = swapped.instruments_table().unwrap_err().to_string();
        assert!(err.contains("instruments[0]: id #1"), "{err}");
    }
}
