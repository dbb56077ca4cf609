//! Reading a whole data directory's log in order for the tools, reporting every
//! problem instead of stopping at the first.
//!
//! Progress: blocking file I/O, like `restore`'s replay.
//!
//! # Implementation
//!
//! 1. Segments in order; each header read and validated, each record checked as in
//!    `restore`.
//! 2. A problem is recorded as a [`Problem`] (file, offset, sequence, what) and the
//!    walk continues with the next segment, re-synchronising on its first sequence
//!    number, so one damaged segment does not hide another.
//! 3. A torn tail of the last segment is a warning: restore and the persister
//!    handle it.
//!
//! It must never panic on any file content.

use std::fmt;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use seamless_core::domain::{EventRecord, Instruments};

use crate::dir::{Inventory, inventory};
use crate::error::PersistError;
use crate::segment::header;
use crate::segment::open_read;
use crate::segment::scan::scan;

/// How bad a [`Problem`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Handled by restore (a torn tail): reported, not a failure.
    Warning,
    /// Damage: `verify` fails.
    Error,
}

/// One thing wrong with a data directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// How bad.
    pub severity: Severity,
    /// The file.
    pub path: PathBuf,
    /// Byte offset, when it is about a place in the file.
    pub offset: Option<u64>,
    /// Sequence number concerned, when known.
    pub seq: Option<u64>,
    /// What is wrong.
    pub what: String,
}

impl Problem {
    /// The problem as a JSON object: `severity` (`"warning"`/`"error"`), `file`,
    /// `offset`, `seq` (null when unknown), `what`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "severity": match self.severity { Severity::Warning => "warning", Severity::Error => "error" },
            "file": self.path.display().to_string(),
            "offset": self.offset,
            "seq": self.seq,
            "what": self.what,
        })
    }

    pub(crate) fn error(
        path: &Path,
        offset: Option<u64>,
        seq: Option<u64>,
        what: impl Into<String>,
    ) -> Self {
        Problem {
            severity: Severity::Error,
            path: path.to_path_buf(),
            offset,
            seq,
            what: what.into(),
        }
    }

    pub(crate) fn from_error(e: &PersistError) -> Self {
        let (offset, seq) = match e {
            PersistError::Corrupt { offset, seq, .. } => (Some(*offset), *seq),
            PersistError::Replay { offset, seq, .. } => (Some(*offset), Some(*seq)),
            PersistError::Gap { expected, .. } => (None, Some(*expected)),
            _ => (None, None),
        };
        let path = e.path().map(Path::to_path_buf).unwrap_or_default();
        Problem {
            severity: Severity::Error,
            path,
            offset,
            seq,
            what: match e {
                PersistError::Corrupt { what, .. } | PersistError::Replay { what, .. } => {
                    what.clone()
                }
                other => other.to_string(),
            },
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{label}: {}", self.path.display())?;
        if let Some(offset) = self.offset {
            write!(f, ": offset {offset}")?;
        }
        if let Some(seq) = self.seq {
            write!(f, ", seq {seq}")?;
        }
        write!(f, ": {}", self.what)
    }
}

/// One segment as the walk saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentInfo {
    /// The file.
    pub path: PathBuf,
    /// Its size.
    pub bytes: u64,
    /// First sequence number (from the header, or the name when the header is bad).
    pub first_seq: u64,
    /// Good records read from it.
    pub records: u64,
    /// When it was created (Unix ns; 0 when the header is bad).
    pub created_ns: u64,
    /// The schema version it was written with (0 when the header is bad; older ones
    /// are read through the migrations).
    pub schema: u32,
}

/// The context a visitor gets with each record.
#[derive(Debug)]
pub struct Ctx<'a> {
    /// The segment.
    pub path: &'a Path,
    /// Its instrument table (empty if the stored one is invalid; a problem says so).
    pub instruments: &'a Instruments,
}

/// What a walk saw.
#[derive(Debug, Default)]
pub struct Walked {
    /// The directory listing.
    pub(crate) inventory: Inventory,
    /// Every segment, in order.
    pub segments: Vec<SegmentInfo>,
    /// Problems, in file order.
    pub problems: Vec<Problem>,
    /// Good records read.
    pub records: u64,
    /// Sequence number of the first good record read.
    pub first_seq: Option<u64>,
    /// Sequence number of the last good record read.
    pub last_seq: Option<u64>,
}

/// Reads every record from sequence `from` on, in order, calling `visit` for each good
/// one until it breaks.
///
/// # Errors
///
/// [`PersistError::Io`] when the directory cannot be listed; everything else is a
/// [`Problem`].
pub(crate) fn walk(
    dir: &Path,
    from: u64,
    mut visit: impl FnMut(&Ctx<'_>, u64, u64, &EventRecord) -> ControlFlow<()>,
) -> Result<Walked, PersistError> {
    let inventory = inventory(dir)?;
    let mut out = Walked::default();
    let mut expected: Option<u64> = None;
    let mut buf = Vec::new();
    let count = inventory.segments.len();
    for (i, seg) in inventory.segments.iter().enumerate() {
        let last = i + 1 == count;
        if inventory
            .segments
            .get(i + 1)
            .is_some_and(|next| next.first_seq <= from)
        {
            continue; // wholly before `from`
        }
        let mut info = SegmentInfo {
            path: seg.path.clone(),
            bytes: seg.len,
            first_seq: seg.first_seq,
            records: 0,
            created_ns: 0,
            schema: 0,
        };
        let problem = |p: Problem, out: &mut Walked, info: SegmentInfo| {
            out.problems.push(p);
            out.segments.push(info);
        };
        let (file, len) = match open_read(&seg.path) {
            Ok(f) => f,
            Err(e) => {
                problem(Problem::from_error(&e), &mut out, info);
                expected = None;
                continue;
            }
        };
        info.bytes = len;
        let head = match header::read(&file, &seg.path, len) {
            Ok(h) => h,
            Err(d) => {
                let mut p = Problem::from_error(&d.error);
                if d.torn && last {
                    p.severity = Severity::Warning;
                    p.what = format!("{} (torn at creation; the persister removes it)", p.what);
                }
                problem(p, &mut out, info);
                expected = None;
                continue;
            }
        };
        info.first_seq = head.first_seq;
        info.created_ns = head.created_ns;
        info.schema = head.file_schema;
        if head.first_seq != seg.first_seq {
            let what = format!(
                "header says first seq {}, the name {}",
                head.first_seq, seg.first_seq
            );
            out.problems.push(Problem::error(
                &seg.path,
                Some(24),
                Some(seg.first_seq),
                what,
            ));
        }
        match expected {
            Some(e) if head.first_seq != e => {
                let what = format!(
                    "sequence does not continue: expected {e}, segment starts at {}",
                    head.first_seq
                );
                out.problems
                    .push(Problem::error(&seg.path, None, Some(e), what));
            }
            _ => {}
        }
        let instruments = match head.meta.instruments_table() {
            Ok(t) => t,
            Err(e) => {
                let what = e.to_string();
                out.problems
                    .push(Problem::error(&seg.path, Some(48), None, what));
                Instruments::new()
            }
        };
        let ctx = Ctx {
            path: &seg.path,
            instruments: &instruments,
        };
        let scanned = scan(
            &file,
            &seg.path,
            &head,
            len,
            from,
            &mut buf,
            |seq, offset, record| Ok(visit(&ctx, seq, offset, record)),
        );
        let scanned = match scanned {
            Ok(s) => s,
            Err(e) => {
                problem(Problem::from_error(&e), &mut out, info);
                expected = None;
                continue;
            }
        };
        info.records = scanned.records;
        out.records += scanned.records;
        if scanned.records > 0 {
            out.first_seq
                .get_or_insert(scanned.next_seq - scanned.records);
            out.last_seq = Some(scanned.next_seq - 1);
        }
        expected = Some(scanned.next_seq);
        if let Some(d) = scanned.defect {
            let torn = last && !d.valid_after;
            let mut p = Problem::error(&seg.path, Some(d.offset), Some(d.seq), d.what);
            if torn {
                p.severity = Severity::Warning;
                p.what = format!(
                    "{} (torn tail of {} bytes; restore ignores it, the persister cuts it)",
                    p.what, d.bytes
                );
            }
            out.problems.push(p);
            expected = None;
        }
        out.segments.push(info);
        if scanned.stopped {
            break;
        }
    }
    out.inventory = inventory;
    Ok(out)
}
