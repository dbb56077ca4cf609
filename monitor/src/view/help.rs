//! The footer (keys, the filter being typed, a note) and the `?` help overlay.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::{Model, theme};

/// The keys, as the help overlay lists them.
const KEYS: &[(&str, &str)] = &[
    ("q, Ctrl-C", "quit (the terminal is restored)"),
    (
        "p",
        "pause / resume reading (the screen keeps the last state)",
    ),
    (
        "tab, shift-tab",
        "next / previous tab: Overview, Events, System",
    ),
    (
        "/",
        "filter the event tail by kind or instrument; Enter applies, Esc clears",
    ),
    ("?", "show / hide this help"),
];

/// Draws the one-line footer into `area`.
pub fn footer(frame: &mut Frame<'_>, area: Rect, model: &Model) {
    let line = if let Some(typed) = &model.ui.editing {
        Line::from(vec![
            Span::styled(" filter: ", theme::header()),
            Span::raw(typed.clone()),
            Span::raw("▏"),
            Span::styled("   Enter apply · Esc clear", theme::label()),
        ])
    } else if let Some(note) = &model.note {
        Line::from(Span::styled(format!(" {note}"), theme::label()))
    } else {
        Line::from(Span::styled(
            " q quit · p pause · tab switch · / filter · ? help",
            theme::label(),
        ))
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// Draws the help box centred over `area`.
pub fn overlay(frame: &mut Frame<'_>, area: Rect) {
    let [_, mid, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(KEYS.len() as u16 + 6),
        Constraint::Fill(1),
    ])
    .areas(area);
    let [_, boxed, _] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(78.min(area.width)),
        Constraint::Fill(1),
    ])
    .areas(mid);
    let mut lines: Vec<Line<'_>> = KEYS
        .iter()
        .map(|(key, what)| {
            Line::from(vec![
                Span::styled(format!("{key:>16}  "), theme::header()),
                Span::raw(*what),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        "STALE: heartbeat older than monitor.stale_ms · DEAD: the core's lock is free \
         (crashed or killed) · STOPPED: clean stop · logged: the persister made it durable",
        theme::label(),
    )));
    frame.render_widget(Clear, boxed);
    let help = Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .block(theme::pane("Help"));
    frame.render_widget(help, boxed);
}
