//! Interleaved-round results and their tables.
//!
//! Each round records one histogram per series; a [`Table`] keeps every round's
//! summary and a merged histogram per series. Printed figures are medians over rounds;
//! ratios are computed *within* each round against the baseline series (the floor), then
//! the median of those ratios is printed, so drift between rounds cancels out.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::path::Path;

use crate::hist::{Hist, Summary, write_hgrm};

/// One named series across rounds.
#[derive(Debug, Clone, Default)]
pub struct Series {
    /// Per-round summaries, in round order.
    pub rounds: Vec<Summary>,
    /// Every sample of every round.
    pub merged: Hist,
}

/// The results of one scenario.
#[derive(Debug, Clone)]
pub struct Table {
    /// The scenario's title.
    pub title: String,
    /// The series ratios are taken against.
    pub baseline: String,
    /// Series in the order they were first added.
    order: Vec<String>,
    series: BTreeMap<String, Series>,
}

impl Table {
    /// An empty table; `baseline` names the series every ratio divides by.
    pub fn new(title: &str, baseline: &str) -> Table {
        Table {
            title: title.to_owned(),
            baseline: baseline.to_owned(),
            order: Vec::new(),
            series: BTreeMap::new(),
        }
    }

    /// Adds one round's histogram for series `name`.
    pub fn add(&mut self, name: &str, hist: &Hist) {
        if !self.series.contains_key(name) {
            self.order.push(name.to_owned());
        }
        let s = self.series.entry(name.to_owned()).or_default();
        s.rounds.push(hist.summary());
        s.merged.merge(hist);
    }

    /// The series, in insertion order.
    pub fn series(&self) -> impl Iterator<Item = (&str, &Series)> {
        self.order
            .iter()
            .map(|n| (n.as_str(), &self.series[n.as_str()]))
    }

    /// Median over rounds of each percentile of `name`.
    pub fn median_figures(&self, name: &str) -> Option<[u64; 5]> {
        let s = self.series.get(name)?;
        let mut out = [0u64; 5];
        for (i, slot) in out.iter_mut().enumerate() {
            let mut v: Vec<u64> = s.rounds.iter().map(|r| r.figures()[i]).collect();
            *slot = median_u64(&mut v);
        }
        Some(out)
    }

    /// Median over rounds of `name`'s figure divided by the baseline's same-round figure.
    pub fn median_ratios(&self, name: &str) -> Option<[f64; 5]> {
        let s = self.series.get(name)?;
        let b = self.series.get(&self.baseline)?;
        let mut out = [0f64; 5];
        for (i, slot) in out.iter_mut().enumerate() {
            let mut v: Vec<f64> = s
                .rounds
                .iter()
                .zip(&b.rounds)
                .map(|(r, br)| r.figures()[i] as f64 / br.figures()[i].max(1) as f64)
                .collect();
            *slot = median_f64(&mut v);
        }
        Some(out)
    }

    /// The table as text: median ns per percentile, and the median same-round ratio to
    /// the baseline.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let rounds = self
            .series
            .values()
            .map(|s| s.rounds.len())
            .max()
            .unwrap_or(0);
        let _ = writeln!(
            out,
            "\n## {} ({} rounds; ns, median over rounds; ratio = same-round / {})",
            self.title, rounds, self.baseline
        );
        let _ = writeln!(
            out,
            "{:<28} {:>8} {:>8} {:>8} {:>8} {:>9}   {:>6} {:>6} {:>6} {:>6} {:>6}",
            "series",
            "p50",
            "p90",
            "p99",
            "p99.9",
            "max",
            "x p50",
            "x p90",
            "x p99",
            "x p99.9",
            "x max"
        );
        for (name, _) in self.series() {
            let f = self.median_figures(name).unwrap_or_default();
            let r = self.median_ratios(name).unwrap_or_default();
            let _ = writeln!(
                out,
                "{:<28} {:>8} {:>8} {:>8} {:>8} {:>9}   {:>6.2} {:>6.2} {:>6.2} {:>7.2} {:>6.2}",
                name, f[0], f[1], f[2], f[3], f[4], r[0], r[1], r[2], r[3], r[4]
            );
        }
        out
    }

    /// Writes one `.hgrm` per series (all rounds merged) into `dir`, named
    /// `<scenario>-<series>.hgrm` with non-alphanumerics replaced by `_`.
    ///
    /// # Errors
    ///
    /// Any I/O error creating `dir` or writing a file.
    pub fn write_hgrms(&self, dir: &Path, scenario: &str) -> io::Result<Vec<std::path::PathBuf>> {
        std::fs::create_dir_all(dir)?;
        let mut paths = Vec::new();
        for (name, s) in self.series() {
            let path = dir.join(format!("{}-{}.hgrm", slug(scenario), slug(name)));
            write_hgrm(&s.merged, &path)?;
            paths.push(path);
        }
        Ok(paths)
    }
}

/// A file-name-safe version of `s`.
pub fn slug(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// The median of `v` (sorts it); 0 for an empty slice.
pub fn median_u64(v: &mut [u64]) -> u64 {
    if v.is_empty() {
        return 0;
    }
    v.sort_unstable();
    v[v.len() / 2]
}

/// The median of `v` (sorts it); 0.0 for an empty slice.
pub fn median_f64(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_unstable_by(f64::total_cmp);
    v[v.len() / 2]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist_of(v: u64) -> Hist {
        let mut h = Hist::new();
        for _ in 0..10 {
            h.record(v);
        }
        h
    }

    #[test]
    fn ratios_are_taken_within_rounds() {
        let mut t = Table::new("t", "floor");
        // Round 1: floor 100, ours 110. Round 2 (machine got 3x slower): 300 vs 330.
        t.add("floor", &hist_of(100));
        t.add("ours", &hist_of(110));
        t.add("floor", &hist_of(300));
        t.add("ours", &hist_of(330));
        t.add("floor", &hist_of(100));
        t.add("ours", &hist_of(110));
        let r = t.median_ratios("ours").unwrap();
        assert!((r[0] - 1.1).abs() < 0.02, "{r:?}");
        assert!(t.render().contains("ours"));
    }
}
