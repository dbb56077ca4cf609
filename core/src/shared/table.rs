//! Typed tables of seqlock cells: the writer's (one [`SeqlockWriter`] per row) and the
//! reader's (rows looked up in a read-only section on demand).
//!
//! Progress: writing a row is wait-free; reading one is bounded (see
//! [`seamless_ipc::seqlock`]).

use std::fmt;
use std::marker::PhantomData;

use seamless_ipc::seqlock::{LayoutError, ReadError, SeqlockReader, SeqlockWriter, cell_words};
use seamless_ipc::shm::RoWords;
use seamless_ipc::words::Record;
use std::sync::atomic::AtomicU64;

/// Why a row could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowError {
    /// The row index is beyond the rows in use.
    OutOfRange {
        /// The index asked for.
        index: usize,
        /// Rows in use.
        rows: usize,
    },
    /// The seqlock read gave up: [`ReadError::WriterStalled`] means the core stopped in
    /// the middle of writing this row (if it is also dead, the row's last complete
    /// version is lost); [`ReadError::Contended`] means it kept rewriting it.
    Read(ReadError),
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowError::OutOfRange { index, rows } => {
                write!(f, "row {index} is beyond the {rows} rows in use")
            }
            RowError::Read(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for RowError {}

impl From<ReadError> for RowError {
    fn from(e: ReadError) -> Self {
        RowError::Read(e)
    }
}

/// The writer of a table of `T` rows, one [`SeqlockWriter`] each (allocated at
/// start-up; writing allocates nothing).
pub(crate) struct TableWriter<'r, T: Record> {
    rows: Box<[SeqlockWriter<'r, T>]>,
}

impl<'r, T: Record> TableWriter<'r, T> {
    /// Writers over the first `rows` cells of `words`.
    ///
    /// # Safety
    ///
    /// Nothing else writes these cells while the table writer lives.
    pub(crate) unsafe fn new(words: &'r [AtomicU64], rows: usize) -> Result<Self, LayoutError> {
        let cells = seamless_ipc::seqlock::cells::<T>(words);
        if cells.len() < rows {
            return Err(LayoutError::TooSmall {
                needed: rows * cell_words::<T>(),
                got: words.len(),
            });
        }
        let rows = cells
            .take(rows)
            // SAFETY: our caller guarantees we are the only writer of these cells.
            .map(|cell| unsafe { SeqlockWriter::new(cell) })
            .collect::<Result<Box<[_]>, _>>()?;
        Ok(TableWriter { rows })
    }

    /// Publishes row `ix` (ignored beyond the table: ids come from the engine, which
    /// checks them against the same instrument count).
    #[inline]
    pub(crate) fn write(&mut self, ix: usize, value: &T) {
        if let Some(row) = self.rows.get_mut(ix) {
            row.write(value);
        }
    }

    /// Rows.
    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }
}

/// A read-only table of `T` rows in a validated section.
#[derive(Clone, Copy)]
pub(crate) struct TableReader<'a, T: Record> {
    words: RoWords<'a>,
    rows: usize,
    _record: PhantomData<fn() -> T>,
}

impl<'a, T: Record> TableReader<'a, T> {
    /// A table of `rows` rows over `words`; `None` if the words are too few.
    pub(crate) fn new(words: RoWords<'a>, rows: usize) -> Option<Self> {
        let needed = rows.checked_mul(cell_words::<T>())?;
        (words.len() >= needed).then_some(TableReader {
            words,
            rows,
            _record: PhantomData,
        })
    }

    /// Rows in use.
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    /// A seqlock reader of row `ix`.
    pub(crate) fn cell(&self, ix: usize) -> Result<SeqlockReader<'a, T>, RowError> {
        let out_of_range = RowError::OutOfRange {
            index: ix,
            rows: self.rows,
        };
        if ix >= self.rows {
            return Err(out_of_range);
        }
        let cw = cell_words::<T>();
        let cell = self
            .words
            .slice(ix * cw..(ix + 1) * cw)
            .ok_or(out_of_range)?;
        // SAFETY: `cell` lies inside a section the region reader validated against the
        // file size; the mapping lives for 'a (the borrow of the reader); the seqlock
        // reader only makes relaxed loads of at most 8 bytes, all a PROT_READ mapping
        // allows; the core only accesses these words atomically.
        unsafe { SeqlockReader::from_raw(cell.as_ptr().cast(), cw * 8) }.map_err(|_| out_of_range)
    }

    /// A consistent copy of row `ix` and its version (completed writes).
    ///
    /// # Errors
    ///
    /// [`RowError`] for an index beyond the rows in use or a read that gave up.
    #[inline]
    pub(crate) fn read(&self, ix: usize) -> Result<(T, u64), RowError> {
        Ok(self.cell(ix)?.try_read()?)
    }
}
