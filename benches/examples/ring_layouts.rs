//! Ring-layout experiments behind docs/decisions/0010-ring-slot-stamps.md: what the
//! ping-pong round trip and the streaming rate of a ring owe to its layout.
//!
//! ```text
//! cargo run --release -p seamless-bench --example ring_layouts [ROUNDS]
//! ```
//!
//! Every series runs in one process on two pinned threads, interleaved round by round
//! like `seamless bench`; each ratio is taken within a round and the median over rounds
//! is printed. A ping-pong sample is the mean of 16 round trips, because this VM's TSC
//! advances in 10 ns steps and a 60-100 ns round trip would otherwise round to them.
//!
//! Series:
//! - `walk N x S`: the floor's one store and one poll, but each message goes to the next
//!   of N lines S bytes apart (a ring of one-line slots with nothing else);
//! - `spsc <T> N`: our ring (one stamp per 64-byte line: 7 `u64`s to a line) with N
//!   values of T (`[u64; 7]` makes a 64-byte group of one, `[u64; 15]` a 128-byte one);
//! - `stamp per value`: the ring's previous layout (a stamp beside each value: 16 bytes
//!   per `u64`, 4 to a line), otherwise the same algorithm;
//! - rtrb for reference.
//!
//! Both threads busy-poll: run on an otherwise idle machine.

use std::cell::UnsafeCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

use crossbeam_utils::CachePadded;
use seamless_bench::clock::Clock;
use seamless_bench::pin::Cores;
use seamless_bench::pingpong::{Endpoint, STOP, echo_loop};
use seamless_bench::report::median_f64;
use seamless_bench::stream::{self, Sink, Source};
use seamless_bench::{floor, peers};
use seamless_ipc::spsc;

/// Round trips per sample.
const BATCH: u64 = 16;
/// Samples per series per round.
const SAMPLES: u64 = 6_000;
/// Items per streaming run.
const STREAM_ITEMS: u64 = 5_000_000;

/// One 64-byte line holding a word.
#[repr(C, align(64))]
struct Line(AtomicU64);

/// The floor moving through lines: direction d's message k goes to line k % lines.
struct Walk {
    lines: Arc<Vec<Line>>,
    /// Line index of this end's outgoing line 0, and of its incoming line 0.
    out: usize,
    inp: usize,
    /// Lines per direction (a power of two) and the distance between them, in lines.
    count: usize,
    stride: usize,
    sent: usize,
    received: usize,
    last: u64,
}

fn walk_pair(count: usize, stride_bytes: usize) -> (Walk, Walk) {
    let stride = stride_bytes / 64;
    let lines: Arc<Vec<Line>> = Arc::new(
        (0..2 * count * stride)
            .map(|_| Line(AtomicU64::new(0)))
            .collect(),
    );
    let end = |out, inp| Walk {
        lines: lines.clone(),
        out,
        inp,
        count,
        stride,
        sent: 0,
        received: 0,
        last: 0,
    };
    (end(0, count * stride), end(count * stride, 0))
}

impl Walk {
    fn line(&self, base: usize, k: usize) -> &AtomicU64 {
        &self.lines[base + (k & (self.count - 1)) * self.stride].0
    }
}

impl Endpoint for Walk {
    fn send(&mut self, v: u64) {
        // Release/Acquire: as the floor's (a real hand-off needs them).
        self.line(self.out, self.sent).store(v, Ordering::Release);
        self.sent += 1;
    }

    fn recv(&mut self) -> u64 {
        loop {
            let v = self.line(self.inp, self.received).load(Ordering::Acquire);
            // Values only grow: a line still holding last lap's message reads as "not yet".
            if v > self.last {
                self.last = v;
                self.received += 1;
                return v;
            }
            std::hint::spin_loop();
        }
    }
}

/// Values that carry a round-trip number.
trait Msg: Copy + Send + 'static {
    fn wrap(v: u64) -> Self;
    fn get(&self) -> u64;
}

impl<const N: usize> Msg for [u64; N] {
    fn wrap(v: u64) -> Self {
        let mut a = [0; N];
        a[0] = v;
        a
    }
    fn get(&self) -> u64 {
        self[0]
    }
}

/// A pair of our rings, one per direction.
struct Spsc<T> {
    tx: spsc::Producer<T>,
    rx: spsc::Consumer<T>,
}

fn spsc_pair<T: Send + 'static>(capacity: usize) -> (Spsc<T>, Spsc<T>) {
    let (a, b) = spsc::channel(capacity);
    let (c, d) = spsc::channel(capacity);
    (Spsc { tx: a, rx: d }, Spsc { tx: c, rx: b })
}

impl<T: Msg> Endpoint for Spsc<T> {
    fn send(&mut self, v: u64) {
        let mut m = T::wrap(v);
        while let Err(spsc::Full(back)) = self.tx.try_push(m) {
            m = back;
            std::hint::spin_loop();
        }
    }

    fn recv(&mut self) -> u64 {
        loop {
            if let Some(m) = self.rx.try_pop() {
                return m.get();
            }
            std::hint::spin_loop();
        }
    }
}

/// The ring's previous layout, for comparison: a stamp per value (16 bytes per `u64`,
/// 4 to a line), otherwise the same algorithm as `seamless_ipc::spsc`.
mod per_value {
    use super::*;

    #[repr(C)]
    struct Slot {
        /// Position + 1 of the value in this slot (positions never wrap).
        stamp: AtomicU64,
        value: UnsafeCell<u64>,
    }

    /// Four slots, line-aligned so none straddles two lines.
    #[repr(C, align(64))]
    struct Line([Slot; 4]);

    struct Ring {
        lines: Box<[Line]>,
        head: CachePadded<AtomicU64>,
        mask: u64,
    }

    // SAFETY: a value cell is written only by the one producer while its position is
    // free (head loaded with Acquire says the consumer is done with it) and read only
    // by the one consumer after its stamp (Release/Acquire) says it is written.
    unsafe impl Sync for Ring {}

    impl Ring {
        fn slot(&self, pos: u64) -> &Slot {
            let i = (pos & self.mask) as usize;
            &self.lines[i / 4].0[i % 4]
        }
    }

    pub struct Producer {
        ring: Arc<Ring>,
        pos: u64,
        cached_head: u64,
    }

    pub struct Consumer {
        ring: Arc<Ring>,
        pos: u64,
    }

    /// A ring of `capacity` values (a power of two, at least 4).
    pub fn channel(capacity: usize) -> (Producer, Consumer) {
        assert!(capacity.is_power_of_two() && capacity >= 4);
        let slot = || Slot {
            stamp: AtomicU64::new(0),
            value: UnsafeCell::new(0),
        };
        let ring = Arc::new(Ring {
            lines: (0..capacity / 4)
                .map(|_| Line([slot(), slot(), slot(), slot()]))
                .collect(),
            head: CachePadded::new(AtomicU64::new(0)),
            mask: capacity as u64 - 1,
        });
        let producer = Producer {
            ring: ring.clone(),
            pos: 0,
            cached_head: 0,
        };
        (producer, Consumer { ring, pos: 0 })
    }

    impl Producer {
        pub fn try_push(&mut self, v: u64) -> bool {
            let capacity = self.ring.mask + 1;
            if self.pos - self.cached_head >= capacity {
                // Acquire: the consumer's reads of the freed slots happen-before our
                // overwrites (its Release store of head).
                self.cached_head = self.ring.head.load(Ordering::Acquire);
                if self.pos - self.cached_head >= capacity {
                    return false;
                }
            }
            let slot = self.ring.slot(self.pos);
            // SAFETY: position `pos` is free (checked above) and only we write values.
            unsafe { *slot.value.get() = v };
            self.pos += 1;
            // Release: publishes the value written above to the consumer's Acquire load.
            slot.stamp.store(self.pos, Ordering::Release);
            true
        }
    }

    impl Consumer {
        pub fn try_pop(&mut self) -> Option<u64> {
            let slot = self.ring.slot(self.pos);
            // Acquire: pairs with the producer's Release store of the stamp.
            if slot.stamp.load(Ordering::Acquire) <= self.pos {
                return None;
            }
            // SAFETY: the stamp says position `pos` is written, and the producer will
            // not touch it again until our head passes it.
            let v = unsafe { *slot.value.get() };
            self.pos += 1;
            // Release: our read above happens-before the producer's overwrite.
            self.ring.head.store(self.pos, Ordering::Release);
            Some(v)
        }
    }

    impl Sink<u64> for Producer {
        fn try_push(&mut self, v: u64) -> bool {
            Producer::try_push(self, v)
        }
    }

    impl Source<u64> for Consumer {
        fn try_pop(&mut self) -> Option<u64> {
            Consumer::try_pop(self)
        }
    }

    pub struct End {
        tx: Producer,
        rx: Consumer,
    }

    pub fn pair(capacity: usize) -> (End, End) {
        let (a, b) = channel(capacity);
        let (c, d) = channel(capacity);
        (End { tx: a, rx: d }, End { tx: c, rx: b })
    }

    impl Endpoint for End {
        fn send(&mut self, v: u64) {
            while !self.tx.try_push(v) {
                std::hint::spin_loop();
            }
        }

        fn recv(&mut self) -> u64 {
            loop {
                if let Some(v) = self.rx.try_pop() {
                    return v;
                }
                std::hint::spin_loop();
            }
        }
    }
}

/// Mean round trip in ns over batches of [`BATCH`], median over [`SAMPLES`] batches.
fn round_trip<P: Endpoint, E: Endpoint>(mut ping: P, echo: E, cores: &Cores, clock: &Clock) -> f64 {
    let echo_cores = cores.clone();
    let echo_thread = thread::spawn(move || {
        echo_cores.pin(1);
        echo_loop(echo);
    });
    cores.pin(0);
    let mut v = 0;
    let mut exchange = |ping: &mut P| {
        v += 1;
        ping.send(v);
        assert_eq!(ping.recv(), v, "echo returned a different value");
    };
    for _ in 0..10_000 {
        exchange(&mut ping);
    }
    let mut means = Vec::with_capacity(SAMPLES as usize);
    for _ in 0..SAMPLES {
        let t0 = clock.now();
        for _ in 0..BATCH {
            exchange(&mut ping);
        }
        let ticks = clock.now().wrapping_sub(t0);
        means.push(ticks as f64 / clock.ticks_per_ns() / BATCH as f64);
    }
    ping.send(STOP);
    echo_thread.join().expect("echo thread panicked");
    median_f64(&mut means)
}

type Case = (&'static str, fn(&Cores, &Clock) -> f64);

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .map_or(11, |a| a.parse().expect("ROUNDS: a number"));
    let cores = Cores::detect();
    let clock = Clock::calibrate(std::time::Duration::from_millis(50));
    let cases: [Case; 11] = [
        ("floor", |c, k| {
            let (a, b) = floor::pair();
            round_trip(a, b, c, k)
        }),
        ("walk 16 x 64 B", |c, k| {
            let (a, b) = walk_pair(16, 64);
            round_trip(a, b, c, k)
        }),
        ("walk 16 x 128 B", |c, k| {
            let (a, b) = walk_pair(16, 128);
            round_trip(a, b, c, k)
        }),
        ("walk 1024 x 64 B", |c, k| {
            let (a, b) = walk_pair(1024, 64);
            round_trip(a, b, c, k)
        }),
        ("walk 1024 x 128 B", |c, k| {
            let (a, b) = walk_pair(1024, 128);
            round_trip(a, b, c, k)
        }),
        ("spsc u64 1024", |c, k| {
            let (a, b) = spsc_pair::<[u64; 1]>(1024);
            round_trip(a, b, c, k)
        }),
        ("spsc 64 B slots 16", |c, k| {
            let (a, b) = spsc_pair::<[u64; 7]>(16);
            round_trip(a, b, c, k)
        }),
        ("spsc 128 B slots 16", |c, k| {
            let (a, b) = spsc_pair::<[u64; 15]>(16);
            round_trip(a, b, c, k)
        }),
        ("spsc 64 B slots 1024", |c, k| {
            let (a, b) = spsc_pair::<[u64; 7]>(1024);
            round_trip(a, b, c, k)
        }),
        ("stamp per value u64 1024", |c, k| {
            let (a, b) = per_value::pair(1024);
            round_trip(a, b, c, k)
        }),
        ("rtrb u64 1024", |c, k| {
            let (a, b) = peers::rtrb_pair(1024);
            round_trip(a, b, c, k)
        }),
    ];
    let mut ratios = vec![Vec::new(); cases.len()];
    let mut floors = Vec::new();
    let mut rates = [Vec::new(), Vec::new()];
    for round in 0..rounds {
        eprint!("round {}/{rounds}\r", round + 1);
        let ns: Vec<f64> = cases.iter().map(|(_, run)| run(&cores, &clock)).collect();
        for (r, v) in ratios.iter_mut().zip(&ns) {
            r.push(v / ns[0]);
        }
        floors.push(ns[0]);
        let (tx, rx) = rtrb::RingBuffer::<u64>::new(1024);
        let theirs = stream::run(tx, rx, STREAM_ITEMS, &cores);
        let (tx, rx) = spsc::channel::<u64>(1024);
        rates[0].push(stream::run(tx, rx, STREAM_ITEMS, &cores) / theirs);
        let (tx, rx) = per_value::channel(1024);
        rates[1].push(stream::run(tx, rx, STREAM_ITEMS, &cores) / theirs);
    }
    println!(
        "ping-pong, mean of {BATCH} round trips, {rounds} rounds; floor median {:.1} ns\n",
        median_f64(&mut floors)
    );
    println!(
        "{:<26} {:>8} {:>8} {:>8}",
        "series", "x floor", "min", "max"
    );
    for ((name, _), r) in cases.iter().zip(&mut ratios) {
        let (lo, hi) = r
            .iter()
            .fold((f64::MAX, 0f64), |(a, b), &x| (a.min(x), b.max(x)));
        println!("{name:<26} {:>8.3} {lo:>8.3} {hi:>8.3}", median_f64(r));
    }
    println!("\nstreaming u64, capacity 1024, {STREAM_ITEMS} items: ratio to rtrb, same round");
    for (name, r) in ["spsc", "stamp per value"].iter().zip(&mut rates) {
        println!("{name:<26} {:>8.3}", median_f64(r));
    }
}
