//! Messages between the engine and the broker: typed [`BrokerRequest`]/[`Order`] and
//! [`BrokerReply`], and their fixed 48-byte wire forms [`RequestRecord`] and
//! [`ReplyRecord`] for SPSC rings (in-process or in shared memory).
//!
//! Progress: wait-free; encoding and decoding are a few moves and one `match`.
//!
//! # Example
//!
//! ```
//! use seamless_core::broker::{BrokerReply, ReplyRecord};
//! use seamless_core::domain::{InstrumentId, Side};
//! let fill = BrokerReply::Fill {
//!     order_id: 7, instrument: InstrumentId(1), side: Side::Sell,
//!     qty: "2".parse().unwrap(), price: "99.5".parse().unwrap(),
//!     fee: "0.02".parse().unwrap(), ts_ns: 1_000,
//! };
//! let wire = ReplyRecord::encode(&fill);
//! assert_eq!(wire.decode(), Ok(fill));
//! ```
//!
//! # Implementation
//!
//! 1. Both records are `#[repr(C)]`, 6 words, no implicit padding (explicit `_pad`),
//!    zerocopy-derived, so any bytes are a record and a ring copies them word by word.
//! 2. Byte 0 is a kind tag (0 is never used, so a zeroed slot is invalid); codes reuse
//!    the domain's stable [`Side`] and [`RejectReason`] codes.
//! 3. Decoding validates the tag and every code and returns a typed [`MsgError`];
//!    fixed-point fields accept any bits (the engine validates quantities it books).
//!
//! Decoding must never panic or trust a code: a record may come from another process.

use std::error::Error;
use std::fmt;

use zerocopy::{FromBytes, FromZeros, Immutable, IntoBytes, KnownLayout};

use crate::domain::{InstrumentId, Money, Price, Qty, RejectReason, Side};

/// A market order from the engine, with the quote the engine saw when it sent it (the
/// paper broker fills at that quote).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Order {
    /// Client order id (from `State::next_order_id`).
    pub order_id: u64,
    /// Instrument.
    pub instrument: InstrumentId,
    /// Direction.
    pub side: Side,
    /// Quantity (> 0).
    pub qty: Qty,
    /// Time of the input that caused it.
    pub ts_ns: u64,
    /// Best bid at submission.
    pub bid: Price,
    /// Best ask at submission.
    pub ask: Price,
}

/// What the engine asks of the broker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BrokerRequest {
    /// Execute a market order.
    Order(Order),
    /// Report every position (one [`BrokerReply::Snapshot`] per instrument, then one
    /// [`BrokerReply::PositionsEnd`]), for reconciliation.
    Positions {
        /// Time of the request; the answer carries it back, so it names the request
        /// (the engine makes it unique).
        ts_ns: u64,
    },
}

/// What the broker answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BrokerReply {
    /// An order (or part of it) was executed.
    Fill {
        /// The order's client id (0: a fill the engine did not order).
        order_id: u64,
        /// Instrument.
        instrument: InstrumentId,
        /// Direction.
        side: Side,
        /// Filled quantity (> 0).
        qty: Qty,
        /// Execution price.
        price: Price,
        /// Fee charged.
        fee: Money,
        /// Execution time.
        ts_ns: u64,
    },
    /// The broker's position in one instrument.
    Snapshot {
        /// Instrument.
        instrument: InstrumentId,
        /// Signed quantity.
        qty: Qty,
        /// Average price (0 when flat).
        avg_price: Price,
        /// Time of the report.
        ts_ns: u64,
    },
    /// The end of an answer to [`BrokerRequest::Positions`]: every
    /// [`Snapshot`](Self::Snapshot) of that answer came before it.
    PositionsEnd {
        /// The highest client order id the broker has processed (filled, rejected,
        /// or filled with its report lost); 0 when none. Orders are processed in id
        /// order, so an order in flight at or below it will never be answered.
        last_order_id: u64,
        /// The request's time, echoed: it names the request this answers.
        ts_ns: u64,
    },
    /// The broker refused an order.
    Rejected {
        /// The order's client id.
        order_id: u64,
        /// Why.
        reason: RejectReason,
        /// Time of the refusal.
        ts_ns: u64,
    },
}

/// Why a record is not a valid message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MsgError {
    /// Unknown kind tag.
    UnknownKind(u8),
    /// The side byte is not a [`Side`].
    BadSide(u8),
    /// The reason byte is not a [`RejectReason`].
    BadReason(u8),
}

impl fmt::Display for MsgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MsgError::UnknownKind(k) => write!(f, "unknown broker message kind {k}"),
            MsgError::BadSide(s) => write!(f, "invalid side code {s} in broker message"),
            MsgError::BadReason(r) => write!(f, "invalid reject reason {r} in broker message"),
        }
    }
}

impl Error for MsgError {}

const REQ_ORDER: u8 = 1;
const REQ_POSITIONS: u8 = 2;
const REP_FILL: u8 = 1;
const REP_SNAPSHOT: u8 = 2;
const REP_REJECTED: u8 = 3;
const REP_POSITIONS_END: u8 = 4;

/// Wire form of a [`BrokerRequest`] (48 bytes).
///
/// | bytes | field | use |
/// |---|---|---|
/// | 0 | `kind` | 1 order, 2 positions |
/// | 1 | `side` | [`Side`] code (order) |
/// | 2..4 | `_pad` | zero |
/// | 4..8 | `instrument` | id (order) |
/// | 8..16 | `order_id` | (order) |
/// | 16..24 | `qty` | raw (order) |
/// | 24..32 | `bid` | raw (order) |
/// | 32..40 | `ask` | raw (order) |
/// | 40..48 | `ts_ns` | both |
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct RequestRecord {
    kind: u8,
    side: u8,
    _pad: [u8; 2],
    instrument: u32,
    order_id: u64,
    qty: i64,
    bid: i64,
    ask: i64,
    ts_ns: u64,
}

/// Wire form of a [`BrokerReply`] (48 bytes).
///
/// | bytes | field | fill | snapshot | rejected | positions end |
/// |---|---|---|---|---|---|
/// | 0 | `kind` | 1 | 2 | 3 | 4 |
/// | 1 | `side` | side | | | |
/// | 2 | `reason` | | | reason | |
/// | 3 | `_pad` | | | | |
/// | 4..8 | `instrument` | id | id | | |
/// | 8..16 | `order_id` | id | | id | last order id |
/// | 16..24 | `qty` | qty | qty | | |
/// | 24..32 | `price` | price | avg price | | |
/// | 32..40 | `fee` | fee | | | |
/// | 40..48 | `ts_ns` | time | time | time | request time |
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct ReplyRecord {
    kind: u8,
    side: u8,
    reason: u8,
    _pad: u8,
    instrument: u32,
    order_id: u64,
    qty: i64,
    price: i64,
    fee: i64,
    ts_ns: u64,
}

const _: () = assert!(size_of::<RequestRecord>() == 48 && size_of::<ReplyRecord>() == 48);

fn side(code: u8) -> Result<Side, MsgError> {
    Side::from_code(code).ok_or(MsgError::BadSide(code))
}

impl RequestRecord {
    /// Encodes a request (unused bytes zero).
    pub fn encode(req: &BrokerRequest) -> Self {
        let mut r = RequestRecord::new_zeroed();
        match *req {
            BrokerRequest::Order(o) => {
                (r.kind, r.side, r.instrument) = (REQ_ORDER, o.side.code(), o.instrument.0);
                (r.order_id, r.qty, r.ts_ns) = (o.order_id, o.qty.raw(), o.ts_ns);
                (r.bid, r.ask) = (o.bid.raw(), o.ask.raw());
            }
            BrokerRequest::Positions { ts_ns } => (r.kind, r.ts_ns) = (REQ_POSITIONS, ts_ns),
        }
        r
    }

    /// Decodes and validates.
    ///
    /// # Errors
    ///
    /// [`MsgError`] for an unknown kind or side code.
    pub fn decode(&self) -> Result<BrokerRequest, MsgError> {
        match self.kind {
            REQ_ORDER => Ok(BrokerRequest::Order(Order {
                order_id: self.order_id,
                instrument: InstrumentId(self.instrument),
                side: side(self.side)?,
                qty: Qty::from_raw(self.qty),
                ts_ns: self.ts_ns,
                bid: Price::from_raw(self.bid),
                ask: Price::from_raw(self.ask),
            })),
            REQ_POSITIONS => Ok(BrokerRequest::Positions { ts_ns: self.ts_ns }),
            k => Err(MsgError::UnknownKind(k)),
        }
    }
}

impl ReplyRecord {
    /// Encodes a reply (unused bytes zero).
    pub fn encode(reply: &BrokerReply) -> Self {
        let mut r = ReplyRecord::new_zeroed();
        match *reply {
            BrokerReply::Fill {
                order_id,
                instrument,
                side,
                qty,
                price,
                fee,
                ts_ns,
            } => {
                (r.kind, r.side, r.instrument) = (REP_FILL, side.code(), instrument.0);
                (r.order_id, r.qty, r.price) = (order_id, qty.raw(), price.raw());
                (r.fee, r.ts_ns) = (fee.raw(), ts_ns);
            }
            BrokerReply::Snapshot {
                instrument,
                qty,
                avg_price,
                ts_ns,
            } => {
                (r.kind, r.instrument) = (REP_SNAPSHOT, instrument.0);
                (r.qty, r.price, r.ts_ns) = (qty.raw(), avg_price.raw(), ts_ns);
            }
            BrokerReply::Rejected {
                order_id,
                reason,
                ts_ns,
            } => {
                (r.kind, r.reason) = (REP_REJECTED, reason.code());
                (r.order_id, r.ts_ns) = (order_id, ts_ns);
            }
            BrokerReply::PositionsEnd {
                last_order_id,
                ts_ns,
            } => (r.kind, r.order_id, r.ts_ns) = (REP_POSITIONS_END, last_order_id, ts_ns),
        }
        r
    }

    /// Decodes and validates.
    ///
    /// # Errors
    ///
    /// [`MsgError`] for an unknown kind, side or reason code.
    pub fn decode(&self) -> Result<BrokerReply, MsgError> {
        let instrument = InstrumentId(self.instrument);
        match self.kind {
            REP_FILL => Ok(BrokerReply::Fill {
                order_id: self.order_id,
                instrument,
                side: side(self.side)?,
                qty: Qty::from_raw(self.qty),
                price: Price::from_raw(self.price),
                fee: Money::from_raw(self.fee),
                ts_ns: self.ts_ns,
            }),
            REP_SNAPSHOT => Ok(BrokerReply::Snapshot {
                instrument,
                qty: Qty::from_raw(self.qty),
                avg_price: Price::from_raw(self.price),
                ts_ns: self.ts_ns,
            }),
            REP_REJECTED => Ok(BrokerReply::Rejected {
                order_id: self.order_id,
                reason: RejectReason::from_code(self.reason)
                    .ok_or(MsgError::BadReason(self.reason))?,
                ts_ns: self.ts_ns,
            }),
            REP_POSITIONS_END => Ok(BrokerReply::PositionsEnd {
                last_order_id: self.order_id,
                ts_ns: self.ts_ns,
            }),
            k => Err(MsgError::UnknownKind(k)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_codes_are_typed_errors() {
        let mut r = ReplyRecord::new_zeroed();
        assert_eq!(r.decode(), Err(MsgError::UnknownKind(0)));
        r.kind = REP_FILL;
        r.side = 9;
        assert_eq!(r.decode(), Err(MsgError::BadSide(9)));
        r.kind = REP_REJECTED;
        r.reason = 200;
        assert_eq!(r.decode(), Err(MsgError::BadReason(200)));
        let mut q = RequestRecord::new_zeroed();
        q.kind = 7;
        assert_eq!(q.decode(), Err(MsgError::UnknownKind(7)));
    }

    #[test]
    fn requests_round_trip() {
        let order = BrokerRequest::Order(Order {
            order_id: u64::MAX,
            instrument: InstrumentId(63),
            side: Side::Buy,
            qty: Qty::from_raw(-1),
            ts_ns: 9,
            bid: Price::MIN,
            ask: Price::MAX,
        });
        for req in [order, BrokerRequest::Positions { ts_ns: 3 }] {
            assert_eq!(RequestRecord::encode(&req).decode(), Ok(req));
        }
    }

    #[test]
    fn positions_end_round_trips() {
        let end = BrokerReply::PositionsEnd {
            last_order_id: u64::MAX,
            ts_ns: 42,
        };
        assert_eq!(ReplyRecord::encode(&end).decode(), Ok(end));
    }
}
