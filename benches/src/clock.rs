//! A cheap cycle clock for per-sample latency: the TSC on x86-64, `Instant` elsewhere.
//!
//! `Instant::now()` costs a vDSO `clock_gettime` (~20 ns here); reading the TSC costs a
//! few ns, so a 120 ns round trip is not swamped by the ruler. This machine's CPU flags
//! show `constant_tsc nonstop_tsc tsc_known_freq`, so the TSC ticks at a fixed rate on
//! every core; we calibrate ticks-per-ns once against `Instant` at start-up.
//!
//! Never used for anything but measurement: it must not be used to order events.

use std::time::{Duration, Instant};

/// A calibrated tick counter.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// TSC ticks per nanosecond (1.0 when falling back to `Instant`).
    ticks_per_ns: f64,
    /// The usual advance between two reads that see the clock move, in ticks (1 on
    /// `Instant`).
    step_ticks: u64,
    origin: Instant,
}

impl Clock {
    /// Calibrates against the monotonic clock over `window` (50 ms is plenty).
    pub fn calibrate(window: Duration) -> Clock {
        let origin = Instant::now();
        if !cfg!(target_arch = "x86_64") {
            return Clock {
                ticks_per_ns: 1.0,
                step_ticks: 1,
                origin,
            };
        }
        let (t0, c0) = (Instant::now(), raw());
        while t0.elapsed() < window {
            std::hint::spin_loop();
        }
        let (t1, c1) = (Instant::now(), raw());
        let ns = (t1 - t0).as_nanos().max(1) as f64;
        Clock {
            ticks_per_ns: (c1.wrapping_sub(c0)) as f64 / ns,
            step_ticks: usual_step(),
            origin,
        }
    }

    /// The clock's resolution in ns: its usual advance between two reads. A VM
    /// may advance its TSC in steps (26 ticks = 10 ns on the EPYC host seen on
    /// 2026-12-07), which rounds every sample to a step.
    pub fn step_ns(&self) -> f64 {
        self.step_ticks as f64 / self.ticks_per_ns
    }

    /// One line for a report: the rate and the resolution.
    pub fn describe(&self) -> String {
        format!(
            "{:.3} ticks/ns, advancing in steps of {} ticks ({:.1} ns)",
            self.ticks_per_ns,
            self.step_ticks,
            self.step_ns()
        )
    }

    /// The current tick count.
    #[inline(always)]
    pub fn now(&self) -> u64 {
        if cfg!(target_arch = "x86_64") {
            raw()
        } else {
            self.origin.elapsed().as_nanos() as u64
        }
    }

    /// Converts a tick difference to nanoseconds.
    #[inline]
    pub fn to_ns(&self, ticks: u64) -> u64 {
        (ticks as f64 / self.ticks_per_ns) as u64
    }

    /// Ticks per nanosecond found by calibration.
    pub fn ticks_per_ns(&self) -> f64 {
        self.ticks_per_ns
    }
}

/// The usual advance of the clock between two reads that see it move: the most common
/// non-zero difference over 10,000 reads (not the smallest: the TSC of a VM sometimes
/// moves by a single tick between its regular steps).
fn usual_step() -> u64 {
    let mut deltas = Vec::with_capacity(10_000);
    let mut last = raw();
    while deltas.len() < 10_000 {
        let now = raw();
        if now != last {
            deltas.push(now.wrapping_sub(last));
            last = now;
        }
    }
    deltas.sort_unstable();
    let mut best = (0, 1);
    for run in deltas.chunk_by(|a, b| a == b) {
        if run.len() > best.0 {
            best = (run.len(), run[0]);
        }
    }
    best.1
}

#[inline(always)]
fn raw() -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: `rdtsc` has no preconditions; it is available on every x86-64 CPU.
        unsafe { core::arch::x86_64::_rdtsc() }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        0
    }
}
