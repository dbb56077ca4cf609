//! Shared proptest strategies for the domain tests.
#![allow(dead_code)] // each test binary uses a subset

use proptest::prelude::*;
use seamless_core::domain::*;

pub fn arb_side() -> impl Strategy<Value = Side> {
    prop_oneof![Just(Side::Buy), Just(Side::Sell)]
}

pub fn arb_reason() -> impl Strategy<Value = Reason> {
    proptest::sample::select(Reason::ALL)
}

pub fn arb_price() -> impl Strategy<Value = Price> {
    any::<i64>().prop_map(Price::from_raw)
}

pub fn arb_qty() -> impl Strategy<Value = Qty> {
    any::<i64>().prop_map(Qty::from_raw)
}

pub fn arb_money() -> impl Strategy<Value = Money> {
    any::<i64>().prop_map(Money::from_raw)
}

pub fn arb_strategy_name() -> impl Strategy<Value = StrategyName> {
    "[!#-\\[\\]-~]{1,16}".prop_map(|s| StrategyName::new(&s).expect("generated valid"))
}

/// Any event, every kind, any field values, instruments among the first `n_instr`.
pub fn arb_event(n_instr: u32) -> impl Strategy<Value = Event> {
    let id = (0..n_instr).prop_map(InstrumentId);
    let change = prop_oneof![
        Just(Change::Halted),
        Just(Change::Resumed),
        arb_money().prop_map(Change::DailyLossLimit),
        arb_money().prop_map(Change::CashAdjusted),
        (0..u64::MAX / 2).prop_map(Change::RingNearlyFull),
        (0..u64::MAX / 2).prop_map(Change::RingDrained),
    ];
    let body = prop_oneof![
        (
            id.clone(),
            arb_side(),
            arb_strategy_name(),
            arb_price(),
            arb_qty()
        )
            .prop_map(|(instrument, side, strategy, price, qty)| {
                EventBody::SignalDetected {
                    instrument,
                    side,
                    strategy,
                    price,
                    qty,
                }
            }),
        (any::<u64>(), id.clone(), arb_side(), arb_qty(), arb_price()).prop_map(
            |(order_id, instrument, side, qty, price)| EventBody::OrderSubmitted {
                order_id,
                instrument,
                side,
                qty,
                price
            }
        ),
        (
            any::<u64>(),
            id.clone(),
            arb_side(),
            arb_qty(),
            arb_price(),
            proptest::sample::select(RejectReason::ALL)
        )
            .prop_map(|(order_id, instrument, side, qty, price, reason)| {
                EventBody::OrderRejected {
                    order_id,
                    instrument,
                    side,
                    qty,
                    price,
                    reason,
                }
            }),
        (
            any::<u64>(),
            id.clone(),
            arb_side(),
            arb_qty(),
            arb_price(),
            arb_money()
        )
            .prop_map(|(order_id, instrument, side, qty, price, fee)| {
                EventBody::TradeExecuted {
                    order_id,
                    instrument,
                    side,
                    qty,
                    price,
                    fee,
                }
            }),
        (
            any::<u64>(),
            id.clone(),
            arb_side(),
            arb_qty(),
            arb_price(),
            arb_money()
        )
            .prop_map(|(order_id, instrument, side, qty, price, realized_pnl)| {
                EventBody::TradeExitUpdated {
                    order_id,
                    instrument,
                    side,
                    qty,
                    price,
                    realized_pnl,
                }
            }),
        (id.clone(), arb_qty(), arb_price(), arb_money(), arb_money()).prop_map(
            |(instrument, qty, avg_price, realized_pnl, unrealized_pnl)| {
                EventBody::PositionUpdated {
                    instrument,
                    qty,
                    avg_price,
                    realized_pnl,
                    unrealized_pnl,
                }
            }
        ),
        (id.clone(), arb_price(), arb_money()).prop_map(|(instrument, price, realized_pnl)| {
            EventBody::PositionClosed {
                instrument,
                price,
                realized_pnl,
            }
        }),
        (
            id.clone(),
            proptest::option::of(arb_price()),
            proptest::option::of(arb_price())
        )
            .prop_map(|(instrument, stop, target)| EventBody::MonitorArmed {
                instrument,
                stop,
                target
            }),
        (
            id.clone(),
            proptest::sample::select(Trigger::ALL),
            arb_price(),
            arb_price()
        )
            .prop_map(
                |(instrument, trigger, level, price)| EventBody::MonitorTriggered {
                    instrument,
                    trigger,
                    level,
                    price
                }
            ),
        (arb_money(), arb_money(), arb_money()).prop_map(|(daily_pnl, limit, equity)| {
            EventBody::DailyLossBreached {
                daily_pnl,
                limit,
                equity,
            }
        }),
        arb_reason().prop_map(|reason| EventBody::RunnerStarted { reason }),
        arb_reason().prop_map(|reason| EventBody::RunnerStopped { reason }),
        (id.clone(), arb_qty(), arb_qty(), arb_price(), arb_price()).prop_map(
            |(instrument, ours, broker, ours_avg_price, broker_avg_price)| {
                EventBody::ReconciliationMismatch {
                    instrument,
                    ours,
                    broker,
                    ours_avg_price,
                    broker_avg_price,
                }
            }
        ),
        // Mostly no correction, which the fold always accepts; any other is refused
        // unless it is the exact basis change.
        (
            id.clone(),
            arb_qty(),
            arb_price(),
            prop_oneof![3 => Just(Money::ZERO), 1 => arb_money()]
        )
            .prop_map(|(instrument, qty, avg_price, realized_pnl)| {
                EventBody::PositionSynced {
                    instrument,
                    qty,
                    avg_price,
                    realized_pnl,
                }
            }),
        (id.clone(), arb_qty(), arb_price()).prop_map(|(instrument, qty, avg_price)| {
            EventBody::BrokerSnapshot {
                instrument,
                qty,
                avg_price,
            }
        }),
        (change, arb_reason())
            .prop_map(|(change, reason)| EventBody::StateChanged { change, reason }),
        (id, arb_price(), arb_price(), arb_price()).prop_map(|(instrument, bid, ask, last)| {
            EventBody::MarketUpdate {
                instrument,
                bid,
                ask,
                last,
            }
        }),
    ];
    (any::<u64>(), body).prop_map(|(ts_ns, body)| Event::new(ts_ns, body))
}
