//! The monitor's styles, in one place: bad news red, warnings yellow, good news green,
//! stale data dimmed, critical events bold.
//!
//! Progress: constant data.

use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Block, BorderType};
use seamless_core::domain::EventKind;

use crate::summary::Health;

/// Column headers.
pub fn header() -> Style {
    Style::new().add_modifier(Modifier::BOLD).fg(Color::Cyan)
}

/// Data that is old (a stale quote, a dead core's rows).
pub fn dim() -> Style {
    Style::new().add_modifier(Modifier::DIM)
}

/// Labels in key/value panes.
pub fn label() -> Style {
    Style::new().fg(Color::Gray)
}

/// A badge for the core's health (`None`: no badge).
pub fn health(h: Health) -> Style {
    let base = Style::new().add_modifier(Modifier::BOLD);
    match h {
        Health::Live => base.fg(Color::Green),
        Health::Stale => base.fg(Color::Black).bg(Color::Yellow),
        Health::Dead => base.fg(Color::White).bg(Color::Red),
        Health::Stopped => base.fg(Color::Black).bg(Color::Gray),
    }
}

/// The HALTED badge.
pub fn halted() -> Style {
    Style::new()
        .add_modifier(Modifier::BOLD)
        .fg(Color::White)
        .bg(Color::Red)
}

/// The PAUSED badge.
pub fn paused() -> Style {
    Style::new()
        .add_modifier(Modifier::BOLD)
        .fg(Color::Black)
        .bg(Color::Cyan)
}

/// A signed amount: red below zero, green above.
pub fn signed(negative: bool, positive: bool) -> Style {
    match (negative, positive) {
        (true, _) => Style::new().fg(Color::Red),
        (_, true) => Style::new().fg(Color::Green),
        _ => Style::new(),
    }
}

/// An event line by kind: critical kinds bold and coloured, mark updates dimmed.
pub fn event(kind: EventKind) -> Style {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    match kind {
        EventKind::DailyLossBreached | EventKind::ReconciliationMismatch => {
            bold.fg(Color::White).bg(Color::Red)
        }
        EventKind::OrderRejected | EventKind::RunnerStopped | EventKind::MonitorTriggered => {
            bold.fg(Color::Yellow)
        }
        EventKind::TradeExecuted | EventKind::PositionClosed => bold.fg(Color::Green),
        EventKind::MarketUpdate => dim(),
        _ => Style::new(),
    }
}

/// A bordered pane with a title.
pub fn pane(title: &str) -> Block<'static> {
    Block::bordered()
        .border_type(BorderType::Rounded)
        .title(format!(" {title} "))
}
