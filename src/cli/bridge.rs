//! `seamless bridge`: serve a core's live state to browsers (glue: flags and the
//! `[bridge]`/`[monitor]` config onto [`seamless_bridge::Options`], then
//! [`seamless_bridge::Bridge`]), and the `seamless bench bridge` report.
//!
//! Exit status: 0 after SIGINT/SIGTERM; 2 for a usage or configuration error (a
//! non-loopback `--listen` without a token among them); 1 for a runtime failure (the
//! address cannot be bound).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use seamless_bench::hist::Hist;
use seamless_bench::outcome::Outcome;
use seamless_bench::report::Table;
use seamless_bench::suite::Ctx;
use seamless_bridge::{Bridge, Options, bench};
use seamless_config::Config;

use super::{EXIT_FAILURE, EXIT_USAGE};

const EXAMPLES: &str = "\
Examples:
  seamless bridge
      Serve instance `default` on http://127.0.0.1:8787/ (the dashboard), with
      /ws and /events (live state and events), /api/state, /metrics, /healthz.
  seamless bridge --name bt --listen 127.0.0.1:9000
      Another instance, another port (0 picks a free one; the address is printed).
  seamless bridge --listen 0.0.0.0:8787 --token \"$(cat ~/.seamless-token)\"
      Reachable from other machines: a token is then required, as
      `Authorization: Bearer T` or `?token=T` (open http://HOST:8787/?token=T).
  seamless bridge --config prod.toml
      Instance name from core.name, [bridge] settings, monitor.stale_ms.
  curl -s localhost:8787/api/state | jq .account
  curl -s localhost:8787/metrics | grep seamless_events_published_total
  curl -sf localhost:8787/healthz || echo unhealthy

The bridge only reads: it never slows the core (a non-gating reader) and has no
endpoint that changes trading state. It may start before the core (clients see
`waiting`) and follows a core restart. Critical events (trade_executed,
position_closed, daily_loss_breached, reconciliation_mismatch, runner_stopped) are
pushed at once; routine ones (market_update, signals, orders) are conflated per
instrument and pushed at most --throttle-hz times a second. Requests must name the
bridge in their Host header, and browsers' Origin must be the bridge's own or listed
in bridge.allowed_origins (403 otherwise). SEAMLESS_SHM_DIR overrides the region
directory (default /dev/shm). Logs go to stderr (RUST_LOG).

Exit status: 0 stopped by a signal, 2 usage or configuration error, 1 runtime failure.";

/// Serve a core's live state and events to browsers: dashboard, WebSocket, SSE,
/// /api/state, /metrics, /healthz.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct BridgeArgs {
    /// TOML config file: the instance name [core.name], [bridge], [monitor.stale_ms].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Instance to serve: the region /dev/shm/seamless-NAME [core.name].
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Address and port to listen on; not loopback needs --token [bridge.listen].
    #[arg(long, value_name = "ADDR")]
    listen: Option<std::net::SocketAddr>,
    /// Bearer token every endpoint but /healthz requires [bridge.token].
    #[arg(long, value_name = "TOKEN")]
    token: Option<String>,
    /// Most pushes per second of routine state, 1 to 1000 [bridge.throttle_hz].
    #[arg(long, value_name = "HZ")]
    throttle_hz: Option<u32>,
    /// Messages a client may fall behind before it is resynchronised [bridge.client_queue].
    #[arg(long, value_name = "N")]
    client_queue: Option<usize>,
    /// Heartbeat age after which the core is shown stale, in ms [monitor.stale_ms].
    #[arg(long, value_name = "MS")]
    stale_ms: Option<u64>,
}

/// Runs `seamless bridge`.
pub fn run(args: BridgeArgs) -> ExitCode {
    super::logging::init();
    let cfg = match load(&args) {
        Ok(cfg) => cfg,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let opts = Options::from_config(&cfg);
    let bridge = match Bridge::start(opts) {
        Ok(bridge) => bridge,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(if e.is_usage() {
                EXIT_USAGE
            } else {
                EXIT_FAILURE
            });
        }
    };
    if let Err(e) = register_signals(bridge.stop_flag()) {
        eprintln!("error: cannot install signal handlers: {e}");
        let _ = bridge.stop();
        return ExitCode::from(EXIT_FAILURE);
    }
    // One line on stdout, so scripts (and tests) learn the port when 0 was asked.
    println!(
        "seamless bridge: instance {} on http://{}/",
        cfg.core.name,
        bridge.local_addr()
    );
    match bridge.join() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// The config file (or the defaults) with the flags applied, validated.
fn load(args: &BridgeArgs) -> Result<Config, String> {
    use super::config::set;
    super::config::load(args.config.as_deref(), |cfg| {
        set(&mut cfg.core.name, args.name.as_ref());
        set(&mut cfg.bridge.listen, args.listen.as_ref());
        if let Some(token) = &args.token {
            cfg.bridge.token = Some(token.clone());
        }
        set(&mut cfg.bridge.throttle_hz, args.throttle_hz.as_ref());
        set(&mut cfg.bridge.client_queue, args.client_queue.as_ref());
        set(&mut cfg.monitor.stale_ms, args.stale_ms.as_ref());
        Ok(())
    })
}

/// SIGINT and SIGTERM set the bridge's stop flag (one atomic store in the handler);
/// a second one while stopping exits at once.
fn register_signals(stop: Arc<AtomicBool>) -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::flag::{register, register_conditional_shutdown};
    let signalled = Arc::new(AtomicBool::new(false));
    for (signal, status) in [(SIGINT, 130), (SIGTERM, 143)] {
        // The shutdown check runs before the flag is set: only a second signal exits.
        register_conditional_shutdown(signal, status, Arc::clone(&signalled))?;
        register(signal, Arc::clone(&signalled))?;
        register(signal, Arc::clone(&stop))?;
    }
    Ok(())
}

/// `seamless bench bridge`: [`seamless_bridge::bench`] with the core scenarios' sizes
/// and placement (`--rounds`, `--samples` as ticks, `--ticks-per-sec`, `--cores`, and
/// `--reader-core` for the bridge and its clients in the core runs), as
/// two tables: delivery (baseline: one client) and the core's tick->publish (baseline:
/// without the bridge).
///
/// # Errors
///
/// The benchmark's own (a failed correctness check, a run that could not start).
pub fn bench_outcome(ctx: &Ctx) -> std::io::Result<Outcome> {
    let d = bench::Options::default();
    let t = &ctx.t2e;
    let opts = bench::Options {
        rounds: if ctx.quick { 1 } else { t.rounds },
        critical: if ctx.quick { 200 } else { d.critical },
        core_ticks: t.ticks,
        ticks_per_sec: t.ticks_per_sec,
        cores: Some(t.cores),
        pin_bridge: t.reader_core.map(|core| {
            let cores = ctx.env.cores.clone();
            bench::PinHook(std::sync::Arc::new(move || {
                cores.pin(core);
            }))
        }),
        progress: true,
        ..d
    };
    let report = bench::run(&opts)?;
    let mut delivery = Table::new(
        "bridge: critical event, publication -> WebSocket client on loopback",
        "ws, 1 client",
    )
    .keyed("bridge-delivery");
    let mut core = Table::new(
        "bridge: the core's tick->publish without and with the bridge",
        "without bridge",
    )
    .keyed("bridge-core");
    for series in &report.series {
        let table = if series.table == "core" {
            &mut core
        } else {
            &mut delivery
        };
        for samples in &series.rounds {
            let mut hist = Hist::new();
            samples.iter().for_each(|&ns| hist.record(ns));
            table.add(&series.name, &hist);
        }
    }
    let mut out = Outcome::default();
    out.push_table(delivery);
    out.push_table(core);
    out.push_text("bridge: conditions", report.notes.join("\n"));
    Ok(out)
}
