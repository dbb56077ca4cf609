//! Bounded reads of the event ring: at most `max` events per call, so a burst (a
//! million events a second) never makes a caller fall behind its own schedule.
//!
//! The monitor is a non-gating reader: the core never waits for it. Two things can
//! make it skip events, and both are counted exactly:
//!
//! - **coalescing** (the TUI): more than `max` events are waiting, so it jumps to the
//!   newest `max` and reports the jump;
//! - **lapping**: the core overwrote events before they were read; the ring reports
//!   [`Lagged`](seamless_ipc::broadcast::Lagged) with the exact count and the reader
//!   resumes at the oldest event still there. State is never lost by this: the state
//!   rows always hold the latest values.
//!
//! Progress: wait-free (a bounded number of loads per event; no waiting).
//!
//! # Example
//!
//! ```no_run
//! use seamless_core::shared::SharedReader;
//! use seamless_monitor::ring::{Step, pull};
//! let reader = SharedReader::attach(None, "default")?;
//! let (mut next, mut steps) = (1, Vec::new());
//! pull(&reader, &mut next, 1024, true, &mut steps)?;
//! for step in &steps {
//!     match step {
//!         Step::Event(seq, _record) => println!("event {seq}"),
//!         Step::Skipped(n) => println!("{n} skipped"),
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Implementation
//!
//! 1. A ring reader is made for each call at the caller's cursor (a handful of header
//!    loads), so callers hold a plain `u64` and can re-attach after a core restart.
//! 2. With `coalesce`, if `published + 1 - next > max`, seek to `published + 1 - max`.
//! 3. Read until the ring is empty or `max` events were read; a `Lagged` becomes a
//!    [`Step::Skipped`]. (The broadcast ring's per-slot stamps: Disruptor, "Design and
//!    implementation", LMAX 2011; lag detection as in tokio's broadcast channel.)
//!
//! It must never block, spin waiting for the core, or write to the region.

use seamless_core::EventRecord;
use seamless_core::shared::SharedReader;
use seamless_ipc::broadcast::{AttachError, Start};

/// One thing read from the ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The event with this sequence number.
    Event(u64, EventRecord),
    /// This many events were skipped (coalesced or overwritten before they were read).
    Skipped(u64),
}

/// Reads at most `max` events from `*next` on into `out` (cleared first) and moves
/// `*next` past them. With `coalesce`, a backlog beyond `max` is skipped (reported as
/// one [`Step::Skipped`] first) so only the newest `max` are read.
///
/// # Errors
///
/// The ring's [`AttachError`] (not initialised, corrupt header).
pub fn pull(
    reader: &SharedReader,
    next: &mut u64,
    max: usize,
    coalesce: bool,
    out: &mut Vec<Step>,
) -> Result<(), AttachError> {
    out.clear();
    let mut ring = reader.events(Start::Seq(*next))?;
    let waiting = ring.lag();
    let max64 = max as u64;
    if coalesce && waiting > max64 {
        let resume = ring.published() + 1 - max64;
        out.push(Step::Skipped(resume.saturating_sub(ring.next_seq())));
        ring.seek(Start::Seq(resume));
    }
    // Lapping moves the cursor without reading: bound those rounds too.
    let (mut read, mut rounds) = (0, 0);
    while read < max && rounds <= 2 * max {
        rounds += 1;
        match ring.try_next() {
            Ok(Some((seq, record))) => {
                out.push(Step::Event(seq, record));
                read += 1;
            }
            Ok(None) => break,
            Err(lagged) => out.push(Step::Skipped(lagged.missed)),
        }
    }
    *next = ring.next_seq();
    Ok(())
}

/// The sequence `last` events before the newest published one (at least the ring's
/// first sequence): where a reader starts to show the recent past.
///
/// # Errors
///
/// The ring's [`AttachError`].
pub fn recent_start(reader: &SharedReader, last: u64) -> Result<u64, AttachError> {
    let ring = reader.events(Start::Oldest)?;
    let oldest = ring.next_seq();
    let start = (ring.published() + 1).saturating_sub(last);
    Ok(start.max(oldest).max(ring.first_seq()).max(1))
}
