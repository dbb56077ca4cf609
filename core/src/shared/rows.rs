//! The region's own row records: the ones that are not already a [`State`] row.
//!
//! Positions, the account, signals and monitors are published as the fold's own records
//! ([`Position`](crate::domain::Position), [`Account`](crate::domain::Account),
//! [`SignalLog`](crate::domain::SignalLog), [`Monitor`](crate::domain::Monitor)), so a
//! reader sees exactly what the engine folded. The records here add what the fold does
//! not hold: the static instrument table, live market data (every tick), the runner
//! with its pid and counters, and the core's metrics and latency percentiles.
//!
//! Every record is `#[repr(C)]`, zerocopy-derived (so it satisfies
//! [`words::Record`](seamless_ipc::words::Record)), made of whole 8-byte words with
//! explicit `_pad`/`_reserved` fields, and described field by field in
//! [`RECORDS`](super::RECORDS) so the layout hash changes whenever one of them does.
//!
//! Progress: plain `Copy` data.
//!
//! It must never hold a pointer, a float or padding zerocopy cannot see.
//!
//! [`State`]: crate::domain::State

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::domain::{Counters, InstrumentId, Price, Qty, Runner, Symbol};

/// Describes the region's tables (section `meta`, written once before the region is
/// marked running). 8 words.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct MetaRow {
    /// Instruments in use: rows `0..instruments` of every per-instrument table.
    pub instruments: u64,
    /// Rows in every per-instrument table ([`MAX_INSTRUMENTS`](crate::domain::MAX_INSTRUMENTS)).
    pub max_instruments: u64,
    /// Slots in the event ring.
    pub event_capacity: u64,
    /// Sequence number of the first event this run publishes.
    pub first_seq: u64,
    /// The core's heartbeat period, in milliseconds.
    pub heartbeat_ms: u64,
    /// Reserved (zero).
    pub _reserved: [u64; 3],
}

/// One instrument of the run (section `instruments`; static). 6 words.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct InstrumentRow {
    /// The symbol, zero-padded ([`Symbol::to_bytes`]).
    pub symbol: [u8; 16],
    /// Smallest price increment.
    pub tick_size: Price,
    /// Smallest quantity increment.
    pub lot_size: Qty,
    /// Its id (= its row index).
    pub id: InstrumentId,
    /// Explicit padding (zero).
    pub _pad: u32,
    /// Reserved (zero).
    pub _reserved: u64,
}

impl InstrumentRow {
    /// The symbol, if the bytes hold a valid one.
    pub fn symbol(&self) -> Option<Symbol> {
        Symbol::from_bytes(&self.symbol).ok()
    }
}

/// Live market data of one instrument (section `market`): the latest tick, written for
/// every tick (display data, outside the fold), and the fold's last mark. 9 words.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct MarketRow {
    /// Best bid of the latest tick.
    pub bid: Price,
    /// Best ask of the latest tick.
    pub ask: Price,
    /// Last price of the latest tick.
    pub last: Price,
    /// Source time of the latest tick (Unix ns).
    pub updated_ns: u64,
    /// Ticks received for this instrument this run (0: none yet).
    pub ticks: u64,
    /// The fold's mark (`last` of the last `market_update`), 0 before the first.
    pub mark: Price,
    /// Event time of the last `market_update`.
    pub mark_ns: u64,
    /// `market_update` events folded for this instrument.
    pub marks: u64,
    /// The latest tick's feed stamp ([`stamp_ns`](crate::runtime::stamp_ns):
    /// `CLOCK_MONOTONIC`, comparable between processes), taken just before the tick
    /// entered the feed ring; 0 before the first tick. A reader in another process
    /// measures tick-to-visible latency as `stamp_ns() - stamp` (`seamless bench
    /// tick-to-event`).
    pub stamp: u64,
}

/// The runner (section `runner`): the fold's runner row and counters, plus what a
/// reader needs to name the process and follow the sequence. 16 words.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct RunnerRow {
    /// Status, reason and start/stop times (event time) as folded.
    pub runner: Runner,
    /// The core's pid.
    pub pid: u64,
    /// Sequence number of the last event folded (and published).
    pub last_seq: u64,
    /// Time of that event.
    pub last_ts_ns: u64,
    /// The fold's event counters.
    pub counters: Counters,
    /// Reserved (zero).
    pub _reserved: u64,
}

/// The core's counters (section `metrics`), written by its housekeeping thread a few
/// times a second from the hot threads' relaxed counters. 24 words.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct MetricsRow {
    /// When this row was written ([`monotonic_ns`](seamless_ipc::shm::monotonic_ns)).
    pub updated_ns: u64,
    /// Events published this run.
    pub events_published: u64,
    /// Sequence number of the last event published.
    pub last_seq: u64,
    /// Ticks the engine processed.
    pub ticks: u64,
    /// Ticks the feed thread handed over.
    pub ticks_fed: u64,
    /// CSV rows skipped under `bad_rows = "skip"`.
    pub feed_skipped: u64,
    /// 1 once the feed has ended.
    pub feed_done: u64,
    /// Orders submitted (the fold's counter).
    pub orders: u64,
    /// Fills booked (the fold's counter).
    pub fills: u64,
    /// Orders rejected (the fold's counter).
    pub rejects: u64,
    /// Input batches the engine processed (= state publications).
    pub batches: u64,
    /// Slots in the event ring.
    pub ring_capacity: u64,
    /// Events gating readers still hold in the ring (0 without gates).
    pub ring_fill: u64,
    /// Gating readers registered.
    pub gates: u64,
    /// Smallest gate cursor: the oldest sequence a gating reader still needs (0: none).
    pub gate_min_cursor: u64,
    /// Last sequence the persister reported durable (0: no persister).
    pub durable_seq: u64,
    /// Events published but not yet durable (0 without a persister).
    pub persistence_lag: u64,
    /// Times the engine found the ring full of events a gating reader still needed.
    pub gating_stalls: u64,
    /// Nanoseconds the engine spent waiting on full rings.
    pub gating_stall_ns: u64,
    /// Events published over a gating reader's cursor at shutdown because it did not
    /// drain the ring within `gating.shutdown_timeout_ms`.
    pub forced_overwrites: u64,
    /// Orders the broker thread holds until their due time.
    pub broker_held: u64,
    /// Ticks for unknown instruments plus broker replies the engine ignored.
    pub ignored_inputs: u64,
    /// Reserved (zero).
    pub _reserved: [u64; 2],
}

/// Percentiles of one interval of tick-to-publish latency (section `latency`), in
/// nanoseconds: from the feed thread's stamp just before a tick enters the feed ring
/// to the end of the state publication that covers it (its market row, and every event
/// it caused, visible to readers). 12 words.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct LatencyRow {
    /// When this row was written ([`monotonic_ns`](seamless_ipc::shm::monotonic_ns)).
    pub updated_ns: u64,
    /// Length of the interval these percentiles cover.
    pub interval_ns: u64,
    /// Ticks measured in the interval (0: the percentiles are all 0).
    pub count: u64,
    /// Smallest.
    pub min: u64,
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p999: u64,
    /// Largest.
    pub max: u64,
    /// Mean, rounded down.
    pub mean: u64,
    /// Ticks measured over the whole run.
    pub total_count: u64,
    /// Reserved (zero).
    pub _reserved: u64,
}
