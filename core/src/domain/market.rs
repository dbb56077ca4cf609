//! [`Market`]: an instrument's last conflated market data as the fold knows it (from
//! `market_update` events), and its mark.
//!
//! The live, every-tick market data is published by the engine straight into the
//! region's state section and is *not* part of the fold (see the `state` module docs).
//!
//! Progress: wait-free; plain data.
//!
//! # Example
//!
//! ```
//! use seamless_core::domain::Market;
//! assert_eq!(Market::default().mark(), None); // never marked
//! ```
//!
//! It must never be mutated except through the fold.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::fixed::Price;

/// One instrument's market data (a plain shared-memory record, 6 words).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Market {
    /// Best bid.
    pub bid: Price,
    /// Best ask.
    pub ask: Price,
    /// Last trade price: the mark.
    pub last: Price,
    /// Event time of the last update.
    pub updated_ns: u64,
    /// Number of `market_update` events applied (0: never marked).
    pub updates: u64,
    /// Reserved (zero).
    pub _reserved: u64,
}

impl Market {
    /// The price positions are valued at: `last`, once there has been an update.
    #[inline]
    pub const fn mark(&self) -> Option<Price> {
        if self.updates == 0 {
            None
        } else {
            Some(self.last)
        }
    }

    /// Records a `market_update`.
    #[inline]
    pub(crate) fn update(&mut self, bid: Price, ask: Price, last: Price, ts_ns: u64) {
        (self.bid, self.ask, self.last, self.updated_ns) = (bid, ask, last, ts_ns);
        self.updates += 1;
    }
}
