//! One CSV data row to one [`Tick`]: cells to fixed point, the missing prices derived,
//! every rule checked. A bad row becomes a small `Copy` [`Fault`]; only when it is
//! reported is it rendered (with the cell's text) into a [`RowProblem`].
//!
//! Rules (cells are trimmed of ASCII whitespace; an empty cell counts as absent):
//!
//! - Prices are exact decimals (`123.45`; no exponent, at most 8 significant decimals)
//!   and must be > 0. A price off the instrument's tick grid is kept exactly as given
//!   (historical data often has sub-tick prices, e.g. split-adjusted closes).
//! - Ticks: at least one of bid, ask, last. A missing last is the mid of bid and ask
//!   (rounded down to 10^-8), or the one side given; a missing bid is
//!   `min(last, ask)`, a missing ask `max(last, bid)` (so bid = ask = last when only
//!   last is given). Then `bid <= ask`.
//! - Bars: close is required; bid = ask = last = close, or with a bar spread `s > 0`,
//!   bid = close - s/2 (rounded down to 10^-8), ask = bid + s, last = close; the bid
//!   must stay > 0.
//! - Size (or volume): >= 0, default 0.
//! - A `symbol` cell must equal the file's symbol, ignoring ASCII case.
//!
//! Progress: wait-free; parsing a good row allocates nothing.

use csv::ByteRecord;

use crate::domain::{InstrumentId, ParseFixedError, Price, Qty};
use crate::feed::csv::header::{Layout, Shape};
use crate::feed::csv::time::parse_time;
use crate::feed::error::RowProblem;
use crate::feed::tick::Tick;

/// What is wrong with a row, without its text (cheap to make, `Copy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Wrong number of cells.
    Columns(usize),
    /// An empty required cell, by column.
    Empty(usize),
    /// A cell that did not parse as a number.
    Number(usize, ParseFixedError),
    /// A price <= 0.
    NotPositive(usize),
    /// A size < 0.
    Negative(usize),
    /// A bad time cell, with the reason.
    Time(usize, &'static str),
    NoPrice,
    Crossed(Price, Price),
    SpreadTooWide(Price),
    /// `(this row, the previous fed row)`.
    OutOfOrder(u64, u64),
    /// A symbol cell for another instrument.
    Symbol(usize),
}

/// Parses the data rows of one file.
#[derive(Debug)]
pub(crate) struct RowParser {
    pub(crate) layout: Layout,
    instrument: InstrumentId,
    /// The file's symbol (the configured one).
    symbol: String,
    /// `feed.bar_spread` (bars only; >= 0).
    spread: Price,
}

/// The trimmed bytes of cell `col` (empty when the row is short).
#[inline]
fn cell(rec: &ByteRecord, col: usize) -> &[u8] {
    rec.get(col).unwrap_or_default().trim_ascii()
}

/// Parses a decimal cell; `None` for an empty cell.
#[inline]
fn decimal<T: std::str::FromStr<Err = ParseFixedError>>(
    rec: &ByteRecord,
    col: usize,
) -> Result<Option<T>, Fault> {
    let bytes = cell(rec, col);
    if bytes.is_empty() {
        return Ok(None);
    }
    let text =
        std::str::from_utf8(bytes).map_err(|_| Fault::Number(col, ParseFixedError::Invalid))?;
    text.parse().map(Some).map_err(|e| Fault::Number(col, e))
}

/// A price cell of an optional column: absent, or > 0.
#[inline]
fn price(rec: &ByteRecord, col: Option<usize>) -> Result<Option<Price>, Fault> {
    let Some(col) = col else { return Ok(None) };
    match decimal::<Price>(rec, col)? {
        Some(p) if !p.is_positive() => Err(Fault::NotPositive(col)),
        p => Ok(p),
    }
}

impl RowParser {
    pub(crate) fn new(
        layout: Layout,
        instrument: InstrumentId,
        symbol: &str,
        spread: Price,
    ) -> Self {
        RowParser {
            layout,
            instrument,
            symbol: symbol.to_owned(),
            spread,
        }
    }

    /// The tick of a data row (its order against earlier rows is the caller's check).
    ///
    /// # Errors
    ///
    /// The first rule the row breaks.
    pub(crate) fn parse(&self, rec: &ByteRecord) -> Result<Tick, Fault> {
        let l = &self.layout;
        if rec.len() != l.width {
            return Err(Fault::Columns(rec.len()));
        }
        let time = cell(rec, l.time);
        if time.is_empty() {
            return Err(Fault::Empty(l.time));
        }
        let ts_ns = parse_time(time).map_err(|why| Fault::Time(l.time, why))?;
        if let Some(col) = l.symbol
            && !cell(rec, col).eq_ignore_ascii_case(self.symbol.as_bytes())
        {
            return Err(Fault::Symbol(col));
        }
        let (bid, ask, last) = match l.shape {
            Shape::Ticks => quote(price(rec, l.bid)?, price(rec, l.ask)?, price(rec, l.last)?)?,
            Shape::Bars => {
                let Some(col) = l.last else {
                    return Err(Fault::NoPrice); // a bar layout always has its close
                };
                let close = price(rec, Some(col))?.ok_or(Fault::Empty(col))?;
                self.bar(close, col)?
            }
        };
        let size = match l.size {
            Some(col) => match decimal::<Qty>(rec, col)? {
                Some(q) if q.is_negative() => return Err(Fault::Negative(col)),
                q => q.unwrap_or(Qty::ZERO),
            },
            None => Qty::ZERO,
        };
        Ok(Tick::new(self.instrument, ts_ns, bid, ask, last, size))
    }

    /// A bar's `(bid, ask, last)` at its close.
    fn bar(&self, close: Price, col: usize) -> Result<(Price, Price, Price), Fault> {
        if self.spread.is_zero() {
            return Ok((close, close, close));
        }
        let bid = close.saturating_sub(Price::from_raw(self.spread.raw() / 2));
        if !bid.is_positive() {
            return Err(Fault::SpreadTooWide(close));
        }
        let ask = bid
            .checked_add(self.spread)
            .ok_or(Fault::Number(col, ParseFixedError::Overflow))?;
        Ok((bid, ask, close))
    }

    /// Renders a fault of the row in `rec` (still the row that caused it).
    pub(crate) fn problem(&self, fault: Fault, rec: &ByteRecord) -> RowProblem {
        let column = |col: usize| self.layout.names.get(col).cloned().unwrap_or_default();
        let text = |col: usize| String::from_utf8_lossy(cell(rec, col)).into_owned();
        match fault {
            Fault::Columns(got) => RowProblem::Columns {
                expected: self.layout.width,
                got,
            },
            Fault::Empty(col) => RowProblem::Empty {
                column: column(col),
            },
            Fault::Number(col, why) => {
                let (column, text) = (column(col), text(col));
                match why {
                    ParseFixedError::TooManyDecimals => RowProblem::TooPrecise { column, text },
                    ParseFixedError::Overflow => RowProblem::OutOfRange { column, text },
                    ParseFixedError::Empty | ParseFixedError::Invalid => {
                        RowProblem::NotANumber { column, text }
                    }
                }
            }
            Fault::NotPositive(col) => RowProblem::NotPositive {
                column: column(col),
                text: text(col),
            },
            Fault::Negative(col) => RowProblem::Negative {
                column: column(col),
                text: text(col),
            },
            Fault::Time(col, why) => RowProblem::BadTime {
                column: column(col),
                text: text(col),
                why,
            },
            Fault::NoPrice => RowProblem::NoPrice,
            Fault::Crossed(bid, ask) => RowProblem::Crossed { bid, ask },
            Fault::SpreadTooWide(close) => RowProblem::SpreadTooWide {
                close,
                spread: self.spread,
            },
            Fault::OutOfOrder(ts_ns, prev_ns) => RowProblem::OutOfOrder { ts_ns, prev_ns },
            Fault::Symbol(col) => RowProblem::Symbol {
                expected: self.symbol.clone(),
                got: text(col),
            },
        }
    }
}

/// A tick row's `(bid, ask, last)` from whichever of them it gives.
#[inline]
fn quote(
    bid: Option<Price>,
    ask: Option<Price>,
    last: Option<Price>,
) -> Result<(Price, Price, Price), Fault> {
    let last = match (last, bid, ask) {
        (Some(l), _, _) => l,
        (None, Some(b), Some(a)) => {
            // Both > 0, so the sum fits an i128 and the halved sum an i64.
            Price::from_raw(((i128::from(b.raw()) + i128::from(a.raw())) / 2) as i64)
        }
        (None, Some(p), None) | (None, None, Some(p)) => p,
        (None, None, None) => return Err(Fault::NoPrice),
    };
    let bid = bid.unwrap_or_else(|| ask.map_or(last, |a| a.min(last)));
    let ask = ask.unwrap_or_else(|| bid.max(last));
    if bid > ask {
        return Err(Fault::Crossed(bid, ask));
    }
    Ok((bid, ask, last))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Price {
        s.parse().unwrap()
    }

    #[test]
    fn derives_missing_prices() {
        let q = |b: Option<&str>, a: Option<&str>, l: Option<&str>| {
            quote(b.map(p), a.map(p), l.map(p))
                .map(|(b, a, l)| (b.to_string(), a.to_string(), l.to_string()))
        };
        let s = |b: &str, a: &str, l: &str| Ok((b.to_owned(), a.to_owned(), l.to_owned()));
        assert_eq!(q(None, None, Some("10")), s("10", "10", "10"));
        assert_eq!(
            q(Some("10"), Some("10.01"), None),
            s("10", "10.01", "10.005")
        );
        assert_eq!(
            q(Some("1"), Some("1.00000001"), None),
            s("1", "1.00000001", "1")
        );
        assert_eq!(q(Some("10"), None, None), s("10", "10", "10"));
        assert_eq!(q(None, Some("10"), None), s("10", "10", "10"));
        assert_eq!(q(Some("9"), None, Some("10")), s("9", "10", "10"));
        assert_eq!(q(Some("11"), None, Some("10")), s("11", "11", "10"));
        assert_eq!(q(None, Some("9"), Some("10")), s("9", "9", "10"));
        assert_eq!(q(None, None, None), Err(Fault::NoPrice));
        assert_eq!(
            q(Some("11"), Some("10"), None),
            Err(Fault::Crossed(p("11"), p("10")))
        );
    }
}
