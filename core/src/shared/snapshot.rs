//! [`Snapshot`]: everything a reader shows about an instance, read once, and
//! [`to_json`], the `monitor --once --json` object (DESIGN.md, "Interfaces") that the
//! monitor, the bridge's `/api/state` and tests all print.
//!
//! Money, prices and quantities are written as exact decimal numbers through the
//! domain's JSON writer (never through `f64`).
//!
//! Progress: blocking (a directory listing for the reader slots and a liveness probe);
//! call it off any hot path.
//!
//! # Example
//!
//! ```no_run
//! use std::time::Duration;
//! use seamless_core::shared::{SharedReader, snapshot};
//! let reader = SharedReader::attach(None, "default")?;
//! let snap = reader.snapshot(Duration::from_millis(500))?;
//! println!("{}", snapshot::to_json(&snap));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt::{self, Write};
use std::path::PathBuf;
use std::time::Duration;

use seamless_ipc::reader_slot::list_reader_slots;
use seamless_ipc::region::Status;

use super::reader::SharedReader;
use super::rows::{LatencyRow, MarketRow, MetricsRow, RunnerRow};
use super::table::RowError;
use crate::domain::{
    Account, InstrumentId, JsonObject, JsonValue, Monitor, Position, SignalLog, write_string,
};

/// The reader slot role of the persister (its durable cursor is the log's).
pub const PERSIST_ROLE: &str = "persist";

/// The least heartbeat age at which a live reader counts as stale, whatever the
/// threshold given: readers beat every 100 ms, so a few missed beats, not one.
pub const READER_STALE_MIN: Duration = Duration::from_millis(400);

/// One reader slot as a snapshot shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderInfo {
    /// The slot's role (`persist`, `monitor-1234`, ...).
    pub role: String,
    /// The role up to its first `-` (`persist`, `monitor`, `bridge`).
    pub kind: String,
    /// The reader's pid.
    pub pid: u32,
    /// Next sequence it still needs.
    pub cursor: u64,
    /// Events published that it has not consumed: `last_seq + 1 - cursor`.
    pub lag: u64,
    /// Whether it gates the core.
    pub gating: bool,
    /// Whether it is alive (holds its slot's lock).
    pub alive: bool,
    /// Milliseconds since its last heartbeat (`None`: it never beat).
    pub heartbeat_age_ms: Option<u64>,
    /// Alive but its heartbeat is older than the threshold (or [`READER_STALE_MIN`]):
    /// hung or stopped by a signal.
    pub stale: bool,
    /// Next sequence it has not made durable (the persister).
    pub durable_cursor: u64,
}

/// Everything about an instance at one moment, as read from its region.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// Instance name.
    pub instance: String,
    /// The run's random id.
    pub instance_id: u64,
    /// The core's pid.
    pub pid: u32,
    /// The region's status word.
    pub status: Status,
    /// Whether the core holds its lock.
    pub alive: bool,
    /// Milliseconds since the core's last heartbeat.
    pub heartbeat_age_ms: Option<u64>,
    /// Heartbeat older than the threshold given, or the core is dead.
    pub stale: bool,
    /// Symbols, by instrument id.
    pub symbols: Vec<String>,
    /// The runner row.
    pub runner: RunnerRow,
    /// The account.
    pub account: Account,
    /// Positions, by instrument id.
    pub positions: Vec<Position>,
    /// Live market rows, by instrument id.
    pub market: Vec<MarketRow>,
    /// Recent signals, by instrument id.
    pub signals: Vec<SignalLog>,
    /// Monitors, by instrument id.
    pub monitors: Vec<Monitor>,
    /// Reader slots of the instance.
    pub readers: Vec<ReaderInfo>,
    /// The core's metrics.
    pub metrics: MetricsRow,
    /// The last interval's latency percentiles.
    pub latency: LatencyRow,
    /// Last event sequence folded and published.
    pub last_seq: u64,
    /// Last sequence the persister made durable (`None` without a persister).
    pub durable_seq: Option<u64>,
    /// The state version the rows were read at (or after).
    pub state_version: u64,
}

impl SharedReader {
    /// Reads every row, lists the instance's reader slots and probes liveness.
    /// `stale_after` is the heartbeat age beyond which the core counts as stale
    /// (`monitor.stale_ms`).
    ///
    /// # Errors
    ///
    /// The first row that could not be read ([`RowError`]).
    pub fn snapshot(&self, stale_after: Duration) -> Result<Snapshot, RowError> {
        let state_version = self.state_version();
        let ids = (0..self.instruments().len()).map(|ix| InstrumentId(ix as u32));
        let mut snap = Snapshot {
            instance: self.name().to_owned(),
            instance_id: self.instance_id(),
            pid: self.pid(),
            status: self.status(),
            alive: self.is_owner_alive(),
            heartbeat_age_ms: self.heartbeat_age().map(|d| d.as_millis() as u64),
            stale: false,
            symbols: ids
                .clone()
                .filter_map(|id| self.symbol(id))
                .map(str::to_owned)
                .collect(),
            runner: self.runner()?.0,
            account: self.account()?.0,
            positions: self.positions()?,
            market: ids
                .clone()
                .map(|id| Ok(self.market(id)?.0))
                .collect::<Result<_, RowError>>()?,
            signals: ids
                .clone()
                .map(|id| Ok(self.signals(id)?.0))
                .collect::<Result<_, RowError>>()?,
            monitors: ids
                .map(|id| Ok(self.monitor(id)?.0))
                .collect::<Result<_, RowError>>()?,
            readers: Vec::new(),
            metrics: self.metrics()?.0,
            latency: self.latency()?.0,
            last_seq: 0,
            durable_seq: None,
            state_version,
        };
        snap.last_seq = snap.runner.last_seq;
        let age = snap.heartbeat_age_ms.map(Duration::from_millis);
        snap.stale = !snap.alive || age.is_none_or(|a| a > stale_after);
        snap.readers = self.reader_infos(snap.last_seq, stale_after);
        snap.durable_seq = snap
            .readers
            .iter()
            .find(|r| r.role == PERSIST_ROLE)
            .map(|r| r.durable_cursor.saturating_sub(1));
        Ok(snap)
    }

    /// The instance's reader slots (unusable files are left out); a live reader whose
    /// heartbeat is older than `stale_after` (at least [`READER_STALE_MIN`]) is stale.
    pub fn reader_infos(&self, last_seq: u64, stale_after: Duration) -> Vec<ReaderInfo> {
        let limit = stale_after.max(READER_STALE_MIN);
        let dir: Option<PathBuf> = self.region().path().parent().map(PathBuf::from);
        let Ok(listing) = list_reader_slots(dir.as_deref(), self.name()) else {
            return Vec::new();
        };
        listing
            .into_iter()
            .filter_map(|l| l.slot.ok())
            .map(|s| ReaderInfo {
                kind: s.role.split('-').next().unwrap_or_default().to_owned(),
                pid: s.pid,
                cursor: s.cursor,
                lag: (last_seq + 1).saturating_sub(s.cursor.max(1)),
                gating: s.gating,
                alive: s.alive,
                heartbeat_age_ms: s.heartbeat_age.map(|a| a.as_millis() as u64),
                stale: s.alive && s.heartbeat_age.is_some_and(|a| a > limit),
                durable_cursor: s.durable_cursor,
                role: s.role,
            })
            .collect()
    }
}

/// The `monitor --once --json` object for `snap`, on one line (keys in the order of
/// DESIGN.md "Interfaces", plus a few extras: `instance_id`, `status`, `alive`,
/// `state_version`).
pub fn to_json(snap: &Snapshot) -> String {
    let mut out = String::with_capacity(4096);
    // Writing into a String cannot fail; an empty string would signal a bug.
    if write_json(snap, &mut out).is_err() {
        out.clear();
    }
    out
}

/// Writes the snapshot object into `out`.
///
/// # Errors
///
/// Only those of `out`.
pub fn write_json<W: Write + ?Sized>(snap: &Snapshot, out: &mut W) -> fmt::Result {
    let mut o = JsonObject::begin(out)?;
    o.field("instance", snap.instance.as_str())?;
    o.field("instance_id", snap.instance_id)?;
    o.field("pid", snap.pid)?;
    o.field("status", snap.status.to_string().as_str())?;
    o.field("alive", snap.alive)?;
    o.field("heartbeat_age_ms", snap.heartbeat_age_ms)?;
    o.field("stale", snap.stale)?;
    runner_json(&snap.runner, o.nested("runner")?)?;
    account_json(&snap.account, o.nested("account")?)?;
    array(
        o.nested("positions")?,
        snap.positions.iter().enumerate(),
        |(ix, p), w| position_json(sym(snap, ix), p, w),
    )?;
    array(
        o.nested("market")?,
        snap.market.iter().enumerate(),
        |(ix, m), w| market_json(sym(snap, ix), m, w),
    )?;
    signals_json(snap, o.nested("signals")?)?;
    array(
        o.nested("monitors")?,
        snap.monitors.iter().enumerate(),
        |(ix, m), w| monitor_json(sym(snap, ix), m, w),
    )?;
    array(o.nested("readers")?, snap.readers.iter(), reader_json)?;
    metrics_json(&snap.metrics, &snap.latency, o.nested("metrics")?)?;
    o.field("last_seq", snap.last_seq)?;
    o.field("durable_seq", snap.durable_seq)?;
    o.field("state_version", snap.state_version)?;
    o.end()
}

fn sym(snap: &Snapshot, ix: usize) -> &str {
    snap.symbols.get(ix).map_or("", String::as_str)
}

/// Writes `[item,item,...]`.
fn array<W: Write + ?Sized, I: Iterator>(
    out: &mut W,
    items: I,
    mut item: impl FnMut(I::Item, &mut W) -> fmt::Result,
) -> fmt::Result {
    out.write_char('[')?;
    for (i, it) in items.enumerate() {
        if i > 0 {
            out.write_char(',')?;
        }
        item(it, out)?;
    }
    out.write_char(']')
}

/// A code's name, or `null` for 0/unknown.
struct Name(Option<&'static str>);

impl JsonValue for Name {
    fn write_json<W: Write + ?Sized>(&self, out: &mut W) -> fmt::Result {
        match self.0 {
            Some(s) => write_string(s, out),
            None => out.write_str("null"),
        }
    }
}

fn runner_json<W: Write + ?Sized>(r: &RunnerRow, out: &mut W) -> fmt::Result {
    let mut o = JsonObject::begin(out)?;
    o.field("status", Name(r.runner.status().map(|s| s.name())))?;
    o.field("started_at", r.runner.started_ns)?;
    o.field("stopped_at", r.runner.stopped_ns)?;
    o.field("reason", Name(r.runner.reason().map(|s| s.name())))?;
    o.field("starts", r.runner.starts)?;
    o.field("pid", r.pid)?;
    o.end()
}

fn account_json<W: Write + ?Sized>(a: &Account, out: &mut W) -> fmt::Result {
    let mut o = JsonObject::begin(out)?;
    o.field("cash", a.cash)?;
    o.field("realized_pnl", a.realized_pnl)?;
    o.field("unrealized_pnl", a.unrealized_pnl)?;
    o.field("equity", a.equity)?;
    o.field("daily_pnl", a.daily_pnl)?;
    // Signed as in the config (`risk.daily_loss_limit = -5000`); the fold keeps the
    // magnitude.
    o.field("daily_loss_limit", a.daily_loss_limit.saturating_neg())?;
    o.field("halted", a.is_halted())?;
    o.field("halt_reason", Name(a.halt_reason().map(|r| r.name())))?;
    o.field("fees", a.fees)?;
    o.field("market_value", a.market_value)?;
    o.end()
}

fn position_json<W: Write + ?Sized>(symbol: &str, p: &Position, out: &mut W) -> fmt::Result {
    let mut o = JsonObject::begin(out)?;
    o.field("instrument", symbol)?;
    o.field("qty", p.qty)?;
    o.field("avg_price", p.avg_price)?;
    o.field("realized_pnl", p.realized_pnl)?;
    o.field("unrealized_pnl", p.unrealized_pnl)?;
    o.field("market_value", p.market_value)?;
    o.field("fills", p.fills)?;
    o.field("updated_ns", p.updated_ns)?;
    // Schema 2: the price the position is valued at, and when it was set.
    o.field("mark", (p.marked != 0).then_some(p.mark))?;
    o.field("mark_ns", p.mark_ns)?;
    o.end()
}

fn market_json<W: Write + ?Sized>(symbol: &str, m: &MarketRow, out: &mut W) -> fmt::Result {
    let seen = m.ticks > 0;
    let mut o = JsonObject::begin(out)?;
    o.field("instrument", symbol)?;
    o.field("bid", seen.then_some(m.bid))?;
    o.field("ask", seen.then_some(m.ask))?;
    o.field("last", seen.then_some(m.last))?;
    o.field("updated_ns", m.updated_ns)?;
    o.field("ticks", m.ticks)?;
    o.field("mark", (m.marks > 0).then_some(m.mark))?;
    o.end()
}

fn signals_json<W: Write + ?Sized>(snap: &Snapshot, out: &mut W) -> fmt::Result {
    let mut all: Vec<(usize, &crate::domain::SignalEntry)> = snap
        .signals
        .iter()
        .enumerate()
        .flat_map(|(ix, log)| log.iter().map(move |e| (ix, e)))
        .collect();
    all.sort_by_key(|e| std::cmp::Reverse(e.1.seq));
    array(out, all.into_iter(), |(ix, e), w| {
        let mut o = JsonObject::begin(w)?;
        o.field("seq", e.seq)?;
        o.field("ts_ns", e.ts_ns)?;
        o.field("instrument", sym(snap, ix))?;
        o.field("side", Name(e.side().map(|s| s.name())))?;
        let strategy = e.strategy();
        o.field("strategy", strategy.as_ref().map(|s| s.as_str()))?;
        o.field("price", e.price)?;
        o.field("qty", e.qty)?;
        o.end()
    })
}

fn monitor_json<W: Write + ?Sized>(symbol: &str, m: &Monitor, out: &mut W) -> fmt::Result {
    let mut o = JsonObject::begin(out)?;
    o.field("instrument", symbol)?;
    o.field("armed", m.is_armed())?;
    o.field("stop", m.stop())?;
    o.field("target", m.target())?;
    o.field("triggers", m.triggers)?;
    o.field("last_trigger", Name(m.last_trigger().map(|t| t.name())))?;
    o.end()
}

fn reader_json<W: Write + ?Sized>(r: &ReaderInfo, out: &mut W) -> fmt::Result {
    let mut o = JsonObject::begin(out)?;
    o.field("kind", r.kind.as_str())?;
    o.field("role", r.role.as_str())?;
    o.field("pid", r.pid)?;
    o.field("cursor", r.cursor)?;
    o.field("lag", r.lag)?;
    o.field("gating", r.gating)?;
    o.field("alive", r.alive)?;
    o.field("heartbeat_age_ms", r.heartbeat_age_ms)?;
    o.field("stale", r.stale)?;
    o.end()
}

fn metrics_json<W: Write + ?Sized>(m: &MetricsRow, l: &LatencyRow, out: &mut W) -> fmt::Result {
    let mut o = JsonObject::begin(out)?;
    o.field("events_published", m.events_published)?;
    o.field("ticks", m.ticks)?;
    o.field("ticks_fed", m.ticks_fed)?;
    o.field("feed_skipped", m.feed_skipped)?;
    o.field("feed_done", m.feed_done != 0)?;
    o.field("orders", m.orders)?;
    o.field("fills", m.fills)?;
    o.field("rejects", m.rejects)?;
    o.field("ring_capacity", m.ring_capacity)?;
    o.field("ring_fill", m.ring_fill)?;
    o.field("gates", m.gates)?;
    o.field("persistence_lag", m.persistence_lag)?;
    o.field("gating_stalls", m.gating_stalls)?;
    o.field("gating_stall_ns", m.gating_stall_ns)?;
    let w = o.nested("latency_ns")?;
    let mut lat = JsonObject::begin(w)?;
    lat.field("interval_ns", l.interval_ns)?;
    lat.field("count", l.count)?;
    lat.field("min", l.min)?;
    lat.field("p50", l.p50)?;
    lat.field("p90", l.p90)?;
    lat.field("p99", l.p99)?;
    lat.field("p999", l.p999)?;
    lat.field("max", l.max)?;
    lat.field("mean", l.mean)?;
    lat.field("total_count", l.total_count)?;
    lat.end()?;
    o.end()
}
