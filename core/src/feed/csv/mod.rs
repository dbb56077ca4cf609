//! CSV replay: one file per instrument (`SYMBOL=PATH`), each streamed, merged by
//! timestamp into one stream of [`Tick`]s.
//!
//! Two shapes are read, told apart by the header (see `header`): tick files
//! (`timestamp,symbol,bid,ask,last,size` or a subset) and OHLCV bar files as pandas and
//! Yahoo export them (`Date,Open,High,Low,Close,Adj Close,Volume`, the date column
//! possibly unnamed). A bar is fed as one tick at its close. Times are ISO dates,
//! date-times or epoch numbers (see `time`); prices are exact decimals (see `row`). A UTF-8
//! BOM, CRLF or LF line ends, blank lines and whitespace around cells are all accepted
//! (CR-only line ends, from pre-2001 Macs, are not: such a file reads as one header
//! line and fails with a missing column).
//!
//! Progress: blocking (file reads). After [`CsvFeed::open`], producing a tick allocates
//! nothing; memory stays a 64 KiB buffer and one row per file, whatever the files'
//! sizes.
//!
//! # Example
//!
//! ```
//! use seamless_config::{BadRows, CsvSpec};
//! use seamless_core::domain::{Instruments, Qty};
//! use seamless_core::feed::{CsvFeed, CsvOptions, Feed};
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("aapl.csv");
//! std::fs::write(&path, ",Open,High,Low,Close,Volume\n2024-01-02,187.15,188.44,183.89,185.64,82488700\n").unwrap();
//! let mut table = Instruments::new();
//! table.add("AAPL", "0.01".parse().unwrap(), Qty::ONE).unwrap();
//! let spec = CsvSpec { symbol: "AAPL".into(), path };
//! let options = CsvOptions { bad_rows: BadRows::Fail, bar_spread: Default::default() };
//! let mut feed = CsvFeed::open(&[spec], &table, options).unwrap();
//! let tick = feed.next_tick().unwrap().unwrap();
//! assert_eq!(tick.last.to_string(), "185.64");
//! assert_eq!(tick.ts_ns, 1_704_153_600_000_000_000); // 2024-01-02T00:00:00Z
//! assert!(feed.next_tick().unwrap().is_none());
//! ```
//!
//! # Implementation
//!
//! 1. Each file ([`file`]) reads its header once, then rows into one reused
//!    `csv::ByteRecord`; cells are trimmed in place and parsed straight from bytes.
//! 2. The merge keeps one read-ahead tick per file and emits the earliest
//!    (ties: the file listed first), then refills that file's slot on the next call, so
//!    an error in file B's next row comes after file A's tick that preceded it. A
//!    linear scan over the heads: k is at most 64 and usually 1 to 3, where a binary
//!    heap only adds work (the classic k-way merge, D. Knuth, TAOCP vol. 3, 5.4.1).
//! 3. Bad rows are [`BadRows::Fail`] errors, or counted under [`BadRows::Skip`] with
//!    the first [`SKIP_SAMPLES`] kept for the report.
//!
//! It must never load a whole file, and never reorder a file's own rows.

pub(crate) mod file;
pub(crate) mod header;
pub(crate) mod row;
pub(crate) mod time;

use std::fmt::Write as _;

use seamless_config::{BadRows, CsvSpec, FeedConfig};

use crate::domain::{Instruments, Price};
use crate::feed::Feed;
use crate::feed::error::FeedError;
use crate::feed::tick::Tick;

pub use file::SKIP_SAMPLES;
pub use header::Shape;
pub use time::Utc;

use file::{CsvFile, Skips};

/// The CSV-specific settings, from `[feed]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CsvOptions {
    /// What a bad row does (`feed.bad_rows`).
    pub bad_rows: BadRows,
    /// Spread put around a bar's close (`feed.bar_spread`; 0 for none; >= 0).
    pub bar_spread: Price,
}

impl CsvOptions {
    /// The options in `cfg`.
    pub fn from_config(cfg: &FeedConfig) -> Self {
        CsvOptions {
            bad_rows: cfg.bad_rows,
            bar_spread: Price::from_raw(cfg.bar_spread.0.max(0)),
        }
    }
}

/// A replay of one or more CSV files, merged by timestamp.
#[derive(Debug)]
pub struct CsvFeed {
    files: Vec<CsvFile>,
    bad_rows: BadRows,
    skips: Skips,
    description: String,
    /// Set by a fatal error; the feed then reports its end.
    failed: bool,
}

impl CsvFeed {
    /// Opens every file and reads its header; rows are read as ticks are pulled.
    ///
    /// # Errors
    ///
    /// A symbol not in `instruments` ([`FeedError::UnknownInstrument`]), a file that
    /// cannot be opened or read, is empty or whose header lacks a needed column.
    pub fn open(
        specs: &[CsvSpec],
        instruments: &Instruments,
        options: CsvOptions,
    ) -> Result<CsvFeed, FeedError> {
        let mut files = Vec::with_capacity(specs.len());
        let mut description = String::from("csv replay:");
        for spec in specs {
            let id =
                instruments
                    .id_of(&spec.symbol)
                    .ok_or_else(|| FeedError::UnknownInstrument {
                        symbol: spec.symbol.clone(),
                    })?;
            let file = CsvFile::open(&spec.path, &spec.symbol, id, options.bar_spread)?;
            let sep = if files.is_empty() { " " } else { ", " };
            let _ = write!(description, "{sep}{spec} ({})", file.shape().name());
            files.push(file);
        }
        let _ = write!(description, "; bad rows: {}", options.bad_rows);
        Ok(CsvFeed {
            files,
            bad_rows: options.bad_rows,
            skips: Skips::default(),
            description,
            failed: false,
        })
    }

    /// The shape of each file, in the order given.
    pub fn shapes(&self) -> impl Iterator<Item = Shape> + '_ {
        self.files.iter().map(CsvFile::shape)
    }

    fn fill_heads(&mut self) -> Result<(), FeedError> {
        for file in &mut self.files {
            if file.head.is_none() && !file.is_done() {
                file.head = file.next(self.bad_rows, &mut self.skips)?;
            }
        }
        Ok(())
    }
}

impl Feed for CsvFeed {
    fn next_tick(&mut self) -> Result<Option<Tick>, FeedError> {
        if self.failed {
            return Ok(None);
        }
        if let Err(e) = self.fill_heads() {
            self.failed = true;
            return Err(e);
        }
        let mut best: Option<(usize, u64)> = None;
        for (i, file) in self.files.iter().enumerate() {
            if let Some(t) = &file.head
                && best.is_none_or(|(_, ts)| t.ts_ns < ts)
            {
                best = Some((i, t.ts_ns));
            }
        }
        Ok(best.and_then(|(i, _)| self.files[i].head.take()))
    }

    fn skipped(&self) -> u64 {
        self.skips.count
    }

    fn first_skipped(&self) -> &[FeedError] {
        &self.skips.first
    }

    fn description(&self) -> &str {
        &self.description
    }
}
