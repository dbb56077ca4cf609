//! [`PendingOrders`]: orders sent to the broker and not yet filled or rejected, in a
//! fixed-capacity table, with per-instrument pending quantities for sizing and risk.

use crate::domain::{InstrumentId, MAX_INSTRUMENTS, Price, Qty, Side};
use crate::risk::Exposure;

/// Most orders in flight at once; one more is rejected (reason `broker`).
pub const MAX_PENDING: usize = 256;

/// Why the engine sent an order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Origin {
    /// The strategy's intent.
    #[default]
    Strategy,
    /// A monitor fired (stop-loss or take-profit exit).
    Monitor,
    /// The daily loss limit was breached with `flatten_on_breach`.
    Flatten,
}

/// One order in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingOrder {
    /// Client order id.
    pub order_id: u64,
    /// Instrument.
    pub instrument: InstrumentId,
    /// Direction.
    pub side: Side,
    /// Quantity not yet filled (> 0).
    pub remaining: Qty,
    /// Reference price at submission.
    pub price: Price,
    /// Why it was sent.
    pub origin: Origin,
}

impl PendingOrder {
    /// An unused slot.
    const EMPTY: PendingOrder = PendingOrder {
        order_id: 0,
        instrument: InstrumentId(0),
        side: Side::Buy,
        remaining: Qty::ZERO,
        price: Price::ZERO,
        origin: Origin::Strategy,
    };
}

/// The orders in flight. Invariants: `slots[..len]` are the live orders (unordered),
/// and `buy[i]`/`sell[i]` are the sums of their `remaining` per instrument and side.
#[derive(Clone, Debug)]
pub struct PendingOrders {
    slots: [PendingOrder; MAX_PENDING],
    len: usize,
    buy: [Qty; MAX_INSTRUMENTS],
    sell: [Qty; MAX_INSTRUMENTS],
}

impl Default for PendingOrders {
    fn default() -> Self {
        PendingOrders {
            slots: [PendingOrder::EMPTY; MAX_PENDING],
            len: 0,
            buy: [Qty::ZERO; MAX_INSTRUMENTS],
            sell: [Qty::ZERO; MAX_INSTRUMENTS],
        }
    }
}

impl PendingOrders {
    /// `true` when no more orders fit.
    #[inline]
    pub fn is_full(&self) -> bool {
        self.len == MAX_PENDING
    }

    /// The orders in flight.
    #[inline]
    pub fn iter(&self) -> impl Iterator<Item = &PendingOrder> {
        self.slots[..self.len].iter()
    }

    /// `instrument`'s position `position` with its pending quantities.
    #[inline]
    pub fn exposure(&self, instrument: InstrumentId, position: Qty) -> Exposure {
        let ix = instrument.index().min(MAX_INSTRUMENTS - 1);
        Exposure {
            position,
            pending_buy: self.buy[ix],
            pending_sell: self.sell[ix],
        }
    }

    /// Adds an order; `false` (unchanged) when full or the instrument is out of range.
    #[inline]
    pub fn insert(&mut self, order: PendingOrder) -> bool {
        if self.is_full() || order.instrument.index() >= MAX_INSTRUMENTS {
            return false;
        }
        self.slots[self.len] = order;
        self.len += 1;
        self.adjust(&order, order.remaining, true);
        true
    }

    /// Books a fill of `qty` against order `order_id` on `instrument`/`side`; removes
    /// the order when nothing remains. Returns the order as it was, or `None` if no such
    /// order is in flight (an out-of-band or unknown fill).
    #[inline]
    pub fn fill(
        &mut self,
        order_id: u64,
        instrument: InstrumentId,
        side: Side,
        qty: Qty,
    ) -> Option<PendingOrder> {
        let at = self.find(order_id)?;
        let order = self.slots[at];
        if order.instrument != instrument || order.side != side {
            return None;
        }
        let done = qty.min(order.remaining);
        self.adjust(&order, done, false);
        self.slots[at].remaining = order.remaining.saturating_sub(done);
        if self.slots[at].remaining.is_zero() {
            self.swap_remove(at);
        }
        Some(order)
    }

    /// Removes order `order_id` (rejected); returns it, or `None` if unknown.
    #[inline]
    pub fn remove(&mut self, order_id: u64) -> Option<PendingOrder> {
        let at = self.find(order_id)?;
        let order = self.slots[at];
        self.adjust(&order, order.remaining, false);
        self.swap_remove(at);
        Some(order)
    }

    /// Removes every order with an id at or below `order_id` (the broker processed them
    /// and their replies were lost); returns how many.
    pub fn forget_up_to(&mut self, order_id: u64) -> usize {
        let mut gone = 0;
        let mut at = 0;
        while at < self.len {
            let order = self.slots[at];
            if order.order_id <= order_id {
                self.adjust(&order, order.remaining, false);
                self.swap_remove(at);
                gone += 1;
            } else {
                at += 1;
            }
        }
        gone
    }

    fn find(&self, order_id: u64) -> Option<usize> {
        self.slots[..self.len]
            .iter()
            .position(|o| o.order_id == order_id)
    }

    fn swap_remove(&mut self, at: usize) {
        self.len -= 1;
        self.slots[at] = self.slots[self.len];
    }

    fn adjust(&mut self, order: &PendingOrder, qty: Qty, add: bool) {
        let ix = order.instrument.index();
        let sum = match order.side {
            Side::Buy => &mut self.buy[ix],
            Side::Sell => &mut self.sell[ix],
        };
        *sum = if add {
            sum.saturating_add(qty)
        } else {
            sum.saturating_sub(qty)
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(order_id: u64, side: Side, units: i64) -> PendingOrder {
        PendingOrder {
            order_id,
            instrument: InstrumentId(2),
            side,
            remaining: Qty::from_units(units).unwrap(),
            ..PendingOrder::EMPTY
        }
    }

    #[test]
    fn sums_follow_inserts_fills_and_removals() {
        let mut p = PendingOrders::default();
        let id = InstrumentId(2);
        assert!(p.insert(order(1, Side::Buy, 3)));
        assert!(p.insert(order(2, Side::Sell, 1)));
        let q = |u| Qty::from_units(u).unwrap();
        assert_eq!(p.exposure(id, q(5)).pending_buy, q(3));
        assert!(p.fill(1, id, Side::Buy, q(1)).is_some());
        assert_eq!(p.exposure(id, q(5)).pending_buy, q(2));
        assert_eq!(p.fill(1, id, Side::Sell, q(1)), None, "side must match");
        assert!(p.fill(1, id, Side::Buy, q(2)).is_some());
        assert_eq!(p.iter().count(), 1);
        assert_eq!(p.remove(2).map(|o| o.order_id), Some(2));
        assert_eq!(
            p.exposure(id, q(5)),
            Exposure {
                position: q(5),
                ..Exposure::default()
            }
        );
        assert_eq!(p.remove(2), None);
    }

    #[test]
    fn forgetting_up_to_an_id_keeps_the_sums() {
        let mut p = PendingOrders::default();
        for (i, side) in [
            (3, Side::Buy),
            (1, Side::Sell),
            (7, Side::Buy),
            (2, Side::Buy),
        ] {
            assert!(p.insert(order(i, side, 1)));
        }
        assert_eq!(p.forget_up_to(3), 3);
        let ids: Vec<u64> = p.iter().map(|o| o.order_id).collect();
        assert_eq!(ids, [7]);
        let e = p.exposure(InstrumentId(2), Qty::ZERO);
        assert_eq!((e.pending_buy, e.pending_sell), (Qty::ONE, Qty::ZERO));
    }

    #[test]
    fn full_table_refuses() {
        let mut p = PendingOrders::default();
        for i in 0..MAX_PENDING as u64 {
            assert!(p.insert(order(i + 1, Side::Buy, 1)));
        }
        assert!(p.is_full() && !p.insert(order(999, Side::Buy, 1)));
    }
}
