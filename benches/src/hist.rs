//! Latency histograms: recording, percentile summaries and `.hgrm` files.
//!
//! Values are nanoseconds. A [`Summary`] is what the report tables print; [`write_hgrm`]
//! writes HdrHistogram's classic "percentile distribution" text, which the public
//! HdrHistogram plotter reads, and [`parse_hgrm`] reads it back.
//!
//! Never used on a measured path except [`Hist::record`], which does not allocate.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

use hdrhistogram::Histogram;

/// The highest value a histogram tracks (10 s in ns); larger samples are clamped.
const MAX_NS: u64 = 10_000_000_000;

/// A latency histogram in nanoseconds with 3 significant digits.
#[derive(Debug, Clone)]
pub struct Hist {
    inner: Histogram<u64>,
}

impl Default for Hist {
    fn default() -> Self {
        Self::new()
    }
}

impl Hist {
    /// An empty histogram covering 1 ns ..= 10 s.
    pub fn new() -> Hist {
        Hist {
            inner: Histogram::new_with_bounds(1, MAX_NS, 3).expect("static bounds are valid"),
        }
    }

    /// Records one sample (clamped into range); never allocates.
    #[inline]
    pub fn record(&mut self, ns: u64) {
        self.inner.saturating_record(ns.clamp(1, MAX_NS));
    }

    /// Adds every sample of `other`.
    pub fn merge(&mut self, other: &Hist) {
        // Both have identical bounds, so `add` cannot fail.
        let _ = self.inner.add(&other.inner);
    }

    /// The number of samples.
    pub fn len(&self) -> u64 {
        self.inner.len()
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// The value at quantile `q` (0.0..=1.0).
    pub fn quantile(&self, q: f64) -> u64 {
        self.inner.value_at_quantile(q)
    }

    /// The standard percentile summary.
    pub fn summary(&self) -> Summary {
        Summary {
            count: self.inner.len(),
            p50: self.quantile(0.50),
            p90: self.quantile(0.90),
            p99: self.quantile(0.99),
            p999: self.quantile(0.999),
            p9999: self.quantile(0.9999),
            max: self.inner.max(),
            mean: self.inner.mean(),
            body_mean: self.mean_up_to(self.quantile(0.99)),
        }
    }

    /// The mean of the samples at or below `limit` (0 when there are none).
    ///
    /// Why: on a clock that advances in coarse steps (this VM's TSC moves 26 ticks =
    /// 10 ns at a time) every sample is rounded to a step, so a median of 60-100 ns can
    /// only move in 10-17% jumps. Which step a sample lands on depends on where in a step
    /// it started, so the mean of many samples is not rounded; cutting the top 1% keeps
    /// rare preemptions from dominating it.
    pub fn mean_up_to(&self, limit: u64) -> f64 {
        let (mut sum, mut n) = (0f64, 0u64);
        for v in self.inner.iter_recorded() {
            if v.value_iterated_to() > limit {
                break;
            }
            let count = v.count_at_value();
            sum += self.inner.median_equivalent(v.value_iterated_to()) as f64 * count as f64;
            n += count;
        }
        if n == 0 { 0.0 } else { sum / n as f64 }
    }

    /// The underlying HdrHistogram.
    pub fn raw(&self) -> &Histogram<u64> {
        &self.inner
    }
}

/// Percentiles of one histogram, in ns.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Summary {
    /// Number of samples.
    pub count: u64,
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p999: u64,
    /// 99.99th percentile.
    pub p9999: u64,
    /// Largest sample.
    pub max: u64,
    /// Arithmetic mean.
    pub mean: f64,
    /// The mean of the samples at or below p99 ([`Hist::mean_up_to`]): finer than p50
    /// when the clock steps coarsely.
    pub body_mean: f64,
}

/// The names of [`Summary::figures`], in order (table headers).
pub const FIGURES: [&str; FIGURE_COUNT] = ["p50", "p90", "p99", "p99.9", "p99.99", "max"];

/// How many figures a [`Summary`] reports.
pub const FIGURE_COUNT: usize = 6;

impl Summary {
    /// The reported figures, in table order ([`FIGURES`]).
    pub fn figures(&self) -> [u64; FIGURE_COUNT] {
        [
            self.p50, self.p90, self.p99, self.p999, self.p9999, self.max,
        ]
    }
}

/// Renders the percentile distribution in HdrHistogram's `.hgrm` text format.
pub fn hgrm_text(hist: &Hist) -> String {
    let h = hist.raw();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>12} {:>14} {:>10} {:>14}\n",
        "Value", "Percentile", "TotalCount", "1/(1-Percentile)"
    );
    let mut total = 0u64;
    for v in h.iter_quantiles(5) {
        total += v.count_since_last_iteration();
        let q = v.quantile_iterated_to();
        let inv = if q < 1.0 {
            format!("{:>14.2}", 1.0 / (1.0 - q))
        } else {
            format!("{:>14}", "inf")
        };
        let _ = writeln!(
            out,
            "{:>12.3} {:>14.12} {:>10} {}",
            v.value_iterated_to() as f64,
            q,
            total,
            inv
        );
    }
    let _ = writeln!(
        out,
        "#[Mean    = {:>12.3}, StdDeviation   = {:>12.3}]",
        h.mean(),
        h.stdev()
    );
    let _ = writeln!(
        out,
        "#[Max     = {:>12.3}, Total count    = {:>12}]",
        h.max() as f64,
        h.len()
    );
    let _ = writeln!(
        out,
        "#[Buckets = {:>12}, SubBuckets     = {:>12}]",
        h.buckets(),
        h.distinct_values()
    );
    out
}

/// One row of a `.hgrm` percentile distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HgrmRow {
    /// The value (ns) at this percentile.
    pub value: f64,
    /// The percentile as a fraction, 0.0..=1.0.
    pub quantile: f64,
    /// Samples at or below `value`.
    pub total: u64,
}

/// A `.hgrm` file read back: its rows and its footer.
#[derive(Debug, Clone, PartialEq)]
pub struct Hgrm {
    /// The percentile rows, in file order (quantiles non-decreasing).
    pub rows: Vec<HgrmRow>,
    /// The footer's `Max`.
    pub max: f64,
    /// The footer's `Total count`.
    pub count: u64,
}

/// Parses the text [`hgrm_text`] writes (HdrHistogram's percentile distribution).
///
/// # Errors
///
/// A line that is neither a header, a footer nor a well-formed row (the message names
/// the line), quantiles going backwards, a missing footer, or a footer's total that
/// differs from the last row's.
pub fn parse_hgrm(text: &str) -> Result<Hgrm, String> {
    let mut out = Hgrm {
        rows: Vec::new(),
        max: f64::NAN,
        count: u64::MAX,
    };
    for (n, line) in text.lines().enumerate() {
        let bad = || format!("line {}: {line:?}", n + 1);
        let line = line.trim();
        if line.is_empty() || line.starts_with("Value") {
            continue;
        }
        if let Some(footer) = line.strip_prefix("#[") {
            for field in footer.trim_end_matches(']').split(',') {
                let (key, value) = field.split_once('=').ok_or_else(bad)?;
                match key.trim() {
                    "Max" => out.max = value.trim().parse().map_err(|_| bad())?,
                    "Total count" => out.count = value.trim().parse().map_err(|_| bad())?,
                    _ => {}
                }
            }
            continue;
        }
        let w: Vec<&str> = line.split_whitespace().collect();
        let [value, quantile, total, _inverse] = w[..] else {
            return Err(bad());
        };
        let row = HgrmRow {
            value: value.parse().map_err(|_| bad())?,
            quantile: quantile.parse().map_err(|_| bad())?,
            total: total.parse().map_err(|_| bad())?,
        };
        if !(0.0..=1.0).contains(&row.quantile)
            || out.rows.last().is_some_and(|r| r.quantile > row.quantile)
        {
            return Err(bad());
        }
        out.rows.push(row);
    }
    if out.max.is_nan() || out.count == u64::MAX {
        return Err("no `#[Max = ..., Total count = ...]` footer".to_owned());
    }
    match out.rows.last() {
        Some(r) if r.total != out.count => Err(format!(
            "last row counts {} samples, the footer {}",
            r.total, out.count
        )),
        _ => Ok(out),
    }
}

/// Writes [`hgrm_text`] to `path`.
///
/// # Errors
///
/// Any I/O error from creating or writing the file.
pub fn write_hgrm(hist: &Hist, path: &Path) -> io::Result<()> {
    std::fs::write(path, hgrm_text(hist))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_orders_percentiles() {
        let mut h = Hist::new();
        for v in 1..=1000 {
            h.record(v);
        }
        let s = h.summary();
        assert_eq!(s.count, 1000);
        assert!(s.p50 <= s.p90 && s.p90 <= s.p99 && s.p99 <= s.p999 && s.p999 <= s.max);
        assert!((495..=505).contains(&s.p50), "{s:?}");
        assert_eq!(s.max, 1000);
    }

    #[test]
    fn body_mean_sees_between_clock_steps_and_skips_the_tail() {
        // A 64 ns hand-off timed by a clock with 10 ns steps: 60 ns six times in ten,
        // 70 ns four times; one preemption of 50 us.
        let mut h = Hist::new();
        for _ in 0..60 {
            h.record(60);
        }
        for _ in 0..40 {
            h.record(70);
        }
        h.record(50_000);
        let s = h.summary();
        assert_eq!(s.p50, 60);
        assert!((s.body_mean - 64.0).abs() < 1e-9, "{s:?}");
        assert!((h.mean_up_to(60) - 60.0).abs() < 1e-9);
        assert_eq!(Hist::new().mean_up_to(100), 0.0);
    }

    #[test]
    fn hgrm_ends_at_total_count() {
        let mut h = Hist::new();
        for v in [100, 200, 300, 5_000] {
            h.record(v);
        }
        let text = hgrm_text(&h);
        assert!(text.contains("Total count    =            4"), "{text}");
        let last_row = text
            .lines()
            .rfind(|l| !l.starts_with('#') && !l.trim().is_empty())
            .unwrap();
        assert!(
            last_row.split_whitespace().nth(2) == Some("4"),
            "{last_row}"
        );
    }

    #[test]
    fn hgrm_parses_back() {
        let mut h = Hist::new();
        for v in 1..=10_000 {
            h.record(v * 10);
        }
        let parsed = parse_hgrm(&hgrm_text(&h)).unwrap();
        assert_eq!(parsed.count, 10_000);
        assert_eq!(parsed.max, h.summary().max as f64);
        assert_eq!(parsed.rows.last().unwrap().total, 10_000);
        let median = parsed.rows.iter().find(|r| r.quantile >= 0.5).unwrap();
        assert!((49_000.0..=51_000.0).contains(&median.value), "{median:?}");
        assert!(parse_hgrm("12.0 0.5 1 2.00\n").is_err()); // no footer
        assert!(parse_hgrm("12.0 half 1 2.00\n").is_err());
    }
}
