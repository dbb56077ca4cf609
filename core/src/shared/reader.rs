//! [`SharedReader`]: a reader process's view of a core's region (monitor, bridge,
//! persister, tests): typed row reads, the event ring, the header.
//!
//! Everything goes through a `PROT_READ` mapping with relaxed loads and fences only;
//! a reader can neither corrupt the core's state nor slow it down.
//!
//! Progress: row reads are bounded (seqlock retries, then [`RowError`]); event reads
//! are wait-free; attaching blocks (system calls).
//!
//! Every row read after attaching is tallied ([`SharedReader::read_stats`]: reads,
//! retried attempts, reads that gave up; [`SharedReader::reads_retried`]: reads that
//! needed a retry), in counters the reader owns, so a reader process can show its own
//! seqlock retry rate (the monitor's metrics pane does).

use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering, fence};
use std::time::Duration;

use seamless_ipc::broadcast::{self, Reader, Start};
use seamless_ipc::region::{AttachError, RegionReader, Status};
use seamless_ipc::seqlock::{ReadError, ReadStats};
use seamless_ipc::words::Record;

use super::layout::{LAYOUT_HASH, LAYOUT_VERSION, META_ROW_WORD, section};
use super::rows::{InstrumentRow, LatencyRow, MarketRow, MetaRow, MetricsRow, RunnerRow};
use super::table::{RowError, TableReader};
use crate::domain::{
    Account, EventRecord, InstrumentId, Instruments, MAX_INSTRUMENTS, Monitor, Position, SignalLog,
};

/// A reader of the event ring in a [`SharedReader`]'s mapping.
pub type EventReader<'a> = Reader<'a, EventRecord>;

/// Why [`SharedReader::attach`] refused a region.
#[derive(Debug)]
#[non_exhaustive]
pub enum SharedAttachError {
    /// The region could not be attached (not found, layout mismatch, corrupt header...).
    Region(AttachError),
    /// The core has not finished writing its static tables yet; try again shortly.
    Starting,
    /// A section is missing or shorter than this layout needs.
    Section {
        /// The section id.
        id: u32,
        /// What is wrong.
        detail: String,
    },
    /// The meta row or the instrument table is inconsistent.
    Corrupt {
        /// The field, e.g. `meta.instruments` or `instruments[3].symbol`.
        field: String,
        /// What is wrong.
        detail: String,
    },
}

impl fmt::Display for SharedAttachError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SharedAttachError::Region(
                e @ AttachError::LayoutVersion {
                    found, expected, ..
                },
            ) => {
                // The ipc error names both versions; say which build is which and what
                // to do (docs/versioning.md).
                write!(f, "{e}: ")?;
                if found > expected {
                    f.write_str(
                        "the core runs a newer seamless than this reader; \
                         run this reader from the core's build",
                    )
                } else {
                    f.write_str(
                        "the core runs an older seamless than this reader; \
                         run this reader from the core's build, or restart the core \
                         with this one (it restores from its data directory, \
                         migrating older snapshots)",
                    )
                }
            }
            SharedAttachError::Region(e) => e.fmt(f),
            SharedAttachError::Starting => {
                f.write_str("the core is still starting (tables not written yet); try again")
            }
            SharedAttachError::Section { id, detail } => {
                write!(f, "region section {id}: {detail}")
            }
            SharedAttachError::Corrupt { field, detail } => {
                write!(f, "corrupt region state: {field}: {detail}")
            }
        }
    }
}

impl std::error::Error for SharedAttachError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SharedAttachError::Region(e) => Some(e),
            _ => None,
        }
    }
}

/// A read-only view of a core's region with its tables located and validated.
#[derive(Debug)]
pub struct SharedReader {
    region: RegionReader,
    meta: MetaRow,
    /// Invariant: `instruments.len() == meta.instruments <= MAX_INSTRUMENTS`; every
    /// symbol valid.
    instruments: Vec<InstrumentRow>,
    symbols: Vec<String>,
    /// The same instruments as a domain table (for `write_event_json` and the like).
    table: Instruments,
    /// Tallies of the row reads since attaching (see [`SharedReader::read_stats`]).
    counters: ReadCounters,
}

/// [`ReadStats`] as shared counters, so `&SharedReader` reads can add to them.
/// In the reader's own heap memory, never in the region.
#[derive(Debug, Default)]
struct ReadCounters {
    reads: AtomicU64,
    retries: AtomicU64,
    failures: AtomicU64,
    /// Calls that needed at least one retry (successful or not).
    retried: AtomicU64,
}

impl ReadCounters {
    /// Adds one call's tallies.
    #[inline]
    fn add(&self, s: &ReadStats) {
        // Relaxed (all three): statistics in the reader's own memory; nothing is read
        // on the strength of them and each counter stands alone.
        self.reads.fetch_add(s.reads, Ordering::Relaxed);
        if s.retries != 0 {
            self.retries.fetch_add(s.retries, Ordering::Relaxed);
            self.retried.fetch_add(1, Ordering::Relaxed);
        }
        if s.failures != 0 {
            self.failures.fetch_add(s.failures, Ordering::Relaxed);
        }
    }

    fn get(&self) -> ReadStats {
        // Relaxed: see `add`; the three loads need not agree with each other exactly.
        ReadStats {
            reads: self.reads.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            failures: self.failures.load(Ordering::Relaxed),
        }
    }
}

fn corrupt(field: impl Into<String>, detail: impl Into<String>) -> SharedAttachError {
    SharedAttachError::Corrupt {
        field: field.into(),
        detail: detail.into(),
    }
}

impl SharedReader {
    /// Attaches to instance `name`'s region in `dir` (default: `SEAMLESS_SHM_DIR` or
    /// /dev/shm), read-only, checking the layout version and hash, every section's
    /// size, the meta row and the instrument table.
    ///
    /// # Errors
    ///
    /// [`SharedAttachError`]: the region's own errors (not found, other layout,
    /// corrupt header), [`Starting`](SharedAttachError::Starting) while the core
    /// writes its tables, or a named inconsistency.
    ///
    /// # Examples
    ///
    /// ```
    /// use seamless_core::shared::{SharedAttachError, SharedReader};
    /// let dir = tempfile::tempdir().unwrap();
    /// let err = SharedReader::attach(Some(dir.path()), "nobody").unwrap_err();
    /// assert!(matches!(err, SharedAttachError::Region(_)));
    /// assert!(err.to_string().contains("seamless core --name nobody"));
    /// ```
    pub fn attach(dir: Option<&Path>, name: &str) -> Result<Self, SharedAttachError> {
        let region = RegionReader::attach(dir, name, LAYOUT_VERSION, LAYOUT_HASH)
            .map_err(SharedAttachError::Region)?;
        let mut reader = SharedReader {
            region,
            meta: MetaRow::default(),
            instruments: Vec::new(),
            symbols: Vec::new(),
            table: Instruments::new(),
            counters: ReadCounters::default(),
        };
        reader.check_sections()?;
        let meta = reader.read_meta()?;
        reader.meta = meta;
        reader.read_instruments()?;
        Ok(reader)
    }

    fn check_sections(&self) -> Result<(), SharedAttachError> {
        let need = |id: u32, words: usize| -> Result<(), SharedAttachError> {
            let got = self
                .region
                .section(id)
                .map_err(|e| SharedAttachError::Section {
                    id,
                    detail: e.to_string(),
                })?
                .len();
            if got < words {
                let detail = format!("{} bytes, this layout needs {}", got * 8, words * 8);
                return Err(SharedAttachError::Section { id, detail });
            }
            Ok(())
        };
        let table = |words: usize| words * MAX_INSTRUMENTS;
        need(section::META, META_ROW_WORD + cell::<MetaRow>())?;
        need(section::INSTRUMENTS, table(cell::<InstrumentRow>()))?;
        need(section::MARKET, table(cell::<MarketRow>()))?;
        need(section::POSITIONS, table(cell::<Position>()))?;
        need(section::ACCOUNT, cell::<Account>())?;
        need(section::SIGNALS, table(cell::<SignalLog>()))?;
        need(section::MONITORS, table(cell::<Monitor>()))?;
        need(section::RUNNER, cell::<RunnerRow>())?;
        need(section::METRICS, cell::<MetricsRow>())?;
        need(section::LATENCY, cell::<LatencyRow>())?;
        need(section::EVENTS, broadcast::HEADER_WORDS)
    }

    fn read_meta(&self) -> Result<MetaRow, SharedAttachError> {
        let words = self.words(section::META);
        let cell = words.slice(META_ROW_WORD..words.len());
        let table = cell.and_then(|w| TableReader::<MetaRow>::new(w, 1));
        let table = table.ok_or_else(|| corrupt("meta", "section too small"))?;
        let (meta, version) = match table.read(0) {
            Ok(read) => read,
            // The core is writing the meta row for the first time (or was descheduled
            // in the middle of it): still starting, not corrupt.
            Err(RowError::Read(ReadError::WriterStalled { version: 0 })) => {
                return Err(SharedAttachError::Starting);
            }
            Err(e) => return Err(corrupt("meta", e.to_string())),
        };
        if version == 0 {
            return Err(SharedAttachError::Starting);
        }
        if meta.max_instruments != MAX_INSTRUMENTS as u64 {
            let detail = format!(
                "{}, this reader expects {MAX_INSTRUMENTS}",
                meta.max_instruments
            );
            return Err(corrupt("meta.max_instruments", detail));
        }
        if meta.instruments > meta.max_instruments {
            let detail = format!("{} is more than {MAX_INSTRUMENTS}", meta.instruments);
            return Err(corrupt("meta.instruments", detail));
        }
        Ok(meta)
    }

    fn read_instruments(&mut self) -> Result<(), SharedAttachError> {
        let (mut rows, mut symbols, mut domain) = (Vec::new(), Vec::new(), Instruments::new());
        let table = self.table::<InstrumentRow>(section::INSTRUMENTS);
        for ix in 0..table.rows() {
            let field = |f: &str| format!("instruments[{ix}].{f}");
            let (row, _) = table
                .read(ix)
                .map_err(|e| corrupt(field("row"), e.to_string()))?;
            let symbol = row
                .symbol()
                .ok_or_else(|| corrupt(field("symbol"), "not a valid symbol"))?;
            if row.id != InstrumentId(ix as u32) {
                return Err(corrupt(field("id"), format!("{} at row {ix}", row.id)));
            }
            domain
                .add(symbol.as_str(), row.tick_size, row.lot_size)
                .map_err(|e| corrupt(field("symbol"), e.to_string()))?;
            symbols.push(symbol.as_str().to_owned());
            rows.push(row);
        }
        (self.instruments, self.symbols, self.table) = (rows, symbols, domain);
        Ok(())
    }

    fn words(&self, id: u32) -> seamless_ipc::shm::RoWords<'_> {
        match self.region.section(id) {
            Ok(words) => words,
            // `check_sections` proved every section exists before any reader method.
            Err(e) => unreachable!("section checked at attach: {e}"),
        }
    }

    /// The table in section `id`, over the rows in use.
    fn table<T: Record>(&self, id: u32) -> TableReader<'_, T> {
        let rows = self.meta.instruments as usize;
        let rows = if is_singleton(id) { 1 } else { rows };
        match TableReader::new(self.words(id), rows) {
            Some(t) => t,
            None => unreachable!("section {id} sized at attach"),
        }
    }

    /// Row `ix` of the table in section `id`, tallied in [`read_stats`](Self::read_stats)
    /// (one call: the tallies are of this read alone).
    #[inline]
    fn read_row<T: Record>(&self, id: u32, ix: usize) -> Result<(T, u64), RowError> {
        let mut stats = ReadStats::default();
        let read = self
            .table::<T>(id)
            .cell(ix)
            .and_then(|cell| Ok(cell.try_read_counted(&mut stats)?));
        self.counters.add(&stats);
        read
    }

    /// Tallies of this reader's row reads since it attached (the reads at attach time
    /// are not counted): successful reads, attempts thrown away because the core was
    /// writing the row (`retries`), and reads that gave up (`failures`). Attempts thrown
    /// away per read is `retries / (reads + failures)`; the share of reads that were
    /// retried is [`reads_retried`](Self::reads_retried)`/ (reads + failures)`.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use seamless_core::shared::SharedReader;
    /// let reader = SharedReader::attach(None, "default")?;
    /// let _ = reader.account();
    /// let s = reader.read_stats();
    /// println!("{} reads, {} retried attempts", s.reads, s.retries);
    /// # Ok::<(), seamless_core::shared::SharedAttachError>(())
    /// ```
    pub fn read_stats(&self) -> ReadStats {
        self.counters.get()
    }

    /// How many of the row reads counted in [`read_stats`](Self::read_stats) (successful
    /// or given up) needed at least one retry: the seqlock retry rate as "reads
    /// retried / reads" is `reads_retried() / (reads + failures)`.
    pub fn reads_retried(&self) -> u64 {
        // Relaxed: a statistic (see `ReadCounters::add`).
        self.counters.retried.load(Ordering::Relaxed)
    }

    /// The region handle: header fields, liveness, sections.
    pub fn region(&self) -> &RegionReader {
        &self.region
    }

    /// The instance name.
    pub fn name(&self) -> &str {
        self.region.name()
    }

    /// The core's pid (see [`is_owner_alive`](Self::is_owner_alive)).
    pub fn pid(&self) -> u32 {
        self.region.pid()
    }

    /// The core run's random id (changes on every restart).
    pub fn instance_id(&self) -> u64 {
        self.region.instance_id()
    }

    /// The core's start time, Unix nanoseconds.
    pub fn start_time_unix_ns(&self) -> u64 {
        self.region.start_time_unix_ns()
    }

    /// What the core last said it is doing (a crash leaves `Running`).
    pub fn status(&self) -> Status {
        self.region.status()
    }

    /// Time since the core's last heartbeat.
    pub fn heartbeat_age(&self) -> Option<Duration> {
        self.region.heartbeat_age()
    }

    /// True while the core holds its lock (two system calls: not in a tight loop).
    pub fn is_owner_alive(&self) -> bool {
        self.region.is_owner_alive()
    }

    /// The meta row as read at attach.
    pub fn meta(&self) -> &MetaRow {
        &self.meta
    }

    /// The run's instruments, by id.
    pub fn instruments(&self) -> &[InstrumentRow] {
        &self.instruments
    }

    /// The run's instruments as a domain table, e.g. for
    /// [`write_event_json`](crate::domain::write_event_json).
    pub fn instrument_table(&self) -> &Instruments {
        &self.table
    }

    /// The symbol of `id`.
    pub fn symbol(&self, id: InstrumentId) -> Option<&str> {
        self.symbols.get(id.index()).map(String::as_str)
    }

    /// The id of `symbol`.
    pub fn id_of(&self, symbol: &str) -> Option<InstrumentId> {
        let ix = self.symbols.iter().position(|s| s == symbol)?;
        Some(InstrumentId(ix as u32))
    }

    /// Publication batches so far: unchanged means no state row changed, so a reader
    /// polling the state can skip re-reading it.
    pub fn state_version(&self) -> u64 {
        // Relaxed: the only load allowed on PROT_READ memory.
        let v = self.words(section::META).load(0).unwrap_or(0);
        // SYNC POINT state-version: stands in for an Acquire load; pairs with the
        // Release store in `SharedWriter::publish_dirty`, so rows read after this are
        // at least as new as batch `v`.
        fence(Ordering::Acquire);
        v
    }

    /// The live market row of `id` and its version.
    ///
    /// # Errors
    ///
    /// [`RowError`]: an id beyond the instruments, or a seqlock read that gave up
    /// ([`WriterStalled`](seamless_ipc::seqlock::ReadError::WriterStalled) with a dead
    /// core means the row is lost mid-write).
    pub fn market(&self, id: InstrumentId) -> Result<(MarketRow, u64), RowError> {
        self.read_row(section::MARKET, id.index())
    }

    /// The position of `id` and its version.
    ///
    /// # Errors
    ///
    /// As [`market`](Self::market).
    pub fn position(&self, id: InstrumentId) -> Result<(Position, u64), RowError> {
        self.read_row(section::POSITIONS, id.index())
    }

    /// Every instrument's position, by id.
    ///
    /// # Errors
    ///
    /// The first row that could not be read.
    pub fn positions(&self) -> Result<Vec<Position>, RowError> {
        let rows = self.table::<Position>(section::POSITIONS).rows();
        (0..rows)
            .map(|ix| Ok(self.read_row(section::POSITIONS, ix)?.0))
            .collect()
    }

    /// The account and its version.
    ///
    /// # Errors
    ///
    /// A seqlock read that gave up.
    pub fn account(&self) -> Result<(Account, u64), RowError> {
        self.read_row(section::ACCOUNT, 0)
    }

    /// The last signals of `id` and the row's version.
    ///
    /// # Errors
    ///
    /// As [`market`](Self::market).
    pub fn signals(&self, id: InstrumentId) -> Result<(SignalLog, u64), RowError> {
        self.read_row(section::SIGNALS, id.index())
    }

    /// The monitor of `id` and its version.
    ///
    /// # Errors
    ///
    /// As [`market`](Self::market).
    pub fn monitor(&self, id: InstrumentId) -> Result<(Monitor, u64), RowError> {
        self.read_row(section::MONITORS, id.index())
    }

    /// The runner row and its version.
    ///
    /// # Errors
    ///
    /// A seqlock read that gave up.
    pub fn runner(&self) -> Result<(RunnerRow, u64), RowError> {
        self.read_row(section::RUNNER, 0)
    }

    /// The metrics row and its version.
    ///
    /// # Errors
    ///
    /// A seqlock read that gave up.
    pub fn metrics(&self) -> Result<(MetricsRow, u64), RowError> {
        self.read_row(section::METRICS, 0)
    }

    /// The latency row and its version.
    ///
    /// # Errors
    ///
    /// A seqlock read that gave up.
    pub fn latency(&self) -> Result<(LatencyRow, u64), RowError> {
        self.read_row(section::LATENCY, 0)
    }

    /// A reader of the event ring starting at `start`. It never slows the core: if it
    /// falls a ring behind it gets [`Lagged`](seamless_ipc::broadcast::Lagged) and
    /// should resynchronise from the state rows. (To be waited for, a reader registers
    /// a gating reader slot; see [`seamless_ipc::reader_slot`].)
    ///
    /// # Errors
    ///
    /// The ring's [`AttachError`](broadcast::AttachError) (e.g. not initialised yet).
    pub fn events(&self, start: Start) -> Result<EventReader<'_>, broadcast::AttachError> {
        let words = self.words(section::EVENTS);
        // SAFETY: the section lies inside the validated read-only mapping, which lives
        // as long as the borrow of `self`; the ring reader only makes relaxed loads of
        // at most 8 bytes; the core only accesses this memory atomically.
        unsafe { Reader::from_raw(words.as_ptr().cast(), words.len() * 8, start) }
    }
}

/// Words of one seqlock cell of `T`.
const fn cell<T: Record>() -> usize {
    seamless_ipc::seqlock::cell_words::<T>()
}

/// Sections holding one row rather than one per instrument.
fn is_singleton(id: u32) -> bool {
    matches!(
        id,
        section::ACCOUNT | section::RUNNER | section::METRICS | section::LATENCY
    )
}

#[cfg(test)]
mod tests {
    use seamless_config::Config;

    use super::*;
    use crate::domain::{Reason, State};
    use crate::engine::Engine;
    use crate::shared::{SharedRegion, SharedWriter, StatsWriter, WriterSetup};

    /// A default engine started into `region`: its rows and `runner_started` written.
    fn started(region: &SharedRegion) -> (Engine, SharedWriter<'_>, StatsWriter<'_>) {
        let mut engine = Engine::from_config(&Config::default(), State::new()).unwrap();
        let setup = WriterSetup {
            instruments: engine.instruments(),
            first_seq: 1,
            max_gates: 1,
            heartbeat_ms: 5,
        };
        let (mut writer, stats) = region.writers(&setup).unwrap();
        engine.start(1, Reason::Start, &mut Vec::new());
        let dirty = engine.take_dirty();
        writer.publish_dirty(&engine, dirty);
        (engine, writer, stats)
    }

    #[test]
    fn row_reads_are_tallied_from_attach_on() {
        let d = tempfile::tempdir().unwrap();
        let region = SharedRegion::create(Some(d.path()), "tally", 64).unwrap();
        let (_engine, _writer, _stats) = started(&region);

        let reader = SharedReader::attach(Some(d.path()), "tally").unwrap();
        assert_eq!(reader.read_stats(), ReadStats::default());
        reader.account().unwrap();
        reader.market(InstrumentId(0)).unwrap();
        assert!(reader.market(InstrumentId(99)).is_err()); // out of range: no read
        let rows = reader.positions().unwrap().len() as u64;
        let s = reader.read_stats();
        assert_eq!((s.reads, s.retries, s.failures), (2 + rows, 0, 0));
        assert_eq!(reader.reads_retried(), 0);
    }

    /// Reads racing a writer that rewrites the row nonstop get retried, and are counted.
    #[test]
    fn reads_racing_the_writer_are_counted_as_retried() {
        use std::sync::atomic::AtomicBool;
        use std::time::{Duration, Instant};

        let d = tempfile::tempdir().unwrap();
        let region = SharedRegion::create(Some(d.path()), "race", 64).unwrap();
        let (mut engine, mut writer, _stats) = started(&region);
        let reader = SharedReader::attach(Some(d.path()), "race").unwrap();
        let done = AtomicBool::new(false);
        let mut events = Vec::new();
        std::thread::scope(|s| {
            s.spawn(|| {
                let mut ts = 2;
                // Relaxed: a stop flag; nothing is published through it.
                while !done.load(Ordering::Relaxed) {
                    let px = crate::domain::Price::from_raw(50_000_000_000 + ts as i64);
                    let quote = crate::engine::Quote {
                        bid: px,
                        ask: px,
                        last: px,
                    };
                    events.clear();
                    engine.on_tick(InstrumentId(0), ts, quote, &mut events, &mut Vec::new());
                    let dirty = engine.take_dirty();
                    writer.publish_dirty(&engine, dirty);
                    ts += 1;
                }
            });
            let began = Instant::now();
            while reader.reads_retried() == 0 && began.elapsed() < Duration::from_secs(60) {
                let _ = reader.market(InstrumentId(0));
            }
            done.store(true, Ordering::Relaxed);
        });
        let s = reader.read_stats();
        assert!(reader.reads_retried() > 0, "{s:?}");
        assert!(s.retries >= reader.reads_retried(), "{s:?}");
    }
}
