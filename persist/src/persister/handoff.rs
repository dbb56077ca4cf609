//! The hand-off between a dead (or stopped) core's persister and the next core: before a
//! core restores from the data directory, the persister must have written every event
//! the previous run published, or the new run would continue from an older sequence
//! and the log would fork.
//!
//! The persister says it is done with a run by setting its slot's `following` word to
//! 0 after the run's last event is durable ([`super`] step 5). [`await_handoff`]
//! waits for that *and* for the persister's durable cursor to pass the last event of
//! a dead core's region still in place (the persister may not have attached to that
//! run yet: a core killed right after it started), bounded, and returns at once when
//! there is nothing to wait for (no persister, a dead one, or a live core already
//! owning the instance: creating the region then fails with that core's pid).
//!
//! Progress: blocking (polls every few milliseconds); called once, before a core starts.
//! It must never write anything: it only maps the persister's slot read-only.

use std::fmt;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use seamless_core::shared::SharedReader;
use seamless_core::shared::snapshot::PERSIST_ROLE;
use seamless_ipc::broadcast::Start;
use seamless_ipc::reader_slot::{ReaderSlotView, SlotOpenError};

/// How often the slot is polled.
const POLL: Duration = Duration::from_millis(5);

/// What [`await_handoff`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handoff {
    /// No persister slot for the instance.
    NoPersister,
    /// The persister's process is gone: the log is whatever it wrote.
    PersisterDead,
    /// A live persister that follows no run (it finished the last one, or never had one).
    Idle {
        /// Its pid.
        pid: u32,
        /// How long this waited for it.
        waited: Duration,
    },
    /// A live core owns the instance: nothing to hand off (the new core will be refused).
    CoreAlive,
}

/// A live persister was still writing the previous run's events at the deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoffTimeout {
    /// The persister's pid.
    pub pid: u32,
    /// The run it still follows.
    pub following: u64,
    /// Its durable cursor: the next sequence not yet durable.
    pub durable_cursor: u64,
    /// How long this waited.
    pub waited: Duration,
}

impl fmt::Display for HandoffTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the persister (pid {}) is still writing the previous run's events (durable up \
             to seq {}) after {} ms: starting now would fork the log; retry once it is \
             idle, or stop it",
            self.pid,
            self.durable_cursor.saturating_sub(1),
            self.waited.as_millis()
        )
    }
}

impl std::error::Error for HandoffTimeout {}

/// Waits, up to `timeout`, until instance `name`'s persister has finished with the
/// previous run (module docs).
///
/// # Errors
///
/// [`HandoffTimeout`] when a live persister still follows a dead run at the deadline.
pub fn await_handoff(
    dir: Option<&Path>,
    name: &str,
    timeout: Duration,
) -> Result<Handoff, HandoffTimeout> {
    let start = Instant::now();
    loop {
        let view = match ReaderSlotView::open(dir, name, PERSIST_ROLE) {
            Ok(view) => view,
            Err(SlotOpenError::NotFound { .. }) => return Ok(Handoff::NoPersister),
            // Still initialising: a persister is starting; it follows nothing yet.
            Err(SlotOpenError::StillInitialising { .. }) if start.elapsed() < timeout => {
                thread::sleep(POLL);
                continue;
            }
            Err(_) => return Ok(Handoff::PersisterDead),
        };
        if !view.is_owner_alive() {
            return Ok(Handoff::PersisterDead);
        }
        let previous = previous_run(dir, name);
        if previous == Previous::Alive {
            return Ok(Handoff::CoreAlive);
        }
        let caught_up = match previous {
            Previous::Dead { published } => view.durable_cursor() > published,
            _ => true,
        };
        if view.following() == 0 && caught_up {
            return Ok(Handoff::Idle {
                pid: view.pid(),
                waited: start.elapsed(),
            });
        }
        let waited = start.elapsed();
        if waited >= timeout {
            return Err(HandoffTimeout {
                pid: view.pid(),
                following: view.following(),
                durable_cursor: view.durable_cursor(),
                waited,
            });
        }
        thread::sleep(POLL);
    }
}

/// The run whose region is in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Previous {
    /// None (or not readable).
    None,
    /// A live core owns it.
    Alive,
    /// Its core is gone; it published up to `published`.
    Dead { published: u64 },
}

fn previous_run(dir: Option<&Path>, name: &str) -> Previous {
    let Ok(reader) = SharedReader::attach(dir, name) else {
        return Previous::None;
    };
    if reader.is_owner_alive() {
        return Previous::Alive;
    }
    match reader.events(Start::Oldest) {
        Ok(ring) => Previous::Dead {
            published: ring.published(),
        },
        Err(_) => Previous::None,
    }
}
