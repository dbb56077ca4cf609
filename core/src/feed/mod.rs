//! Market-data feeds: where the feed thread gets its [`Tick`]s.
//!
//! - [`SyntheticFeed`]: a seeded, deterministic random walk per instrument.
//! - [`CsvFeed`]: replay of tick or OHLCV bar CSV files, one per instrument, streamed
//!   and merged by timestamp.
//! - [`Pacer`] and [`wait_until`]: replay at the original pace, `xN`, or unpaced.
//!
//! The feed thread pulls: it calls [`Feed::next_tick`] until `None`, asks the pacer how
//! long to hold each tick, stamps it and pushes it into the SPSC ring to the engine.
//!
//! Progress: a feed is driven by one thread; producing a tick is wait-free for the
//! synthetic feed and blocking (buffered file reads) for CSV, and allocates nothing
//! after [`open`] either way.
//!
//! # Example
//!
//! ```
//! use std::time::Instant;
//! use seamless_config::Config;
//! use seamless_core::domain::{Instruments, Price, Qty};
//! use seamless_core::feed::{self, Pacer, wait_until};
//! let mut cfg = Config::default();
//! cfg.feed.synthetic.ticks = 5;
//! let mut table = Instruments::new();
//! for i in &cfg.instruments {
//!     table.add(&i.symbol, Price::from_raw(i.tick_size.0), Qty::from_raw(i.lot_size.0)).unwrap();
//! }
//! let mut source = feed::open(&cfg, &table).unwrap();
//! let mut pacer = Pacer::new(seamless_config::Pace::Max);
//! let mut n = 0;
//! while let Some(tick) = source.next_tick().unwrap() {
//!     if let Some(at) = pacer.deadline(tick.ts_ns, Instant::now()) {
//!         wait_until(at, || false);
//!     }
//!     n += 1; // the runtime stamps `tick.stamp` and pushes it here
//! }
//! assert_eq!((n, source.skipped()), (5, 0));
//! ```
//!
//! # Implementation
//!
//! 1. [`open`] builds the configured feed at start-up (files opened, headers read,
//!    buffers allocated), behind the object-safe [`Feed`] trait.
//! 2. Feeds normalise to fixed point exactly (no floats) and keep [`Tick`]'s
//!    invariants: prices > 0, `bid <= ask`, timestamps non-decreasing.
//! 3. Pacing is kept apart from reading so each is tested alone (the split of
//!    production and timing mirrors market-data replay tools such as tcpreplay's
//!    `--multiplier`).
//!
//! It must never allocate, log or sleep inside [`Feed::next_tick`]; the caller logs
//! and paces.

mod csv;
mod error;
mod pace;
mod rng;
mod synthetic;
mod tick;

use std::time::{SystemTime, UNIX_EPOCH};

use seamless_config::{Config, FeedSource};

use crate::domain::Instruments;

pub use self::csv::{CsvFeed, CsvOptions, SKIP_SAMPLES, Shape, Utc};
pub use error::{FeedError, MAX_TEXT, RowProblem};
pub use pace::{Pacer, SPIN_NS, pace_of, wait_until};
pub use rng::SplitMix64;
pub use synthetic::SyntheticFeed;
pub use tick::Tick;

/// A source of ticks, pulled by the feed thread.
///
/// (Named `Feed` because the config crate's `FeedSource` names the configured source.)
pub trait Feed: Send {
    /// The next tick; `Ok(None)` when the feed has ended (and after an error).
    ///
    /// # Errors
    ///
    /// A [`FeedError`] naming the file and line at fault. Under `bad_rows = "skip"` bad
    /// rows are counted instead ([`skipped`](Feed::skipped)) and never returned.
    fn next_tick(&mut self) -> Result<Option<Tick>, FeedError>;

    /// Rows skipped so far under `bad_rows = "skip"`.
    fn skipped(&self) -> u64;

    /// The first [`SKIP_SAMPLES`] skipped rows' errors, for the caller to report.
    fn first_skipped(&self) -> &[FeedError] {
        &[]
    }

    /// One line for logs, e.g. `csv replay: BTCUSD=data/btc.csv (bars); bad rows: fail`.
    fn description(&self) -> &str;
}

/// Opens the feed `cfg.feed.source` names, over the run's instrument table.
///
/// The synthetic feed's timestamps start at the wall clock's now. Allocates (start-up).
///
/// # Errors
///
/// A configured symbol missing from `instruments`, or a CSV file that cannot be
/// opened, is empty or lacks a needed column ([`CsvFeed::open`]).
pub fn open(cfg: &Config, instruments: &Instruments) -> Result<Box<dyn Feed>, FeedError> {
    match &cfg.feed.source {
        FeedSource::Synthetic => {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
            let feed = SyntheticFeed::new(&cfg.feed.synthetic, &cfg.instruments, instruments, now)?;
            Ok(Box::new(feed))
        }
        FeedSource::Csv(specs) => {
            let options = CsvOptions::from_config(&cfg.feed);
            Ok(Box::new(CsvFeed::open(specs, instruments, options)?))
        }
    }
}
