//! The cross-process front-end: the same ring in a block of shared memory.
//!
//! One process (or the two, by agreement) sizes a mapping with [`bytes_for`] and
//! formats it with [`init`]; then one process attaches the [`producer`] and one the
//! [`consumer`]. The handles are the ordinary [`Producer`] and [`Consumer`], running the
//! same code as an in-process [`channel`](super::channel). Values are [`Record`]s:
//! plain data with no pointers and no `Drop`, so what one process wrote means the same
//! in the other and nothing needs freeing when the ring is dropped.
//!
//! Every number read from the block (magic, layout version, capacity, value and slot
//! sizes) is checked, and so are the mapping's length and alignment, before the block
//! is trusted: a mismatch is an [`AttachError`], never undefined behaviour.
//!
//! A peer that dies without dropping its handle (SIGKILL) is not noticed here: the
//! other side's blocking calls keep waiting. Tell a live peer from a dead one another
//! way (the region's `flock`, a heartbeat).
//!
//! # Example
//!
//! ```
//! use memmap2::MmapRaw;
//! use seamless_ipc::spsc::shm;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let len = shm::bytes_for::<u64>(1024).expect("power of two");
//! let file = tempfile::tempfile()?; // in real use: a file under /dev/shm
//! file.set_len(len as u64)?;
//! let map = std::sync::Arc::new(MmapRaw::map_raw(&file)?);
//! // SAFETY: the file is ours, sized above and never truncated; each handle keeps the
//! // mapping alive through its `Arc`; this is the one producer and the one consumer.
//! let (mut tx, mut rx) = unsafe {
//!     shm::init::<u64>(map.as_mut_ptr(), map.len(), 1024)?;
//!     (
//!         shm::producer::<u64>(map.as_mut_ptr(), map.len(), map.clone())?,
//!         shm::consumer::<u64>(map.as_mut_ptr(), map.len(), map.clone())?,
//!     )
//! };
//! tx.try_push(42)?;
//! assert_eq!(rx.try_pop(), Some(42));
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::mem::size_of;
use std::ptr::NonNull;

use super::layout::{
    self, CONSUMER_ATTACHED, Header, MAGIC, PRODUCER_ATTACHED, VERSION, group_bytes, groups_for,
};
use super::ring::{Backing, RingRaw};
use super::{Consumer, Producer};
use crate::sync::Ordering;
use crate::words::Record;

/// Alignment the block's start must have (page-aligned mappings have it).
pub const ALIGN: usize = align_of::<Header>();

/// Bytes a ring of `capacity` values of `T` occupies, or `None` if `capacity` is not a
/// power of two or the size would exceed `isize::MAX`.
///
/// # Examples
///
/// ```
/// use seamless_ipc::spsc::shm::bytes_for;
/// assert!(bytes_for::<u64>(1024).unwrap() >= 1024 * 8);
/// assert_eq!(bytes_for::<u64>(1000), None);
/// ```
pub const fn bytes_for<T: Record>(capacity: usize) -> Option<usize> {
    // Fails the build for a `T` whose size is not a multiple of 8 or alignment over 8.
    let _ = T::WORDS;
    if !capacity.is_power_of_two() {
        return None;
    }
    // Group 0 follows the header directly: a group's alignment (64 at most for a
    // `Record`) divides the header's size (a multiple of its 128-byte alignment).
    // `layout::block_layout` agrees; the unit tests check it.
    let Some(groups) = groups_for::<T>(capacity) else {
        return None;
    };
    let Some(slots) = groups.checked_mul(group_bytes::<T>()) else {
        return None;
    };
    match slots.checked_add(size_of::<Header>()) {
        Some(total) if total <= isize::MAX as usize => Some(total),
        _ => None,
    }
}

/// Formats `ptr..ptr + len` as an empty ring of `capacity` values of `T`, with no
/// producer or consumer attached yet.
///
/// # Errors
///
/// [`InitError`] if `ptr` is null or not aligned to [`ALIGN`], `capacity` is not a power
/// of two (no rounding here: the mapping was sized for it with [`bytes_for`]), or `len`
/// is less than `bytes_for::<T>(capacity)`.
///
/// # Safety
///
/// - `ptr..ptr + len` is mapped readable and writable, and stays so until `init`
///   returns (if it is a file mapping, the file is at least `len` bytes long: touching a
///   page past the end of a truncated file raises SIGBUS);
/// - nobody else reads or writes that memory until `init` returns: no other process
///   has a handle to a ring there, and none attaches during init.
pub unsafe fn init<T: Record>(ptr: *mut u8, len: usize, capacity: usize) -> Result<(), InitError> {
    let base = NonNull::new(ptr).ok_or(InitError::Null)?;
    if !ptr.addr().is_multiple_of(ALIGN) {
        return Err(InitError::Misaligned { addr: ptr.addr() });
    }
    let needed = bytes_for::<T>(capacity).ok_or(InitError::Capacity(capacity))?;
    if len < needed {
        return Err(InitError::TooSmall { len, needed });
    }
    // SAFETY: the memory is ours alone for now (contract), aligned to ALIGN = the
    // header's alignment, and at least `bytes_for(capacity)` bytes, which is the size
    // of `block_layout(capacity)` with slots at `size_of::<Header>()`.
    unsafe { layout::init::<T>(base, capacity, size_of::<Header>(), 0) };
    Ok(())
}

/// Attaches the producer of the ring at `ptr`, which [`init`] formatted for `T`.
/// `owner` is kept until the handle drops: pass the mapping (or an `Arc` of it) to tie
/// the mapping's life to the handle's, or `()` if you keep it alive yourself.
///
/// # Errors
///
/// [`AttachError`] if the memory is misaligned or too short, was not formatted by
/// `init`, was formatted by another layout version or for another value size, or
/// already had a producer.
///
/// # Safety
///
/// - `ptr..ptr + len` is mapped readable and writable and stays so, with its file at
///   least `len` bytes long, until the handle is dropped (a truncated file raises SIGBUS
///   on access, which no check here can prevent);
/// - the memory may be shared with another process, but everyone who touches it does
///   so only through this module's handles, of this layout version: exactly one
///   producer and one consumer over the ring's life, each in one thread at a time.
///   The checks here catch accidents (wrong file, wrong type), not a hostile peer.
pub unsafe fn producer<T: Record>(
    ptr: *mut u8,
    len: usize,
    owner: impl Send + 'static,
) -> Result<Producer<T>, AttachError> {
    // SAFETY: forwarded contract.
    let ring = unsafe { attach::<T>(ptr, len, PRODUCER_ATTACHED) }?;
    Ok(Producer::new(
        ring,
        Backing::Mapped {
            _owner: Box::new(owner),
        },
    ))
}

/// Attaches the consumer of the ring at `ptr`, which [`init`] formatted for `T`.
/// `owner` is kept until the handle drops, as for [`producer`].
///
/// # Errors
///
/// As for [`producer`], with "already had a consumer".
///
/// # Safety
///
/// As for [`producer`].
pub unsafe fn consumer<T: Record>(
    ptr: *mut u8,
    len: usize,
    owner: impl Send + 'static,
) -> Result<Consumer<T>, AttachError> {
    // SAFETY: forwarded contract.
    let ring = unsafe { attach::<T>(ptr, len, CONSUMER_ATTACHED) }?;
    Ok(Consumer::new(
        ring,
        Backing::Mapped {
            _owner: Box::new(owner),
        },
    ))
}

/// Validates the block at `ptr` and claims its `claim` half.
///
/// # Safety
///
/// As for [`producer`].
unsafe fn attach<T: Record>(
    ptr: *mut u8,
    len: usize,
    claim: u32,
) -> Result<RingRaw<T>, AttachError> {
    let base = NonNull::new(ptr).ok_or(AttachError::Null)?;
    if !ptr.addr().is_multiple_of(ALIGN) {
        return Err(AttachError::Misaligned { addr: ptr.addr() });
    }
    let header_len = size_of::<Header>();
    if len < header_len {
        return Err(AttachError::TooSmall {
            len,
            needed: header_len,
        });
    }
    // SAFETY: aligned and at least a header long (checked above), mapped (contract);
    // every header field is an atomic, valid for any bytes.
    let header = unsafe { base.cast::<Header>().as_ref() };
    let meta = &header.meta;
    // SYNC POINT init (Acquire): pairs with the Release store of the magic in `init`;
    // the meta fields and empty slots written before it are visible after it.
    let magic = meta.magic.load(Ordering::Acquire);
    if magic != MAGIC {
        return Err(AttachError::NotInitialised { magic });
    }
    // Relaxed (all meta loads): ordered after the magic by its Acquire load above.
    let version = meta.version.load(Ordering::Relaxed);
    if version != VERSION {
        return Err(AttachError::Version {
            found: version,
            expected: VERSION,
        });
    }
    expect(
        "value size",
        meta.value_bytes.load(Ordering::Relaxed),
        size_of::<T>(),
    )?;
    expect(
        "group size",
        meta.slot_bytes.load(Ordering::Relaxed),
        group_bytes::<T>(),
    )?;
    expect(
        "slot offset",
        meta.slots_offset.load(Ordering::Relaxed),
        header_len,
    )?;
    let capacity = meta.capacity.load(Ordering::Relaxed);
    let needed = usize::try_from(capacity)
        .ok()
        .and_then(bytes_for::<T>)
        .ok_or(AttachError::Capacity(capacity))?;
    if len < needed {
        return Err(AttachError::TooSmall { len, needed });
    }
    // Relaxed: the bit is a claim that refuses a second producer (or consumer); it
    // publishes nothing, and the indices read next carry their own orderings.
    let before = header.state.fetch_or(claim, Ordering::Relaxed);
    if before & claim != 0 {
        return Err(AttachError::Taken(if claim == PRODUCER_ATTACHED {
            "producer"
        } else {
            "consumer"
        }));
    }
    // SAFETY: the block is initialised for `T` with `capacity` (a power of two, checked
    // by `bytes_for`) slots at `header_len`, all inside `len` (checked), and stays
    // mapped while the handle lives (contract).
    Ok(unsafe { RingRaw::new(base, capacity as usize, header_len) })
}

/// Checks one layout number read from the block against this build's.
fn expect(what: &'static str, found: u64, expected: usize) -> Result<(), AttachError> {
    if found == expected as u64 {
        Ok(())
    } else {
        Err(AttachError::Layout {
            what,
            found,
            expected: expected as u64,
        })
    }
}

/// Why [`init`] refused a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitError {
    /// The pointer was null.
    Null,
    /// The block does not start on an [`ALIGN`] boundary.
    Misaligned {
        /// The block's address.
        addr: usize,
    },
    /// The capacity is zero, not a power of two, or too large.
    Capacity(usize),
    /// The block is shorter than [`bytes_for`] the capacity.
    TooSmall {
        /// The block's length.
        len: usize,
        /// The length the ring needs.
        needed: usize,
    },
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitError::Null => f.write_str("ring memory pointer is null"),
            InitError::Misaligned { addr } => {
                write!(
                    f,
                    "ring memory at {addr:#x} is not aligned to {ALIGN} bytes"
                )
            }
            InitError::Capacity(n) => {
                write!(
                    f,
                    "ring capacity {n} is not a power of two that fits in memory"
                )
            }
            InitError::TooSmall { len, needed } => {
                write!(f, "ring needs {needed} bytes but the memory has {len}")
            }
        }
    }
}

impl std::error::Error for InitError {}

/// Why [`producer`] or [`consumer`] refused a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachError {
    /// The pointer was null.
    Null,
    /// The block does not start on an [`ALIGN`] boundary.
    Misaligned {
        /// The block's address.
        addr: usize,
    },
    /// The block is shorter than its header says the ring needs.
    TooSmall {
        /// The block's length.
        len: usize,
        /// The length the ring needs.
        needed: usize,
    },
    /// The block does not start with the ring's magic: not formatted by [`init`].
    NotInitialised {
        /// The word found where the magic belongs.
        magic: u64,
    },
    /// The block was formatted by another layout version.
    Version {
        /// The block's version.
        found: u64,
        /// This build's version.
        expected: u64,
    },
    /// The block was formatted for another value type (or by another build).
    Layout {
        /// Which number differs: "value size", "slot size" or "slot offset".
        what: &'static str,
        /// The block's number.
        found: u64,
        /// This build's number.
        expected: u64,
    },
    /// The header's capacity is zero, not a power of two, or too large.
    Capacity(u64),
    /// The ring already had this half ("producer" or "consumer"); a ring takes one of
    /// each in its life: re-`init` it to start over.
    Taken(&'static str),
}

impl fmt::Display for AttachError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttachError::Null => f.write_str("ring memory pointer is null"),
            AttachError::Misaligned { addr } => {
                write!(
                    f,
                    "ring memory at {addr:#x} is not aligned to {ALIGN} bytes"
                )
            }
            AttachError::TooSmall { len, needed } => {
                write!(f, "ring needs {needed} bytes but the memory has {len}")
            }
            AttachError::NotInitialised { magic } => {
                write!(f, "no initialised ring here (magic {magic:#018x})")
            }
            AttachError::Version { found, expected } => write!(
                f,
                "ring layout v{found}, this build understands v{expected}"
            ),
            AttachError::Layout {
                what,
                found,
                expected,
            } => write!(f, "ring {what} is {found}, this build expects {expected}"),
            AttachError::Capacity(n) => write!(f, "ring header has a bad capacity {n}"),
            AttachError::Taken(half) => write!(f, "the ring already has a {half}"),
        }
    }
}

impl std::error::Error for AttachError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_for_matches_the_block_layout() {
        for cap in [1, 2, 64, 1 << 20] {
            let (layout, offset) = layout::block_layout::<[u64; 3]>(cap).unwrap();
            assert_eq!(offset, size_of::<Header>());
            assert_eq!(bytes_for::<[u64; 3]>(cap), Some(layout.size()));
        }
        assert_eq!(bytes_for::<u64>(0), None);
        assert_eq!(bytes_for::<u64>(3), None);
        assert_eq!(bytes_for::<u64>(1 << 62), None);
    }
}
