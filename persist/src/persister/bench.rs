//! `seamless bench persist`, the end-to-end half: a real core (in-process, synthetic
//! feed at full speed) with a real persister gating it, once per fsync policy, beside a
//! run without a persister; the durable-cursor lag sampled from outside; the restore
//! rate of the log it wrote ([`crate::bench::restore_rate`]).
//!
//! The lag is sampled: a thread polls the ring's published sequence and the
//! persister's durable cursor every [`SAMPLE_EVERY`] and records, for each newly
//! published sequence it saw, the time until the durable cursor passed it. Its
//! resolution is the polling period plus scheduling delay (reported with the figures).
//!
//! Progress: blocking; a benchmark, never a test assertion.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use seamless_config::{Config, FsyncPolicy};
use seamless_core::runtime::{self, RunOptions, RunSummary, StopFlag};
use seamless_core::shared::SharedReader;
use seamless_core::shared::snapshot::PERSIST_ROLE;
use seamless_ipc::broadcast::Start;
use seamless_ipc::reader_slot::ReaderSlotView;

use super::{PersisterOptions, run as run_persister};
use crate::bench::{RestoreRate, restore_rate};

/// Polling period of the lag sampler.
pub const SAMPLE_EVERY: Duration = Duration::from_micros(50);

/// How long the sampler waits for the last events to become durable after the run.
const GIVE_UP: Duration = Duration::from_secs(60);

/// What to run.
#[derive(Debug, Clone)]
pub struct PersistBench {
    /// Synthetic ticks per run (each produces about a quarter to a half as many events).
    pub ticks: u64,
    /// Where the data directories go (a real disk: fsync on tmpfs costs nothing).
    pub dir: PathBuf,
    /// Where the shared-memory files go (`None`: `SEAMLESS_SHM_DIR`, else /dev/shm).
    pub shm_dir: Option<PathBuf>,
}

/// One run's figures.
#[derive(Debug, Clone)]
pub struct PolicyRun {
    /// `None`: the run without a persister (the baseline).
    pub policy: Option<FsyncPolicy>,
    /// Events the core published.
    pub events: u64,
    /// Wall time of the core's run.
    pub elapsed: Duration,
    /// Times the core waited on a full ring (back-pressure).
    pub gating_stalls: u64,
    /// Durable-cursor lag behind the core, in ns (empty for the baseline).
    pub lag: Histogram<u64>,
    /// Restore of the log this run wrote (`None` for the baseline).
    pub restore: Option<RestoreRate>,
}

impl PolicyRun {
    /// Events per second the core published.
    pub fn per_sec(&self) -> f64 {
        self.events as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Runs the baseline and one run per fsync policy.
///
/// # Errors
///
/// A message naming the run that failed (core, persister, or restore).
pub fn run(bench: &PersistBench, mut progress: impl FnMut(&str)) -> Result<Vec<PolicyRun>, String> {
    let mut runs = Vec::new();
    let policies = [
        None,
        Some(FsyncPolicy::Never),
        Some(FsyncPolicy::Interval),
        Some(FsyncPolicy::Always),
    ];
    for (i, policy) in policies.into_iter().enumerate() {
        let label = policy.map_or("no persister".to_owned(), |p| format!("fsync {p}"));
        progress(&format!("[{}/{}] {label}", i + 1, policies.len()));
        runs.push(one(bench, policy, i).map_err(|e| format!("{label}: {e}"))?);
    }
    Ok(runs)
}

fn one(bench: &PersistBench, policy: Option<FsyncPolicy>, i: usize) -> Result<PolicyRun, String> {
    let name = format!("bench-persist-{}-{i}", std::process::id());
    let data = bench.dir.join(&name);
    let _ = std::fs::remove_dir_all(&data);
    let mut cfg = Config::default();
    cfg.core.name = name.clone();
    cfg.feed.synthetic.ticks = bench.ticks;
    cfg.feed.synthetic.rate_per_sec = 0;
    cfg.feed.exit_after_feed = true;
    cfg.gating.shutdown_timeout_ms = 60_000;
    let shm = bench.shm_dir.clone();
    let stop = StopFlag::new();
    let persister = policy.map(|p| {
        let mut opts = PersisterOptions::from_config(&cfg, &name, data.clone());
        opts.persist.fsync = p;
        // No snapshots (hence no retention): the restore below replays the whole log.
        opts.persist.snapshot_every_events = 0;
        opts.persist.snapshot_every_secs = 0;
        opts.shm_dir = shm.clone();
        opts.wait = true;
        opts.exit_with_core = true;
        opts.stop = stop.clone();
        opts
    });
    let done = StopFlag::new();
    let result = thread::scope(|s| {
        let persisting = persister
            .as_ref()
            .map(|opts| s.spawn(move || run_persister(opts)));
        if persisting.is_some() {
            wait_for_slot(shm.as_deref(), &name)?;
        }
        let sampler = persisting
            .is_some()
            .then(|| s.spawn(|| sample_lag(shm.as_deref(), &name, &done)));
        let start = Instant::now();
        let opts = RunOptions {
            shm_dir: shm.clone(),
            ..RunOptions::default()
        };
        let summary = runtime::run(&cfg, opts).map_err(|e| e.to_string());
        let elapsed = start.elapsed();
        done.request(seamless_core::domain::Reason::FeedEnd);
        let lag = sampler.map(|h| h.join().unwrap_or_else(|_| new_hist()));
        if summary.is_err() {
            stop.request(seamless_core::domain::Reason::Error);
        }
        if let Some(p) = persisting {
            match p.join() {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => return Err(format!("persister: {e}")),
                Err(_) => return Err("persister panicked".to_owned()),
            }
        }
        Ok::<(RunSummary, Duration, Option<Histogram<u64>>), String>((summary?, elapsed, lag))
    });
    let (summary, elapsed, lag) = result?;
    let restore = match policy {
        Some(_) => Some(restore_rate(&data).map_err(|e| e.to_string())?),
        None => None,
    };
    let _ = std::fs::remove_dir_all(&data);
    Ok(PolicyRun {
        policy,
        events: summary.events(),
        elapsed,
        gating_stalls: summary.gating_stalls,
        lag: lag.unwrap_or_else(new_hist),
        restore,
    })
}

fn new_hist() -> Histogram<u64> {
    Histogram::new_with_bounds(1_000, 60_000_000_000, 3).expect("static bounds are valid")
}

/// Waits until the persister's slot exists, so the core gates from its first event.
fn wait_for_slot(shm: Option<&Path>, name: &str) -> Result<(), String> {
    let start = Instant::now();
    while ReaderSlotView::open(shm, name, PERSIST_ROLE).is_err() {
        if start.elapsed() > Duration::from_secs(30) {
            return Err("the persister's slot never appeared".to_owned());
        }
        thread::sleep(Duration::from_millis(1));
    }
    Ok(())
}

/// The sampler (module docs): runs until `done`.
fn sample_lag(shm: Option<&Path>, name: &str, done: &StopFlag) -> Histogram<u64> {
    let mut hist = new_hist();
    let reader = loop {
        if done.is_set() {
            return hist;
        }
        match SharedReader::attach(shm, name) {
            Ok(r) => break r,
            Err(_) => thread::sleep(Duration::from_millis(1)),
        }
    };
    let Ok(view) = ReaderSlotView::open(shm, name, PERSIST_ROLE) else {
        return hist;
    };
    let mut pending: VecDeque<(u64, Instant)> = VecDeque::new();
    let mut last_seen = 0;
    let mut done_at: Option<Instant> = None;
    while !done.is_set() || !pending.is_empty() {
        let now = Instant::now();
        if let Ok(ring) = reader.events(Start::Newest) {
            let published = ring.published();
            if published > last_seen {
                pending.push_back((published, now));
                last_seen = published;
            }
        }
        let durable_next = view.durable_cursor();
        while let Some(&(seq, at)) = pending.front() {
            if durable_next <= seq {
                break;
            }
            hist.saturating_record(now.saturating_duration_since(at).as_nanos() as u64);
            pending.pop_front();
        }
        let ended = done.is_set() && !view.is_owner_alive();
        if done.is_set() && done_at.is_none() {
            done_at = Some(now);
        }
        if ended || done_at.is_some_and(|t| now.saturating_duration_since(t) > GIVE_UP) {
            break;
        }
        thread::sleep(SAMPLE_EVERY);
    }
    hist
}
