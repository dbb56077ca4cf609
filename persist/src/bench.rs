//! Measurement helpers for `seamless bench persist` (and the tests): a deterministic
//! generator of realistic, fold-valid events ([`Synthetic`]), a log writer for it
//! ([`write_synthetic_log`]), and [`restore_rate`].
//!
//! Progress: blocking file I/O.
//!
//! # Example
//!
//! ```
//! use seamless_persist::bench::{restore_rate, write_synthetic_log};
//! let dir = tempfile::tempdir().unwrap();
//! let state = write_synthetic_log(dir.path(), 10_000, 1 << 20).unwrap();
//! let rate = restore_rate(dir.path()).unwrap();
//! assert_eq!(rate.events, 10_000);
//! assert_eq!(rate.last_seq, state.last_seq());
//! ```
//!
//! It must never be used to assert a speed in a test.

use std::collections::VecDeque;
use std::path::Path;
use std::time::Duration;

use seamless_core::domain::{
    Applied, Event, EventBody, EventRecord, InstrumentId, Instruments, Money, Price, Qty, Reason,
    Side, State, StrategyName,
};

use crate::error::PersistError;
use crate::meta::LogMeta;
use crate::restore::{RestoreOptions, restore};
use crate::writer::LogWriter;

/// A deterministic stream of events a real run could produce (market marks,
/// signals, orders, fills and their consequences over two instruments), folded as it
/// goes so every event applies cleanly.
#[derive(Debug)]
pub struct Synthetic {
    state: State,
    next_seq: u64,
    step: u64,
    rng: u64,
    prices: [i64; 2],
    queued: VecDeque<Event>,
    ts_ns: u64,
    strategy: StrategyName,
}

impl Default for Synthetic {
    fn default() -> Self {
        Synthetic::new(1)
    }
}

impl Synthetic {
    /// A stream starting at sequence 1, seeded with `seed`.
    pub fn new(seed: u64) -> Synthetic {
        Synthetic {
            state: State::new(),
            next_seq: 1,
            step: 0,
            rng: seed | 1,
            prices: [64_000 * 100_000_000, 3_000 * 100_000_000],
            queued: VecDeque::new(),
            ts_ns: 1_700_000_000_000_000_000,
            strategy: StrategyName::new("sma_cross").expect("a valid constant name"),
        }
    }

    /// The instrument table of the stream (BTCUSD, ETHUSD).
    pub fn instruments() -> Instruments {
        let mut t = Instruments::new();
        for s in ["BTCUSD", "ETHUSD"] {
            // Both symbols are valid and distinct, so `add` cannot fail.
            let _ = t.add(s, Price::from_raw(1_000_000), Qty::from_raw(1_000_000));
        }
        t
    }

    /// [`instruments`](Self::instruments) as a [`LogMeta`].
    pub fn meta() -> LogMeta {
        LogMeta::from_table(&Self::instruments())
    }

    /// The fold of every event produced so far.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The next event and its sequence number (already folded into
    /// [`state`](Self::state)).
    pub fn next_event(&mut self) -> (u64, EventRecord) {
        let ev = match self.queued.pop_front() {
            Some(ev) => ev,
            None => self.fresh(),
        };
        let seq = self.next_seq;
        self.next_seq += 1;
        if let Ok(Applied::Fill(outcome)) = self.state.apply(seq, &ev) {
            self.queued
                .extend(outcome.consequences(ev.ts_ns).iter().copied());
        }
        (seq, ev.to_record())
    }

    fn random(&mut self) -> u64 {
        // xorshift64 (Marsaglia, "Xorshift RNGs", J. Stat. Soft. 8(14), 2003).
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }

    fn fresh(&mut self) -> Event {
        self.step += 1;
        self.ts_ns += 1_000_000 + self.random() % 1_000_000;
        let r = self.random();
        let ix = (r & 1) as usize;
        let instrument = InstrumentId(ix as u32);
        let tick = 1_000_000 * (10 - (r >> 8) as i64 % 21);
        self.prices[ix] = (self.prices[ix] + tick).max(100_000_000);
        let last = Price::from_raw(self.prices[ix]);
        let spread = Price::from_raw(1_000_000);
        let side = if (r >> 20) & 1 == 0 {
            Side::Buy
        } else {
            Side::Sell
        };
        let qty = Qty::from_raw(((r >> 24) % 5 + 1) as i64 * 1_000_000);
        let order_id = self.state.next_order_id();
        let body = match self.step % 10 {
            3 => EventBody::SignalDetected {
                instrument,
                side,
                strategy: self.strategy,
                price: last,
                qty,
            },
            4 => EventBody::OrderSubmitted {
                order_id,
                instrument,
                side,
                qty,
                price: last,
            },
            5 => EventBody::TradeExecuted {
                order_id: order_id.saturating_sub(1).max(1),
                instrument,
                side,
                qty,
                price: last,
                fee: Money::from_raw(qty.raw() / 1_000),
            },
            _ if self.step == 1 => EventBody::RunnerStarted {
                reason: Reason::Start,
            },
            _ => EventBody::MarketUpdate {
                instrument,
                bid: Price::from_raw(last.raw() - spread.raw()),
                ask: Price::from_raw(last.raw() + spread.raw()),
                last,
            },
        };
        Event::new(self.ts_ns, body)
    }
}

/// Writes `events` [`Synthetic`] events (seed 1) as a log in `dir` (segments of
/// `segment_bytes`), synced, and returns their fold.
///
/// # Errors
///
/// As [`LogWriter::open`], [`LogWriter::append`] and [`LogWriter::sync`].
pub fn write_synthetic_log(
    dir: &Path,
    events: u64,
    segment_bytes: u64,
) -> Result<State, PersistError> {
    let (mut log, _) = LogWriter::open(dir, segment_bytes, Synthetic::meta())?;
    let mut stream = Synthetic::new(1);
    for _ in 0..events {
        let (seq, record) = stream.next_event();
        log.append(seq, &record)?;
        if seq % 65_536 == 0 {
            log.write()?;
        }
    }
    log.sync()?;
    Ok(stream.state().clone())
}

/// One restore, measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RestoreRate {
    /// Events replayed.
    pub events: u64,
    /// The restored sequence number.
    pub last_seq: u64,
    /// Wall time of the whole restore (listing, snapshot, replay).
    pub elapsed: Duration,
    /// `events / elapsed`.
    pub per_sec: f64,
    /// CPU time of the restoring thread: on a loaded machine wall time includes waiting
    /// for a core, this does not.
    pub cpu: Duration,
    /// `events / cpu`: the rate with a core to itself.
    pub per_cpu_sec: f64,
}

/// Restores `dir` once (read-only) and reports the rate. Run it twice and keep the
/// second figure to measure from the page cache.
///
/// # Errors
///
/// As [`restore`].
pub fn restore_rate(dir: &Path) -> Result<RestoreRate, PersistError> {
    let cpu0 = thread_cpu();
    let restored = restore(dir, RestoreOptions::default())?;
    let cpu = thread_cpu().saturating_sub(cpu0);
    let r = &restored.report;
    let secs = cpu.as_secs_f64();
    Ok(RestoreRate {
        events: r.events_replayed,
        last_seq: r.last_seq,
        elapsed: r.elapsed,
        per_sec: r.rate(),
        cpu,
        per_cpu_sec: if secs > 0.0 {
            r.events_replayed as f64 / secs
        } else {
            0.0
        },
    })
}

/// CPU time of the calling thread.
fn thread_cpu() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(
        t.tv_sec.max(0) as u64,
        t.tv_nsec.clamp(0, 999_999_999) as u32,
    )
}
