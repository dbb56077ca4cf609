//! The paper broker: fill prices (slippage against the order), exact fees, latency
//! stamps, its own book, snapshots, refusals, and the wire records.

use seamless_config::{BrokerConfig, BrokerFaults};
use seamless_core::broker::{
    BrokerReply, BrokerRequest, FillModel, Order, PaperBroker, ReplyRecord, RequestRecord,
};
use seamless_core::domain::{InstrumentId, Instruments, Money, Price, Qty, RejectReason, Side};
use zerocopy::{FromBytes, IntoBytes};

fn p(s: &str) -> Price {
    s.parse().unwrap()
}
fn q(s: &str) -> Qty {
    s.parse().unwrap()
}
fn m(s: &str) -> Money {
    s.parse().unwrap()
}

fn table() -> (Instruments, InstrumentId, InstrumentId) {
    let mut t = Instruments::new();
    let a = t.add("AAA", p("0.01"), q("1")).unwrap();
    let b = t.add("BBB", p("0.5"), q("0.001")).unwrap();
    (t, a, b)
}

fn order(order_id: u64, instrument: InstrumentId, side: Side, qty: &str) -> Order {
    Order {
        order_id,
        instrument,
        side,
        qty: q(qty),
        ts_ns: 1_000_000,
        bid: p("99.99"),
        ask: p("100.01"),
    }
}

fn fill_of(reply: BrokerReply) -> (Price, Money, u64) {
    match reply {
        BrokerReply::Fill {
            price, fee, ts_ns, ..
        } => (price, fee, ts_ns),
        other => panic!("expected a fill, got {other:?}"),
    }
}

#[test]
fn slippage_moves_the_price_against_the_order() {
    let (t, a, b) = table();
    let model = FillModel {
        slippage_ticks: 3,
        ..FillModel::default()
    };
    let mut broker = PaperBroker::new(&t, model);
    let buy = fill_of(broker.on_order(&order(1, a, Side::Buy, "1")));
    let sell = fill_of(broker.on_order(&order(2, a, Side::Sell, "1")));
    assert_eq!((buy.0, sell.0), (p("100.04"), p("99.96")));
    // Per instrument tick: BBB's tick is 0.5.
    let buy_b = fill_of(broker.on_order(&order(3, b, Side::Buy, "0.001")));
    assert_eq!(buy_b.0, p("101.51"));
    // No slippage: exactly the touch.
    let mut flat = PaperBroker::new(&t, FillModel::default());
    assert_eq!(
        fill_of(flat.on_order(&order(4, a, Side::Buy, "1"))).0,
        p("100.01")
    );
    assert_eq!(
        fill_of(flat.on_order(&order(5, a, Side::Sell, "1"))).0,
        p("99.99")
    );
}

#[test]
fn fees_are_per_unit_plus_bps_of_notional_exactly() {
    let (t, a, b) = table();
    let model = FillModel {
        slippage_ticks: 1,
        fee_per_unit: m("0.01"),
        fee_bps: m("1.5"),
        latency_us: 0,
    };
    let mut broker = PaperBroker::new(&t, model);
    // Buy 3 at 100.02: per unit 0.03; notional 300.06 * 1.5 bp = 0.045009.
    let (_, fee, _) = fill_of(broker.on_order(&order(1, a, Side::Buy, "3")));
    assert_eq!(fee, m("0.075009"));
    // Sell 2 at 99.98: 0.02 + 199.96 * 1.5 bp (0.029994).
    let (_, fee, _) = fill_of(broker.on_order(&order(2, a, Side::Sell, "2")));
    assert_eq!(fee, m("0.049994"));
    // Rounding: notional 0.00005 * 1 bp = 0.000000005, half away from zero: 1e-8.
    let bps_only = FillModel {
        fee_bps: m("1"),
        ..FillModel::default()
    };
    let tiny = Order {
        bid: p("1"),
        ask: p("1"),
        ..order(3, b, Side::Buy, "0.00005")
    };
    let (_, fee, _) = fill_of(PaperBroker::new(&t, bps_only).on_order(&tiny));
    assert_eq!(fee, Money::from_raw(1));
    // Zero fees.
    let (_, fee, _) = fill_of(PaperBroker::new(&t, FillModel::default()).on_order(&tiny));
    assert_eq!(fee, Money::ZERO);
}

#[test]
fn fills_are_stamped_with_the_latency() {
    let (t, a, _) = table();
    let model = FillModel {
        latency_us: 250,
        ..FillModel::default()
    };
    let mut broker = PaperBroker::new(&t, model);
    let o = order(1, a, Side::Buy, "1");
    assert_eq!(broker.due_ns(&o), 1_250_000);
    assert_eq!(fill_of(broker.on_order(&o)).2, 1_250_000);
    let late = Order {
        ts_ns: u64::MAX - 1,
        ..o
    };
    assert_eq!(broker.due_ns(&late), u64::MAX, "saturates");
}

#[test]
fn the_book_uses_average_cost() {
    let (t, a, b) = table();
    let mut broker = PaperBroker::new(&t, FillModel::default());
    let at = |side, qty: &str, bid: &str, ask: &str| Order {
        bid: p(bid),
        ask: p(ask),
        ..order(0, a, side, qty)
    };
    broker.on_order(&at(Side::Buy, "3", "9", "10"));
    broker.on_order(&at(Side::Buy, "1", "13", "14"));
    let pos = broker.position(a).unwrap();
    assert_eq!((pos.qty, pos.avg_price), (q("4"), p("11")));
    broker.on_order(&at(Side::Sell, "1", "12", "13"));
    assert_eq!(broker.position(a).unwrap().avg_price, p("11"));
    broker.on_order(&at(Side::Sell, "5", "12", "13")); // flips short 2 at 12
    let pos = broker.position(a).unwrap();
    assert_eq!((pos.qty, pos.avg_price), (q("-2"), p("12")));
    assert_eq!(pos.realized_pnl, m("4")); // (12 - 11) * 4 units closed
    let snaps: Vec<_> = broker.positions(77).collect();
    assert_eq!(
        snaps,
        vec![
            BrokerReply::Snapshot {
                instrument: a,
                qty: q("-2"),
                avg_price: p("12"),
                ts_ns: 77
            },
            BrokerReply::Snapshot {
                instrument: b,
                qty: Qty::ZERO,
                avg_price: Price::ZERO,
                ts_ns: 77
            },
        ]
    );
    assert_eq!(broker.fills(), 4);
}

#[test]
fn bad_orders_are_rejected_and_leave_the_book_alone() {
    let (t, a, _) = table();
    let model = FillModel {
        slippage_ticks: 1,
        ..FillModel::default()
    };
    let mut broker = PaperBroker::new(&t, model);
    let reason = |r: BrokerReply| match r {
        BrokerReply::Rejected { reason, .. } => reason,
        other => panic!("expected a rejection, got {other:?}"),
    };
    let unknown = order(1, InstrumentId(9), Side::Buy, "1");
    assert_eq!(
        reason(broker.on_order(&unknown)),
        RejectReason::UnknownInstrument
    );
    let zero = order(2, a, Side::Buy, "0");
    assert_eq!(reason(broker.on_order(&zero)), RejectReason::InvalidQty);
    let huge = Order {
        ask: Price::MAX,
        ..order(3, a, Side::Buy, "1")
    };
    assert_eq!(reason(broker.on_order(&huge)), RejectReason::Overflow);
    assert!(broker.position(a).unwrap().is_flat());
    assert_eq!(broker.fills(), 0);
}

#[test]
fn requests_route_orders_and_position_queries() {
    let (t, a, _) = table();
    let mut broker = PaperBroker::new(&t, FillModel::default());
    let mut replies = Vec::new();
    broker.on_request(&BrokerRequest::Order(order(1, a, Side::Buy, "2")), |r| {
        replies.push(r)
    });
    broker.on_request(&BrokerRequest::Positions { ts_ns: 5 }, |r| replies.push(r));
    assert_eq!(replies.len(), 3);
    assert!(matches!(replies[1], BrokerReply::Snapshot { qty, .. } if qty == q("2")));
}

#[test]
fn config_sets_the_model_and_carries_the_faults() {
    let (t, _, _) = table();
    let config = BrokerConfig {
        fee_per_unit: seamless_config::Decimal(1_000_000),
        faults: BrokerFaults::from_cli_spec("drop_fill_every=3").unwrap(),
        ..BrokerConfig::default()
    };
    let broker = PaperBroker::from_config(&t, &config);
    assert_eq!(broker.faults().drop_fill_every, 3);
    let model = broker.model();
    assert_eq!(
        (
            model.slippage_ticks,
            model.fee_per_unit,
            model.fee_bps,
            model.latency_us
        ),
        (1, m("0.01"), m("1"), 50)
    );
}

#[test]
fn records_round_trip_through_bytes() {
    let (_, a, _) = table();
    let replies = [
        BrokerReply::Fill {
            order_id: 1,
            instrument: a,
            side: Side::Sell,
            qty: q("1.5"),
            price: p("-3"),
            fee: m("0.1"),
            ts_ns: 9,
        },
        BrokerReply::Snapshot {
            instrument: InstrumentId(63),
            qty: q("-7"),
            avg_price: p("12.5"),
            ts_ns: 10,
        },
        BrokerReply::Rejected {
            order_id: u64::MAX,
            reason: RejectReason::MaxNotional,
            ts_ns: 11,
        },
    ];
    for reply in replies {
        let bytes = ReplyRecord::encode(&reply).as_bytes().to_vec();
        assert_eq!(bytes.len(), 48);
        let back = ReplyRecord::read_from_bytes(&bytes).unwrap();
        assert_eq!(back.decode(), Ok(reply));
    }
    let req = BrokerRequest::Order(order(4, a, Side::Buy, "1"));
    let bytes = RequestRecord::encode(&req).as_bytes().to_vec();
    assert_eq!(
        RequestRecord::read_from_bytes(&bytes).unwrap().decode(),
        Ok(req)
    );
    assert!(
        ReplyRecord::read_from_bytes(&[0u8; 48])
            .unwrap()
            .decode()
            .is_err()
    );
}
