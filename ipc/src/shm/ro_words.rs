//! Read-only views of atomic words in a `PROT_READ` mapping.
//!
//! On read-only memory only `Relaxed` atomic loads of at most 8 bytes are defined (std
//! `core::sync::atomic`, "Atomic accesses to read-only memory"): a store, a
//! read-modify-write, even an `Acquire` load may fault or be undefined behaviour. A
//! plain `&AtomicU64` would let safe code call `store` on such memory, so readers get
//! these wrappers instead: loads only, relaxed; callers put the `Acquire` fence after
//! the loads that need it.

use std::fmt;
use std::ops::Range;

use crate::sync::{AtomicU64, Ordering};
use crate::words::{self, Record};

/// Read-only atomic words: only relaxed loads.
#[derive(Clone, Copy)]
pub struct RoWords<'a> {
    words: &'a [AtomicU64],
}

/// One read-only atomic word (for example a reader's cursor, which a gate polls).
#[derive(Clone, Copy)]
pub struct RoWord<'a> {
    word: &'a AtomicU64,
}

impl<'a> RoWords<'a> {
    /// Wraps `len` words at `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` is 8-aligned and readable for `len * 8` bytes for `'a`; the memory is only
    /// ever accessed atomically (by anyone) while `'a` lasts.
    pub(crate) unsafe fn from_raw(ptr: *const AtomicU64, len: usize) -> Self {
        // SAFETY: forwarded from the caller's contract.
        let words = unsafe { std::slice::from_raw_parts(ptr, len) };
        RoWords { words }
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Relaxed load of word `i`; `None` if out of range. Order it with a fence.
    #[inline]
    pub fn load(&self, i: usize) -> Option<u64> {
        // Relaxed: the only load allowed on PROT_READ memory; callers fence.
        self.words.get(i).map(|w| w.load(Ordering::Relaxed))
    }

    /// Word `i`; `None` if out of range.
    pub fn get(&self, i: usize) -> Option<RoWord<'a>> {
        self.words.get(i).map(|word| RoWord { word })
    }

    /// The words in `range`; `None` if it is out of bounds.
    pub fn slice(&self, range: Range<usize>) -> Option<RoWords<'a>> {
        self.words.get(range).map(|words| RoWords { words })
    }

    /// Copies a `T` from the first `T::WORDS` words with relaxed loads (see
    /// [`words::load`]); `None` if there are fewer. The copy may be torn if a writer is
    /// active: the caller validates it (sequence number, magic) and fences.
    pub fn load_record<T: Record>(&self) -> Option<T> {
        self.words.get(..T::WORDS).map(words::load::<T>)
    }

    /// The first word's address, for code that keeps a raw pointer together with a
    /// keep-alive owner of the mapping (a broadcast gate). Dereference it only for
    /// relaxed loads, and only while the mapping lives.
    pub fn as_ptr(&self) -> *const AtomicU64 {
        self.words.as_ptr()
    }
}

impl<'a> RoWord<'a> {
    /// Relaxed load. Order it with an `Acquire` fence where it publishes data.
    #[inline]
    pub fn load(&self) -> u64 {
        // Relaxed: the only load allowed on PROT_READ memory; callers fence.
        self.word.load(Ordering::Relaxed)
    }

    /// The word's address, for a raw gate pointer kept alive with the mapping's owner.
    /// Dereference it only for relaxed loads, and only while the mapping lives.
    pub fn as_ptr(&self) -> *const AtomicU64 {
        self.word
    }
}

impl fmt::Debug for RoWords<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RoWords")
            .field("ptr", &self.words.as_ptr())
            .field("len", &self.words.len())
            .finish()
    }
}

impl fmt::Debug for RoWord<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RoWord").field(&self.load()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_and_bounds() {
        let backing: Vec<AtomicU64> = (0..4).map(AtomicU64::new).collect();
        // SAFETY: `backing` is aligned, 4 words long and outlives the view.
        let ro = unsafe { RoWords::from_raw(backing.as_ptr(), backing.len()) };
        assert_eq!(ro.load(3), Some(3));
        assert_eq!(ro.load(4), None);
        assert_eq!(ro.slice(1..3).unwrap().load(0), Some(1));
        assert!(ro.slice(2..5).is_none());
        assert_eq!(ro.get(2).unwrap().load(), 2);
        assert_eq!(ro.load_record::<[u64; 2]>(), Some([0, 1]));
        assert_eq!(ro.slice(0..1).unwrap().load_record::<[u64; 2]>(), None);
    }
}
