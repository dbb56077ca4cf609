//! `seamless monitor`: watch a running (or stopped) core from another process (glue:
//! flags and the `[monitor]` config onto [`seamless_monitor::Options`], then
//! [`seamless_monitor::run`]).
//!
//! Exit status: 0 when done (`--once`), on `q`, SIGINT/SIGTERM/SIGHUP or a closed output
//! pipe; 2 for a usage or configuration error; 1 for a runtime failure (no such
//! instance, another layout version, a permission problem, a terminal error).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use seamless_config::Config;
use seamless_monitor::{Mode, Options, Stop};

use super::{EXIT_FAILURE, EXIT_USAGE};

const EXAMPLES: &str = "\
Examples:
  seamless monitor
      The terminal UI for instance `default` (q quit, p pause, tab switch, / filter,
      ? help). Without a terminal on stdout: one status line per second instead.
  seamless monitor --name bt --once --json
      Print the state of instance `bt` as one JSON object and exit (the snapshot
      contract: instance, pid, heartbeat_age_ms, stale, runner, account, positions,
      market, signals, monitors, readers, metrics, last_seq, durable_seq).
  seamless monitor --once
      The same as a short human summary.
  seamless monitor --tail --json | jq -c 'select(.kind == \"trade_executed\")'
      Follow events as JSON lines, like tail -f (the newest 10 first); a line
      {\"kind\":\"lagged\",\"missed\":N} says N events were overwritten before they were read.
  seamless monitor --tail --from 1
      Every event from sequence 1 on (a lagged marker first if some are no longer
      in the ring), as text lines, then follow.
  seamless monitor --tail --lines 100
      The newest 100 events, then follow.
  seamless monitor --json > state.jsonl
      One snapshot object per line, once a second.
  seamless monitor --interval 5000 > status.log
      One status line every 5 s (the default without a terminal: every 1000 ms).
  seamless monitor --fps 10 --stale-ms 500
      Redraw at most 10 times a second; STALE once the heartbeat is 500 ms old.
  seamless monitor --config prod.toml
      Instance name from core.name, fps and stale_ms from [monitor].

The monitor only reads: it never slows the core (a non-gating reader). It follows a
core restart (reattaching to the new region, with a note on stderr). STALE: the
heartbeat is older than the threshold; DEAD: the core's lock is free (crashed or
killed); STOPPED: it stopped cleanly (the region keeps its final state).
SEAMLESS_SHM_DIR overrides the region directory (default /dev/shm).

Exit status: 0 ok or interrupted, 2 usage or configuration error, 1 runtime failure.";

/// Watch a core's live state: terminal UI, one snapshot (--once), or the event stream
/// (--tail).
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct MonitorArgs {
    /// TOML config file: the instance name [core.name] and [monitor] settings.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Instance to watch: the region /dev/shm/seamless-NAME [core.name].
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Print one snapshot and exit (the human summary, or with --json the snapshot
    /// object).
    #[arg(long, conflicts_with = "tail")]
    once: bool,
    /// Follow the event stream like `tail -f` (text lines, or with --json one event
    /// object per line).
    #[arg(long)]
    tail: bool,
    /// JSON output: with --once the snapshot object, with --tail event lines, alone
    /// one snapshot object per --interval.
    #[arg(long)]
    json: bool,
    /// With --tail: start at this event sequence (a lagged marker if it is no longer
    /// in the ring).
    #[arg(long, value_name = "SEQ", requires = "tail")]
    from: Option<u64>,
    /// With --tail: print the newest N events first (default 10).
    #[arg(
        long,
        short = 'n',
        value_name = "N",
        requires = "tail",
        conflicts_with = "from"
    )]
    lines: Option<u64>,
    /// Most screen refreshes per second, 1 to 240 [monitor.fps].
    #[arg(long, value_name = "N")]
    fps: Option<u32>,
    /// Heartbeat age after which the core is shown STALE, in ms [monitor.stale_ms].
    #[arg(long, value_name = "MS")]
    stale_ms: Option<u64>,
    /// Without a terminal (or with --json alone): milliseconds between status lines.
    #[arg(long, value_name = "MS", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(10..))]
    interval: u64,
}

/// Runs `seamless monitor`.
pub fn run(args: MonitorArgs) -> ExitCode {
    let cfg = match load(&args) {
        Ok(cfg) => cfg,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let mut opts = Options::new(cfg.core.name.clone(), mode(&args));
    opts.fps = cfg.monitor.fps;
    opts.stale = Duration::from_millis(cfg.monitor.stale_ms);
    if let Err(e) = register_signals(&opts.stop) {
        eprintln!("error: cannot install signal handlers: {e}");
        return ExitCode::from(EXIT_FAILURE);
    }
    match seamless_monitor::run(&opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// The mode the flags ask for; without --once/--tail, the TUI on a terminal, else
/// periodic lines.
fn mode(args: &MonitorArgs) -> Mode {
    if args.once {
        return Mode::Once { json: args.json };
    }
    if args.tail {
        return Mode::Tail {
            json: args.json,
            from: args.from,
            last: args.lines.unwrap_or(10),
        };
    }
    if !args.json && std::io::stdout().is_terminal() {
        return Mode::Tui;
    }
    Mode::Lines {
        json: args.json,
        interval: Duration::from_millis(args.interval),
    }
}

/// The config file (or the defaults) with the flags applied, validated.
fn load(args: &MonitorArgs) -> Result<Config, String> {
    use super::config::set;
    super::config::load(args.config.as_deref(), |cfg| {
        set(&mut cfg.core.name, args.name.as_ref());
        set(&mut cfg.monitor.fps, args.fps.as_ref());
        set(&mut cfg.monitor.stale_ms, args.stale_ms.as_ref());
        Ok(())
    })
}

/// SIGINT, SIGTERM and SIGHUP (the terminal went away) set the stop flag (one atomic
/// store in the handler); the monitor's loops return, the terminal is restored and
/// the monitor's reader slot removed.
fn register_signals(stop: &Stop) -> std::io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    for sig in [SIGINT, SIGTERM, SIGHUP] {
        signal_hook::flag::register(sig, stop.as_arc())?;
    }
    Ok(())
}
