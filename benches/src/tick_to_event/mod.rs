//! `tick-to-event`: how long a tick takes to become visible to a reader in another
//! process, what the engine itself measures for it, and the engine's throughput, each
//! with and without monitor-style readers attached. Shared by `cargo bench --bench
//! core` and `seamless bench tick-to-event`.
//!
//! Every tick changes its instrument's market row (market data is not an event: the
//! event ring carries conflated `market_update` marks, docs/architecture.md), so a
//! tick's observable effect is its market row, which carries the tick's feed stamp
//! ([`MarketRow::stamp`](seamless_core::shared::MarketRow::stamp)).
//!
//! Series, interleaved round by round (each run its own instance and scratch shm
//! directory, removed after it):
//!
//! - **tick-to-event**: `stamp_ns()` in an observer process when it sees the row,
//!   minus the tick's stamp (taken by the feed thread just before the tick entered the
//!   feed ring). Feed paced at `ticks_per_sec` so latency is not queueing.
//!   The observer samples the newest stamp per row: ticks overwritten before it
//!   looked are not measured (the report gives the fraction it saw).
//! - **tick->publish**: the engine's own histogram of the same runs (feed stamp to the
//!   end of the publication that covers the tick), [`RunSummary::latency_total`].
//! - **throughput**: ticks per second of wall time of a run at `--pace max`.
//!
//! Each with 0 and with `readers` monitor-style reader processes; the report gives the
//! same-round ratio to 0 readers (the issue's target: p99 within 1.1x).
//!
//! [`monitor_overhead`] runs the same series with a real monitor instead of the
//! readers: the monitor library's refresh loop at [`Options::monitor_fps`] in its own
//! process (started by a [`MonitorLauncher`]: `seamless bench` provides one), against
//! no monitor, in one run; the report gives the same-round p99 ratio (the monitor
//! issue's target: within 1.05x) and the monitor's own CPU use, frame rate and seqlock
//! retry rate.
//!
//! Progress: blocking; a benchmark, never a timed test.
//!
//! # Example
//!
//! ```no_run
//! use seamless_bench::scenarios::Env;
//! use seamless_bench::tick_to_event::{self, Options};
//! let opts = Options { rounds: 3, ..Options::default() };
//! println!("{}", tick_to_event::run(&opts, &Env::new()).unwrap().render_text());
//! ```
//!
//! # Implementation
//!
//! 1. Correctness first (`check`): one untimed run with the observer and the
//!    readers; the observer must have seen at least [`MIN_COVERAGE`] of the ticks, no
//!    stamp after the clock read that followed it, no stamp or tick count going
//!    backwards, and the core must have processed every tick.
//! 2. Each round: a paced run with 0 readers and one with `readers` (order alternating
//!    by round), then the same two at `--pace max` without the observer. Every run
//!    spawns its children first and starts the core once they are running, so they
//!    attach within a fraction of a millisecond of the region's creation.
//! 3. Every timed run is checked as in step 1 (coverage is reported, not enforced:
//!    readers compete for the same two cores).
//! 4. Report: two tables as the IPC ones (median over rounds of p50/p90/p99/p99.9/max
//!    and of the same-round ratio), throughput medians and ratios, coverage, the
//!    readers' activity, and the load conditions in the header.
//!
//! The stamp is taken when the tick enters the ring, as the issue defines the measure;
//! the feed's pacing follows an absolute schedule, so a feed thread that fell behind
//! catches up in a burst and the engine's queueing is charged, not hidden (Gil Tene,
//! "How NOT to Measure Latency", 2015, on coordinated omission).
//!
//! # Cores on a small machine
//!
//! The issue's targets assume the feed and engine pinned and spinning on cores of their
//! own, and an observer needs a core too: at least 3. On this 2-core VM (kernel 6.18,
//! EEVDF scheduler) every placement shares a core somewhere, and trial runs (1-2 rounds
//! each, other helpers' processes running; engine tick->publish p50) showed which
//! sharing distorts what:
//!
//! - The engine alone with `backoff`, feed 0 / engine 1 / broker 1 pinned, no observer:
//!   p50 about 1 µs, p99 20-50 µs.
//! - The same with a spinning-then-yielding observer on the engine's core (or
//!   unpinned): p50 250 µs to 800 µs. The engine wakes from its backoff sleeps and waits
//!   for the always-runnable observer to be preempted. An observer sleeping ~8 µs
//!   between polls was worse (p50 2 ms); one sleeping 1 ms left the engine alone but
//!   sees one tick a millisecond.
//! - At 100,000 ticks/s the paced feed spins through every gap (the pacer sleeps only
//!   when more than 50 µs remain), so it owns a core: the observer then time-shares a
//!   core with a thread that never yields and sees 1-20% of the ticks, milliseconds
//!   late.
//! - `--wait spin` (threads that never yield) on 2 cores: millisecond time slices.
//!
//! Hence the defaults: 10,000 ticks/s (the feed sleeps between ticks), the engine alone
//! on core 1 with the default config's `backoff`, the broker, the observer and the
//! readers on core 0, the feed unpinned; the observer spins then yields, so the feed
//! and the broker get the CPU back within a poll when they wake. The observer then sees
//! over 95% of the ticks. The cost is stated, not hidden: with `backoff` the engine
//! parks between ticks 100 µs apart, so tick->publish includes its wake-up (p50 about
//! 8 µs, p99 about 110 µs in trials); `--wait spin_yield` shows the engine without
//! parking. With readers on core 0, "with readers" measures what the readers' cache
//! traffic costs the engine (the issue's question), not CPU taken from it; the
//! observer's series also pays for sharing core 0 with them. On a machine with cores
//! to spare, pin the feed, engine and observer apart and use `--wait spin`; the header
//! warns when `spin` runs on fewer than 4 cores.
//!
//! It must never time a run whose checks failed, nor leave a region or child behind.
//!
//! [`RunSummary::latency_total`]: seamless_core::runtime::RunSummary::latency_total

mod follow;
pub mod monitor;
pub(crate) mod observer;
mod one_run;
mod protocol;
pub(crate) mod reader;
mod render;

use std::io;
use std::sync::Arc;

use seamless_config::{Cores, WaitStrategy};
use seamless_core::domain::Reason;

use crate::hist::Hist;
use crate::outcome::Outcome;
use crate::report::Table;
use crate::scenarios::Env;
pub use monitor::{MonitorChild, MonitorLauncher, Started};
use one_run::{RunOutcome, RunSpec};
use protocol::{Results, record_n};

/// Least fraction of ticks the observer must see in the correctness check.
pub const MIN_COVERAGE: f64 = 0.90;

/// The core the engine has to itself by default.
pub const ENGINE_CORE: usize = 1;
/// The core the broker, the observer and the readers share by default.
pub const OTHER_CORE: usize = 0;

/// Ticks of the untimed correctness run (at most; fewer if a latency run has fewer).
const CHECK_TICKS: u64 = 20_000;

/// What to run, and how often.
#[derive(Debug, Clone)]
pub struct Options {
    /// Interleaved rounds.
    pub rounds: u64,
    /// Ticks per latency run (paced).
    pub ticks: u64,
    /// Pace of the latency runs, ticks per second over all instruments.
    pub ticks_per_sec: u64,
    /// Ticks per throughput run (`--pace max`).
    pub max_ticks: u64,
    /// Monitor-style reader processes in the "with readers" series (0: none).
    pub readers: usize,
    /// The readers' pause between polls, µs (0: poll continuously).
    pub reader_poll_us: u64,
    /// The core's wait strategy.
    pub wait: WaitStrategy,
    /// The core's thread pinning.
    pub cores: Cores,
    /// The CPU core the observer is pinned to (`None`: unpinned).
    pub observer_core: Option<usize>,
    /// The CPU core the readers are pinned to (`None`: unpinned).
    pub reader_core: Option<usize>,
    /// The observer's sleep between polls that found nothing, µs, with a 1 ns timer
    /// slack (0: spin, then yield).
    pub observer_poll_us: u64,
    /// Least fraction of the ticks the observer must see in the correctness run
    /// ([`MIN_COVERAGE`]; a smoke run on a loaded machine may lower it).
    pub min_coverage: f64,
    /// The monitor's frame rate in [`monitor_overhead`].
    pub monitor_fps: u32,
    /// Starts the monitor child of [`monitor_overhead`] (`None`: that scenario fails
    /// with `InvalidInput`).
    pub monitor: Option<Arc<dyn MonitorLauncher>>,
    /// Print `round i/n` progress to stderr.
    pub progress: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            rounds: 21,
            ticks: 20_000,
            ticks_per_sec: 10_000,
            max_ticks: 2_000_000,
            readers: 3,
            reader_poll_us: 100,
            wait: WaitStrategy::Backoff,
            cores: Cores {
                feed: None,
                engine: Some(ENGINE_CORE),
                broker: Some(OTHER_CORE),
            },
            observer_core: Some(OTHER_CORE),
            observer_poll_us: 0,
            reader_core: Some(OTHER_CORE),
            min_coverage: MIN_COVERAGE,
            monitor_fps: 30,
            monitor: None,
            progress: true,
        }
    }
}

/// The series label for `n` readers.
fn label(n: usize) -> String {
    format!("{n} readers")
}

/// Which comparison a run of the scenario makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// 0 readers against `readers` monitor-style readers ([`run`]).
    Readers,
    /// No monitor against a real monitor ([`monitor_overhead`]).
    Monitor,
}

impl Kind {
    /// The scenario's name (progress lines, file names).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Readers => "tick-to-event",
            Kind::Monitor => "monitor-overhead",
        }
    }
}

/// One series: what follows the core besides the observer.
#[derive(Debug, Clone)]
pub(crate) struct Variant {
    label: String,
    readers: usize,
    monitor: bool,
}

/// The series of `kind`, the baseline first.
fn variants(kind: Kind, opts: &Options) -> Vec<Variant> {
    let v = |label: String, readers, monitor| Variant {
        label,
        readers,
        monitor,
    };
    match kind {
        Kind::Readers if opts.readers == 0 => vec![v(label(0), 0, false)],
        Kind::Readers => vec![
            v(label(0), 0, false),
            v(label(opts.readers), opts.readers, false),
        ],
        Kind::Monitor => vec![
            v("no monitor".into(), 0, false),
            v(format!("monitor at {} fps", opts.monitor_fps), 0, true),
        ],
    }
}

/// The observer's coverage of one run: ticks seen / ticks the rows went through.
fn coverage(obs: &protocol::Results) -> f64 {
    let seen = obs.get("seen");
    seen as f64 / (seen + obs.get("missed")).max(1) as f64
}

/// Step 1/3's checks of one latency run; `Ok(coverage)`. Coverage is enforced when
/// `min_coverage` is given.
fn verify(out: &RunOutcome, ticks: u64, min_coverage: Option<f64>) -> io::Result<f64> {
    let s = &out.summary;
    let fail = |what: String| {
        Err(io::Error::other(format!(
            "tick-to-event check failed: {what}"
        )))
    };
    if (s.reason, s.ticks) != (Reason::FeedEnd, ticks) {
        return fail(format!(
            "the core processed {} of {ticks} ticks ({})",
            s.ticks, s.reason
        ));
    }
    let Some(obs) = &out.observer else {
        return Ok(1.0);
    };
    let (future, backwards) = (obs.get("future"), obs.get("backwards"));
    if future > 0 || backwards > 0 {
        return fail(format!(
            "{future} stamps later than the observer's clock, {backwards} rows going backwards"
        ));
    }
    let c = coverage(obs);
    let least = min_coverage.unwrap_or(0.0);
    if obs.get("seen") == 0 || c < least {
        return fail(format!(
            "the observer saw {:.1}% of the ticks (at least {:.0}% expected): {} seen, \
             {} missed, {} of the core's {} publications seen, {} ticks fed",
            c * 100.0,
            least * 100.0,
            obs.get("seen"),
            obs.get("missed"),
            obs.get("versions"),
            obs.get("batches"),
            s.ticks_fed
        ));
    }
    Ok(c)
}

/// The engine's whole-run tick->publish histogram as a bench [`Hist`].
fn engine_hist(summary: &seamless_core::runtime::RunSummary) -> Hist {
    let mut h = Hist::new();
    for v in summary.latency_total.0.iter_recorded() {
        record_n(&mut h, v.value_iterated_to(), v.count_at_value());
    }
    h
}

/// Step 1: the untimed correctness run, with every follower of `kind`'s last series.
///
/// # Errors
///
/// A bad configuration ([`io::ErrorKind::InvalidInput`]), a failed check (the message
/// says which), or a run that failed.
pub(crate) fn check(opts: &Options, kind: Kind) -> io::Result<()> {
    let config = one_run::config(
        &RunSpec {
            ticks: 1,
            rate: 0,
            observer: false,
            readers: 0,
            monitor: false,
        },
        opts,
        "check",
    );
    config
        .validate()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
    let all = variants(kind, opts).pop().expect("every kind has a series");
    let ticks = opts.ticks.min(CHECK_TICKS);
    let spec = RunSpec {
        ticks,
        rate: opts.ticks_per_sec,
        observer: true,
        readers: all.readers,
        monitor: all.monitor,
    };
    verify(&one_run::run(&spec, opts)?, ticks, Some(opts.min_coverage)).map(|_| ())
}

/// One monitor child's results and which kind of run it followed.
#[derive(Debug)]
pub(crate) struct MonitorRun {
    /// A paced latency run (else a throughput run at `--pace max`).
    paced: bool,
    /// The core's events of the run (`last_seq - first_seq + 1`) and its wall time, s.
    events: u64,
    wall: f64,
    results: Results,
}

/// Everything one scenario run collected.
#[derive(Debug)]
pub(crate) struct Collected {
    kind: Kind,
    series: Vec<Variant>,
    observed: Table,
    engine: Table,
    /// Per series label: ticks/s of each round.
    rates: Vec<(String, Vec<f64>)>,
    /// Observer coverage of every timed run.
    coverage: Vec<f64>,
    /// Per run with readers, each reader's mean: polls per second, state changes
    /// read, events drained, events missed (lapped).
    readers: Vec<[f64; 4]>,
    /// Every run with a monitor.
    monitors: Vec<MonitorRun>,
}

/// Runs the scenario (module docs): 0 readers against `readers` readers.
///
/// # Errors
///
/// A bad configuration ([`io::ErrorKind::InvalidInput`]), a failed check, or a run or
/// child that failed.
pub fn run(opts: &Options, env: &Env) -> io::Result<Outcome> {
    collect(opts, Kind::Readers).map(|c| render::outcome(&c, opts, env))
}

/// Runs the scenario with a real monitor at [`Options::monitor_fps`] against no
/// monitor (module docs).
///
/// # Errors
///
/// As [`run`]; `InvalidInput` when [`Options::monitor`] is `None`.
pub fn monitor_overhead(opts: &Options, env: &Env) -> io::Result<Outcome> {
    if opts.monitor.is_none() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "monitor-overhead needs a binary that can start the monitor (`seamless bench`)",
        ));
    }
    collect(opts, Kind::Monitor).map(|c| render::outcome(&c, opts, env))
}

fn collect(opts: &Options, kind: Kind) -> io::Result<Collected> {
    check(opts, kind)?;
    let series = variants(kind, opts);
    let (observed, engine) = render::titles(kind);
    let mut c = Collected {
        kind,
        observed: Table::new(observed, &series[0].label)
            .keyed(&format!("{}-observer", kind.name())),
        engine: Table::new(engine, &series[0].label).keyed(&format!("{}-engine", kind.name())),
        rates: series
            .iter()
            .map(|v| (v.label.clone(), Vec::new()))
            .collect(),
        coverage: Vec::new(),
        readers: Vec::new(),
        monitors: Vec::new(),
        series,
    };
    for round in 0..opts.rounds {
        if opts.progress {
            crate::progress::round(kind.name(), round, opts.rounds);
        }
        let mut order = c.series.clone();
        if round % 2 == 1 {
            order.reverse();
        }
        for v in &order {
            latency_run(&mut c, opts, v)?;
        }
        for v in &order {
            let spec = RunSpec {
                ticks: opts.max_ticks,
                rate: 0,
                observer: false,
                readers: v.readers,
                monitor: v.monitor,
            };
            let out = one_run::run(&spec, opts)?;
            verify(&out, opts.max_ticks, None)?;
            let rate = out.summary.ticks as f64 / out.wall.as_secs_f64().max(1e-9);
            if let Some((_, r)) = c.rates.iter_mut().find(|(l, _)| *l == v.label) {
                r.push(rate);
            }
            note_followers(&mut c, &out, false);
        }
    }
    Ok(c)
}

/// One paced run of series `v` into the latency tables.
fn latency_run(c: &mut Collected, opts: &Options, v: &Variant) -> io::Result<()> {
    let spec = RunSpec {
        ticks: opts.ticks,
        rate: opts.ticks_per_sec,
        observer: true,
        readers: v.readers,
        monitor: v.monitor,
    };
    let out = one_run::run(&spec, opts)?;
    c.coverage.push(verify(&out, opts.ticks, None)?);
    if let Some(obs) = &out.observer {
        c.observed.add(&v.label, &obs.hist);
    }
    c.engine.add(&v.label, &engine_hist(&out.summary));
    note_followers(c, &out, true);
    Ok(())
}

fn note_followers(c: &mut Collected, out: &RunOutcome, paced: bool) {
    if let Some(m) = &out.monitor {
        let s = &out.summary;
        c.monitors.push(MonitorRun {
            paced,
            events: (s.last_seq + 1).saturating_sub(s.first_seq),
            wall: out.wall.as_secs_f64(),
            results: m.clone(),
        });
    }
    if out.readers.is_empty() {
        return;
    }
    let each = out.readers.len() as f64;
    let mut mean = [0f64; 4];
    for r in &out.readers {
        for (slot, key) in mean
            .iter_mut()
            .zip(["polls", "changes", "events", "missed"])
        {
            *slot += r.get(key) as f64 / each;
        }
    }
    mean[0] /= out.wall.as_secs_f64().max(1e-9);
    c.readers.push(mean);
}

#[cfg(test)]
mod tests {
    use super::protocol::{ChildArgs, ScratchDir, read_results};
    use super::*;
    use seamless_core::runtime::{self, RunOptions};

    /// The observer and a reader follow a real (short, in-process) run to its end: the
    /// observer records stamps, none from the future or going backwards; the reader
    /// read rows and events. Nothing about speed is asserted.
    #[test]
    fn the_children_follow_a_run_to_its_end() {
        let dir = ScratchDir::create().unwrap();
        let opts = Options {
            cores: Cores::default(),
            ..Options::default()
        };
        let spec = RunSpec {
            ticks: 3_000,
            rate: 5_000, // 0.6 s: long enough for starved followers to see some of it
            observer: true,
            readers: 1,
            monitor: false,
        };
        let cfg = one_run::config(&spec, &opts, dir.instance());
        let args = |index, poll_us| ChildArgs {
            name: dir.instance().to_owned(),
            index,
            poll_us,
            core: None,
        };
        let (observer_arg, reader_arg) = (args(0, 0).encode(), args(0, 50).encode());
        let summary = std::thread::scope(|s| {
            let observer = s.spawn(|| observer::run(dir.path(), &observer_arg));
            let reader = s.spawn(|| reader::run(dir.path(), &reader_arg));
            let ready = |role| args(0, 0).ready_path(dir.path(), role);
            while !(ready(observer::ROLE).exists() && ready(reader::ROLE).exists()) {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            let run_opts = RunOptions {
                shm_dir: Some(dir.path().to_owned()),
                ..RunOptions::default()
            };
            let summary = runtime::run(&cfg, run_opts).unwrap();
            observer.join().unwrap().unwrap();
            reader.join().unwrap().unwrap();
            summary
        });
        assert_eq!((summary.reason, summary.ticks), (Reason::FeedEnd, 3_000));
        let obs = read_results(&args(0, 0).out_path(dir.path(), observer::ROLE)).unwrap();
        assert!(obs.get("seen") > 0, "{:?}", obs.counts);
        assert_eq!(obs.hist.len(), obs.get("seen"));
        assert_eq!((obs.get("future"), obs.get("backwards")), (0, 0));
        assert!(obs.get("seen") + obs.get("missed") <= 3_000);
        let rd = read_results(&args(0, 0).out_path(dir.path(), reader::ROLE)).unwrap();
        assert!(
            rd.get("rows") > 0 && rd.get("events") > 0,
            "{:?}",
            rd.counts
        );
        assert_eq!(engine_hist(&summary).len(), 3_000);
    }
}
