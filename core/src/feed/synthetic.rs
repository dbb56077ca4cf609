//! [`SyntheticFeed`]: a seeded random walk per configured instrument.
//!
//! Deterministic: the same seed, instruments and start time give the same ticks, bit for
//! bit, on every machine. Instruments take turns (round-robin, in config order).
//!
//! Each tick of an instrument moves its price `p` by a uniform whole number of ticks in
//! `[-m, m]`, where `m` is `volatility_bps` of `p` in ticks (at least one tick when the
//! volatility is not 0; 0 keeps the price flat). Prices stay on the instrument's tick
//! grid and never reach zero: a step that would take `p` below the floor is reflected.
//! Quotes around `p`: with the spread `s` rounded up to whole ticks `n`, bid = `p -
//! floor(n/2)` ticks, ask = bid + `s`, last = `p`; size is 1 to 10 lots.
//!
//! Timestamps start at the given start time and advance by `1 s / rate_per_sec` per
//! tick (computed from the tick count, so they never drift), or by 1 µs when the rate
//! is 0.
//!
//! Progress: wait-free; a tick costs a few integer operations and allocates nothing.
//!
//! # Example
//!
//! ```
//! use seamless_config::{Config, SyntheticConfig};
//! use seamless_core::domain::Instruments;
//! use seamless_core::feed::{Feed, SyntheticFeed};
//! let cfg = Config::default(); // BTCUSD and ETHUSD
//! let mut table = Instruments::new();
//! for i in &cfg.instruments {
//!     table.add(&i.symbol, seamless_core::domain::Price::from_raw(i.tick_size.0),
//!               seamless_core::domain::Qty::from_raw(i.lot_size.0)).unwrap();
//! }
//! let synth = SyntheticConfig { ticks: 3, ..cfg.feed.synthetic.clone() };
//! let mut feed = SyntheticFeed::new(&synth, &cfg.instruments, &table, 0).unwrap();
//! let ids: Vec<u32> = std::iter::from_fn(|| feed.next_tick().unwrap()).map(|t| t.instrument.0).collect();
//! assert_eq!(ids, [0, 1, 0]);
//! ```
//!
//! # Implementation
//!
//! 1. One [`SplitMix64`] for the whole feed, seeded from `seed`.
//! 2. Per instrument, all in raw 10^-8 units: price, tick, lot, the half spread and
//!    the floor `half + tick` (so the bid is at least one tick), and a cap far below
//!    `i64::MAX`.
//! 3. Step bound in `i128`: `m = p * bps / (10_000 * tick)`; the new price is clamped
//!    into `[floor, cap]` after reflection.
//!
//! It must never read a clock (the start time is given) or allocate per tick.

use std::fmt::Write as _;

use seamless_config::{Instrument as ConfigInstrument, SyntheticConfig};

use crate::domain::{InstrumentId, Instruments, Price, Qty};
use crate::feed::Feed;
use crate::feed::error::FeedError;
use crate::feed::rng::SplitMix64;
use crate::feed::tick::Tick;

/// Timestamp step when `rate_per_sec` is 0.
const UNPACED_STEP_NS: u64 = 1_000;

/// Highest price the walk reaches, in raw units (about 9.2 billion): far from overflow.
const PRICE_CAP: i64 = i64::MAX / 10;

/// One instrument's walk. All prices in raw 10^-8 units.
#[derive(Clone, Copy, Debug)]
struct Walk {
    id: InstrumentId,
    /// The current price; a multiple of `tick`, in `[floor, cap]`.
    price: i64,
    /// > 0.
    tick: i64,
    /// > 0.
    lot: i64,
    volatility_bps: u32,
    /// Whole ticks below `price` the bid sits.
    half: i64,
    /// Ask minus bid: the spread rounded up to whole ticks.
    spread: i64,
    /// Lowest price: `half + tick`, so the bid is at least one tick.
    floor: i64,
    /// Highest price: a multiple of `tick`.
    cap: i64,
}

impl Walk {
    fn new(id: InstrumentId, tick: i64, lot: i64, start: i64, bps: u32, spread: i64) -> Walk {
        let spread = spread.max(0).saturating_add(tick - 1) / tick * tick;
        let half = spread / tick / 2 * tick;
        let floor = half + tick;
        let cap = PRICE_CAP / tick * tick;
        let price = (start / tick * tick).clamp(floor, cap);
        Walk {
            id,
            price,
            tick,
            lot,
            volatility_bps: bps,
            half,
            spread,
            floor,
            cap,
        }
    }

    /// Moves the price one random step.
    #[inline]
    fn step(&mut self, rng: &mut SplitMix64) {
        if self.volatility_bps == 0 {
            return;
        }
        let bound = i128::from(self.price) * i128::from(self.volatility_bps)
            / (10_000 * i128::from(self.tick));
        // `price <= cap < 2^60` and bps <= u32::MAX, so `bound` < 2^92 / tick; clamp
        // it to keep `2 * bound + 1` inside u64.
        let bound = bound.clamp(1, i128::from(u32::MAX)) as i64;
        let ticks = rng.below(2 * bound as u64 + 1) as i64 - bound;
        let delta = ticks * self.tick;
        let mut next = self.price + delta;
        if next < self.floor || next > self.cap {
            next = self.price - delta; // reflect off the bound
        }
        self.price = next.clamp(self.floor, self.cap);
    }

    /// The quote at the current price.
    #[inline]
    fn tick(&self, ts_ns: u64, rng: &mut SplitMix64) -> Tick {
        let bid = self.price - self.half;
        let size = self.lot.saturating_mul(1 + rng.below(10) as i64);
        Tick::new(
            self.id,
            ts_ns,
            Price::from_raw(bid),
            Price::from_raw(bid + self.spread),
            Price::from_raw(self.price),
            Qty::from_raw(size),
        )
    }
}

/// A seeded random walk over the configured instruments.
#[derive(Debug)]
pub struct SyntheticFeed {
    walks: Vec<Walk>,
    rng: SplitMix64,
    /// Index into `walks` of the next instrument.
    turn: usize,
    /// Ticks produced so far.
    emitted: u64,
    /// Total ticks; 0 is endless.
    limit: u64,
    start_ns: u64,
    rate_per_sec: u64,
    description: String,
}

impl SyntheticFeed {
    /// A walk over `list` (the config's instruments, for start price and volatility),
    /// each looked up in `instruments` (for its id, tick and lot size). Timestamps start
    /// at `start_ns` (ns since the epoch; the runtime passes the wall clock, tests a
    /// constant).
    ///
    /// # Errors
    ///
    /// [`FeedError::NoInstruments`] for an empty list; [`FeedError::UnknownInstrument`]
    /// for a symbol missing from `instruments`.
    pub fn new(
        cfg: &SyntheticConfig,
        list: &[ConfigInstrument],
        instruments: &Instruments,
        start_ns: u64,
    ) -> Result<SyntheticFeed, FeedError> {
        if list.is_empty() {
            return Err(FeedError::NoInstruments);
        }
        let mut walks = Vec::with_capacity(list.len());
        for inst in list {
            let unknown = || FeedError::UnknownInstrument {
                symbol: inst.symbol.clone(),
            };
            let id = instruments.id_of(&inst.symbol).ok_or_else(unknown)?;
            let entry = instruments.get(id).ok_or_else(unknown)?;
            walks.push(Walk::new(
                id,
                entry.tick_size.raw(),
                entry.lot_size.raw(),
                inst.start_price.0,
                inst.volatility_bps,
                cfg.spread.0,
            ));
        }
        let mut description = format!("synthetic random walk (seed {}, ", cfg.seed);
        let symbols: Vec<&str> = list.iter().map(|i| i.symbol.as_str()).collect();
        let _ = write!(description, "{}; ", symbols.join(", "));
        let _ = match cfg.rate_per_sec {
            0 => write!(description, "unpaced"),
            r => write!(description, "{r} ticks/s"),
        };
        let _ = match cfg.ticks {
            0 => write!(description, ", endless)"),
            n => write!(description, ", {n} ticks)"),
        };
        Ok(SyntheticFeed {
            walks,
            rng: SplitMix64::new(cfg.seed),
            turn: 0,
            emitted: 0,
            limit: cfg.ticks,
            start_ns,
            rate_per_sec: cfg.rate_per_sec,
            description,
        })
    }

    /// The timestamp of tick number `n` (from 0).
    #[inline]
    fn ts_of(&self, n: u64) -> u64 {
        let offset = match self.rate_per_sec {
            0 => u128::from(n) * u128::from(UNPACED_STEP_NS),
            rate => u128::from(n) * 1_000_000_000 / u128::from(rate),
        };
        let ts = u128::from(self.start_ns) + offset;
        u64::try_from(ts).unwrap_or(u64::MAX)
    }
}

impl Feed for SyntheticFeed {
    #[inline]
    fn next_tick(&mut self) -> Result<Option<Tick>, FeedError> {
        if self.limit != 0 && self.emitted >= self.limit {
            return Ok(None);
        }
        let ts = self.ts_of(self.emitted);
        let walk = &mut self.walks[self.turn];
        walk.step(&mut self.rng);
        let tick = walk.tick(ts, &mut self.rng);
        self.turn = (self.turn + 1) % self.walks.len();
        self.emitted += 1;
        Ok(Some(tick))
    }

    fn skipped(&self) -> u64 {
        0
    }

    fn description(&self) -> &str {
        &self.description
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk_stays_on_grid_and_above_floor() {
        // A tiny price, a wide spread and the largest volatility push hard on the floor.
        let mut w = Walk::new(InstrumentId(0), 1_000_000, 1, 3_000_000, 1000, 5_000_000);
        assert_eq!(
            (w.spread, w.half, w.floor),
            (5_000_000, 2_000_000, 3_000_000)
        );
        let mut rng = SplitMix64::new(1);
        for i in 0..100_000 {
            w.step(&mut rng);
            let t = w.tick(i, &mut rng);
            assert!(t.bid.raw() >= 1_000_000, "{t:?}");
            assert_eq!(t.bid.raw() % 1_000_000, 0);
            assert_eq!(t.ask.raw() - t.bid.raw(), 5_000_000);
            assert!(t.last >= t.bid && t.last <= t.ask);
        }
    }

    #[test]
    fn spread_is_rounded_up_to_ticks_and_start_aligned() {
        let w = Walk::new(InstrumentId(0), 1_000_000, 1, 10_000_500_000, 10, 1_500_000);
        assert_eq!(w.spread, 2_000_000);
        assert_eq!(w.price, 10_000_000_000);
        let flat = Walk::new(InstrumentId(0), 1, 1, 0, 0, 0);
        assert_eq!((flat.price, flat.floor), (1, 1));
    }

    #[test]
    fn walk_respects_the_cap() {
        let tick = 1_000_000;
        let mut w = Walk::new(InstrumentId(0), tick, 1, i64::MAX, 1000, 0);
        let mut rng = SplitMix64::new(9);
        for _ in 0..10_000 {
            w.step(&mut rng);
            assert!(w.price <= PRICE_CAP && w.price % tick == 0);
        }
    }
}
