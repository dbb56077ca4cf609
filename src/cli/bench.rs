//! `seamless bench`: runs a benchmark scenario from `seamless-bench` and prints its
//! percentile table.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use seamless_bench::scenarios::{self, Env, Options};
use seamless_bench::tick_to_event;
use seamless_config::{Cores, WaitStrategy};

use super::{EXIT_FAILURE, EXIT_USAGE};

/// Which scenario to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// Every IPC scenario: ping-pong, stream, seqlock.
    Ipc,
    /// Round trip over the floor, our SPSC ring, rtrb, ArrayQueue, and across processes
    /// over the floor and our broadcast ring.
    Pingpong,
    /// Streaming throughput: our SPSC ring, rtrb, ArrayQueue.
    Stream,
    /// Seqlock read cost under a live writer; writer cost with 0 and 3 readers.
    Seqlock,
    /// A tick's feed stamp to its market row seen by another process, the engine's
    /// tick->publish, and throughput at --pace max; with and without readers.
    TickToEvent,
}

/// Flags of `seamless bench`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  seamless bench ipc                        # everything, 21 interleaved rounds
  seamless bench pingpong --rounds 5 --samples 20000
  seamless bench ipc --hgrm target/bench    # also write one .hgrm file per series
  seamless bench tick-to-event --rounds 3   # the core end to end, 0 and 3 readers
  seamless bench tick-to-event --wait spin_yield --reader-poll-us 0

Both sides of each IPC scenario busy-poll on their own core: run on an otherwise idle
machine, and compare figures only within one run (the report gives same-round ratios).

tick-to-event's defaults are chosen for a 2-core machine: the engine alone on core 1
(wait backoff, the default config's), broker, observer and readers on core 0, the feed
unpinned at 10000 ticks/s (it sleeps between ticks). Pinned spinning threads would
leave the observer no core of its own and the figures would measure time slices; see
the report header and `seamless_bench::tick_to_event`.")]
pub struct BenchArgs {
    /// The scenario to run.
    #[arg(value_enum)]
    scenario: Scenario,
    /// Interleaved rounds (the report shows medians over rounds).
    #[arg(long, default_value_t = 21, value_parser = clap::value_parser!(u64).range(1..))]
    rounds: u64,
    /// Samples per series per round [default: 100000; tick-to-event: ticks per latency
    /// run, 20000].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    samples: Option<u64>,
    /// Items per streaming run.
    #[arg(long, default_value_t = 5_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    stream_items: u64,
    /// Directory to write one `.hgrm` percentile file per series into.
    #[arg(long, value_name = "DIR")]
    hgrm: Option<PathBuf>,
    #[command(flatten)]
    t2e: TickToEventArgs,
}

/// The flags only `tick-to-event` reads (defaults: `tick_to_event::Options::default()`).
#[derive(Debug, Args)]
#[command(next_help_heading = "tick-to-event")]
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
    /// Pin the reader processes to this CPU core, or `none` [default: 0].
    #[arg(long, value_name = "CORE|none", value_parser = parse_pin)]
    reader_core: Option<Pin>,
    /// The readers' pause between polls in µs (0: poll continuously) [default: 100].
    #[arg(long, value_name = "US")]
    reader_poll_us: Option<u64>,
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

/// Runs `seamless bench tick-to-event`: the defaults, overridden by the flags given.
fn tick_to_event(args: &BenchArgs, env: &Env) -> std::io::Result<String> {
    let d = tick_to_event::Options::default();
    let t = &args.t2e;
    let opts = tick_to_event::Options {
        rounds: args.rounds,
        ticks: args.samples.unwrap_or(d.ticks),
        ticks_per_sec: t.ticks_per_sec.unwrap_or(d.ticks_per_sec),
        max_ticks: t.max_ticks.unwrap_or(d.max_ticks),
        readers: t.readers.unwrap_or(d.readers),
        reader_poll_us: t.reader_poll_us.unwrap_or(d.reader_poll_us),
        wait: t.wait.unwrap_or(d.wait),
        cores: t.cores.unwrap_or(d.cores),
        observer_core: t.observer_core.map_or(d.observer_core, |p| p.0),
        observer_poll_us: t.observer_poll_us.unwrap_or(d.observer_poll_us),
        reader_core: t.reader_core.map_or(d.reader_core, |p| p.0),
        hgrm_dir: args.hgrm.clone(),
        progress: true,
    };
    tick_to_event::run(&opts, env)
}

/// Runs `seamless bench`.
pub fn run(args: BenchArgs) -> ExitCode {
    let opts = Options {
        rounds: args.rounds,
        samples: args.samples.unwrap_or(100_000),
        stream_items: args.stream_items,
        hgrm_dir: args.hgrm.clone(),
        progress: true,
    };
    let env = Env::new();
    eprintln!(
        "bench {:?}: {} rounds on {} cores",
        args.scenario,
        opts.rounds,
        env.cores.len()
    );
    let result = match args.scenario {
        Scenario::Ipc => scenarios::all(&opts, &env),
        Scenario::Pingpong => scenarios::pingpong(&opts, &env).and_then(|t| {
            if let Some(dir) = &opts.hgrm_dir {
                t.write_hgrms(dir, "pingpong")?;
            }
            Ok(t.render())
        }),
        Scenario::Stream => Ok(scenarios::render_stream(
            &scenarios::stream(&opts, &env),
            &opts,
        )),
        Scenario::Seqlock => {
            let (reads, writes) = scenarios::seqlock(&opts, &env);
            let written = match &opts.hgrm_dir {
                Some(dir) => reads
                    .write_hgrms(dir, "seqlock-read")
                    .and_then(|_| writes.write_hgrms(dir, "seqlock-write"))
                    .map(|_| ()),
                None => Ok(()),
            };
            written.map(|()| format!("{}{}", reads.render(), writes.render()))
        }
        Scenario::TickToEvent => tick_to_event(&args, &env),
    };
    match result {
        Ok(report) => {
            println!("{report}");
            if let Some(dir) = &opts.hgrm_dir {
                eprintln!(".hgrm files in {}", dir.display());
            }
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
