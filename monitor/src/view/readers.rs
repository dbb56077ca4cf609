//! The readers pane: every reader slot of the instance (kind, role, pid, alive,
//! cursor, lag, gating); dead readers dimmed, hung (stale) ones marked, gating ones
//! marked.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};

use super::{Model, theme};

/// Draws the readers into `area`.
pub fn render(frame: &mut Frame<'_>, area: Rect, model: &Model) {
    let block = theme::pane("Readers");
    if model.snap.readers.is_empty() {
        let empty = Line::from(Span::styled("no readers", theme::dim()));
        frame.render_widget(Paragraph::new(empty).block(block), area);
        return;
    }
    let rows = model.snap.readers.iter().map(|r| {
        let style = if r.alive { Style::new() } else { theme::dim() };
        Row::new(vec![
            r.kind.clone(),
            r.pid.to_string(),
            match (r.alive, r.stale) {
                (false, _) => "dead",
                (true, true) => "hung",
                (true, false) => "yes",
            }
            .to_owned(),
            r.cursor.to_string(),
            r.lag.to_string(),
            if r.gating { "gating" } else { "-" }.to_owned(),
        ])
        .style(style)
    });
    let header =
        Row::new(["Kind", "Pid", "Alive", "Cursor", "Lag", "Gating"]).style(theme::header());
    let widths = [
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(5),
        Constraint::Length(10),
        Constraint::Length(8),
        Constraint::Min(6),
    ];
    frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
}
