//! `seamless core`: runs the core process (glue: flags onto the config, then
//! [`seamless_core::runtime::run`]).
//!
//! Exit status: 0 after a clean stop (SIGINT/SIGTERM, or the feed's end with
//! `--exit-after-feed`; a second signal exits at once with 130/143); 2 for a usage or configuration error (one line naming the
//! flag, file or key); 1 for a runtime failure (another core runs the instance, a bad
//! CSV row, a thread panic).

mod logging;
mod overrides;

use std::path::PathBuf;
use std::process::ExitCode;

use seamless_config::Config;
use seamless_core::domain::Reason;
use seamless_core::runtime::{self, RunOptions, StopFlag};

use super::{EXIT_FAILURE, EXIT_USAGE};

const EXAMPLES: &str = "\
Examples:
  seamless core --feed synthetic
      The default config: BTCUSD and ETHUSD random walks at 1000 ticks/s, SMA cross.
  seamless core --name bt --feed csv:AAPL=aapl.csv --pace x60 --exit-after-feed
      Replay a Yahoo/pandas export 60x faster; AAPL is added to the instruments.
  seamless core --feed synthetic --ticks 1000000 --pace max --exit-after-feed \\
                --strategy sma_cross:fast=10,slow=20,qty=0.01
      A million ticks as fast as possible, then exit 0 with a summary.
  seamless core --config prod.toml --cores feed=0,engine=1,broker=1 --wait spin
      Pinned and spinning: lowest latency, needs dedicated cores.

Every flag overrides the config file (config/default.toml documents each key).
Stop with Ctrl-C or SIGTERM: the rings are drained, runner_stopped is published and
the region is left readable (`seamless monitor --name N`). Logs go to stderr;
RUST_LOG=debug (or seamless=debug,...) changes the level.

Exit status: 0 clean stop, 2 usage or configuration error, 1 runtime failure.";

/// Run the core: the engine on pinned threads, publishing state and events into the
/// shared-memory region seamless-NAME.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct CoreArgs {
    /// TOML config file (default: the built-in defaults, config/default.toml).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Instance name: names the region /dev/shm/seamless-NAME [core.name].
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Directory for the event log and snapshots [core.data_dir].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Market data: `synthetic`, or `csv:SYMBOL=PATH` (repeat, one per instrument)
    /// [feed.source].
    #[arg(long = "feed", value_name = "SOURCE")]
    feeds: Vec<String>,
    /// Replay pace: `realtime`, `max` or `xN` [feed.pace]. With the synthetic feed,
    /// `max` means no rate limit (unless --rate is given).
    #[arg(long, value_name = "PACE")]
    pace: Option<String>,
    /// Exit (status 0) once a finite feed is exhausted and every tick is processed
    /// [feed.exit_after_feed].
    #[arg(long)]
    exit_after_feed: bool,
    /// Strategy: `sma_cross:fast=10,slow=20,qty=0.01` (any subset of fast, slow, qty,
    /// allow_short) or `none` [strategy].
    #[arg(long, value_name = "SPEC")]
    strategy: Option<String>,
    /// Pin threads: `feed=A,engine=B,broker=C` (any subset) [core.cores].
    #[arg(long, value_name = "LIST")]
    cores: Option<String>,
    /// Idle wait of the hot threads: `spin`, `spin_yield` or `backoff` [core.wait].
    #[arg(long, value_name = "STRATEGY")]
    wait: Option<String>,
    /// Synthetic feed: ticks before it ends, 0 for no end [feed.synthetic.ticks].
    #[arg(long, value_name = "N")]
    ticks: Option<String>,
    /// Synthetic feed: random-walk seed [feed.synthetic.seed].
    #[arg(long, value_name = "N")]
    seed: Option<String>,
    /// Synthetic feed: ticks per second over all instruments, 0 for unlimited
    /// [feed.synthetic.rate_per_sec].
    #[arg(long, value_name = "PER_SEC")]
    rate: Option<String>,
    /// CSV rows that cannot be parsed: `fail` or `skip` [feed.bad_rows].
    #[arg(long, value_name = "POLICY")]
    bad_rows: Option<String>,
}

/// Runs `seamless core`.
pub fn run(args: CoreArgs) -> ExitCode {
    logging::init();
    let cfg = match load(&args) {
        Ok(cfg) => cfg,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let stop = StopFlag::new();
    if let Err(e) = register_signals(&stop) {
        eprintln!("error: cannot install signal handlers: {e}");
        return ExitCode::from(EXIT_FAILURE);
    }
    let opts = RunOptions {
        stop,
        ..RunOptions::default()
    };
    match runtime::run(&cfg, opts) {
        Ok(summary) => {
            println!("seamless core {}: {summary}", cfg.core.name);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            if let runtime::RunError::Feed { summary, .. } = &e {
                println!("seamless core {}: {summary}", cfg.core.name);
            }
            ExitCode::from(if e.is_usage() {
                EXIT_USAGE
            } else {
                EXIT_FAILURE
            })
        }
    }
}

/// The config file (or the defaults) with every flag applied, validated.
fn load(args: &CoreArgs) -> Result<Config, String> {
    let mut cfg = match &args.config {
        Some(path) => Config::load(path).map_err(|e| e.to_string())?,
        None => Config::default(),
    };
    overrides::apply(args, &mut cfg).map_err(|e| e.to_string())?;
    cfg.validate().map_err(|e| match &args.config {
        Some(path) => format!("{e} (with the flags applied to {})", path.display()),
        None => e.to_string(),
    })?;
    Ok(cfg)
}

/// SIGINT and SIGTERM request a stop with their reason (one atomic store in the
/// handler, see `signal_hook::flag`); a second one while stopping exits at once
/// (status 130 or 143, the shell's convention), leaving the region to be judged by
/// its lock.
fn register_signals(stop: &StopFlag) -> std::io::Result<()> {
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;

    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::flag::{register, register_conditional_shutdown, register_usize};
    let signalled = Arc::new(AtomicBool::new(false));
    for (signal, reason, status) in [
        (SIGINT, Reason::Sigint, 130),
        (SIGTERM, Reason::Sigterm, 143),
    ] {
        // Order matters: the shutdown check runs before the flag is set, so only a
        // second signal finds it set.
        register_conditional_shutdown(signal, status, Arc::clone(&signalled))?;
        register(signal, Arc::clone(&signalled))?;
        register_usize(signal, stop.as_arc(), StopFlag::code(reason))?;
    }
    Ok(())
}
