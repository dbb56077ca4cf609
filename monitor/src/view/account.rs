//! The account pane: cash, equity, realized/unrealized P&L, fees, daily P&L against
//! the daily loss limit (with how much of the limit is used), and HALTED.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use seamless_core::Money;

use super::{Model, theme};

/// Draws the account into `area`.
pub fn render(frame: &mut Frame<'_>, area: Rect, model: &Model) {
    let a = &model.snap.account;
    let row = |label: &'static str, value: Money| {
        Line::from(vec![
            Span::styled(format!("{label:<12}"), theme::label()),
            Span::styled(value.to_string(), money_style(value)),
        ])
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("{:<12}", "Cash"), theme::label()),
            Span::raw(a.cash.to_string()),
        ]),
        Line::from(vec![
            Span::styled(format!("{:<12}", "Equity"), theme::label()),
            Span::raw(a.equity.to_string()),
        ]),
        row("Realized", a.realized_pnl),
        row("Unrealized", a.unrealized_pnl),
        Line::from(vec![
            Span::styled(format!("{:<12}", "Fees"), theme::label()),
            Span::raw(a.fees.to_string()),
        ]),
    ];
    let mut daily = vec![
        Span::styled(format!("{:<12}", "Daily P&L"), theme::label()),
        Span::styled(a.daily_pnl.to_string(), money_style(a.daily_pnl)),
    ];
    if a.daily_loss_limit.is_positive() {
        daily.push(Span::styled(" of -", theme::label()));
        daily.push(Span::raw(a.daily_loss_limit.to_string()));
        let used = loss_used_pct(a.daily_pnl, a.daily_loss_limit);
        let style = if used >= 80 {
            theme::signed(true, false)
        } else {
            Style::new()
        };
        daily.push(Span::styled(format!(" ({used}%)"), style));
    } else {
        daily.push(Span::styled("  no limit", theme::label()));
    }
    lines.push(Line::from(daily));
    let trading = if a.is_halted() {
        let why = a.halt_reason().map_or("unknown", |r| r.name());
        Span::styled(format!(" HALTED: {why} "), theme::halted())
    } else {
        Span::styled("active", theme::signed(false, true))
    };
    lines.push(Line::from(vec![
        Span::styled(format!("{:<12}", "Trading"), theme::label()),
        trading,
    ]));
    frame.render_widget(Paragraph::new(lines).block(theme::pane("Account")), area);
}

/// Percentage of the daily loss limit used by a loss of `daily` (0 when in profit).
fn loss_used_pct(daily: Money, limit: Money) -> u64 {
    let loss = (-i128::from(daily.raw())).max(0);
    let limit = i128::from(limit.raw()).max(1);
    u64::try_from(loss * 100 / limit).unwrap_or(u64::MAX)
}

fn money_style(m: Money) -> Style {
    theme::signed(m.is_negative(), m.is_positive())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_usage_counts_only_losses() {
        let m = |s: &str| s.parse::<Money>().unwrap_or_default();
        assert_eq!(loss_used_pct(m("-250"), m("1000")), 25);
        assert_eq!(loss_used_pct(m("300"), m("1000")), 0);
        assert_eq!(loss_used_pct(m("-1200"), m("1000")), 120);
    }
}
