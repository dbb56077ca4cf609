//! The positions pane: every instrument with a position or a fill this run (quantity,
//! average price, the mark it is valued at, unrealized and realized P&L, fills, last
//! update).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use seamless_core::Money;

use super::{Model, theme};
use crate::text;

/// Draws the positions into `area`.
pub fn render(frame: &mut Frame<'_>, area: Rect, model: &Model) {
    let block = theme::pane("Positions");
    let rows: Vec<Row<'_>> = model
        .snap
        .positions
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.qty.is_zero() || p.fills > 0)
        .map(|(ix, p)| {
            let side = if p.qty.is_zero() {
                "flat"
            } else if p.qty.is_negative() {
                "short"
            } else {
                "long"
            };
            Row::new(vec![
                Cell::from(model.symbol(ix).to_owned()),
                Cell::from(side),
                Cell::from(p.qty.to_string()),
                Cell::from(p.avg_price.to_string()),
                Cell::from(if p.marked == 0 {
                    "-".to_owned()
                } else {
                    p.mark.to_string()
                }),
                money(p.unrealized_pnl),
                money(p.realized_pnl),
                Cell::from(p.fills.to_string()),
                Cell::from(if p.updated_ns == 0 {
                    "-".to_owned()
                } else {
                    text::clock(p.updated_ns)
                }),
            ])
        })
        .collect();
    if rows.is_empty() {
        let empty = Line::from(Span::styled("no open positions", theme::dim()));
        frame.render_widget(Paragraph::new(empty).block(block), area);
        return;
    }
    let header = Row::new([
        "Instrument",
        "Side",
        "Qty",
        "Avg price",
        "Mark",
        "Unrealized",
        "Realized",
        "Fills",
        "Updated",
    ])
    .style(theme::header());
    // 90 columns + 8 gaps: the table fits a 100-column pane with its border.
    let widths = [
        Constraint::Length(10),
        Constraint::Length(5),
        Constraint::Length(10),
        Constraint::Length(12),
        Constraint::Length(12),
        Constraint::Length(12),
        Constraint::Length(12),
        Constraint::Length(5),
        Constraint::Length(12),
    ];
    frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
}

fn money(m: Money) -> Cell<'static> {
    Cell::from(Span::styled(
        m.to_string(),
        theme::signed(m.is_negative(), m.is_positive()),
    ))
}
