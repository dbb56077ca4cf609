//! [`decide`]: what reconciliation does about one instrument, from the folded state and
//! the broker's report alone.

use seamless_config::ReconcilePolicy;

use crate::domain::{
    Change, EventBody, InstrumentId, Money, Position, Price, Qty, Reason, Side, State,
};

/// The events reconciliation publishes for one broker report, in this order (each
/// `None` when not published): `mismatch`, then `fill` (whose consequences the fold
/// computes, as for any fill), then `sync`, then `halt`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Decision {
    /// `reconciliation_mismatch` {instrument, ours, broker}, when the quantities differ.
    pub mismatch: Option<EventBody>,
    /// `adopt_broker`: `trade_executed` {order_id 0, fee 0} booking the difference
    /// (see [`adopt_price`]).
    pub fill: Option<EventBody>,
    /// `adopt_broker`: `position_synced` {instrument, broker qty, broker avg price}.
    pub sync: Option<EventBody>,
    /// `halt`: `state_changed` {halted, reconciliation}, unless already halted.
    pub halt: Option<EventBody>,
}

impl Decision {
    /// The decision's events in publication order.
    pub fn events(&self) -> impl Iterator<Item = EventBody> {
        [self.mismatch, self.fill, self.sync, self.halt]
            .into_iter()
            .flatten()
    }

    /// `true` when the positions agree (nothing to publish).
    pub fn agrees(&self) -> bool {
        self.mismatch.is_none()
    }
}

/// Decides, for `instrument`, whether our position (in `state`, with the broker's
/// `broker_snapshot` already applied) agrees with the broker's `broker_qty` at
/// `broker_avg`, and what `policy` makes of a difference. Quantities are compared;
/// the broker's average price is adopted with its quantity but alone is no mismatch.
///
/// Pure: the same state and report always give the same decision, so replaying a log
/// ([`replay`](super::replay())) reproduces every mismatch and sync.
///
/// # Examples
///
/// ```
/// use seamless_config::ReconcilePolicy;
/// use seamless_core::domain::{EventBody, InstrumentId, Price, Qty, State};
/// use seamless_core::reconcile::decide;
/// let state = State::new(); // flat
/// let (id, two) = (InstrumentId(0), Qty::from_units(2).unwrap());
/// let px: Price = "10".parse().unwrap();
/// let d = decide(&state, id, two, px, ReconcilePolicy::AdoptBroker);
/// assert_eq!(d.mismatch, Some(EventBody::ReconciliationMismatch {
///     instrument: id, ours: Qty::ZERO, broker: two }));
/// assert!(matches!(d.fill, Some(EventBody::TradeExecuted { order_id: 0, price, .. }) if price == px));
/// assert!(d.sync.is_some() && d.halt.is_none());
/// let d = decide(&state, id, two, px, ReconcilePolicy::Halt);
/// assert!(d.mismatch.is_some() && d.fill.is_none() && d.halt.is_some());
/// ```
pub fn decide(
    state: &State,
    instrument: InstrumentId,
    broker_qty: Qty,
    broker_avg: Price,
    policy: ReconcilePolicy,
) -> Decision {
    let ours = state.position(instrument).copied().unwrap_or_default();
    if ours.qty == broker_qty {
        return Decision::default();
    }
    let mismatch = Some(EventBody::ReconciliationMismatch {
        instrument,
        ours: ours.qty,
        broker: broker_qty,
    });
    match policy {
        ReconcilePolicy::Halt => Decision {
            mismatch,
            halt: (!state.account().is_halted()).then_some(EventBody::StateChanged {
                change: Change::Halted,
                reason: Reason::Reconciliation,
            }),
            ..Decision::default()
        },
        ReconcilePolicy::AdoptBroker => {
            let mark = state.market(instrument).and_then(|m| m.mark());
            let diff = broker_qty.saturating_sub(ours.qty);
            let side = if diff.is_positive() {
                Side::Buy
            } else {
                Side::Sell
            };
            let fill = EventBody::TradeExecuted {
                order_id: 0,
                instrument,
                side,
                qty: diff.saturating_abs(),
                price: adopt_price(&ours, broker_qty, broker_avg, mark),
                fee: Money::ZERO,
            };
            let avg_price = if broker_qty.is_zero() {
                Price::ZERO
            } else {
                broker_avg
            };
            Decision {
                mismatch,
                fill: Some(fill),
                sync: Some(EventBody::PositionSynced {
                    instrument,
                    qty: broker_qty,
                    avg_price,
                }),
                halt: None,
            }
        }
    }
}

/// The price at which `adopt_broker` books the difference between `ours` and the
/// broker's `broker_qty` at `broker_avg`:
///
/// - the broker holds less in the same direction, or is flat (someone closed part or
///   all of it): at the mark, the best estimate of an exit price the broker does not
///   report (at our average price before any mark: nothing realized);
/// - the broker holds more in the same direction (someone added): at the price that
///   makes our cost basis the broker's, `(broker cost - our cost) / difference`;
/// - we are flat, or the broker is on the other side: at the broker's average price
///   (the price its position was opened at).
///
/// Average-cost accounting on both sides makes the result exact for a single
/// unreported fill that opened or added; a closing one is booked at the mark.
pub fn adopt_price(
    ours: &Position,
    broker_qty: Qty,
    broker_avg: Price,
    mark: Option<Price>,
) -> Price {
    let same_side = ours.qty.signum() == broker_qty.signum();
    let reduced = broker_qty.is_zero()
        || (same_side && broker_qty.saturating_abs() < ours.qty.saturating_abs());
    if reduced {
        return mark.unwrap_or(ours.avg_price);
    }
    if ours.qty.is_zero() || !same_side {
        return broker_avg;
    }
    let diff = broker_qty.saturating_sub(ours.qty);
    broker_avg
        .notional(broker_qty)
        .and_then(|cost| cost.checked_sub(ours.cost))
        .and_then(|added| added.per_unit(diff))
        .filter(|p| p.is_positive())
        .unwrap_or(broker_avg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(side: Side, units: i64, px: &str) -> Position {
        let mut p = Position::default();
        p.apply_fill(
            side,
            Qty::from_units(units).unwrap(),
            px.parse().unwrap(),
            1,
        );
        p
    }

    fn u(n: i64) -> Qty {
        Qty::from_units(n).unwrap()
    }

    fn px(s: &str) -> Price {
        s.parse().unwrap()
    }

    #[test]
    fn adding_is_booked_at_the_price_that_gives_the_brokers_basis() {
        // Broker: 3 @ 10 then 2 @ 12.5 = 5 @ 11; we only saw the first fill.
        let ours = pos(Side::Buy, 3, "10");
        let mut broker = ours;
        broker.apply_fill(Side::Buy, u(2), px("12.5"), 2);
        let p = adopt_price(&ours, broker.qty, broker.avg_price, Some(px("99")));
        assert_eq!(p, px("12.5"));
        let mut after = ours;
        after.apply_fill(Side::Buy, u(2), p, 3);
        assert_eq!((after.qty, after.avg_price), (broker.qty, broker.avg_price));
    }

    #[test]
    fn reducing_is_booked_at_the_mark_and_opening_at_the_brokers_average() {
        let ours = pos(Side::Buy, 3, "10");
        assert_eq!(adopt_price(&ours, u(1), px("10"), Some(px("11"))), px("11"));
        assert_eq!(adopt_price(&ours, Qty::ZERO, Price::ZERO, None), px("10"));
        assert_eq!(adopt_price(&ours, u(-2), px("9"), Some(px("11"))), px("9"));
        let flat = Position::default();
        assert_eq!(adopt_price(&flat, u(-2), px("9"), Some(px("11"))), px("9"));
    }
}
