//! The periodic mode: one status line (or, with `json`, one snapshot object) per
//! interval until stopped. It is what `seamless monitor` does when stdout is not a
//! terminal, so `seamless monitor > log.txt` or `seamless up` under a service manager
//! leaves a readable record.
//!
//! It follows a core restart like `--tail` (a note on stderr), and keeps printing the
//! last state of a dead or stopped core, marked `[DEAD]` or `[STOPPED]`.
//!
//! Progress: blocking (sleeps between lines, at most 50 ms at a time so a stop is
//! seen promptly).

use std::io::{self, Write};
use std::thread;
use std::time::{Duration, Instant};

use seamless_core::shared::snapshot;
use seamless_ipc::shm::unix_time_ns;

use crate::error::{self, MonitorError};
use crate::follow::Follower;
use crate::options::Options;
use crate::rates::Rates;
use crate::slot::OwnSlot;
use crate::summary;

/// Longest single sleep (so the stop flag is seen within it).
const NAP: Duration = Duration::from_millis(50);

/// Prints a line every `interval` into `out` (notes on `err`) until stopped.
///
/// # Errors
///
/// Attach errors at the start; an output error other than a closed pipe.
pub fn run(
    opts: &Options,
    json: bool,
    interval: Duration,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), MonitorError> {
    let dir = opts.shm_dir.as_deref();
    let mut follower = Follower::attach(dir, &opts.name, &opts.stop)?;
    let id = follower.reader().instance_id();
    let mut slot = crate::slot::create(dir, &opts.name, id).unwrap_or_else(|e| {
        let _ = writeln!(err, "seamless monitor: running without a reader slot: {e}");
        OwnSlot::none()
    });
    let mut rates = Rates::default();
    let mut due = Instant::now();
    while !opts.stop.is_set() {
        let now = Instant::now();
        if now < due {
            slot.beat();
            thread::sleep((due - now).min(NAP));
            continue;
        }
        due += interval;
        if due < now {
            due = now + interval; // we were suspended: do not print a burst
        }
        if let Some(r) = follower.poll_restart() {
            let _ = writeln!(
                err,
                "seamless monitor: the core of instance {} restarted (pid {}); reattached",
                opts.name, r.pid
            );
            slot.follow(r.new_id, r.first_seq);
            rates = Rates::default();
        }
        let snap = match follower.snapshot(opts.stale) {
            Ok(snap) => snap,
            Err(e) => {
                let _ = writeln!(err, "seamless monitor: {e}");
                continue;
            }
        };
        rates.observe(&snap.metrics);
        slot.update(snap.last_seq + 1);
        let text = if json {
            snapshot::to_json(&snap)
        } else {
            summary::status_line(&snap, unix_time_ns(), rates.latest())
        };
        if let Err(e) = writeln!(out, "{text}").and_then(|()| out.flush()) {
            return error::output(e);
        }
    }
    Ok(())
}

/// [`run`] on the standard streams.
pub fn run_stdio(opts: &Options, json: bool, interval: Duration) -> Result<(), MonitorError> {
    run(
        opts,
        json,
        interval,
        &mut io::stdout().lock(),
        &mut io::stderr(),
    )
}
