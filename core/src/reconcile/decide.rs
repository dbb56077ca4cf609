//! [`decide`]: what reconciliation does about one instrument, from the folded state and
//! the broker's report alone.

use seamless_config::ReconcilePolicy;

use crate::domain::{
    Change, EventBody, InstrumentId, Money, Position, Price, Qty, Reason, SCALE, Side, State,
};

/// The events reconciliation publishes for one broker report, in this order (each
/// `None` when not published): `mismatch`, then `fill` (whose consequences the fold
/// computes, as for any fill), then `sync`, then `halt`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Decision {
    /// `reconciliation_mismatch` {instrument, ours, broker, ours_avg_price,
    /// broker_avg_price}, when the quantities differ or, at an equal non-flat quantity,
    /// the cost bases do (see [`basis_agrees`]).
    pub mismatch: Option<EventBody>,
    /// `adopt_broker` with different quantities: `trade_executed` {order_id 0, fee 0}
    /// booking the difference (see [`adopt_price`]).
    pub fill: Option<EventBody>,
    /// `adopt_broker`: `position_synced` {instrument, broker qty, broker avg price,
    /// realized_pnl: the basis correction left after `fill`}.
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
/// `broker_avg`, and what `policy` makes of a difference.
///
/// Two things are compared: the quantities, exactly; and, when they are equal and not
/// flat, the cost bases, within rounding ([`basis_agrees`]). An out-of-band fill
/// whose report is paired with a dropped one (the paper broker's `oob_fill_every` and
/// `drop_fill_every`) can leave equal quantities at different average prices; that is
/// a mismatch too, or our P&L would drift from the broker's for good.
///
/// Under `adopt_broker` the broker's position becomes ours: a quantity difference is
/// booked as a fill ([`adopt_price`]), then `position_synced` sets the broker's
/// average price, booking the remaining basis change as realized P&L with no cash
/// ([`Position::sync_correction`]; the accounting is in
/// [`State::apply`](crate::domain::State::apply)'s module docs). For a price-only
/// difference there is no fill: the sync alone moves the basis, equity unchanged.
///
/// Pure: the same state and report always give the same decision, so replaying a log
/// ([`replay`](super::replay())) reproduces every mismatch and sync.
///
/// # Examples
///
/// ```
/// use seamless_config::ReconcilePolicy;
/// use seamless_core::domain::{EventBody, InstrumentId, Money, Price, Qty, State};
/// use seamless_core::reconcile::decide;
/// let state = State::new(); // flat
/// let (id, two) = (InstrumentId(0), Qty::from_units(2).unwrap());
/// let px: Price = "10".parse().unwrap();
/// let d = decide(&state, id, two, px, ReconcilePolicy::AdoptBroker);
/// assert_eq!(d.mismatch, Some(EventBody::ReconciliationMismatch {
///     instrument: id, ours: Qty::ZERO, broker: two,
///     ours_avg_price: Price::ZERO, broker_avg_price: px }));
/// assert!(matches!(d.fill, Some(EventBody::TradeExecuted { order_id: 0, price, .. }) if price == px));
/// assert_eq!(d.sync, Some(EventBody::PositionSynced {
///     instrument: id, qty: two, avg_price: px, realized_pnl: Money::ZERO }));
/// assert!(d.halt.is_none());
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
    let qty_differs = ours.qty != broker_qty;
    if !qty_differs && basis_agrees(&ours, broker_avg) {
        return Decision::default();
    }
    let mismatch = Some(EventBody::ReconciliationMismatch {
        instrument,
        ours: ours.qty,
        broker: broker_qty,
        ours_avg_price: ours.avg_price,
        broker_avg_price: broker_avg,
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
            // The position as the fill (if any) leaves it: the fold applies the same
            // arithmetic, so the sync's correction is exactly what it will check.
            let mut after = ours;
            let fill = qty_differs.then(|| {
                let mark = state.market(instrument).and_then(|m| m.mark());
                let diff = broker_qty.saturating_sub(ours.qty);
                let side = if diff.is_positive() {
                    Side::Buy
                } else {
                    Side::Sell
                };
                let (qty, price) = (
                    diff.saturating_abs(),
                    adopt_price(&ours, broker_qty, broker_avg, mark),
                );
                let _ = after.apply_fill(side, qty, price, 0);
                EventBody::TradeExecuted {
                    order_id: 0,
                    instrument,
                    side,
                    qty,
                    price,
                    fee: Money::ZERO,
                }
            });
            let avg_price = if broker_qty.is_zero() {
                Price::ZERO
            } else {
                broker_avg
            };
            Decision {
                mismatch,
                fill,
                sync: Some(EventBody::PositionSynced {
                    instrument,
                    qty: broker_qty,
                    avg_price,
                    realized_pnl: after.sync_correction(broker_qty, avg_price),
                }),
                halt: None,
            }
        }
    }
}

/// Slack, in raw money units (10^-8), for roundings between two syncs: see
/// [`basis_tolerance`].
const BASIS_SLACK: i64 = 16;

/// `true` when our cost basis and the broker's average price `broker_avg` agree at
/// our quantity (always when flat): `|notional(broker_avg, qty) - cost|` is at most
/// [`basis_tolerance`]`(qty)`.
///
/// Why not `avg_price == broker_avg`: both books use the same average-cost arithmetic
/// ([`Position::apply_fill`]) on the same fills, so until the first sync they are
/// equal to the bit and this test is exact equality in effect. But the broker reports
/// its average *rounded* to 10^-8, not its basis: a sync sets our basis to
/// `notional(broker_avg, qty)`, which for `|qty| <= 1` unit is the broker's basis
/// exactly and otherwise may differ from it by up to half a raw unit per unit of
/// quantity. Later identical fills carry that residue along (a partial close scales
/// it and may add one raw unit of rounding), and since an average is the basis
/// divided by the quantity, a small quantity turns it into a visible difference of
/// average prices with no money behind it. Comparing bases in money bounds exactly
/// that, and bounds what it lets pass: a P&L difference of at most the tolerance
/// (below 10^-7 for positions of a few units), where the smallest trade notional is a
/// lot times a tick (10^-6 with the default instruments).
pub fn basis_agrees(ours: &Position, broker_avg: Price) -> bool {
    ours.qty.is_zero()
        || ours.sync_correction(ours.qty, broker_avg).saturating_abs() <= basis_tolerance(ours.qty)
}

/// The cost-basis difference [`basis_agrees`] treats as rounding at `qty`: one raw
/// money unit per started whole unit of quantity (the broker's rounded average, seen
/// through its notional, plus the residue of the last sync, each at most half a unit
/// per unit of quantity), plus 16 raw units (the notionals' own half units and the
/// partial closes since the last sync). Far below a cent for any position this
/// system holds.
pub fn basis_tolerance(qty: Qty) -> Money {
    let units = qty.raw().unsigned_abs().div_ceil(SCALE.unsigned_abs());
    Money::from_raw(
        i64::try_from(units)
            .unwrap_or(i64::MAX)
            .saturating_add(BASIS_SLACK),
    )
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
    use crate::domain::{ApplyError, Event, EventKind};

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

    /// A state holding the fills (order ids 1, 2, ...) on instrument 0, marked at `mark`.
    fn holding(fills: &[(Side, i64, &str)], mark: &str) -> State {
        let id = InstrumentId(0);
        let mut bodies = vec![EventBody::MarketUpdate {
            instrument: id,
            bid: px(mark),
            ask: px(mark),
            last: px(mark),
        }];
        for (n, &(side, units, price)) in (1..).zip(fills) {
            bodies.push(EventBody::TradeExecuted {
                order_id: n,
                instrument: id,
                side,
                qty: u(units),
                price: px(price),
                fee: Money::ZERO,
            });
        }
        let mut state = State::new();
        publish(&mut state, bodies);
        state
    }

    fn publish(state: &mut State, bodies: impl IntoIterator<Item = EventBody>) {
        for body in bodies {
            let seq = state.last_seq() + 1;
            let _ = state.apply(seq, &Event::new(seq, body)).unwrap();
        }
    }

    /// `equity - net_deposits = realized + unrealized` (no deposits here).
    fn balanced(state: &State) -> bool {
        let a = state.account();
        a.realized_pnl.checked_add(a.unrealized_pnl) == Some(a.equity)
    }

    /// We bought 2 @ 100; the broker also bought 2 @ 106 out of band (4 @ 103) and
    /// sold 2 @ 110 for us, its report lost: 2 on both sides, at 100 here and 103
    /// there (average cost: a sale does not move the average).
    fn oob_and_dropped() -> (State, Position) {
        let state = holding(&[(Side::Buy, 2, "100")], "104");
        let mut broker = *state.position(InstrumentId(0)).unwrap();
        broker.apply_fill(Side::Buy, u(2), px("106"), 2);
        broker.apply_fill(Side::Sell, u(2), px("110"), 3);
        (state, broker)
    }

    #[test]
    fn equal_quantities_at_different_average_prices_are_adopted() {
        let (mut state, broker) = oob_and_dropped();
        let id = InstrumentId(0);
        assert_eq!((broker.qty, broker.avg_price), (u(2), px("103")));
        let before = *state.account();
        let d = decide(
            &state,
            id,
            broker.qty,
            broker.avg_price,
            ReconcilePolicy::AdoptBroker,
        );
        assert_eq!(
            d.mismatch,
            Some(EventBody::ReconciliationMismatch {
                instrument: id,
                ours: u(2),
                broker: u(2),
                ours_avg_price: px("100"),
                broker_avg_price: px("103"),
            })
        );
        assert_eq!(d.fill, None, "no quantity to book");
        // The basis moves from 200 to 206: +6 realized, -6 unrealized, no cash.
        assert_eq!(
            d.sync,
            Some(EventBody::PositionSynced {
                instrument: id,
                qty: u(2),
                avg_price: px("103"),
                realized_pnl: "6".parse().unwrap(),
            })
        );
        assert_eq!(d.halt, None);
        publish(&mut state, d.events());
        let pos = state.position(id).unwrap();
        assert_eq!(
            (pos.qty, pos.avg_price, pos.cost),
            (u(2), px("103"), broker.cost)
        );
        assert_eq!(pos.mismatch_open, 0);
        let a = state.account();
        assert_eq!((a.cash, a.equity), (before.cash, before.equity));
        assert_eq!(a.realized_pnl.to_string(), "6");
        assert_eq!(a.unrealized_pnl.to_string(), "2"); // 2 * 104 - 206
        assert!(balanced(&state));
        // The next round agrees.
        assert!(
            decide(
                &state,
                id,
                broker.qty,
                broker.avg_price,
                ReconcilePolicy::AdoptBroker
            )
            .agrees()
        );
    }

    #[test]
    fn equal_quantities_at_different_average_prices_halt_under_halt() {
        let (state, broker) = oob_and_dropped();
        let id = InstrumentId(0);
        let d = decide(
            &state,
            id,
            broker.qty,
            broker.avg_price,
            ReconcilePolicy::Halt,
        );
        assert!(matches!(
            d.mismatch,
            Some(EventBody::ReconciliationMismatch { ours, broker: b, ours_avg_price, broker_avg_price, .. })
                if ours == b && ours_avg_price == px("100") && broker_avg_price == px("103")
        ));
        assert_eq!((d.fill, d.sync), (None, None), "positions are left alone");
        assert_eq!(
            d.halt,
            Some(EventBody::StateChanged {
                change: Change::Halted,
                reason: Reason::Reconciliation
            })
        );
    }

    #[test]
    fn a_short_at_a_different_average_price_is_adopted_with_balanced_books() {
        let mut state = holding(&[(Side::Sell, 3, "50")], "49");
        let id = InstrumentId(0);
        let d = decide(&state, id, u(-3), px("51"), ReconcilePolicy::AdoptBroker);
        assert!(d.mismatch.is_some() && d.fill.is_none());
        publish(&mut state, d.events());
        let pos = state.position(id).unwrap();
        assert_eq!((pos.qty, pos.avg_price), (u(-3), px("51")));
        // The broker's short is at 51: the basis moves from -150 to -153, unrealized
        // +3 (3 * (51 - 49) = 6), realized -3 (no cash came with it).
        assert_eq!(state.account().realized_pnl.to_string(), "-3");
        assert_eq!(pos.unrealized_pnl.to_string(), "6");
        assert!(balanced(&state));
    }

    #[test]
    fn rounding_of_the_brokers_average_is_no_mismatch() {
        // 3 units bought at 10, 10, 10.00000001: the basis is 30.00000001 and the
        // average rounds to 10; a broker reporting 10.00000001 (a sync's residue) or
        // 10 agrees; a tick away does not.
        let state = holding(&[(Side::Buy, 2, "10"), (Side::Buy, 1, "10.00000001")], "10");
        let id = InstrumentId(0);
        let policy = ReconcilePolicy::Halt;
        for avg in ["10", "10.00000001", "9.99999999"] {
            assert!(decide(&state, id, u(3), px(avg), policy).agrees(), "{avg}");
        }
        assert!(!decide(&state, id, u(3), px("10.01"), policy).agrees());
        // Flat on both sides: averages mean nothing.
        assert!(decide(&State::new(), id, Qty::ZERO, px("7"), policy).agrees());
    }

    #[test]
    fn the_fold_books_only_the_exact_correction_or_none() {
        let (state, broker) = oob_and_dropped();
        let id = InstrumentId(0);
        let sync = |realized: &str| {
            Event::new(
                9,
                EventBody::PositionSynced {
                    instrument: id,
                    qty: broker.qty,
                    avg_price: broker.avg_price,
                    realized_pnl: realized.parse().unwrap(),
                },
            )
        };
        let seq = state.last_seq() + 1;
        let mut wrong = state.clone();
        assert_eq!(
            wrong.apply(seq, &sync("5")),
            Err(ApplyError::Inconsistent {
                kind: EventKind::PositionSynced,
                instrument: id
            })
        );
        assert_eq!(wrong, state, "nothing applied");
        // 0: a sync logged before corrections were booked folds as it did then (the
        // basis change shows in unrealized P&L only).
        let mut legacy = state.clone();
        let _ = legacy.apply(seq, &sync("0")).unwrap();
        assert_eq!(legacy.account().realized_pnl, Money::ZERO);
        assert_eq!(legacy.position(id).unwrap().cost, broker.cost);
        let mut booked = state.clone();
        let _ = booked.apply(seq, &sync("6")).unwrap();
        assert!(balanced(&booked) && !balanced(&legacy));
    }

    #[test]
    fn the_tolerance_is_a_raw_unit_per_started_unit_of_quantity_plus_slack() {
        assert_eq!(basis_tolerance(Qty::ZERO).raw(), BASIS_SLACK);
        assert_eq!(basis_tolerance(px_qty("0.01")).raw(), 1 + BASIS_SLACK);
        assert_eq!(basis_tolerance(u(-3)).raw(), 3 + BASIS_SLACK);
        assert_eq!(basis_tolerance(px_qty("3.5")).raw(), 4 + BASIS_SLACK);
        let most = basis_tolerance(Qty::from_raw(i64::MIN)).raw(); // no overflow
        assert_eq!(most, 92_233_720_369 + BASIS_SLACK);
    }

    fn px_qty(s: &str) -> Qty {
        s.parse().unwrap()
    }

    #[test]
    fn a_quantity_adopt_books_the_remaining_basis_change_as_realized() {
        // Ours 3 @ 10; the broker sold 1 out of band and its average is 11 (fills we
        // never saw): the fill books the sale at the mark, the sync the basis.
        let mut state = holding(&[(Side::Buy, 3, "10")], "12");
        let id = InstrumentId(0);
        let d = decide(&state, id, u(2), px("11"), ReconcilePolicy::AdoptBroker);
        assert!(matches!(
            d.fill,
            Some(EventBody::TradeExecuted { side: Side::Sell, qty, price, .. })
                if qty == u(1) && price == px("12")
        ));
        assert!(matches!(
            d.sync,
            Some(EventBody::PositionSynced { realized_pnl, .. }) if realized_pnl.to_string() == "2"
        ));
        publish(&mut state, d.events());
        let pos = state.position(id).unwrap();
        assert_eq!((pos.qty, pos.avg_price), (u(2), px("11")));
        // +2 from the sale at 12, +2 from the basis 20 -> 22.
        assert_eq!(state.account().realized_pnl.to_string(), "4");
        assert!(balanced(&state));
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
