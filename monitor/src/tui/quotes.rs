//! [`QuoteAges`]: how long ago each instrument's quote changed, as the monitor saw it.
//!
//! A market row's own time is the *source* time of the tick, which for a replayed CSV
//! is history; the age that matters on screen is how long the quote has not moved.
//! So the tracker notes when a row's tick counter changes, on the monitor's clock; a
//! quote seen for the first time is dated by its source time when that is plausible
//! (not in the future, less than an hour old), otherwise by now.
//!
//! Progress: plain data; O(instruments) per observation.

use std::time::{Duration, Instant};

use seamless_core::shared::MarketRow;

/// Longest source-time age believed for a quote seen for the first time.
const PLAUSIBLE: Duration = Duration::from_secs(3_600);

/// Per instrument: the tick count last seen and when it changed.
#[derive(Debug, Clone, Default)]
pub struct QuoteAges {
    seen: Vec<Option<(u64, Instant)>>,
}

impl QuoteAges {
    /// Notes the rows at `now` (`now_unix_ns` is the same moment on the wall clock)
    /// and returns each quote's age (`None` for an instrument without a quote).
    pub fn observe(
        &mut self,
        market: &[MarketRow],
        now: Instant,
        now_unix_ns: u64,
    ) -> Vec<Option<Duration>> {
        self.seen.resize(market.len(), None);
        market
            .iter()
            .zip(self.seen.iter_mut())
            .map(|(row, seen)| {
                if row.ticks == 0 {
                    *seen = None;
                    return None;
                }
                match *seen {
                    Some((ticks, at)) if ticks == row.ticks => {
                        Some(now.saturating_duration_since(at))
                    }
                    Some(_) => {
                        *seen = Some((row.ticks, now));
                        Some(Duration::ZERO)
                    }
                    None => {
                        let age = source_age(row.updated_ns, now_unix_ns);
                        let at = now.checked_sub(age).unwrap_or(now);
                        *seen = Some((row.ticks, at));
                        Some(age)
                    }
                }
            })
            .collect()
    }

    /// Forgets everything (a new run).
    pub fn clear(&mut self) {
        self.seen.clear();
    }
}

/// The age of a source time, if plausible; zero otherwise.
fn source_age(updated_ns: u64, now_unix_ns: u64) -> Duration {
    match now_unix_ns.checked_sub(updated_ns) {
        Some(ns) if Duration::from_nanos(ns) < PLAUSIBLE => Duration::from_nanos(ns),
        _ => Duration::ZERO,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(ticks: u64, updated_ns: u64) -> MarketRow {
        MarketRow {
            ticks,
            updated_ns,
            ..MarketRow::default()
        }
    }

    #[test]
    fn ages_follow_changes_on_the_monitor_clock() {
        let mut q = QuoteAges::default();
        let t0 = Instant::now();
        let wall = 10_000_000_000_000;
        let first = q.observe(&[row(0, 0), row(5, wall - 2_000_000_000)], t0, wall);
        assert_eq!(first, vec![None, Some(Duration::from_secs(2))]);
        let later = t0 + Duration::from_secs(1);
        let again = q.observe(&[row(0, 0), row(5, 0)], later, wall);
        assert_eq!(again[1], Some(Duration::from_secs(3)));
        let moved = q.observe(&[row(1, 0), row(6, 0)], later, wall);
        assert_eq!(moved[1], Some(Duration::ZERO));
    }

    #[test]
    fn implausible_source_times_count_from_now() {
        let mut q = QuoteAges::default();
        let now = Instant::now();
        // A replayed quote from years ago, and one from the future.
        let ages = q.observe(
            &[row(1, 1), row(1, u64::MAX)],
            now,
            10_000_000_000_000_000_000,
        );
        assert_eq!(ages, vec![Some(Duration::ZERO), Some(Duration::ZERO)]);
    }
}
