//! Progress lines on stderr: `[3/9] seqlock: round 4/21`, rewritten in place, then
//! `[3/9] seqlock ... 2.1 s` when the step is done.
//!
//! A suite run ([`crate::suite`]) sets the step prefix; a scenario reports its rounds
//! with [`round`] and does not need to know whether it runs alone or in a suite.
//!
//! Progress: blocking (writes to stderr); only between measured rounds, never inside.

use std::sync::Mutex;
use std::time::Duration;

/// The current step's prefix (`[3/9] `), empty outside a suite.
static STEP: Mutex<String> = Mutex::new(String::new());

fn step() -> String {
    STEP.lock().map(|s| s.clone()).unwrap_or_default()
}

/// Starts step `index` (1-based) of `count`, named `name`.
pub fn start_step(index: usize, count: usize, name: &str) {
    if let Ok(mut s) = STEP.lock() {
        *s = format!("[{index}/{count}] ");
    }
    eprint!("\r{}{name} ...", step());
}

/// Ends the current step: `[3/9] name ... 2.1 s` (or with `note`, e.g. `skipped`).
pub fn end_step(name: &str, took: Duration, note: &str) {
    let note = if note.is_empty() {
        String::new()
    } else {
        format!(" ({note})")
    };
    eprintln!(
        "\r{}{name} ... {:.1} s{note}                    ",
        step(),
        took.as_secs_f64()
    );
    if let Ok(mut s) = STEP.lock() {
        s.clear();
    }
}

/// Reports round `round` (0-based) of `rounds` of `what`; outside a suite the last
/// round ends the line.
pub fn round(what: &str, round: u64, rounds: u64) {
    let step = step();
    eprint!("\r{step}{what}: round {}/{rounds}   ", round + 1);
    if step.is_empty() && round + 1 == rounds {
        eprintln!();
    }
}
