//! `seamless bench`: runs a benchmark scenario from `seamless-bench` and prints its
//! percentile table.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use seamless_bench::scenarios::{self, Env, Options};

use super::EXIT_FAILURE;

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
}

/// Flags of `seamless bench`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  seamless bench ipc                        # everything, 21 interleaved rounds
  seamless bench pingpong --rounds 5 --samples 20000
  seamless bench ipc --hgrm target/bench    # also write one .hgrm file per series

Both sides of each scenario busy-poll on their own core: run on an otherwise idle
machine, and compare figures only within one run (the report gives same-round ratios).")]
pub struct BenchArgs {
    /// The scenario to run.
    #[arg(value_enum)]
    scenario: Scenario,
    /// Interleaved rounds (the report shows medians over rounds).
    #[arg(long, default_value_t = 21, value_parser = clap::value_parser!(u64).range(1..))]
    rounds: u64,
    /// Samples per series per round.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..))]
    samples: u64,
    /// Items per streaming run.
    #[arg(long, default_value_t = 5_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    stream_items: u64,
    /// Directory to write one `.hgrm` percentile file per series into.
    #[arg(long, value_name = "DIR")]
    hgrm: Option<PathBuf>,
}

/// Runs `seamless bench`.
pub fn run(args: BenchArgs) -> ExitCode {
    let opts = Options {
        rounds: args.rounds,
        samples: args.samples,
        stream_items: args.stream_items,
        hgrm_dir: args.hgrm.clone(),
        progress: true,
    };
    let env = Env::new();
    eprintln!(
        "bench {:?}: {} rounds x {} samples on {} cores",
        args.scenario,
        opts.rounds,
        opts.samples,
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
            ExitCode::from(EXIT_FAILURE)
        }
    }
}
