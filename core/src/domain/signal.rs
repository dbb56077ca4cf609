//! [`SignalLog`]: the last [`SIGNALS_PER_INSTRUMENT`] signals of one instrument, a
//! fixed-capacity ring (newest overwrites oldest).
//!
//! Progress: wait-free; a push is one record copy.
//!
//! # Example
//!
//! ```
//! use seamless_core::domain::SignalLog;
//! assert_eq!(SignalLog::default().iter().count(), 0);
//! ```
//!
//! # Implementation
//!
//! 1. `count` is the number of signals ever pushed; the newest lives at
//!    `(count - 1) % SIGNALS_PER_INSTRUMENT`.
//! 2. `iter` walks newest first over `min(count, capacity)` entries.
//!
//! It must never be mutated except through the fold.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::codes::Side;
use super::fixed::{Price, Qty};
use super::name::StrategyName;

/// Signals kept per instrument.
pub const SIGNALS_PER_INSTRUMENT: usize = 8;

/// One remembered `signal_detected` (a plain record, 7 words).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct SignalEntry {
    /// The event's sequence number.
    pub seq: u64,
    /// The event's time.
    pub ts_ns: u64,
    /// Reference price.
    pub price: Price,
    /// Suggested quantity.
    pub qty: Qty,
    /// Strategy name, zero-padded.
    pub strategy_bytes: [u8; 16],
    /// [`Side`] code.
    pub side_code: u8,
    /// Explicit padding (zero).
    pub _pad: [u8; 7],
}

impl SignalEntry {
    /// An entry for a `signal_detected` with sequence number `seq`.
    pub fn new(
        seq: u64,
        ts_ns: u64,
        side: Side,
        strategy: StrategyName,
        price: Price,
        qty: Qty,
    ) -> Self {
        SignalEntry {
            seq,
            ts_ns,
            price,
            qty,
            strategy_bytes: strategy.to_bytes(),
            side_code: side.code(),
            _pad: [0; 7],
        }
    }

    /// The side (`None` for an invalid code, e.g. from a corrupt snapshot).
    #[inline]
    pub const fn side(&self) -> Option<Side> {
        Side::from_code(self.side_code)
    }

    /// The strategy name (`None` if the bytes are not a valid name).
    #[inline]
    pub fn strategy(&self) -> Option<StrategyName> {
        StrategyName::from_bytes(&self.strategy_bytes).ok()
    }
}

/// The last signals of one instrument.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct SignalLog {
    /// Signals ever pushed.
    pub count: u64,
    /// The ring.
    pub entries: [SignalEntry; SIGNALS_PER_INSTRUMENT],
}

impl SignalLog {
    /// Remembers a signal, overwriting the oldest when full.
    #[inline]
    pub(crate) fn push(&mut self, entry: SignalEntry) {
        self.entries[(self.count % SIGNALS_PER_INSTRUMENT as u64) as usize] = entry;
        self.count = self.count.wrapping_add(1);
    }

    /// The remembered signals, newest first.
    pub fn iter(&self) -> impl Iterator<Item = &SignalEntry> {
        let n = self.count.min(SIGNALS_PER_INSTRUMENT as u64);
        (0..n).map(move |back| {
            let ix = self.count.wrapping_sub(1 + back) % SIGNALS_PER_INSTRUMENT as u64;
            &self.entries[ix as usize]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_newest_first() {
        let mut log = SignalLog::default();
        for seq in 1..=10 {
            log.push(SignalEntry {
                seq,
                ..SignalEntry::default()
            });
        }
        let seqs: Vec<u64> = log.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [10, 9, 8, 7, 6, 5, 4, 3]);
    }
}
