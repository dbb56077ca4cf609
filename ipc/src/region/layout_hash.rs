//! A stable hash of record layouts, so a reader built against other record types is
//! refused at attach time instead of misreading memory.
//!
//! FNV-1a, 64-bit (Fowler/Noll/Vo; parameters from the IETF draft
//! draft-eastlake-fnv): tiny, `const fn`-friendly, and stable across Rust versions and
//! platforms, unlike `std::hash` whose algorithm may change. It is not a cryptographic
//! hash; it only has to tell layouts apart.
//!
//! # Example
//!
//! ```
//! use std::mem::{align_of, offset_of, size_of};
//! use seamless_ipc::region::LayoutHasher;
//!
//! #[repr(C)]
//! struct Quote { bid: i64, ask: i64 }
//!
//! const LAYOUT_HASH: u64 = LayoutHasher::new()
//!     .record("Quote", size_of::<Quote>(), align_of::<Quote>())
//!     .field("bid", offset_of!(Quote, bid), size_of::<i64>())
//!     .field("ask", offset_of!(Quote, ask), size_of::<i64>())
//!     .finish();
//! assert_ne!(LAYOUT_HASH, LayoutHasher::new().finish());
//! ```

const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// Builds a layout hash from record names, sizes, alignments and field offsets.
/// Every method is a `const fn`, so the hash can be a `const`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayoutHasher {
    state: u64,
}

impl LayoutHasher {
    /// The empty hash.
    pub const fn new() -> Self {
        LayoutHasher {
            state: OFFSET_BASIS,
        }
    }

    /// Mixes in raw bytes.
    pub const fn bytes(mut self, bytes: &[u8]) -> Self {
        let mut i = 0;
        while i < bytes.len() {
            self.state ^= bytes[i] as u64;
            self.state = self.state.wrapping_mul(PRIME);
            i += 1;
        }
        self
    }

    /// Mixes in a number (little-endian, so the hash is the same on every platform).
    pub const fn u64(self, value: u64) -> Self {
        self.bytes(&value.to_le_bytes())
    }

    /// Mixes in a string, length first (so `("ab","c")` and `("a","bc")` differ).
    pub const fn str(self, s: &str) -> Self {
        self.u64(s.len() as u64).bytes(s.as_bytes())
    }

    /// Mixes in a record: its name, size and alignment.
    pub const fn record(self, name: &str, size: usize, align: usize) -> Self {
        self.bytes(b"R")
            .str(name)
            .u64(size as u64)
            .u64(align as u64)
    }

    /// Mixes in a field of the record last given: its name, offset and size.
    pub const fn field(self, name: &str, offset: usize, size: usize) -> Self {
        self.bytes(b"F")
            .str(name)
            .u64(offset as u64)
            .u64(size as u64)
    }

    /// The hash.
    pub const fn finish(self) -> u64 {
        self.state
    }
}

impl Default for LayoutHasher {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_published_fnv1a_vectors() {
        // FNV-1a 64 test vectors (draft-eastlake-fnv, section 8 / the reference code).
        assert_eq!(LayoutHasher::new().finish(), 0xcbf29ce484222325);
        assert_eq!(LayoutHasher::new().bytes(b"a").finish(), 0xaf63dc4c8601ec8c);
        assert_eq!(
            LayoutHasher::new().bytes(b"foobar").finish(),
            0x85944171f73967e8
        );
    }

    #[test]
    fn any_change_in_layout_changes_the_hash() {
        let base = LayoutHasher::new()
            .record("P", 16, 8)
            .field("q", 0, 8)
            .field("p", 8, 8);
        let variants = [
            LayoutHasher::new()
                .record("P", 24, 8)
                .field("q", 0, 8)
                .field("p", 8, 8),
            LayoutHasher::new()
                .record("P", 16, 4)
                .field("q", 0, 8)
                .field("p", 8, 8),
            LayoutHasher::new()
                .record("P", 16, 8)
                .field("q", 8, 8)
                .field("p", 0, 8),
            LayoutHasher::new()
                .record("Q", 16, 8)
                .field("q", 0, 8)
                .field("p", 8, 8),
            LayoutHasher::new().record("P", 16, 8).field("q", 0, 8),
        ];
        for v in variants {
            assert_ne!(v.finish(), base.finish());
        }
        assert_ne!(
            LayoutHasher::new().str("ab").str("c").finish(),
            LayoutHasher::new().str("a").str("bc").finish()
        );
    }
}
