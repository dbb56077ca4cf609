//! The metrics pane: events/s and ticks/s, totals, ring fill and the monitor's own lag,
//! persistence, tick-to-publish latency percentiles (the core's latency row), the
//! monitor's own seqlock retry rate and snapshots that failed, and sparklines of the
//! rates and of p99.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Sparkline};

use super::{Model, theme};
use crate::text;

/// Draws the metrics into `area`; `big` gives the charts more room (System tab).
pub fn render(frame: &mut Frame<'_>, area: Rect, model: &Model, big: bool) {
    let block = theme::pane("Metrics");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines = lines(model);
    let [text_area, charts] =
        Layout::vertical([Constraint::Length(lines.len() as u16), Constraint::Min(0)]).areas(inner);
    frame.render_widget(Paragraph::new(lines), text_area);
    if charts.height < 2 {
        return;
    }
    let r = &model.rates;
    let series = [
        ("events/s", &r.events),
        ("ticks/s", &r.ticks),
        ("p99 latency (ns)", &r.p99),
    ];
    let cols = if big {
        Layout::vertical([Constraint::Ratio(1, 3); 3]).split(charts)
    } else {
        Layout::horizontal([Constraint::Ratio(1, 3); 3]).split(charts)
    };
    for ((title, history), col) in series.into_iter().zip(cols.iter()) {
        let chart = Sparkline::default()
            .block(Block::new().title(Span::styled(title, theme::label())))
            .data(history.last(usize::from(col.width)));
        frame.render_widget(chart, *col);
    }
}

fn kv(label: &'static str, value: String) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<9}"), theme::label()),
        Span::raw(value),
    ])
}

fn lines(model: &Model) -> Vec<Line<'static>> {
    let m = &model.snap.metrics;
    let l = &model.snap.latency;
    let rates = match model.rates.latest() {
        Some((events, ticks)) => {
            format!("events {}  ticks {}", text::rate(events), text::rate(ticks))
        }
        None => "measuring...".to_owned(),
    };
    let fill_pct = if m.ring_capacity == 0 {
        0.0
    } else {
        m.ring_fill as f64 * 100.0 / m.ring_capacity as f64
    };
    let own_lag = (model.snap.last_seq + 1).saturating_sub(model.next_seq);
    let durable = model
        .snap
        .durable_seq
        .map_or_else(|| "no persister".to_owned(), |d| format!("durable {d}"));
    let latency = if l.count == 0 {
        "no ticks measured in the last interval".to_owned()
    } else {
        format!(
            "p50 {}  p99 {}  p99.9 {}  max {}  ({} ticks)",
            text::latency_ns(l.p50),
            text::latency_ns(l.p99),
            text::latency_ns(l.p999),
            text::latency_ns(l.max),
            l.count
        )
    };
    vec![
        kv("Rates", rates),
        kv(
            "Totals",
            format!(
                "events {}  ticks {}  orders {}  fills {}  rejects {}",
                m.events_published, m.ticks, m.orders, m.fills, m.rejects
            ),
        ),
        kv(
            "Ring",
            format!(
                "fill {} of {} ({fill_pct:.1}%)  monitor lag {own_lag}",
                m.ring_fill, m.ring_capacity
            ),
        ),
        kv(
            "Persist",
            format!(
                "{durable}  lag {}  gating stalls {}",
                m.persistence_lag, m.gating_stalls
            ),
        ),
        kv("Latency", latency),
        kv(
            "Reads",
            format!(
                "seqlock {}; {} snapshots failed",
                text::retry_rate(&model.reads),
                model.read_failures
            ),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use super::*;
    use crate::own_reads::OwnReads;
    use crate::view::sample_snapshot;

    #[test]
    fn the_reads_line_shows_the_retry_rate() {
        let mut model = Model::new(sample_snapshot());
        model.reads = OwnReads {
            reads: 1_000,
            retried: 25,
            retries: 40,
            failures: 0,
        };
        let mut terminal = Terminal::new(TestBackend::new(100, 12)).unwrap();
        terminal
            .draw(|f| render(f, f.area(), &model, false))
            .unwrap();
        let buf = terminal.backend().buffer();
        let text: String = buf.content().iter().map(|c| c.symbol()).collect();
        assert!(
            text.contains("seqlock 2.50% retried (25 of 1000 reads), 0 gave up"),
            "{text}"
        );
    }
}
