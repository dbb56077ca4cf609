//! The event JSON contract: `{"seq","ts_ns","kind",...fields}` with symbols, side and
//! code names, and exact decimal numbers; valid JSON for every kind and value.

mod common;

use common::arb_event;
use proptest::prelude::*;
use seamless_core::domain::*;
use serde_json::Value;

const SYMBOLS: [&str; 4] = ["AAPL", "ABCDEFGHIJKLMNO", "^GSPC", "EURUSD=X"];

fn table() -> Instruments {
    let mut t = Instruments::new();
    for s in SYMBOLS {
        t.add(s, Price::from_raw(1), Qty::from_raw(1)).unwrap();
    }
    t
}

/// The raw text of each field the contract promises, in writing order.
fn expected(ev: &Event, seq: u64) -> Vec<(&'static str, String)> {
    use EventBody as B;
    let q = |s: &str| format!("\"{s}\"");
    let mut f = vec![
        ("seq", seq.to_string()),
        ("ts_ns", ev.ts_ns.to_string()),
        ("kind", q(ev.kind().name())),
    ];
    if let Some(id) = ev.instrument() {
        f.push(("instrument", q(SYMBOLS[id.index()])));
    }
    let opt = |p: Option<Price>| p.map_or("null".to_owned(), |p| p.to_string());
    match ev.body {
        B::SignalDetected {
            side,
            strategy,
            price,
            qty,
            ..
        } => f.extend([
            ("strategy", q(strategy.as_str())),
            ("side", q(side.name())),
            ("price", price.to_string()),
            ("qty", qty.to_string()),
        ]),
        B::OrderSubmitted {
            order_id,
            side,
            qty,
            price,
            ..
        } => f.extend([
            ("order_id", order_id.to_string()),
            ("side", q(side.name())),
            ("qty", qty.to_string()),
            ("price", price.to_string()),
        ]),
        B::OrderRejected {
            order_id,
            side,
            qty,
            price,
            reason,
            ..
        } => f.extend([
            ("order_id", order_id.to_string()),
            ("side", q(side.name())),
            ("qty", qty.to_string()),
            ("price", price.to_string()),
            ("reason", q(reason.name())),
        ]),
        B::TradeExecuted {
            order_id,
            side,
            qty,
            price,
            fee,
            ..
        } => f.extend([
            ("order_id", order_id.to_string()),
            ("side", q(side.name())),
            ("qty", qty.to_string()),
            ("price", price.to_string()),
            ("fee", fee.to_string()),
        ]),
        B::TradeExitUpdated {
            order_id,
            side,
            qty,
            price,
            realized_pnl,
            ..
        } => f.extend([
            ("order_id", order_id.to_string()),
            ("side", q(side.name())),
            ("qty", qty.to_string()),
            ("price", price.to_string()),
            ("realized_pnl", realized_pnl.to_string()),
        ]),
        B::PositionUpdated {
            qty,
            avg_price,
            realized_pnl,
            unrealized_pnl,
            ..
        } => f.extend([
            ("qty", qty.to_string()),
            ("avg_price", avg_price.to_string()),
            ("realized_pnl", realized_pnl.to_string()),
            ("unrealized_pnl", unrealized_pnl.to_string()),
        ]),
        B::PositionClosed {
            price,
            realized_pnl,
            ..
        } => f.extend([
            ("price", price.to_string()),
            ("realized_pnl", realized_pnl.to_string()),
        ]),
        B::MonitorArmed { stop, target, .. } => {
            f.extend([("stop", opt(stop)), ("target", opt(target))])
        }
        B::MonitorTriggered {
            trigger,
            level,
            price,
            ..
        } => f.extend([
            ("trigger", q(trigger.name())),
            ("level", level.to_string()),
            ("price", price.to_string()),
        ]),
        B::DailyLossBreached {
            daily_pnl,
            limit,
            equity,
        } => f.extend([
            ("daily_pnl", daily_pnl.to_string()),
            ("limit", limit.saturating_neg().to_string()),
            ("equity", equity.to_string()),
        ]),
        B::RunnerStarted { reason } | B::RunnerStopped { reason } => {
            f.push(("reason", q(reason.name())))
        }
        B::ReconciliationMismatch {
            ours,
            broker,
            ours_avg_price,
            broker_avg_price,
            ..
        } => f.extend([
            ("ours", ours.to_string()),
            ("broker", broker.to_string()),
            ("ours_avg_price", ours_avg_price.to_string()),
            ("broker_avg_price", broker_avg_price.to_string()),
        ]),
        B::PositionSynced {
            qty,
            avg_price,
            realized_pnl,
            ..
        } => f.extend([
            ("qty", qty.to_string()),
            ("avg_price", avg_price.to_string()),
            ("realized_pnl", realized_pnl.to_string()),
        ]),
        B::BrokerSnapshot { qty, avg_price, .. } => f.extend([
            ("qty", qty.to_string()),
            ("avg_price", avg_price.to_string()),
        ]),
        B::StateChanged { change, reason } => {
            f.push(("change", q(change.kind().name())));
            if let Change::DailyLossLimit(limit) = change {
                f.push(("value", limit.saturating_neg().to_string()));
            } else if let Some(v) = change.value() {
                f.push(("value", v.to_string()));
            } else if let Some(n) = change.events_held() {
                f.push(("events_held", n.to_string()));
            }
            f.push(("reason", q(reason.name())));
        }
        B::MarketUpdate { bid, ask, last, .. } => f.extend([
            ("bid", bid.to_string()),
            ("ask", ask.to_string()),
            ("last", last.to_string()),
        ]),
    }
    f
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Every kind with any values: the text is exactly the contract's fields in order,
    /// serde_json parses it, and its numbers are the exact decimals (checked on the raw
    /// text, since serde_json without `arbitrary_precision` reads non-integers as f64).
    #[test]
    fn every_event_writes_contract_json(ev in arb_event(SYMBOLS.len() as u32), seq in any::<u64>()) {
        let instruments = table();
        let mut buf = JsonBuf::new();
        write_event_json(&instruments, seq, &ev.to_record(), &mut buf).unwrap();
        let mut text = String::new();
        write_typed_event_json(&instruments, seq, &ev, &mut text).unwrap();
        prop_assert_eq!(buf.as_str(), text.as_str());

        let fields = expected(&ev, seq);
        let body: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        prop_assert_eq!(&text, &format!("{{{}}}", body.join(",")));

        let parsed: Value = serde_json::from_str(&text).unwrap();
        let obj = parsed.as_object().unwrap();
        prop_assert_eq!(obj.len(), fields.len());
        prop_assert_eq!(obj["seq"].as_u64(), Some(seq));
        prop_assert_eq!(obj["ts_ns"].as_u64(), Some(ev.ts_ns));
        for (key, raw_text) in &fields {
            let value = &obj[*key];
            if let Ok(exact) = raw_text.parse::<Money>() {
                // A decimal number: the text is exact; the f64 reading is merely close.
                prop_assert!(value.is_number(), "{} is not a number", key);
                prop_assert_eq!(exact.to_string(), raw_text.clone());
                let approx = value.as_f64().unwrap();
                let want = exact.raw() as f64 / 1e8;
                prop_assert!((approx - want).abs() <= want.abs() * 1e-15 + 1e-300, "{} = {} vs {}", key, approx, want);
            }
        }
    }
}

#[test]
fn golden_lines() {
    let instruments = table();
    let id = InstrumentId(0);
    let cases = [
        (
            EventBody::TradeExecuted {
                order_id: 12,
                instrument: id,
                side: Side::Sell,
                qty: "100".parse().unwrap(),
                price: "187.25".parse().unwrap(),
                fee: "0.09362500".parse().unwrap(),
            },
            r#"{"seq":3,"ts_ns":9,"kind":"trade_executed","instrument":"AAPL","order_id":12,"side":"sell","qty":100,"price":187.25,"fee":0.093625}"#,
        ),
        (
            EventBody::MonitorArmed {
                instrument: id,
                stop: Some("-0.5".parse().unwrap()),
                target: None,
            },
            r#"{"seq":3,"ts_ns":9,"kind":"monitor_armed","instrument":"AAPL","stop":-0.5,"target":null}"#,
        ),
        (
            EventBody::StateChanged {
                change: Change::Halted,
                reason: Reason::PersistenceLag,
            },
            r#"{"seq":3,"ts_ns":9,"kind":"state_changed","change":"halted","reason":"persistence_lag"}"#,
        ),
        (
            EventBody::StateChanged {
                change: Change::DailyLossLimit("500".parse().unwrap()),
                reason: Reason::Config,
            },
            r#"{"seq":3,"ts_ns":9,"kind":"state_changed","change":"daily_loss_limit","value":-500,"reason":"config"}"#,
        ),
        (
            EventBody::RunnerStopped {
                reason: Reason::FeedEnd,
            },
            r#"{"seq":3,"ts_ns":9,"kind":"runner_stopped","reason":"feed_end"}"#,
        ),
        (
            // The contract's {instrument, ours, broker}, extended by both averages.
            EventBody::ReconciliationMismatch {
                instrument: id,
                ours: "2".parse().unwrap(),
                broker: "2".parse().unwrap(),
                ours_avg_price: "100".parse().unwrap(),
                broker_avg_price: "103".parse().unwrap(),
            },
            r#"{"seq":3,"ts_ns":9,"kind":"reconciliation_mismatch","instrument":"AAPL","ours":2,"broker":2,"ours_avg_price":100,"broker_avg_price":103}"#,
        ),
        (
            EventBody::PositionSynced {
                instrument: id,
                qty: "-0.5".parse().unwrap(),
                avg_price: "101.25".parse().unwrap(),
                realized_pnl: "-0.625".parse().unwrap(),
            },
            r#"{"seq":3,"ts_ns":9,"kind":"position_synced","instrument":"AAPL","qty":-0.5,"avg_price":101.25,"realized_pnl":-0.625}"#,
        ),
        (
            EventBody::DailyLossBreached {
                daily_pnl: "-92233720368.54775808".parse().unwrap(),
                limit: "0.00000001".parse().unwrap(),
                equity: Money::ZERO,
            },
            r#"{"seq":3,"ts_ns":9,"kind":"daily_loss_breached","daily_pnl":-92233720368.54775808,"limit":-0.00000001,"equity":0}"#,
        ),
    ];
    for (body, want) in cases {
        let mut out = String::new();
        write_event_json(&instruments, 3, &Event::new(9, body).to_record(), &mut out).unwrap();
        assert_eq!(out, want);
    }
}

#[test]
fn unknown_instrument_writes_nothing() {
    let instruments = table();
    let ev = Event::new(
        1,
        EventBody::PositionClosed {
            instrument: InstrumentId(SYMBOLS.len() as u32),
            price: Price::ONE,
            realized_pnl: Money::ZERO,
        },
    );
    let mut out = String::from("kept");
    assert_eq!(
        write_event_json(&instruments, 1, &ev.to_record(), &mut out),
        Err(JsonError::UnknownInstrument(InstrumentId(4)))
    );
    assert_eq!(out, "kept");
}

#[test]
fn undecodable_records_write_nothing() {
    use zerocopy::{FromBytes, IntoBytes};
    let instruments = table();
    let mut bytes = Event::new(
        1,
        EventBody::RunnerStarted {
            reason: Reason::Start,
        },
    )
    .to_record()
    .as_bytes()
    .to_vec();
    bytes[8..10].copy_from_slice(&999u16.to_ne_bytes());
    let record = EventRecord::read_from_bytes(&bytes).unwrap();
    let mut out = String::new();
    assert_eq!(
        write_event_json(&instruments, 1, &record, &mut out),
        Err(JsonError::Decode(DecodeError::UnknownKind(999)))
    );
    bytes[8..10].copy_from_slice(&EventKind::RunnerStarted.code().to_ne_bytes());
    bytes[11] = 200; // reason code
    let record = EventRecord::read_from_bytes(&bytes).unwrap();
    assert!(matches!(
        write_event_json(&instruments, 1, &record, &mut out),
        Err(JsonError::Decode(DecodeError::BadCode { .. }))
    ));
    assert!(out.is_empty());
}
