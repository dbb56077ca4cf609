//! The slot's byte layout (a format contract, documented in the module docs of
//! [`reader_slot`](super)) and the role-name encoding.

use std::mem::{offset_of, size_of};

use crate::shm::MAX_NAME_LEN;
use crate::sync::{AtomicU64, Ordering};

/// `b"SEAMLSRD"`: the first word of a fully initialised slot; 0 until then.
pub const SLOT_MAGIC: u64 = u64::from_le_bytes(*b"SEAMLSRD");
/// Version of the slot format.
pub const SLOT_VERSION: u32 = 1;
/// Size of a slot file: one page.
pub const SLOT_SIZE: usize = 4096;
/// Spare counters a reader may use freely (e.g. events seen, bytes written).
pub const SPARE_COUNTERS: usize = 8;

const ROLE_WORDS: usize = MAX_NAME_LEN / 8;

/// The slot as the words it is accessed through; cast from the start of the mapping.
/// Every field is a whole word so that each is read and written atomically on its own.
#[repr(C)]
pub(crate) struct SlotWords {
    /// [`SLOT_MAGIC`] once initialised. SYNC POINT slot-init: stored `Release` last by
    /// the owner; readers load it relaxed, then fence `Acquire`.
    pub(crate) magic: AtomicU64,
    /// [`SLOT_VERSION`].
    pub(crate) version: AtomicU64,
    /// The caller's reader kind (a `u32`).
    pub(crate) kind: AtomicU64,
    /// The owning reader's pid (a `u32`).
    pub(crate) pid: AtomicU64,
    /// The owning reader's start time, Unix nanoseconds.
    pub(crate) start_time_unix_ns: AtomicU64,
    /// Last sign of life, [`crate::shm::monotonic_ns`]; relaxed both ways.
    pub(crate) heartbeat_ns: AtomicU64,
    /// 1 if the reader gates the producer. SYNC POINT slot-gating.
    pub(crate) gating: AtomicU64,
    /// Instance id of the region the cursors refer to. SYNC POINT slot-following.
    pub(crate) following: AtomicU64,
    /// The role, ASCII, NUL-padded.
    pub(crate) role: [AtomicU64; ROLE_WORDS],
    /// Next sequence the reader still needs. SYNC POINT slot-cursor.
    pub(crate) cursor: AtomicU64,
    /// Next sequence not yet durable (persister). SYNC POINT slot-durable.
    pub(crate) durable_cursor: AtomicU64,
    /// Free for the reader's own counters; relaxed.
    pub(crate) spare: [AtomicU64; SPARE_COUNTERS],
}

/// Byte offset of the pid's low 32 bits (what `CreateError::Locked` reports).
pub(crate) const PID_OFFSET: usize =
    offset_of!(SlotWords, pid) + if cfg!(target_endian = "big") { 4 } else { 0 };

// The documented layout; a change here is a format change (bump SLOT_VERSION).
const _: () = {
    assert!(offset_of!(SlotWords, pid) == 24);
    assert!(offset_of!(SlotWords, role) == 64);
    assert!(offset_of!(SlotWords, cursor) == 128);
    assert!(offset_of!(SlotWords, durable_cursor) == 136);
    assert!(offset_of!(SlotWords, spare) == 144);
    assert!(size_of::<SlotWords>() <= SLOT_SIZE);
    assert!(MAX_NAME_LEN.is_multiple_of(8));
};

/// Views the start of a mapping as a slot.
///
/// # Safety
///
/// `base` is 8-aligned and readable (and, for the owner, writable) for [`SLOT_SIZE`]
/// bytes for `'a`, and is only ever accessed atomically. On a `PROT_READ` mapping the
/// caller uses nothing but relaxed loads on the result.
pub(crate) unsafe fn slot_words<'a>(base: *const u8, len: usize) -> &'a SlotWords {
    assert!(len >= SLOT_SIZE && base.cast::<AtomicU64>().is_aligned());
    // SAFETY: size and alignment asserted above; `SlotWords` is only atomics, valid
    // for any bit pattern; lifetime and access discipline are the caller's contract.
    unsafe { &*base.cast::<SlotWords>() }
}

/// Stores `role` NUL-padded into `words` (relaxed; published by the magic's Release).
pub(crate) fn store_role(words: &[AtomicU64; ROLE_WORDS], role: &str) {
    let mut bytes = [0u8; MAX_NAME_LEN];
    let n = role.len().min(MAX_NAME_LEN);
    bytes[..n].copy_from_slice(&role.as_bytes()[..n]);
    for (w, chunk) in words.iter().zip(bytes.chunks_exact(8)) {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        w.store(u64::from_ne_bytes(b), Ordering::Relaxed);
    }
}

/// Loads the role bytes (relaxed) and returns them up to the first NUL, lossily decoded.
pub(crate) fn load_role(words: &[AtomicU64; ROLE_WORDS]) -> String {
    let mut bytes = [0u8; MAX_NAME_LEN];
    for (w, chunk) in words.iter().zip(bytes.chunks_exact_mut(8)) {
        // Relaxed: written once before the magic; the caller fenced after the magic.
        chunk.copy_from_slice(&w.load(Ordering::Relaxed).to_ne_bytes());
    }
    let len = bytes.iter().position(|&b| b == 0).unwrap_or(MAX_NAME_LEN);
    String::from_utf8_lossy(&bytes[..len]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_up_to_the_longest() {
        let words: [AtomicU64; ROLE_WORDS] = Default::default();
        for role in ["persist", "monitor-123", &"r".repeat(MAX_NAME_LEN)] {
            store_role(&words, role);
            assert_eq!(load_role(&words), role);
        }
    }
}
