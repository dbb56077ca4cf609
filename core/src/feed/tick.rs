//! [`Tick`]: one normalised market-data update, the message the feed thread sends the
//! engine over an SPSC ring.
//!
//! Progress: plain `Copy` data; nothing allocates.
//!
//! # Example
//!
//! ```
//! use seamless_core::domain::{InstrumentId, Price, Qty};
//! use seamless_core::feed::Tick;
//! let p: Price = "100.5".parse().unwrap();
//! let t = Tick::new(InstrumentId(0), 1_700_000_000_000_000_000, p, p, p, Qty::ZERO);
//! assert_eq!(t.stamp, 0); // the runtime stamps it just before pushing
//! assert_eq!(std::mem::size_of::<Tick>(), 56);
//! ```
//!
//! # Implementation
//!
//! 1. A `#[repr(C)]` record of 8-byte words (the instrument id is padded to a word with
//!    an explicit `_pad`), zerocopy-derived so it satisfies the ipc crate's `Record`
//!    bound and can sit in a shared-memory ring as well as a heap one.
//! 2. 56 bytes: less than one 64-byte cache line, so a ring slot never straddles two
//!    lines when slots are line-aligned.
//!
//! It must never hold a float, a pointer, or padding zerocopy cannot see.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::domain::{InstrumentId, Price, Qty};

/// One market-data update for one instrument, in fixed point.
///
/// Invariants upheld by every feed in this module: `bid`, `ask` and `last` are > 0 and
/// `bid <= ask`; `size >= 0`; within one feed, `ts_ns` never decreases.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Tick {
    /// The instrument, an index into the run's [`Instruments`](crate::domain::Instruments).
    pub instrument: InstrumentId,
    /// Explicit padding to the next word; always zero.
    pub _pad: u32,
    /// Source timestamp: nanoseconds since the Unix epoch, UTC.
    pub ts_ns: u64,
    /// Best bid.
    pub bid: Price,
    /// Best ask.
    pub ask: Price,
    /// Last trade price (the mark).
    pub last: Price,
    /// Size of the last trade (for a bar: its volume); 0 when the source has none.
    pub size: Qty,
    /// A monotonic clock stamp (TSC or `CLOCK_MONOTONIC` ticks) the feed thread writes
    /// just before pushing, for the latency histograms. Feeds leave it 0.
    pub stamp: u64,
}

const _: () = assert!(std::mem::size_of::<Tick>() == 56);
const _: () = assert!(std::mem::align_of::<Tick>() == 8);

impl Tick {
    /// A tick with zero padding and a zero [`stamp`](Tick::stamp).
    #[inline]
    pub const fn new(
        instrument: InstrumentId,
        ts_ns: u64,
        bid: Price,
        ask: Price,
        last: Price,
        size: Qty,
    ) -> Tick {
        Tick {
            instrument,
            _pad: 0,
            ts_ns,
            bid,
            ask,
            last,
            size,
            stamp: 0,
        }
    }
}
