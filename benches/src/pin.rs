//! Thread pinning for benches.
//!
//! `core_affinity::get_core_ids()` lists only the cores the *calling* thread may run on,
//! so the list is taken once, before anything is pinned, and kept for the process
//! ([`Cores::detect`] caches the first answer). A child process inherits its parent's
//! affinity — a parent pinned to core 0 would make the child see only core 0 and pin
//! both sides of a ping-pong to one core — so the parent passes its list down in
//! [`CORES_VAR`] and a child takes it from there.
//!
//! On this 2-core VM the two sides of a ping-pong take both cores; everything else on
//! the machine (the OS, a compile) shares them, which is why results are compared only
//! within one interleaved run.

use std::sync::OnceLock;

use core_affinity::CoreId;

/// Environment variable carrying the parent's core list (`0,1`) to bench children.
pub const CORES_VAR: &str = "SEAMLESS_BENCH_CORES";

static DETECTED: OnceLock<Vec<usize>> = OnceLock::new();

/// The cores available to this process when the bench started.
#[derive(Debug, Clone)]
pub struct Cores {
    ids: Vec<CoreId>,
}

impl Cores {
    /// The usable cores: from [`CORES_VAR`] when a parent set it, else the first answer
    /// of `get_core_ids()` in this process (call once before pinning any thread).
    pub fn detect() -> Cores {
        let ids = DETECTED.get_or_init(|| {
            let inherited = std::env::var(CORES_VAR).ok().and_then(|v| {
                v.split(',')
                    .map(|s| s.trim().parse::<usize>().ok())
                    .collect::<Option<Vec<_>>>()
            });
            inherited.unwrap_or_else(|| {
                core_affinity::get_core_ids()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|c| c.id)
                    .collect()
            })
        });
        Cores {
            ids: ids.iter().map(|&id| CoreId { id }).collect(),
        }
    }

    /// The list in [`CORES_VAR`] form, for a child's environment.
    pub fn to_env(&self) -> String {
        let ids: Vec<String> = self.ids.iter().map(|c| c.id.to_string()).collect();
        ids.join(",")
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
