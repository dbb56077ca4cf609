//! The floor: a pair of cache-line-padded atomics, the least any hand-off can cost.
//!
//! Ping stores a value into `a` and polls `b`; echo polls `a` and copies it into `b`.
//! Each direction moves exactly one cache line between the cores; no queue does less.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crossbeam_utils::CachePadded;

use crate::pingpong::Endpoint;

#[derive(Debug)]
struct Pair {
    a: CachePadded<AtomicU64>,
    b: CachePadded<AtomicU64>,
}

/// One end of the floor transport.
#[derive(Debug)]
pub struct FloorEnd {
    pair: Arc<Pair>,
    is_ping: bool,
    /// The last value received, so `recv` waits for a *new* value.
    last: u64,
}

/// A connected (ping, echo) pair.
pub fn pair() -> (FloorEnd, FloorEnd) {
    let pair = Arc::new(Pair {
        a: CachePadded::new(AtomicU64::new(0)),
        b: CachePadded::new(AtomicU64::new(0)),
    });
    let ping = FloorEnd {
        pair: pair.clone(),
        is_ping: true,
        last: 0,
    };
    let echo = FloorEnd {
        pair,
        is_ping: false,
        last: 0,
    };
    (ping, echo)
}

impl Endpoint for FloorEnd {
    #[inline]
    fn send(&mut self, v: u64) {
        let out = if self.is_ping {
            &self.pair.a
        } else {
            &self.pair.b
        };
        // Release: SYNC POINT floor — pairs with the Acquire load in `recv` on the other
        // side (nothing else is published, but a real hand-off needs this ordering, so the
        // floor pays for it too).
        out.store(v, Ordering::Release);
    }

    #[inline]
    fn recv(&mut self) -> u64 {
        let inp = if self.is_ping {
            &self.pair.b
        } else {
            &self.pair.a
        };
        loop {
            // Acquire: SYNC POINT floor (see `send`).
            let v = inp.load(Ordering::Acquire);
            if v != self.last {
                self.last = v;
                return v;
            }
            std::hint::spin_loop();
        }
    }
}
