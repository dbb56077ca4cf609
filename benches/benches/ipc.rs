//! `cargo bench --bench ipc`: hand-off latency and throughput of the IPC primitives
//! against the floor and peers, interleaved round by round in one process.
//!
//! Tuning (environment): `SEAMLESS_BENCH_ROUNDS` (default 21), `SEAMLESS_BENCH_SAMPLES`
//! per series per round (default 100000), `SEAMLESS_BENCH_STREAM_ITEMS` (default
//! 5000000), `SEAMLESS_BENCH_OUT` directory for `.hgrm` files (default
//! `target/bench-results`). The same scenarios run as `seamless bench ipc`.
//!
//! Needs two otherwise idle cores: both sides busy-poll.

use std::path::PathBuf;

use seamless_bench::scenarios::{self, Env, Options};

fn env_u64(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    if let Some(code) = seamless_bench::child::run_if_child() {
        std::process::exit(i32::from(code));
    }
    let defaults = Options::default();
    let opts = Options {
        rounds: env_u64("SEAMLESS_BENCH_ROUNDS", defaults.rounds),
        samples: env_u64("SEAMLESS_BENCH_SAMPLES", defaults.samples),
        stream_items: env_u64("SEAMLESS_BENCH_STREAM_ITEMS", defaults.stream_items),
        progress: true,
    };
    let out = std::env::var_os("SEAMLESS_BENCH_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/bench-results"));
    let env = Env::new();
    eprintln!(
        "ipc bench: {} rounds x {} samples, {} cores, tsc {:.3} ticks/ns",
        opts.rounds,
        opts.samples,
        env.cores.len(),
        env.clock.ticks_per_ns()
    );
    match scenarios::all(&opts, &env).and_then(|o| o.write_hgrms(&out).map(|_| o)) {
        Ok(report) => println!("{}", report.render_text()),
        Err(e) => {
            eprintln!("ipc bench failed: {e}");
            std::process::exit(1);
        }
    }
}
