//! The event tail: newest first, critical kinds highlighted, `logged` once the
//! persister's durable cursor has passed the event (no mark without a persister),
//! the filter and the count of events skipped to keep up.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};

use super::{Model, theme};
use crate::text;

/// Draws the event tail into `area`.
pub fn render(frame: &mut Frame<'_>, area: Rect, model: &Model) {
    let tail = &model.tail;
    let mut title = format!("Events, newest first · {} read", tail.read);
    if tail.skipped > 0 {
        title.push_str(&format!(" · {} skipped", tail.skipped));
    }
    if !model.ui.filter.is_empty() {
        title.push_str(&format!(" · filter: {}", model.ui.filter));
    }
    let block = theme::pane(&title);
    let visible = usize::from(area.height.saturating_sub(3));
    let durable = model.snap.durable_seq;
    let rows: Vec<Row<'_>> = tail
        .newest_first(&model.ui.filter)
        .take(visible)
        .map(|e| {
            let logged = durable.is_some_and(|d| e.seq <= d);
            Row::new(vec![
                e.seq.to_string(),
                text::clock(e.ts_ns),
                e.kind.name().to_owned(),
                e.instrument.clone().unwrap_or_else(|| "-".to_owned()),
                if logged { "logged" } else { "" }.to_owned(),
                e.fields.clone(),
            ])
            .style(theme::event(e.kind))
        })
        .collect();
    if rows.is_empty() {
        let msg = if tail.is_empty() {
            "no events yet"
        } else {
            "no events match the filter"
        };
        let empty = Line::from(Span::styled(msg, theme::dim()));
        frame.render_widget(Paragraph::new(empty).block(block), area);
        return;
    }
    let header =
        Row::new(["Seq", "Time", "Kind", "Instrument", "Log", "Fields"]).style(theme::header());
    let widths = [
        Constraint::Length(9),
        Constraint::Length(12),
        Constraint::Length(23),
        Constraint::Length(10),
        Constraint::Length(6),
        Constraint::Min(10),
    ];
    frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
}
