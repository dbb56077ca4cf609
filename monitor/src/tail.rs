//! `monitor --tail`: print events as lines until stopped, like `tail -f`.
//!
//! With `json`, each line is one event object exactly as the event JSON contract
//! ([`write_event_json`], DESIGN.md "Interfaces"); when the core laps the monitor, a
//! marker line `{"kind":"lagged","missed":N}` says exactly how many events were lost
//! and the tail resumes at the oldest event still in the ring. Without `json`, the
//! same as text: `SEQ TIME KIND INSTRUMENT key=value...`.
//!
//! It follows a core restart (a new region under the same name): it says so on stderr
//! and continues with the new run's first event. It stops on the [`Stop`] flag
//! (SIGINT/SIGTERM in the binary) or when the output pipe closes, both a normal end.
//!
//! Progress: blocking (sleeps 10 ms when caught up; no busy loop). It never slows the
//! core: its reader slot is non-gating.
//!
//! # Implementation
//!
//! 1. Attach ([`Follower`]), start at `--from` or at the newest `last` events.
//! 2. Loop: [`ring::pull`] up to 4096 events without coalescing, write them through a
//!    buffer, flush, publish the cursor in the monitor's reader slot.
//! 3. When caught up: check for a replaced region and the core's liveness, then sleep.
//!
//! It must never coalesce events away silently: every gap is a marker line.
//!
//! [`Stop`]: crate::options::Stop
//! [`write_event_json`]: seamless_core::domain::write_event_json

use std::io::{self, BufWriter, Write};
use std::thread;
use std::time::{Duration, Instant};

use seamless_core::EventRecord;
use seamless_core::domain::{Instruments, write_typed_event_json};

use crate::error::{self, MonitorError};
use crate::follow::Follower;
use crate::options::Options;
use crate::ring::{self, Step};
use crate::slot::OwnSlot;
use crate::text;

/// Events read per round.
const BATCH: usize = 4096;
/// Sleep when caught up.
const IDLE: Duration = Duration::from_millis(10);
/// How often liveness is probed when idle.
const PROBE_EVERY: Duration = Duration::from_secs(1);

/// Follows instance `opts.name`'s events into `out` (notes on `err`) until stopped.
/// `from`: first sequence; otherwise the newest `last` events first.
///
/// # Errors
///
/// Attach errors at the start, an event ring that cannot be read, an output error
/// other than a closed pipe.
pub fn run(
    opts: &Options,
    json: bool,
    from: Option<u64>,
    last: u64,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), MonitorError> {
    let dir = opts.shm_dir.as_deref();
    let mut follower = Follower::attach(dir, &opts.name, &opts.stop)?;
    let mut next = match from {
        Some(seq) => seq.max(1),
        None => ring::recent_start(follower.reader(), last).map_err(MonitorError::Ring)?,
    };
    let id = follower.reader().instance_id();
    let mut slot = crate::slot::create(dir, &opts.name, id).unwrap_or_else(|e| {
        let _ = writeln!(err, "seamless monitor: running without a reader slot: {e}");
        OwnSlot::none()
    });
    let mut out = BufWriter::with_capacity(1 << 16, out);
    let (mut steps, mut line) = (Vec::with_capacity(BATCH + 1), String::new());
    let mut alive = true;
    let mut next_probe = Instant::now();
    while !opts.stop.is_set() {
        let reader = follower.reader();
        ring::pull(reader, &mut next, BATCH, false, &mut steps).map_err(MonitorError::Ring)?;
        for step in &steps {
            line.clear();
            format_step(follower.instruments(), step, json, &mut line, err);
            if !line.is_empty() {
                line.push('\n');
                if let Err(e) = out.write_all(line.as_bytes()) {
                    return error::output(e);
                }
            }
        }
        if !steps.is_empty()
            && let Err(e) = out.flush()
        {
            return error::output(e);
        }
        slot.update(next);
        if steps.len() >= BATCH {
            continue;
        }
        if let Some(r) = follower.poll_restart() {
            let _ = writeln!(
                err,
                "seamless monitor: the core of instance {} restarted (pid {}); reattached, following the new run from seq {}",
                opts.name, r.pid, r.first_seq
            );
            next = r.first_seq;
            slot.follow(r.new_id, next);
            alive = true;
            continue;
        }
        if Instant::now() >= next_probe {
            next_probe = Instant::now() + PROBE_EVERY;
            alive = note_liveness(&follower, alive, err);
        }
        thread::sleep(IDLE);
    }
    out.flush().or_else(error::output)
}

/// Says on `err` when the core went away; returns its liveness.
fn note_liveness(follower: &Follower, was_alive: bool, err: &mut dyn Write) -> bool {
    let reader = follower.reader();
    let alive = reader.is_owner_alive();
    if was_alive && !alive {
        let _ = writeln!(
            err,
            "seamless monitor: the core of instance {} (pid {}) is gone ({}); waiting for a restart",
            reader.name(),
            reader.pid(),
            reader.status()
        );
    }
    alive
}

/// Formats one step as a line (without newline) into `line`; an event that cannot be
/// decoded is reported on `err` and left out.
fn format_step(
    instruments: &Instruments,
    step: &Step,
    json: bool,
    line: &mut String,
    err: &mut dyn Write,
) {
    match *step {
        Step::Skipped(n) if json => {
            line.push_str(&format!(r#"{{"kind":"lagged","missed":{n}}}"#));
        }
        Step::Skipped(n) => {
            line.push_str(&format!(
                "-- lagged: {n} events missed (overwritten before they were read) --"
            ));
        }
        Step::Event(seq, record) => {
            if let Err(e) = format_event(instruments, seq, &record, json, line) {
                line.clear();
                let _ = writeln!(err, "seamless monitor: event {seq} left out: {e}");
            }
        }
    }
}

fn format_event(
    instruments: &Instruments,
    seq: u64,
    record: &EventRecord,
    json: bool,
    line: &mut String,
) -> Result<(), Box<dyn std::error::Error>> {
    let ev = record.decode()?;
    if json {
        write_typed_event_json(instruments, seq, &ev, line)?;
        return Ok(());
    }
    let mut obj = String::new();
    write_typed_event_json(instruments, seq, &ev, &mut obj)?;
    let symbol = ev.instrument().and_then(|id| instruments.symbol(id));
    line.push_str(&format!(
        "{seq} {} {:<24} {:<10} {}",
        text::clock(ev.ts_ns),
        ev.kind().name(),
        symbol.unwrap_or("-"),
        text::event_fields(&obj)
    ));
    Ok(())
}

/// The standard streams, for [`run`] from the binary.
pub fn run_stdio(
    opts: &Options,
    json: bool,
    from: Option<u64>,
    last: u64,
) -> Result<(), MonitorError> {
    run(
        opts,
        json,
        from,
        last,
        &mut io::stdout().lock(),
        &mut io::stderr(),
    )
}
