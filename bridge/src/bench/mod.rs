//! `seamless bench bridge`: how long a critical event takes from its publication in
//! the core's ring to its arrival in a WebSocket client on loopback, with 1 and with
//! 100 connected clients, and what the bridge costs the core (its tick-to-publish
//! latency with the bridge attached and 100 clients reading, against none), all in
//! one run, interleaved round by round.
//!
//! Series:
//!
//! - **delivery, N clients**: a region written with the core's own writer by a paced
//!   publisher (`publisher.rs`): `trade_executed` at `critical_per_sec`, each after
//!   `routine_per_critical` `market_update`s (conflated by the bridge), each critical
//!   one stamped (`CLOCK_MONOTONIC`) just before publication; every client subtracts
//!   that stamp from the time it has read the whole message (`delivery.rs`). The
//!   issue's target: p99 under 1 ms with 100 clients.
//! - **core tick->publish, without / with bridge**: the engine's own histogram of a
//!   paced synthetic run (`core_runs.rs`). Target: p99 with the bridge within 1.05x.
//!
//! Progress: blocking; a benchmark, never a timed test.
//!
//! # Example
//!
//! ```no_run
//! use seamless_bridge::bench::{self, Options};
//! let report = bench::run(&Options { rounds: 3, ..Options::default() })?;
//! for s in &report.series {
//!     println!("{} {}: {} rounds", s.table, s.name, s.rounds.len());
//! }
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # Implementation
//!
//! 1. Correctness first: one delivery run with one client must deliver every critical
//!    event exactly once, in order; otherwise no figure is reported.
//! 2. Each round: delivery with each client count, then the core without and with the
//!    bridge (the order of the last two alternates by round).
//! 3. Every run reports clients that missed critical events (`incomplete`); their
//!    samples still count, and the report says so.
//!    (Same-run comparison and coordinated-omission-free pacing on an absolute
//!    schedule: Gil Tene, "How NOT to Measure Latency", 2015.)
//!
//! It must never leave a region, a bridge or a client thread behind.

mod client;
mod core_runs;
mod delivery;
mod publisher;
mod scratch;

use std::io;
use std::time::Duration;

use seamless_config::Cores;

use crate::Options as BridgeOptions;
use scratch::Scratch;

/// How long any set-up step may take.
const DEADLINE: Duration = Duration::from_secs(60);

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Interleaved rounds.
    pub rounds: u64,
    /// Critical events per delivery run.
    pub critical: u64,
    /// Critical events per second.
    pub critical_per_sec: u64,
    /// `market_update`s published before each critical event.
    pub routine_per_critical: u64,
    /// Client counts of the delivery series.
    pub clients: Vec<usize>,
    /// Ticks per core run.
    pub core_ticks: u64,
    /// The core runs' feed pace.
    pub ticks_per_sec: u64,
    /// Clients reading from the bridge in the "with bridge" core runs.
    pub core_clients: usize,
    /// The core's thread placement (`None`: engine=1,broker=0 on two or more cores).
    pub cores: Option<Cores>,
    /// Called on the thread that starts the bridge and its clients in the core runs,
    /// before it starts them: they inherit its CPU affinity (Linux threads do), so
    /// pinning it keeps the bridge off the engine's core (as `tick-to-event` keeps its
    /// readers). `None`: unpinned.
    pub pin_bridge: Option<PinHook>,
    /// Progress lines on stderr.
    pub progress: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            rounds: 5,
            critical: 500,
            critical_per_sec: 250,
            routine_per_critical: 5,
            clients: vec![1, 100],
            core_ticks: 20_000,
            ticks_per_sec: 10_000,
            core_clients: 100,
            cores: None,
            pin_bridge: None,
            progress: false,
        }
    }
}

/// A function that pins the calling thread (see [`Options::pin_bridge`]).
#[derive(Clone)]
pub struct PinHook(pub std::sync::Arc<dyn Fn() + Send + Sync>);

impl std::fmt::Debug for PinHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PinHook")
    }
}

/// One series: its table, its name, its samples (ns) per round.
#[derive(Debug, Clone)]
pub struct Series {
    /// `delivery` or `core`.
    pub table: &'static str,
    /// The series' name.
    pub name: String,
    /// Samples in nanoseconds, one vector per round.
    pub rounds: Vec<Vec<u64>>,
}

/// Everything [`run`] measured.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The series in report order; the first of each table is its baseline.
    pub series: Vec<Series>,
    /// What the reader should know (conditions, incomplete clients).
    pub notes: Vec<String>,
}

impl Report {
    fn add(&mut self, table: &'static str, name: &str, samples: Vec<u64>) {
        match self
            .series
            .iter_mut()
            .find(|s| s.table == table && s.name == name)
        {
            Some(s) => s.rounds.push(samples),
            None => self.series.push(Series {
                table,
                name: name.to_owned(),
                rounds: vec![samples],
            }),
        }
    }
}

/// The bridge the benchmark starts: loopback, a free port, room for every client.
fn bridge_options(scratch: &Scratch) -> BridgeOptions {
    let mut opts = BridgeOptions::new(scratch.name());
    opts.shm_dir = Some(scratch.dir().to_owned());
    opts.listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    opts.client_queue = 1 << 14;
    opts
}

/// Runs the benchmark (module docs).
///
/// # Errors
///
/// A failed correctness check (`InvalidData`), or a run that could not be set up.
pub fn run(opts: &Options) -> io::Result<Report> {
    let say = |msg: String| {
        if opts.progress {
            eprintln!("{msg}");
        }
    };
    let check = delivery::run(opts, 1, 200)?;
    if check.incomplete > 0 || check.samples.len() != 200 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "bench bridge: the check run delivered {} of 200 critical events",
                check.samples.len()
            ),
        ));
    }
    let mut report = Report::default();
    report.notes.push(format!(
        "delivery: {} trade_executed per run at {}/s, {} market_update before each; core: {} ticks at {}/s, {} clients reading in the \"with bridge\" runs",
        opts.critical, opts.critical_per_sec, opts.routine_per_critical, opts.core_ticks, opts.ticks_per_sec, opts.core_clients
    ));
    for round in 0..opts.rounds {
        say(format!("bench bridge: round {}/{}", round + 1, opts.rounds));
        for &n in &opts.clients {
            let d = delivery::run(opts, n, opts.critical)?;
            if d.incomplete > 0 {
                report.notes.push(format!(
                    "round {}: {} of {n} clients missed some of the {} critical events",
                    round + 1,
                    d.incomplete,
                    d.expected_per_client
                ));
            }
            let name = match n {
                1 => "ws, 1 client".to_owned(),
                n => format!("ws, {n} clients"),
            };
            report.add("delivery", &name, d.samples);
        }
        let with = format!("with bridge + {} clients", opts.core_clients);
        let order = [None, Some(opts.core_clients)];
        let order = if round % 2 == 0 {
            order
        } else {
            [order[1], order[0]]
        };
        for clients in order {
            let samples = core_runs::run(opts, clients)?;
            let name = if clients.is_some() {
                with.as_str()
            } else {
                "without bridge"
            };
            report.add("core", name, samples);
        }
    }
    // The baseline of each table first.
    report
        .series
        .sort_by_key(|s| (s.table == "core", s.name != "without bridge"));
    Ok(report)
}
