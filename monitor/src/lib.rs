//! seamless-monitor: watch a core's live state from another process, without ever
//! slowing it down.
//!
//! The monitor attaches **read-only** to an instance's region
//! ([`seamless_core::shared::SharedReader`]) and registers a **non-gating** reader
//! slot (`monitor-PID`), so the core never waits for it; a slow or stopped monitor
//! is lapped, says how many events it missed, and resynchronises from the state rows.
//!
//! Modes ([`Mode`]), all behind [`run`]:
//!
//! - [`tui`]: the terminal UI (header with STALE/DEAD, account, positions, market,
//!   signals, monitors, event tail with `logged` marks, readers, metrics);
//! - [`once`]: `--once [--json]`, the snapshot object of DESIGN.md "Interfaces"
//!   ([`seamless_core::shared::snapshot::to_json`]) or a short summary;
//! - [`tail`]: `--tail [--json]`, events as lines (the event JSON contract) like
//!   `tail -f`, with lag markers, across core restarts;
//! - [`lines`]: one status line per second when stdout is not a terminal.
//!
//! The TUI's [`view`] is a pure function of a plain-data [`view::Model`], tested with
//! ratatui's `TestBackend`.
//!
//! Progress: blocking (an interactive program); everything it does to the core is
//! loads from a read-only mapping.
//!
//! # Example
//!
//! ```no_run
//! use seamless_monitor::{Mode, Options};
//! let opts = Options::new("default", Mode::Once { json: true });
//! seamless_monitor::run(&opts)?; // prints {"instance":"default","pid":...}
//! # Ok::<(), seamless_monitor::MonitorError>(())
//! ```
//!
//! # Implementation
//!
//! 1. Attach ([`follow::Follower`]): typed errors for a missing instance, another
//!    layout version, permissions; wait while the core starts; reattach when a new
//!    core replaces the region.
//! 2. Read state with [`SharedReader::snapshot`](seamless_core::shared::SharedReader)
//!    and events with [`ring::pull`] (bounded, coalescing for the screen).
//! 3. Render: text ([`summary`], [`text`]) or the TUI ([`view`], [`tui`]).
//!    (Reader/writer separation over shared memory as in Aeron's counters and
//!    `AeronStat` tool, which reads a live media driver's counters file.)
//!
//! It must never write to the core's region, gate the core, or busy-wait.

#![deny(unsafe_op_in_unsafe_fn)]
#![deny(missing_docs)]
#![warn(clippy::undocumented_unsafe_blocks)]

mod error;
pub mod follow;
pub mod lines;
pub mod once;
mod options;
pub mod own_reads;
pub mod rates;
pub mod ring;
pub mod slot;
pub mod summary;
pub mod tail;
pub mod text;
pub mod tui;
pub mod view;

pub use error::MonitorError;
pub use options::{Mode, Options, Stop};

/// Runs the monitor in `opts.mode` on the standard streams until it is done (`--once`)
/// or stopped (the stop flag, `q`, a closed output pipe).
///
/// # Errors
///
/// [`MonitorError`]: the instance cannot be attached (its message is the one line to
/// show), or output/terminal failures. All are runtime failures (exit status 1).
pub fn run(opts: &Options) -> Result<(), MonitorError> {
    match opts.mode {
        Mode::Tui => tui::run(opts),
        Mode::Once { json } => once::run(opts, json, &mut std::io::stdout().lock()),
        Mode::Tail { json, from, last } => tail::run_stdio(opts, json, from, last),
        Mode::Lines { json, interval } => lines::run_stdio(opts, json, interval),
    }
}
