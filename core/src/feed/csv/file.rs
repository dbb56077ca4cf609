//! One CSV file, streamed: a `csv::Reader` over the open file, one reused `ByteRecord`,
//! the file's [`RowParser`], and the order check against the previous fed row.
//!
//! Memory is the reader's 64 KiB buffer plus the longest row, whatever the file's
//! size: the file is never loaded.
//!
//! Progress: blocking (file reads); after start-up, reading a good row allocates
//! nothing.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use csv::{ByteRecord, ReaderBuilder};
use seamless_config::BadRows;

use crate::domain::{InstrumentId, Price};
use crate::feed::csv::header::{HeaderError, Layout, Shape};
use crate::feed::csv::row::{Fault, RowParser};
use crate::feed::error::FeedError;
use crate::feed::tick::Tick;

/// Bytes of the reader's buffer.
const BUFFER: usize = 64 * 1024;

/// How many skipped rows are kept as examples for the report.
pub const SKIP_SAMPLES: usize = 5;

/// Rows skipped under `bad_rows = "skip"`: a count and the first few errors.
#[derive(Debug, Default)]
pub(crate) struct Skips {
    pub(crate) count: u64,
    pub(crate) first: Vec<FeedError>,
}

impl Skips {
    /// Counts one skipped row; builds its error only while examples are wanted.
    fn add(&mut self, error: impl FnOnce() -> FeedError) {
        self.count += 1;
        if self.first.len() < SKIP_SAMPLES {
            self.first.push(error());
        }
    }
}

/// One open feed file.
#[derive(Debug)]
pub(crate) struct CsvFile {
    path: PathBuf,
    reader: csv::Reader<File>,
    /// Reused for every row.
    record: ByteRecord,
    parser: RowParser,
    /// Time of the last row fed from this file.
    prev_ns: Option<u64>,
    /// Data rows read so far, bad ones included.
    rows: u64,
    /// No more rows (end of file or a fatal error).
    done: bool,
    /// The next tick of this file, read ahead for the merge.
    pub(crate) head: Option<Tick>,
}

/// The line the record just read is on (its first line, for a record with quoted
/// newlines).
///
/// The csv crate stamps a record with the position where reading *began*, which is
/// before any blank lines it skipped, so that alone is too early after blank lines.
/// With `\n` as the only terminator, the reader's line after a record is one past the
/// record's last line, and the record's own newlines are in its bytes. The larger of
/// the two estimates is exact, except for a final row without a line end that follows
/// blank lines (one line early).
fn record_line(reader: &csv::Reader<File>, rec: &ByteRecord) -> u64 {
    let start = rec.position().map_or(1, csv::Position::line);
    let inner = rec.as_slice().iter().filter(|&&b| b == b'\n').count() as u64;
    let end = reader.position().line().saturating_sub(1 + inner);
    start.max(end)
}

fn read_error(path: &Path, line: u64, err: csv::Error) -> FeedError {
    let source = match err.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    };
    FeedError::Read {
        path: path.to_owned(),
        line,
        source,
    }
}

impl CsvFile {
    /// Opens `path` and reads its header.
    ///
    /// # Errors
    ///
    /// [`FeedError::Open`], [`FeedError::Read`], [`FeedError::Empty`],
    /// [`FeedError::MissingColumn`] or [`FeedError::BadHeader`].
    pub(crate) fn open(
        path: &Path,
        symbol: &str,
        instrument: InstrumentId,
        bar_spread: Price,
    ) -> Result<CsvFile, FeedError> {
        let file = File::open(path).map_err(|source| FeedError::Open {
            path: path.to_owned(),
            source,
        })?;
        let mut reader = ReaderBuilder::new()
            .has_headers(false) // the header is read here, as a record
            .flexible(true) // row widths are checked by the parser, to report them
            // `\n` alone ends a line; a CR before it is trimmed with the last cell.
            // This keeps line numbers right for CRLF files (see `record_line`).
            .terminator(csv::Terminator::Any(b'\n'))
            .buffer_capacity(BUFFER)
            .from_reader(file);
        let mut record = ByteRecord::new();
        loop {
            let more = reader
                .read_byte_record(&mut record)
                .map_err(|e| read_error(path, reader.position().line(), e))?;
            if !more {
                return Err(FeedError::Empty {
                    path: path.to_owned(),
                });
            }
            if !is_blank(&record) {
                break;
            }
        }
        let layout = Layout::from_header(&record).map_err(|e| match e {
            HeaderError::Missing(column, header) => FeedError::MissingColumn {
                path: path.to_owned(),
                column,
                header,
            },
            HeaderError::Ambiguous(msg) => FeedError::BadHeader {
                path: path.to_owned(),
                line: record_line(&reader, &record),
                msg,
            },
        })?;
        Ok(CsvFile {
            path: path.to_owned(),
            reader,
            record,
            parser: RowParser::new(layout, instrument, symbol, bar_spread),
            prev_ns: None,
            rows: 0,
            done: false,
            head: None,
        })
    }

    /// Ticks or bars.
    pub(crate) fn shape(&self) -> Shape {
        self.parser.layout.shape
    }

    /// `true` once the file is exhausted or failed.
    pub(crate) fn is_done(&self) -> bool {
        self.done
    }

    /// The next good row's tick; `None` at the end of the file.
    ///
    /// Under [`BadRows::Skip`] a bad row is counted in `skips` and reading goes on.
    ///
    /// # Errors
    ///
    /// A bad row under [`BadRows::Fail`]; a read error; [`FeedError::NoRows`] at the end
    /// of a file that had no data rows. After an error the file is done.
    pub(crate) fn next(
        &mut self,
        policy: BadRows,
        skips: &mut Skips,
    ) -> Result<Option<Tick>, FeedError> {
        while !self.done {
            match self.reader.read_byte_record(&mut self.record) {
                Ok(true) if is_blank(&self.record) => continue,
                Ok(true) => self.rows += 1,
                Ok(false) => {
                    self.done = true;
                    if self.rows == 0 {
                        return Err(FeedError::NoRows {
                            path: self.path.clone(),
                        });
                    }
                    return Ok(None);
                }
                Err(e) => {
                    self.done = true;
                    return Err(read_error(&self.path, self.reader.position().line(), e));
                }
            }
            match self.row() {
                Ok(tick) => {
                    self.prev_ns = Some(tick.ts_ns);
                    return Ok(Some(tick));
                }
                Err(fault) if policy == BadRows::Skip => skips.add(|| self.error(fault)),
                Err(fault) => {
                    self.done = true;
                    return Err(self.error(fault));
                }
            }
        }
        Ok(None)
    }

    /// The current record's tick, in order.
    #[inline]
    fn row(&self) -> Result<Tick, Fault> {
        let tick = self.parser.parse(&self.record)?;
        match self.prev_ns {
            Some(prev) if tick.ts_ns < prev => Err(Fault::OutOfOrder(tick.ts_ns, prev)),
            _ => Ok(tick),
        }
    }

    /// The error for a fault of the current record.
    fn error(&self, fault: Fault) -> FeedError {
        FeedError::BadRow {
            path: self.path.clone(),
            line: record_line(&self.reader, &self.record),
            problem: self.parser.problem(fault, &self.record),
        }
    }
}

/// A line holding nothing but whitespace (csv skips truly empty lines itself).
fn is_blank(rec: &ByteRecord) -> bool {
    rec.len() == 1 && rec[0].trim_ascii().is_empty()
}
