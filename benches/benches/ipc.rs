//! `cargo bench --bench ipc`: hand-off latency and throughput of the IPC primitives
//! against the floor and peers, interleaved round by round in one process.
//!
//! Tuning (environment): `SEAMLESS_BENCH_ROUNDS` (default 21), `SEAMLESS_BENCH_SAMPLES`
//! round trips per series per round (default 100000), `SEAMLESS_BENCH_OUT` directory for
//! `.hgrm` files (default `target/bench-results`).
//!
//! Needs two otherwise idle cores: both sides busy-poll.

use std::path::PathBuf;
use std::time::Duration;

use seamless_bench::clock::Clock;
use seamless_bench::pin::Cores;
use seamless_bench::report::Table;
use seamless_bench::report::median_f64;
use seamless_bench::stream::{self, SharedArrayQueue};
use seamless_bench::{floor, peers, pingpong};

fn env_u64(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let rounds = env_u64("SEAMLESS_BENCH_ROUNDS", 21);
    let samples = env_u64("SEAMLESS_BENCH_SAMPLES", 100_000);
    let out = std::env::var_os("SEAMLESS_BENCH_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/bench-results"));
    let cores = Cores::detect();
    let clock = Clock::calibrate(Duration::from_millis(50));
    eprintln!(
        "ipc bench: {rounds} rounds x {samples} round trips, {} cores, tsc {:.3} ticks/ns",
        cores.len(),
        clock.ticks_per_ns()
    );
    let mut rtt = Table::new("ping-pong round trip", "floor");
    for round in 0..rounds {
        eprint!("\rround {}/{rounds}", round + 1);
        let (p, e) = floor::pair();
        rtt.add("floor", &pingpong::run(p, e, samples, &cores, &clock));
        let (p, e) = peers::rtrb_pair(1024);
        rtt.add("rtrb", &pingpong::run(p, e, samples, &cores, &clock));
        let (p, e) = peers::array_queue_pair(1024);
        rtt.add(
            "crossbeam ArrayQueue",
            &pingpong::run(p, e, samples, &cores, &clock),
        );
    }
    eprintln!();
    println!("{}", rtt.render());

    let items = env_u64("SEAMLESS_BENCH_STREAM_ITEMS", 5_000_000);
    let mut rates: Vec<(&str, Vec<f64>)> = vec![("rtrb", vec![]), ("crossbeam ArrayQueue", vec![])];
    for round in 0..rounds {
        eprint!("\rstream round {}/{rounds}", round + 1);
        let (tx, rx) = rtrb::RingBuffer::new(4096);
        rates[0].1.push(stream::run(tx, rx, items, &cores));
        let q = SharedArrayQueue(std::sync::Arc::new(crossbeam_queue::ArrayQueue::new(4096)));
        rates[1].1.push(stream::run(q.clone(), q, items, &cores));
    }
    eprintln!();
    println!("\n## streaming throughput ({rounds} rounds x {items} items, capacity 4096; median)");
    for (name, v) in &mut rates {
        println!("{name:<28} {:>8.1} M items/s", median_f64(v) / 1e6);
    }
    match rtt.write_hgrms(&out, "pingpong") {
        Ok(paths) => eprintln!("wrote {} .hgrm files to {}", paths.len(), out.display()),
        Err(e) => eprintln!("could not write .hgrm files to {}: {e}", out.display()),
    }
}
