//! `seamless log verify`: is the data directory whole? Contiguity across segments,
//! every header and checksum, every snapshot's validity, and that each snapshot
//! equals the fold of the log up to its sequence number.
//!
//! Progress: blocking file I/O; reads everything once.
//!
//! # Example
//!
//! ```
//! use seamless_persist::tools::verify::verify;
//! let dir = tempfile::tempdir().unwrap();
//! let report = verify(dir.path()).unwrap();
//! assert!(report.ok());
//! ```
//!
//! # Implementation
//!
//! 1. Load every snapshot; a bad one is a problem.
//! 2. Pick where folding starts: the empty state when the log starts at sequence 1,
//!    otherwise the oldest valid snapshot that reaches the log's start.
//! 3. Walk the log (see `walk`): decode every record and fold it; whenever the fold
//!    reaches a snapshot's sequence number, compare the states byte for byte.
//!
//! It must never report a directory as whole when restore would refuse it.

use std::fmt;
use std::ops::ControlFlow;
use std::path::Path;

use seamless_core::domain::State;
use serde_json::{Value, json};

use super::walk::{Problem, Severity, Walked, walk};
use crate::dir::inventory;
use crate::error::PersistError;
use crate::snapshot::{SnapshotFile, load_snapshot};

/// What [`verify`] found.
#[derive(Debug)]
pub struct VerifyReport {
    /// The log as walked (segments, records, first/last sequence).
    pub walked: Walked,
    /// Snapshots and whether each is valid.
    pub snapshots: Vec<(SnapshotFile, bool)>,
    /// Snapshots compared with the fold of the log (and equal, or a problem says not).
    pub snapshots_compared: usize,
    /// The sequence number the fold reached (`None`: the log could not be folded).
    pub folded_to: Option<u64>,
}

impl VerifyReport {
    /// `true` when there is no [`Severity::Error`] problem.
    pub fn ok(&self) -> bool {
        self.problems().all(|p| p.severity < Severity::Error)
    }

    /// Every problem, in file order.
    pub fn problems(&self) -> impl Iterator<Item = &Problem> {
        self.walked.problems.iter()
    }

    /// The report as one JSON object: `ok`, `data_dir`, `segments`, `records`,
    /// `first_seq`, `last_seq`, `snapshots` [{file, last_seq, valid}],
    /// `snapshots_compared`, `problems` [{severity, file, offset, seq, what}].
    pub fn to_json(&self, dir: &Path) -> Value {
        let w = &self.walked;
        json!({
            "ok": self.ok(),
            "data_dir": dir.display().to_string(),
            "segments": w.segments.len(),
            "records": w.records,
            "first_seq": w.first_seq,
            "last_seq": w.last_seq,
            "snapshots": self.snapshots.iter().map(|(s, ok)| json!({
                "file": s.path.display().to_string(), "last_seq": s.last_seq, "valid": ok,
            })).collect::<Vec<_>>(),
            "snapshots_compared": self.snapshots_compared,
            "problems": self.problems().map(Problem::to_json).collect::<Vec<_>>(),
        })
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w = &self.walked;
        let errors = self
            .problems()
            .filter(|p| p.severity == Severity::Error)
            .count();
        let warnings = self.problems().count() - errors;
        write!(f, "{} segment(s), {} records", w.segments.len(), w.records)?;
        if let (Some(a), Some(b)) = (w.first_seq, w.last_seq) {
            write!(f, " (seq {a}..={b})")?;
        }
        let valid = self.snapshots.iter().filter(|(_, ok)| *ok).count();
        write!(
            f,
            ", {valid}/{} snapshot(s) valid, {} compared with the fold",
            self.snapshots.len(),
            self.snapshots_compared
        )?;
        match errors {
            0 => f.write_str(": ok")?,
            n => write!(f, ": {n} problem(s)")?,
        }
        if warnings > 0 {
            write!(f, ", {warnings} warning(s)")?;
        }
        Ok(())
    }
}

/// Checks the data directory `dir` (see the module docs).
///
/// # Errors
///
/// [`PersistError::Io`] if the directory cannot be listed; damage is reported in the
/// [`VerifyReport`], not as an error.
pub fn verify(dir: &Path) -> Result<VerifyReport, PersistError> {
    let inv = inventory(dir)?;
    let mut problems = Vec::new();
    let mut snapshots = Vec::new();
    let mut valid: Vec<(u64, State)> = Vec::new();
    for snap in &inv.snapshots {
        match load_snapshot(&snap.path) {
            Ok((state, _)) => {
                valid.push((snap.last_seq, state));
                snapshots.push((snap.clone(), true));
            }
            Err(e) => {
                problems.push(Problem::from_error(&e));
                snapshots.push((snap.clone(), false));
            }
        }
    }
    valid.sort_by_key(|(seq, _)| *seq);
    let log_start = inv.segments.first().map(|s| s.first_seq);
    let mut fold = match log_start {
        None | Some(1) => Some(State::new()),
        Some(first) => valid
            .iter()
            .find(|(seq, _)| seq + 1 >= first)
            .map(|(_, s)| s.clone()),
    };
    if fold.is_none()
        && let Some(seg) = inv.segments.first()
    {
        let what = format!(
            "the log starts at seq {} and no valid snapshot covers the events before it",
            seg.first_seq
        );
        problems.push(Problem::error(&seg.path, None, Some(seg.first_seq), what));
    }
    let mut compared = 0;
    let mut walked = walk(dir, 0, |ctx, seq, offset, record| {
        let ev = match record.decode() {
            Ok(ev) => ev,
            Err(e) => {
                problems.push(Problem::error(
                    ctx.path,
                    Some(offset),
                    Some(seq),
                    format!("cannot decode: {e}"),
                ));
                fold = None;
                return ControlFlow::Continue(());
            }
        };
        let Some(state) = fold.as_mut() else {
            return ControlFlow::Continue(());
        };
        if seq <= state.last_seq() {
            return ControlFlow::Continue(()); // before the snapshot folding starts from
        }
        if seq != state.last_seq() + 1 {
            fold = None; // a gap, reported by the walk
            return ControlFlow::Continue(());
        }
        if let Err(e) = state.apply(seq, &ev) {
            problems.push(Problem::error(
                ctx.path,
                Some(offset),
                Some(seq),
                format!("cannot fold: {e}"),
            ));
            fold = None;
            return ControlFlow::Continue(());
        }
        if let Ok(ix) = valid.binary_search_by_key(&seq, |(s, _)| *s) {
            compared += 1;
            if valid[ix].1 != *state {
                let snap = snapshots.iter().find(|(s, _)| s.last_seq == seq);
                let path = snap.map(|(s, _)| s.path.as_path()).unwrap_or(ctx.path);
                let what = format!("snapshot differs from the fold of the log at seq {seq}");
                problems.push(Problem::error(path, None, Some(seq), what));
            }
        }
        ControlFlow::Continue(())
    })?;
    let last = walked.last_seq.unwrap_or(0);
    for (snap, ok) in &snapshots {
        if *ok && snap.last_seq > last {
            problems.push(Problem {
                severity: Severity::Warning,
                path: snap.path.clone(),
                offset: None,
                seq: Some(snap.last_seq),
                what: format!("snapshot is past the end of the log (last logged seq {last})"),
            });
        }
    }
    walked.problems.extend(problems);
    walked
        .problems
        .sort_by(|a, b| (&a.path, a.offset).cmp(&(&b.path, b.offset)));
    Ok(VerifyReport {
        folded_to: fold.map(|s| s.last_seq()),
        walked,
        snapshots,
        snapshots_compared: compared,
    })
}
