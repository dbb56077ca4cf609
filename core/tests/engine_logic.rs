//! The engine's decision logic without threads: intents to orders, risk rejections,
//! halts, the daily loss limit, monitors, marks, dirty rows, and an end-to-end walk
//! whose events fold back into exactly the engine's state and whose positions match the
//! paper broker's book.

use std::sync::{Arc, Mutex};

use seamless_config::Config;
use seamless_core::broker::{BrokerReply, FillModel, Order, PaperBroker};
use seamless_core::domain::*;
use seamless_core::engine::{Engine, EngineSettings, OrderSink, Origin, Quote, SubmitError};
use seamless_core::risk::{MonitorSettings, Risk, RiskLimits};
use seamless_core::strategy::{Intent, SmaCross, Strategy};
use zerocopy::IntoBytes;

/// 2023-11-14 22:13:20 UTC.
const T0: u64 = 1_700_000_000_000_000_000;
const MS: u64 = 1_000_000;
const A: InstrumentId = InstrumentId(0);
const B: InstrumentId = InstrumentId(1);

fn p(s: &str) -> Price {
    s.parse().unwrap()
}
fn q(s: &str) -> Qty {
    s.parse().unwrap()
}
fn m(s: &str) -> Money {
    s.parse().unwrap()
}

fn table() -> Instruments {
    let mut t = Instruments::new();
    t.add("AAA", p("0.01"), q("1")).unwrap();
    t.add("BBB", p("0.01"), q("1")).unwrap();
    t
}

/// A strategy the test steers: it returns the intent last put in its slot, once.
#[derive(Clone, Default)]
struct Script(Arc<Mutex<Option<Intent>>>);

impl Script {
    fn next(&self, side: Side, target: &str) {
        *self.0.lock().unwrap() = Some(Intent::new(side, q(target)));
    }
}

impl Strategy for Script {
    fn name(&self) -> &str {
        "script"
    }
    fn on_price(&mut self, _: InstrumentId, _: u64, _: Price, _: Qty) -> Option<Intent> {
        self.0.lock().unwrap().take()
    }
}

/// An order sink that is always full.
struct Jammed;

impl OrderSink for Jammed {
    fn submit(&mut self, _: &Order) -> Result<(), SubmitError> {
        Err(SubmitError::Full)
    }

    fn has_room(&self) -> bool {
        false // so the engine never publishes `order_submitted` for it
    }
}

fn settings(
    max_position: &str,
    max_order: &str,
    loss_limit: &str,
    flatten: bool,
) -> EngineSettings {
    let limits = RiskLimits {
        max_position: q(max_position),
        max_order_qty: q(max_order),
    };
    EngineSettings {
        risk: Risk::new(limits, m(loss_limit), flatten),
        monitors: MonitorSettings::default(),
        mark_interval_ns: 0,
    }
}

/// The engine, a paper broker wired back into it, and everything published.
struct Rig {
    engine: Engine,
    broker: PaperBroker,
    events: Vec<(u64, EventRecord)>,
    orders: Vec<Order>,
    /// Broker replies not yet due, with their due time.
    in_flight: Vec<(u64, BrokerReply)>,
    /// Every order the broker received.
    sent: Vec<Order>,
    ts: u64,
}

impl Rig {
    fn new(strategy: Option<Box<dyn Strategy>>, settings: EngineSettings, model: FillModel) -> Rig {
        let t = table();
        let mut rig = Rig {
            engine: Engine::new(t.clone(), State::new(), strategy, settings).unwrap(),
            broker: PaperBroker::new(&t, model),
            events: Vec::new(),
            orders: Vec::new(),
            in_flight: Vec::new(),
            sent: Vec::new(),
            ts: T0,
        };
        rig.engine.start(T0, Reason::Start, &mut rig.events);
        rig
    }

    fn scripted(settings: EngineSettings) -> (Rig, Script) {
        let script = Script::default();
        // Fills take 1 ms: a tick at the same time sees the order still in flight.
        let model = FillModel {
            latency_us: 1_000,
            ..FillModel::default()
        };
        let rig = Rig::new(Some(Box::new(script.clone())), settings, model);
        (rig, script)
    }

    /// A tick `dt` after the previous input: due replies first, then the tick, then new
    /// orders go to the broker.
    fn tick_at(&mut self, dt: u64, id: InstrumentId, bid: &str, ask: &str, last: &str) {
        self.ts += dt;
        self.deliver(self.ts);
        let quote = Quote {
            bid: p(bid),
            ask: p(ask),
            last: p(last),
        };
        self.engine
            .on_tick(id, self.ts, quote, &mut self.events, &mut self.orders);
        self.route();
    }

    fn tick(&mut self, id: InstrumentId, bid: &str, ask: &str, last: &str) {
        self.tick_at(MS, id, bid, ask, last);
    }

    fn route(&mut self) {
        for order in std::mem::take(&mut self.orders) {
            let reply = self.broker.on_order(&order);
            self.in_flight.push((self.broker.due_ns(&order), reply));
            self.sent.push(order);
        }
    }

    /// Hands the engine every reply due by `now`, in due order.
    fn deliver(&mut self, now: u64) {
        self.in_flight.sort_by_key(|(due, _)| *due);
        while self.in_flight.first().is_some_and(|(due, _)| *due <= now) {
            let (_, reply) = self.in_flight.remove(0);
            self.reply(reply);
        }
    }

    fn reply(&mut self, reply: BrokerReply) {
        self.engine
            .on_broker_reply(&reply, &mut self.events, &mut self.orders);
        self.route();
    }

    /// Delivers every outstanding reply (and those they cause).
    fn settle(&mut self) {
        while !self.in_flight.is_empty() {
            self.deliver(u64::MAX);
        }
    }

    fn mark(&self) -> usize {
        self.events.len()
    }

    fn bodies_since(&self, mark: usize) -> Vec<EventBody> {
        self.events[mark..]
            .iter()
            .map(|(_, r)| r.decode().unwrap().body)
            .collect()
    }

    fn kinds_since(&self, mark: usize) -> Vec<&'static str> {
        self.bodies_since(mark)
            .iter()
            .map(|b| b.kind().name())
            .collect()
    }

    fn position(&self, id: InstrumentId) -> Qty {
        self.engine.state().position(id).unwrap().qty
    }

    /// A fill the engine did not order (out-of-band), at `price`.
    fn oob_fill(&mut self, side: Side, qty: &str, price: &str) {
        let fill = BrokerReply::Fill {
            order_id: 0,
            instrument: A,
            side,
            qty: q(qty),
            price: p(price),
            fee: Money::ZERO,
            ts_ns: self.ts,
        };
        self.reply(fill);
    }
}

// ---- intents, sizing, risk -------------------------------------------------------------

#[test]
fn an_intent_becomes_a_signal_an_order_and_a_fill() {
    let (mut rig, script) = Rig::scripted(settings("10", "10", "0", false));
    assert_eq!(rig.kinds_since(0), ["runner_started"]);
    script.next(Side::Buy, "2");
    let at = rig.mark();
    rig.tick(A, "99.99", "100.01", "100");
    assert_eq!(
        rig.bodies_since(at),
        [
            EventBody::MarketUpdate {
                instrument: A,
                bid: p("99.99"),
                ask: p("100.01"),
                last: p("100")
            },
            EventBody::SignalDetected {
                instrument: A,
                side: Side::Buy,
                strategy: StrategyName::new("script").unwrap(),
                price: p("100"),
                qty: q("2")
            },
            EventBody::OrderSubmitted {
                order_id: 1,
                instrument: A,
                side: Side::Buy,
                qty: q("2"),
                price: p("100.01")
            },
        ]
    );
    assert_eq!(rig.sent.len(), 1);
    assert_eq!(rig.engine.exposure(A).pending_buy, q("2"));
    let at = rig.mark();
    rig.settle();
    assert_eq!(rig.kinds_since(at), ["trade_executed", "position_updated"]);
    assert_eq!(rig.position(A), q("2"));
    assert_eq!(rig.engine.exposure(A).pending_buy, Qty::ZERO);
    assert_eq!(rig.engine.state().next_order_id(), 2);
}

#[test]
fn pending_orders_count_toward_sizing() {
    let (mut rig, script) = Rig::scripted(settings("10", "10", "0", false));
    script.next(Side::Buy, "2");
    rig.tick(A, "99", "101", "100");
    let at = rig.mark();
    script.next(Side::Buy, "2"); // already on its way: nothing
    rig.tick_at(0, A, "99", "101", "100");
    assert_eq!(rig.kinds_since(at), Vec::<&str>::new());
    script.next(Side::Buy, "3"); // one more
    rig.tick_at(0, A, "99", "101", "100");
    let submitted: Vec<Qty> = rig.sent.iter().map(|o| o.qty).collect();
    assert_eq!(submitted, [q("2"), q("1")]);
    script.next(Side::Buy, "1"); // a buy intent never sells
    let at = rig.mark();
    rig.tick_at(0, A, "99", "101", "100");
    assert!(rig.kinds_since(at).is_empty());
}

#[test]
fn orders_beyond_the_order_size_limit_are_rejected_not_clipped() {
    let (mut rig, script) = Rig::scripted(settings("5", "2", "0", false));
    script.next(Side::Buy, "3");
    let at = rig.mark();
    rig.tick(A, "99", "101", "100");
    let bodies = rig.bodies_since(at);
    assert_eq!(
        bodies.last(),
        Some(&EventBody::OrderRejected {
            order_id: 1,
            instrument: A,
            side: Side::Buy,
            qty: q("3"),
            price: p("101"),
            reason: RejectReason::MaxOrderQty,
        })
    );
    assert!(rig.sent.is_empty(), "nothing reached the broker");
    assert_eq!(rig.engine.state().counters().rejections, 1);
    // The next order takes the next id: ids are never reused.
    script.next(Side::Buy, "2");
    rig.tick(A, "99", "101", "100");
    assert_eq!(rig.sent[0].order_id, 2);
}

#[test]
fn the_position_limit_counts_position_and_pending_orders() {
    let (mut rig, script) = Rig::scripted(settings("3", "2", "0", false));
    script.next(Side::Buy, "2");
    rig.tick(A, "99", "101", "100");
    script.next(Side::Buy, "4"); // 2 pending + 2 more = 4 > 3
    let at = rig.mark();
    rig.tick_at(0, A, "99", "101", "100");
    assert!(matches!(
        rig.bodies_since(at).last(),
        Some(EventBody::OrderRejected { reason: RejectReason::MaxPosition, qty, .. }) if *qty == q("2")
    ));
    rig.settle();
    script.next(Side::Buy, "3"); // 2 held + 1 = 3: fine
    rig.tick(A, "99", "101", "100");
    rig.settle();
    assert_eq!(rig.position(A), q("3"));
}

#[test]
fn a_halt_rejects_opening_orders_and_lets_exits_through() {
    let (mut rig, script) = Rig::scripted(settings("10", "2", "0", false));
    rig.tick(A, "99", "101", "100");
    rig.oob_fill(Side::Buy, "5", "100"); // a position larger than max_order_qty
    assert_eq!(rig.engine.stats().unmatched_fills, 1);
    let at = rig.mark();
    rig.engine
        .set_halted(true, rig.ts, Reason::Operator, &mut rig.events);
    rig.engine
        .set_halted(true, rig.ts, Reason::Operator, &mut rig.events); // no-op
    assert_eq!(rig.kinds_since(at), ["state_changed"]);
    script.next(Side::Buy, "6");
    let at = rig.mark();
    rig.tick(A, "99", "101", "100");
    assert!(matches!(
        rig.bodies_since(at).last(),
        Some(EventBody::OrderRejected {
            reason: RejectReason::Halted,
            ..
        })
    ));
    script.next(Side::Sell, "0"); // exit all 5: allowed while halted, above max_order_qty
    rig.tick(A, "99", "101", "100");
    rig.settle();
    assert_eq!(rig.position(A), Qty::ZERO);
    // Going short from flat opens: refused.
    script.next(Side::Sell, "-1");
    let at = rig.mark();
    rig.tick(A, "99", "101", "100");
    assert!(matches!(
        rig.bodies_since(at).last(),
        Some(EventBody::OrderRejected {
            reason: RejectReason::Halted,
            ..
        })
    ));
    rig.engine
        .set_halted(false, rig.ts, Reason::Operator, &mut rig.events);
    assert!(!rig.engine.state().account().is_halted());
}

#[test]
fn a_full_broker_ring_rejects_with_a_reason() {
    let (mut rig, script) = Rig::scripted(settings("10", "10", "0", false));
    script.next(Side::Buy, "1");
    let at = rig.mark();
    let quote = Quote {
        bid: p("99"),
        ask: p("101"),
        last: p("100"),
    };
    rig.engine
        .on_tick(A, T0 + 1, quote, &mut rig.events, &mut Jammed);
    assert!(matches!(
        rig.bodies_since(at).last(),
        Some(EventBody::OrderRejected {
            reason: RejectReason::Busy,
            ..
        })
    ));
    assert_eq!(rig.engine.exposure(A).pending_buy, Qty::ZERO);
}

#[test]
fn broker_rejections_clear_the_pending_order() {
    let (mut rig, script) = Rig::scripted(settings("10", "10", "0", false));
    script.next(Side::Buy, "1");
    rig.tick(A, "99", "101", "100");
    rig.in_flight.clear(); // the broker's answer is replaced by a refusal
    let at = rig.mark();
    let refusal = BrokerReply::Rejected {
        order_id: 1,
        reason: RejectReason::Busy,
        ts_ns: rig.ts,
    };
    rig.reply(refusal);
    assert_eq!(
        rig.bodies_since(at),
        [EventBody::OrderRejected {
            order_id: 1,
            instrument: A,
            side: Side::Buy,
            qty: q("1"),
            price: p("101"),
            reason: RejectReason::Busy,
        }]
    );
    assert_eq!(rig.engine.exposure(A).pending_buy, Qty::ZERO);
    rig.reply(refusal); // unknown now: ignored
    assert_eq!(rig.engine.stats().ignored_replies, 1);
}

// ---- daily loss limit ----------------------------------------------------------------

fn losing_long(flatten: bool) -> (Rig, Script) {
    let (mut rig, script) = Rig::scripted(settings("100", "100", "10", flatten));
    script.next(Side::Buy, "10");
    rig.tick(A, "100", "100", "100");
    rig.settle();
    assert_eq!(rig.position(A), q("10"));
    rig.tick(A, "99.5", "99.5", "99.5"); // -5: fine
    (rig, script)
}

#[test]
fn a_daily_loss_breach_is_published_once_and_halts() {
    let (mut rig, script) = losing_long(false);
    let limit = rig.engine.state().account().daily_loss_limit;
    assert_eq!(limit, m("10"), "start published the configured limit");
    let at = rig.mark();
    rig.tick(A, "98.9", "98.9", "98.9"); // -11
    assert_eq!(
        rig.kinds_since(at),
        ["market_update", "daily_loss_breached"]
    );
    assert!(matches!(
        rig.bodies_since(at)[1],
        EventBody::DailyLossBreached { daily_pnl, limit, .. } if daily_pnl == m("-11") && limit == m("10")
    ));
    let account = rig.engine.state().account();
    assert!(account.is_halted());
    assert_eq!(account.halt_reason(), Some(Reason::DailyLoss));
    let at = rig.mark();
    rig.tick(A, "98", "98", "98");
    rig.tick(A, "97", "97", "97");
    assert_eq!(rig.kinds_since(at), ["market_update", "market_update"]);
    assert!(rig.orders.is_empty() && rig.sent.len() == 1, "no flatten");
    script.next(Side::Buy, "11");
    let at = rig.mark();
    rig.tick(A, "97", "97", "97");
    assert!(matches!(
        rig.bodies_since(at).last(),
        Some(EventBody::OrderRejected {
            reason: RejectReason::Halted,
            ..
        })
    ));
}

#[test]
fn a_breach_flattens_when_configured() {
    let (mut rig, _) = losing_long(true);
    let at = rig.mark();
    rig.tick(A, "98.9", "98.9", "98.9");
    assert_eq!(
        rig.kinds_since(at),
        ["market_update", "daily_loss_breached", "order_submitted"]
    );
    let exit = rig.engine.pending().iter().next().copied().unwrap();
    assert_eq!(
        (exit.side, exit.remaining, exit.origin),
        (Side::Sell, q("10"), Origin::Flatten)
    );
    rig.settle();
    assert_eq!(rig.position(A), Qty::ZERO);
    let at = rig.mark();
    rig.tick(A, "90", "90", "90");
    assert!(!rig.kinds_since(at).contains(&"daily_loss_breached"));
}

#[test]
fn an_order_in_flight_at_a_breach_is_closed_when_it_fills() {
    let (mut rig, script) = losing_long(true);
    script.next(Side::Buy, "12");
    rig.tick_at(0, A, "99.5", "99.5", "99.5"); // buy 2 more, in flight
    assert_eq!(rig.engine.exposure(A).pending_buy, q("2"));
    rig.tick_at(0, A, "98.9", "98.9", "98.9"); // breach: flatten the 10 held
    assert_eq!(rig.engine.exposure(A).pending_sell, q("10"));
    rig.settle(); // the buy fills after the breach, and is closed too
    assert_eq!(rig.position(A), Qty::ZERO);
    let flatten: Vec<Qty> = rig.sent.iter().skip(2).map(|o| o.qty).collect();
    assert_eq!(flatten, [q("10"), q("2")]);
}

#[test]
fn a_monitor_does_not_fire_while_an_exit_is_in_flight() {
    let mut s = settings("100", "100", "10", true);
    s.monitors = MonitorSettings {
        stop_loss_bps: 200,
        take_profit_bps: 0,
    };
    let (mut rig, script) = Rig::scripted(s);
    script.next(Side::Buy, "10");
    rig.tick(A, "100", "100", "100");
    rig.settle();
    assert_eq!(rig.engine.state().monitor(A).unwrap().stop(), Some(p("98")));
    rig.tick(A, "98.9", "98.9", "98.9"); // breach: the flatten exit is in flight
    let at = rig.mark();
    rig.tick_at(0, A, "97.9", "97.9", "97.9"); // beyond the stop
    assert_eq!(rig.kinds_since(at), ["market_update"]);
    assert_eq!(rig.sent.len(), 2);
}

#[test]
fn a_stop_and_a_breach_on_the_same_tick_send_one_exit() {
    let mut s = settings("100", "100", "10", true);
    s.monitors = MonitorSettings {
        stop_loss_bps: 100,
        take_profit_bps: 0,
    };
    let (mut rig, script) = Rig::scripted(s);
    script.next(Side::Buy, "10");
    rig.tick(A, "100", "100", "100");
    rig.settle();
    let at = rig.mark();
    rig.tick(A, "98.9", "98.9", "98.9"); // beyond the stop (99) and the limit (-11)
    assert_eq!(
        rig.kinds_since(at),
        [
            "market_update",
            "monitor_triggered",
            "order_submitted",
            "daily_loss_breached"
        ]
    );
    rig.settle();
    assert_eq!(rig.position(A), Qty::ZERO);
}

// ---- monitors ------------------------------------------------------------------------

fn with_monitors(stop_bps: u32, target_bps: u32) -> (Rig, Script) {
    let mut s = settings("10", "10", "0", false);
    s.monitors = MonitorSettings {
        stop_loss_bps: stop_bps,
        take_profit_bps: target_bps,
    };
    Rig::scripted(s)
}

#[test]
fn a_stop_arms_at_the_average_price_and_fires_one_exit() {
    let (mut rig, script) = with_monitors(100, 200);
    script.next(Side::Buy, "1");
    rig.tick(A, "99.98", "100", "99.99");
    let at = rig.mark();
    rig.settle();
    assert_eq!(
        rig.bodies_since(at).last(),
        Some(&EventBody::MonitorArmed {
            instrument: A,
            stop: Some(p("99")),
            target: Some(p("102"))
        })
    );
    let at = rig.mark();
    rig.tick(A, "99.01", "99.03", "99.02");
    assert_eq!(rig.kinds_since(at), ["market_update"]);
    let at = rig.mark();
    rig.tick(A, "99", "99.02", "99.01");
    assert_eq!(
        rig.bodies_since(at)[1..],
        [
            EventBody::MonitorTriggered {
                instrument: A,
                trigger: Trigger::Stop,
                level: p("99"),
                price: p("99")
            },
            EventBody::OrderSubmitted {
                order_id: 2,
                instrument: A,
                side: Side::Sell,
                qty: q("1"),
                price: p("99")
            },
        ]
    );
    assert_eq!(rig.kinds_since(at)[0], "market_update", "marked first");
    // Further down before the exit fills: no second trigger, no second exit.
    let at = rig.mark();
    rig.engine.on_tick(
        A,
        rig.ts,
        Quote {
            bid: p("97"),
            ask: p("97.02"),
            last: p("97.01"),
        },
        &mut rig.events,
        &mut rig.orders,
    );
    assert!(!rig.kinds_since(at).contains(&"monitor_triggered"));
    assert!(rig.orders.is_empty());
    rig.settle();
    assert_eq!(rig.position(A), Qty::ZERO);
    assert!(!rig.engine.state().monitor(A).unwrap().is_armed());
    assert_eq!(rig.engine.state().counters().monitor_triggers, 1);
}

#[test]
fn a_short_takes_profit_on_the_ask() {
    let (mut rig, script) = with_monitors(100, 200);
    script.next(Side::Sell, "-2");
    rig.tick(A, "100", "100.02", "100.01");
    rig.settle();
    let monitor = *rig.engine.state().monitor(A).unwrap();
    assert_eq!(
        (monitor.stop(), monitor.target()),
        (Some(p("101")), Some(p("98")))
    );
    let at = rig.mark();
    rig.tick(A, "97.9", "98.01", "98");
    assert!(
        !rig.kinds_since(at).contains(&"monitor_triggered"),
        "the ask is above"
    );
    let at = rig.mark();
    rig.tick(A, "97.9", "98", "97.95");
    assert!(rig.bodies_since(at).contains(&EventBody::MonitorTriggered {
        instrument: A,
        trigger: Trigger::Target,
        level: p("98"),
        price: p("98")
    }));
    rig.settle();
    assert_eq!(rig.position(A), Qty::ZERO);
}

#[test]
fn adding_to_a_position_rearms_at_the_new_average() {
    let (mut rig, script) = with_monitors(100, 0);
    script.next(Side::Buy, "1");
    rig.tick(A, "100", "100", "100");
    rig.settle();
    script.next(Side::Buy, "2");
    rig.tick(A, "102", "102", "102");
    let at = rig.mark();
    rig.settle();
    assert_eq!(
        rig.bodies_since(at).last(),
        Some(&EventBody::MonitorArmed {
            instrument: A,
            stop: Some(p("99.99")), // avg 101 * 0.99
            target: None
        })
    );
}

#[test]
fn a_refused_exit_rearms_the_monitor() {
    let (mut rig, _) = with_monitors(100, 0);
    rig.tick(A, "100", "100", "100");
    rig.oob_fill(Side::Buy, "1", "100");
    assert!(rig.engine.state().monitor(A).unwrap().is_armed());
    let at = rig.mark();
    let quote = Quote {
        bid: p("98"),
        ask: p("98"),
        last: p("98"),
    };
    rig.engine
        .on_tick(A, rig.ts + 1, quote, &mut rig.events, &mut Jammed);
    assert_eq!(
        rig.kinds_since(at),
        [
            "market_update",
            "monitor_triggered",
            "order_rejected",
            "monitor_armed"
        ]
    );
    assert!(rig.engine.state().monitor(A).unwrap().is_armed());
    // With the broker back, the next tick beyond the level exits.
    rig.tick(A, "97.99", "97.99", "97.99");
    rig.settle();
    assert_eq!(rig.position(A), Qty::ZERO);
}

// ---- marks, quotes, dirty rows ---------------------------------------------------------

#[test]
fn marks_are_conflated_per_instrument_and_forced_before_fills() {
    let mut s = settings("10", "10", "0", false);
    s.mark_interval_ns = 100 * MS;
    let script = Script::default();
    let mut rig = Rig::new(Some(Box::new(script.clone())), s, FillModel::default());
    let marks_of = |rig: &Rig, at: usize| {
        rig.events[at..]
            .iter()
            .filter(|(_, r)| r.kind() == Ok(EventKind::MarketUpdate))
            .map(|(_, r)| (r.decode().unwrap().instrument().unwrap(), r.ts_ns() - T0))
            .collect::<Vec<_>>()
    };
    let at = rig.mark();
    for i in 0..=25u64 {
        let px = format!("{}", 100 + i);
        rig.tick_at(10 * MS, A, &px, &px, &px);
    }
    rig.tick_at(0, B, "5", "5", "5");
    rig.tick_at(10 * MS, B, "5", "5", "5"); // unchanged: no mark however long
    rig.tick_at(500 * MS, B, "5", "5", "5");
    let want: Vec<(InstrumentId, u64)> =
        vec![(A, 10 * MS), (A, 110 * MS), (A, 210 * MS), (B, 260 * MS)];
    assert_eq!(marks_of(&rig, at), want);
    // Every tick is visible live.
    assert_eq!(rig.engine.quote(A).unwrap().quote.last, p("125"));
    assert_eq!(rig.engine.quote(A).unwrap().ticks, 26);
    // A fill is marked at once, inside the interval.
    script.next(Side::Buy, "1");
    rig.tick_at(MS, A, "126", "126", "126"); // a due mark, and an order
    let at = rig.mark();
    let moved = Quote {
        bid: p("127"),
        ask: p("127"),
        last: p("127"),
    };
    rig.engine
        .on_tick(A, rig.ts, moved, &mut rig.events, &mut rig.orders);
    assert!(
        rig.kinds_since(at).is_empty(),
        "inside the interval: no mark"
    );
    rig.settle();
    assert_eq!(
        rig.kinds_since(at)[..2],
        ["market_update", "trade_executed"]
    );
}

#[test]
fn feed_ticks_drive_the_engine_like_quotes() {
    let (mut rig, _) = Rig::scripted(settings("10", "10", "0", false));
    let mut tick = seamless_core::feed::Tick::new(B, T0 + 5, p("9"), p("11"), p("10"), q("3"));
    tick.stamp = 42;
    rig.engine
        .on_feed_tick(&tick, &mut rig.events, &mut rig.orders);
    let live = rig.engine.quote(B).unwrap();
    assert_eq!(
        (live.quote.bid, live.quote.ask, live.quote.last, live.ts_ns),
        (p("9"), p("11"), p("10"), T0 + 5)
    );
}

#[test]
fn unknown_instruments_are_ignored() {
    let (mut rig, _) = Rig::scripted(settings("10", "10", "0", false));
    let at = rig.mark();
    rig.tick(InstrumentId(7), "1", "1", "1");
    assert!(rig.kinds_since(at).is_empty());
    assert_eq!(rig.engine.stats().ignored_ticks, 1);
    assert!(rig.engine.quote(InstrumentId(7)).is_none());
    assert!(rig.engine.quote(B).is_none(), "no tick yet");
}

#[test]
fn dirty_rows_follow_what_changed() {
    let (mut rig, script) = with_monitors(100, 0);
    let all = rig.engine.take_dirty();
    assert!(all.positions.contains(B) && all.account && all.runner);
    assert!(rig.engine.take_dirty().is_clean());
    rig.tick_at(0, B, "1", "1", "1"); // first tick marks B
    let d = rig.engine.take_dirty();
    assert!(d.market.contains(B) && !d.market.contains(A) && d.positions.contains(B));
    rig.tick_at(0, B, "1", "1", "1"); // live quote only
    let d = rig.engine.take_dirty();
    assert!(d.market.contains(B) && d.positions.is_empty() && !d.counters);
    script.next(Side::Buy, "1");
    rig.tick(A, "10", "10", "10");
    let d = rig.engine.take_dirty();
    assert!(d.signals.contains(A) && d.counters && d.positions.contains(A));
    rig.settle();
    let d = rig.engine.take_dirty();
    assert!(d.positions.contains(A) && d.monitors.contains(A) && d.account);
    assert!(d.signals.is_empty() && !d.runner);
}

#[test]
fn start_and_stop_are_published_and_the_limit_only_when_it_changes() {
    let t = table();
    let mut engine = Engine::new(
        t.clone(),
        State::new(),
        None,
        settings("1", "1", "250", false),
    )
    .unwrap();
    let mut events = Vec::new();
    engine.start(T0, Reason::Start, &mut events);
    engine.stop(T0 + 5, Reason::Sigterm, &mut events);
    let mut again = Engine::new(
        t,
        engine.state().clone(),
        None,
        settings("1", "1", "250", false),
    )
    .unwrap();
    again.start(T0 + 9, Reason::Restore, &mut events);
    let kinds: Vec<_> = events
        .iter()
        .map(|(_, r)| r.kind().unwrap().name())
        .collect();
    assert_eq!(
        kinds,
        [
            "runner_started",
            "state_changed",
            "runner_stopped",
            "runner_started"
        ]
    );
    let seqs: Vec<u64> = events.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        seqs,
        [1, 2, 3, 4],
        "the restored engine continues the sequence"
    );
    assert_eq!(again.state().runner().reason(), Some(Reason::Restore));
}

#[test]
fn the_default_config_builds_an_engine() {
    let mut engine = Engine::from_config(&Config::default(), State::new()).unwrap();
    let mut events = Vec::new();
    engine.start(T0, Reason::Start, &mut events);
    assert_eq!(engine.state().account().daily_loss_limit, m("5000"));
    assert_eq!(engine.settings().monitors.stop_loss_bps, 200);
}

// ---- end to end ----------------------------------------------------------------------

/// A deterministic random walk: `(instrument, bid, ask, last)` per tick, two
/// instruments interleaved, prices on a 0.01 grid with a one-tick spread either side.
fn walk(ticks: usize, seed: u64) -> Vec<(InstrumentId, Quote)> {
    let mut x = seed;
    let mut last = [10_000i64, 5_000i64]; // in cents
    (0..ticks)
        .map(|i| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let ix = i % 2;
            let step = ((x >> 33) % 9) as i64 - 4;
            last[ix] = (last[ix] + step).max(100);
            let cents = |c: i64| Price::from_raw(c * 1_000_000);
            let quote = Quote {
                bid: cents(last[ix] - 1),
                ask: cents(last[ix] + 1),
                last: cents(last[ix]),
            };
            (InstrumentId(ix as u32), quote)
        })
        .collect()
}

fn run_walk(ticks: usize, loss_limit: &str) -> Rig {
    let mut s = settings("3", "2", loss_limit, true);
    s.monitors = MonitorSettings {
        stop_loss_bps: 30,
        take_profit_bps: 60,
    };
    s.mark_interval_ns = 5 * MS;
    let strategy = SmaCross::new(5, 20, q("1"), true, 2).unwrap();
    let model = FillModel {
        slippage_ticks: 1,
        fee_per_unit: m("0.001"),
        fee_bps: m("0.5"),
        latency_us: 2_500, // orders stay in flight over a couple of ticks
    };
    let mut rig = Rig::new(Some(Box::new(strategy)), s, model);
    for (id, quote) in walk(ticks, 7) {
        rig.ts += MS;
        rig.deliver(rig.ts);
        rig.engine
            .on_tick(id, rig.ts, quote, &mut rig.events, &mut rig.orders);
        rig.route();
    }
    rig.settle();
    rig.engine.stop(rig.ts, Reason::FeedEnd, &mut rig.events);
    rig
}

/// The invariants every run must keep.
fn check_run(rig: &Rig) {
    // Sequences are contiguous from 1.
    for (i, (seq, _)) in rig.events.iter().enumerate() {
        assert_eq!(*seq, i as u64 + 1);
    }
    // Every fill answers an order submitted earlier, once.
    let mut submitted = std::collections::HashSet::new();
    let mut filled = std::collections::HashSet::new();
    for (seq, r) in &rig.events {
        match r.decode().unwrap().body {
            EventBody::OrderSubmitted { order_id, .. } => assert!(submitted.insert(order_id)),
            EventBody::TradeExecuted { order_id, .. } => {
                assert!(
                    submitted.contains(&order_id),
                    "fill of {order_id} (seq {seq}) before its order"
                );
                assert!(filled.insert(order_id), "order {order_id} filled twice");
            }
            _ => {}
        }
    }
    assert_eq!(filled, submitted, "every order filled once settled");
    // The published events fold into exactly the engine's state.
    let mut fold = State::new();
    for (seq, r) in &rig.events {
        let _ = fold.apply(*seq, &r.decode().unwrap()).unwrap();
    }
    assert_eq!(fold.as_bytes(), rig.engine.state().as_bytes());
    // The engine's positions are the broker's book.
    for (id, _) in rig.engine.instruments().iter() {
        let (ours, theirs) = (
            rig.engine.state().position(id).unwrap(),
            rig.broker.position(id).unwrap(),
        );
        assert_eq!(
            (ours.qty, ours.cost, ours.avg_price),
            (theirs.qty, theirs.cost, theirs.avg_price)
        );
    }
    let stats = rig.engine.stats();
    assert_eq!(
        (
            stats.apply_errors,
            stats.unmatched_fills,
            stats.ignored_replies
        ),
        (0, 0, 0)
    );
}

#[test]
fn a_walk_folds_back_to_the_engine_state_and_matches_the_broker() {
    let rig = run_walk(20_000, "0");
    check_run(&rig);
    let c = rig.engine.state().counters();
    assert!(c.signals > 50 && c.fills > 50, "the walk trades: {c:?}");
    assert!(c.monitor_triggers > 0, "monitors fire: {c:?}");
    assert!(rig.engine.pending().iter().next().is_none());
}

#[test]
fn a_walk_that_breaches_the_loss_limit_flattens_and_stays_consistent() {
    let rig = run_walk(20_000, "3");
    check_run(&rig);
    let account = rig.engine.state().account();
    assert!(account.breached_ns != 0 && account.is_halted());
    let breaches = rig
        .events
        .iter()
        .filter(|(_, r)| r.kind() == Ok(EventKind::DailyLossBreached))
        .count();
    assert_eq!(breaches, 1);
    for (id, _) in rig.engine.instruments().iter() {
        assert!(
            rig.engine.state().position(id).unwrap().is_flat(),
            "flattened"
        );
    }
}

#[test]
fn the_same_ticks_give_the_same_events() {
    let (a, b) = (run_walk(3_000, "0"), run_walk(3_000, "0"));
    assert_eq!(a.events, b.events);
}

#[test]
fn a_restored_engine_continues_sequences_and_order_ids() {
    let first = run_walk(2_000, "0");
    let mut rig = Rig {
        engine: Engine::new(
            table(),
            first.engine.state().clone(),
            Some(Box::new(SmaCross::new(5, 20, q("1"), true, 2).unwrap())),
            settings("3", "2", "0", false),
        )
        .unwrap(),
        broker: first.broker.clone(),
        events: Vec::new(),
        orders: Vec::new(),
        in_flight: Vec::new(),
        sent: Vec::new(),
        ts: first.ts,
    };
    let last_seq = first.engine.state().last_seq();
    let next_id = first.engine.state().next_order_id();
    rig.engine.start(rig.ts, Reason::Restore, &mut rig.events);
    for (id, quote) in walk(2_000, 99) {
        rig.ts += MS;
        rig.deliver(rig.ts);
        rig.engine
            .on_tick(id, rig.ts, quote, &mut rig.events, &mut rig.orders);
        rig.route();
    }
    rig.settle();
    assert_eq!(rig.events[0].0, last_seq + 1);
    let first_id = rig
        .events
        .iter()
        .find_map(|(_, r)| match r.decode().unwrap().body {
            EventBody::OrderSubmitted { order_id, .. }
            | EventBody::OrderRejected { order_id, .. } => Some(order_id),
            _ => None,
        });
    assert_eq!(first_id, Some(next_id));
    let mut fold = first.engine.state().clone();
    for (seq, r) in &rig.events {
        let _ = fold.apply(*seq, &r.decode().unwrap()).unwrap();
    }
    assert_eq!(fold.as_bytes(), rig.engine.state().as_bytes());
}
