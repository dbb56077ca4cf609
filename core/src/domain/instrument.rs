//! The instrument table: [`InstrumentId`] (a dense index) to [`Instrument`] (symbol,
//! tick size, lot size), and symbol to id.
//!
//! The table is built once at start-up from the configuration and is fixed for the run;
//! events and state carry the 4-byte id, and only output (JSON, the monitor) turns it
//! back into a symbol.
//!
//! Progress: lookups are wait-free; `id_of` is a linear scan over at most
//! [`MAX_INSTRUMENTS`] 16-byte compares (no hashing). Only [`Instruments::add`]
//! allocates, at start-up.
//!
//! # Example
//!
//! ```
//! use seamless_core::domain::{Instruments, Price, Qty};
//! let mut table = Instruments::new();
//! let id = table.add("AAPL", "0.01".parse().unwrap(), Qty::ONE).unwrap();
//! assert_eq!(table.id_of("AAPL"), Some(id));
//! assert_eq!(table.symbol(id), Some("AAPL"));
//! assert!(table.get(id).unwrap().is_tick_aligned("187.23".parse().unwrap()));
//! ```
//!
//! # Implementation
//!
//! 1. Ids are assigned in insertion order, `0..len`; an id is valid for the state tables
//!    because `len <= MAX_INSTRUMENTS`.
//! 2. Symbols are validated [`Symbol`]s, unique in the table.
//!
//! It must never change after start-up: ids are written into the event log.

use std::error::Error;
use std::fmt;

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::fixed::{Price, Qty};
use super::name::{NameError, Symbol};

/// Capacity of every per-instrument table (state, shared memory). Changing it changes
/// the state layout (snapshot and region layout versions).
pub const MAX_INSTRUMENTS: usize = 64;

/// A dense index into [`Instruments`] and into every per-instrument state table.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    FromBytes,
    IntoBytes,
    Immutable,
    KnownLayout,
)]
#[repr(transparent)]
pub struct InstrumentId(pub u32);

impl InstrumentId {
    /// The index as `usize`.
    #[inline]
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for InstrumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// One tradable instrument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instrument {
    /// Its symbol.
    pub symbol: Symbol,
    /// Smallest price increment (> 0).
    pub tick_size: Price,
    /// Smallest quantity increment (> 0).
    pub lot_size: Qty,
}

impl Instrument {
    /// `true` if `price` is a whole number of ticks.
    #[inline]
    pub fn is_tick_aligned(&self, price: Price) -> bool {
        self.tick_size.raw() > 0 && price.raw() % self.tick_size.raw() == 0
    }

    /// `true` if `qty` is a whole number of lots.
    #[inline]
    pub fn is_lot_aligned(&self, qty: Qty) -> bool {
        self.lot_size.raw() > 0 && qty.raw() % self.lot_size.raw() == 0
    }
}

/// Why an instrument could not be added.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstrumentError {
    /// The table already holds [`MAX_INSTRUMENTS`].
    Full,
    /// The symbol is already in the table.
    Duplicate(Symbol),
    /// The symbol is not a valid [`Symbol`].
    BadSymbol(NameError),
    /// The tick size is not > 0.
    BadTickSize(Price),
    /// The lot size is not > 0.
    BadLotSize(Qty),
}

impl fmt::Display for InstrumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstrumentError::Full => write!(f, "more than {MAX_INSTRUMENTS} instruments"),
            InstrumentError::Duplicate(s) => write!(f, "instrument {s} listed twice"),
            InstrumentError::BadSymbol(e) => write!(f, "bad symbol: {e}"),
            InstrumentError::BadTickSize(p) => write!(f, "tick size {p} must be > 0"),
            InstrumentError::BadLotSize(q) => write!(f, "lot size {q} must be > 0"),
        }
    }
}

impl Error for InstrumentError {}

/// The run's instruments, indexed by [`InstrumentId`].
#[derive(Clone, Debug, Default)]
pub struct Instruments {
    /// Invariant: `list.len() <= MAX_INSTRUMENTS`, symbols unique.
    list: Vec<Instrument>,
}

impl Instruments {
    /// An empty table.
    pub fn new() -> Self {
        Instruments {
            list: Vec::with_capacity(MAX_INSTRUMENTS),
        }
    }

    /// Adds an instrument and returns its id (the next index).
    ///
    /// # Errors
    ///
    /// [`InstrumentError`] for a full table, a duplicate or invalid symbol, or a tick or
    /// lot size that is not positive.
    pub fn add(
        &mut self,
        symbol: &str,
        tick_size: Price,
        lot_size: Qty,
    ) -> Result<InstrumentId, InstrumentError> {
        let symbol = Symbol::new(symbol).map_err(InstrumentError::BadSymbol)?;
        if self.list.len() >= MAX_INSTRUMENTS {
            return Err(InstrumentError::Full);
        }
        if self.list.iter().any(|i| i.symbol == symbol) {
            return Err(InstrumentError::Duplicate(symbol));
        }
        if !tick_size.is_positive() {
            return Err(InstrumentError::BadTickSize(tick_size));
        }
        if !lot_size.is_positive() {
            return Err(InstrumentError::BadLotSize(lot_size));
        }
        let id = InstrumentId(self.list.len() as u32);
        self.list.push(Instrument {
            symbol,
            tick_size,
            lot_size,
        });
        Ok(id)
    }

    /// The instrument with this id.
    #[inline]
    pub fn get(&self, id: InstrumentId) -> Option<&Instrument> {
        self.list.get(id.index())
    }

    /// The id of `symbol` (exact, case-sensitive match).
    pub fn id_of(&self, symbol: &str) -> Option<InstrumentId> {
        let wanted = Symbol::new(symbol).ok()?;
        self.list
            .iter()
            .position(|i| i.symbol == wanted)
            .map(|ix| InstrumentId(ix as u32))
    }

    /// The symbol of `id`.
    #[inline]
    pub fn symbol(&self, id: InstrumentId) -> Option<&str> {
        self.get(id).map(|i| i.symbol.as_str())
    }

    /// Number of instruments.
    #[inline]
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// `true` if there are none.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// `(id, instrument)` in id order.
    pub fn iter(&self) -> impl Iterator<Item = (InstrumentId, &Instrument)> {
        self.list
            .iter()
            .enumerate()
            .map(|(ix, i)| (InstrumentId(ix as u32), i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_entries() {
        let mut t = Instruments::new();
        let tick = Price::from_raw(1);
        assert!(t.add("A", tick, Qty::ONE).is_ok());
        assert!(matches!(
            t.add("A", tick, Qty::ONE),
            Err(InstrumentError::Duplicate(_))
        ));
        assert!(matches!(
            t.add("B", Price::ZERO, Qty::ONE),
            Err(InstrumentError::BadTickSize(_))
        ));
        assert!(matches!(
            t.add("B", tick, Qty::from_raw(-1)),
            Err(InstrumentError::BadLotSize(_))
        ));
        assert!(matches!(
            t.add("B C", tick, Qty::ONE),
            Err(InstrumentError::BadSymbol(_))
        ));
        for n in 1..MAX_INSTRUMENTS {
            t.add(&format!("S{n}"), tick, Qty::ONE).unwrap();
        }
        assert_eq!(t.add("LAST", tick, Qty::ONE), Err(InstrumentError::Full));
        assert_eq!(t.id_of("S63"), Some(InstrumentId(63)));
        assert_eq!(t.id_of("nope"), None);
        assert_eq!(t.symbol(InstrumentId(64)), None);
    }
}
