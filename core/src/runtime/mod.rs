//! The core process: the threads that run the engine over the shared-memory region.
//!
//! [`run`] creates the instance's region, writes the static tables and the initial
//! state, registers the gating readers already waiting, marks the region running and
//! starts the threads:
//!
//! ```text
//! feed thread --ticks--> engine thread --orders--> broker thread
//!  (pinned)               (pinned)  ^                 (pinned)
//!                           |  |    +-----fills--------+
//!                           |  +--> state rows (seqlocks), state_version
//!                           +-----> event ring (gated by the persister)
//! housekeeping (the calling thread, unpinned, sleeping): heartbeat, reader slots ->
//!   gate commands, metrics and latency rows
//! ```
//!
//! It returns when the run is over: a stop request ([`StopFlag`]: SIGINT/SIGTERM in
//! the binary), the feed's end with `feed.exit_after_feed`, a feed error, or a thread
//! panic. In every case the feed stops first, every tick it handed over is processed,
//! the orders in flight are waited for (bounded), `runner_stopped` is published with
//! the reason, and the region is left readable and marked stopped.
//!
//! Progress: the hot threads (feed at `max` pace, engine, broker) do not allocate,
//! lock, log or make system calls after start-up; the only exceptions are the feed
//! thread's pacing sleeps (`realtime`/`xN` pace, synthetic rates) and CSV reads, and
//! idle waiting with `backoff`. Housekeeping blocks freely.
//!
//! # Example
//!
//! ```
//! use seamless_config::Config;
//! use seamless_core::domain::Reason;
//! use seamless_core::runtime::{self, RunOptions};
//! let dir = tempfile::tempdir().unwrap();
//! let mut cfg = Config::default();
//! cfg.core.name = "doc-run".into();
//! cfg.feed.synthetic.ticks = 2_000;
//! cfg.feed.synthetic.rate_per_sec = 0; // as fast as possible
//! cfg.feed.exit_after_feed = true;
//! let mut opts = RunOptions::default();
//! opts.shm_dir = Some(dir.path().to_owned());
//! let summary = runtime::run(&cfg, opts).unwrap();
//! assert_eq!((summary.reason, summary.ticks), (Reason::FeedEnd, 2_000));
//! assert!(summary.last_seq >= 2); // runner_started .. runner_stopped
//! ```
//!
//! # Implementation
//!
//! 1. Set-up on the calling thread (allocation allowed): engine from the config and
//!    the given state, feed, thread placement, region ([`SharedRegion`]), writers,
//!    initial rows, a first reader-slot scan whose gating readers become gates before
//!    any event is published, status `Running`.
//! 2. Threads in a [`std::thread::scope`] (they borrow the region); rings between
//!    them from [`seamless_ipc::spsc`]; see [`engine_thread`](self), the feed and
//!    broker threads, and [`housekeeping`](self) for each loop.
//! 3. End: join, final metrics and latency rows, status `Stopped`. A panicking thread
//!    becomes [`RunError::Panicked`]; with `panic = "abort"` (release builds) a panic
//!    hook marks the region stopped and exits with status 1 instead.
//!
//! It must never let two threads write one row, allocate on a hot thread after
//! start-up, or exit without marking the region stopped.
//!
//! [`SharedRegion`]: crate::shared::SharedRegion

mod broker_thread;
mod clock;
mod commands;
mod counters;
mod engine_thread;
mod error;
mod feed_thread;
mod gates;
mod housekeeping;
mod latency;
mod orders;
mod panic_hook;
mod pin;
mod publisher;
mod spawn;
mod stop;
mod summary;
mod threads;

use std::path::PathBuf;

use seamless_config::Config;

use crate::domain::{Reason, State};

pub use clock::{stamp_ns, wall_ns};
pub use commands::MAX_GATES;
pub use error::RunError;
pub use pin::Placement;
pub use stop::StopFlag;
pub use summary::{Durable, LatencyHistogram, RunSummary};

/// How to run, beyond the configuration.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The state to continue from: `State::new()` for a fresh run, or the state
    /// restored from the persister's snapshot and log. Events continue at
    /// `state.last_seq() + 1`.
    pub state: State,
    /// `runner_started`'s reason: [`Reason::Start`], or [`Reason::Restore`].
    pub start_reason: Reason,
    /// Directory of the shared-memory files (`None`: `SEAMLESS_SHM_DIR`, else /dev/shm).
    pub shm_dir: Option<PathBuf>,
    /// Set it to stop the run (the binary's signal handlers do).
    pub stop: StopFlag,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            state: State::new(),
            start_reason: Reason::Start,
            shm_dir: None,
            stop: StopFlag::new(),
        }
    }
}

/// Runs the core described by `cfg` until it stops (module docs).
///
/// # Errors
///
/// [`RunError`]: before anything runs, a configuration, engine, feed or core-placement
/// problem ([`RunError::is_usage`]) or a region that cannot be created (another core
/// runs the instance: the message names its pid); after, a feed error or a thread
/// panic (the run still ended cleanly, as far as it could).
pub fn run(cfg: &Config, opts: RunOptions) -> Result<RunSummary, RunError> {
    threads::run(cfg, opts)
}
