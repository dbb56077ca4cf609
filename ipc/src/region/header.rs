//! The region header: its byte layout (a format contract, documented in the module docs
//! of [`region`](super)), and the status word.

use std::fmt;
use std::mem::{offset_of, size_of};

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::sync::AtomicU64;
use crate::words::Record;

/// `b"SEAMLSRG"`: the first word of a fully initialised region; 0 until then.
pub const MAGIC: u64 = u64::from_le_bytes(*b"SEAMLSRG");
/// Version of the header format itself (not of the caller's sections).
pub const HEADER_FORMAT: u32 = 1;
/// Bytes reserved for the header; the first section starts at or after this.
pub const HEADER_SIZE: usize = 4096;
/// Most sections a region can have.
pub const MAX_SECTIONS: usize = 16;
/// Longest section name, in bytes.
pub const SECTION_NAME_LEN: usize = 16;
/// Every section starts at a multiple of this (two cache lines: no false sharing with
/// the neighbour, and the prefetcher's pair on x86-64, as crossbeam's `CachePadded`).
pub const SECTION_ALIGN: usize = 128;
/// Largest alignment a section may ask for: the mapping itself is only page-aligned.
pub const MAX_SECTION_ALIGN: usize = 4096;

/// One row of the section table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub(crate) struct SectionEntry {
    pub(crate) id: u32,
    pub(crate) align: u32,
    pub(crate) offset: u64,
    pub(crate) len: u64,
    /// ASCII `[A-Za-z0-9_-]`, NUL-padded.
    pub(crate) name: [u8; SECTION_NAME_LEN],
}

/// The part of the header written once before the magic and never changed after:
/// copied in and out as a whole with [`crate::words`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub(crate) struct HeaderFixed {
    pub(crate) format: u32,
    pub(crate) layout_version: u32,
    pub(crate) layout_hash: u64,
    pub(crate) total_size: u64,
    pub(crate) header_size: u64,
    pub(crate) section_count: u32,
    pub(crate) creator_pid: u32,
    pub(crate) start_time_unix_ns: u64,
    pub(crate) instance_id: u64,
    pub(crate) sections: [SectionEntry; MAX_SECTIONS],
}

/// Words in [`HeaderFixed`].
pub(crate) const FIXED_WORDS: usize = <HeaderFixed as Record>::WORDS;

/// The header as the words it is accessed through. Cast from the start of the mapping
/// (page-aligned) by [`header_words`].
#[repr(C)]
pub(crate) struct HeaderWords {
    /// [`MAGIC`] once initialised. SYNC POINT region-init: stored `Release` last by the
    /// owner; readers load it relaxed, then fence `Acquire`, then read the rest.
    pub(crate) magic: AtomicU64,
    /// A [`Status`] code. SYNC POINT region-status (Release store / Acquire fence).
    pub(crate) status: AtomicU64,
    /// The owner's last sign of life, [`crate::shm::monotonic_ns`]; relaxed both ways.
    pub(crate) heartbeat_ns: AtomicU64,
    pub(crate) _reserved: [AtomicU64; 5],
    /// A [`HeaderFixed`], word by word.
    pub(crate) fixed: [AtomicU64; FIXED_WORDS],
}

/// Byte offset of [`HeaderFixed`] in the file.
pub(crate) const FIXED_OFFSET: usize = offset_of!(HeaderWords, fixed);
/// Byte offset of the creator's pid in the file (for "already running, pid P").
pub(crate) const PID_OFFSET: usize = FIXED_OFFSET + offset_of!(HeaderFixed, creator_pid);

// The documented layout (module docs of `region`); a change here is a format change.
const _: () = {
    assert!(size_of::<SectionEntry>() == 40);
    assert!(FIXED_OFFSET == 64);
    assert!(offset_of!(HeaderWords, status) == 8);
    assert!(offset_of!(HeaderWords, heartbeat_ns) == 16);
    assert!(offset_of!(HeaderFixed, layout_version) == 4);
    assert!(offset_of!(HeaderFixed, layout_hash) == 8);
    assert!(offset_of!(HeaderFixed, total_size) == 16);
    assert!(offset_of!(HeaderFixed, header_size) == 24);
    assert!(offset_of!(HeaderFixed, section_count) == 32);
    assert!(offset_of!(HeaderFixed, creator_pid) == 36);
    assert!(offset_of!(HeaderFixed, start_time_unix_ns) == 40);
    assert!(offset_of!(HeaderFixed, instance_id) == 48);
    assert!(offset_of!(HeaderFixed, sections) == 56);
    assert!(size_of::<HeaderWords>() <= HEADER_SIZE);
    assert!(HEADER_SIZE.is_multiple_of(MAX_SECTION_ALIGN));
};

/// Views the start of a mapping as the header.
///
/// # Safety
///
/// `base` is 8-aligned and readable (and, for the owner, writable) for
/// [`HEADER_SIZE`] bytes for `'a`, and is only ever accessed atomically. On a
/// `PROT_READ` mapping the caller uses nothing but relaxed loads on the result.
pub(crate) unsafe fn header_words<'a>(base: *const u8, len: usize) -> &'a HeaderWords {
    assert!(len >= HEADER_SIZE && base.cast::<AtomicU64>().is_aligned());
    // SAFETY: size and alignment asserted above; `HeaderWords` is only atomics, valid
    // for any bit pattern; lifetime and access discipline are the caller's contract.
    unsafe { &*base.cast::<HeaderWords>() }
}

/// What the owner says it is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Created; the owner is setting up its sections.
    Starting,
    /// Running normally.
    Running,
    /// Closed by its owner (a clean stop; a crash leaves `Starting` or `Running` with a
    /// dead owner).
    Stopped,
    /// A code this reader does not know.
    Unknown(u64),
}

impl Status {
    /// The word stored in the header.
    pub fn to_word(self) -> u64 {
        match self {
            Status::Starting => 1,
            Status::Running => 2,
            Status::Stopped => 3,
            Status::Unknown(w) => w,
        }
    }

    /// Decodes a header word.
    pub fn from_word(w: u64) -> Self {
        match w {
            1 => Status::Starting,
            2 => Status::Running,
            3 => Status::Stopped,
            w => Status::Unknown(w),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Starting => f.write_str("starting"),
            Status::Running => f.write_str("running"),
            Status::Stopped => f.write_str("stopped"),
            Status::Unknown(w) => write!(f, "unknown({w})"),
        }
    }
}

/// The section name stored in `raw`, if it is a valid one (ASCII `[A-Za-z0-9_-]`,
/// 1.. bytes, then only NULs).
pub(crate) fn decode_name(raw: &[u8; SECTION_NAME_LEN]) -> Option<&str> {
    let len = raw.iter().position(|&b| b == 0).unwrap_or(SECTION_NAME_LEN);
    let (name, rest) = raw.split_at(len);
    let ok = !name.is_empty()
        && name
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
        && rest.iter().all(|&b| b == 0);
    ok.then(|| std::str::from_utf8(name).ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_words_round_trip() {
        for s in [
            Status::Starting,
            Status::Running,
            Status::Stopped,
            Status::Unknown(9),
        ] {
            assert_eq!(Status::from_word(s.to_word()), s);
        }
        assert_eq!(Status::from_word(0), Status::Unknown(0));
    }

    #[test]
    fn section_names_decode_only_when_clean() {
        let mut raw = [0u8; SECTION_NAME_LEN];
        raw[..5].copy_from_slice(b"state");
        assert_eq!(decode_name(&raw), Some("state"));
        raw[7] = b'x'; // garbage after the NUL
        assert_eq!(decode_name(&raw), None);
        assert_eq!(decode_name(&[0; SECTION_NAME_LEN]), None);
        assert_eq!(
            decode_name(&[b'a'; SECTION_NAME_LEN]),
            Some("aaaaaaaaaaaaaaaa")
        );
        let mut bad = [0u8; SECTION_NAME_LEN];
        bad[0] = b'/';
        assert_eq!(decode_name(&bad), None);
    }
}
