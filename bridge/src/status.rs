//! [`Status`]: the bridge's latest view of the core, shared with every request handler
//! (through a `watch` channel), and its JSON with `as_of`, `age_ms` and `stale`.
//!
//! The snapshot object is `monitor --once --json`'s
//! ([`seamless_core::shared::snapshot::to_json`]) plus:
//!
//! - `type`: `snapshot` or `state` on the push channels (absent on `/api/state`);
//! - `as_of`: when the bridge read the rows, Unix milliseconds;
//! - `age_ms`: how old the core's state is *now*: the heartbeat's age when read plus
//!   the time since (so a stopped core's state keeps ageing between reads);
//! - `stale` and `heartbeat_age_ms` recomputed at serve time the same way.
//!
//! Progress: plain data; serialising allocates.

use std::time::{Duration, Instant};

use seamless_core::shared::{Snapshot, snapshot};
use seamless_ipc::region::Status as RegionStatus;

/// The bridge's latest view of the core.
#[derive(Debug, Clone)]
pub enum Status {
    /// No core attached; the reason (not running yet, another layout version...).
    Waiting(String),
    /// The core's state as last read.
    Attached(Box<Read>),
}

/// One read of the core's rows.
#[derive(Debug, Clone)]
pub struct Read {
    /// What was read.
    pub snap: Snapshot,
    /// When (monotonic).
    pub at: Instant,
    /// When, Unix milliseconds.
    pub as_of_ms: u64,
    /// Heartbeat age beyond which the core counts as stale.
    pub stale_after: Duration,
}

impl Read {
    /// Wraps a fresh snapshot read now.
    pub fn new(snap: Snapshot, stale_after: Duration) -> Self {
        Read {
            snap,
            at: Instant::now(),
            as_of_ms: seamless_ipc::shm::unix_time_ns() / 1_000_000,
            stale_after,
        }
    }

    /// The heartbeat's age at `now` (`None`: the core never beat).
    pub fn age_ms(&self, now: Instant) -> Option<u64> {
        let since = now.saturating_duration_since(self.at).as_millis() as u64;
        self.snap.heartbeat_age_ms.map(|a| a.saturating_add(since))
    }

    /// Whether the core is stale at `now`: dead, or its heartbeat older than the
    /// threshold.
    pub fn is_stale(&self, now: Instant) -> bool {
        let limit = self.stale_after.as_millis() as u64;
        !self.snap.alive || self.age_ms(now).is_none_or(|a| a > limit)
    }

    /// The snapshot object at `now`, with `"type": kind` first when given.
    pub fn to_json(&self, kind: Option<&str>, now: Instant) -> String {
        let mut snap = self.snap.clone();
        snap.heartbeat_age_ms = self.age_ms(now);
        snap.stale = self.is_stale(now);
        let body = snapshot::to_json(&snap);
        let mut out = String::with_capacity(body.len() + 64);
        out.push('{');
        if let Some(kind) = kind {
            out.push_str("\"type\":\"");
            out.push_str(kind);
            out.push_str("\",");
        }
        let age = snap
            .heartbeat_age_ms
            .map_or("null".to_owned(), |a| a.to_string());
        out.push_str(&format!("\"as_of\":{},\"age_ms\":{age},", self.as_of_ms));
        out.push_str(body.strip_prefix('{').unwrap_or(&body));
        out
    }

    /// `Ok(summary)` when the core is alive, running and fresh, otherwise the reason.
    ///
    /// # Errors
    ///
    /// The reason the core is not healthy, one line.
    pub fn health(&self, now: Instant) -> Result<String, String> {
        let s = &self.snap;
        let age = self.age_ms(now);
        let age_text = age.map_or("never".to_owned(), |a| format!("{a} ms ago"));
        if !s.alive {
            return Err(format!(
                "core of instance {} (pid {}) is not running (status {}, last heartbeat {age_text})",
                s.instance, s.pid, s.status
            ));
        }
        if s.status != RegionStatus::Running {
            return Err(format!("core of instance {} is {}", s.instance, s.status));
        }
        if self.is_stale(now) {
            return Err(format!(
                "core of instance {} (pid {}) is stale: last heartbeat {age_text}, limit {} ms",
                s.instance,
                s.pid,
                self.stale_after.as_millis()
            ));
        }
        Ok(format!(
            "ok: core of instance {} (pid {}) running, heartbeat {age_text}, last seq {}",
            s.instance, s.pid, s.last_seq
        ))
    }
}

impl Status {
    /// `Ok(summary)` when healthy (see [`Read::health`]).
    ///
    /// # Errors
    ///
    /// The reason, one line.
    pub fn health(&self, now: Instant) -> Result<String, String> {
        match self {
            Status::Waiting(reason) => Err(format!("no core attached: {reason}")),
            Status::Attached(read) => read.health(now),
        }
    }
}
