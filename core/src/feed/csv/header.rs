//! The header line of a CSV feed file: which shape the file has (ticks or bars) and
//! which column holds what.
//!
//! Names are matched after trimming, ignoring ASCII case; unknown columns (`Open`,
//! `High`, `Dividends`, ...) are ignored.
//!
//! | role   | names                                                        |
//! |--------|--------------------------------------------------------------|
//! | time   | `timestamp`, `datetime`, `date`, `time`, `ts`, `date_time`; or an unnamed first column (the pandas index) |
//! | bid    | `bid`, `bid_price`                                           |
//! | ask    | `ask`, `ask_price`                                           |
//! | last   | `last`, `price`, `last_price`, `trade_price`                 |
//! | close  | `close`; else `adj close`, `adj_close`, `adjclose`           |
//! | size   | `size`, `qty`, `quantity`, `volume`, `last_size`             |
//! | symbol | `symbol`, `ticker`                                           |
//!
//! A header with a bid, ask or last column is a **tick** file; otherwise one with a
//! close column is a **bar** file (its close is fed as the last price). Yahoo's
//! `Date,Open,High,Low,Close,Adj Close,Volume` uses `Close`; a file with only
//! `Adj Close` uses that.
//!
//! Progress: runs once per file at start-up; allocates.

use csv::ByteRecord;

/// What a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Quotes and trades: `timestamp,symbol,bid,ask,last,size` or a subset.
    Ticks,
    /// OHLCV bars: `Date,Open,High,Low,Close,Volume`; each is fed at its close.
    Bars,
}

impl Shape {
    /// `"ticks"` or `"bars"`.
    pub const fn name(self) -> &'static str {
        match self {
            Shape::Ticks => "ticks",
            Shape::Bars => "bars",
        }
    }
}

/// Where each role's column is, for one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Layout {
    pub(crate) shape: Shape,
    /// Number of columns every row must have.
    pub(crate) width: usize,
    pub(crate) time: usize,
    /// Ticks only.
    pub(crate) bid: Option<usize>,
    /// Ticks only.
    pub(crate) ask: Option<usize>,
    /// Ticks: the last price; bars: the close (always present).
    pub(crate) last: Option<usize>,
    pub(crate) size: Option<usize>,
    pub(crate) symbol: Option<usize>,
    /// Column names as written (trimmed), for messages; an empty name is `(unnamed)`.
    pub(crate) names: Vec<String>,
}

/// Why a header cannot be used (the caller adds the path).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum HeaderError {
    /// A needed column is absent: its lower-case name, and the header's names.
    Missing(&'static str, Vec<String>),
    /// Two columns for one role.
    Ambiguous(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Time,
    Bid,
    Ask,
    Last,
    Close,
    AdjClose,
    Size,
    Symbol,
    /// `open`, `high`, `low`: ignored, but they mark a bar file when close is missing.
    BarOnly,
}

impl Role {
    fn of(name: &str) -> Option<Role> {
        Some(match name {
            "timestamp" | "datetime" | "date" | "time" | "ts" | "date_time" => Role::Time,
            "bid" | "bid_price" => Role::Bid,
            "ask" | "ask_price" => Role::Ask,
            "last" | "price" | "last_price" | "trade_price" => Role::Last,
            "close" => Role::Close,
            "adj close" | "adj_close" | "adjclose" => Role::AdjClose,
            "size" | "qty" | "quantity" | "volume" | "last_size" => Role::Size,
            "symbol" | "ticker" => Role::Symbol,
            "open" | "high" | "low" => Role::BarOnly,
            _ => return None,
        })
    }

    fn what(self) -> &'static str {
        match self {
            Role::Time => "time",
            Role::Bid => "bid",
            Role::Ask => "ask",
            Role::Last => "last price",
            Role::Close | Role::AdjClose => "close",
            Role::Size => "size",
            Role::Symbol => "symbol",
            Role::BarOnly => "bar",
        }
    }
}

/// Finds the one column of `role`, if any.
fn find(roles: &[Option<Role>], names: &[String], role: Role) -> Result<Option<usize>, String> {
    let mut hits = roles
        .iter()
        .enumerate()
        .filter(|(_, r)| **r == Some(role))
        .map(|(i, _)| i);
    let first = hits.next();
    match (first, hits.next()) {
        (Some(a), Some(b)) => Err(format!(
            "columns {:?} and {:?} both hold the {}; keep one",
            names[a],
            names[b],
            role.what()
        )),
        _ => Ok(first),
    }
}

impl Layout {
    /// Reads a header record.
    ///
    /// # Errors
    ///
    /// [`HeaderError::Missing`] when the time column or every price column is absent;
    /// [`HeaderError::Ambiguous`] when a role has two columns.
    pub(crate) fn from_header(header: &ByteRecord) -> Result<Layout, HeaderError> {
        let raw: Vec<String> = header
            .iter()
            .map(|c| String::from_utf8_lossy(c.trim_ascii()).into_owned())
            .collect();
        let mut roles: Vec<Option<Role>> = raw
            .iter()
            .map(|n| Role::of(&n.to_ascii_lowercase()))
            .collect();
        let names: Vec<String> = raw
            .into_iter()
            .map(|n| {
                if n.is_empty() {
                    "(unnamed)".to_owned()
                } else {
                    n
                }
            })
            .collect();
        // The pandas index: an unnamed first column is the time when nothing else is.
        let unnamed_first = header.get(0).is_some_and(|c| c.trim_ascii().is_empty());
        if unnamed_first && !roles.contains(&Some(Role::Time)) {
            roles[0] = Some(Role::Time);
        }
        let find = |role| find(&roles, &names, role).map_err(HeaderError::Ambiguous);
        let (bid, ask, last) = (find(Role::Bid)?, find(Role::Ask)?, find(Role::Last)?);
        let (time, size, symbol) = (find(Role::Time)?, find(Role::Size)?, find(Role::Symbol)?);
        let close = match find(Role::Close)? {
            Some(c) => Some(c),
            None => find(Role::AdjClose)?,
        };
        let shape = if bid.is_some() || ask.is_some() || last.is_some() {
            Shape::Ticks
        } else if close.is_some() {
            Shape::Bars
        } else if roles.contains(&Some(Role::BarOnly)) {
            return Err(HeaderError::Missing("close", names));
        } else {
            return Err(HeaderError::Missing("last", names));
        };
        let Some(time) = time else {
            let column = match shape {
                Shape::Ticks => "timestamp",
                Shape::Bars => "date",
            };
            return Err(HeaderError::Missing(column, names));
        };
        let (bid, ask, last) = match shape {
            Shape::Ticks => (bid, ask, last),
            Shape::Bars => (None, None, close),
        };
        Ok(Layout {
            shape,
            width: names.len(),
            time,
            bid,
            ask,
            last,
            size,
            symbol,
            names,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(line: &str) -> Result<Layout, HeaderError> {
        Layout::from_header(&ByteRecord::from(line.split(',').collect::<Vec<_>>()))
    }

    #[test]
    fn tick_headers() {
        let l = layout("timestamp,symbol,bid,ask,last,size").unwrap();
        assert_eq!(l.shape, Shape::Ticks);
        assert_eq!(
            (l.time, l.symbol, l.bid, l.ask, l.last, l.size),
            (0, Some(1), Some(2), Some(3), Some(4), Some(5))
        );
        let l = layout(" Price , TS ").unwrap();
        assert_eq!(
            (l.shape, l.time, l.last, l.bid),
            (Shape::Ticks, 1, Some(0), None)
        );
        assert_eq!(l.names, ["Price", "TS"]);
    }

    #[test]
    fn bar_headers() {
        let l = layout("Date,Open,High,Low,Close,Adj Close,Volume").unwrap();
        assert_eq!(l.shape, Shape::Bars);
        assert_eq!((l.time, l.last, l.size, l.width), (0, Some(4), Some(6), 7));
        let l = layout(",Open,High,Low,Close,Volume").unwrap();
        assert_eq!((l.time, l.last), (0, Some(4)));
        assert_eq!(l.names[0], "(unnamed)");
        let l = layout("DATETIME,ADJ CLOSE").unwrap();
        assert_eq!((l.shape, l.time, l.last), (Shape::Bars, 0, Some(1)));
    }

    #[test]
    fn missing_and_ambiguous() {
        assert!(matches!(
            layout("date,open,high"),
            Err(HeaderError::Missing("close", _))
        ));
        assert!(matches!(
            layout("timestamp,symbol"),
            Err(HeaderError::Missing("last", _))
        ));
        assert!(matches!(
            layout("bid,ask"),
            Err(HeaderError::Missing("timestamp", _))
        ));
        assert!(matches!(
            layout("open,close"),
            Err(HeaderError::Missing("date", _))
        ));
        // An unnamed column that is not first is not the time.
        assert!(matches!(
            layout("close,"),
            Err(HeaderError::Missing("date", _))
        ));
        let Err(HeaderError::Ambiguous(msg)) = layout("date,time,close") else {
            panic!("expected ambiguous")
        };
        assert_eq!(
            msg,
            r#"columns "date" and "time" both hold the time; keep one"#
        );
        assert!(matches!(
            layout("ts,last,price"),
            Err(HeaderError::Ambiguous(_))
        ));
    }
}
