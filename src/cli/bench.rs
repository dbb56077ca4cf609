//! `seamless bench`: runs one benchmark scenario and prints its tables, or every
//! scenario into a report directory (`bench all`). Glue: the flags onto
//! [`seamless_bench::suite::Ctx`], the scenarios from [`suite`].
//!
//! Adding a scenario is one entry in [`suite`]: a name, one line of help, and a
//! function from the [`Ctx`] to an [`Outcome`] (tables of histograms, text, charts).
//! `bench all`, `--hgrm`, `--plot` and the help text then cover it.

mod monitor_child;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use clap::builder::{PossibleValue, PossibleValuesParser};
use seamless_bench::machine::utc_stamp;
use seamless_bench::outcome::Outcome;
use seamless_bench::suite::{Ctx, Entry, Suite};
use seamless_config::{Cores, WaitStrategy};

use super::{EXIT_FAILURE, EXIT_USAGE};

/// The scenario name that runs every scenario into a report directory.
const ALL: &str = "all";

/// Every scenario this binary can run: the bench crate's own, then those that need
/// crates it does not link, one [`Entry`] each, pushed
/// here in `bench all` order:
///
/// ```ignore
/// let mut s = Suite::standard();
/// s.push(Entry::new("persist", "what it measures", |ctx| persist_outcome(ctx)));
/// s
/// ```
fn suite() -> Suite {
    let mut s = Suite::standard();
    s.push(Entry::new(
        "bridge",
        "a critical event from publication to a WebSocket client, 1 and 100 clients; the core's tick->publish with the bridge vs without",
        super::bridge::bench_outcome,
    ));
    s.push(Entry::new(
        "persist",
        "a core at full speed with a persister under each fsync policy vs none: events/s, stalls, durable-cursor lag, restore rate",
        super::persist::bench_outcome,
    ));
    s
}

/// The scenario names for the positional argument, with their help lines.
fn scenario_values() -> PossibleValuesParser {
    let suite = suite();
    let mut values = vec![PossibleValue::new(ALL).help(
        "every scenario below (but groups), into a report directory: report.md, .hgrm \
         files, SVG plots",
    )];
    values.extend(
        suite
            .entries()
            .iter()
            .map(|e| PossibleValue::new(e.name).help(e.about)),
    );
    values.push(PossibleValue::new(monitor_child::NAME).hide(true));
    PossibleValuesParser::new(values)
}

/// Flags of `seamless bench`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  seamless bench all                        # every scenario, report in target/bench-report/<UTC time>/
  seamless bench all --quick --out /tmp/r   # a smoke run of a minute or two (figures mean nothing)
  seamless bench pingpong --rounds 5 --samples 20000 --plot pingpong.svg
  seamless bench ipc --hgrm target/bench    # pingpong, stream and seqlock; .hgrm files in a directory
  seamless bench seqlock --hgrm seq.hgrm    # seq-seqlock_read-read.hgrm, ... beside seq.hgrm
  seamless bench tick-to-event --rounds 3   # the core end to end, 0 and 3 readers
  seamless bench monitor-overhead           # tick-to-event p99 with a 30 fps monitor vs none
  seamless bench tick-to-event --wait spin_yield --reader-poll-us 0

Both sides of each IPC scenario busy-poll on their own core: run on an otherwise idle
machine, and compare figures only within one run (the report gives same-round ratios).

--hgrm PATH: a path ending in .hgrm is a file (with several series, one file per series
named <stem>-<table>-<series>.hgrm beside it); any other path is a directory. --plot
FILE.svg draws the scenario's latency-percentile charts (log percentile axis, as the
HdrHistogram plotter) stacked in one SVG.

tick-to-event's defaults are chosen for a 2-core machine: the engine alone on core 1
(wait backoff, the default config's), broker, observer and readers on core 0, the feed
unpinned at 10000 ticks/s (it sleeps between ticks). Pinned spinning threads would
leave the observer no core of its own and the figures would measure time slices; see
the report header and `seamless_bench::tick_to_event`.")]
pub struct BenchArgs {
    /// The scenario to run.
    #[arg(value_name = "SCENARIO", value_parser = scenario_values())]
    scenario: String,
    /// A short smoke run: few rounds and samples (checks everything runs; the figures
    /// mean nothing).
    #[arg(long)]
    quick: bool,
    /// Interleaved rounds (the report shows medians over rounds) [default: 21; --quick:
    /// 2, tick-to-event 1].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    rounds: Option<u64>,
    /// Samples per series per round [default: 100000; tick-to-event: ticks per latency
    /// run, 20000].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    samples: Option<u64>,
    /// Items per streaming run [default: 5000000].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    stream_items: Option<u64>,
    /// With `all`: the report directory [default: target/bench-report/<UTC time>].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Write the percentile distributions (.hgrm): a FILE.hgrm, or a directory.
    #[arg(long, value_name = "FILE|DIR")]
    hgrm: Option<PathBuf>,
    /// Draw the latency-percentile plot(s) into this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    plot: Option<PathBuf>,
    /// Boxed: the flags of one scenario family need not make every command large.
    #[command(flatten)]
    t2e: Box<TickToEventArgs>,
}

/// The flags only `tick-to-event` and `monitor-overhead` read (defaults:
/// `tick_to_event::Options::default()`).
#[derive(Debug, Args)]
#[command(next_help_heading = "tick-to-event, monitor-overhead")]
struct TickToEventArgs {
    /// Feed pace of the latency runs, ticks per second [default: 10000].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    ticks_per_sec: Option<u64>,
    /// Ticks per throughput run at --pace max [default: 2000000].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    max_ticks: Option<u64>,
    /// Pin the core's threads: `feed=A,engine=B,broker=C` (any subset), or `none`
    /// [default: engine=1,broker=0].
    #[arg(long, value_name = "LIST", value_parser = parse_cores)]
    cores: Option<Cores>,
    /// The core's idle wait: `spin`, `spin_yield` or `backoff` [default: backoff].
    #[arg(long, value_parser = parse_wait)]
    wait: Option<WaitStrategy>,
    /// Pin the observer process to this CPU core, or `none` [default: 0].
    #[arg(long, value_name = "CORE|none", value_parser = parse_pin)]
    observer_core: Option<Pin>,
    /// The observer's sleep between empty polls in µs (0: spin, then yield) [default: 0].
    #[arg(long, value_name = "US")]
    observer_poll_us: Option<u64>,
    /// Monitor-style reader processes in the "with readers" series [default: 3].
    #[arg(long)]
    readers: Option<usize>,
    /// Pin the reader processes (and the monitor) to this CPU core, or `none`
    /// [default: 0].
    #[arg(long, value_name = "CORE|none", value_parser = parse_pin)]
    reader_core: Option<Pin>,
    /// The readers' pause between polls in µs (0: poll continuously) [default: 100].
    #[arg(long, value_name = "US")]
    reader_poll_us: Option<u64>,
    /// monitor-overhead: the monitor's frames per second, 1 to 240 [default: 30].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=240))]
    monitor_fps: Option<u32>,
}

/// A CPU core to pin to, or none (`--observer-core none`).
#[derive(Debug, Clone, Copy)]
struct Pin(Option<usize>);

fn parse_pin(s: &str) -> Result<Pin, String> {
    match s {
        "none" => Ok(Pin(None)),
        _ => s
            .parse()
            .map(|core| Pin(Some(core)))
            .map_err(|_| format!("expected a core id or `none`, got {s:?}")),
    }
}

fn parse_cores(s: &str) -> Result<Cores, String> {
    match s {
        "none" => Ok(Cores::default()),
        _ => s.parse::<Cores>().map_err(|e| e.to_string()),
    }
}

fn parse_wait(s: &str) -> Result<WaitStrategy, String> {
    s.parse::<WaitStrategy>().map_err(|e| e.to_string())
}

/// The scenarios' context: `--quick` sizes or the defaults, overridden by the flags.
fn context(args: &BenchArgs) -> Ctx {
    let mut ctx = Ctx::new(args.quick);
    if let Some(r) = args.rounds {
        (ctx.ipc.rounds, ctx.t2e.rounds) = (r, r);
    }
    if let Some(n) = args.samples {
        (ctx.ipc.samples, ctx.t2e.ticks) = (n, n);
    }
    let (i, o, t) = (&mut ctx.ipc, &mut ctx.t2e, &args.t2e);
    i.stream_items = args.stream_items.unwrap_or(i.stream_items);
    o.ticks_per_sec = t.ticks_per_sec.unwrap_or(o.ticks_per_sec);
    o.max_ticks = t.max_ticks.unwrap_or(o.max_ticks);
    o.readers = t.readers.unwrap_or(o.readers);
    o.reader_poll_us = t.reader_poll_us.unwrap_or(o.reader_poll_us);
    o.wait = t.wait.unwrap_or(o.wait);
    o.cores = t.cores.unwrap_or(o.cores);
    o.observer_core = t.observer_core.map_or(o.observer_core, |p| p.0);
    o.observer_poll_us = t.observer_poll_us.unwrap_or(o.observer_poll_us);
    o.reader_core = t.reader_core.map_or(o.reader_core, |p| p.0);
    o.monitor_fps = t.monitor_fps.unwrap_or(o.monitor_fps);
    o.monitor = Some(Arc::new(monitor_child::SelfLauncher));
    ctx
}

/// A usage error: one line, exit status 2.
fn usage(msg: &str) -> ExitCode {
    eprintln!("seamless bench: {msg}");
    ExitCode::from(EXIT_USAGE)
}

/// Runs `seamless bench`.
pub fn run(args: BenchArgs) -> ExitCode {
    if args.scenario == monitor_child::NAME {
        return monitor_child::run();
    }
    let all = args.scenario == ALL;
    if all && (args.hgrm.is_some() || args.plot.is_some()) {
        return usage("`all` writes .hgrm files and plots into its --out directory");
    }
    if !all && args.out.is_some() {
        return usage("--out is for `all`; use --hgrm and --plot for one scenario");
    }
    let suite = suite();
    let ctx = context(&args);
    eprintln!(
        "bench {}: {} rounds (tick-to-event {}){} on {} cores; clock: TSC, {}",
        args.scenario,
        ctx.ipc.rounds,
        ctx.t2e.rounds,
        if ctx.quick { ", --quick" } else { "" },
        ctx.env.cores.len(),
        ctx.env.clock.describe()
    );
    if all {
        let dir = args
            .out
            .clone()
            .unwrap_or_else(|| Path::new("target/bench-report").join(utc_stamp()));
        return run_all(&suite, &ctx, &dir);
    }
    let Some(entry) = suite.get(&args.scenario) else {
        return usage(&format!("no scenario {:?}", args.scenario));
    };
    let result = entry
        .run(&ctx)
        .and_then(|outcome| write_files(&args, &outcome).map(|()| outcome));
    match result {
        Ok(outcome) => {
            println!("{}", outcome.render_text());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("seamless bench: {e}");
            match e.kind() {
                std::io::ErrorKind::InvalidInput => ExitCode::from(EXIT_USAGE),
                _ => ExitCode::from(EXIT_FAILURE),
            }
        }
    }
}

/// `--hgrm` and `--plot` of one scenario.
fn write_files(args: &BenchArgs, outcome: &Outcome) -> std::io::Result<()> {
    if let Some(target) = &args.hgrm {
        let paths = outcome.write_hgrms(target)?;
        eprintln!("{} .hgrm files: {}", paths.len(), target.display());
    }
    if let Some(svg) = &args.plot {
        if outcome.tables().next().is_none() {
            eprintln!("no latency histogram to plot in this scenario");
        } else {
            outcome.write_plot(svg)?;
            eprintln!("plot: {}", svg.display());
        }
    }
    Ok(())
}

/// `bench all`: every scenario into `dir`.
fn run_all(suite: &Suite, ctx: &Ctx, dir: &Path) -> ExitCode {
    match suite.run_all(ctx, dir) {
        Ok(report) => {
            println!("{}", report.dir.join("report.md").display());
            eprintln!(
                "report: {} ({} files)",
                report.dir.display(),
                report.files.len()
            );
            if report.failures.is_empty() {
                return ExitCode::SUCCESS;
            }
            for (name, e) in &report.failures {
                eprintln!("seamless bench: {name} failed: {e}");
            }
            ExitCode::from(EXIT_FAILURE)
        }
        Err(e) => {
            eprintln!(
                "seamless bench: writing the report into {}: {e}",
                dir.display()
            );
            ExitCode::from(EXIT_FAILURE)
        }
    }
}
