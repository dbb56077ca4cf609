//! [`FeedError`] and [`RowProblem`]: why a feed could not be opened or read, as one line
//! that names the file and line at fault.
//!
//! ```
//! use seamless_core::feed::{FeedError, RowProblem};
//! let e = FeedError::BadRow {
//!     path: "data/btc.csv".into(),
//!     line: 17,
//!     problem: RowProblem::NotANumber { column: "close".into(), text: "12.3.4".into() },
//! };
//! assert_eq!(e.to_string(), r#"data/btc.csv:17: column "close": not a number: "12.3.4""#);
//! ```
//!
//! Cell text is quoted with Rust's escapes and cut to [`MAX_TEXT`] characters, so a
//! message stays on one line whatever the file holds.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::domain::Price;
use crate::feed::csv::time::Utc;

/// Longest cell text quoted in a message, in characters.
pub const MAX_TEXT: usize = 64;

/// Why a feed could not be opened or could not go on.
///
/// Every variant about a file names it (as configured) and, for a row, its line
/// (1-based, counting the header line and blank lines).
#[derive(Debug)]
#[non_exhaustive]
pub enum FeedError {
    /// The file could not be opened. Always fatal.
    Open {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },
    /// Reading the file failed part way. Always fatal.
    Read {
        /// The file.
        path: PathBuf,
        /// The line being read.
        line: u64,
        /// What the OS said.
        source: io::Error,
    },
    /// The file has no header line. Always fatal.
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file has a header but no data rows. Always fatal.
    NoRows {
        /// The file.
        path: PathBuf,
    },
    /// The header lacks a column the file's shape needs. Always fatal.
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column wanted (lower case).
        column: &'static str,
        /// The header's columns, as written.
        header: Vec<String>,
    },
    /// The header names a column twice, or several time columns. Always fatal.
    BadHeader {
        /// The file.
        path: PathBuf,
        /// The header's line.
        line: u64,
        /// What is wrong.
        msg: String,
    },
    /// A data row that cannot be fed. Fatal under `bad_rows = "fail"`; counted and
    /// skipped under `"skip"`.
    BadRow {
        /// The file.
        path: PathBuf,
        /// The row's line.
        line: u64,
        /// What is wrong with it.
        problem: RowProblem,
    },
    /// A configured symbol that is not in the instrument table.
    UnknownInstrument {
        /// The symbol.
        symbol: String,
    },
    /// The synthetic feed was given no instruments.
    NoInstruments,
}

/// What is wrong with one data row.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RowProblem {
    /// Not as many cells as the header has columns.
    Columns {
        /// The header's width.
        expected: usize,
        /// The row's width.
        got: usize,
    },
    /// A required cell is empty.
    Empty {
        /// The column, as written in the header.
        column: String,
    },
    /// A cell that is not a plain decimal number (`123.45`; no exponent).
    NotANumber {
        /// The column.
        column: String,
        /// The cell.
        text: String,
    },
    /// A number with a non-zero digit past the 8th decimal place (it would not be exact).
    TooPrecise {
        /// The column.
        column: String,
        /// The cell.
        text: String,
    },
    /// A number beyond the fixed-point range (about 92 billion).
    OutOfRange {
        /// The column.
        column: String,
        /// The cell.
        text: String,
    },
    /// A price that is zero or negative.
    NotPositive {
        /// The column.
        column: String,
        /// The cell.
        text: String,
    },
    /// A negative size or volume.
    Negative {
        /// The column.
        column: String,
        /// The cell.
        text: String,
    },
    /// A time cell that is not an ISO date, date-time or epoch number.
    BadTime {
        /// The column.
        column: String,
        /// The cell.
        text: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// A tick row with no bid, ask or last price.
    NoPrice,
    /// The bid is above the ask.
    Crossed {
        /// The bid.
        bid: Price,
        /// The ask.
        ask: Price,
    },
    /// A bar whose close is not above half the configured bar spread (the bid would
    /// not be positive).
    SpreadTooWide {
        /// The close.
        close: Price,
        /// `feed.bar_spread`.
        spread: Price,
    },
    /// A timestamp earlier than the previous row of the same file.
    OutOfOrder {
        /// This row's time, ns since the epoch.
        ts_ns: u64,
        /// The previous fed row's time.
        prev_ns: u64,
    },
    /// A `symbol` cell that is not the file's instrument.
    Symbol {
        /// The configured symbol.
        expected: String,
        /// The cell.
        got: String,
    },
}

/// Writes `text` quoted and escaped, cut to [`MAX_TEXT`] characters.
fn quoted(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    let mut chars = text.char_indices();
    match chars.nth(MAX_TEXT) {
        Some((cut, _)) => write!(f, "{:?}...", &text[..cut]),
        None => write!(f, "{text:?}"),
    }
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cell = |f: &mut fmt::Formatter<'_>, column: &str, what: &str, text: &str| {
            write!(f, "column {column:?}: {what}: ")?;
            quoted(f, text)
        };
        match self {
            RowProblem::Columns { expected, got } => {
                write!(f, "expected {expected} columns, found {got}")
            }
            RowProblem::Empty { column } => write!(f, "column {column:?}: empty"),
            RowProblem::NotANumber { column, text } => cell(f, column, "not a number", text),
            RowProblem::TooPrecise { column, text } => {
                cell(f, column, "more than 8 decimal places", text)
            }
            RowProblem::OutOfRange { column, text } => cell(f, column, "out of range", text),
            RowProblem::NotPositive { column, text } => cell(f, column, "price must be > 0", text),
            RowProblem::Negative { column, text } => cell(f, column, "must be >= 0", text),
            RowProblem::BadTime { column, text, why } => cell(f, column, why, text),
            RowProblem::NoPrice => f.write_str("no bid, ask or last price"),
            RowProblem::Crossed { bid, ask } => write!(f, "bid {bid} is above ask {ask}"),
            RowProblem::SpreadTooWide { close, spread } => write!(
                f,
                "close {close} is not above half the bar spread {spread} (bid would be <= 0)"
            ),
            RowProblem::OutOfOrder { ts_ns, prev_ns } => write!(
                f,
                "timestamp {} is earlier than the previous row's {}",
                Utc(*ts_ns),
                Utc(*prev_ns)
            ),
            RowProblem::Symbol { expected, got } => {
                write!(f, "column \"symbol\": ")?;
                quoted(f, got)?;
                write!(f, " is not {expected}")
            }
        }
    }
}

impl fmt::Display for FeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FeedError::Open { path, source } => {
                write!(f, "{}: cannot open: {source}", path.display())
            }
            FeedError::Read { path, line, source } => {
                write!(f, "{}:{line}: read error: {source}", path.display())
            }
            FeedError::Empty { path } => write!(f, "{}: empty file (no header)", path.display()),
            FeedError::NoRows { path } => {
                write!(f, "{}: no data rows after the header", path.display())
            }
            FeedError::MissingColumn {
                path,
                column,
                header,
            } => {
                write!(
                    f,
                    "{}: missing column {column:?} (header has: ",
                    path.display()
                )?;
                for (i, name) in header.iter().enumerate() {
                    let sep = if i == 0 { "" } else { ", " };
                    write!(f, "{sep}{}", name.escape_debug())?;
                }
                f.write_str(")")
            }
            FeedError::BadHeader { path, line, msg } => {
                write!(f, "{}:{line}: {msg}", path.display())
            }
            FeedError::BadRow {
                path,
                line,
                problem,
            } => write!(f, "{}:{line}: {problem}", path.display()),
            FeedError::UnknownInstrument { symbol } => {
                write!(f, "instrument {symbol:?} is not in the instrument table")
            }
            FeedError::NoInstruments => f.write_str("synthetic feed: no instruments"),
        }
    }
}

impl std::error::Error for FeedError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FeedError::Open { source, .. } | FeedError::Read { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl FeedError {
    /// `true` for a bad data row (the only kind `bad_rows = "skip"` skips).
    pub fn is_bad_row(&self) -> bool {
        matches!(self, FeedError::BadRow { .. })
    }
}
