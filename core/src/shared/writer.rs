//! The core's side of the region: [`SharedRegion`] creates it; [`SharedWriter`] (the
//! engine thread's) publishes state rows and events; [`StatsWriter`] (the housekeeping
//! thread's) publishes metrics and latency.
//!
//! One writer per row: the engine thread owns every state row, the event ring and
//! `state_version`; the housekeeping thread owns the metrics and latency rows. The
//! split is made once ([`SharedRegion::writers`]), so no row can get a second writer.
//!
//! Progress: [`SharedWriter::publish_dirty`] and the event calls are wait-free and
//! allocation-free (a bounded number of seqlock writes); creating the region blocks.

use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use seamless_ipc::broadcast::{Full, InitError, Producer};
use seamless_ipc::region::{CreateError, RegionOwner, SectionError};
use seamless_ipc::seqlock::{LayoutError, SeqlockWriter};

use super::layout::{self, BadCapacity, META_ROW_WORD, section};
use super::rows::{InstrumentRow, LatencyRow, MarketRow, MetaRow, MetricsRow, RunnerRow};
use super::table::TableWriter;
use crate::domain::{
    Account, EventRecord, InstrumentId, Instruments, MAX_INSTRUMENTS, Market, Monitor, Position,
    SignalLog, State,
};
use crate::engine::{Dirty, Engine, LiveQuote};

/// Why the region could not be created or set up.
#[derive(Debug)]
#[non_exhaustive]
pub enum RegionError {
    /// The event ring capacity does not fit.
    Capacity(BadCapacity),
    /// The region file could not be created; [`CreateError::AlreadyRunning`] names the
    /// live core's pid.
    Create(CreateError),
    /// A section is missing or too small (a bug in the layout code).
    Section(String),
    /// The event ring could not be initialised.
    Ring(InitError),
    /// More instruments than the tables hold.
    TooManyInstruments(usize),
    /// [`SharedRegion::writers`] was already called.
    WritersTaken,
}

impl fmt::Display for RegionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegionError::Capacity(e) => e.fmt(f),
            RegionError::Create(e) => e.fmt(f),
            RegionError::Section(s) => write!(f, "region section {s}"),
            RegionError::Ring(e) => write!(f, "event ring: {e}"),
            RegionError::TooManyInstruments(n) => {
                write!(f, "{n} instruments, the region holds {MAX_INSTRUMENTS}")
            }
            RegionError::WritersTaken => f.write_str("the region's writers were already taken"),
        }
    }
}

impl std::error::Error for RegionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RegionError::Create(e) => Some(e),
            RegionError::Ring(e) => Some(e),
            _ => None,
        }
    }
}

impl From<SectionError> for RegionError {
    fn from(e: SectionError) -> Self {
        RegionError::Section(e.to_string())
    }
}

impl From<LayoutError> for RegionError {
    fn from(e: LayoutError) -> Self {
        RegionError::Section(e.to_string())
    }
}

/// The core's region: created with the layout of [`layout`](super::layout), status
/// `Starting` until the caller sets it running.
#[derive(Debug)]
pub struct SharedRegion {
    owner: RegionOwner,
    event_capacity: usize,
    /// Set by the one successful [`writers`](Self::writers) call.
    taken: AtomicBool,
}

/// What [`SharedRegion::writers`] writes before handing the writers out.
#[derive(Debug, Clone, Copy)]
pub struct WriterSetup<'a> {
    /// The run's instruments (written to the static table).
    pub instruments: &'a Instruments,
    /// The first sequence number this run publishes (`state.last_seq() + 1`).
    pub first_seq: u64,
    /// Size of the event ring's gate table.
    pub max_gates: usize,
    /// The heartbeat period, for readers' staleness checks.
    pub heartbeat_ms: u64,
}

impl SharedRegion {
    /// Creates instance `name`'s region in `dir` (default: `SEAMLESS_SHM_DIR` or
    /// /dev/shm) with an event ring of `event_capacity` slots. A dead core's region is
    /// replaced; a live one is refused.
    ///
    /// # Errors
    ///
    /// [`RegionError::Create`] (e.g. [`CreateError::AlreadyRunning`] with the pid) or
    /// [`RegionError::Capacity`].
    pub fn create(
        dir: Option<&Path>,
        name: &str,
        event_capacity: usize,
    ) -> Result<Self, RegionError> {
        let sections = layout::sections(event_capacity).map_err(RegionError::Capacity)?;
        let owner = RegionOwner::create(dir, name, &layout::region_spec(&sections))
            .map_err(RegionError::Create)?;
        Ok(SharedRegion {
            owner,
            event_capacity,
            taken: AtomicBool::new(false),
        })
    }

    /// The region's header handle: heartbeat, status, instance id, path.
    pub fn owner(&self) -> &RegionOwner {
        &self.owner
    }

    /// Writes the static rows (meta, instruments), initialises the event ring starting
    /// at `setup.first_seq`, and hands out the two writers. Call it once.
    ///
    /// # Errors
    ///
    /// [`RegionError::WritersTaken`] on a second call; [`RegionError::Ring`] for a bad
    /// first sequence; [`RegionError::TooManyInstruments`].
    pub fn writers(
        &self,
        setup: &WriterSetup<'_>,
    ) -> Result<(SharedWriter<'_>, StatsWriter<'_>), RegionError> {
        if setup.instruments.len() > MAX_INSTRUMENTS {
            return Err(RegionError::TooManyInstruments(setup.instruments.len()));
        }
        // Relaxed: a flag against a second call on any thread; it orders nothing.
        if self.taken.swap(true, Ordering::Relaxed) {
            return Err(RegionError::WritersTaken);
        }
        let words = |id| self.owner.section(id).map(|s| s.words());
        let meta = words(section::META)?;
        let (Some(state_version), Some(meta_cell)) = (meta.first(), meta.get(META_ROW_WORD..))
        else {
            return Err(RegionError::Section("meta is too small".into()));
        };
        let rows = MAX_INSTRUMENTS;
        let events = self.owner.section(section::EVENTS)?;
        // SAFETY: `taken` makes this the only call that builds writers for these cells
        // (and the only producer of the ring), the region's sections do not overlap,
        // and the event section is our read-write mapping, valid while `self` lives.
        let (mut meta_row, mut instruments, writer, stats) = unsafe {
            let meta_row = SeqlockWriter::<MetaRow>::new(meta_cell)?;
            let instruments =
                TableWriter::<InstrumentRow>::new(words(section::INSTRUMENTS)?, rows)?;
            let events = Producer::create_raw(
                events.as_mut_ptr(),
                events.len(),
                self.event_capacity as u64,
                setup.first_seq,
                setup.max_gates,
            )
            .map_err(RegionError::Ring)?;
            let writer = SharedWriter {
                state_version,
                version: 0,
                market: TableWriter::new(words(section::MARKET)?, rows)?,
                positions: TableWriter::new(words(section::POSITIONS)?, rows)?,
                account: SeqlockWriter::new(words(section::ACCOUNT)?)?,
                signals: TableWriter::new(words(section::SIGNALS)?, rows)?,
                monitors: TableWriter::new(words(section::MONITORS)?, rows)?,
                runner: SeqlockWriter::new(words(section::RUNNER)?)?,
                stamps: [0; MAX_INSTRUMENTS],
                pid: u64::from(std::process::id()),
                events,
            };
            let stats = StatsWriter {
                metrics: SeqlockWriter::new(words(section::METRICS)?)?,
                latency: SeqlockWriter::new(words(section::LATENCY)?)?,
            };
            (meta_row, instruments, writer, stats)
        };
        for (id, i) in setup.instruments.iter() {
            let row = InstrumentRow {
                symbol: i.symbol.to_bytes(),
                tick_size: i.tick_size,
                lot_size: i.lot_size,
                id,
                _pad: 0,
                _reserved: 0,
            };
            instruments.write(id.index(), &row);
        }
        meta_row.write(&MetaRow {
            instruments: setup.instruments.len() as u64,
            max_instruments: rows as u64,
            event_capacity: self.event_capacity as u64,
            first_seq: setup.first_seq,
            heartbeat_ms: setup.heartbeat_ms,
            _reserved: [0; 3],
        });
        Ok((writer, stats))
    }
}

/// The engine thread's writer: every state row, `state_version` and the event ring.
pub struct SharedWriter<'r> {
    /// SYNC POINT state-version: stored `Release` after each publication batch; pairs
    /// with the relaxed load + `Acquire` fence in `SharedReader::state_version`.
    state_version: &'r AtomicU64,
    /// The value last stored in `state_version`.
    version: u64,
    market: TableWriter<'r, MarketRow>,
    positions: TableWriter<'r, Position>,
    account: SeqlockWriter<'r, Account>,
    signals: TableWriter<'r, SignalLog>,
    monitors: TableWriter<'r, Monitor>,
    runner: SeqlockWriter<'r, RunnerRow>,
    /// Each instrument's latest tick stamp ([`note_tick_stamp`](Self::note_tick_stamp)),
    /// published in its market row.
    stamps: [u64; MAX_INSTRUMENTS],
    pid: u64,
    events: Producer<'r, EventRecord>,
}

impl fmt::Debug for SharedWriter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedWriter")
            .field("state_version", &self.version)
            .field("rows", &self.market.len())
            .field("events", &self.events)
            .finish_non_exhaustive()
    }
}

/// The market row of one instrument: its live quote (with its tick's feed stamp) and
/// the fold's mark.
fn market_row(live: Option<&LiveQuote>, stamp: u64, mark: Option<&Market>) -> MarketRow {
    let mut row = MarketRow {
        stamp,
        ..MarketRow::default()
    };
    if let Some(l) = live {
        (row.bid, row.ask, row.last) = (l.quote.bid, l.quote.ask, l.quote.last);
        (row.updated_ns, row.ticks) = (l.ts_ns, l.ticks);
    }
    if let Some(m) = mark.filter(|m| m.updates > 0) {
        (row.mark, row.mark_ns, row.marks) = (m.last, m.updated_ns, m.updates);
    }
    row
}

impl<'r> SharedWriter<'r> {
    /// Publishes the rows `dirty` names from the engine's state and live quotes, then
    /// bumps `state_version` (unless nothing was dirty). Hot path: seqlock writes only.
    #[inline]
    pub fn publish_dirty(&mut self, engine: &Engine, dirty: Dirty) {
        if dirty.is_clean() {
            return;
        }
        let state = engine.state();
        for id in dirty.market.iter() {
            let stamp = self.stamps.get(id.index()).copied().unwrap_or(0);
            let row = market_row(engine.quote(id), stamp, state.market(id));
            self.market.write(id.index(), &row);
        }
        self.publish_rows(state, &dirty);
        self.version += 1;
        self.state_version.store(self.version, Ordering::Release);
    }

    fn publish_rows(&mut self, state: &State, dirty: &Dirty) {
        for id in dirty.positions.iter() {
            if let Some(p) = state.position(id) {
                self.positions.write(id.index(), p);
            }
        }
        for id in dirty.monitors.iter() {
            if let Some(m) = state.monitor(id) {
                self.monitors.write(id.index(), m);
            }
        }
        for id in dirty.signals.iter() {
            if let Some(log) = state.signals(id) {
                self.signals.write(id.index(), log);
            }
        }
        if dirty.account {
            self.account.write(state.account());
        }
        if dirty.runner || dirty.counters {
            self.runner.write(&RunnerRow {
                runner: *state.runner(),
                pid: self.pid,
                last_seq: state.last_seq(),
                last_ts_ns: state.last_ts_ns(),
                counters: *state.counters(),
                _reserved: 0,
            });
        }
    }

    /// Notes the feed stamp of a tick for `id`, published in its market row by the next
    /// [`publish_dirty`](Self::publish_dirty) (the runtime calls it for every tick it
    /// hands the engine). Hot path: one store; an id beyond the table is ignored.
    #[inline]
    pub fn note_tick_stamp(&mut self, id: InstrumentId, stamp: u64) {
        if let Some(slot) = self.stamps.get_mut(id.index()) {
            *slot = stamp;
        }
    }

    /// The value of `state_version` last published (publication batches so far).
    pub fn state_version(&self) -> u64 {
        self.version
    }

    /// Publishes event `seq` unless a gating reader still needs its slot.
    ///
    /// # Errors
    ///
    /// [`Full`] (nothing written): the caller applies the gating policy and retries.
    #[inline]
    pub fn try_publish_event(&mut self, seq: u64, record: &EventRecord) -> Result<(), Full> {
        debug_assert_eq!(seq, self.events.next_seq(), "events must be contiguous");
        self.events.try_publish(record).map(|_| ())
    }

    /// Publishes event `seq` even over a gating reader's cursor (that reader will see
    /// `Lagged`). Only for a shutdown that cannot wait any longer.
    pub fn force_publish_event(&mut self, seq: u64, record: &EventRecord) {
        debug_assert_eq!(seq, self.events.next_seq(), "events must be contiguous");
        self.events.publish(record);
    }

    /// The event ring's producer: gates, headroom, sequence numbers.
    pub fn events(&mut self) -> &mut Producer<'r, EventRecord> {
        &mut self.events
    }
}

/// The housekeeping thread's writer: the metrics and latency rows.
pub struct StatsWriter<'r> {
    metrics: SeqlockWriter<'r, MetricsRow>,
    latency: SeqlockWriter<'r, LatencyRow>,
}

impl fmt::Debug for StatsWriter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StatsWriter")
            .field("metrics", &self.metrics.version())
            .field("latency", &self.latency.version())
            .finish()
    }
}

impl StatsWriter<'_> {
    /// Publishes the metrics row.
    pub fn write_metrics(&mut self, row: &MetricsRow) {
        self.metrics.write(row);
    }

    /// Publishes the latency row.
    pub fn write_latency(&mut self, row: &LatencyRow) {
        self.latency.write(row);
    }
}
