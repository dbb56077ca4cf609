//! [`BookFile`]: the paper broker's book in a file that outlives the core process, so
//! that a restarted core meets the same broker it left (an external broker's book does
//! not vanish when its client dies).
//!
//! Progress: [`BookFile::commit`] is wait-free and makes no system call: a few dozen
//! relaxed word stores into a shared file mapping and three fences. Opening, syncing
//! and [`read_book`] block (file system calls) and belong off the hot path.
//!
//! # Example
//!
//! ```
//! use seamless_core::broker::{read_book, BookFile, BookTotals};
//! use seamless_core::domain::{Instruments, Position, Qty, Side};
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("paper-broker.book");
//! let mut table = Instruments::new();
//! table.add("ABC", "0.01".parse().unwrap(), Qty::ONE).unwrap();
//! let (mut file, book) = BookFile::open(&path, &table).unwrap();
//! assert!(book.positions[0].is_flat());
//! let mut pos = Position::default();
//! pos.apply_fill(Side::Buy, Qty::ONE, "10".parse().unwrap(), 1);
//! let totals = BookTotals { last_order_id: 1, orders: 1, fills: 1, ..BookTotals::default() };
//! file.commit(Some((0, &pos)), &totals);
//! drop(file); // as if the process had died: nothing was flushed by hand
//! let stored = read_book(&path).unwrap();
//! assert_eq!((stored.rows[0].1.qty, stored.totals), (Qty::ONE, totals));
//! ```
//!
//! # Implementation
//!
//! The file is `<header> <journal> <table>`, every part a zerocopy record:
//! header (magic, version, instrument count, owner pid, the state layout version of
//! its [`Position`] rows: a book from a build with another position layout is refused,
//! never misread), journal (`seq`, then one
//! change: the instrument's whole new row and the new totals), table (`seq`, totals,
//! one `(symbol, position)` row per instrument). It is mapped read-write and locked
//! with `flock` for the core's life ([`OwnedSegment`], decision record 0001), so a
//! second core on the same data directory is refused with the first one's pid.
//!
//! 1. A commit writes the journal body, a Release fence, the journal's `seq` (the
//!    commit word), a fence, the row and totals into the table, a fence, and the table's
//!    `seq`. Each part is copied word by word with relaxed stores
//!    ([`seamless_ipc::words::store`]).
//! 2. A SIGKILL leaves in the page cache exactly the stores the thread had executed,
//!    in program order (the fences keep the compiler and the CPU from letting a later
//!    store overtake an earlier one). So after a kill the file is in one of three
//!    states: journal `seq` = table `seq` (nothing in progress, or the new journal
//!    body incomplete: that change is lost whole), journal `seq` = table `seq` + 1
//!    with a complete journal (the table may be torn: redo it from the journal, which
//!    holds whole values, not deltas, so a redo is idempotent).
//! 3. Opening reads the file, redoes a pending journal entry, maps the rows to the
//!    configured instruments by symbol (a position in an instrument no longer
//!    configured is refused: it could not be traded or reconciled), then writes the
//!    recovered book back: in place when the instruments are the same (rows, then the
//!    table `seq`, then the journal, so a crash while opening is as safe as one while
//!    running), else as a new file written aside, synced and renamed over the old one.
//! 4. Durability against a power loss is not attempted per order (that would be an
//!    `msync` per fill on the hot path): the kernel writes the pages back in its own
//!    time, and [`BookFile::sync`] (at the end of a run) forces it. Writeback of a
//!    page re-arms the kernel's dirty tracking, so the first store after it takes a
//!    minor page fault (a few microseconds, at most once per page per writeback
//!    interval, about 30 s by default). See decision record 0007.
//!    (Write-ahead redo logging with whole-value records: Gray & Reuter,
//!    "Transaction Processing", 1993, ch. 9-10; the commit word is the usual
//!    "last write publishes" rule of seqlocks and ring buffers.)
//!
//! It must never make a system call in `commit`, read the mapping (it is write-only
//! here: [`read_book`] reads the file), or be mapped by two live processes.

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{Ordering, fence};

use seamless_ipc::shm::{CreateError, CreateOptions, OwnedSegment};
use seamless_ipc::words::{self, Record};
use zerocopy::{FromBytes, FromZeros, Immutable, IntoBytes, KnownLayout};

use crate::domain::{Instruments, MAX_INSTRUMENTS, Position, Qty, STATE_LAYOUT_VERSION, Symbol};

/// `SMLSBOOK`.
const MAGIC: [u8; 8] = *b"SMLSBOOK";
/// Layout version of the book file.
pub const BOOK_FILE_VERSION: u32 = 1;

/// Counters the broker keeps with its book, persisted with it.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct BookTotals {
    /// The highest client order id processed (orders arrive in id order; a later order
    /// with an id at or below it is a duplicate and is ignored).
    pub last_order_id: u64,
    /// Orders processed (filled or rejected; duplicates not counted).
    pub orders: u64,
    /// Orders filled.
    pub fills: u64,
    /// Out-of-band fills booked by the `oob_fill_every` fault.
    pub oob_fills: u64,
    /// Fill reports dropped by the `drop_fill_every` fault (booked all the same).
    pub dropped: u64,
    /// Orders ignored because their client order id had been seen.
    pub duplicates: u64,
}

#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
struct Header {
    magic: [u8; 8],
    version: u32,
    instruments: u32,
    /// The owning process (reported when a second one is refused).
    pid: u32,
    /// [`STATE_LAYOUT_VERSION`] of the build that wrote it: the rows are domain
    /// [`Position`]s, whose layout that version names.
    position_layout: u32,
    /// Words per row (a second check on the layout).
    row_words: u32,
    _pad: u32,
    _reserved: [u64; 4],
}

/// One change: the whole new row of `instrument` (when `has_row` is 1) and the totals.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
struct JournalBody {
    instrument: u32,
    has_row: u32,
    totals: BookTotals,
    row: Position,
}

#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
struct Row {
    symbol: [u8; 16],
    position: Position,
}

/// Word offsets: header, journal seq, journal body, table seq, totals, rows.
const HEADER_W: usize = 0;
const JSEQ_W: usize = HEADER_W + Header::WORDS;
const JBODY_W: usize = JSEQ_W + 1;
const TSEQ_W: usize = JBODY_W + JournalBody::WORDS;
const TOTALS_W: usize = TSEQ_W + 1;
const ROWS_W: usize = TOTALS_W + BookTotals::WORDS;
/// Byte offset of the pid in the header.
const PID_OFFSET: u64 = 16;

const fn file_words(rows: usize) -> usize {
    ROWS_W + rows * Row::WORDS
}

/// Why a book file could not be opened or read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong.
    pub problem: BookProblem,
}

/// What is wrong with a book file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BookProblem {
    /// A system call failed.
    Io {
        /// What was being done.
        op: &'static str,
        /// The error.
        detail: String,
    },
    /// Another live process holds it.
    InUse {
        /// Its pid, when known.
        pid: Option<u32>,
    },
    /// It does not start with the book magic.
    NotABook,
    /// Written by another layout version.
    Version {
        /// The file's version.
        found: u32,
    },
    /// Written by a build whose position record differs from this one's.
    PositionLayout {
        /// The file's state layout version.
        found: u32,
    },
    /// Its size does not match its header.
    Size {
        /// Bytes found.
        found: usize,
        /// Bytes its header implies.
        expected: usize,
    },
    /// A row's symbol is not a valid symbol.
    BadSymbol {
        /// The row.
        row: usize,
    },
    /// It holds a position in an instrument that is not configured.
    Unconfigured {
        /// The instrument.
        symbol: String,
        /// Its quantity.
        qty: Qty,
    },
}

impl fmt::Display for BookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        match &self.problem {
            BookProblem::Io { op, detail } => write!(f, "{path}: cannot {op}: {detail}"),
            BookProblem::InUse { pid: Some(pid) } => {
                write!(f, "{path}: paper broker book in use by pid {pid}")
            }
            BookProblem::InUse { pid: None } => {
                write!(f, "{path}: paper broker book in use by another process")
            }
            BookProblem::NotABook => write!(
                f,
                "{path}: not a paper broker book (no magic; a start interrupted before \
                 the first write leaves such a file: remove it)"
            ),
            BookProblem::Version { found } => write!(
                f,
                "{path}: paper broker book version {found}, this build reads version \
                 {BOOK_FILE_VERSION}"
            ),
            BookProblem::PositionLayout { found } => write!(
                f,
                "{path}: paper broker book written with state layout v{found}, this build \
                 uses v{STATE_LAYOUT_VERSION}: move it away to start the broker flat (the \
                 start-up reconciliation then adopts a flat broker)"
            ),
            BookProblem::Size { found, expected } => write!(
                f,
                "{path}: paper broker book is {found} bytes, its header implies {expected}"
            ),
            BookProblem::BadSymbol { row } => {
                write!(
                    f,
                    "{path}: paper broker book row {row} has an invalid symbol"
                )
            }
            BookProblem::Unconfigured { symbol, qty } => write!(
                f,
                "{path}: the paper broker holds {qty} {symbol}, which is not configured: \
                 add the instrument, or move the book away to start flat"
            ),
        }
    }
}

impl std::error::Error for BookError {}

/// A book file's contents (after redoing a pending journal entry).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBook {
    /// `(symbol, position)` per row, in the file's order.
    pub rows: Vec<(Symbol, Position)>,
    /// The counters.
    pub totals: BookTotals,
    /// Commits so far.
    pub seq: u64,
}

/// The book recovered for the configured instruments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenedBook {
    /// One position per instrument id.
    pub positions: Vec<Position>,
    /// The counters.
    pub totals: BookTotals,
}

/// Reads a book file (no lock taken: for tools and tests, or after the core ended).
///
/// # Errors
///
/// [`BookError`] if it cannot be read or is not a valid book.
pub fn read_book(path: &Path) -> Result<StoredBook, BookError> {
    let err = |problem| BookError {
        path: path.to_owned(),
        problem,
    };
    let bytes = fs::read(path).map_err(|e| err(io_problem("read", &e)))?;
    parse(&bytes).map_err(err)
}

fn io_problem(op: &'static str, e: &io::Error) -> BookProblem {
    BookProblem::Io {
        op,
        detail: e.to_string(),
    }
}

fn parse(bytes: &[u8]) -> Result<StoredBook, BookProblem> {
    let (header, _) = Header::read_from_prefix(bytes).map_err(|_| BookProblem::NotABook)?;
    if header.magic != MAGIC {
        return Err(BookProblem::NotABook);
    }
    if header.version != BOOK_FILE_VERSION {
        return Err(BookProblem::Version {
            found: header.version,
        });
    }
    if header.position_layout != STATE_LAYOUT_VERSION || header.row_words as usize != Row::WORDS {
        return Err(BookProblem::PositionLayout {
            found: header.position_layout,
        });
    }
    let n = header.instruments as usize;
    let expected = file_words(n.min(MAX_INSTRUMENTS)) * 8;
    if n > MAX_INSTRUMENTS || bytes.len() != expected {
        return Err(BookProblem::Size {
            found: bytes.len(),
            expected,
        });
    }
    let word = |w: usize| u64::read_from_bytes(&bytes[w * 8..w * 8 + 8]).unwrap_or(0);
    let record = |w: usize, words: usize| &bytes[w * 8..(w + words) * 8];
    let jseq = word(JSEQ_W);
    let tseq = word(TSEQ_W);
    let journal = JournalBody::read_from_bytes(record(JBODY_W, JournalBody::WORDS))
        .map_err(|_| BookProblem::NotABook)?;
    let mut totals = BookTotals::read_from_bytes(record(TOTALS_W, BookTotals::WORDS))
        .map_err(|_| BookProblem::NotABook)?;
    let mut rows = Vec::with_capacity(n);
    for i in 0..n {
        let row = Row::read_from_bytes(record(ROWS_W + i * Row::WORDS, Row::WORDS))
            .map_err(|_| BookProblem::NotABook)?;
        let symbol =
            Symbol::from_bytes(&row.symbol).map_err(|_| BookProblem::BadSymbol { row: i })?;
        rows.push((symbol, row.position));
    }
    let mut seq = tseq;
    if jseq == tseq.wrapping_add(1) {
        // Step 2: a complete journal entry whose table update may be torn: redo it.
        if journal.has_row == 1
            && let Some(row) = rows.get_mut(journal.instrument as usize)
        {
            row.1 = journal.row;
        }
        totals = journal.totals;
        seq = jseq;
    }
    Ok(StoredBook { rows, totals, seq })
}

/// The paper broker's book file, mapped and locked (module docs).
#[derive(Debug)]
pub struct BookFile {
    seg: OwnedSegment,
    rows: usize,
    seq: u64,
}

impl BookFile {
    /// Opens (or creates) the book at `path` for `instruments` and returns it with the
    /// recovered book (flat and zero when the file is new). Creates the directory.
    ///
    /// # Errors
    ///
    /// [`BookError`]: the file is held by a live process, is not a valid book, holds a
    /// position in an instrument not in `instruments`, or a system call failed.
    pub fn open(
        path: &Path,
        instruments: &Instruments,
    ) -> Result<(BookFile, OpenedBook), BookError> {
        let err = |problem| BookError {
            path: path.to_owned(),
            problem,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|e| err(io_problem("create the directory of", &e)))?;
        }
        let symbols: Vec<Symbol> = instruments.iter().map(|(_, i)| i.symbol).collect();
        let stored = match fs::read(path) {
            Ok(bytes) => Some(parse(&bytes).map_err(err)?),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(err(io_problem("read", &e))),
        };
        let (book, seq, same) = match &stored {
            Some(s) => {
                let same = s.rows.iter().map(|r| r.0).eq(symbols.iter().copied());
                (adopt(s, &symbols).map_err(err)?, s.seq, same)
            }
            None => (
                OpenedBook {
                    positions: vec![Position::default(); symbols.len()],
                    totals: BookTotals::default(),
                },
                0,
                true,
            ),
        };
        if !same {
            write_aside(path, &image(&symbols, &book, seq)).map_err(err)?;
        }
        let len = file_words(symbols.len()) * 8;
        let opts = CreateOptions {
            pid_offset: Some(PID_OFFSET),
            take_over: true,
        };
        // SAFETY: the book file is ours alone: nothing in this project shrinks it, and
        // we only ever store into the mapping through atomics (`words::store`), never
        // through references to plain data, so another writer (a user's tool) could
        // garble the book but not cause undefined behaviour here.
        let (seg, _) = unsafe { OwnedSegment::create(path, len, opts) }.map_err(|e| match e {
            CreateError::Locked { pid, .. } => err(BookProblem::InUse { pid }),
            other => err(BookProblem::Io {
                op: "map",
                detail: other.to_string(),
            }),
        })?;
        let file = BookFile {
            seg,
            rows: symbols.len(),
            seq,
        };
        file.write_all(&symbols, &book);
        Ok((file, book))
    }

    /// Step 3 of the module docs: rows and totals, the table `seq`, the journal, and
    /// the header last (a file without magic was never written).
    fn write_all(&self, symbols: &[Symbol], book: &OpenedBook) {
        let w = self.seg.words();
        for (i, (symbol, position)) in symbols.iter().zip(&book.positions).enumerate() {
            let row = Row {
                symbol: symbol.to_bytes(),
                position: *position,
            };
            words::store(&w[row_range(i)], &row);
        }
        words::store(&w[TOTALS_W..ROWS_W], &book.totals);
        fence(Ordering::Release); // the rows before the table seq (module docs, step 2)
        w[TSEQ_W].store(self.seq, Ordering::Relaxed);
        fence(Ordering::Release); // the table before the journal that retires the redo
        let body = JournalBody {
            instrument: 0,
            has_row: 0,
            totals: book.totals,
            row: Position::default(),
        };
        words::store(&w[JBODY_W..TSEQ_W], &body);
        w[JSEQ_W].store(self.seq, Ordering::Relaxed);
        fence(Ordering::Release); // everything before the magic that validates it
        words::store(&w[HEADER_W..JSEQ_W], &header(symbols.len()));
    }

    /// Commits one change: `row` = `(instrument index, its new position)` if a position
    /// changed, and the new totals. Wait-free, no system call (module docs, step 1).
    /// A row index beyond the book is ignored (the totals still commit).
    #[inline]
    pub fn commit(&mut self, row: Option<(usize, &Position)>, totals: &BookTotals) {
        let row = row.filter(|(i, _)| *i < self.rows);
        let w = self.seg.words();
        let seq = self.seq + 1;
        let body = JournalBody {
            instrument: row.map_or(0, |(i, _)| i as u32),
            has_row: u32::from(row.is_some()),
            totals: *totals,
            row: row.map_or(Position::default(), |(_, p)| *p),
        };
        words::store(&w[JBODY_W..TSEQ_W], &body);
        // Release: the journal body before its commit word, and (below) the commit word
        // before the table, the table before its seq; what each stands in for is the
        // program order a SIGKILL preserves (module docs, step 2). No reader synchronises
        // with these stores: the next reader is a later process reading the file.
        fence(Ordering::Release);
        w[JSEQ_W].store(seq, Ordering::Relaxed);
        fence(Ordering::Release);
        if let Some((i, position)) = row {
            // The position sits after the 2-word symbol, which never changes.
            words::store(&w[row_range(i).start + 2..row_range(i).end], position);
        }
        words::store(&w[TOTALS_W..ROWS_W], totals);
        fence(Ordering::Release);
        w[TSEQ_W].store(seq, Ordering::Relaxed);
        self.seq = seq;
    }

    /// Forces the book to disk (`fsync`). Blocking: at the end of a run, never per order.
    ///
    /// # Errors
    ///
    /// The system call's error.
    pub fn sync(&self) -> io::Result<()> {
        self.seg.file().sync_data()
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        self.seg.path()
    }
}

fn row_range(i: usize) -> std::ops::Range<usize> {
    let start = ROWS_W + i * Row::WORDS;
    start..start + Row::WORDS
}

fn header(rows: usize) -> Header {
    Header {
        magic: MAGIC,
        version: BOOK_FILE_VERSION,
        instruments: rows as u32,
        pid: std::process::id(),
        position_layout: STATE_LAYOUT_VERSION,
        row_words: Row::WORDS as u32,
        _pad: 0,
        _reserved: [0; 4],
    }
}

/// Maps a stored book onto `symbols` (step 3).
fn adopt(stored: &StoredBook, symbols: &[Symbol]) -> Result<OpenedBook, BookProblem> {
    let mut positions = vec![Position::default(); symbols.len()];
    for (symbol, position) in &stored.rows {
        match symbols.iter().position(|s| s == symbol) {
            Some(i) => positions[i] = *position,
            None if position.is_flat() => {}
            None => {
                return Err(BookProblem::Unconfigured {
                    symbol: symbol.to_string(),
                    qty: position.qty,
                });
            }
        }
    }
    Ok(OpenedBook {
        positions,
        totals: stored.totals,
    })
}

/// The whole file for `book`, as bytes.
fn image(symbols: &[Symbol], book: &OpenedBook, seq: u64) -> Vec<u8> {
    let mut out = vec![0u8; file_words(symbols.len()) * 8];
    let mut put = |w: usize, bytes: &[u8]| out[w * 8..w * 8 + bytes.len()].copy_from_slice(bytes);
    put(HEADER_W, header(symbols.len()).as_bytes());
    put(JSEQ_W, seq.as_bytes());
    let mut body = JournalBody::new_zeroed();
    body.totals = book.totals;
    put(JBODY_W, body.as_bytes());
    put(TSEQ_W, seq.as_bytes());
    put(TOTALS_W, book.totals.as_bytes());
    for (i, (symbol, position)) in symbols.iter().zip(&book.positions).enumerate() {
        let row = Row {
            symbol: symbol.to_bytes(),
            position: *position,
        };
        put(row_range(i).start, row.as_bytes());
    }
    out
}

/// Replaces `path` with `bytes` atomically: a temporary file beside it, synced, renamed
/// over it, the directory synced. Refuses while a live process holds the old file.
fn write_aside(path: &Path, bytes: &[u8]) -> Result<(), BookProblem> {
    let old = fs::File::open(path).map_err(|e| io_problem("open", &e))?;
    match old.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => return Err(BookProblem::InUse { pid: None }),
        Err(fs::TryLockError::Error(e)) => return Err(io_problem("lock", &e)),
    }
    // Not `.tmp`: the persister owns leftover `*.tmp` files in the data directory.
    let tmp = path.with_extension("book.new");
    let mut f =
        fs::File::create(&tmp).map_err(|e| io_problem("create a temporary file for", &e))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| io_problem("write a temporary file for", &e))?;
    fs::rename(&tmp, path).map_err(|e| io_problem("replace", &e))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io_problem("sync the directory of", &e))?;
    }
    drop(old); // releases the old inode's lock only now
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_whole_words() {
        assert_eq!(Header::WORDS, 8);
        assert_eq!(JournalBody::WORDS, 1 + BookTotals::WORDS + Position::WORDS);
        assert_eq!(Row::WORDS, 2 + Position::WORDS);
        assert_eq!(file_words(2), ROWS_W + 2 * Row::WORDS);
    }

    #[test]
    fn a_pending_journal_entry_is_redone() {
        let a = Symbol::new("A").unwrap();
        let book = OpenedBook {
            positions: vec![Position::default()],
            totals: BookTotals::default(),
        };
        let mut bytes = image(&[a], &book, 5);
        let mut body = JournalBody::new_zeroed();
        body.has_row = 1;
        body.row.qty = Qty::ONE;
        body.totals.fills = 9;
        bytes[JBODY_W * 8..TSEQ_W * 8].copy_from_slice(body.as_bytes());
        bytes[JSEQ_W * 8..JSEQ_W * 8 + 8].copy_from_slice(&6u64.to_ne_bytes());
        let stored = parse(&bytes).unwrap();
        assert_eq!((stored.seq, stored.totals.fills), (6, 9));
        assert_eq!(stored.rows[0].1.qty, Qty::ONE);
        // The same entry once the table caught up is not applied twice (it is whole
        // values anyway), and an older one is ignored.
        bytes[JSEQ_W * 8..JSEQ_W * 8 + 8].copy_from_slice(&5u64.to_ne_bytes());
        assert_eq!(parse(&bytes).unwrap().rows[0].1.qty, Qty::ZERO);
    }

    #[test]
    fn foreign_and_truncated_files_are_refused() {
        assert_eq!(parse(&[0u8; 10]), Err(BookProblem::NotABook));
        let a = Symbol::new("A").unwrap();
        let book = OpenedBook {
            positions: vec![Position::default()],
            totals: BookTotals::default(),
        };
        let bytes = image(&[a], &book, 0);
        assert!(matches!(
            parse(&bytes[..bytes.len() - 8]),
            Err(BookProblem::Size { .. })
        ));
        let mut v2 = bytes.clone();
        v2[8] = 2;
        assert_eq!(parse(&v2), Err(BookProblem::Version { found: 2 }));
        let mut old = bytes.clone();
        old[20..24].copy_from_slice(&(STATE_LAYOUT_VERSION - 1).to_ne_bytes());
        assert_eq!(
            parse(&old),
            Err(BookProblem::PositionLayout {
                found: STATE_LAYOUT_VERSION - 1
            })
        );
    }
}
