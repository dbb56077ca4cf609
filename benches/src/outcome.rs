//! [`Outcome`]: what one scenario produced, in a form every output can use: the
//! terminal text, the Markdown of `report.md`, `.hgrm` files and SVG charts.
//!
//! Progress: plain data and file writes; never on a measured path.
//!
//! # Example
//!
//! ```
//! use seamless_bench::hist::Hist;
//! use seamless_bench::outcome::Outcome;
//! use seamless_bench::report::Table;
//! let mut t = Table::new("demo", "floor").keyed("demo");
//! let mut h = Hist::new();
//! h.record(120);
//! t.add("floor", &h);
//! let mut out = Outcome::default();
//! out.push_table(t);
//! assert!(out.render_text().contains("floor"));
//! assert_eq!(out.charts().len(), 1);
//! ```

use std::io;
use std::path::{Path, PathBuf};

use crate::hist::write_hgrm;
use crate::plot::{self, Chart};
use crate::report::{Table, slug};

/// One part of a scenario's report.
#[derive(Debug, Clone)]
pub enum Section {
    /// A percentile table.
    Table(Table),
    /// Preformatted text under a heading (throughput figures, checks, load conditions).
    Text {
        /// The heading.
        title: String,
        /// The text, kept as is.
        body: String,
    },
}

/// Everything one scenario produced.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The report's parts, in order.
    pub sections: Vec<Section>,
    /// Charts chosen by the scenario (empty: one per table, see [`charts`](Self::charts)).
    pub chosen_charts: Vec<Chart>,
    /// Why the scenario did not run (nothing else is then set).
    pub skipped: Option<String>,
}

impl Outcome {
    /// An outcome that says why the scenario did not run.
    pub fn skipped(reason: impl Into<String>) -> Outcome {
        Outcome {
            skipped: Some(reason.into()),
            ..Outcome::default()
        }
    }

    /// Appends a table.
    pub fn push_table(&mut self, table: Table) {
        self.sections.push(Section::Table(table));
    }

    /// Appends a text section.
    pub fn push_text(&mut self, title: impl Into<String>, body: impl Into<String>) {
        self.sections.push(Section::Text {
            title: title.into(),
            body: body.into(),
        });
    }

    /// Appends a chart (once any is chosen, only chosen charts are drawn).
    pub fn push_chart(&mut self, chart: Chart) {
        self.chosen_charts.push(chart);
    }

    /// Appends everything of `other`.
    pub fn extend(&mut self, other: Outcome) {
        self.sections.extend(other.sections);
        self.chosen_charts.extend(other.chosen_charts);
        if self.skipped.is_none() {
            self.skipped = other.skipped;
        }
    }

    /// The tables, in order.
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.sections.iter().filter_map(|s| match s {
            Section::Table(t) => Some(t),
            Section::Text { .. } => None,
        })
    }

    /// The charts to draw: the chosen ones, else one per table with every series.
    pub fn charts(&self) -> Vec<Chart> {
        if !self.chosen_charts.is_empty() {
            return self.chosen_charts.clone();
        }
        self.tables().map(|t| t.chart(&t.title, None)).collect()
    }

    /// The terminal report.
    pub fn render_text(&self) -> String {
        if let Some(why) = &self.skipped {
            return format!("\nskipped: {why}\n");
        }
        let mut out = String::new();
        for s in &self.sections {
            match s {
                Section::Table(t) => out.push_str(&t.render()),
                Section::Text { title, body } => {
                    out.push_str(&format!("\n## {title}\n{}\n", body.trim_end()))
                }
            }
        }
        out
    }

    /// The sections in Markdown (tables as tables, text in `text` blocks).
    pub fn markdown(&self) -> String {
        if let Some(why) = &self.skipped {
            return format!("Skipped: {why}\n");
        }
        let mut out = String::new();
        for s in &self.sections {
            match s {
                Section::Table(t) => out.push_str(&t.markdown()),
                Section::Text { title, body } => out.push_str(&format!(
                    "### {title}\n\n```text\n{}\n```\n",
                    body.trim_end()
                )),
            }
            out.push('\n');
        }
        out
    }

    /// Writes one `.hgrm` per series of every table. `target` ending in `.hgrm` is a
    /// file: the file itself when there is one series, else `<stem>-<table>-<series>.hgrm`
    /// beside it; any other `target` is a directory (created) holding
    /// `<table>-<series>.hgrm` files. Returns the paths written.
    ///
    /// # Errors
    ///
    /// Any I/O error creating the directory or writing a file.
    pub fn write_hgrms(&self, target: &Path) -> io::Result<Vec<PathBuf>> {
        let all: Vec<(&Table, &str)> = self
            .tables()
            .flat_map(|t| t.series().map(move |(n, _)| (t, n)))
            .collect();
        let file_mode = target.extension().is_some_and(|e| e == "hgrm");
        let dir = match file_mode {
            true => target.parent().unwrap_or(Path::new("")).to_path_buf(),
            false => target.to_path_buf(),
        };
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(&dir)?;
        }
        let stem = target.file_stem().map(|s| s.to_string_lossy().into_owned());
        let mut paths = Vec::new();
        for (table, name) in &all {
            let base = format!("{}-{}", table.key, slug(name));
            let path = match (&stem, file_mode) {
                (_, true) if all.len() == 1 => target.to_path_buf(),
                (Some(stem), true) => dir.join(format!("{stem}-{base}.hgrm")),
                _ => dir.join(format!("{base}.hgrm")),
            };
            let hist = table
                .series()
                .find(|(n, _)| n == name)
                .map(|(_, s)| &s.merged);
            if let Some(hist) = hist {
                write_hgrm(hist, &path)?;
                paths.push(path);
            }
        }
        Ok(paths)
    }

    /// Writes every chart, stacked, into one SVG file at `path`.
    ///
    /// # Errors
    ///
    /// No table to chart, a drawing error, or an I/O error.
    pub fn write_plot(&self, path: &Path) -> io::Result<()> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        plot::write_svg(path, &self.charts())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hist::{Hist, parse_hgrm};

    fn table(key: &str, series: &[&str]) -> Table {
        let mut t = Table::new(key, series[0]).keyed(key);
        let mut h = Hist::new();
        (1..=100).for_each(|v| h.record(v));
        for s in series {
            t.add(s, &h);
        }
        t
    }

    #[test]
    fn hgrm_targets_are_a_file_or_a_directory() {
        let dir = tempdir();
        let mut one = Outcome::default();
        one.push_table(table("solo", &["x"]));
        let file = dir.join("one.hgrm");
        assert_eq!(one.write_hgrms(&file).unwrap(), vec![file.clone()]);
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(parse_hgrm(&text).unwrap().count, 100);

        let mut two = Outcome::default();
        two.push_table(table("pp", &["floor", "rtrb"]));
        let paths = two.write_hgrms(&dir.join("two.hgrm")).unwrap();
        assert_eq!(
            paths,
            vec![dir.join("two-pp-floor.hgrm"), dir.join("two-pp-rtrb.hgrm")]
        );
        let paths = two.write_hgrms(&dir.join("sub")).unwrap();
        assert_eq!(paths[1], dir.join("sub").join("pp-rtrb.hgrm"));
        assert!(paths.iter().all(|p| p.exists()));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn skipped_outcomes_say_why() {
        let o = Outcome::skipped("needs the seamless binary");
        assert!(o.render_text().contains("needs the seamless binary"));
        assert!(o.markdown().starts_with("Skipped"));
        assert!(o.charts().is_empty());
    }

    fn tempdir() -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "seamless-bench-outcome-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
