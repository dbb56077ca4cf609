//! `cargo bench --bench core`: tick-to-event latency (a tick's feed stamp to its market
//! row seen by another process), the engine's own tick->publish latency, and engine
//! throughput at `--pace max`, each with and without monitor-style readers,
//! interleaved round by round. The same scenario runs as `seamless bench tick-to-event`.
//!
//! Tuning (environment; defaults from `tick_to_event::Options::default()`):
//! `SEAMLESS_BENCH_ROUNDS` (21), `SEAMLESS_BENCH_TICKS` per latency run (20000),
//! `SEAMLESS_BENCH_TICKS_PER_SEC` (10000), `SEAMLESS_BENCH_MAX_TICKS` per throughput run
//! (2000000), `SEAMLESS_BENCH_READERS` (3), `SEAMLESS_BENCH_READER_POLL_US` (100; 0 polls
//! continuously), `SEAMLESS_BENCH_WAIT` (`backoff`; or `spin_yield`, `spin`),
//! `SEAMLESS_BENCH_THREAD_CORES` (`engine=1,broker=0`; `none` unpins; not
//! `SEAMLESS_BENCH_CORES`, which carries a parent's core list to its children),
//! `SEAMLESS_BENCH_OBSERVER_CORE` and `SEAMLESS_BENCH_READER_CORE` (0; `none` unpins),
//! `SEAMLESS_BENCH_OBSERVER_POLL_US` (0: spin, then yield), `SEAMLESS_BENCH_OUT`
//! directory for `.hgrm` files (`target/bench-results`). The monitor-overhead variant
//! needs the monitor, which this crate does not link: `seamless bench monitor-overhead`.
//!
//! See `seamless_bench::tick_to_event` for why the defaults are what they are on a
//! 2-core machine.

use std::path::PathBuf;
use std::str::FromStr;

use seamless_bench::scenarios::Env;
use seamless_bench::tick_to_event::{self, Options};
use seamless_config::Cores;

/// `key` parsed, or `default` when unset; exits with a message when it does not parse.
fn env_or<T: FromStr>(key: &str, default: T) -> T {
    match std::env::var(key) {
        Err(_) => default,
        Ok(v) => v.parse().unwrap_or_else(|_| bad(key, &v)),
    }
}

/// A core id from `key`, `none` for unpinned, or `default` when unset.
fn env_pin(key: &str, default: Option<usize>) -> Option<usize> {
    match std::env::var(key) {
        Err(_) => default,
        Ok(v) if v == "none" => None,
        Ok(v) => Some(v.parse().unwrap_or_else(|_| bad(key, &v))),
    }
}

fn bad<T>(key: &str, value: &str) -> T {
    eprintln!("core bench: {key}={value:?} does not parse");
    std::process::exit(2);
}

fn main() {
    if let Some(code) = seamless_bench::child::run_if_child() {
        std::process::exit(i32::from(code));
    }
    let d = Options::default();
    let opts = Options {
        rounds: env_or("SEAMLESS_BENCH_ROUNDS", d.rounds),
        ticks: env_or("SEAMLESS_BENCH_TICKS", d.ticks),
        ticks_per_sec: env_or("SEAMLESS_BENCH_TICKS_PER_SEC", d.ticks_per_sec),
        max_ticks: env_or("SEAMLESS_BENCH_MAX_TICKS", d.max_ticks),
        readers: env_or("SEAMLESS_BENCH_READERS", d.readers),
        reader_poll_us: env_or("SEAMLESS_BENCH_READER_POLL_US", d.reader_poll_us),
        wait: env_or("SEAMLESS_BENCH_WAIT", d.wait),
        cores: match std::env::var("SEAMLESS_BENCH_THREAD_CORES").as_deref() {
            Ok("none") => Cores::default(),
            _ => env_or("SEAMLESS_BENCH_THREAD_CORES", d.cores),
        },
        observer_core: env_pin("SEAMLESS_BENCH_OBSERVER_CORE", d.observer_core),
        observer_poll_us: env_or("SEAMLESS_BENCH_OBSERVER_POLL_US", d.observer_poll_us),
        reader_core: env_pin("SEAMLESS_BENCH_READER_CORE", d.reader_core),
        ..d
    };
    let out = std::env::var_os("SEAMLESS_BENCH_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/bench-results"));
    let env = Env::new();
    eprintln!(
        "core bench: {} rounds, {} ticks at {} ticks/s, {} at max pace, {} readers, {} cores",
        opts.rounds,
        opts.ticks,
        opts.ticks_per_sec,
        opts.max_ticks,
        opts.readers,
        env.cores.len()
    );
    match tick_to_event::run(&opts, &env).and_then(|o| o.write_hgrms(&out).map(|_| o)) {
        Ok(report) => println!("{}", report.render_text()),
        Err(e) => {
            eprintln!("core bench failed: {e}");
            std::process::exit(1);
        }
    }
}
