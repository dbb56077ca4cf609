//! [`Options`]: what `seamless monitor` was asked to do, as plain data (the CLI maps
//! its flags and the `[monitor]` config section onto it).
//!
//! Progress: plain data.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Which output the monitor produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The interactive terminal UI (needs a TTY on stdout).
    Tui,
    /// One snapshot, then exit: the `monitor --once --json` object (DESIGN.md,
    /// "Interfaces") with `json`, otherwise a compact human summary.
    Once {
        /// Print the JSON object.
        json: bool,
    },
    /// Follow the event ring like `tail -f` until stopped.
    Tail {
        /// One event JSON object per line (the event contract) instead of text lines.
        json: bool,
        /// Start at this sequence (if still in the ring; otherwise a lagged marker
        /// says how many were lost). `None`: the newest `last` events.
        from: Option<u64>,
        /// Without `from`: how many of the newest events to print first.
        last: u64,
    },
    /// One status line (or one snapshot JSON object) per `interval`, until stopped:
    /// the mode for a pipe or a log file.
    Lines {
        /// Print the snapshot object instead of a text line.
        json: bool,
        /// Time between lines.
        interval: Duration,
    },
}

/// A stop request shared with signal handlers: one relaxed store in the handler
/// (`signal_hook::flag::register` takes its `Arc`), polled by the monitor's loops.
#[derive(Debug, Clone, Default)]
pub struct Stop(Arc<AtomicBool>);

impl Stop {
    /// A flag that is not set.
    pub fn new() -> Self {
        Stop::default()
    }

    /// The shared flag, for `signal_hook::flag::register`.
    pub fn as_arc(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.0)
    }

    /// Asks every loop holding a clone to return.
    pub fn request(&self) {
        // Relaxed: the flag publishes nothing but itself; loops poll it.
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether a stop was requested.
    pub fn is_set(&self) -> bool {
        // Relaxed: see `request`.
        self.0.load(Ordering::Relaxed)
    }
}

/// Everything the monitor needs to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// The instance to watch (`seamless-NAME`).
    pub name: String,
    /// Directory of the shared-memory files (`None`: `SEAMLESS_SHM_DIR`, else /dev/shm).
    pub shm_dir: Option<PathBuf>,
    /// What to print.
    pub mode: Mode,
    /// Most screen refreshes per second (`monitor.fps`).
    pub fps: u32,
    /// Heartbeat age beyond which the core is shown stale (`monitor.stale_ms`).
    pub stale: Duration,
    /// Set to make the monitor return (SIGINT/SIGTERM in the binary).
    pub stop: Stop,
}

impl Options {
    /// Options for instance `name` in `mode` with the `[monitor]` defaults.
    pub fn new(name: impl Into<String>, mode: Mode) -> Self {
        let defaults = seamless_config::MonitorConfig::default();
        Options {
            name: name.into(),
            shm_dir: None,
            mode,
            fps: defaults.fps,
            stale: Duration::from_millis(defaults.stale_ms),
            stop: Stop::new(),
        }
    }

    /// The time between frames at `fps` (at least one millisecond).
    pub fn frame_interval(&self) -> Duration {
        Duration::from_millis((1000 / u64::from(self.fps.max(1))).max(1))
    }
}
