//! seamless-persist: the on-disk half of persistence. The event log (segments of
//! checksummed records), snapshots of the folded state, retention, restore, and the
//! `seamless log verify|dump|stats` tools. The persister process (`persister`) and the
//! core's restore on start are built on it.
//!
//! Progress: blocking file I/O throughout; nothing here runs on the core's hot path.
//!
//! # Example
//!
//! ```
//! use seamless_core::domain::{Event, EventBody, Reason, State};
//! use seamless_persist::{LogMeta, LogWriter, RestoreOptions, restore};
//! let dir = tempfile::tempdir().unwrap();
//! let (mut log, _) = LogWriter::open(dir.path(), 64 << 20, LogMeta::default()).unwrap();
//! let mut state = State::new();
//! for seq in 1..=3 {
//!     let ev = Event::new(seq * 1_000, EventBody::RunnerStarted { reason: Reason::Start });
//!     state.apply(seq, &ev).unwrap();
//!     log.append(seq, &ev.to_record()).unwrap();
//! }
//! log.sync().unwrap();
//! log.write_snapshot(&state).unwrap();
//! let restored = restore(dir.path(), RestoreOptions::default()).unwrap();
//! assert_eq!(restored.state, state);
//! println!("{}", restored.report); // "restored seq 3 from snapshot-...3.snap + 0 events ..."
//! ```
//!
//! # Implementation
//!
//! 1. Files: `events-<first seq>.log` segments and `snapshot-<last seq>.snap`
//!    snapshots in one data directory, all little-endian with explicit byte tables
//!    (`format`, `segment`, `snapshot`), a schema version and a layout hash in every
//!    header, migrated on load (`migrate`).
//! 2. [`LogWriter`] is the only writer of segments; [`restore`] and the tools only
//!    read (except `restore` with `repair`, which moves files to `quarantine/`).
//! 3. The state is a pure fold of the log ([`State::apply`]), so a restore is the
//!    newest valid snapshot plus the fold of the records after it.
//!    (The write-ahead-log + checkpoint scheme: Mohan et al., "ARIES", ACM TODS 17(1),
//!    1992, with the fold standing in for redo.)
//!
//! It must never misread a file (a newer schema or another layout is refused), lose a
//! record it reported durable, or keep going past corruption without saying so.
//!
//! [`State::apply`]: seamless_core::domain::State::apply
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod bench;
mod dir;
mod error;
pub mod format;
mod meta;
mod migrate;
pub mod persister;
mod restore;
mod retention;
mod segment;
mod snapshot;
pub mod tools;
mod writer;

pub use error::PersistError;
pub use meta::LogMeta;
pub use restore::{RestoreOptions, RestoreReport, Restored, SkippedSnapshot, restore};
pub use retention::{RetentionReport, retain};
pub use segment::{SegmentFile, SegmentHeader, TornTail};
pub use snapshot::{SnapshotFile, list_snapshots, load_snapshot, write_snapshot};
pub use writer::{LogWriter, OpenReport, UNSYNCED_LIMIT};
