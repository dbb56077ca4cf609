//! The tick-to-event report: the load conditions, the two latency tables, throughput,
//! and the checks' figures.

use std::fmt::Write as _;

use seamless_config::{Config, WaitStrategy};

use super::{Collected, Options, label};
use crate::report::median_f64;
use crate::scenarios::Env;

/// Cores below which pure spinners (`--wait spin`) cannot each have one beside the
/// observer.
const SPIN_CORES: usize = 4;

/// `pinned to core N` or `unpinned`.
fn pin(core: Option<usize>) -> String {
    match core {
        Some(core) => format!("pinned to core {core}"),
        None => "unpinned".to_owned(),
    }
}

/// The header: what ran, where, under which load.
fn header(opts: &Options, env: &Env) -> String {
    let cfg = Config::default();
    let mut out = String::new();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    let _ = writeln!(
        out,
        "\n# tick-to-event: {} rounds on {} cpus (load average now {})",
        opts.rounds,
        env.cores.len(),
        load.join(" ")
    );
    let _ = writeln!(
        out,
        "feed: synthetic, {} instruments, paced at {} ticks/s, {} ticks per latency run; \
         {} ticks per throughput run at --pace max",
        cfg.instruments.len(),
        opts.ticks_per_sec,
        opts.ticks,
        opts.max_ticks
    );
    let cores = match opts.cores.to_string() {
        s if s.is_empty() => "all unpinned".to_owned(),
        s => format!("{s} (others unpinned)"),
    };
    let _ = writeln!(
        out,
        "core: wait {}, threads {cores}, strategy {} (default config), broker latency {} us",
        opts.wait, cfg.strategy.kind, cfg.broker.latency_us
    );
    let observer_poll = match opts.observer_poll_us {
        0 => "spinning, then yielding, between polls".to_owned(),
        us => format!("sleeping {us} us (timer slack 1 ns) between empty polls"),
    };
    let _ = writeln!(
        out,
        "observer: 1 process, {}, polls state_version {observer_poll}",
        pin(opts.observer_core)
    );
    let poll = match opts.reader_poll_us {
        0 => "polling continuously (spin, then yield)".to_owned(),
        us => format!("sleeping {us} us between polls"),
    };
    let _ = writeln!(
        out,
        "readers: {} processes, {}, non-gating; each reads every row when state_version \
         moves and drains the event ring, {poll}",
        opts.readers,
        pin(opts.reader_core)
    );
    let _ = writeln!(
        out,
        "note: the issue's targets assume feed and engine pinned and spinning on cores of \
         their own plus one for the observer. With {} cpus that is not possible honestly: \
         an observer sharing the engine's core delays its wake-ups, and above ~20000 \
         ticks/s the paced feed spins between ticks and takes a core by itself. See the \
         scenario docs (seamless_bench::tick_to_event) for the measurements behind the \
         defaults.",
        env.cores.len()
    );
    if opts.wait == WaitStrategy::Spin && env.cores.len() < SPIN_CORES {
        let _ = writeln!(
            out,
            "WARNING: wait spin on {} cpus: the hot threads never yield, so the observer, \
             the readers and the other hot threads get their CPU in scheduler time slices \
             (milliseconds) and these figures measure those. Use backoff or spin_yield here.",
            env.cores.len()
        );
    }
    out
}

/// Median ticks/s per series and the same-round ratio to 0 readers.
fn throughput(c: &Collected, opts: &Options) -> String {
    let mut out = format!(
        "\n## engine throughput at --pace max ({} rounds x {} ticks; ticks / wall time of \
         the run, start-up and shutdown included; median; ratio = same-round / {})\n",
        opts.rounds,
        opts.max_ticks,
        label(0)
    );
    let base = c.rates.first().map(|(_, v)| v.clone()).unwrap_or_default();
    for (name, v) in &c.rates {
        let mut ratios: Vec<f64> = v.iter().zip(&base).map(|(x, y)| x / y.max(1.0)).collect();
        let mut v = v.clone();
        let _ = writeln!(
            out,
            "{name:<28} {:>8.2} M ticks/s   x {:>5.2}",
            median_f64(&mut v) / 1e6,
            median_f64(&mut ratios)
        );
    }
    out
}

/// The checks' figures and the readers' activity.
fn checks(c: &Collected) -> String {
    let mut out = String::from("\n## checks\n");
    let mut cov = c.coverage.clone();
    let lowest = cov.iter().copied().fold(1.0, f64::min);
    let _ = writeln!(
        out,
        "observer saw {:.1}% of the ticks (median over runs; lowest {:.1}%); \
         no stamp was later than the clock, none went backwards",
        median_f64(&mut cov) * 100.0,
        lowest * 100.0
    );
    if !c.readers.is_empty() {
        let col = |i: usize| {
            let mut v: Vec<f64> = c.readers.iter().map(|r| r[i]).collect();
            median_f64(&mut v)
        };
        let _ = writeln!(
            out,
            "each reader (median over runs): {:.0} polls/s, {:.0} state changes read, \
             {:.0} events drained, {:.0} events missed (lapped)",
            col(0),
            col(1),
            col(2),
            col(3)
        );
    }
    out
}

/// The whole report.
pub(super) fn report(c: &Collected, opts: &Options, env: &Env) -> String {
    format!(
        "{}{}{}{}{}",
        header(opts, env),
        c.observed.render(),
        c.engine.render(),
        throughput(c, opts),
        checks(c)
    )
}
