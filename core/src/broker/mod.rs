//! The broker side of the hot path: the messages that cross the engine<->broker rings
//! ([`Order`], [`BrokerRequest`], [`BrokerReply`] and their wire records), and the
//! [`PaperBroker`], which fills market orders at the touch plus slippage, charges fees,
//! stamps fills with the configured latency and keeps its own book.
//!
//! Everything here is pure and single-threaded. The broker thread (written elsewhere)
//! pops [`RequestRecord`]s, calls [`PaperBroker::on_request`], holds each reply until
//! its timestamp ([`PaperBroker::due_ns`]) and pushes [`ReplyRecord`]s back. A real
//! broker adapter takes that thread's place behind the same messages.
//!
//! Progress: wait-free; `on_order` is a few checked integer operations and one book
//! update, with no allocation after [`PaperBroker::new`].
//!
//! # Example
//!
//! ```
//! use seamless_core::broker::{BrokerReply, FillModel, Order, PaperBroker};
//! use seamless_core::domain::{Instruments, Qty, Side};
//! let mut table = Instruments::new();
//! let id = table.add("XYZ", "0.5".parse().unwrap(), Qty::ONE).unwrap();
//! let model = FillModel { slippage_ticks: 1, fee_bps: "10".parse().unwrap(), latency_us: 50,
//!                         ..FillModel::default() };
//! let mut broker = PaperBroker::new(&table, model);
//! let sell = Order { order_id: 3, instrument: id, side: Side::Sell, qty: "4".parse().unwrap(),
//!     ts_ns: 1_000, bid: "100".parse().unwrap(), ask: "100.5".parse().unwrap() };
//! let reply = broker.on_order(&sell);
//! assert_eq!(reply, BrokerReply::Fill { order_id: 3, instrument: id, side: Side::Sell,
//!     qty: "4".parse().unwrap(), price: "99.5".parse().unwrap(), // bid - 1 tick
//!     fee: "0.398".parse().unwrap(),                              // 398 * 10 bp
//!     ts_ns: 51_000 });                                           // + 50 us
//! assert_eq!(broker.position(id).unwrap().qty.to_string(), "-4");
//! ```
//!
//! # Implementation
//!
//! 1. Fill price: ask (buy) or bid (sell) from the order, moved against the order by
//!    `slippage_ticks * tick_size` ([`FillModel::price`]).
//! 2. Fee: `fee_per_unit * qty + |notional| * fee_bps / 10^4`, exact fixed point
//!    ([`FillModel::fee`]).
//! 3. The book is one domain [`Position`](crate::domain::Position) per instrument,
//!    moved by the same `apply_fill` as the engine's fold, so the engine's positions
//!    equal the broker's after every fill both have seen.
//! 4. Fault knobs (`[broker.faults]`) are carried, not applied: the broker thread
//!    implements them where the timing lives (a later issue).
//!
//! It must never read a clock or sleep: time is the order's and the model's.

mod fill_model;
mod msg;
mod paper;

pub use fill_model::FillModel;
pub use msg::{BrokerReply, BrokerRequest, MsgError, Order, ReplyRecord, RequestRecord};
pub use paper::PaperBroker;
