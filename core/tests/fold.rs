//! Property tests for the state fold: position and money conservation, exact realized
//! P&L on close, determinism and restore-from-snapshot, and the event record round trip.

mod common;

use common::arb_event;
use proptest::prelude::*;
use seamless_core::domain::*;
use zerocopy::{FromBytes, IntoBytes};

const N_INSTR: u32 = 3;
/// 2023-11-14 22:13:20 UTC: a plausible epoch for event times.
const T0: u64 = 1_700_000_000_000_000_000;

#[derive(Clone, Debug)]
enum Op {
    Fill {
        inst: u32,
        side: Side,
        qty: Qty,
        price: Price,
        fee: Money,
    },
    Mark {
        inst: u32,
        last: Price,
    },
    Deposit(Money),
}

/// Drives the fold like the engine does: each fill is followed by its consequence
/// events, and every applied event is logged so it can be folded again.
struct Sim {
    state: State,
    seq: u64,
    ts: u64,
    log: Vec<(u64, Event)>,
    exits_realized: Money,
    closed_trips: Vec<Money>,
    /// Every fill: the position before it, and its outcome.
    fills: Vec<(Position, FillOutcome)>,
}

impl Sim {
    fn new() -> Self {
        Sim {
            state: State::new(),
            seq: 0,
            ts: T0,
            log: Vec::new(),
            exits_realized: Money::ZERO,
            closed_trips: Vec::new(),
            fills: Vec::new(),
        }
    }

    fn apply(&mut self, body: EventBody) -> Applied {
        self.seq += 1;
        self.ts += 1_000;
        let ev = Event::new(self.ts, body);
        let applied = self
            .state
            .apply(self.seq, &ev)
            .expect("valid event applies");
        self.log.push((self.seq, ev));
        applied
    }

    fn run(&mut self, op: &Op) {
        let body = match *op {
            Op::Fill {
                inst,
                side,
                qty,
                price,
                fee,
            } => EventBody::TradeExecuted {
                order_id: self.seq + 1,
                instrument: InstrumentId(inst),
                side,
                qty,
                price,
                fee,
            },
            Op::Mark { inst, last } => EventBody::MarketUpdate {
                instrument: InstrumentId(inst),
                bid: last,
                ask: last,
                last,
            },
            Op::Deposit(amount) => EventBody::StateChanged {
                change: Change::CashAdjusted(amount),
                reason: Reason::Operator,
            },
        };
        let before = body
            .instrument()
            .and_then(|id| self.state.position(id).copied());
        if let Applied::Fill(outcome) = self.apply(body) {
            self.fills
                .push((before.expect("fills have an instrument"), outcome));
            for ev in outcome.consequences(self.ts).iter() {
                match ev.body {
                    EventBody::TradeExitUpdated { realized_pnl, .. } => {
                        self.exits_realized = self.exits_realized.saturating_add(realized_pnl)
                    }
                    EventBody::PositionClosed { realized_pnl, .. } => {
                        self.closed_trips.push(realized_pnl)
                    }
                    _ => {}
                }
                let applied = self.apply(ev.body);
                assert_eq!(
                    applied,
                    Applied::Done,
                    "consequences mutate nothing further"
                );
            }
        }
    }
}

/// Prices and quantities in steps of 0.0001, so every notional is exact and an
/// independent model can use plain integer arithmetic.
fn exact_op() -> impl Strategy<Value = Op> {
    let fill = (
        0..N_INSTR,
        common::arb_side(),
        1i64..=10_000_000,
        1i64..=100_000_000,
        -100_000_000i64..=1_000_000_000,
    )
        .prop_map(|(inst, side, q, p, fee)| Op::Fill {
            inst,
            side,
            qty: Qty::from_raw(q * 10_000),
            price: Price::from_raw(p * 10_000),
            fee: Money::from_raw(fee),
        });
    let mark = (0..N_INSTR, 1i64..=100_000_000).prop_map(|(inst, p)| Op::Mark {
        inst,
        last: Price::from_raw(p * 10_000),
    });
    let deposit = (0i64..=1_000_000_000_000_000).prop_map(|m| Op::Deposit(Money::from_raw(m)));
    prop_oneof![6 => fill, 3 => mark, 1 => deposit]
}

/// Any raw 8-decimal prices and quantities: notionals round.
fn rounding_op() -> impl Strategy<Value = Op> {
    let fill = (
        0..N_INSTR,
        common::arb_side(),
        1i64..=100_000_000_000,
        1i64..=1_000_000_000_000,
        0i64..=10_000_000_000,
    )
        .prop_map(|(inst, side, q, p, fee)| Op::Fill {
            inst,
            side,
            qty: Qty::from_raw(q),
            price: Price::from_raw(p),
            fee: Money::from_raw(fee),
        });
    let mark = (0..N_INSTR, 1i64..=1_000_000_000_000).prop_map(|(inst, p)| Op::Mark {
        inst,
        last: Price::from_raw(p),
    });
    prop_oneof![6 => fill, 3 => mark]
}

fn mark_all(sim: &mut Sim, marks: &[i64]) {
    for (inst, &p) in (0..N_INSTR).zip(marks) {
        sim.run(&Op::Mark {
            inst,
            last: Price::from_raw(p),
        });
    }
}

fn gross_realized(state: &State) -> Money {
    state.positions().iter().fold(Money::ZERO, |acc, p| {
        acc.checked_add(p.realized_pnl).unwrap()
    })
}

fn sum(xs: impl IntoIterator<Item = Money>) -> Money {
    xs.into_iter()
        .fold(Money::ZERO, |a, b| a.checked_add(b).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Against an independent integer model: quantities are signed sums of fills,
    /// cash and equity match to the last unit, and P&L explains the equity change.
    #[test]
    fn fills_conserve_quantity_and_money(
        ops in prop::collection::vec(exact_op(), 0..60),
        marks in prop::collection::vec((1i64..=100_000_000).prop_map(|p| p * 10_000), 3),
    ) {
        let mut sim = Sim::new();
        let mut qty = [0i128; N_INSTR as usize];
        let mut flows = [0i128; N_INSTR as usize]; // -sum(side * price * qty), raw
        let (mut cash, mut deposits, mut fees) = (0i128, 0i128, 0i128);
        for op in &ops {
            sim.run(op);
            match *op {
                Op::Fill { inst, side, qty: q, price, fee } => {
                    let s = i128::from(side.sign());
                    let notional = i128::from(price.raw()) * i128::from(q.raw()) / 100_000_000;
                    qty[inst as usize] += s * i128::from(q.raw());
                    flows[inst as usize] -= s * notional;
                    cash -= s * notional + i128::from(fee.raw());
                    fees += i128::from(fee.raw());
                }
                Op::Deposit(m) => {
                    cash += i128::from(m.raw());
                    deposits += i128::from(m.raw());
                }
                Op::Mark { .. } => {}
            }
        }
        mark_all(&mut sim, &marks);
        let st = &sim.state;
        let a = st.account();
        let mut equity = cash;
        for i in 0..N_INSTR as usize {
            let pos = st.position(InstrumentId(i as u32)).unwrap();
            prop_assert_eq!(i128::from(pos.qty.raw()), qty[i]);
            equity += i128::from(marks[i]) * qty[i] / 100_000_000;
            if qty[i] == 0 {
                // Flat: its whole history is realized, exactly its cash flows.
                prop_assert_eq!(i128::from(pos.realized_pnl.raw()), flows[i]);
                prop_assert!(pos.cost.is_zero() && pos.unrealized_pnl.is_zero());
            }
        }
        prop_assert_eq!(i128::from(a.cash.raw()), cash);
        prop_assert_eq!(i128::from(a.fees.raw()), fees);
        prop_assert_eq!(i128::from(a.equity.raw()), equity);
        let change = Money::from_raw((equity - deposits) as i64);
        prop_assert_eq!(gross_realized(st).checked_add(a.unrealized_pnl).unwrap().checked_sub(a.fees), Some(change));
        prop_assert_eq!(a.realized_pnl.checked_add(a.unrealized_pnl), Some(change));
        prop_assert_eq!(a.net_deposits.raw() as i128, deposits);
        prop_assert_eq!(sim.exits_realized, gross_realized(st));
    }

    /// With rounding notionals the fold's own books still balance to the last unit:
    /// realized + unrealized - fees = equity change, and totals equal their rows.
    #[test]
    fn rounding_never_leaks_money(ops in prop::collection::vec(rounding_op(), 0..60)) {
        let mut sim = Sim::new();
        for op in &ops {
            sim.run(op);
        }
        let st = &sim.state;
        let a = st.account();
        let change = a.equity.checked_sub(a.net_deposits).unwrap();
        prop_assert_eq!(gross_realized(st).checked_add(a.unrealized_pnl).unwrap().checked_sub(a.fees), Some(change));
        prop_assert_eq!(sum(st.positions().iter().map(|p| p.unrealized_pnl)), a.unrealized_pnl);
        prop_assert_eq!(sum(st.positions().iter().map(|p| p.market_value)), a.market_value);
        prop_assert_eq!(a.cash.checked_add(a.market_value), Some(a.equity));
        for p in st.positions() {
            prop_assert_eq!(p.cost.is_zero(), p.qty.is_zero());
            prop_assert_eq!(p.market_value.checked_sub(p.cost), Some(p.unrealized_pnl));
        }
    }

    /// Opening fills then closing fills to flat realize exactly proceeds minus the
    /// opening notionals (each notional rounded once, as booked), and position_closed
    /// reports that round trip.
    #[test]
    fn closing_realizes_exactly_its_pnl(
        side in common::arb_side(),
        opens in prop::collection::vec((1i64..=100_000_000_000, 1i64..=1_000_000_000_000), 1..8),
        closes in prop::collection::vec((1u64..=1_000, 1i64..=1_000_000_000_000), 1..8),
        mark in 1i64..=1_000_000_000_000,
    ) {
        let mut sim = Sim::new();
        sim.run(&Op::Mark { inst: 0, last: Price::from_raw(mark) });
        let d = side.sign();
        let mut expected = 0i64;
        let mut total = 0i64;
        for &(q, p) in &opens {
            let (qty, price) = (Qty::from_raw(q), Price::from_raw(p));
            sim.run(&Op::Fill { inst: 0, side, qty, price, fee: Money::ZERO });
            expected -= d * price.notional(qty).unwrap().raw();
            total += q;
        }
        // Split `total` by the weights; the last close takes the remainder.
        let weights: u64 = closes.iter().map(|c| c.0).sum();
        let mut left = total;
        for (k, &(w, p)) in closes.iter().enumerate() {
            let q = if k + 1 == closes.len() { left } else { (total as i128 * w as i128 / weights as i128) as i64 };
            let q = q.min(left);
            if q == 0 { continue; }
            left -= q;
            let (qty, price) = (Qty::from_raw(q), Price::from_raw(p));
            sim.run(&Op::Fill { inst: 0, side: side.opposite(), qty, price, fee: Money::ZERO });
            expected += d * price.notional(qty).unwrap().raw();
        }
        let pos = *sim.state.position(InstrumentId(0)).unwrap();
        prop_assert!(pos.qty.is_zero() && pos.cost.is_zero() && pos.avg_price.is_zero());
        prop_assert_eq!(pos.realized_pnl, Money::from_raw(expected));
        prop_assert_eq!(sim.closed_trips.as_slice(), &[Money::from_raw(expected)][..]);
        prop_assert_eq!(sim.exits_realized, Money::from_raw(expected));
        prop_assert!(sim.state.account().unrealized_pnl.is_zero());
        prop_assert!(sim.state.account().market_value.is_zero());
    }

    /// Exits follow the average-cost method (checked against the textbook formula, not
    /// the fold's own basis arithmetic): an exit of `c` at `p` from a position with
    /// average price `avg` realizes `(p - avg) * c` (sign of the position), up to the
    /// rounding of `avg`; and a partial exit leaves the average price unchanged.
    #[test]
    fn exits_follow_average_cost(ops in prop::collection::vec(rounding_op(), 0..60)) {
        let mut sim = Sim::new();
        for op in &ops {
            sim.run(op);
        }
        for (before, out) in &sim.fills {
            let c = i128::from(out.effect.closed_qty.raw());
            if c == 0 {
                continue;
            }
            let dir = i128::from(before.qty.signum());
            let textbook = dir * (i128::from(out.price.raw()) - i128::from(before.avg_price.raw())) * c / 100_000_000;
            let err = (i128::from(out.effect.realized_pnl.raw()) - textbook).abs();
            prop_assert!(err <= c / 100_000_000 + 2, "realized {} vs textbook {}", out.effect.realized_pnl.raw(), textbook);
            let after = &out.position;
            if after.qty.signum() == before.qty.signum() && after.qty.saturating_abs() >= Qty::ONE {
                let drift = (after.avg_price.raw() - before.avg_price.raw()).abs();
                prop_assert!(drift <= 2, "avg price drifted by {} raw on a partial exit", drift);
            }
        }
    }

    /// Folding the logged events again, from scratch or from a byte snapshot taken
    /// anywhere, reproduces the state byte for byte.
    #[test]
    fn refolding_is_byte_identical(ops in prop::collection::vec(rounding_op(), 0..40), cut in any::<prop::sample::Index>()) {
        let mut sim = Sim::new();
        for op in &ops {
            sim.run(op);
        }
        let mut again = State::new();
        for (seq, ev) in &sim.log {
            prop_assert!(again.apply(*seq, ev).is_ok());
        }
        prop_assert_eq!(again.as_bytes(), sim.state.as_bytes());

        let k = if sim.log.is_empty() { 0 } else { cut.index(sim.log.len() + 1) };
        let mut first = State::new();
        for (seq, ev) in &sim.log[..k] {
            prop_assert!(first.apply(*seq, ev).is_ok());
        }
        let snapshot = first.as_bytes().to_vec();
        let mut restored = State::read_from_bytes(&snapshot).unwrap();
        for (seq, ev) in &sim.log[k..] {
            prop_assert!(restored.apply(*seq, ev).is_ok());
        }
        prop_assert_eq!(restored.as_bytes(), sim.state.as_bytes());
        // Replaying an already-applied event is refused and changes nothing.
        if let Some((seq, ev)) = sim.log.last() {
            let stale = matches!(restored.apply(*seq, ev), Err(ApplyError::Stale { .. }));
            prop_assert!(stale, "a replayed event is stale");
            prop_assert_eq!(restored.as_bytes(), sim.state.as_bytes());
        }
    }

    /// Events survive the trip through record bytes unchanged.
    #[test]
    fn events_round_trip_through_bytes(ev in arb_event(MAX_INSTRUMENTS as u32)) {
        let record = ev.to_record();
        let bytes = record.as_bytes();
        prop_assert_eq!(bytes.len(), EventRecord::SIZE);
        let back = EventRecord::read_from_bytes(bytes).unwrap();
        prop_assert_eq!(back, record);
        prop_assert_eq!(back.decode(), Ok(ev));
    }

    /// Unknown kind codes are a typed error whatever the other bytes hold.
    #[test]
    fn unknown_kinds_are_rejected(mut bytes in prop::array::uniform32(any::<u8>()), tail in prop::array::uniform24(any::<u8>()), kind in any::<u16>()) {
        prop_assume!(EventKind::from_code(kind).is_none());
        bytes[8..10].copy_from_slice(&kind.to_ne_bytes());
        let mut all = bytes.to_vec();
        all.extend_from_slice(&tail);
        let record = EventRecord::read_from_bytes(&all).unwrap();
        prop_assert_eq!(record.decode(), Err(DecodeError::UnknownKind(kind)));
    }

    /// Arbitrary bytes never panic the decoder or the fold; what decodes re-encodes to
    /// the same event.
    #[test]
    fn garbage_never_panics(records in prop::collection::vec((prop::array::uniform32(any::<u8>()), prop::array::uniform24(any::<u8>()), 1u16..=17), 1..40)) {
        let mut state = State::new();
        for (seq, (head, tail, kind)) in (1..).zip(records) {
            let mut all = head.to_vec();
            all[8..10].copy_from_slice(&kind.to_ne_bytes());
            all.extend_from_slice(&tail);
            let record = EventRecord::read_from_bytes(&all).unwrap();
            if let Ok(ev) = record.decode() {
                prop_assert_eq!(ev.to_record().decode(), Ok(ev));
                let _ = state.apply(seq, &ev);
            }
        }
    }

    /// Any decodable events at all (extreme values included) fold without panicking,
    /// deterministically.
    #[test]
    fn arbitrary_events_fold_deterministically(events in prop::collection::vec(arb_event(70), 0..50)) {
        let mut a = State::new();
        let mut b = State::new();
        for (seq, ev) in (1..).zip(&events) {
            let ra = a.apply(seq, ev);
            let rb = b.apply(seq, ev);
            prop_assert_eq!(ra, rb);
            if let Some(id) = ev.instrument() && id.index() >= MAX_INSTRUMENTS {
                prop_assert_eq!(ra, Err(ApplyError::UnknownInstrument(id)));
            }
        }
        prop_assert_eq!(a.as_bytes(), b.as_bytes());
    }

    /// State layout 2: every position carries its instrument's mark (price, time, and
    /// whether there is one) after any events, so a layout-1 snapshot, which has only
    /// the market's, migrates to exactly what the fold would have built.
    #[test]
    fn positions_carry_their_instruments_mark(events in prop::collection::vec(arb_event(3), 0..80)) {
        let mut st = State::new();
        for (seq, ev) in (1..).zip(&events) {
            let _ = st.apply(seq, ev);
            for (p, m) in st.positions().iter().zip(st.markets()) {
                prop_assert_eq!(p.marked == 1, m.mark().is_some());
                prop_assert_eq!(p.mark, m.mark().unwrap_or(Price::ZERO));
                prop_assert_eq!(p.mark_ns, if p.marked == 1 { m.updated_ns } else { 0 });
            }
        }
    }
}

fn ev(ts: u64, body: EventBody) -> Event {
    Event::new(ts, body)
}

/// Applies an event that must apply; the fill outcome is not needed here.
fn put(st: &mut State, seq: u64, e: &Event) {
    let _ = st.apply(seq, e).expect("event applies");
}

fn m(s: &str) -> Money {
    s.parse().unwrap()
}

fn px(s: &str) -> Price {
    s.parse().unwrap()
}

fn fill(side: Side, qty: i64, price: &str) -> EventBody {
    EventBody::TradeExecuted {
        order_id: 1,
        instrument: InstrumentId(0),
        side,
        qty: Qty::from_units(qty).unwrap(),
        price: px(price),
        fee: Money::ZERO,
    }
}

fn mark(price: &str) -> EventBody {
    EventBody::MarketUpdate {
        instrument: InstrumentId(0),
        bid: px(price),
        ask: px(price),
        last: px(price),
    }
}

#[test]
fn daily_pnl_resets_on_a_new_utc_day_and_halts_stay_until_resumed() {
    let day = 86_400_000_000_000u64;
    let d0 = 19_000 * day;
    let mut st = State::new();
    let events = [
        ev(
            d0 + 1,
            EventBody::StateChanged {
                change: Change::CashAdjusted(m("10000")),
                reason: Reason::Start,
            },
        ),
        ev(
            d0 + 2,
            EventBody::StateChanged {
                change: Change::DailyLossLimit(m("100")),
                reason: Reason::Config,
            },
        ),
        ev(d0 + 3, fill(Side::Buy, 10, "100")),
        ev(d0 + 4, mark("89")),
    ];
    for (seq, e) in (1..).zip(&events) {
        put(&mut st, seq, e);
    }
    assert_eq!(st.account().daily_pnl, m("-110"), "deposits are not P&L");
    assert!(st.account().is_loss_limit_breached());
    put(
        &mut st,
        5,
        &ev(
            d0 + 5,
            EventBody::DailyLossBreached {
                daily_pnl: m("-110"),
                limit: m("100"),
                equity: m("9890"),
            },
        ),
    );
    assert_eq!(st.account().halt_reason(), Some(Reason::DailyLoss));

    put(&mut st, 6, &ev(d0 + day, mark("90")));
    assert_eq!(st.account().day, 19_001);
    assert_eq!(
        st.account().daily_pnl,
        m("10"),
        "measured from the equity before the new day's first event"
    );
    assert!(
        st.account().is_halted(),
        "only an explicit resume lifts a halt"
    );
    put(
        &mut st,
        7,
        &ev(
            d0 + day + 1,
            EventBody::StateChanged {
                change: Change::Resumed,
                reason: Reason::NewDay,
            },
        ),
    );
    assert!(!st.account().is_halted());
    // An event stamped earlier (clock step back) does not roll the day backwards.
    put(&mut st, 8, &ev(d0 + 9, mark("91")));
    assert_eq!(
        (st.account().day, st.account().daily_pnl),
        (19_001, m("20"))
    );
}

#[test]
fn flip_through_zero_closes_and_reopens_and_disarms_the_monitor() {
    let mut st = State::new();
    let id = InstrumentId(0);
    put(
        &mut st,
        1,
        &ev(
            1,
            EventBody::MonitorArmed {
                instrument: id,
                stop: Some(px("95")),
                target: None,
            },
        ),
    );
    put(&mut st, 2, &ev(2, fill(Side::Buy, 5, "100")));
    assert!(
        st.monitor(id).unwrap().is_armed(),
        "opening from flat keeps a pre-armed monitor"
    );
    let Applied::Fill(out) = st.apply(3, &ev(3, fill(Side::Sell, 8, "104"))).unwrap() else {
        panic!("a fill reports its outcome");
    };
    let kinds: Vec<EventKind> = out.consequences(3).iter().map(Event::kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::TradeExitUpdated,
            EventKind::PositionClosed,
            EventKind::PositionUpdated
        ]
    );
    assert_eq!(out.effect.realized_pnl, m("20"));
    let pos = st.position(id).unwrap();
    assert_eq!(
        (pos.qty, pos.avg_price),
        (Qty::from_units(-3).unwrap(), px("104"))
    );
    assert_eq!(
        pos.trip_realized_pnl,
        Money::ZERO,
        "a new round trip starts after the flip"
    );
    assert!(!st.monitor(id).unwrap().is_armed());
}

#[test]
fn rejected_events_leave_state_untouched() {
    let mut st = State::new();
    put(&mut st, 1, &ev(1, fill(Side::Buy, 1, "10")));
    let before = st.clone();
    let zero = EventBody::TradeExecuted {
        order_id: 2,
        instrument: InstrumentId(0),
        side: Side::Buy,
        qty: Qty::ZERO,
        price: px("10"),
        fee: Money::ZERO,
    };
    assert_eq!(
        st.apply(2, &ev(2, zero)),
        Err(ApplyError::InvalidQty { qty: Qty::ZERO })
    );
    let far = EventBody::MarketUpdate {
        instrument: InstrumentId(64),
        bid: px("1"),
        ask: px("1"),
        last: px("1"),
    };
    assert_eq!(
        st.apply(2, &ev(2, far)),
        Err(ApplyError::UnknownInstrument(InstrumentId(64)))
    );
    let wrong = EventBody::PositionUpdated {
        instrument: InstrumentId(0),
        qty: Qty::from_units(2).unwrap(),
        avg_price: px("10"),
        realized_pnl: Money::ZERO,
        unrealized_pnl: Money::ZERO,
    };
    assert!(matches!(
        st.apply(2, &ev(2, wrong)),
        Err(ApplyError::Inconsistent { .. })
    ));
    assert_eq!(
        st.apply(1, &ev(2, mark("1"))),
        Err(ApplyError::Stale {
            seq: 1,
            last_seq: 1
        })
    );
    assert_eq!(st, before);
    assert_eq!(st.next_order_id(), 2);
}

#[test]
fn position_synced_resets_the_basis_and_closes_the_mismatch() {
    let mut st = State::new();
    let id = InstrumentId(1);
    put(
        &mut st,
        1,
        &ev(
            1,
            EventBody::MarketUpdate {
                instrument: id,
                bid: px("9"),
                ask: px("11"),
                last: px("10"),
            },
        ),
    );
    put(
        &mut st,
        2,
        &ev(
            2,
            EventBody::ReconciliationMismatch {
                instrument: id,
                ours: Qty::ZERO,
                broker: Qty::ONE,
                ours_avg_price: Price::ZERO,
                broker_avg_price: px("9.5"),
            },
        ),
    );
    assert_eq!(st.position(id).unwrap().mismatch_open, 1);
    put(
        &mut st,
        3,
        &ev(
            3,
            EventBody::PositionSynced {
                instrument: id,
                qty: Qty::from_units(4).unwrap(),
                avg_price: px("9.5"),
                realized_pnl: Money::ZERO, // as logged before corrections were booked
            },
        ),
    );
    let pos = st.position(id).unwrap();
    assert_eq!(
        (pos.mismatch_open, pos.cost, pos.unrealized_pnl),
        (0, m("38"), m("2"))
    );
    assert_eq!(st.account().unrealized_pnl, m("2"));
    assert_eq!(st.counters().syncs, 1);
}
