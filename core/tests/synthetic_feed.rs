//! The synthetic feed: determinism, tick-grid alignment, positivity, spread, turns,
//! timestamps and the tick limit; and `feed::open` for it.

use seamless_config::{Config, Decimal, Instrument, SyntheticConfig};
use seamless_core::domain::{InstrumentId, Instruments, Price, Qty};
use seamless_core::feed::{self, Feed, FeedError, SyntheticFeed, Tick};

const START: u64 = 1_704_153_600_000_000_000;

fn table(list: &[Instrument]) -> Instruments {
    let mut t = Instruments::new();
    for i in list {
        t.add(
            &i.symbol,
            Price::from_raw(i.tick_size.0),
            Qty::from_raw(i.lot_size.0),
        )
        .unwrap();
    }
    t
}

fn synth(seed: u64, ticks: u64) -> SyntheticConfig {
    SyntheticConfig {
        seed,
        ticks,
        ..SyntheticConfig::default()
    }
}

fn run(cfg: &SyntheticConfig, list: &[Instrument]) -> Vec<Tick> {
    let mut feed = SyntheticFeed::new(cfg, list, &table(list), START).unwrap();
    std::iter::from_fn(|| feed.next_tick().unwrap()).collect()
}

fn instruments() -> Vec<Instrument> {
    let mut list = Instrument::default_list(); // BTCUSD 50000, ETHUSD 3000; tick 0.01
    list.push(Instrument {
        symbol: "PENNY".into(),
        tick_size: Decimal(1_000_000),
        lot_size: Decimal(100_000_000),
        start_price: Decimal(2_000_000), // 0.02: two ticks off zero
        volatility_bps: 1000,
    });
    list.push(Instrument {
        symbol: "COARSE".into(),
        tick_size: Decimal(25_000_000), // 0.25
        lot_size: Decimal(100_000_000),
        start_price: Decimal(500_000_000_000), // 5000
        volatility_bps: 5,
    });
    list
}

#[test]
fn same_seed_same_ticks_other_seed_other_ticks() {
    let list = instruments();
    let a = run(&synth(7, 5_000), &list);
    let b = run(&synth(7, 5_000), &list);
    assert_eq!(a.len(), 5_000);
    assert_eq!(a, b);
    let c = run(&synth(8, 5_000), &list);
    assert_ne!(a, c);
    // The walk actually moves.
    let btc: Vec<Price> = a
        .iter()
        .filter(|t| t.instrument.0 == 0)
        .map(|t| t.last)
        .collect();
    assert!(btc.windows(2).any(|w| w[0] != w[1]));
}

#[test]
fn prices_on_the_grid_positive_and_spread_as_configured() {
    let list = instruments();
    let cfg = SyntheticConfig {
        spread: Decimal(50_000_000), // 0.5: two ticks of COARSE, fifty of the others
        ..synth(3, 40_000)
    };
    let ticks = run(&cfg, &list);
    let t = table(&list);
    let mut seen_floor = false;
    for tick in &ticks {
        let inst = t.get(tick.instrument).unwrap();
        for px in [tick.bid, tick.ask, tick.last] {
            assert!(px.is_positive(), "{tick:?}");
            assert!(inst.is_tick_aligned(px), "{tick:?}");
        }
        assert_eq!(tick.ask.raw() - tick.bid.raw(), 50_000_000, "{tick:?}");
        assert!(tick.bid <= tick.last && tick.last <= tick.ask);
        assert!(tick.size.is_positive() && inst.is_lot_aligned(tick.size));
        assert_eq!((tick._pad, tick.stamp), (0, 0));
        seen_floor |= tick.instrument.0 == 2 && tick.bid == Price::from_raw(1_000_000);
    }
    // PENNY, at 1000 bps from two ticks, presses against the floor (bid = one tick).
    assert!(seen_floor);
}

#[test]
fn round_robin_and_timestamps_at_the_rate() {
    let list = Instrument::default_list();
    let cfg = SyntheticConfig {
        rate_per_sec: 3,
        ..synth(1, 7)
    };
    let ticks = run(&cfg, &list);
    let ids: Vec<u32> = ticks.iter().map(|t| t.instrument.0).collect();
    assert_eq!(ids, [0, 1, 0, 1, 0, 1, 0]);
    let ts: Vec<u64> = ticks.iter().map(|t| t.ts_ns - START).collect();
    // 1 s / 3, from the tick count: no accumulated rounding.
    assert_eq!(
        ts,
        [
            0,
            333_333_333,
            666_666_666,
            1_000_000_000,
            1_333_333_333,
            1_666_666_666,
            2_000_000_000
        ]
    );
    let unpaced = SyntheticConfig {
        rate_per_sec: 0,
        ..synth(1, 3)
    };
    let ts: Vec<u64> = run(&unpaced, &list)
        .iter()
        .map(|t| t.ts_ns - START)
        .collect();
    assert_eq!(ts, [0, 1_000, 2_000]);
}

#[test]
fn endless_when_ticks_is_zero_and_flat_without_volatility() {
    let mut list = Instrument::default_list();
    list.truncate(1);
    list[0].volatility_bps = 0;
    let mut feed = SyntheticFeed::new(&synth(5, 0), &list, &table(&list), START).unwrap();
    for _ in 0..100_000 {
        let t = feed.next_tick().unwrap().unwrap();
        assert_eq!(t.last, Price::from_units(50_000).unwrap());
    }
    assert_eq!(feed.skipped(), 0);
    assert!(feed.first_skipped().is_empty());
    assert!(
        feed.description().contains("seed 5"),
        "{}",
        feed.description()
    );
    assert!(feed.description().contains("endless"));
}

#[test]
fn instruments_missing_from_the_table_are_errors() {
    let list = Instrument::default_list();
    let only_btc = table(&list[..1]);
    let err = SyntheticFeed::new(&synth(1, 0), &list, &only_btc, START).unwrap_err();
    assert!(matches!(err, FeedError::UnknownInstrument { ref symbol } if symbol == "ETHUSD"));
    let err = SyntheticFeed::new(&synth(1, 0), &[], &only_btc, START).unwrap_err();
    assert_eq!(err.to_string(), "synthetic feed: no instruments");
}

#[test]
fn open_builds_the_configured_synthetic_feed() {
    let mut cfg = Config::default();
    cfg.feed.synthetic.ticks = 4;
    let mut feed = feed::open(&cfg, &table(&cfg.instruments)).unwrap();
    let ticks: Vec<Tick> = std::iter::from_fn(|| feed.next_tick().unwrap()).collect();
    assert_eq!(ticks.len(), 4);
    assert_eq!(ticks[1].instrument, InstrumentId(1));
    // Stamped from the wall clock: after 2020, and 1 ms apart at the default 1000/s.
    assert!(ticks[0].ts_ns > 1_577_836_800_000_000_000);
    assert_eq!(ticks[1].ts_ns - ticks[0].ts_ns, 1_000_000);
    assert_eq!(feed::pace_of(&cfg.feed), seamless_config::Pace::Realtime);
    cfg.feed.synthetic.rate_per_sec = 0;
    assert_eq!(feed::pace_of(&cfg.feed), seamless_config::Pace::Max);
}
