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
    /// unpinned, housekeeping unpinned (2 cores available)`.
    pub fn describe(&self) -> String {
        let one = |name: &str, core: Option<usize>| match core {
            Some(id) => format!("{name} on core {id}"),
            None => format!("{name} unpinned"),
        };
        format!(
            "{}, {}, {}, housekeeping unpinned ({} core{} available)",
            one("feed", self.feed),
            one("engine", self.engine),
            one("broker", self.broker),
            self.available,
            if self.available == 1 { "" } else { "s" }
        )
    }

    /// Warnings about busy-polling threads competing for a core: two pinned to the same
    /// core, an unpinned one the OS may run beside a pinned one, or more of them than
    /// cores. Empty when `wait` does not busy-poll.
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
        let pinned: Vec<usize> = threads.iter().filter_map(|(_, c)| *c).collect();
        let unpinned: Vec<&str> = threads
            .iter()
            .filter(|(_, c)| c.is_none())
            .map(|(name, _)| *name)
            .collect();
        // With more spinners than cores the warning below already says it all.
        if !pinned.is_empty() && !unpinned.is_empty() && threads.len() <= self.available {
            out.push(format!(
                "{} spin{} (wait = {wait}) unpinned: the OS may run {} on core(s) {pinned:?} \
                 beside a pinned spinning thread; give every spinning thread a core of its \
                 own (--cores feed=A,engine=B,broker=C)",
                unpinned.join(" and "),
                if unpinned.len() == 1 { "s" } else { "" },
                if unpinned.len() == 1 { "it" } else { "them" },
            ));
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

/// Pins the calling thread (the `thread` thread) to `core`; false if the OS refused (or
/// no core was given). A refusal is logged at once, at the thread's start and before its
/// loop, so the operator learns it when it matters rather than in the end-of-run summary
/// (which repeats it).
pub(crate) fn pin_current(core: Option<usize>, thread: &str) -> bool {
    let Some(id) = core else { return false };
    let pinned = core_affinity::set_for_current(core_affinity::CoreId { id });
    if !pinned {
        tracing::warn!(
            "the {thread} thread could not be pinned to core {id}: it runs unpinned, so its \
             latency is the scheduler's"
        );
    }
    pinned
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placement(feed: Option<usize>, engine: Option<usize>, broker: Option<usize>) -> Placement {
        Placement {
            feed,
            engine,
            broker,
            available: 4,
        }
    }

    #[test]
    fn pinning_to_a_core_the_machine_lacks_is_refused_not_fatal() {
        // Core 1000 fits the kernel's CPU set but exists on no machine we run on.
        let on_a_thread =
            std::thread::spawn(|| (pin_current(Some(1000), "feed"), pin_current(None, "feed")));
        assert_eq!(on_a_thread.join().unwrap(), (false, false));
    }

    #[test]
    fn describe_names_every_thread_and_the_cores_available() {
        let p = placement(Some(2), Some(3), None);
        assert_eq!(
            p.describe(),
            "feed on core 2, engine on core 3, broker unpinned, housekeeping unpinned \
             (4 cores available)"
        );
    }

    #[test]
    fn no_warning_when_idle_threads_do_not_busy_poll() {
        let p = Placement {
            available: 1,
            ..placement(Some(0), Some(0), Some(0))
        };
        assert!(p.warnings(WaitStrategy::Backoff).is_empty());
    }

    #[test]
    fn no_warning_for_spinners_on_cores_of_their_own() {
        let p = placement(Some(1), Some(2), Some(3));
        assert!(p.warnings(WaitStrategy::Spin).is_empty());
    }

    #[test]
    fn spinners_pinned_to_one_core_are_named() {
        let w = placement(Some(1), Some(1), Some(2)).warnings(WaitStrategy::Spin);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("feed and engine both spin"), "{w:?}");
        assert!(w[0].contains("core 1"), "{w:?}");
    }

    #[test]
    fn an_unpinned_spinner_beside_pinned_ones_is_named() {
        let w = placement(Some(1), Some(2), None).warnings(WaitStrategy::SpinYield);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].starts_with("broker spins (wait = spin_yield) unpinned"),
            "{w:?}"
        );
        assert!(w[0].contains("[1, 2]"), "{w:?}");
    }

    #[test]
    fn more_spinners_than_cores_is_one_warning() {
        let p = Placement {
            available: 2,
            ..placement(Some(0), Some(1), None)
        };
        let w = p.warnings(WaitStrategy::Spin);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("only 2 core(s) are available"), "{w:?}");
    }
}
