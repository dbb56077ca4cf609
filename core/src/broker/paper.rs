//! [`PaperBroker`]: fills market orders against the quote they carry, charges fees,
//! keeps its own book of positions (optionally in a [`BookFile`] that outlives the
//! process), ignores client order ids it has already seen, and applies the fault knobs
//! that exercise reconciliation.
//!
//! # Faults (`[broker.faults]`, applied by [`execute`](PaperBroker::execute))
//!
//! Orders and fills are counted from this broker's start (a restarted core starts
//! counting again; the book's own totals continue).
//!
//! - `oob_fill_every = N`: after every Nth fill, the broker also books a trade nobody
//!   ordered, as if someone traded on the broker's site: the opposite side, the same
//!   quantity, at the order's quote (plus slippage) and no fee. The engine is never
//!   told; its position no longer matches the broker's.
//! - `drop_fill_every = M`: every Mth fill is booked but its report is lost.
//! - `stall_after = K`: once K orders were processed the broker answers nothing more
//!   (no fills, rejections or positions); [`is_stalled`](PaperBroker::is_stalled).
//!
//! A duplicate (a client order id at or below the highest one processed; the engine's
//! ids only increase) is ignored: no execution, no reply, counted. So an order the
//! engine already sent can never be executed twice, whatever a restart resends.

use std::path::Path;

use seamless_config::{BrokerConfig, BrokerFaults, Config};

use super::book_file::{BookError, BookFile, BookTotals};
use super::fill_model::FillModel;
use super::msg::{BrokerReply, BrokerRequest, Order};
use crate::domain::{InstrumentId, Instruments, MAX_INSTRUMENTS, Position, Price, RejectReason};
use crate::engine::SetupError;

/// The book file's name in the data directory (with `broker.persist_book`).
pub const BOOK_FILE_NAME: &str = "paper-broker.book";

/// The paper broker's logic: orders in, replies out, a book of positions.
///
/// It is single-threaded and clock-free: the broker thread that wraps it holds each
/// order until its [`due_ns`](Self::due_ns), calls [`execute`](Self::execute) and stops
/// answering once [`is_stalled`](Self::is_stalled).
///
/// Cloning copies the book into memory: a clone never writes the original's file.
#[derive(Debug)]
pub struct PaperBroker {
    model: FillModel,
    faults: BrokerFaults,
    /// Tick size per instrument id `0..instruments`.
    ticks: Box<[Price]>,
    /// The broker's own positions, by instrument id; same accounting as the engine's
    /// fold (average cost), so a correct run keeps both equal.
    book: Box<[Position]>,
    totals: BookTotals,
    /// Orders processed and orders filled since this broker started (fault counting).
    run_orders: u64,
    run_fills: u64,
    /// Where every change of `book`/`totals` is committed, if anywhere.
    file: Option<BookFile>,
}

impl Clone for PaperBroker {
    fn clone(&self) -> Self {
        PaperBroker {
            model: self.model,
            faults: self.faults,
            ticks: self.ticks.clone(),
            book: self.book.clone(),
            totals: self.totals,
            run_orders: self.run_orders,
            run_fills: self.run_fills,
            file: None,
        }
    }
}

impl PaperBroker {
    /// A broker for `instruments` with `model`, no faults and a book in memory.
    /// Allocates the book.
    pub fn new(instruments: &Instruments, model: FillModel) -> Self {
        let n = instruments.len().min(MAX_INSTRUMENTS);
        PaperBroker {
            model,
            faults: BrokerFaults::default(),
            ticks: instruments
                .iter()
                .take(n)
                .map(|(_, i)| i.tick_size)
                .collect(),
            book: vec![Position::default(); n].into_boxed_slice(),
            totals: BookTotals::default(),
            run_orders: 0,
            run_fills: 0,
            file: None,
        }
    }

    /// From `[broker]`, including its `[broker.faults]`, with the book in memory.
    pub fn from_config(instruments: &Instruments, config: &BrokerConfig) -> Self {
        let mut broker = PaperBroker::new(instruments, FillModel::from_config(config));
        broker.faults = config.faults;
        broker
    }

    /// [`from_config`](Self::from_config) with the book kept in the file at `book`
    /// (opened or created; the recovered positions and totals become the book), or in
    /// memory when `book` is `None`.
    ///
    /// # Errors
    ///
    /// [`BookError`] from [`BookFile::open`].
    pub fn open(
        instruments: &Instruments,
        config: &BrokerConfig,
        book: Option<&Path>,
    ) -> Result<Self, BookError> {
        let mut broker = PaperBroker::from_config(instruments, config);
        if let Some(path) = book {
            let (file, opened) = BookFile::open(path, instruments)?;
            for (mine, stored) in broker.book.iter_mut().zip(opened.positions) {
                *mine = stored;
            }
            broker.totals = opened.totals;
            broker.file = Some(file);
        }
        Ok(broker)
    }

    /// The broker a run of `config` uses: [`open`](Self::open) with the book in
    /// `<core.data_dir>/paper-broker.book` when `broker.persist_book`, else in memory.
    ///
    /// # Errors
    ///
    /// [`SetupError::Book`] naming the file.
    pub fn for_run(instruments: &Instruments, config: &Config) -> Result<Self, SetupError> {
        let book = config
            .broker
            .persist_book
            .then(|| config.core.data_dir.join(BOOK_FILE_NAME));
        PaperBroker::open(instruments, &config.broker, book.as_deref()).map_err(SetupError::Book)
    }

    /// Sets the fault knobs.
    pub fn set_faults(&mut self, faults: BrokerFaults) {
        self.faults = faults;
    }

    /// The execution model.
    #[inline]
    pub const fn model(&self) -> &FillModel {
        &self.model
    }

    /// The configured fault knobs (applied by [`execute`](Self::execute); `on_order`
    /// always behaves).
    #[inline]
    pub const fn faults(&self) -> &BrokerFaults {
        &self.faults
    }

    /// Fills executed so far (over the book's life; out-of-band fills not counted).
    #[inline]
    pub const fn fills(&self) -> u64 {
        self.totals.fills
    }

    /// The book's counters.
    #[inline]
    pub const fn totals(&self) -> &BookTotals {
        &self.totals
    }

    /// The book file, if the book is kept in one.
    #[inline]
    pub fn book_file(&self) -> Option<&BookFile> {
        self.file.as_ref()
    }

    /// `true` once the `stall_after` fault has struck: the broker answers nothing more.
    #[inline]
    pub const fn is_stalled(&self) -> bool {
        self.faults.stall_after != 0 && self.run_orders >= self.faults.stall_after
    }

    /// When a fill of `order` is due (see [`FillModel::due_ns`]).
    #[inline]
    pub fn due_ns(&self, order: &Order) -> u64 {
        self.model.due_ns(order)
    }

    /// Executes a market order in full at its quote (plus slippage), books it, and
    /// returns the fill, stamped [`due_ns`](Self::due_ns). An order for an unknown
    /// instrument, with a quantity not > 0, or whose price or fee overflows is
    /// [`BrokerReply::Rejected`] and leaves the book unchanged. No fault applies and
    /// client order ids are not checked (see [`execute`](Self::execute)).
    ///
    /// # Examples
    ///
    /// ```
    /// use seamless_core::broker::{BrokerReply, FillModel, Order, PaperBroker};
    /// use seamless_core::domain::{Instruments, Qty, Side};
    /// let mut table = Instruments::new();
    /// let id = table.add("ABC", "0.01".parse().unwrap(), Qty::ONE).unwrap();
    /// let mut broker = PaperBroker::new(&table, FillModel { slippage_ticks: 1, ..FillModel::default() });
    /// let order = Order { order_id: 1, instrument: id, side: Side::Buy, qty: Qty::ONE, ts_ns: 5,
    ///     bid: "9.99".parse().unwrap(), ask: "10.01".parse().unwrap() };
    /// let BrokerReply::Fill { price, .. } = broker.on_order(&order) else { panic!() };
    /// assert_eq!(price.to_string(), "10.02");
    /// assert_eq!(broker.position(id).unwrap().qty, Qty::ONE);
    /// ```
    pub fn on_order(&mut self, order: &Order) -> BrokerReply {
        let reply = self.fill(order);
        self.note(order);
        self.commit(order.instrument);
        reply
    }

    /// [`on_order`](Self::on_order) as the broker thread runs it: a duplicate client
    /// order id is ignored, and the faults apply (module docs). Returns the reply to
    /// send, or `None` (duplicate, or a dropped report). Wait-free; with a book file,
    /// one [`BookFile::commit`] (no system call).
    ///
    /// # Examples
    ///
    /// ```
    /// use seamless_config::BrokerFaults;
    /// use seamless_core::broker::{FillModel, Order, PaperBroker};
    /// use seamless_core::domain::{Instruments, Qty, Side};
    /// let mut table = Instruments::new();
    /// let id = table.add("ABC", "0.01".parse().unwrap(), Qty::ONE).unwrap();
    /// let mut broker = PaperBroker::new(&table, FillModel::default());
    /// broker.set_faults(BrokerFaults { drop_fill_every: 2, ..BrokerFaults::default() });
    /// let order = |order_id| Order { order_id, instrument: id, side: Side::Buy, qty: Qty::ONE,
    ///     ts_ns: 5, bid: "9.99".parse().unwrap(), ask: "10.01".parse().unwrap() };
    /// assert!(broker.execute(&order(1)).is_some());
    /// assert!(broker.execute(&order(2)).is_none(), "the 2nd fill's report is dropped");
    /// assert!(broker.execute(&order(2)).is_none(), "a duplicate is ignored");
    /// assert_eq!(broker.position(id).unwrap().qty.to_string(), "2");
    /// assert_eq!((broker.totals().dropped, broker.totals().duplicates), (1, 1));
    /// ```
    pub fn execute(&mut self, order: &Order) -> Option<BrokerReply> {
        if order.order_id != 0 && order.order_id <= self.totals.last_order_id {
            self.totals.duplicates += 1;
            self.commit(InstrumentId(u32::MAX));
            return None;
        }
        self.run_orders += 1;
        let mut reply = Some(self.fill(order));
        self.note(order);
        if let Some(BrokerReply::Fill { .. }) = reply {
            self.run_fills += 1;
            let fills = self.run_fills;
            let every = |n: u64| n != 0 && fills.is_multiple_of(n);
            if every(self.faults.oob_fill_every) {
                self.out_of_band(order);
            }
            if every(self.faults.drop_fill_every) {
                self.totals.dropped += 1;
                reply = None;
            }
        }
        self.commit(order.instrument);
        reply
    }

    /// Answers a request: an order yields one reply, a positions query one snapshot
    /// per instrument; each goes to `reply`. (The broker thread follows a positions
    /// answer with [`positions_end`](Self::positions_end).)
    pub fn on_request(&mut self, request: &BrokerRequest, mut reply: impl FnMut(BrokerReply)) {
        match request {
            BrokerRequest::Order(order) => reply(self.on_order(order)),
            BrokerRequest::Positions { ts_ns } => self.positions(*ts_ns).for_each(reply),
        }
    }

    /// The broker's position in `id`.
    #[inline]
    pub fn position(&self, id: InstrumentId) -> Option<&Position> {
        self.book.get(id.index())
    }

    /// Every position as a [`BrokerReply::Snapshot`] stamped `ts_ns`, in id order
    /// (flat ones included, so reconciliation sees every instrument).
    pub fn positions(&self, ts_ns: u64) -> impl Iterator<Item = BrokerReply> + '_ {
        self.book
            .iter()
            .enumerate()
            .map(move |(ix, p)| BrokerReply::Snapshot {
                instrument: InstrumentId(ix as u32),
                qty: p.qty,
                avg_price: p.avg_price,
                ts_ns,
            })
    }

    /// The end of a positions answer to the request stamped `ts_ns`.
    #[inline]
    pub const fn positions_end(&self, ts_ns: u64) -> BrokerReply {
        BrokerReply::PositionsEnd {
            last_order_id: self.totals.last_order_id,
            ts_ns,
        }
    }

    /// Fills `order` into the book (no counters but `fills`, no commit).
    fn fill(&mut self, order: &Order) -> BrokerReply {
        let ts_ns = self.due_ns(order);
        let reject = |reason| BrokerReply::Rejected {
            order_id: order.order_id,
            reason,
            ts_ns,
        };
        let ix = order.instrument.index();
        let Some(&tick) = self.ticks.get(ix) else {
            return reject(RejectReason::UnknownInstrument);
        };
        if !order.qty.is_positive() {
            return reject(RejectReason::InvalidQty);
        }
        let priced = self
            .model
            .price(order.side, order.bid, order.ask, tick)
            .and_then(|price| Some((price, self.model.fee(order.qty, price)?)));
        let Some((price, fee)) = priced else {
            return reject(RejectReason::Overflow);
        };
        self.book[ix].apply_fill(order.side, order.qty, price, ts_ns);
        self.totals.fills += 1;
        BrokerReply::Fill {
            order_id: order.order_id,
            instrument: order.instrument,
            side: order.side,
            qty: order.qty,
            price,
            fee,
            ts_ns,
        }
    }

    /// The `oob_fill_every` fault: the opposite trade at the order's quote, unreported.
    fn out_of_band(&mut self, order: &Order) {
        let ix = order.instrument.index();
        let side = order.side.opposite();
        let tick = self.ticks.get(ix).copied();
        let price = tick.and_then(|t| self.model.price(side, order.bid, order.ask, t));
        if let (Some(price), Some(pos)) = (price, self.book.get_mut(ix)) {
            pos.apply_fill(side, order.qty, price, self.model.due_ns(order));
            self.totals.oob_fills += 1;
        }
    }

    fn note(&mut self, order: &Order) {
        self.totals.orders += 1;
        self.totals.last_order_id = self.totals.last_order_id.max(order.order_id);
    }

    /// Commits `instrument`'s row (if it is in the book) and the totals to the file.
    #[inline]
    fn commit(&mut self, instrument: InstrumentId) {
        if let Some(file) = self.file.as_mut() {
            let ix = instrument.index();
            file.commit(self.book.get(ix).map(|p| (ix, p)), &self.totals);
        }
    }
}
