//! The interactive terminal UI: ratatui over crossterm, drawing [`view::render`] of
//! the [`Session`]'s model.
//!
//! Refresh without waste: every frame interval (`1/fps`) the loop makes two loads
//! (`state_version` and the ring's published cursor) and redraws only if one moved;
//! a few times a second it checks liveness and restarts; between those it sleeps in
//! `poll(2)` on the terminal, so an idle monitor costs next to nothing. A burst is
//! coalesced: at most [`MAX_EVENTS_PER_FRAME`] events
//! per frame, the rest counted as skipped.
//!
//! The terminal is restored on every exit: `q`, Ctrl-C, SIGTERM/SIGINT/SIGHUP (the
//! stop flag), the terminal going away (`tty_watch.rs`), an error (the guard's `Drop`) and a panic (ratatui's panic hook, which also
//! runs before a `panic = "abort"` abort).
//!
//! Progress: blocking (it is an interactive program).
//!
//! # Implementation
//!
//! 1. Attach and read before touching the terminal, so attach errors print normally.
//! 2. Enter raw mode and the alternate screen (`ratatui::try_init`, which installs the
//!    restoring panic hook); a guard restores on drop.
//! 3. Loop: wait for a key until the next poll point (`poll(2)` on the terminal in
//!    `TtyWatch`, `tty_watch.rs`; then crossterm reads it); poll the session; draw when
//!    dirty, at most once per frame interval. (The "immediate mode, redraw on change"
//!    pattern from the ratatui book, with a change check instead of a fixed tick.)
//!
//! [`headless`] runs the same refresh loop into an off-screen buffer (for the
//! `monitor-overhead` benchmark).
//!
//! It must never busy-wait, draw faster than `fps`, or leave the terminal raw.
//!
//! [`view::render`]: crate::view::render

pub mod headless;
mod keys;
mod quotes;
mod session;
mod tty_watch;

use std::io;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event};
use ratatui::DefaultTerminal;

use crate::error::MonitorError;
use crate::options::Options;
use crate::view;
use tty_watch::{Ready, TtyWatch};

pub use keys::{Action, handle as handle_key};
pub use quotes::QuoteAges;
pub use session::{MAX_EVENTS_PER_FRAME, Session};

/// Longest time between liveness checks (shorter with a small `stale_ms`).
const CHECK_EVERY: Duration = Duration::from_millis(250);

/// Restores the terminal when dropped.
struct TerminalGuard(DefaultTerminal);

impl TerminalGuard {
    fn enter() -> io::Result<Self> {
        ratatui::try_init().map(TerminalGuard)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = self.0.show_cursor();
        ratatui::restore();
    }
}

/// Runs the TUI until `q`, Ctrl-C or the stop flag.
///
/// # Errors
///
/// Attach errors (before the terminal is touched), terminal errors, and event ring
/// errors.
pub fn run(opts: &Options) -> Result<(), MonitorError> {
    let mut session = Session::start(opts)?;
    let mut tty = TtyWatch::open().map_err(MonitorError::Terminal)?;
    let mut term = TerminalGuard::enter().map_err(MonitorError::Terminal)?;
    let frame = opts.frame_interval();
    let check = CHECK_EVERY.min(opts.stale / 4).max(frame);
    let (mut dirty, mut next_poll, mut next_check) = (true, Instant::now(), Instant::now());
    let mut next_draw = Instant::now();
    while !opts.stop.is_set() {
        let now = Instant::now();
        if dirty && now >= next_draw {
            term.0
                .draw(|f| view::render(f, &session.model))
                .map_err(MonitorError::Terminal)?;
            (dirty, next_draw) = (false, now + frame);
        }
        let mut wake = next_poll;
        if dirty {
            wake = wake.min(next_draw);
        }
        let timeout = wake.saturating_duration_since(Instant::now());
        match tty.wait(timeout).map_err(MonitorError::Terminal)? {
            // The terminal went away: as SIGHUP (crossterm would read EOF forever).
            Ready::Gone => break,
            Ready::Input => {
                let got = event::poll(Duration::ZERO).map_err(MonitorError::Terminal)?;
                tty.delivered(got);
                if got {
                    match event::read().map_err(MonitorError::Terminal)? {
                        Event::Key(key) => match keys::handle(&mut session.model.ui, key) {
                            Action::Quit => break,
                            Action::Redraw => dirty = true,
                            Action::Ignore => {}
                        },
                        Event::Resize(..) => dirty = true,
                        _ => {}
                    }
                }
                continue;
            }
            Ready::Timeout => {}
        }
        let now = Instant::now();
        if now < next_poll {
            continue;
        }
        next_poll = now + frame;
        let paused = session.model.ui.paused;
        if !paused && session.changed() {
            session.refresh()?;
            dirty = true;
        }
        if now >= next_check {
            next_check = now + check;
            dirty |= session.tick(paused)?;
        }
    }
    Ok(())
}
