//! Text forms of a [`Snapshot`]: the liveness verdict ([`Health`]), the compact summary
//! of `monitor --once`, and the one-line status of the periodic mode.
//!
//! Progress: plain functions over a snapshot (they allocate the returned text).

use std::fmt::{self, Write};
use std::time::Duration;

use seamless_core::domain::RunnerStatus;
use seamless_core::shared::Snapshot;
use seamless_ipc::region::Status;

use crate::text;

/// What the monitor concludes about the core from its region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Alive, heartbeat fresh.
    Live,
    /// Alive (holds its lock) but the heartbeat is older than the threshold.
    Stale,
    /// Its lock is free and it did not say it stopped: it crashed or was killed.
    Dead,
    /// Its lock is free after a clean stop; the region shows the final state.
    Stopped,
}

impl Health {
    /// The verdict for `snap` (whose `stale` was computed with the threshold).
    pub fn of(snap: &Snapshot) -> Self {
        match (snap.alive, snap.status) {
            (false, Status::Stopped) => Health::Stopped,
            (false, _) => Health::Dead,
            (true, _) if snap.stale => Health::Stale,
            (true, _) => Health::Live,
        }
    }

    /// The badge shown for it (`None` when all is well).
    pub fn badge(self) -> Option<&'static str> {
        match self {
            Health::Live => None,
            Health::Stale => Some("STALE"),
            Health::Dead => Some("DEAD"),
            Health::Stopped => Some("STOPPED"),
        }
    }
}

/// How long the core has been up at `now_unix_ns` (or ran, once stopped), from the
/// runner's start and stop times; `None` before it started.
pub fn uptime(snap: &Snapshot, now_unix_ns: u64) -> Option<Duration> {
    let r = &snap.runner.runner;
    if r.started_ns == 0 {
        return None;
    }
    let end = match r.status() {
        Some(RunnerStatus::Stopped) if r.stopped_ns >= r.started_ns => r.stopped_ns,
        _ => now_unix_ns,
    };
    Some(Duration::from_nanos(end.saturating_sub(r.started_ns)))
}

fn runner_status(snap: &Snapshot) -> &'static str {
    snap.runner
        .runner
        .status()
        .map_or("not started", |s| s.name())
}

/// The heartbeat's age: `never`, `<1 ms`, `3 ms`, `4.0 s`...
pub fn heartbeat(snap: &Snapshot) -> String {
    match snap.heartbeat_age_ms {
        None => "never".into(),
        Some(0) => "<1 ms".into(),
        Some(ms) => text::age(Duration::from_millis(ms)),
    }
}

/// The compact multi-line summary printed by `monitor --once` without `--json`.
pub fn human(snap: &Snapshot, now_unix_ns: u64) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = write_human(snap, now_unix_ns, &mut out);
    out
}

fn write_human(snap: &Snapshot, now: u64, out: &mut String) -> fmt::Result {
    write!(
        out,
        "instance {} pid {} runner {} region {} up {} heartbeat {}",
        snap.instance,
        snap.pid,
        runner_status(snap),
        snap.status,
        uptime(snap, now).map_or_else(|| "-".into(), text::uptime),
        heartbeat(snap),
    )?;
    if let Some(badge) = Health::of(snap).badge() {
        write!(out, " [{badge}]")?;
    }
    let a = &snap.account;
    write!(
        out,
        "\naccount  cash {} equity {} realized {} unrealized {} daily {} limit {}",
        a.cash,
        a.equity,
        a.realized_pnl,
        a.unrealized_pnl,
        a.daily_pnl,
        a.daily_loss_limit.saturating_neg()
    )?;
    if a.is_halted() {
        let why = a.halt_reason().map_or("unknown", |r| r.name());
        write!(out, " [HALTED: {why}]")?;
    }
    out.push_str("\npositions");
    let mut any = false;
    for (ix, p) in snap.positions.iter().enumerate() {
        if !p.qty.is_zero() {
            any = true;
            let unrl = p.unrealized_pnl;
            write!(
                out,
                "  {} {} @ {} (unrl {unrl})",
                sym(snap, ix),
                p.qty,
                p.avg_price
            )?;
        }
    }
    if !any {
        out.push_str("  none open");
    }
    out.push_str("\nmarket  ");
    for (ix, m) in snap.market.iter().enumerate() {
        if m.ticks == 0 {
            write!(out, "  {} no quote", sym(snap, ix))?;
        } else {
            write!(
                out,
                "  {} {}/{} last {}",
                sym(snap, ix),
                m.bid,
                m.ask,
                m.last
            )?;
        }
    }
    let m = &snap.metrics;
    write!(
        out,
        "\nevents   last_seq {} durable {} published {} ticks {} orders {} fills {} rejects {}",
        snap.last_seq,
        snap.durable_seq
            .map_or_else(|| "-".into(), |d| d.to_string()),
        m.events_published,
        m.ticks,
        m.orders,
        m.fills,
        m.rejects
    )?;
    let l = &snap.latency;
    write!(
        out,
        "\nlatency  p50 {} p99 {} p99.9 {} max {} ({} ticks)",
        text::latency_ns(l.p50),
        text::latency_ns(l.p99),
        text::latency_ns(l.p999),
        text::latency_ns(l.max),
        l.count
    )?;
    out.push_str("\nreaders ");
    if snap.readers.is_empty() {
        out.push_str("  none");
    }
    for r in &snap.readers {
        write!(
            out,
            "  {} pid {} cursor {} lag {}{}{}",
            r.role,
            r.pid,
            r.cursor,
            r.lag,
            if r.gating { " gating" } else { "" },
            match (r.alive, r.stale) {
                (false, _) => " dead",
                (true, true) => " hung",
                (true, false) => "",
            }
        )?;
    }
    out.push('\n');
    Ok(())
}

/// The `reads` line of the `monitor --once` summary: the monitor's own seqlock row
/// reads and how many attempts were retried because the core was writing the row.
pub fn reads_line(s: &crate::own_reads::OwnReads) -> String {
    format!("reads    seqlock {}\n", text::retry_rate(s))
}

/// One line of the periodic mode: time, instance, liveness, sequence, rates, money.
pub fn status_line(snap: &Snapshot, now_unix_ns: u64, rates: Option<(f64, f64)>) -> String {
    let mut out = format!(
        "{} {} {} pid {} hb {} seq {}",
        text::clock(now_unix_ns),
        snap.instance,
        runner_status(snap),
        snap.pid,
        heartbeat(snap),
        snap.last_seq,
    );
    if let Some((events, ticks)) = rates {
        let _ = write!(
            out,
            " events {} ticks {}",
            text::rate(events),
            text::rate(ticks)
        );
    }
    let a = &snap.account;
    let open = snap.positions.iter().filter(|p| !p.qty.is_zero()).count();
    let _ = write!(
        out,
        " equity {} daily {} positions {open} p99 {}",
        a.equity,
        a.daily_pnl,
        text::latency_ns(snap.latency.p99)
    );
    if a.is_halted() {
        out.push_str(" [HALTED]");
    }
    if let Some(badge) = Health::of(snap).badge() {
        let _ = write!(out, " [{badge}]");
    }
    out
}

fn sym(snap: &Snapshot, ix: usize) -> &str {
    snap.symbols.get(ix).map_or("?", String::as_str)
}
