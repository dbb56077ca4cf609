//! Interleaved-round results and their tables.
//!
//! Each round records one histogram per series; a [`Table`] keeps every round's
//! summary and a merged histogram per series. Printed figures are medians over rounds;
//! ratios are computed *within* each round against the baseline series (the floor), then
//! the median of those ratios is printed, so drift between rounds cancels out.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use crate::hist::{FIGURE_COUNT, FIGURES, Hist, Summary, write_hgrm};
use crate::plot::Chart;

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
    /// File-name stem of this table's `.hgrm` files and charts (default: the title
    /// made file-name-safe).
    pub key: String,
    /// Series in the order they were first added.
    order: Vec<String>,
    series: BTreeMap<String, Series>,
}

/// Header of the column with the same-round ratio of the means at or below p99
/// ([`Summary::body_mean`]): the typical cost at a finer grain than p50 when the clock
/// steps coarsely.
pub const BODY_MEAN: &str = "x mean<=p99";

/// Figures whose same-round ratios the tables print (indexes into [`FIGURES`]).
const RATIO_FIGURES: [usize; 4] = [0, 2, 3, 4];

impl Table {
    /// An empty table; `baseline` names the series every ratio divides by.
    pub fn new(title: &str, baseline: &str) -> Table {
        Table {
            title: title.to_owned(),
            baseline: baseline.to_owned(),
            key: slug(title),
            order: Vec::new(),
            series: BTreeMap::new(),
        }
    }

    /// The same table with file-name stem `key` (e.g. `pingpong`).
    pub fn keyed(mut self, key: &str) -> Table {
        self.key = key.to_owned();
        self
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

    /// The most rounds any series has.
    pub fn rounds(&self) -> usize {
        self.series
            .values()
            .map(|s| s.rounds.len())
            .max()
            .unwrap_or(0)
    }

    /// Median over rounds of each percentile of `name` ([`FIGURES`] order).
    pub fn median_figures(&self, name: &str) -> Option<[u64; FIGURE_COUNT]> {
        let s = self.series.get(name)?;
        let mut out = [0u64; FIGURE_COUNT];
        for (i, slot) in out.iter_mut().enumerate() {
            let mut v: Vec<u64> = s.rounds.iter().map(|r| r.figures()[i]).collect();
            *slot = median_u64(&mut v);
        }
        Some(out)
    }

    /// Median over rounds of `name`'s figure divided by the baseline's same-round figure.
    pub fn median_ratios(&self, name: &str) -> Option<[f64; FIGURE_COUNT]> {
        // Checked once here so that a missing series is `None`, not a row of zeros.
        self.series.get(name)?;
        self.series.get(&self.baseline)?;
        let mut out = [0f64; FIGURE_COUNT];
        for (i, slot) in out.iter_mut().enumerate() {
            *slot = self
                .median_ratio_between(name, &self.baseline, |s| s.figures()[i] as f64)
                .unwrap_or_default();
        }
        Some(out)
    }

    /// Median over rounds of `name`'s `figure` divided by `over`'s same-round `figure`
    /// (`None` if either series is missing or has no round). A figure under 1 (ns, or
    /// the mean of an empty round) divides as 1.
    pub fn median_ratio_between(
        &self,
        name: &str,
        over: &str,
        figure: impl Fn(&Summary) -> f64,
    ) -> Option<f64> {
        let s = self.series.get(name)?;
        let b = self.series.get(over)?;
        let mut v: Vec<f64> = s
            .rounds
            .iter()
            .zip(&b.rounds)
            .map(|(r, br)| figure(r) / figure(br).max(1.0))
            .collect();
        (!v.is_empty()).then(|| median_f64(&mut v))
    }

    /// The same-round ratio of `name`'s mean at or below p99 to the baseline's
    /// ([`Summary::body_mean`]), median over rounds; 0 when missing.
    pub fn median_body_ratio(&self, name: &str) -> f64 {
        self.median_ratio_between(name, &self.baseline, |s| s.body_mean)
            .unwrap_or_default()
    }

    /// The table as text: median ns per percentile, the samples over all rounds, and
    /// the median same-round ratio to the baseline.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "\n## {} ({} rounds; ns, median over rounds; ratio = same-round / {})",
            self.title,
            self.rounds(),
            self.baseline
        );
        let _ = write!(out, "{:<32}", "series");
        for f in FIGURES {
            let _ = write!(out, " {f:>9}");
        }
        let _ = write!(out, " {:>10}  ", "count");
        for i in RATIO_FIGURES {
            let _ = write!(out, " {:>8}", format!("x {}", FIGURES[i]));
        }
        let _ = write!(out, " {BODY_MEAN:>10}");
        out.push('\n');
        for (name, s) in self.series() {
            let f = self.median_figures(name).unwrap_or_default();
            let r = self.median_ratios(name).unwrap_or_default();
            let _ = write!(out, "{name:<32}");
            for v in f {
                let _ = write!(out, " {v:>9}");
            }
            let _ = write!(out, " {:>10}  ", s.merged.len());
            for i in RATIO_FIGURES {
                let _ = write!(out, " {:>8.2}", r[i]);
            }
            let _ = write!(out, " {:>10.3}", self.median_body_ratio(name));
            out.push('\n');
        }
        out
    }

    /// The table in Markdown: a heading, then one row per series with the median
    /// percentiles (ns), the sample count over all rounds and the same-round ratios.
    pub fn markdown(&self) -> String {
        let mut out = format!(
            "### {}\n\n{} rounds; ns, median over rounds; ratio = same-round / {}.\n\n| series |",
            self.title,
            self.rounds(),
            self.baseline
        );
        for f in FIGURES {
            let _ = write!(out, " {f} |");
        }
        out.push_str(" count |");
        for i in RATIO_FIGURES {
            let _ = write!(out, " x {} |", FIGURES[i]);
        }
        let _ = write!(out, " {BODY_MEAN} |");
        out.push_str("\n|---|");
        out.push_str(&"---:|".repeat(FIGURES.len() + 2 + RATIO_FIGURES.len()));
        out.push('\n');
        for (name, s) in self.series() {
            let f = self.median_figures(name).unwrap_or_default();
            let r = self.median_ratios(name).unwrap_or_default();
            let _ = write!(out, "| {} |", name.replace('|', "/"));
            for v in f {
                let _ = write!(out, " {v} |");
            }
            let _ = write!(out, " {} |", s.merged.len());
            for i in RATIO_FIGURES {
                let _ = write!(out, " {:.2} |", r[i]);
            }
            let _ = write!(out, " {:.3} |", self.median_body_ratio(name));
            out.push('\n');
        }
        out
    }

    /// A latency-percentile chart of the series named in `only` (all when `None`),
    /// every round merged.
    pub fn chart(&self, title: &str, only: Option<&[&str]>) -> Chart {
        Chart {
            title: title.to_owned(),
            key: self.key.clone(),
            lines: self
                .series()
                .filter(|(n, _)| only.is_none_or(|o| o.contains(n)))
                .map(|(n, s)| (n.to_owned(), s.merged.clone()))
                .collect(),
        }
    }

    /// Writes one `.hgrm` per series (all rounds merged) into `dir`, named
    /// `<key>-<series>.hgrm` with non-alphanumerics replaced by `_` (the key of the
    /// IPC scenarios' tables is e.g. `pingpong`; pass `scenario` to override it).
    ///
    /// # Errors
    ///
    /// Any I/O error creating `dir` or writing a file.
    pub fn write_hgrms(&self, dir: &Path, scenario: &str) -> io::Result<Vec<PathBuf>> {
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
        let md = t.markdown();
        let row = md.lines().find(|l| l.starts_with("| ours |")).unwrap();
        // series, 6 figures, count, 4 ratios, the body-mean ratio: 13 cells.
        assert_eq!(row.matches('|').count(), 14, "{md}");
        assert!(row.contains("| 110 |") && row.contains("| 30 |"), "{row}");
        assert!(row.ends_with("| 1.100 |"), "{row}");
        assert!((t.median_body_ratio("ours") - 1.1).abs() < 1e-9);
    }

    #[test]
    fn ratio_between_any_two_series() {
        let mut t = Table::new("t", "floor");
        for (floor, walk, ring) in [(100, 150, 160), (300, 450, 495), (100, 150, 150)] {
            t.add("floor", &hist_of(floor));
            t.add("walk", &hist_of(walk));
            t.add("ring", &hist_of(ring));
        }
        let r = t.median_ratio_between("ring", "walk", |s| s.p50 as f64);
        // Rounds: 160/150, 495/450 = 1.1, 150/150 = 1: the median is 160/150.
        assert!((r.unwrap() - 160.0 / 150.0).abs() < 1e-9, "{r:?}");
        assert_eq!(
            t.median_ratio_between("ring", "none", |s| s.p50 as f64),
            None
        );
    }
}
