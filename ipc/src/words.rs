//! Word-wise atomic copies of plain records: the only way racing data is read or
//! written in this crate.
//!
//! A seqlock reader (and a broadcast-ring reader) may read a record *while* the writer
//! overwrites it; it detects that afterwards and throws the copy away. Reading racing
//! memory with `ptr::read`/`read_volatile` is a data race and so undefined behaviour in
//! the Rust memory model, even if the result is discarded. Copying the record as a run of
//! relaxed `AtomicU64` loads is not: each load is atomic, a torn *record* is possible but
//! a torn *word* is not, and the caller's sequence check rejects torn records. This is
//! the approach crossbeam's `AtomicCell` fallback and the Amanieu/seqlock soundness
//! discussion (issues 2 and 10) settle on.
//!
//! Progress: wait-free (a fixed number of loads or stores).
//!
//! Only relaxed loads of at most 8 bytes are used on the read side, so it works on a
//! `PROT_READ` mapping (no read-modify-write, no 128-bit `cmpxchg16b`).
//!
//! This module must never order anything itself: callers put the fences around it.
//!
//! # Example
//!
//! ```
//! use seamless_ipc::words::{Record, WordBuf};
//! # use zerocopy::{FromBytes, IntoBytes, Immutable, KnownLayout};
//! #[derive(Clone, Copy, Debug, PartialEq, FromBytes, IntoBytes, Immutable, KnownLayout)]
//! #[repr(C)]
//! struct Quote { bid: i64, ask: i64 }
//!
//! let buf = WordBuf::<Quote>::new();
//! buf.store(&Quote { bid: 100, ask: 101 });
//! assert_eq!(buf.load(), Quote { bid: 100, ask: 101 });
//! ```

use std::marker::PhantomData;
use std::mem::{align_of, size_of};

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::sync::{AtomicU64, Ordering};

/// Types that may live in shared memory and be copied word by word.
///
/// Implemented for every `Copy` type that zerocopy proves has no padding
/// ([`IntoBytes`]), accepts any bit pattern ([`FromBytes`]), has no interior
/// mutability ([`Immutable`]) and whose size is a multiple of 8 with alignment at most 8
/// (checked at compile time by [`Record::WORDS`]).
pub trait Record: FromBytes + IntoBytes + Immutable + KnownLayout + Copy {
    /// Number of 8-byte words in the record. Evaluating it fails the build for a type
    /// whose size is not a multiple of 8 or whose alignment exceeds 8.
    const WORDS: usize = {
        assert!(
            size_of::<Self>().is_multiple_of(8),
            "record size must be a multiple of 8 bytes"
        );
        assert!(
            align_of::<Self>() <= 8,
            "record alignment must be at most 8"
        );
        size_of::<Self>() / 8
    };
}

impl<T: FromBytes + IntoBytes + Immutable + KnownLayout + Copy> Record for T {}

/// Stores `value` into `dst` word by word with relaxed stores.
///
/// Relaxed suffices: the caller orders these stores against its sequence number with a
/// fence (seqlock: `Release` fence before, `Release` store after).
///
/// # Panics
///
/// If `dst.len() != T::WORDS` (a layout bug, never input-dependent).
#[inline]
pub fn store<T: Record>(dst: &[AtomicU64], value: &T) {
    assert_eq!(dst.len(), T::WORDS);
    for (slot, chunk) in dst.iter().zip(value.as_bytes().chunks_exact(8)) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        slot.store(u64::from_ne_bytes(word), Ordering::Relaxed);
    }
}

/// Loads a `T` from `src` word by word with relaxed loads. The result may be torn
/// (words from different writes); the caller validates it with its sequence number.
///
/// Relaxed suffices: the caller's `Acquire` fences before and after order these loads
/// against the sequence-number loads.
///
/// # Panics
///
/// If `src.len() != T::WORDS` (a layout bug, never input-dependent).
#[inline]
pub fn load<T: Record>(src: &[AtomicU64]) -> T {
    assert_eq!(src.len(), T::WORDS);
    let mut out = T::new_zeroed();
    for (slot, chunk) in src.iter().zip(out.as_mut_bytes().chunks_exact_mut(8)) {
        chunk.copy_from_slice(&slot.load(Ordering::Relaxed).to_ne_bytes());
    }
    out
}

/// An owned, heap-allocated run of atomic words sized for one `T`; handy in tests and
/// for in-process cells.
#[derive(Debug)]
pub struct WordBuf<T: Record> {
    words: Box<[AtomicU64]>,
    _record: PhantomData<T>,
}

impl<T: Record> WordBuf<T> {
    /// A zeroed buffer.
    pub fn new() -> Self {
        WordBuf {
            words: (0..T::WORDS).map(|_| AtomicU64::new(0)).collect(),
            _record: PhantomData,
        }
    }

    /// Word-wise store (see [`store`]).
    pub fn store(&self, value: &T) {
        store(&self.words, value)
    }

    /// Word-wise load (see [`load`]).
    pub fn load(&self) -> T {
        load(&self.words)
    }

    /// The words themselves.
    pub fn words(&self) -> &[AtomicU64] {
        &self.words
    }
}

impl<T: Record> Default for WordBuf<T> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq, FromBytes, IntoBytes, Immutable, KnownLayout)]
    #[repr(C)]
    struct Three {
        a: u64,
        b: i32,
        c: u32,
        d: [u8; 8],
    }

    #[test]
    fn round_trips_every_byte() {
        let buf = WordBuf::<Three>::new();
        assert_eq!(Three::WORDS, 3);
        let v = Three {
            a: u64::MAX - 7,
            b: -5,
            c: 9,
            d: *b"abcdefgh",
        };
        buf.store(&v);
        assert_eq!(buf.load(), v);
    }

    #[test]
    #[should_panic]
    fn wrong_length_is_a_layout_bug() {
        let words: Vec<AtomicU64> = (0..2).map(|_| AtomicU64::new(0)).collect();
        let _: Three = load(&words);
    }
}
