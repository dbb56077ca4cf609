//! The IPC scenarios, shared by `cargo bench --bench ipc` and `seamless bench`.
//!
//! - `pingpong`: round trip over the floor, our SPSC ring, rtrb, crossbeam's ArrayQueue
//!   (threads), and the floor and our broadcast ring across two processes.
//! - `stream`: single-item streaming throughput of our SPSC ring, rtrb and ArrayQueue.
//! - `seqlock`: read cost under a live writer; writer cost with 0 and 3 polling readers.
//!
//! Every scenario interleaves its series round by round (see the crate docs); each has
//! an `*_outcome` form (tables, text and charts) for reports.

use std::io;
use std::sync::Arc;

use crate::child::{self, Role};
use crate::clock::Clock;
use crate::hist::Hist;
use crate::ours::{self, BCAST_CAPACITY, BcastEnd, ShmFloorEnd, Side, shm_floor_bytes};
use crate::outcome::Outcome;
use crate::pin::Cores;
use crate::pingpong::{self, Endpoint, STOP};
use crate::report::{Table, median_f64};
use crate::shmfile::ScratchFile;
use crate::stream::{self, Rec56, SharedArrayQueue};
use crate::{floor, peers};

/// Ring capacity used by every in-process ping-pong and stream series.
pub const CAPACITY: usize = 1024;

/// How long and how often to measure.
#[derive(Debug, Clone)]
pub struct Options {
    /// Interleaved rounds.
    pub rounds: u64,
    /// Samples per series per round (round trips, reads, or write batches).
    pub samples: u64,
    /// Items per streaming run.
    pub stream_items: u64,
    /// Print `round i/n` progress to stderr.
    pub progress: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            rounds: 21,
            samples: 100_000,
            stream_items: 5_000_000,
            progress: true,
        }
    }
}

/// The shared measuring context: cores listed once, clock calibrated once.
#[derive(Debug, Clone)]
pub struct Env {
    /// Cores available at start-up.
    pub cores: Cores,
    /// The calibrated cycle clock.
    pub clock: Clock,
}

impl Env {
    /// Lists cores and calibrates the clock (50 ms).
    pub fn new() -> Env {
        Env {
            cores: Cores::detect(),
            clock: Clock::calibrate(std::time::Duration::from_millis(50)),
        }
    }
}

impl Default for Env {
    fn default() -> Self {
        Self::new()
    }
}

fn progress(opts: &Options, what: &str, round: u64) {
    if opts.progress {
        crate::progress::round(what, round, opts.rounds);
    }
}

fn cross_process<E: Endpoint>(
    role: Role,
    file: &ScratchFile,
    arg: &str,
    mut ping: E,
    samples: u64,
    env: &Env,
) -> io::Result<Hist> {
    let mut child = child::spawn_with(role, file.path(), arg)?;
    env.cores.pin(0);
    let hist = pingpong::measure(&mut ping, samples, &env.clock);
    ping.send(STOP);
    let status = child.wait()?;
    if !status.success() {
        return Err(io::Error::other(format!(
            "bench child exited with {status}"
        )));
    }
    Ok(hist)
}

/// Round-trip latency of every transport, interleaved.
///
/// # Errors
///
/// If a cross-process child cannot be started or fails.
pub fn pingpong(opts: &Options, env: &Env) -> io::Result<Table> {
    let (n, cores, clock) = (opts.samples, &env.cores, &env.clock);
    let mut t = Table::new("ping-pong round trip", "floor").keyed("pingpong");
    for round in 0..opts.rounds {
        progress(opts, "ping-pong", round);
        let (p, e) = floor::pair();
        t.add("floor", &pingpong::run(p, e, n, cores, clock));
        let (p, e) = ours::spsc_pair(CAPACITY);
        t.add("seamless spsc", &pingpong::run(p, e, n, cores, clock));
        let (p, e) = peers::rtrb_pair(CAPACITY);
        t.add("rtrb", &pingpong::run(p, e, n, cores, clock));
        let (p, e) = peers::array_queue_pair(CAPACITY);
        t.add(
            "crossbeam ArrayQueue",
            &pingpong::run(p, e, n, cores, clock),
        );

        for (name, lines) in [
            ("floor, 2 processes", 1),
            (FLOOR_OVER_LINES, BCAST_CAPACITY),
        ] {
            let file = ScratchFile::create("floor", shm_floor_bytes(lines))?;
            let ping = ShmFloorEnd::open(file.path(), Side::Parent, lines)?;
            let arg = lines.to_string();
            t.add(
                name,
                &cross_process(Role::FloorEcho, &file, &arg, ping, n, env)?,
            );
        }
        let file = ScratchFile::create("bcast", 2 * ours::bcast_ring_bytes() as u64)?;
        BcastEnd::init_file(file.path())?;
        let ping = BcastEnd::open(file.path(), Side::Parent)?;
        t.add(
            BROADCAST,
            &cross_process(Role::BroadcastEcho, &file, "", ping, n, env)?,
        );
    }
    Ok(t)
}

/// Streaming throughput (items/s per round) of our SPSC ring and the peers.
pub fn stream(opts: &Options, env: &Env) -> Vec<(String, Vec<f64>)> {
    let items = opts.stream_items;
    let mut rates: Vec<(String, Vec<f64>)> = [
        "seamless spsc",
        "rtrb",
        "crossbeam ArrayQueue",
        "seamless spsc, 56 B",
        "rtrb, 56 B",
        "crossbeam ArrayQueue, 56 B",
    ]
    .iter()
    .map(|n| (n.to_string(), Vec::new()))
    .collect();
    for round in 0..opts.rounds {
        progress(opts, "stream", round);
        let runs = [
            stream_of::<u64>(items, &env.cores),
            stream_of::<Rec56>(items, &env.cores),
        ];
        for (i, r) in runs.into_iter().flatten().enumerate() {
            rates[i].1.push(r);
        }
    }
    rates
}

/// One round of [`stream()`] with items of type `I`: our ring, rtrb, ArrayQueue.
fn stream_of<I: stream::Item>(items: u64, cores: &crate::pin::Cores) -> [f64; 3] {
    let (tx, rx) = seamless_ipc::spsc::channel::<I>(CAPACITY);
    let ours = stream::run(tx, rx, items, cores);
    let (tx, rx) = rtrb::RingBuffer::<I>::new(CAPACITY);
    let rtrb = stream::run(tx, rx, items, cores);
    let q = SharedArrayQueue(Arc::new(crossbeam_queue::ArrayQueue::<I>::new(CAPACITY)));
    let aq = stream::run(q.clone(), q, items, cores);
    [ours, rtrb, aq]
}

/// Renders [`stream()`]'s results: median items/s and the median same-round ratio to rtrb.
pub fn render_stream(rates: &[(String, Vec<f64>)], opts: &Options) -> String {
    let mut out = format!(
        "\n## streaming throughput ({} rounds x {} items, capacity {CAPACITY}; median)\n",
        opts.rounds, opts.stream_items
    );
    for (name, v) in rates {
        // Each item size against rtrb with the same items.
        let peer = match name.split_once(", ") {
            Some((_, size)) => format!("rtrb, {size}"),
            None => "rtrb".to_owned(),
        };
        let base = rates
            .iter()
            .find(|(n, _)| *n == peer)
            .map(|(_, v)| v.clone());
        let mut ratios: Vec<f64> = match &base {
            Some(b) => v.iter().zip(b).map(|(x, y)| x / y.max(1.0)).collect(),
            None => Vec::new(),
        };
        let mut v = v.clone();
        out.push_str(&format!(
            "{name:<28} {:>8.1} M items/s   x rtrb {:>5.2}\n",
            median_f64(&mut v) / 1e6,
            median_f64(&mut ratios)
        ));
    }
    out
}

/// Seqlock read cost under a live writer, and writer cost with 0 and 3 readers.
pub fn seqlock(opts: &Options, env: &Env) -> (Table, Table) {
    use crate::seqlock_cost::{read_cost, write_cost};
    let mut reads = Table::new(
        "seqlock read of a 56-byte row, writer live on the other core",
        "read",
    )
    .keyed("seqlock-read");
    let mut writes =
        Table::new("seqlock write (ns per batch of 64 writes)", "0 readers").keyed("seqlock-write");
    let batches = (opts.samples / 4).max(1000);
    for round in 0..opts.rounds {
        progress(opts, "seqlock", round);
        reads.add("read", &read_cost(opts.samples, &env.cores, &env.clock));
        writes.add(
            "0 readers",
            &write_cost(batches, 0, 0, &env.cores, &env.clock),
        );
        writes.add(
            "3 readers polling",
            &write_cost(batches, 3, 0, &env.cores, &env.clock),
        );
        writes.add(
            "3 readers, a poll per us",
            &write_cost(batches, 3, 1_000, &env.cores, &env.clock),
        );
    }
    (reads, writes)
}

/// The in-process series of [`pingpong()`] (the ring against its peers).
pub const IN_PROCESS: [&str; 4] = ["floor", "seamless spsc", "rtrb", "crossbeam ArrayQueue"];
/// The cross-process series of [`pingpong()`].
pub const CROSS_PROCESS: [&str; 3] = ["floor, 2 processes", FLOOR_OVER_LINES, BROADCAST];
/// Our broadcast ring's series in [`pingpong()`].
pub const BROADCAST: &str = "seamless broadcast, 2 processes";
/// The floor's store and poll moving through as many 64-byte lines as the broadcast
/// ring has slots: what any ring of one-line slots pays for memory movement alone.
pub const FLOOR_OVER_LINES: &str = "floor over 1024 lines, 2 processes";

/// [`pingpong()`] as an outcome: its table and two charts (the ring against its peers
/// in-process; the broadcast ring against the floor across processes).
///
/// # Errors
///
/// As [`pingpong()`].
pub fn pingpong_outcome(opts: &Options, env: &Env) -> io::Result<Outcome> {
    let t = pingpong(opts, env)?;
    let mut o = Outcome::default();
    o.push_chart(t.chart(
        "ring ping-pong round trip, threads: seamless spsc vs rtrb vs crossbeam ArrayQueue vs floor",
        Some(&IN_PROCESS),
    ));
    let mut cross = t.chart(
        "ping-pong round trip across processes: seamless broadcast ring vs floor",
        Some(&CROSS_PROCESS),
    );
    cross.key = "pingpong-processes".to_owned();
    o.push_chart(cross);
    let over_lines = [
        (
            "p50",
            t.median_ratio_between(BROADCAST, FLOOR_OVER_LINES, |s| s.p50 as f64),
        ),
        (
            "mean<=p99",
            t.median_ratio_between(BROADCAST, FLOOR_OVER_LINES, |s| s.body_mean),
        ),
        (
            "p99",
            t.median_ratio_between(BROADCAST, FLOOR_OVER_LINES, |s| s.p99 as f64),
        ),
    ];
    let body = over_lines
        .iter()
        .map(|(f, r)| format!("{f} {:.3}", r.unwrap_or_default()))
        .collect::<Vec<_>>()
        .join(", ");
    o.push_table(t);
    o.push_text(
        "broadcast ring / floor over the same lines",
        format!(
            "{BROADCAST} / {FLOOR_OVER_LINES}, same-round, median over rounds: {body}\n\
             (what the ring adds to the memory movement any 1024-slot ring of one-line \
             slots pays)\n"
        ),
    );
    Ok(o)
}

/// [`stream()`] as an outcome (a text section: throughput has no percentiles).
pub fn stream_outcome(opts: &Options, env: &Env) -> Outcome {
    let text = render_stream(&stream(opts, env), opts);
    let mut o = Outcome::default();
    let (title, body) = text
        .trim_start_matches('\n')
        .split_once('\n')
        .unwrap_or(("", ""));
    o.push_text(title.trim_start_matches("## "), body);
    o
}

/// [`seqlock`] as an outcome: both tables, one chart each.
pub fn seqlock_outcome(opts: &Options, env: &Env) -> Outcome {
    let (reads, writes) = seqlock(opts, env);
    let mut o = Outcome::default();
    o.push_table(reads);
    o.push_table(writes);
    o
}

/// Runs every IPC scenario: ping-pong, stream, seqlock.
///
/// # Errors
///
/// A failing cross-process child.
pub fn all(opts: &Options, env: &Env) -> io::Result<Outcome> {
    let mut o = pingpong_outcome(opts, env)?;
    o.extend(stream_outcome(opts, env));
    let seq = seqlock_outcome(opts, env);
    // Chosen charts replace the per-table default: add the seqlock tables' own.
    for t in seq.tables() {
        o.push_chart(t.chart(&t.title, None));
    }
    o.extend(seq);
    Ok(o)
}
