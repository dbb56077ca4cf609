//! Latency-percentile plots as SVG: the HdrHistogram plotter's picture (latency against
//! "percentile" on a log axis that gives each nine the same width: 0, 90, 99, 99.9,
//! 99.99, 99.999), one line per series, so peers and scenarios compare at a glance
//! from the median out to the tail.
//!
//! Drawn with `plotters` (SVG backend only, no font files: text is left to the SVG
//! viewer); see docs/decisions/0009-bench-plots-plotters.md for why.
//!
//! Progress: plain functions; never on a measured path.
//!
//! # Example
//!
//! ```
//! use seamless_bench::hist::Hist;
//! use seamless_bench::plot::{Chart, svg};
//! let mut h = Hist::new();
//! (1..=1000).for_each(|v| h.record(v * 100));
//! let chart = Chart { title: "demo".into(), key: "demo".into(), lines: vec![("ours".into(), h)] };
//! let text = svg(&[chart]).unwrap();
//! assert!(text.starts_with("<svg") && text.contains("ours"));
//! ```
//!
//! # Implementation
//!
//! 1. Each series becomes points `(nines, ns)` from the histogram's percentile
//!    iteration, where `nines = -log10(1 - q)` (q = 0.99 is 2); the x axis runs from 0 to
//!    [`MAX_NINES`] and is labelled in percentiles.
//! 2. A series of `n` samples cannot resolve beyond `1 - 1/n`: its line stops at
//!    `log10(n)` nines (capped at [`MAX_NINES`]) with its maximum there.
//! 3. The y axis is logarithmic (a floor of 100 ns and a tail of milliseconds share one
//!    picture), labelled in ns/µs/ms.
//! 4. Charts of one call are stacked vertically in one SVG document.
//!
//! (Gil Tene's HdrHistogram "plotFiles" page draws the same axes.)
//!
//! It must never print: errors are returned.

use std::io;
use std::path::Path;

use plotters::prelude::*;

use crate::hist::Hist;

/// The x axis ends at 99.999 (five nines).
pub const MAX_NINES: f64 = 5.0;
/// Width of the SVG in pixels.
const WIDTH: u32 = 960;
/// Height of each chart in pixels.
const CHART_HEIGHT: u32 = 480;
/// Line colours, in series order: the Tableau 10 palette (distinct, readable on white).
const COLOURS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// One chart: a title and one line per series.
#[derive(Debug, Clone)]
pub struct Chart {
    /// The chart's caption.
    pub title: String,
    /// File-name stem when the chart gets a file of its own.
    pub key: String,
    /// `(series name, latencies in ns)`, drawn in this order.
    pub lines: Vec<(String, Hist)>,
}

/// The points of step 1-2: `(nines, ns)`, x non-decreasing, ending at the maximum.
pub fn points(hist: &Hist) -> Vec<(f64, f64)> {
    if hist.is_empty() {
        return Vec::new();
    }
    let cap = (hist.len() as f64).log10().clamp(0.0, MAX_NINES);
    let mut out: Vec<(f64, f64)> = Vec::new();
    for v in hist.raw().iter_quantiles(5) {
        let q = v.quantile_iterated_to();
        let x = if q >= 1.0 {
            cap
        } else {
            (-(1.0 - q).log10()).min(cap)
        };
        out.push((x, v.value_iterated_to().max(1) as f64));
    }
    out.push((cap, hist.summary().max.max(1) as f64));
    out
}

/// `99.9` for 3 nines (the x axis labels).
pub fn percentile_label(nines: f64) -> String {
    let p = 100.0 * (1.0 - 10f64.powf(-nines));
    let digits = (nines.round() as usize).saturating_sub(2);
    format!("{p:.digits$}")
}

/// `850 ns`, `12 µs`, `1.5 ms` (the y axis labels).
pub fn latency_label(ns: f64) -> String {
    match ns {
        n if n < 1e3 => format!("{n:.0} ns"),
        n if n < 1e6 => format!("{} µs", trim(n / 1e3)),
        n if n < 1e9 => format!("{} ms", trim(n / 1e6)),
        n => format!("{} s", trim(n / 1e9)),
    }
}

/// A number with at most 3 significant digits and no trailing zeros.
fn trim(v: f64) -> String {
    let s = if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    match s.contains('.') {
        true => s.trim_end_matches('0').trim_end_matches('.').to_owned(),
        false => s,
    }
}

fn draw_err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> io::Error {
    io::Error::other(format!("plot: {e}"))
}

/// The charts stacked in one SVG document (step 4).
///
/// # Errors
///
/// A drawing error from plotters (as `io::Error`), or no charts.
pub fn svg(charts: &[Chart]) -> io::Result<String> {
    if charts.is_empty() {
        return Err(io::Error::other("plot: no charts"));
    }
    let mut text = String::new();
    {
        let height = CHART_HEIGHT * charts.len() as u32;
        let root = SVGBackend::with_string(&mut text, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let areas = root.split_evenly((charts.len(), 1));
        for (area, chart) in areas.iter().zip(charts) {
            draw(area, chart)?;
        }
        root.present().map_err(draw_err)?;
    }
    Ok(text)
}

/// Writes [`svg`] of `charts` to `path`.
///
/// # Errors
///
/// As [`svg`], and any I/O error writing the file.
pub fn write_svg(path: &Path, charts: &[Chart]) -> io::Result<()> {
    std::fs::write(path, svg(charts)?)
}

fn draw(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    chart: &Chart,
) -> io::Result<()> {
    let series: Vec<(&str, Vec<(f64, f64)>)> = chart
        .lines
        .iter()
        .map(|(name, h)| (name.as_str(), points(h)))
        .collect();
    let ys = series.iter().flat_map(|(_, p)| p.iter().map(|&(_, y)| y));
    let (lo, hi) = ys.fold((f64::MAX, 1.0f64), |(lo, hi), y| (lo.min(y), hi.max(y)));
    let lo = if lo == f64::MAX {
        1.0
    } else {
        (lo * 0.8).max(1.0)
    };
    let hi = (hi * 1.25).max(lo * 10.0);
    let mut ctx = ChartBuilder::on(area)
        .caption(&chart.title, ("sans-serif", 18))
        .margin(12)
        .margin_right(36)
        .x_label_area_size(40)
        .y_label_area_size(72)
        .build_cartesian_2d(0.0..MAX_NINES, (lo..hi).log_scale())
        .map_err(draw_err)?;
    ctx.configure_mesh()
        .x_labels(MAX_NINES as usize + 1)
        .x_desc("percentile")
        .y_desc("latency")
        .x_label_formatter(&|x| percentile_label(*x))
        .y_label_formatter(&|y| latency_label(*y))
        .draw()
        .map_err(draw_err)?;
    for (i, (name, pts)) in series.into_iter().enumerate() {
        let color = COLOURS[i % COLOURS.len()];
        ctx.draw_series(LineSeries::new(pts, color.stroke_width(2)))
            .map_err(draw_err)?
            .label(name)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2)));
    }
    ctx.configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(draw_err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_labels_read_as_percentiles_and_latencies() {
        let labels: Vec<String> = (0..=5).map(|n| percentile_label(f64::from(n))).collect();
        assert_eq!(labels, ["0", "90", "99", "99.9", "99.99", "99.999"]);
        assert_eq!(latency_label(850.0), "850 ns");
        assert_eq!(latency_label(12_000.0), "12 µs");
        assert_eq!(latency_label(1_500_000.0), "1.5 ms");
    }

    #[test]
    fn a_line_stops_where_its_samples_stop_resolving() {
        let mut h = Hist::new();
        (1..=100).for_each(|v| h.record(v));
        let p = points(&h);
        assert!(p.windows(2).all(|w| w[0].0 <= w[1].0), "{p:?}");
        assert_eq!(*p.last().unwrap(), (2.0, 100.0)); // 100 samples: two nines
        assert!(points(&Hist::new()).is_empty());
    }

    #[test]
    fn the_svg_names_every_series_and_escapes_titles() {
        let mut h = Hist::new();
        (1..=1000).for_each(|v| h.record(v));
        let chart = Chart {
            title: "tick->publish".into(),
            key: "t".into(),
            lines: vec![("a & b".into(), h.clone()), ("rtrb".into(), h)],
        };
        let text = svg(&[chart.clone(), chart]).unwrap();
        assert!(text.contains("tick-&gt;publish"), "{text}");
        assert!(text.contains("a &amp; b") && text.contains("rtrb"));
        assert!(svg(&[]).is_err());
    }
}
