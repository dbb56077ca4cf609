//! `seamless log dump`: every event of a data directory in order, with the instrument
//! table of the segment it is in (for `write_event_json`).
//!
//! Progress: blocking file I/O; no allocation per event.
//!
//! # Example
//!
//! ```
//! use std::ops::ControlFlow;
//! use seamless_persist::tools::dump::for_each_event;
//! let dir = tempfile::tempdir().unwrap();
//! let mut n = 0;
//! let problems = for_each_event(dir.path(), 1, |_, _, _| { n += 1; ControlFlow::Continue(()) }).unwrap();
//! assert_eq!((n, problems.len()), (0, 0));
//! ```
//!
//! It must never hand out a record that failed its checksum.

use std::ops::ControlFlow;
use std::path::Path;

use seamless_core::domain::EventRecord;

use super::walk::{Ctx, Problem, walk};
use crate::error::PersistError;

/// Calls `visit(ctx, seq, record)` for every good record with `seq >= from`, in
/// order, until it breaks. Returns the problems met on the way (damaged records are
/// skipped to the next segment, see [`verify`](super::verify::verify)).
///
/// # Errors
///
/// [`PersistError::Io`] if the directory cannot be listed.
pub fn for_each_event(
    dir: &Path,
    from: u64,
    mut visit: impl FnMut(&Ctx<'_>, u64, &EventRecord) -> ControlFlow<()>,
) -> Result<Vec<Problem>, PersistError> {
    let walked = walk(dir, from, |ctx, seq, _, record| visit(ctx, seq, record))?;
    Ok(walked.problems)
}
