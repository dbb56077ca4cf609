//! The broker side of the hot path: the messages that cross the engine<->broker rings
//! ([`Order`], [`BrokerRequest`], [`BrokerReply`] and their wire records), and the
//! [`PaperBroker`], which fills market orders at the touch plus slippage, charges fees,
//! stamps fills with the configured latency and keeps its own book.
//!
//! Everything here is single-threaded and clock-free. The broker thread (in the
//! runtime) pops [`RequestRecord`]s, holds each order until it is due
//! ([`PaperBroker::due_ns`]), calls [`PaperBroker::execute`], answers a positions
//! request with [`PaperBroker::positions`] and [`PaperBroker::positions_end`], and
//! pushes [`ReplyRecord`]s back. A real broker adapter takes that thread's place behind
//! the same messages.
//!
//! Progress: wait-free; `execute` is a few checked integer operations, one book update
//! and (with a book file) one commit of relaxed stores into a file mapping, with no
//! allocation or system call after [`PaperBroker::open`].
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
//! 4. Client order ids: the book remembers the highest id processed; the engine's ids
//!    only increase, so an id at or below it is a duplicate and is ignored.
//! 5. Fault knobs (`[broker.faults]`): out-of-band fills, dropped reports, a stall
//!    (see [`paper`](PaperBroker) for exactly what each does).
//! 6. The book file: every change is committed with a redo journal into a mapped
//!    file, so a SIGKILL of the core loses nothing the broker did ([`BookFile`]).
//!
//! It must never read a clock or sleep: time is the order's and the model's.

mod book_file;
mod fill_model;
mod msg;
mod paper;

pub use book_file::{
    BOOK_FILE_VERSION, BookError, BookFile, BookProblem, BookTotals, OpenedBook, StoredBook,
    read_book,
};
pub use fill_model::FillModel;
pub use msg::{BrokerReply, BrokerRequest, MsgError, Order, ReplyRecord, RequestRecord};
pub use paper::{BOOK_FILE_NAME, PaperBroker};
