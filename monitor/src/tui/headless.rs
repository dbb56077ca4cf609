//! The TUI's refresh loop without a terminal: the same [`Session`] polling, refreshing
//! and full redraws at most `fps` times a second, drawn into ratatui's off-screen
//! `TestBackend`. It is what `seamless bench monitor-overhead` attaches to a core to
//! measure what a watching monitor costs it (everything the TUI does but the write to
//! the terminal and the key handling).
//!
//! Progress: blocking (sleeps between frames).
//!
//! # Example
//!
//! ```no_run
//! use seamless_monitor::{Mode, Options};
//! use seamless_monitor::tui::{Session, headless};
//! let opts = Options::new("default", Mode::Tui);
//! let mut session = Session::start(&opts)?;
//! let stats = headless::run(&mut session, &opts, 160, 48)?;
//! println!("{} frames drawn", stats.frames);
//! # Ok::<(), seamless_monitor::MonitorError>(())
//! ```
//!
//! # Implementation
//!
//! 1. Every frame interval: the two-load change check; on a change, a refresh (a
//!    snapshot and up to [`MAX_EVENTS_PER_FRAME`] events); a few times a second the
//!    liveness tick ([`Session::tick`]), as [`tui::run`](super::run) does.
//! 2. Draw the whole screen when something changed, at most once per frame.
//! 3. Return when the stop flag is set or the core is gone: its region marked stopped
//!    (after one last refresh, so the final state was read) or its process dead. A
//!    restarted core is not followed (the TUI does follow it).
//!
//! It must never busy-wait or draw faster than `fps`.
//!
//! [`MAX_EVENTS_PER_FRAME`]: super::MAX_EVENTS_PER_FRAME

use std::io;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use seamless_ipc::region::Status;

use super::Session;
use crate::error::MonitorError;
use crate::options::Options;
use crate::own_reads::OwnReads;
use crate::view;

/// Longest time between liveness ticks (as the TUI; shorter with a small `stale_ms`).
const CHECK_EVERY: Duration = Duration::from_millis(250);

/// What a headless run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeadlessStats {
    /// Frames drawn.
    pub frames: u64,
    /// Change checks made (one per frame interval).
    pub polls: u64,
    /// Refreshes (snapshot and events) after a change.
    pub refreshes: u64,
    /// Events the session moved past (shown or skipped).
    pub events: u64,
    /// The session's seqlock row reads.
    pub reads: OwnReads,
}

fn terminal_error(e: impl std::fmt::Display) -> MonitorError {
    MonitorError::Terminal(io::Error::other(e.to_string()))
}

/// Runs the loop (module docs) on a `width` x `height` off-screen terminal.
///
/// # Errors
///
/// Event ring errors from the session; a drawing error.
pub fn run(
    session: &mut Session,
    opts: &Options,
    width: u16,
    height: u16,
) -> Result<HeadlessStats, MonitorError> {
    let mut term = Terminal::new(TestBackend::new(width, height)).map_err(terminal_error)?;
    let frame = opts.frame_interval();
    let check = CHECK_EVERY.min(opts.stale / 4).max(frame);
    let first_seq = session.model.next_seq;
    let mut stats = HeadlessStats::default();
    let (mut dirty, mut next_check) = (true, Instant::now());
    let mut next_frame = Instant::now();
    while !opts.stop.is_set() {
        let now = Instant::now();
        next_frame = (next_frame + frame).max(now);
        stats.polls += 1;
        let stopped = session.core_status() == Status::Stopped;
        if stopped || session.changed() {
            session.refresh()?;
            stats.refreshes += 1;
            dirty = true;
        }
        if now >= next_check {
            next_check = now + check;
            dirty |= session.tick(false)?;
        }
        if dirty {
            term.draw(|f| view::render(f, &session.model))
                .map_err(terminal_error)?;
            stats.frames += 1;
            dirty = false;
        }
        if stopped || !session.model.snap.alive {
            break;
        }
        std::thread::sleep(next_frame.saturating_duration_since(Instant::now()));
    }
    stats.events = session.model.next_seq.saturating_sub(first_seq);
    stats.reads = session.model.reads;
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::thread;

    use seamless_config::Config;
    use seamless_core::domain::Reason;
    use seamless_core::runtime::{self, RunOptions, StopFlag};
    use seamless_core::shared::SharedReader;

    use super::*;
    use crate::options::Mode;

    const DEADLINE: Duration = Duration::from_secs(60);

    fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
        let began = Instant::now();
        while !cond() {
            assert!(began.elapsed() < DEADLINE, "timed out waiting for {what}");
            thread::sleep(Duration::from_millis(10));
        }
    }

    fn ticks(dir: &Path, name: &str) -> u64 {
        SharedReader::attach(Some(dir), name)
            .ok()
            .and_then(|r| r.metrics().ok())
            .map_or(0, |(m, _)| m.ticks)
    }

    /// The loop follows a live core, draws, reads rows, and returns once the core
    /// stopped. Nothing about speed is asserted.
    #[test]
    fn follows_a_core_until_it_stops() {
        let dir = tempfile::tempdir().unwrap();
        let name = "headless";
        let mut cfg = Config::default();
        cfg.core.name = name.to_owned();
        cfg.feed.synthetic.rate_per_sec = 2_000;
        let stop = StopFlag::new();
        let run_opts = RunOptions {
            shm_dir: Some(dir.path().to_owned()),
            stop: stop.clone(),
            ..RunOptions::default()
        };
        let core = thread::spawn(move || runtime::run(&cfg, run_opts));
        wait_for("the core's first ticks", || ticks(dir.path(), name) > 0);

        let mut opts = Options::new(name, Mode::Tui);
        opts.shm_dir = Some(dir.path().to_owned());
        opts.fps = 100;
        let mut session = Session::start(&opts).unwrap();
        let follower = thread::spawn(move || {
            let stats = run(&mut session, &opts, 120, 40);
            (stats, session.core_status())
        });
        let seen = ticks(dir.path(), name);
        wait_for("more ticks while followed", || {
            ticks(dir.path(), name) > seen + 50
        });
        stop.request(Reason::Sigterm);
        core.join().unwrap().unwrap();
        let (stats, status) = follower.join().unwrap();
        let stats = stats.unwrap();
        assert_eq!(status, Status::Stopped);
        assert!(stats.frames >= 1 && stats.refreshes >= 1, "{stats:?}");
        assert!(stats.polls >= stats.refreshes, "{stats:?}");
        assert!(stats.reads.reads > 0 && stats.events > 0, "{stats:?}");
    }
}
