//! Command-line flags onto the configuration: each flag replaces its config key (the
//! file's value, or the default), then CSV symbols missing from `[[instruments]]` are
//! added. [`Config::validate`] runs afterwards, over the result.

use std::fmt;
use std::str::FromStr;

use seamless_config::{
    BadRows, BrokerFaults, Config, Cores, Decimal, FeedSource, Instrument, Pace, StrategyKind,
    WaitStrategy,
};
use tracing::info;

use super::CoreArgs;

/// A flag whose value is not valid: `--pace: unknown pace "fast": expected ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FlagError {
    flag: &'static str,
    msg: String,
}

impl fmt::Display for FlagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "--{}: {}", self.flag, self.msg)
    }
}

impl std::error::Error for FlagError {}

/// Parses a flag's value, naming the flag on error.
fn parse<T: FromStr>(flag: &'static str, value: &str) -> Result<T, FlagError>
where
    T::Err: fmt::Display,
{
    value.parse().map_err(|e: T::Err| FlagError {
        flag,
        msg: e.to_string(),
    })
}

/// A whole number, with a clearer message than the standard one.
fn number(flag: &'static str, value: &str) -> Result<u64, FlagError> {
    value.parse().map_err(|_| FlagError {
        flag,
        msg: format!("expected a whole number, got {value:?}"),
    })
}

/// Applies every flag given in `args` to `cfg`.
///
/// # Errors
///
/// The first flag whose value does not parse.
pub(super) fn apply(args: &CoreArgs, cfg: &mut Config) -> Result<(), FlagError> {
    if let Some(name) = &args.name {
        cfg.core.name = name.clone();
    }
    if let Some(dir) = &args.data_dir {
        cfg.core.data_dir = dir.clone();
    }
    if !args.feeds.is_empty() {
        cfg.feed.source = FeedSource::from_cli_args(args.feeds.iter().map(String::as_str))
            .map_err(|e| FlagError {
                flag: "feed",
                msg: e.to_string(),
            })?;
    }
    if let Some(pace) = &args.pace {
        cfg.feed.pace = parse::<Pace>("pace", pace)?;
    }
    if args.exit_after_feed {
        cfg.feed.exit_after_feed = true;
    }
    if let Some(spec) = &args.strategy {
        cfg.strategy.apply_cli_spec(spec).map_err(|e| FlagError {
            flag: "strategy",
            msg: e.to_string(),
        })?;
    }
    if let Some(cores) = &args.cores {
        cfg.core.cores = parse::<Cores>("cores", cores)?;
    }
    if let Some(wait) = &args.wait {
        cfg.core.wait = parse::<WaitStrategy>("wait", wait)?;
    }
    if let Some(ticks) = &args.ticks {
        cfg.feed.synthetic.ticks = number("ticks", ticks)?;
    }
    if let Some(seed) = &args.seed {
        cfg.feed.synthetic.seed = number("seed", seed)?;
    }
    if let Some(rate) = &args.rate {
        cfg.feed.synthetic.rate_per_sec = number("rate", rate)?;
    } else if args.pace.is_some() && cfg.feed.pace == Pace::Max {
        // The synthetic feed is paced by its rate: `--pace max` lifts it.
        cfg.feed.synthetic.rate_per_sec = 0;
    }
    if let Some(policy) = &args.bad_rows {
        cfg.feed.bad_rows = parse::<BadRows>("bad-rows", policy)?;
    }
    if let Some(spec) = &args.broker_faults {
        cfg.broker.faults = BrokerFaults::from_cli_spec(spec).map_err(|e| FlagError {
            flag: "broker-faults",
            msg: e.to_string(),
        })?;
    }
    add_csv_instruments(cfg);
    Ok(())
}

/// Adds every CSV symbol missing from `[[instruments]]`, with the defaults of
/// [`Instrument::new`] (tick 0.01, lot 1), except that the lot becomes the strategy's
/// order quantity when that is not a whole number of lots, so the default strategy
/// (qty 0.01) can trade it.
fn add_csv_instruments(cfg: &mut Config) {
    let FeedSource::Csv(specs) = &cfg.feed.source else {
        return;
    };
    let missing: Vec<String> = specs
        .iter()
        .filter(|s| cfg.instrument(&s.symbol).is_none())
        .map(|s| s.symbol.clone())
        .collect();
    for symbol in missing {
        let mut inst = Instrument::new(symbol);
        let qty = cfg.strategy.qty;
        if cfg.strategy.kind != StrategyKind::None
            && qty > Decimal::ZERO
            && !qty.is_multiple_of(inst.lot_size)
        {
            inst.lot_size = qty;
        }
        info!(
            "instrument {} is not in the config: added with tick size {}, lot size {}",
            inst.symbol, inst.tick_size, inst.lot_size
        );
        cfg.instruments.push(inst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Wrap {
        #[command(flatten)]
        args: CoreArgs,
    }

    fn applied(argv: &[&str]) -> Result<Config, FlagError> {
        let wrap = Wrap::try_parse_from(std::iter::once("core").chain(argv.iter().copied()))
            .expect("clap accepts");
        let mut cfg = Config::default();
        apply(&wrap.args, &mut cfg)?;
        Ok(cfg)
    }

    #[test]
    fn flags_override_the_config() {
        let cfg = applied(&[
            "--name",
            "x1",
            "--ticks",
            "500",
            "--seed",
            "7",
            "--pace",
            "max",
            "--wait",
            "spin",
            "--cores",
            "engine=1",
            "--exit-after-feed",
            "--strategy",
            "sma_cross:fast=5",
            "--broker-faults",
            "oob_fill_every=3,stall_after=9",
        ])
        .unwrap();
        assert_eq!(cfg.core.name, "x1");
        assert_eq!(
            (cfg.feed.synthetic.ticks, cfg.feed.synthetic.seed),
            (500, 7)
        );
        assert_eq!(
            cfg.feed.synthetic.rate_per_sec, 0,
            "--pace max lifts the rate"
        );
        assert_eq!(cfg.core.wait, WaitStrategy::Spin);
        assert_eq!(cfg.core.cores.engine, Some(1));
        assert!(cfg.feed.exit_after_feed);
        assert_eq!((cfg.strategy.fast, cfg.strategy.slow), (5, 20));
        let f = cfg.broker.faults;
        assert_eq!(
            (f.oob_fill_every, f.drop_fill_every, f.stall_after),
            (3, 0, 9)
        );
        cfg.validate().unwrap();
        let rated = applied(&["--pace", "max", "--rate", "10"]).unwrap();
        assert_eq!(rated.feed.synthetic.rate_per_sec, 10);
    }

    #[test]
    fn a_csv_symbol_is_added_so_the_default_config_validates() {
        let cfg = applied(&["--feed", "csv:AAPL=aapl.csv"]).unwrap();
        let aapl = cfg.instrument("AAPL").unwrap();
        assert_eq!(aapl.lot_size, cfg.strategy.qty);
        cfg.validate().unwrap();
        let cfg = applied(&["--feed", "csv:AAPL=a.csv", "--strategy", "sma_cross:qty=2"]).unwrap();
        assert_eq!(cfg.instrument("AAPL").unwrap().lot_size.to_string(), "1");
    }

    #[test]
    fn bad_values_name_their_flag_on_one_line() {
        for (argv, want) in [
            (&["--pace", "fast"][..], "--pace: "),
            (
                &["--wait", "sleepy"],
                "--wait: unknown wait strategy \"sleepy\"",
            ),
            (&["--cores", "gpu=1"], "--cores: "),
            (
                &["--ticks", "many"],
                "--ticks: expected a whole number, got \"many\"",
            ),
            (&["--strategy", "sma_cross:speed=3"], "--strategy: "),
            (&["--feed", "file.csv"], "--feed: "),
            (&["--feed", "synthetic", "--feed", "csv:A=a"], "--feed: "),
            (&["--bad-rows", "maybe"], "--bad-rows: "),
            (&["--broker-faults", "drop_every=2"], "--broker-faults: "),
        ] {
            let e = applied(argv).unwrap_err().to_string();
            assert!(e.starts_with(want), "{argv:?}: {e}");
            assert!(!e.contains('\n'), "{e}");
        }
    }
}
