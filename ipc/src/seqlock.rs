//! A one-writer, many-reader seqlock cell whose readers only load: the "latest value"
//! building block of the state section.
//!
//! A cell is a run of `AtomicU64` words: `[seq, payload words...]`, padded to a multiple
//! of 64 bytes ([`cell_words`]) so that cells placed back to back in a table never share
//! a cache line. The writer ([`SeqlockWriter`]) is the only one that stores; readers
//! ([`SeqlockReader`]) use nothing but relaxed loads of at most 8 bytes followed by
//! fences, so they work on a `PROT_READ` mapping of another process's memory (Rust
//! permits relaxed atomic loads on read-only memory: see "Atomic accesses to read-only
//! memory" in the `core::sync::atomic` docs).
//!
//! Progress: writing is wait-free (a fixed number of stores). Reading is lock-free only
//! with respect to a live writer and is *bounded*: [`SeqlockReader::try_read`] gives up
//! after a fixed number of retries with [`ReadError::WriterStalled`] (the writer died or
//! was descheduled mid-write) or [`ReadError::Contended`] (the writer kept writing), so a
//! reader never spins forever on a dead core.
//!
//! # Example
//!
//! ```
//! use std::sync::atomic::AtomicU64;
//! use seamless_ipc::seqlock::{cell_words, SeqlockReader, SeqlockWriter};
//! # use zerocopy::{FromBytes, IntoBytes, Immutable, KnownLayout};
//! #[derive(Clone, Copy, Debug, PartialEq, FromBytes, IntoBytes, Immutable, KnownLayout)]
//! #[repr(C)]
//! struct Quote { bid: i64, ask: i64 }
//!
//! let cell: Vec<AtomicU64> = (0..cell_words::<Quote>()).map(|_| AtomicU64::new(0)).collect();
//! // SAFETY: this is the only writer of `cell`.
//! let mut writer = unsafe { SeqlockWriter::<Quote>::new(&cell) }.unwrap();
//! let reader = SeqlockReader::<Quote>::new(&cell).unwrap();
//! std::thread::scope(|s| {
//!     s.spawn(move || {
//!         for bid in 1..=100 {
//!             writer.write(&Quote { bid, ask: bid + 1 });
//!         }
//!     });
//!     // Every successful read is a whole record from one write, never a mix
//!     // (version 0 is the zeroed cell, before the first write).
//!     if let Ok((q, version)) = reader.try_read() {
//!         assert!(version == 0 || q.ask == q.bid + 1);
//!     }
//! });
//! assert_eq!(reader.try_read().unwrap(), (Quote { bid: 100, ask: 101 }, 100));
//! ```
//!
//! # Implementation
//!
//! The classic seqlock (Lameter's kernel seqlock), in the fence formulation of Boehm,
//! "Can seqlocks get along with programming language memory models?" (MSPC 2012, §4-5),
//! as used by crossbeam-utils' `atomic/seq_lock.rs` (the `AtomicCell` fallback) and
//! discussed for Rust in Amanieu/seqlock issues 2 and 10:
//!
//! 1. Writer: `seq = s + 1` (odd: "write in progress") with a relaxed store, then a
//!    `Release` fence, so no payload store can become visible before the odd mark.
//! 2. Writer: store the payload word by word with relaxed stores ([`words::store`]).
//! 3. Writer: `seq = s + 2` (even) with a `Release` store: publishes the payload.
//! 4. Reader: load `seq` (relaxed) then an `Acquire` fence (stands in for an `Acquire`
//!    load, which we avoid on the read-only mapping); if odd, retry.
//! 5. Reader: load the payload word by word with relaxed loads ([`words::load`]); it
//!    may be torn, but every word is an atomic load, so there is no data race and no UB
//!    (never `read_volatile` of racing memory: that is a data race in the Rust model).
//! 6. Reader: `Acquire` fence, load `seq` again (relaxed); accept the copy only if it is
//!    unchanged, otherwise retry (up to the reader's retry bound).
//!
//! The version reported to readers is `seq / 2`: the number of completed writes.
//!
//! This module must never let a reader store, use read-modify-write operations, or use
//! loads wider than 8 bytes; never read payload memory non-atomically; never spin
//! without a bound on the read side.

use std::fmt;
use std::marker::PhantomData;

use crate::sync::{self, AtomicU64, Ordering, fence};
use crate::words::{self, Record};

/// Words per seqlock cell for `T`: one sequence word plus the payload, rounded up to a
/// multiple of 8 words (64 bytes) so cells in a table never share a cache line.
pub const fn cell_words<T: Record>() -> usize {
    (1 + T::WORDS).div_ceil(8) * 8
}

/// Bytes per seqlock cell for `T` (see [`cell_words`]).
pub const fn cell_bytes<T: Record>() -> usize {
    cell_words::<T>() * 8
}

/// Bytes needed for a table of `cells` seqlock cells of `T`, or `None` on overflow.
pub const fn table_bytes<T: Record>(cells: usize) -> Option<usize> {
    cells.checked_mul(cell_bytes::<T>())
}

/// Splits a table (a run of words from [`table_bytes`]) into its cells, in order. A
/// trailing partial cell is ignored.
pub fn cells<T: Record>(table: &[AtomicU64]) -> std::slice::ChunksExact<'_, AtomicU64> {
    table.chunks_exact(cell_words::<T>())
}

/// Retries a reader makes by default before giving up: at roughly 10-40 ns per
/// `spin_loop` hint this waits tens of microseconds, far longer than a live writer
/// takes to store a few cache lines.
pub const DEFAULT_MAX_RETRIES: u32 = 1024;

/// Why memory could not be viewed as seqlock cells (or as atomic words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayoutError {
    /// The pointer is null or not 8-byte aligned.
    Misaligned {
        /// The address given.
        addr: usize,
    },
    /// The memory is shorter than the layout needs.
    TooSmall {
        /// Bytes (or words, for slices) needed.
        needed: usize,
        /// Bytes (or words, for slices) given.
        got: usize,
    },
}

impl fmt::Display for LayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LayoutError::Misaligned { addr } => {
                write!(f, "address {addr:#x} is null or not 8-byte aligned")
            }
            LayoutError::TooSmall { needed, got } => {
                write!(f, "memory too small: need {needed}, got {got}")
            }
        }
    }
}

impl std::error::Error for LayoutError {}

/// Why a read gave up. Neither is a torn read: torn copies are always discarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadError {
    /// The sequence stayed odd and unchanged for the last half (or more) of the retry
    /// bound: the writer died or was descheduled in the middle of a write. Try again later; if it persists,
    /// treat the writer as dead.
    WriterStalled {
        /// Completed writes before the stalled one.
        version: u64,
    },
    /// The writer kept completing writes while we copied, for the whole retry bound.
    Contended {
        /// Retries made.
        retries: u32,
    },
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::WriterStalled { version } => {
                write!(
                    f,
                    "seqlock writer stalled mid-write after version {version}"
                )
            }
            ReadError::Contended { retries } => {
                write!(f, "seqlock read gave up after {retries} retries")
            }
        }
    }
}

impl std::error::Error for ReadError {}

/// Running counts of a reader's seqlock reads, so a reader process can publish its retry
/// rate. Plain counters, owned by one reader; they wrap never in practice (u64).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Successful reads.
    pub reads: u64,
    /// Attempts thrown away (odd or changed sequence), over all calls.
    pub retries: u64,
    /// Calls that gave up with a [`ReadError`].
    pub failures: u64,
}

/// Views memory as atomic words.
///
/// Validates that `ptr` is non-null and 8-byte aligned; the slice covers
/// `len_bytes / 8` words (a trailing partial word is ignored).
///
/// # Errors
///
/// [`LayoutError::Misaligned`] for a null or misaligned pointer.
///
/// # Safety
///
/// - `ptr..ptr + len_bytes` is mapped and readable for all of `'a` (another process
///   may write it concurrently: that is what the atomics are for; a mapping that is
///   truncated or unmapped while viewed raises SIGBUS/SIGSEGV).
/// - Nothing accesses that memory non-atomically, or with atomics of another size,
///   during `'a`.
/// - If the memory is mapped read-only, the caller only loads through the slice (the
///   readers in this crate only do relaxed loads; writer views must not be built on it).
#[cfg(not(loom))]
pub unsafe fn atomic_words<'a>(
    ptr: *const u8,
    len_bytes: usize,
) -> Result<&'a [AtomicU64], LayoutError> {
    if ptr.is_null() || !(ptr as usize).is_multiple_of(align_of::<AtomicU64>()) {
        return Err(LayoutError::Misaligned { addr: ptr as usize });
    }
    // SAFETY: `ptr` is non-null and aligned (checked above); the caller guarantees the
    // range is mapped and readable for `'a` and only accessed atomically; `AtomicU64`
    // has the size and alignment of `u64` and accepts any bit pattern.
    Ok(unsafe { std::slice::from_raw_parts(ptr.cast::<AtomicU64>(), len_bytes / 8) })
}

/// Splits a cell into its sequence word and payload, checking the length.
fn split_cell<T: Record>(cell: &[AtomicU64]) -> Result<(&AtomicU64, &[AtomicU64]), LayoutError> {
    match cell.get(..1 + T::WORDS) {
        Some([seq, payload @ ..]) => Ok((seq, payload)),
        _ => Err(LayoutError::TooSmall {
            needed: 1 + T::WORDS,
            got: cell.len(),
        }),
    }
}

/// The one writer of a seqlock cell.
///
/// Exclusivity comes from its `unsafe` constructors (one writer per cell) and `&mut self`
/// on [`write`](Self::write).
pub struct SeqlockWriter<'a, T: Record> {
    seq: &'a AtomicU64,
    payload: &'a [AtomicU64],
    /// The cell's current sequence as this writer last stored it. Invariant: even
    /// between calls (we are the only writer, so memory holds the same value).
    current: u64,
    _record: PhantomData<fn(T) -> T>,
}

impl<'a, T: Record> SeqlockWriter<'a, T> {
    /// A writer over `cell` (at least `1 + T::WORDS` words; [`cell_words`] with padding).
    /// Continues from the cell's current version, so a new writer may take over a cell.
    ///
    /// # Errors
    ///
    /// [`LayoutError::TooSmall`] if `cell` is too short (lengths in words).
    ///
    /// # Safety
    ///
    /// No other writer stores to `cell` while this one exists. (Breaking this cannot cause
    /// undefined behaviour, but readers could accept records mixed from two writers.)
    pub unsafe fn new(cell: &'a [AtomicU64]) -> Result<Self, LayoutError> {
        let (seq, payload) = split_cell::<T>(cell)?;
        // Relaxed: we are the only writer, so no other store to `seq` can race with us;
        // a leftover odd value (a writer that died mid-write) is rounded up to even so
        // the next write moves it forward.
        let s = seq.load(Ordering::Relaxed);
        Ok(SeqlockWriter {
            seq,
            payload,
            current: s + (s & 1),
            _record: PhantomData,
        })
    }

    /// A writer over raw (read-write mapped) memory of at least `1 + T::WORDS` words.
    ///
    /// # Errors
    ///
    /// [`LayoutError`] for a misaligned pointer or a too-small length (in bytes).
    ///
    /// # Safety
    ///
    /// The contract of [`atomic_words`] (with write access), and that of
    /// [`SeqlockWriter::new`] (the only writer).
    #[cfg(not(loom))]
    pub unsafe fn from_raw(ptr: *mut u8, len_bytes: usize) -> Result<Self, LayoutError> {
        check_len::<T>(len_bytes)?;
        // SAFETY: forwarded to our caller (the `atomic_words` contract).
        let cell = unsafe { atomic_words(ptr, len_bytes) }?;
        // SAFETY: forwarded to our caller (the only writer).
        unsafe { Self::new(cell) }
    }

    /// Publishes `value`; returns its version (the number of completed writes).
    #[inline]
    pub fn write(&mut self, value: &T) -> u64 {
        let s = self.current;
        debug_assert_eq!(
            s & 1,
            0,
            "seqlock writer sequence must be even between writes"
        );
        // Relaxed: ordered before the payload stores by the fence below (step 1).
        self.seq.store(s + 1, Ordering::Relaxed);
        // SYNC POINT seqlock-begin: stands in for "the odd mark is visible before any
        // payload word"; pairs with the reader's second `Acquire` fence (step 6), which
        // makes a reader that saw any new payload word also see the odd mark.
        fence(Ordering::Release);
        words::store(self.payload, value);
        // SYNC POINT seqlock-end: publishes the payload; pairs with the reader's relaxed
        // load of `seq` + `Acquire` fence (step 4).
        self.seq.store(s + 2, Ordering::Release);
        self.current = s + 2;
        self.current >> 1
    }

    /// The version of the last completed write (0 before the first).
    pub fn version(&self) -> u64 {
        self.current >> 1
    }

    /// A reader over the same cell.
    pub fn reader(&self) -> SeqlockReader<'a, T> {
        SeqlockReader {
            seq: self.seq,
            payload: self.payload,
            max_retries: DEFAULT_MAX_RETRIES,
            _record: PhantomData,
        }
    }
}

impl<T: Record> fmt::Debug for SeqlockWriter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeqlockWriter")
            .field("version", &self.version())
            .field("words", &T::WORDS)
            .finish()
    }
}

/// A reader of a seqlock cell: loads only, so it works on a read-only mapping. `Copy`:
/// any number of readers may read the same cell.
pub struct SeqlockReader<'a, T: Record> {
    seq: &'a AtomicU64,
    payload: &'a [AtomicU64],
    /// Retries before a read gives up.
    max_retries: u32,
    _record: PhantomData<fn() -> T>,
}

impl<T: Record> Clone for SeqlockReader<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Record> Copy for SeqlockReader<'_, T> {}

impl<'a, T: Record> SeqlockReader<'a, T> {
    /// A reader over `cell` (at least `1 + T::WORDS` words), retrying up to
    /// [`DEFAULT_MAX_RETRIES`] times per read.
    ///
    /// # Errors
    ///
    /// [`LayoutError::TooSmall`] if `cell` is too short (lengths in words).
    pub fn new(cell: &'a [AtomicU64]) -> Result<Self, LayoutError> {
        let (seq, payload) = split_cell::<T>(cell)?;
        Ok(SeqlockReader {
            seq,
            payload,
            max_retries: DEFAULT_MAX_RETRIES,
            _record: PhantomData,
        })
    }

    /// A reader over raw memory (typically a `PROT_READ` mapping) of at least
    /// `1 + T::WORDS` words.
    ///
    /// # Errors
    ///
    /// [`LayoutError`] for a misaligned pointer or a too-small length (in bytes).
    ///
    /// # Safety
    ///
    /// The contract of [`atomic_words`].
    #[cfg(not(loom))]
    pub unsafe fn from_raw(ptr: *const u8, len_bytes: usize) -> Result<Self, LayoutError> {
        check_len::<T>(len_bytes)?;
        // SAFETY: forwarded to our caller (the `atomic_words` contract).
        let cell = unsafe { atomic_words(ptr, len_bytes) }?;
        Self::new(cell)
    }

    /// The same reader with another retry bound (0: a single attempt).
    pub fn with_max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// The number of completed writes, cheaply: one relaxed load. Compare it with the
    /// version of your last read to skip unchanged records; a write in progress does not
    /// count until it completes.
    #[inline]
    pub fn version(&self) -> u64 {
        // Relaxed: a hint only; nothing is read on the strength of it (a following
        // `try_read` does its own ordering).
        self.seq.load(Ordering::Relaxed) >> 1
    }

    /// Reads a consistent copy of the record and its version.
    ///
    /// # Errors
    ///
    /// [`ReadError`] when no consistent copy was obtained within the retry bound.
    #[inline]
    pub fn try_read(&self) -> Result<(T, u64), ReadError> {
        self.try_read_counted(&mut ReadStats::default())
    }

    /// [`try_read`](Self::try_read), adding this call's outcome and retries to `stats`.
    ///
    /// # Errors
    ///
    /// [`ReadError`] when no consistent copy was obtained within the retry bound.
    #[inline]
    pub fn try_read_counted(&self, stats: &mut ReadStats) -> Result<(T, u64), ReadError> {
        let mut retries = 0u32;
        // The last odd sequence seen and for how many consecutive attempts: a stall is
        // the same odd value for more than half of the attempts, up to the bound.
        let mut odd: Option<u64> = None;
        let mut odd_run = 0u32;
        loop {
            // Relaxed + fence: step 4. SYNC POINT seqlock-end (the writer's Release store
            // of the even sequence): the fence makes every payload store of the write we
            // observed visible to the loads below.
            let s1 = self.seq.load(Ordering::Relaxed);
            fence(Ordering::Acquire);
            if s1 & 1 == 0 {
                let value = words::load::<T>(self.payload);
                // SYNC POINT seqlock-begin: orders the payload loads before the re-check;
                // if any of them saw a newer write, the writer's Release fence makes its
                // odd mark visible to the load below, so `s2 != s1`.
                fence(Ordering::Acquire);
                let s2 = self.seq.load(Ordering::Relaxed);
                if s1 == s2 {
                    stats.reads += 1;
                    stats.retries += u64::from(retries);
                    return Ok((value, s1 >> 1));
                }
                (odd, odd_run) = (None, 0);
            } else if odd == Some(s1) {
                odd_run += 1;
            } else {
                (odd, odd_run) = (Some(s1), 1);
            }
            if retries >= self.max_retries {
                stats.retries += u64::from(retries);
                stats.failures += 1;
                return Err(match odd {
                    Some(s) if odd_run > self.max_retries / 2 => {
                        ReadError::WriterStalled { version: s >> 1 }
                    }
                    _ => ReadError::Contended { retries },
                });
            }
            retries += 1;
            sync::spin_loop();
        }
    }
}

impl<T: Record> fmt::Debug for SeqlockReader<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeqlockReader")
            .field("version", &self.version())
            .field("words", &T::WORDS)
            .field("max_retries", &self.max_retries)
            .finish()
    }
}

/// Checks a raw length (bytes) against the words a cell of `T` needs.
#[cfg(not(loom))]
fn check_len<T: Record>(len_bytes: usize) -> Result<(), LayoutError> {
    let needed = (1 + T::WORDS) * 8;
    if len_bytes < needed {
        return Err(LayoutError::TooSmall {
            needed,
            got: len_bytes,
        });
    }
    Ok(())
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn cell_sizes_round_up_to_cache_lines() {
        assert_eq!(cell_words::<[u64; 1]>(), 8);
        assert_eq!(cell_words::<[u64; 7]>(), 8);
        assert_eq!(cell_words::<[u64; 8]>(), 16);
        assert_eq!(cell_bytes::<[u64; 8]>(), 128);
        assert_eq!(table_bytes::<[u64; 7]>(3), Some(192));
        assert_eq!(table_bytes::<[u64; 7]>(usize::MAX), None);
    }

    #[test]
    fn stalled_classification_needs_the_same_odd_value_throughout() {
        let cell: Vec<AtomicU64> = (0..8).map(|_| AtomicU64::new(0)).collect();
        cell[0].store(7, Ordering::Relaxed);
        let reader = SeqlockReader::<[u64; 2]>::new(&cell)
            .unwrap()
            .with_max_retries(3);
        let mut stats = ReadStats::default();
        assert_eq!(
            reader.try_read_counted(&mut stats),
            Err(ReadError::WriterStalled { version: 3 })
        );
        assert_eq!(
            stats,
            ReadStats {
                reads: 0,
                retries: 3,
                failures: 1
            }
        );
    }

    #[test]
    fn atomic_words_rejects_null_and_misaligned() {
        let buf = [0u64; 4];
        let base = buf.as_ptr().cast::<u8>();
        // SAFETY: null is rejected before any access.
        let null = unsafe { atomic_words(std::ptr::null(), 8) };
        assert_eq!(null.err(), Some(LayoutError::Misaligned { addr: 0 }));
        // SAFETY: misalignment is rejected before any access.
        let odd = unsafe { atomic_words(base.wrapping_add(1), 8) };
        assert!(matches!(odd, Err(LayoutError::Misaligned { .. })));
    }
}
