//! Round-trip latency between two pinned threads (or processes) over a transport.
//!
//! One side ("ping") sends a number and spins until the same number comes back; the
//! other ("echo") sends back whatever it receives. Each round trip is one histogram
//! sample: two one-way hand-offs, which is the honest measure of what a queue costs in a
//! request/response path (rtrb's `performance-comparison` and iceoryx2's benchmarks use
//! the same shape).
//!
//! Implementation:
//! 1. The echo side runs on its own pinned thread (core 1); the ping side on the calling
//!    thread (core 0). Both busy-poll: this measures the transport, not a wake-up.
//! 2. A warm-up of [`WARMUP`] round trips (fewer for a short run: at most as many as
//!    are measured) is discarded.
//! 3. Values sent are `1..`, never 0, so "nothing yet" and a message are distinct; the
//!    value [`STOP`] ends the echo loop.
//!
//! This module never allocates while timing; the histogram is preallocated.

use std::thread;

use crate::clock::Clock;
use crate::hist::Hist;
use crate::pin::Cores;

/// Round trips run before sampling starts.
pub const WARMUP: u64 = 10_000;
/// The value that tells an echo loop to stop.
pub const STOP: u64 = u64::MAX;

/// One end of a bidirectional, busy-polling message path.
pub trait Endpoint: Send + 'static {
    /// Sends `v`, spinning while the path is full.
    fn send(&mut self, v: u64);
    /// Spins until a value arrives and returns it.
    fn recv(&mut self) -> u64;
}

/// Runs the echo loop until [`STOP`] arrives.
pub fn echo_loop<E: Endpoint>(mut echo: E) {
    loop {
        let v = echo.recv();
        if v == STOP {
            break;
        }
        echo.send(v);
    }
}

/// Measures `samples` round trips from `ping` to an echo thread running `echo`.
///
/// # Panics
///
/// If the echo side returns a different value than was sent (a transport bug: the
/// correctness check that runs before any figure is trusted).
pub fn run<P: Endpoint, E: Endpoint>(
    mut ping: P,
    echo: E,
    samples: u64,
    cores: &Cores,
    clock: &Clock,
) -> Hist {
    let echo_cores = cores.clone();
    let echo_thread = thread::spawn(move || {
        echo_cores.pin(1);
        echo_loop(echo);
    });
    cores.pin(0);
    let hist = measure(&mut ping, samples, clock);
    ping.send(STOP);
    echo_thread.join().expect("echo thread panicked");
    hist
}

/// The ping side of [`run`], for transports whose echo lives in another process.
pub fn measure<P: Endpoint>(ping: &mut P, samples: u64, clock: &Clock) -> Hist {
    let mut hist = Hist::new();
    let warmup = WARMUP.min(samples);
    for v in 1..=warmup {
        ping.send(v);
        let back = ping.recv();
        assert_eq!(back, v, "echo returned a different value");
    }
    for v in warmup + 1..=warmup + samples {
        let t0 = clock.now();
        ping.send(v);
        let back = ping.recv();
        let t1 = clock.now();
        assert_eq!(back, v, "echo returned a different value");
        hist.record(clock.to_ns(t1.wrapping_sub(t0)));
    }
    hist
}
