//! The market data pane: bid, ask, last and the age of each instrument's quote;
//! quotes older than the stale threshold (or never seen) are dimmed.

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::widgets::{Row, Table};

use super::{Model, theme};
use crate::text;

/// Draws the market rows into `area`.
pub fn render(frame: &mut Frame<'_>, area: Rect, model: &Model) {
    let rows = model.snap.market.iter().enumerate().map(|(ix, m)| {
        let age = model.quote_ages.get(ix).copied().flatten();
        let stale = m.ticks == 0 || age.is_none_or(|a| a > model.stale_after);
        let style = if stale { theme::dim() } else { Style::new() };
        let (bid, ask, last) = if m.ticks == 0 {
            ("-".to_owned(), "-".to_owned(), "-".to_owned())
        } else {
            (m.bid.to_string(), m.ask.to_string(), m.last.to_string())
        };
        Row::new(vec![
            model.symbol(ix).to_owned(),
            bid,
            ask,
            last,
            age.map_or_else(|| "-".to_owned(), quote_age),
            m.ticks.to_string(),
        ])
        .style(style)
    });
    let header =
        Row::new(["Instrument", "Bid", "Ask", "Last", "Age", "Ticks"]).style(theme::header());
    let widths = [
        Constraint::Length(10),
        Constraint::Length(12),
        Constraint::Length(12),
        Constraint::Length(12),
        Constraint::Length(7),
        Constraint::Min(5),
    ];
    let table = Table::new(rows, widths)
        .header(header)
        .block(theme::pane("Market"));
    frame.render_widget(table, area);
}

/// A quote's age; under a millisecond reads as "<1 ms".
fn quote_age(d: Duration) -> String {
    if d < Duration::from_millis(1) {
        "<1 ms".to_owned()
    } else {
        text::age(d)
    }
}
