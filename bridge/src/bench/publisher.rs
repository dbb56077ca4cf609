//! The benchmark's publisher: a region written with the core's own writer
//! ([`SharedWriter::try_publish_event`]), fed a paced mix of routine
//! (`market_update`) and critical (`trade_executed`) events, each critical one stamped
//! just before its publication. That stamp is what the clients subtract: the core
//! itself publishes no per-event stamp, and a separate observer spinning on the ring
//! would take a core of this 2-core machine from the bridge.
//!
//! Progress: blocking (paced by sleeping to an absolute schedule, spinning the last
//! 100 µs); the publication itself is the core's wait-free path.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use seamless_config::Config;
use seamless_core::EventRecord;
use seamless_core::domain::{Event, EventBody, InstrumentId, Price, Qty, Reason, Side, State};
use seamless_core::engine::Engine;
use seamless_core::runtime::{stamp_ns, wall_ns};
use seamless_core::shared::{SharedRegion, SharedWriter, WriterSetup};
use seamless_ipc::region::Status;

use super::scratch::Scratch;

/// Slots of the benchmark's event ring.
const RING: usize = 1 << 16;

/// A region with its engine-made start events published.
#[derive(Debug)]
pub struct Region {
    region: SharedRegion,
    engine: Engine,
    /// The next sequence to publish.
    next: u64,
}

impl Region {
    /// Creates the region of `scratch` and publishes `runner_started`.
    ///
    /// # Errors
    ///
    /// The region or the engine cannot be set up.
    pub fn create(scratch: &Scratch) -> io::Result<Region> {
        let err = |e: String| io::Error::other(format!("bench region: {e}"));
        let engine = Engine::from_config(&Config::default(), State::new())
            .map_err(|e| err(e.to_string()))?;
        let region = SharedRegion::create(Some(scratch.dir()), scratch.name(), RING)
            .map_err(|e| err(e.to_string()))?;
        Ok(Region {
            region,
            engine,
            next: 1,
        })
    }

    /// Publishes the start, marks the region running, then `plan` paced events with
    /// their stamps in `stamps[seq]`, then `runner_stopped`. Returns the last sequence.
    ///
    /// # Errors
    ///
    /// The writers cannot be set up, or the ring is full (it has no gates: never).
    pub fn publish(&mut self, plan: &Plan, stamps: &[AtomicU64]) -> io::Result<u64> {
        let setup = WriterSetup {
            instruments: self.engine.instruments(),
            first_seq: 1,
            max_gates: 2,
            heartbeat_ms: 5,
        };
        let (mut writer, _stats) = self
            .region
            .writers(&setup)
            .map_err(|e| io::Error::other(format!("bench writers: {e}")))?;
        let mut start = Vec::new();
        self.engine.start(wall_ns(), Reason::Start, &mut start);
        let mut next = self.next;
        for (seq, record) in &start {
            publish(&mut writer, *seq, record)?;
            next = seq + 1;
        }
        let dirty = self.engine.take_dirty();
        writer.publish_dirty(&self.engine, dirty);
        self.region.owner().set_status(Status::Running);
        self.region.owner().heartbeat();
        plan.ready.wait_until_set();
        let begin = Instant::now();
        let mut beat = begin;
        let price = Price::from_raw(5_000_000_000_000);
        for i in 0..plan.critical {
            pace(begin + plan.period.mul_f64(i as f64));
            let instrument = InstrumentId((i % 2) as u32);
            for _ in 0..plan.routine_per_critical {
                let body = EventBody::MarketUpdate {
                    instrument,
                    bid: price,
                    ask: price,
                    last: price,
                };
                emit(&mut writer, &mut next, body, None)?;
            }
            let body = EventBody::TradeExecuted {
                order_id: i + 1,
                instrument,
                side: Side::Buy,
                qty: Qty::from_raw(1_000_000),
                price,
                fee: Default::default(),
            };
            emit(&mut writer, &mut next, body, Some(stamps))?;
            if beat.elapsed() >= Duration::from_millis(5) {
                self.region.owner().heartbeat();
                beat = Instant::now();
            }
        }
        let stop = EventBody::RunnerStopped {
            reason: Reason::FeedEnd,
        };
        emit(&mut writer, &mut next, stop, None)?;
        self.next = next;
        Ok(next - 1)
    }
}

/// Publishes `body` as event `*next` (stamping it first when `stamps` is given).
fn emit(
    writer: &mut SharedWriter<'_>,
    next: &mut u64,
    body: EventBody,
    stamps: Option<&[AtomicU64]>,
) -> io::Result<()> {
    let seq = *next;
    let ev = Event::new(wall_ns(), body);
    if let Some(slot) = stamps.and_then(|s| s.get(seq as usize)) {
        // Relaxed: the Release publication of the event just below orders this store
        // before it (SYNC POINT slot-end of the ring); a client that saw the event
        // (through the bridge's own synchronisation) saw this stamp.
        slot.store(stamp_ns(), Ordering::Relaxed);
    }
    publish(writer, seq, &ev.to_record())?;
    *next = seq + 1;
    Ok(())
}

fn publish(writer: &mut SharedWriter<'_>, seq: u64, record: &EventRecord) -> io::Result<()> {
    writer
        .try_publish_event(seq, record)
        .map_err(|_| io::Error::other("bench ring full"))
}

/// Sleeps until `at`, spinning the last 100 µs.
fn pace(at: Instant) {
    let now = Instant::now();
    if at > now + Duration::from_micros(100) {
        std::thread::sleep(at - now - Duration::from_micros(100));
    }
    while Instant::now() < at {
        std::hint::spin_loop();
    }
}

/// What [`Region::publish`] publishes.
#[derive(Debug)]
pub struct Plan {
    /// Critical events.
    pub critical: u64,
    /// Time between two critical events.
    pub period: Duration,
    /// `market_update`s before each critical event.
    pub routine_per_critical: u64,
    /// Set when every client is connected.
    pub ready: Ready,
}

/// A one-shot "go" flag.
#[derive(Debug, Default)]
pub struct Ready(std::sync::atomic::AtomicBool);

impl Ready {
    /// Sets it.
    pub fn set(&self) {
        // Relaxed: the flag publishes nothing but itself.
        self.0.store(true, Ordering::Relaxed);
    }

    fn wait_until_set(&self) {
        // Relaxed: see `set`.
        while !self.0.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}
