//! `seamless core`: runs the core process (glue: flags onto the config, then
//! [`seamless_core::runtime::run`]).
//!
//! Exit status: 0 after a clean stop (SIGINT/SIGTERM, or the feed's end with
//! `--exit-after-feed`; a second signal exits at once with 130/143); 2 for a usage or configuration error (one line naming the
//! flag, file or key); 1 for a runtime failure (another core runs the instance, a bad
//! CSV row, a thread panic).

mod overrides;
mod restore;

use std::path::PathBuf;
use std::process::ExitCode;

use seamless_config::Config;
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
  seamless persist --name live --data-dir /srv/live --wait &
  seamless core --name live --data-dir /srv/live
      With a persister: every event logged; a restart restores the state from
      /srv/live and continues the sequence (after a crash too).
  seamless core --broker-faults oob_fill_every=50,drop_fill_every=70
      A paper broker that trades behind our back and loses fill reports:
      reconciliation ([reconcile]) finds and syncs each difference.

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
    /// The persister's data directory: the state is restored from its newest valid
    /// snapshot and the log after it at start, and the run continues the log's
    /// sequence [core.data_dir].
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
    /// Paper broker faults, to exercise reconciliation: any of
    /// `oob_fill_every=N,drop_fill_every=M,stall_after=K`, 0 for off [broker.faults].
    #[arg(long, value_name = "SPEC")]
    broker_faults: Option<String>,
    /// Restore past a corrupt log record: move the damaged segment and every later one
    /// to DATA_DIR/quarantine/ and continue from the last good event (default: refuse
    /// to start and name file, offset and sequence).
    #[arg(long)]
    repair: bool,
}

/// Runs `seamless core`.
pub fn run(args: CoreArgs) -> ExitCode {
    super::logging::init();
    let cfg = match load(&args) {
        Ok(cfg) => cfg,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let stop = StopFlag::new();
    if let Err(e) = super::signals::register(&stop) {
        eprintln!("error: cannot install signal handlers: {e}");
        return ExitCode::from(EXIT_FAILURE);
    }
    let start = match restore::prepare(&cfg, args.repair) {
        Ok(start) => start,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let opts = RunOptions {
        state: start.state,
        start_reason: start.reason,
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
    super::config::load(args.config.as_deref(), |cfg| {
        overrides::apply(args, cfg).map_err(|e| e.to_string())
    })
}
