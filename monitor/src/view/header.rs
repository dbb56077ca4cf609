//! The header: instance, pid, runner status, uptime, heartbeat age, the health badge
//! (STALE / DEAD / STOPPED), HALTED and PAUSED, and the tabs.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph};

use super::{Model, Tab, theme};
use crate::summary::{self, Health};
use crate::text;

/// Draws the header into `area` (3 rows: border, status line, border).
pub fn render(frame: &mut Frame<'_>, area: Rect, model: &Model) {
    let snap = &model.snap;
    let title = format!(" seamless monitor: {} ", snap.instance);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .title(Line::from(Span::styled(title, theme::header())))
        .title_top(tabs(model.ui.tab).right_aligned());
    let mut spans = vec![
        Span::styled("pid ", theme::label()),
        Span::raw(snap.pid.to_string()),
        Span::styled("  runner ", theme::label()),
        Span::raw(
            snap.runner
                .runner
                .status()
                .map_or("not started", |s| s.name()),
        ),
        Span::styled("  region ", theme::label()),
        Span::raw(snap.status.to_string()),
        Span::styled("  up ", theme::label()),
        Span::raw(
            summary::uptime(snap, model.now_unix_ns).map_or_else(|| "-".into(), text::uptime),
        ),
        Span::styled("  heartbeat ", theme::label()),
    ];
    let hb = summary::heartbeat(snap);
    let health = model.health();
    let hb_style = if health == Health::Live {
        Style::new()
    } else {
        theme::dim()
    };
    spans.push(Span::styled(hb, hb_style));
    spans.push(Span::styled("  seq ", theme::label()));
    spans.push(Span::raw(snap.last_seq.to_string()));
    if let Some(badge) = health.badge() {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(format!(" {badge} "), theme::health(health)));
    }
    if snap.account.is_halted() {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(" HALTED ", theme::halted()));
    }
    if model.ui.paused {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(" PAUSED ", theme::paused()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).block(block), area);
}

/// The tab titles, the selected one reversed.
fn tabs(selected: Tab) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    for (i, tab) in Tab::ALL.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" │ ", theme::label()));
        }
        let style = if tab.index() == selected.index() {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            Style::new()
        };
        spans.push(Span::styled(tab.title(), style));
    }
    spans.push(Span::styled("  ? help ", theme::label()));
    Line::from(spans)
}
