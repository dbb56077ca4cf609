//! The command-line forms: `--strategy`, `--broker-faults`, `--cores`, `--feed`, and
//! every name-spelled enum, good and bad.

use std::fmt::Display;
use std::str::FromStr;

use seamless_config::{
    BadRows, BrokerFaults, Cores, CsvSpec, Decimal, FeedSource, FsyncPolicy, GatingPolicy, Pace,
    ReconcilePolicy, StrategyConfig, StrategyKind, WaitStrategy,
};

#[test]
fn strategy_spec_good() {
    let s = StrategyConfig::from_cli_spec("sma_cross:fast=10,slow=20,qty=100").unwrap();
    assert_eq!(s.kind, StrategyKind::SmaCross);
    assert_eq!((s.fast, s.slow), (10, 20));
    assert_eq!(s.qty, Decimal::from_units(100).unwrap());
    let s = StrategyConfig::from_cli_spec("sma_cross:allow_short=true,qty=0.5").unwrap();
    assert!(s.allow_short);
    assert_eq!(s.qty.to_string(), "0.5");
    assert_eq!(
        StrategyConfig::from_cli_spec("sma_cross").unwrap(),
        StrategyConfig::default()
    );
    assert_eq!(
        StrategyConfig::from_cli_spec("none").unwrap().kind,
        StrategyKind::None
    );
}

#[test]
fn strategy_spec_bad_names_the_part() {
    let cases = [
        (
            "sma_cross:fast=x",
            "fast=x",
            "expected a whole number, got \"x\"",
        ),
        ("sma_cross:fast=10,slow", "slow", "expected key=value"),
        (
            "sma_cross:speed=3",
            "speed=3",
            "unknown key \"speed\": expected fast, slow, qty or allow_short",
        ),
        (
            "sma_cross:qty=0.000000001",
            "qty=0.000000001",
            "expected a decimal quantity, got \"0.000000001\"",
        ),
        (
            "sma_cross:fast=30,slow=20",
            "fast=30",
            "strategy.fast: must be less than strategy.slow (20), got 30",
        ),
        (
            "sma_cross:qty=-1",
            "qty=-1",
            "strategy.qty: expected a positive amount, got -1",
        ),
        ("sma_cross:fast=1,fast=2", "fast=2", "fast given twice"),
        (
            "momentum:fast=1",
            "momentum",
            "unknown strategy \"momentum\": expected sma_cross or none",
        ),
        ("none:fast=1", "fast=1", "strategy none takes no parameters"),
        ("", "", "unknown strategy \"\": expected sma_cross or none"),
    ];
    for (spec, part, msg) in cases {
        let e = StrategyConfig::from_cli_spec(spec).unwrap_err();
        assert_eq!((e.part.as_str(), e.msg.as_str()), (part, msg), "{spec}");
    }
    let e = StrategyConfig::from_cli_spec("sma_cross:fast=x").unwrap_err();
    assert_eq!(
        e.to_string(),
        "bad strategy spec \"sma_cross:fast=x\" at \"fast=x\": expected a whole number, got \"x\""
    );
}

#[test]
fn broker_faults_spec() {
    let f =
        BrokerFaults::from_cli_spec("oob_fill_every=7,drop_fill_every=11,stall_after=100").unwrap();
    assert_eq!(
        f,
        BrokerFaults {
            oob_fill_every: 7,
            drop_fill_every: 11,
            stall_after: 100
        }
    );
    assert_eq!(BrokerFaults::from_cli_spec(&f.to_string()).unwrap(), f);
    assert!(f.any());
    assert!(!BrokerFaults::from_cli_spec("").unwrap().any());
    for (spec, part) in [
        ("oob_fill_every=-1", "oob_fill_every=-1"),
        ("drop_fill_every=1,stall=2", "stall=2"),
        ("stall_after", "stall_after"),
        ("stall_after=1,stall_after=2", "stall_after=2"),
        ("oob_fill_every=1.5", "oob_fill_every=1.5"),
    ] {
        let e = BrokerFaults::from_cli_spec(spec).unwrap_err();
        assert_eq!(e.part, part, "{spec}: {e}");
        assert!(e.to_string().starts_with("bad broker faults spec"), "{e}");
    }
}

#[test]
fn cores_and_feeds() {
    let c: Cores = "feed=0,engine=1,broker=1".parse().unwrap();
    assert_eq!((c.feed, c.engine, c.broker), (Some(0), Some(1), Some(1)));
    assert!("feed=a".parse::<Cores>().is_err());
    let spec: CsvSpec = "csv:SPY=data/spy.csv".parse().unwrap();
    assert_eq!(spec.symbol, "SPY");
    let e = "csv:SPY".parse::<CsvSpec>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "bad csv feed spec \"csv:SPY\": expected SYMBOL=PATH"
    );
    assert_eq!(
        FeedSource::from_cli_args(["synthetic"]).unwrap(),
        FeedSource::Synthetic
    );
}

fn round_trips<T>(names: &[&str])
where
    T: FromStr + Display,
    T::Err: Display,
{
    for name in names {
        let value: T = name.parse().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(value.to_string(), *name);
    }
    let e = match "no-such-name".parse::<T>() {
        Err(e) => e.to_string(),
        Ok(v) => panic!("accepted as {v}"),
    };
    assert!(e.contains("\"no-such-name\""), "{e}");
}

#[test]
fn every_enum_parses_and_prints_its_names() {
    round_trips::<WaitStrategy>(&["spin", "spin_yield", "backoff"]);
    round_trips::<Pace>(&["max", "realtime", "x10", "x1000000"]);
    round_trips::<BadRows>(&["fail", "skip"]);
    round_trips::<StrategyKind>(&["sma_cross", "none"]);
    round_trips::<FsyncPolicy>(&["always", "interval", "never"]);
    round_trips::<GatingPolicy>(&["block", "halt_trading"]);
    round_trips::<ReconcilePolicy>(&["adopt_broker", "halt"]);
}
