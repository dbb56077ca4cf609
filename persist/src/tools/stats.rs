//! `seamless log stats`: what a data directory holds — events by kind, segments,
//! snapshots, sizes, sequence range and time span.
//!
//! Progress: blocking file I/O; reads the log once.
//!
//! # Example
//!
//! ```
//! use seamless_persist::tools::stats::stats;
//! let dir = tempfile::tempdir().unwrap();
//! let s = stats(dir.path()).unwrap();
//! assert_eq!(s.records, 0);
//! assert_eq!(s.to_json()["segments"]["count"], 0);
//! ```
//!
//! It must never fail on damage: problems are counted and listed.

use std::fmt;
use std::ops::ControlFlow;
use std::path::Path;

use seamless_core::domain::EventKind;
use serde_json::{Value, json};

use super::walk::{Problem, SegmentInfo, walk};
use crate::error::PersistError;
use crate::snapshot::{SnapshotFile, load};

/// Kind codes counted individually (all of today's are far below).
const KIND_CODES: usize = 256;

/// One snapshot as [`stats`] saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotStat {
    /// The file.
    pub file: SnapshotFile,
    /// When it was written (Unix ns), `None` if it is not valid.
    pub created_ns: Option<u64>,
    /// The schema version it was written with (`None` if it is not valid).
    pub schema: Option<u32>,
}

/// What [`stats`] found.
#[derive(Debug)]
pub struct LogStats {
    /// The segments.
    pub segments: Vec<SegmentInfo>,
    /// The snapshots, newest first.
    pub snapshots: Vec<SnapshotStat>,
    /// Good records.
    pub records: u64,
    /// First and last sequence numbers.
    pub seq_range: Option<(u64, u64)>,
    /// Event times of the first and last record.
    pub ts_range: Option<(u64, u64)>,
    /// Events by kind, in kind-code order, kinds with none left out.
    pub by_kind: Vec<(EventKind, u64)>,
    /// Records whose kind code is unknown.
    pub unknown_kinds: u64,
    /// Problems met (see `seamless log verify` for the full check).
    pub problems: Vec<Problem>,
}

impl LogStats {
    /// Bytes in segments.
    pub fn segment_bytes(&self) -> u64 {
        self.segments.iter().map(|s| s.bytes).sum()
    }

    /// Bytes in snapshots.
    pub fn snapshot_bytes(&self) -> u64 {
        self.snapshots.iter().map(|s| s.file.len).sum()
    }

    /// Seconds between the first and last event.
    pub fn span_secs(&self) -> f64 {
        self.ts_range
            .map_or(0.0, |(a, b)| b.saturating_sub(a) as f64 / 1e9)
    }

    /// The stats as one JSON object.
    pub fn to_json(&self) -> Value {
        let kinds: serde_json::Map<String, Value> = self
            .by_kind
            .iter()
            .map(|(k, n)| (k.name().to_string(), json!(n)))
            .collect();
        json!({
            "records": self.records,
            "first_seq": self.seq_range.map(|r| r.0),
            "last_seq": self.seq_range.map(|r| r.1),
            "first_ts_ns": self.ts_range.map(|r| r.0),
            "last_ts_ns": self.ts_range.map(|r| r.1),
            "span_secs": self.span_secs(),
            "by_kind": kinds,
            "unknown_kinds": self.unknown_kinds,
            "segments": {
                "count": self.segments.len(),
                "bytes": self.segment_bytes(),
                "files": self.segments.iter().map(|s| json!({
                    "file": s.path.display().to_string(),
                    "first_seq": s.first_seq,
                    "records": s.records,
                    "bytes": s.bytes,
                    "created_ns": s.created_ns,
                    "schema": s.schema,
                })).collect::<Vec<_>>(),
            },
            "snapshots": {
                "count": self.snapshots.len(),
                "bytes": self.snapshot_bytes(),
                "files": self.snapshots.iter().map(|s| json!({
                    "file": s.file.path.display().to_string(),
                    "last_seq": s.file.last_seq,
                    "bytes": s.file.len,
                    "valid": s.created_ns.is_some(),
                    "created_ns": s.created_ns,
                    "schema": s.schema,
                })).collect::<Vec<_>>(),
            },
            "problems": self.problems.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        })
    }
}

impl fmt::Display for LogStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.seq_range {
            Some((a, b)) => writeln!(
                f,
                "events      {} (seq {a}..={b}), span {:.3} s",
                self.records,
                self.span_secs()
            )?,
            None => writeln!(f, "events      0")?,
        }
        writeln!(
            f,
            "segments    {} ({} bytes)",
            self.segments.len(),
            self.segment_bytes()
        )?;
        let valid = self
            .snapshots
            .iter()
            .filter(|s| s.created_ns.is_some())
            .count();
        write!(
            f,
            "snapshots   {} ({} bytes, {valid} valid)",
            self.snapshots.len(),
            self.snapshot_bytes()
        )?;
        if let Some(s) = self.snapshots.first() {
            write!(f, ", newest at seq {}", s.file.last_seq)?;
        }
        writeln!(f)?;
        for (kind, n) in &self.by_kind {
            writeln!(f, "  {:<24} {n}", kind.name())?;
        }
        if self.unknown_kinds > 0 {
            writeln!(f, "  {:<24} {}", "(unknown kind)", self.unknown_kinds)?;
        }
        if !self.problems.is_empty() {
            writeln!(
                f,
                "problems    {} (run `seamless log verify`)",
                self.problems.len()
            )?;
        }
        Ok(())
    }
}

/// Reads the data directory `dir` and counts what it holds.
///
/// # Errors
///
/// [`PersistError::Io`] if the directory cannot be listed.
pub fn stats(dir: &Path) -> Result<LogStats, PersistError> {
    let mut counts = vec![0u64; KIND_CODES];
    let mut unknown = 0;
    let mut ts: Option<(u64, u64)> = None;
    let walked = walk(dir, 0, |_, _, _, record| {
        match EventKind::from_code(record.kind_code()) {
            Some(k) => counts[usize::from(k.code()) % KIND_CODES] += 1,
            None => unknown += 1,
        }
        let t = record.ts_ns();
        ts = Some(ts.map_or((t, t), |(a, _)| (a, t)));
        ControlFlow::Continue(())
    })?;
    let by_kind = (0..KIND_CODES)
        .filter(|&c| counts[c] > 0)
        .filter_map(|c| Some((EventKind::from_code(c as u16)?, counts[c])))
        .collect();
    let snapshots = walked
        .inventory
        .snapshots
        .iter()
        .map(|s| {
            let loaded = load(&s.path).ok();
            SnapshotStat {
                file: s.clone(),
                created_ns: loaded.as_ref().map(|l| l.created_ns),
                schema: loaded.as_ref().map(|l| l.file_schema),
            }
        })
        .collect();
    Ok(LogStats {
        segments: walked.segments,
        snapshots,
        records: walked.records,
        seq_range: walked.first_seq.zip(walked.last_seq),
        ts_range: ts,
        by_kind,
        unknown_kinds: unknown,
        problems: walked.problems,
    })
}
