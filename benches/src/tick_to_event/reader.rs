//! The monitor-style reader (child role `monitor-reader`): a non-gating process that
//! follows everything a monitor or bridge shows, as often as it is allowed to, so the
//! scenario can show what readers cost the core.
//!
//! Progress: a polling loop that sleeps `poll_us` between polls (or, with 0, spins then
//! yields); it never writes to the region and never gates the core.
//!
//! # Implementation
//!
//! 1. Announce, attach read-only, start the event ring at its tail.
//! 2. Each poll: load `state_version`; when it moved, read every row (per instrument:
//!    market, position, signals, monitor; then account, runner, metrics, latency) as
//!    the monitor's `--once` snapshot does; then drain the event ring (a lapped reader
//!    resumes at the oldest event still there, counting what it missed).
//! 3. When the region is marked stopped: write the tallies (polls, state changes read,
//!    rows, events, events missed) so the parent can show the readers were busy.
//!
//! The default pause (100 µs: about 10,000 polls a second each) is far more than a
//! monitor at 30 frames a second or a bridge at 10 pushes a second; with `poll_us = 0`
//! every reader polls continuously, the worst case for the core's cache lines.
//!
//! It must never register a gate or a reader slot: it stands for the non-gating
//! readers, which the core never waits for.

use std::hint::black_box;
use std::io;
use std::path::Path;

use seamless_core::domain::InstrumentId;
use seamless_core::shared::SharedReader;
use seamless_ipc::broadcast::Start;

use super::follow::{Pause, RunEnd, ready_and_attach};
use super::protocol::{ChildArgs, write_results};

/// The readers' role name (their files are `reader-<index>.*`).
pub(crate) const ROLE: &str = "reader";

/// Polls between two end-of-run checks when polling continuously.
const END_CHECK_EVERY: u64 = 256;

/// A reader's tallies.
#[derive(Debug, Default)]
struct Tally {
    polls: u64,
    changes: u64,
    rows: u64,
    row_errors: u64,
    events: u64,
    missed: u64,
}

impl Tally {
    /// Counts one row read.
    fn row<T>(&mut self, read: Result<T, impl Sized>) {
        match read {
            Ok(v) => {
                black_box(v);
                self.rows += 1;
            }
            Err(_) => self.row_errors += 1,
        }
    }
}

/// Step 2's row reads.
fn read_rows(reader: &SharedReader, t: &mut Tally) {
    for ix in 0..reader.instruments().len() {
        let id = InstrumentId(ix as u32);
        t.row(reader.market(id));
        t.row(reader.position(id));
        t.row(reader.signals(id));
        t.row(reader.monitor(id));
    }
    t.row(reader.account());
    t.row(reader.runner());
    t.row(reader.metrics());
    t.row(reader.latency());
}

/// Runs the reader role over the run in `dir` (module docs).
///
/// # Errors
///
/// The region or its event ring could not be attached, or the results file not
/// written.
pub(crate) fn run(dir: &Path, arg: &str) -> io::Result<()> {
    let args = ChildArgs::decode(arg)?;
    let reader = ready_and_attach(dir, &args, ROLE)?;
    let mut events = reader
        .events(Start::Tail)
        .map_err(|e| io::Error::other(format!("event ring: {e}")))?;
    let mut t = Tally::default();
    let mut end = RunEnd::new();
    let mut pause = Pause::new(args.poll_us, false)?;
    let mut version = 0;
    loop {
        t.polls += 1;
        let v = reader.state_version();
        let changed = v != version;
        if changed {
            version = v;
            t.changes += 1;
            read_rows(&reader, &mut t);
        }
        loop {
            match events.try_next() {
                Ok(Some(event)) => {
                    black_box(event);
                    t.events += 1;
                }
                Ok(None) => break,
                Err(lagged) => t.missed += lagged.missed,
            }
        }
        let sleeps = matches!(pause, Pause::Sleep(_));
        if (sleeps || t.polls.is_multiple_of(END_CHECK_EVERY)) && end.is_over(&reader) {
            break;
        }
        // A sleeping reader keeps its pace whatever it found (a monitor's frame rate);
        // a spinning one starts spinning again after a change.
        match changed && !sleeps {
            true => pause.busy(),
            false => pause.idle(),
        }
    }
    let counts = [
        ("polls", t.polls),
        ("changes", t.changes),
        ("rows", t.rows),
        ("row_errors", t.row_errors),
        ("events", t.events),
        ("missed", t.missed),
    ];
    write_results(&args.out_path(dir, ROLE), &counts, None)
}
