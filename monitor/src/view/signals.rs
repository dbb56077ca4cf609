//! The last signals (newest first over all instruments) and the active monitors
//! (armed stop-loss/take-profit levels).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};
use seamless_core::domain::SignalEntry;

use super::{Model, theme};
use crate::text;

/// Draws the recent signals into `area`.
pub fn render_signals(frame: &mut Frame<'_>, area: Rect, model: &Model) {
    let block = theme::pane("Signals");
    let mut all: Vec<(usize, &SignalEntry)> = model
        .snap
        .signals
        .iter()
        .enumerate()
        .flat_map(|(ix, log)| log.iter().map(move |e| (ix, e)))
        .collect();
    if all.is_empty() {
        let empty = Line::from(Span::styled("no signals yet", theme::dim()));
        frame.render_widget(Paragraph::new(empty).block(block), area);
        return;
    }
    all.sort_by_key(|(_, e)| std::cmp::Reverse(e.seq));
    let rows = all.into_iter().map(|(ix, e)| {
        Row::new(vec![
            text::clock(e.ts_ns),
            model.symbol(ix).to_owned(),
            e.side().map_or("?", |s| s.name()).to_owned(),
            e.price.to_string(),
            e.strategy()
                .map_or_else(|| "?".to_owned(), |s| s.as_str().to_owned()),
        ])
    });
    let header =
        Row::new(["Time", "Instrument", "Side", "Price", "Strategy"]).style(theme::header());
    let widths = [
        Constraint::Length(12),
        Constraint::Length(10),
        Constraint::Length(4),
        Constraint::Length(11),
        Constraint::Min(6),
    ];
    frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
}

/// Draws the armed monitors into `area`.
pub fn render_monitors(frame: &mut Frame<'_>, area: Rect, model: &Model) {
    let block = theme::pane("Monitors");
    let rows: Vec<Row<'_>> = model
        .snap
        .monitors
        .iter()
        .enumerate()
        .filter(|(_, m)| m.is_armed())
        .map(|(ix, m)| {
            Row::new(vec![
                model.symbol(ix).to_owned(),
                m.stop().map_or_else(|| "-".to_owned(), |p| p.to_string()),
                m.target().map_or_else(|| "-".to_owned(), |p| p.to_string()),
                m.triggers.to_string(),
            ])
        })
        .collect();
    if rows.is_empty() {
        let empty = Line::from(Span::styled("no armed monitors", theme::dim()));
        frame.render_widget(Paragraph::new(empty).block(block), area);
        return;
    }
    let header = Row::new(["Instrument", "Stop", "Target", "Fired"]).style(theme::header());
    let widths = [
        Constraint::Length(10),
        Constraint::Length(11),
        Constraint::Length(11),
        Constraint::Min(5),
    ];
    frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
}
