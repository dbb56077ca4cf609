//! Thread placement: which CPU core each hot thread is pinned to, checked against the
//! cores this process may use, and the start-up report.
//!
//! `core_affinity::get_core_ids()` lists only the cores the *calling* thread may run
//! on, so the list is taken once, before any thread is pinned (DESIGN.md, "The hot
//! path").

use seamless_config::{Cores, WaitStrategy};

use super::RunError;

/// The cores the hot threads get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Placement {
    /// Core of the feed thread (`None`: unpinned).
    pub feed: Option<usize>,
    /// Core of the engine thread.
    pub engine: Option<usize>,
    /// Core of the broker thread.
    pub broker: Option<usize>,
    /// Cores this process may use, at start-up.
    pub available: usize,
}

impl Placement {
    /// Checks `cores` against the cores this process may use.
    ///
    /// # Errors
    ///
    /// [`RunError::Cores`] naming the key of a core that is not available.
    pub fn plan(cores: &Cores) -> Result<Placement, RunError> {
        let ids: Vec<usize> = core_affinity::get_core_ids()
            .unwrap_or_default()
            .into_iter()
            .map(|c| c.id)
            .collect();
        let check = |key: &'static str, core: Option<usize>| match core {
            Some(id) if !ids.contains(&id) => Err(RunError::Cores {
                key,
                detail: format!("core {id} is not available to this process (available: {ids:?})"),
            }),
            _ => Ok(core),
        };
        Ok(Placement {
            feed: check("core.cores.feed", cores.feed)?,
            engine: check("core.cores.engine", cores.engine)?,
            broker: check("core.cores.broker", cores.broker)?,
            available: ids.len().max(1),
        })
    }

    /// One line for the start-up log, e.g. `feed on core 0, engine on core 1, broker
    /// unpinned, housekeeping unpinned`.
    pub fn describe(&self) -> String {
        let one = |name: &str, core: Option<usize>| match core {
            Some(id) => format!("{name} on core {id}"),
            None => format!("{name} unpinned"),
        };
        format!(
            "{}, {}, {}, housekeeping unpinned",
            one("feed", self.feed),
            one("engine", self.engine),
            one("broker", self.broker)
        )
    }

    /// Warnings about busy-polling threads competing for a core: two pinned to the same
    /// core, or more of them than cores. Empty when `wait` does not busy-poll.
    pub fn warnings(&self, wait: WaitStrategy) -> Vec<String> {
        if !wait.busy_polls() {
            return Vec::new();
        }
        let threads = [
            ("feed", self.feed),
            ("engine", self.engine),
            ("broker", self.broker),
        ];
        let mut out = Vec::new();
        for (i, (name, core)) in threads.iter().enumerate() {
            let Some(core) = core else { continue };
            for (other, c) in &threads[..i] {
                if *c == Some(*core) {
                    out.push(format!(
                        "{other} and {name} both spin (wait = {wait}) on core {core}: they starve each other"
                    ));
                }
            }
        }
        if threads.len() > self.available {
            out.push(format!(
                "{} threads busy-poll (wait = {wait}) but only {} core(s) are available: \
                 they will compete for CPU; use --wait backoff on small machines",
                threads.len(),
                self.available
            ));
        }
        out
    }
}

/// Pins the calling thread to `core`; false if the OS refused (or no core was given).
pub(crate) fn pin_current(core: Option<usize>) -> bool {
    core.is_some_and(|id| core_affinity::set_for_current(core_affinity::CoreId { id }))
}
