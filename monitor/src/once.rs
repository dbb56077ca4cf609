//! `monitor --once`: one snapshot, printed as the `monitor --once --json` object
//! ([`seamless_core::shared::snapshot::to_json`], DESIGN.md "Interfaces") or as the
//! compact human summary, then return.
//!
//! A stopped core's region is still readable: its final state is printed with
//! `"status":"stopped"` (and `"alive":false`).
//!
//! Beyond the contract's keys, the object carries `monitor_reads` {reads, retried,
//! retries, failures, retry_rate}: this monitor's own seqlock row reads for the
//! snapshot, `retry_rate` being reads retried / reads (the summary prints the same as
//! its `reads` line).
//!
//! Progress: blocking (attach, a directory listing, a liveness probe).

use std::fmt::Write as _;
use std::io::Write;

use seamless_core::shared::snapshot;
use seamless_ipc::shm::unix_time_ns;

use crate::error::{self, MonitorError};
use crate::follow::Follower;
use crate::options::Options;
use crate::own_reads::OwnReads;
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
    let reads = OwnReads::of(follower.reader());
    let text = if json {
        let mut line = snapshot::to_json(&snap);
        add_reads(&mut line, &reads);
        line.push('\n');
        line
    } else {
        let mut text = summary::human(&snap, unix_time_ns());
        text.push_str(&summary::reads_line(&reads));
        text
    };
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) => error::output(e),
    }
}

/// Adds `"monitor_reads":{...}` as the last key of the JSON object in `json`.
fn add_reads(json: &mut String, s: &OwnReads) {
    if !json.ends_with('}') {
        return; // not an object (an empty string from a failed render): leave it be
    }
    json.pop();
    let rate = s.rate().unwrap_or(0.0);
    let sep = if json.ends_with('{') { "" } else { "," };
    // Writing into a String cannot fail.
    let _ = write!(
        json,
        "{sep}\"monitor_reads\":{{\"reads\":{},\"retried\":{},\"retries\":{},\"failures\":{},\"retry_rate\":{rate:.6}}}}}",
        s.reads, s.retried, s.retries, s.failures
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monitor_reads_is_one_more_key() {
        let mut json = r#"{"instance":"x","last_seq":3}"#.to_owned();
        let s = OwnReads {
            reads: 7,
            retried: 1,
            retries: 3,
            failures: 1,
        };
        add_reads(&mut json, &s);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["instance"], "x");
        assert_eq!(v["last_seq"], 3);
        let r = &v["monitor_reads"];
        assert_eq!(
            (r["reads"].as_u64(), r["failures"].as_u64()),
            (Some(7), Some(1))
        );
        assert_eq!(r["retry_rate"].as_f64(), Some(0.125));
        let mut empty = "{}".to_owned();
        add_reads(&mut empty, &OwnReads::default());
        assert!(
            serde_json::from_str::<serde_json::Value>(&empty).is_ok(),
            "{empty}"
        );
    }
}
