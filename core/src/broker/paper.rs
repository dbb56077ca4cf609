//! [`PaperBroker`]: fills market orders against the quote they carry, charges fees,
//! and keeps its own book of positions.

use seamless_config::{BrokerConfig, BrokerFaults};

use super::fill_model::FillModel;
use super::msg::{BrokerReply, BrokerRequest, Order};
use crate::domain::{InstrumentId, Instruments, MAX_INSTRUMENTS, Position, Price, RejectReason};

/// The paper broker's pure logic: orders in, replies out, a book of positions.
///
/// It is single-threaded and clock-free: the broker thread that wraps it holds each
/// fill until its [`due_ns`](Self::due_ns) and applies the fault knobs
/// ([`faults`](Self::faults)), which this type only carries.
#[derive(Clone, Debug)]
pub struct PaperBroker {
    model: FillModel,
    faults: BrokerFaults,
    /// Tick size per instrument id `0..instruments`.
    ticks: Box<[Price]>,
    /// The broker's own positions, by instrument id; same accounting as the engine's
    /// fold (average cost), so a correct run keeps both equal.
    book: Box<[Position]>,
    fills: u64,
}

impl PaperBroker {
    /// A broker for `instruments` with `model` and no faults. Allocates the book.
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
            fills: 0,
        }
    }

    /// From `[broker]`, including its `[broker.faults]` (carried for the broker thread,
    /// not applied here).
    pub fn from_config(instruments: &Instruments, config: &BrokerConfig) -> Self {
        let mut broker = PaperBroker::new(instruments, FillModel::from_config(config));
        broker.faults = config.faults;
        broker
    }

    /// The execution model.
    #[inline]
    pub const fn model(&self) -> &FillModel {
        &self.model
    }

    /// The configured fault knobs. Hook for the broker thread (out-of-band fills,
    /// dropped fill reports, stalls); `on_order` itself always behaves.
    #[inline]
    pub const fn faults(&self) -> &BrokerFaults {
        &self.faults
    }

    /// Fills executed so far.
    #[inline]
    pub const fn fills(&self) -> u64 {
        self.fills
    }

    /// When a fill of `order` is due (see [`FillModel::due_ns`]).
    #[inline]
    pub fn due_ns(&self, order: &Order) -> u64 {
        self.model.due_ns(order)
    }

    /// Executes a market order in full at its quote (plus slippage), books it, and
    /// returns the fill, stamped [`due_ns`](Self::due_ns). An order for an unknown
    /// instrument, with a quantity not > 0, or whose price or fee overflows is
    /// [`BrokerReply::Rejected`] and leaves the book unchanged.
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
        self.fills += 1;
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

    /// Answers a request: an order yields one reply, a positions query one snapshot
    /// per instrument; each goes to `reply`.
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
}
