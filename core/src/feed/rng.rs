//! [`SplitMix64`]: the small, seeded, deterministic PRNG behind the synthetic feed.
//!
//! Not cryptographic, and not meant to be: it only has to be fast, well mixed and the
//! same on every machine, so a seed reproduces a run bit for bit.
//!
//! Progress: wait-free; a few integer operations per number, no allocation.
//!
//! ```
//! use seamless_core::feed::SplitMix64;
//! let (mut a, mut b) = (SplitMix64::new(7), SplitMix64::new(7));
//! assert_eq!(a.next_u64(), b.next_u64());
//! assert!(a.below(10) < 10);
//! ```
//!
//! # Implementation
//!
//! 1. `next_u64`: SplitMix64 — add the golden-ratio increment to the state, then mix with
//!    two xor-shift-multiplies (G. Steele, D. Lea, C. Flood, "Fast Splittable Pseudorandom
//!    Number Generators", OOPSLA 2014; constants as in Vigna's `splitmix64.c`).
//! 2. `below(n)`: Lemire's multiply-shift with rejection, so the result is exactly
//!    uniform (D. Lemire, "Fast Random Integer Generation in an Interval", ACM TOMACS
//!    2019).
//!
//! It must never read the clock or any other entropy: the seed is the only input.

/// A SplitMix64 generator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator seeded with `seed` (any value, zero included).
    pub const fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform integer in `0..n`; 0 when `n` is 0.
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let mut m = u128::from(self.next_u64()) * u128::from(n);
        if (m as u64) < n {
            // Reject the low products that would over-represent some results.
            let threshold = n.wrapping_neg() % n;
            while (m as u64) < threshold {
                m = u128::from(self.next_u64()) * u128::from(n);
            }
        }
        (m >> 64) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_reference_splitmix64() {
        // First outputs of Vigna's splitmix64.c seeded with 1234567.
        let mut r = SplitMix64::new(1_234_567);
        assert_eq!(r.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(r.next_u64(), 3_203_168_211_198_807_973);
        assert_eq!(r.next_u64(), 9_817_491_932_198_370_423);
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut r = SplitMix64::new(0);
        let mut seen = [0u32; 7];
        for _ in 0..7_000 {
            let v = r.below(7);
            seen[v as usize] += 1;
        }
        assert!(seen.iter().all(|&c| c > 800), "{seen:?}");
        assert_eq!(r.below(0), 0);
        assert_eq!(r.below(1), 0);
        assert!(r.below(u64::MAX) < u64::MAX);
    }
}
