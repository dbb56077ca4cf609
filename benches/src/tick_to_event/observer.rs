//! The tick observer (child role `tick-observer`): a process that follows the core's
//! market rows and records, for every tick whose stamp it sees, how long ago that tick
//! entered the feed ring.
//!
//! Progress: a polling loop (spin, then `sched_yield` between polls, so a core thread
//! woken on the same CPU gets it back at once); it never writes to the region.
//!
//! # Implementation
//!
//! 1. Announce, attach read-only ([`ready_and_attach`]), read every market row once:
//!    that state predates the observer and is not recorded.
//! 2. Poll `state_version` (one relaxed load of one cache line). On a change, read
//!    each instrument's market row (seqlock) and take [`stamp_ns`] right after it; a
//!    row whose tick count moved is one observation: `stamp_ns() - row.stamp`, the
//!    tick's age when it became visible here. Ticks the row went past between two
//!    observations (overwritten before we looked, or several in one engine batch)
//!    are counted as missed, so the report can say what fraction it saw.
//! 3. Sanity counts, checked by the parent before any figure is used: a stamp later
//!    than the clock read after it (`future`), a stamp or tick count going backwards
//!    (`backwards`).
//! 4. When the region is marked stopped: one last read, then the results file
//!    ([`write_results`]).
//!
//! The observer samples the newest stamp per row: a tick overwritten before the
//! observer looked is not measured (the fraction is reported). It must never record the
//! state it found on attaching, nor write to the region.
//!
//! [`ready_and_attach`]: super::follow::ready_and_attach
//! [`write_results`]: super::protocol::write_results

use std::io;
use std::path::Path;

use seamless_core::domain::InstrumentId;
use seamless_core::runtime::stamp_ns;
use seamless_core::shared::SharedReader;

use super::follow::{Pause, RunEnd, ready_and_attach};
use super::protocol::{ChildArgs, write_results};
use crate::hist::Hist;

/// The observer's role name (its files are `observer-<index>.*`).
pub(crate) const ROLE: &str = "observer";

/// Idle polls between two end-of-run checks.
const END_CHECK_EVERY: u64 = 256;

/// What the observer last saw of one market row.
#[derive(Debug, Clone, Copy, Default)]
struct Seen {
    ticks: u64,
    stamp: u64,
}

/// The observer's tallies.
#[derive(Debug)]
struct Observer {
    last: Vec<Seen>,
    hist: Hist,
    seen: u64,
    missed: u64,
    future: u64,
    backwards: u64,
    row_errors: u64,
    versions: u64,
}

impl Observer {
    fn new(reader: &SharedReader) -> Observer {
        let mut o = Observer {
            last: vec![Seen::default(); reader.instruments().len()],
            hist: Hist::new(),
            seen: 0,
            missed: 0,
            future: 0,
            backwards: 0,
            row_errors: 0,
            versions: 0,
        };
        for ix in 0..o.last.len() {
            if let Ok((row, _)) = reader.market(InstrumentId(ix as u32)) {
                o.last[ix] = Seen {
                    ticks: row.ticks,
                    stamp: row.stamp,
                };
            }
        }
        o
    }

    /// Step 2: reads every market row, recording each one that moved.
    #[inline]
    fn observe(&mut self, reader: &SharedReader) {
        for ix in 0..self.last.len() {
            let Ok((row, _)) = reader.market(InstrumentId(ix as u32)) else {
                self.row_errors += 1;
                continue;
            };
            let now = stamp_ns();
            let last = self.last[ix];
            if row.ticks == last.ticks {
                continue;
            }
            if row.ticks < last.ticks || row.stamp < last.stamp {
                self.backwards += 1;
            } else if row.stamp > now {
                self.future += 1;
            } else {
                self.hist.record(now - row.stamp);
                self.seen += 1;
                self.missed += row.ticks - last.ticks - 1;
            }
            self.last[ix] = Seen {
                ticks: row.ticks,
                stamp: row.stamp,
            };
        }
    }
}

/// Runs the observer role over the run in `dir` (module docs).
///
/// # Errors
///
/// The region could not be attached, or the results file not written.
pub(crate) fn run(dir: &Path, arg: &str) -> io::Result<()> {
    let args = ChildArgs::decode(arg)?;
    let reader = ready_and_attach(dir, &args, ROLE)?;
    let mut obs = Observer::new(&reader);
    let mut end = RunEnd::new();
    let mut pause = Pause::new(args.poll_us, true)?;
    let (mut version, mut idle) = (reader.state_version(), 0u64);
    loop {
        let v = reader.state_version();
        if v != version {
            version = v;
            obs.versions += 1;
            obs.observe(&reader);
            pause.busy();
            idle = 0;
            continue;
        }
        idle += 1;
        if idle.is_multiple_of(END_CHECK_EVERY) && end.is_over(&reader) {
            obs.observe(&reader);
            break;
        }
        pause.idle();
    }
    // The core's publication count, to tell its batching from our missed polls.
    let batches = reader.metrics().map_or(0, |(m, _)| m.batches);
    let counts = [
        ("batches", batches),
        ("seen", obs.seen),
        ("missed", obs.missed),
        ("future", obs.future),
        ("backwards", obs.backwards),
        ("row_errors", obs.row_errors),
        ("versions", obs.versions),
    ];
    write_results(&args.out_path(dir, ROLE), &counts, Some(&obs.hist))
}
