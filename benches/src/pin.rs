//! Thread pinning for benches.
//!
//! `core_affinity::get_core_ids()` lists only the cores the *calling* thread may run on,
//! so the list is taken once, before anything is pinned, and handed around.
//!
//! On this 2-core VM the two sides of a ping-pong take both cores; everything else on
//! the machine (the OS, a compile) shares them, which is why results are compared only
//! within one interleaved run.

use core_affinity::CoreId;

/// The cores available to this process when the bench started.
#[derive(Debug, Clone)]
pub struct Cores {
    ids: Vec<CoreId>,
}

impl Cores {
    /// Takes the list of usable cores; call before pinning any thread.
    pub fn detect() -> Cores {
        Cores {
            ids: core_affinity::get_core_ids().unwrap_or_default(),
        }
    }

    /// How many cores there are.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when no core could be listed (pinning is then skipped).
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Pins the calling thread to the `n`-th core (modulo the count); returns whether it
    /// took effect.
    pub fn pin(&self, n: usize) -> bool {
        match self.ids.get(n % self.ids.len().max(1)) {
            Some(id) => core_affinity::set_for_current(*id),
            None => false,
        }
    }
}
