//! How a child follows a run: announce it runs, attach read-only to the run's region
//! as soon as the core has made it, pause between polls, and tell when the run is over.
//!
//! Blocking (sleeps, system calls); only [`Pause`] runs between measured polls.

use std::io;
use std::num::NonZeroU64;
use std::path::Path;
use std::time::{Duration, Instant};

use seamless_core::shared::{SharedAttachError, SharedReader};
use seamless_ipc::region::Status;
use seamless_ipc::wait::{WaitStrategy, Waiter};

use super::protocol::ChildArgs;

/// Longest a child waits for the core's region (the parent starts the core right after
/// every child announced itself; a loaded 2-core machine may still take a while).
const ATTACH_DEADLINE: Duration = Duration::from_secs(60);
/// Pause between attach attempts: short, so a child is following within a fraction of
/// a millisecond of the core's first publication.
const ATTACH_RETRY: Duration = Duration::from_micros(100);
/// How often a follower checks that the core process is still alive (two system calls).
const ALIVE_EVERY: Duration = Duration::from_millis(100);

/// Pins the child if asked, creates its ready file, then attaches to `args.name` in
/// `dir` (retrying while the region is missing or still starting).
pub(crate) fn ready_and_attach(
    dir: &Path,
    args: &ChildArgs,
    role: &str,
) -> io::Result<SharedReader> {
    if let Some(core) = args.core
        && !core_affinity::set_for_current(core_affinity::CoreId { id: core })
    {
        return Err(io::Error::other(format!(
            "could not pin the {role} to core {core}"
        )));
    }
    std::fs::write(args.ready_path(dir, role), b"")?;
    let start = Instant::now();
    loop {
        match SharedReader::attach(Some(dir), &args.name) {
            Ok(reader) => return Ok(reader),
            Err(SharedAttachError::Starting | SharedAttachError::Region(_))
                if start.elapsed() < ATTACH_DEADLINE =>
            {
                std::thread::sleep(ATTACH_RETRY);
            }
            Err(e) => return Err(io::Error::other(format!("attach {}: {e}", args.name))),
        }
    }
}

/// What a follower does between two polls that found nothing new.
#[derive(Debug)]
pub(crate) enum Pause {
    /// Spin briefly, then `sched_yield` each poll: the finest resolution, but the
    /// follower is always runnable, so a core thread waking from a sleep on the same
    /// CPU may wait for the scheduler to preempt it.
    Spin(Waiter),
    /// Sleep this long: the CPU stays free for the core's threads; the resolution is
    /// the sleep's real length (see [`Pause::new`]).
    Sleep(Duration),
}

impl Pause {
    /// `Spin` for `poll_us == 0`, else `Sleep(poll_us)`. With `fine_timer`, the thread's
    /// timer slack is cut to 1 ns first (`prctl(PR_SET_TIMERSLACK)`): the default 50 µs
    /// slack makes a 1 µs sleep last about 60 µs on this VM, 1 ns makes it about 8 µs.
    pub(crate) fn new(poll_us: u64, fine_timer: bool) -> io::Result<Pause> {
        if poll_us == 0 {
            return Ok(Pause::Spin(Waiter::new(WaitStrategy::SpinYield)));
        }
        if fine_timer {
            rustix::thread::set_current_timer_slack(NonZeroU64::new(1))?;
        }
        Ok(Pause::Sleep(Duration::from_micros(poll_us)))
    }

    /// Pauses after a poll that found nothing new.
    #[inline]
    pub(crate) fn idle(&mut self) {
        match self {
            Pause::Spin(waiter) => waiter.wait(),
            Pause::Sleep(d) => std::thread::sleep(*d),
        }
    }

    /// Notes a poll that found something (the spinner starts its spin phase again).
    #[inline]
    pub(crate) fn busy(&mut self) {
        if let Pause::Spin(waiter) = self {
            waiter.reset();
        }
    }
}

/// Tells when the run is over: the region marked stopped, or its owner gone.
#[derive(Debug)]
pub(crate) struct RunEnd {
    next_alive_check: Instant,
}

impl RunEnd {
    pub(crate) fn new() -> RunEnd {
        RunEnd {
            next_alive_check: Instant::now() + ALIVE_EVERY,
        }
    }

    /// `true` once the core marked the region stopped (every row is then final) or
    /// died. One relaxed load; the liveness probe at most every [`ALIVE_EVERY`].
    pub(crate) fn is_over(&mut self, reader: &SharedReader) -> bool {
        if reader.status() == Status::Stopped {
            return true;
        }
        let now = Instant::now();
        if now < self.next_alive_check {
            return false;
        }
        self.next_alive_check = now + ALIVE_EVERY;
        !reader.is_owner_alive()
    }
}
