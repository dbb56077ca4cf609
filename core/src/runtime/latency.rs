//! Interval latency histograms: made on the housekeeping thread, recorded into by the
//! engine (no allocation: [`Histogram::saturating_record`] into preallocated counts),
//! swapped every interval and summarised into the region's latency row.

use hdrhistogram::Histogram;

use super::commands::BoxedHistogram;
use crate::shared::LatencyRow;

/// Largest latency tracked: 60 s (larger values are clamped).
const HIGHEST_NS: u64 = 60_000_000_000;

/// An empty histogram of 1 ns .. 60 s at 3 significant digits (about 200 KiB).
pub(crate) fn new_histogram() -> BoxedHistogram {
    match Histogram::new_with_bounds(1, HIGHEST_NS, 3) {
        Ok(h) => Box::new(h),
        // The bounds are constants that hdrhistogram accepts (low >= 1, high >= 2 * low,
        // sigfig <= 5); a failure would be a bug in this line, caught by any test.
        Err(e) => unreachable!("constant histogram bounds rejected: {e}"),
    }
}

/// The latency row for one interval's histogram.
pub(crate) fn row(h: &Histogram<u64>, interval_ns: u64, total: u64, now_ns: u64) -> LatencyRow {
    let q = |q: f64| {
        if h.is_empty() {
            0
        } else {
            h.value_at_quantile(q)
        }
    };
    LatencyRow {
        updated_ns: now_ns,
        interval_ns,
        count: h.len(),
        min: if h.is_empty() { 0 } else { h.min() },
        p50: q(0.50),
        p90: q(0.90),
        p99: q(0.99),
        p999: q(0.999),
        max: if h.is_empty() { 0 } else { h.max() },
        mean: if h.is_empty() { 0 } else { h.mean() as u64 },
        total_count: total,
        _reserved: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_filled_rows() {
        let mut h = new_histogram();
        assert_eq!(row(&h, 5, 0, 1).p99, 0);
        for v in 1..=1000u64 {
            h.saturating_record(v * 1000);
        }
        let r = row(&h, 5, 1000, 1);
        assert_eq!(r.count, 1000);
        assert!(r.p50 >= 499_000 && r.p50 <= 501_000, "{r:?}");
        assert!(r.max >= 999_000);
        h.saturating_record(u64::MAX); // clamped, never an error
    }
}
