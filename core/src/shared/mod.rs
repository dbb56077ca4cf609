//! The core's shared-memory region: its layout, the core's writers and the readers'
//! typed view.
//!
//! One region per instance (`seamless-NAME`, see [`seamless_ipc::region`]) holds:
//!
//! - **state tables**, one seqlock cell per row: instruments (static), live market data
//!   (every tick), positions, the account, recent signals, monitors, the runner with
//!   the fold's counters, the core's metrics and tick-to-publish latency percentiles;
//! - a global **`state_version`**, bumped after each publication batch, so a polling
//!   reader skips unchanged state;
//! - the **event ring** of [`EventRecord`](crate::domain::EventRecord)s, every state
//!   change in order.
//!
//! The core writes ([`SharedRegion`], [`SharedWriter`] for the engine thread,
//! [`StatsWriter`] for housekeeping: one writer per row); readers (monitor, bridge,
//! persister) attach with [`SharedReader`] and print [`Snapshot`]s with
//! [`snapshot::to_json`]. Readers map the region read-only and use only relaxed loads
//! and fences: they can neither corrupt nor slow the core.
//!
//! Progress: publishing rows and events is wait-free (a bounded number of seqlock and
//! slot writes); reading a row is bounded (seqlock retries, then [`RowError`]); reading
//! events is wait-free. Creating and attaching block (system calls).
//!
//! # Example
//!
//! ```
//! use seamless_config::Config;
//! use seamless_core::domain::{Reason, State};
//! use seamless_core::engine::Engine;
//! use seamless_core::shared::{SharedReader, SharedRegion, WriterSetup};
//! use seamless_ipc::broadcast::Start;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let mut engine = Engine::from_config(&Config::default(), State::new()).unwrap();
//! let region = SharedRegion::create(Some(dir.path()), "doc", 64).unwrap();
//! let setup = WriterSetup { instruments: engine.instruments(), first_seq: 1, max_gates: 2, heartbeat_ms: 5 };
//! let (mut writer, _stats) = region.writers(&setup).unwrap();
//!
//! // The engine publishes events through a sink; here, straight into the ring.
//! let mut events = Vec::new();
//! engine.start(1_000, Reason::Start, &mut events);
//! for (seq, record) in &events {
//!     writer.try_publish_event(*seq, record).unwrap();
//! }
//! let dirty = engine.take_dirty();
//! writer.publish_dirty(&engine, dirty);
//!
//! let reader = SharedReader::attach(Some(dir.path()), "doc").unwrap();
//! assert_eq!(reader.symbol(seamless_core::InstrumentId(0)), Some("BTCUSD"));
//! assert_eq!(reader.runner().unwrap().0.last_seq, events.len() as u64);
//! let mut ring = reader.events(Start::Oldest).unwrap();
//! let (seq, first) = ring.try_next().unwrap().unwrap();
//! assert_eq!((seq, first.kind().unwrap().name()), (1, "runner_started"));
//! ```
//!
//! # Implementation
//!
//! 1. Layout ([`layout`]): one region section per table, each a run of seqlock cells
//!    padded to cache lines ([`seamless_ipc::seqlock::cell_words`]); the layout hash
//!    covers every record's size and field offsets and the table capacities, so a
//!    reader built against other records is refused at attach.
//! 2. Start-up ([`SharedRegion::writers`]): static rows (meta, instruments) are written
//!    and the ring initialised before the caller marks the region running (the region
//!    header's status word is the publication point, SYNC POINT region-status).
//! 3. Publication ([`SharedWriter::publish_dirty`]): only the rows the engine marked
//!    dirty, each with one seqlock write; then `state_version` with `Release` (SYNC
//!    POINT state-version).
//! 4. Reading ([`SharedReader`]): sections are bounds-checked once at attach; rows are
//!    read with bounded seqlock retries; a writer that died mid-write surfaces as
//!    [`ReadError::WriterStalled`](seamless_ipc::seqlock::ReadError::WriterStalled).
//!    (Seqlock tables for shared state: Lameter, "Effective synchronization on Linux/
//!    NUMA systems", 2005; the per-row layout mirrors Aeron's counters file.)
//!
//! This module must never write a row from two threads, allocate on the publication
//! path, or let a reader store into the region.

pub mod layout;
pub mod observer;
mod reader;
mod rows;
pub mod snapshot;
mod table;
mod writer;

pub use layout::{LAYOUT_HASH, LAYOUT_VERSION, section};
pub use reader::{EventReader, SharedAttachError, SharedReader};
pub use rows::{InstrumentRow, LatencyRow, MarketRow, MetaRow, MetricsRow, RunnerRow};
pub use snapshot::{ReaderInfo, Snapshot};
pub use table::RowError;
pub use writer::{RegionError, SharedRegion, SharedWriter, StatsWriter, WriterSetup};
