//! `monitor --once`: one snapshot, printed as the `monitor --once --json` object
//! ([`seamless_core::shared::snapshot::to_json`], DESIGN.md "Interfaces") or as the
//! compact human summary, then return.
//!
//! A stopped core's region is still readable: its final state is printed with
//! `"status":"stopped"` (and `"alive":false`).
//!
//! Progress: blocking (attach, a directory listing, a liveness probe).

use std::io::Write;

use seamless_core::shared::snapshot;
use seamless_ipc::shm::unix_time_ns;

use crate::error::{self, MonitorError};
use crate::follow::Follower;
use crate::options::Options;
use crate::summary;

/// Attaches, reads one snapshot and writes it to `out` (JSON object on one line with
/// `json`, otherwise the summary).
///
/// # Errors
///
/// Attach and read errors ([`MonitorError`]); a closed output pipe is not an error.
pub fn run(opts: &Options, json: bool, out: &mut dyn Write) -> Result<(), MonitorError> {
    let follower = Follower::attach(opts.shm_dir.as_deref(), &opts.name, &opts.stop)?;
    let snap = follower.snapshot(opts.stale)?;
    let text = if json {
        let mut line = snapshot::to_json(&snap);
        line.push('\n');
        line
    } else {
        summary::human(&snap, unix_time_ns())
    };
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) => error::output(e),
    }
}
