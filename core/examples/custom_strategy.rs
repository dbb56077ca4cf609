//! A user strategy plugged into the engine: a channel breakout.
//!
//! It goes long `qty` when the price closes above the highest price of the previous
//! `n` updates, and back to flat when it closes below the lowest. The engine does the
//! rest: sizing against the position and orders in flight, risk, monitors, events. Here
//! the engine's orders go straight to the paper broker and its fills straight back, as
//! the broker thread would do, and every event is printed as a JSON line.
//!
//! Run it with `cargo run -p seamless-core --example custom_strategy`.

use seamless_core::broker::{FillModel, Order, PaperBroker};
use seamless_core::domain::{
    InstrumentId, Instruments, JsonBuf, Price, Qty, Reason, Side, State, write_event_json,
};
use seamless_core::engine::{Engine, EngineSettings, Quote};
use seamless_core::risk::MonitorSettings;
use seamless_core::strategy::{Intent, Strategy};

/// A channel breakout over the last `n` prices of each instrument.
///
/// Everything is allocated in [`Breakout::new`]; `on_price` only reads and writes its
/// fixed windows (the hot-path rule for strategies: no allocation, no locks, no I/O).
struct Breakout {
    qty: Qty,
    /// Per instrument: the last `n` prices (a ring) and how many have been seen.
    windows: Vec<(Vec<Price>, usize)>,
}

impl Breakout {
    fn new(n: usize, qty: Qty, instruments: usize) -> Self {
        Breakout {
            qty,
            windows: vec![(vec![Price::ZERO; n.max(1)], 0); instruments],
        }
    }
}

impl Strategy for Breakout {
    fn name(&self) -> &str {
        "breakout"
    }

    fn on_price(
        &mut self,
        instrument: InstrumentId,
        _ts_ns: u64,
        price: Price,
        position: Qty,
    ) -> Option<Intent> {
        let (ring, seen) = self.windows.get_mut(instrument.index())?;
        let n = ring.len();
        let full = *seen >= n;
        let high = ring.iter().copied().max();
        let low = ring.iter().copied().min();
        ring[*seen % n] = price;
        *seen += 1;
        match (full, high, low) {
            (true, Some(h), _) if price > h && position.is_zero() => {
                Some(Intent::new(Side::Buy, self.qty))
            }
            (true, _, Some(l)) if price < l && position.is_positive() => {
                Some(Intent::new(Side::Sell, Qty::ZERO))
            }
            _ => None,
        }
    }
}

/// A deterministic price path: a slow rise, a sharp drop, a recovery (in cents).
fn prices() -> impl Iterator<Item = Price> {
    let path = (0..40)
        .map(|i| 10_000 + 5 * i)
        .chain((0..15).map(|i| 10_200 - 40 * i))
        .chain((0..40).map(|i| 9_640 + 12 * i));
    path.map(|cents| Price::from_raw(cents * 1_000_000))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut instruments = Instruments::new();
    let id = instruments.add("DEMO", "0.01".parse()?, Qty::ONE)?;

    let strategy = Breakout::new(10, "5".parse()?, instruments.len());
    let settings = EngineSettings {
        monitors: MonitorSettings {
            stop_loss_bps: 150,
            take_profit_bps: 0,
        },
        mark_interval_ns: 0,
        ..EngineSettings::default()
    };
    let mut engine = Engine::new(
        instruments.clone(),
        State::new(),
        Some(Box::new(strategy)),
        settings,
    )?;
    let model = FillModel {
        slippage_ticks: 1,
        fee_bps: "1".parse()?,
        ..FillModel::default()
    };
    let mut broker = PaperBroker::new(&instruments, model);

    let mut events = Vec::new();
    let mut orders: Vec<Order> = Vec::new();
    let t0 = 1_700_000_000_000_000_000u64;
    engine.start(t0, Reason::Start, &mut events);
    for (i, last) in prices().enumerate() {
        let tick = Quote {
            bid: Price::from_raw(last.raw() - 1_000_000),
            ask: Price::from_raw(last.raw() + 1_000_000),
            last,
        };
        let ts = t0 + (i as u64 + 1) * 1_000_000_000;
        engine.on_tick(id, ts, tick, &mut events, &mut orders);
        while let Some(order) = orders.pop() {
            let reply = broker.on_order(&order);
            engine.on_broker_reply(&reply, &mut events, &mut orders);
        }
    }
    engine.stop(t0 + 100_000_000_000, Reason::FeedEnd, &mut events);

    let mut line = JsonBuf::new();
    for (seq, record) in &events {
        line.clear();
        write_event_json(&instruments, *seq, record, &mut line)?;
        if !line.as_str().contains("market_update") {
            println!("{}", line.as_str());
        }
    }
    let account = engine.state().account();
    println!(
        "position {} | realized {} | equity {} | events {}",
        engine.state().position(id).map_or(Qty::ZERO, |p| p.qty),
        account.realized_pnl,
        account.equity,
        events.len()
    );
    Ok(())
}
