//! [`run`]: set-up, the scoped threads, and the end of a run (module docs of
//! [`runtime`](super), steps 1-3).

use std::any::Any;
use std::sync::Arc;
use std::thread::{self, ScopedJoinHandle};
use std::time::{Duration, Instant};

use seamless_config::Config;
use seamless_ipc::region::Status;
use seamless_ipc::spsc;
use tracing::{info, warn};

use super::broker_thread::{BrokerOutcome, BrokerThread};
use super::commands::{Command, MAX_GATES, RING_SLOTS, Reply};
use super::counters::Counters;
use super::engine_thread::{EngineOutcome, EngineThread};
use super::feed_thread::{FeedOutcome, FeedThread};
use super::gates::{Action, GateTable};
use super::housekeeping::{Housekeeping, HousekeepingSetup};
use super::latency;
use super::pin::Placement;
use super::publisher::{Publisher, PublisherSetup};
use super::{RunError, RunOptions, RunSummary};
use crate::broker::{PaperBroker, ReplyRecord, RequestRecord};
use crate::domain::Reason;
use crate::engine::Engine;
use crate::feed::{self, Tick, pace_of};
use crate::shared::{SharedRegion, SharedWriter, WriterSetup};

/// Least time the engine waits at the end for orders in flight.
const MIN_DRAIN: Duration = Duration::from_secs(2);

pub(super) fn run(cfg: &Config, opts: RunOptions) -> Result<RunSummary, RunError> {
    cfg.validate().map_err(RunError::Config)?;
    let mut engine = Engine::from_config(cfg, opts.state.clone()).map_err(RunError::Setup)?;
    let feed = feed::open(cfg, engine.instruments()).map_err(RunError::FeedOpen)?;
    let placement = Placement::plan(&cfg.core.cores)?;
    let region = SharedRegion::create(
        opts.shm_dir.as_deref(),
        &cfg.core.name,
        cfg.core.event_ring_capacity,
    )
    .map_err(RunError::Region)?;
    let region = Arc::new(region);
    let first_seq = engine.state().last_seq() + 1;
    let setup = WriterSetup {
        instruments: engine.instruments(),
        first_seq,
        max_gates: MAX_GATES,
        heartbeat_ms: cfg.core.heartbeat_ms,
    };
    let (mut writer, stats) = region.writers(&setup).map_err(RunError::Region)?;
    let dirty = engine.take_dirty();
    writer.publish_dirty(&engine, dirty);
    let mut gates = GateTable::new(opts.shm_dir.clone(), &cfg.core.name);
    let gate_ids = initial_gates(&mut gates, &mut writer);
    log_start(cfg, &region, &engine, feed.description(), &placement);
    let _hook = abort_hook::install(&region);
    region.owner().set_status(Status::Running);

    let counters = Counters::default();
    let cap = cfg.core.spsc_capacity;
    let (tick_tx, tick_rx) = spsc::channel::<Tick>(cap);
    let (req_tx, req_rx) = spsc::channel::<RequestRecord>(cap);
    let (rep_tx, rep_rx) = spsc::channel::<ReplyRecord>(cap);
    let (cmd_tx, cmd_rx) = spsc::channel::<Command>(RING_SLOTS);
    let (back_tx, back_rx) = spsc::channel::<Reply>(RING_SLOTS);
    let wait = cfg.core.wait;
    let broker = PaperBroker::from_config(engine.instruments(), &cfg.broker);
    let latency_ns = cfg.broker.latency_us.saturating_mul(1_000);
    let drain_limit_ns = (MIN_DRAIN.as_nanos() as u64).max(latency_ns.saturating_mul(20));
    let publisher = Publisher::new(
        writer,
        cmd_rx,
        back_tx,
        gate_ids,
        PublisherSetup {
            stop: opts.stop.clone(),
            wait,
            shutdown_timeout_ns: cfg.gating.shutdown_timeout_ms.saturating_mul(1_000_000),
            counters: &counters.engine,
            hist: latency::new_histogram(),
        },
    );
    let engine_thread = EngineThread {
        engine,
        publisher,
        ticks: tick_rx,
        requests: req_tx,
        replies: rep_rx,
        feed: &counters.feed,
        counters: &counters.engine,
        stop: opts.stop.clone(),
        exit_after_feed: cfg.feed.exit_after_feed,
        wait,
        drain_limit_ns,
        start_reason: opts.start_reason,
        core: placement.engine,
        bad_replies: 0,
        batches: 0,
    };
    let feed_thread = FeedThread {
        feed,
        pace: pace_of(&cfg.feed),
        ticks: tick_tx,
        stop: opts.stop.clone(),
        wait,
        counters: &counters.feed,
        core: placement.feed,
    };
    let broker_thread = BrokerThread {
        broker,
        requests: req_rx,
        replies: rep_tx,
        wait,
        counters: &counters.broker,
        core: placement.broker,
    };
    let mut housekeeping = Housekeeping::new(HousekeepingSetup {
        region: &region,
        stats,
        gates,
        commands: cmd_tx,
        replies: back_rx,
        counters: &counters,
        heartbeat: Duration::from_millis(cfg.core.heartbeat_ms),
        ring_capacity: cfg.core.event_ring_capacity as u64,
        first_seq,
    });
    let threads = Threads {
        feed: feed_thread,
        engine: engine_thread,
        broker: broker_thread,
    };
    let ended = threads.run(&mut housekeeping, &opts.stop);
    region.owner().set_status(Status::Stopped);
    let ended = ended?;
    let summary = summarise(&region, first_seq, &ended, &housekeeping, &placement);
    match ended.feed.error {
        Some(error) => Err(RunError::Feed {
            error,
            summary: Box::new(summary),
        }),
        None => Ok(summary),
    }
}

/// Registers the gating readers found before the first event (step 1).
fn initial_gates(
    gates: &mut GateTable,
    writer: &mut SharedWriter<'_>,
) -> [Option<seamless_ipc::broadcast::GateId>; MAX_GATES] {
    let mut ids = [None; MAX_GATES];
    for action in gates.discover() {
        if let Action::Add { token, gate } = action {
            match writer.events().add_gate(gate) {
                Ok(id) => {
                    ids[token] = Some(id);
                    gates.on_added(token);
                }
                Err(e) => gates.on_refused(token, e),
            }
        }
    }
    ids
}

fn log_start(
    cfg: &Config,
    region: &SharedRegion,
    engine: &Engine,
    feed: &str,
    placement: &Placement,
) {
    let symbols: Vec<&str> = engine
        .instruments()
        .iter()
        .map(|(_, i)| i.symbol.as_str())
        .collect();
    info!(
        "core {}: region {} ({} KiB){}, instruments {}, event ring {} slots",
        cfg.core.name,
        region.owner().path().display(),
        region.owner().total_size() / 1024,
        match region.owner().origin() {
            seamless_ipc::shm::Origin::ReplacedStale => " (replaced a dead core's region)",
            _ => "",
        },
        symbols.join(","),
        cfg.core.event_ring_capacity
    );
    info!(
        "feed: {feed}; pace {}; strategy {}; wait {}",
        pace_of(&cfg.feed),
        engine.strategy_name().unwrap_or("none"),
        cfg.core.wait
    );
    info!("threads: {}", placement.describe());
    for w in placement.warnings(cfg.core.wait) {
        warn!("{w}");
    }
}

/// The three hot threads, ready to start.
struct Threads<'r> {
    feed: FeedThread<'r>,
    engine: EngineThread<'r>,
    broker: BrokerThread<'r>,
}

/// What the threads reported.
struct Ended {
    feed: FeedOutcome,
    engine: EngineOutcome,
    broker: BrokerOutcome,
}

impl<'r> Threads<'r> {
    /// Starts the threads, runs housekeeping until the engine ends, joins them.
    fn run(
        self,
        housekeeping: &mut Housekeeping<'r>,
        stop: &super::StopFlag,
    ) -> Result<Ended, RunError> {
        thread::scope(|s| {
            let spawn = |name: &str| thread::Builder::new().name(format!("seamless-{name}"));
            let Threads {
                feed,
                engine,
                broker,
            } = self;
            let feed = spawn("feed")
                .spawn_scoped(s, move || feed.run())
                .map_err(RunError::Spawn)?;
            // A failed spawn drops the thread's context, and with it its ring ends, so
            // the threads already started see their peer gone and end.
            let engine = spawn("engine")
                .spawn_scoped(s, move || engine.run())
                .map_err(|e| abandon(stop, RunError::Spawn(e)))?;
            let broker = spawn("broker")
                .spawn_scoped(s, move || broker.run())
                .map_err(|e| abandon(stop, RunError::Spawn(e)))?;
            while !engine.is_finished() {
                housekeeping.round(Instant::now());
                if broker.is_finished() {
                    stop.request(Reason::Error); // the broker died: stop trading
                }
                thread::sleep(housekeeping.pause());
            }
            let engine = join(engine, "engine");
            if engine.is_err() {
                stop.request(Reason::Error); // release a feed waiting on its pace
            }
            let feed = join(feed, "feed");
            let broker = join(broker, "broker");
            let mut engine = engine?;
            let last = std::mem::replace(&mut engine.hist, latency::new_histogram());
            housekeeping.finish(last);
            Ok(Ended {
                feed: feed?,
                engine,
                broker: broker?,
            })
        })
    }
}

fn abandon(stop: &super::StopFlag, e: RunError) -> RunError {
    stop.request(Reason::Error);
    e
}

/// Joins a thread; a panic becomes [`RunError::Panicked`] with its message.
fn join<T>(handle: ScopedJoinHandle<'_, T>, thread: &'static str) -> Result<T, RunError> {
    handle.join().map_err(|payload| RunError::Panicked {
        thread,
        message: panic_message(payload.as_ref()),
    })
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".to_owned()
    }
}

fn summarise(
    region: &SharedRegion,
    first_seq: u64,
    ended: &Ended,
    housekeeping: &Housekeeping<'_>,
    placement: &Placement,
) -> RunSummary {
    let (e, f) = (&ended.engine, &ended.feed);
    let m = housekeeping.metrics();
    if ended.broker.held > 0 {
        warn!(
            "{} orders were still held by the broker at the end",
            ended.broker.held
        );
    }
    let asked = [
        ("feed", placement.feed, f.pinned),
        ("engine", placement.engine, e.pinned),
        ("broker", placement.broker, ended.broker.pinned),
    ];
    for (thread, core, pinned) in asked {
        if let (Some(core), false) = (core, pinned) {
            warn!("the {thread} thread could not be pinned to core {core}: it ran unpinned");
        }
    }
    RunSummary {
        reason: e.reason,
        instance_id: region.owner().instance_id(),
        first_seq,
        last_seq: e.last_seq,
        ticks: e.ticks,
        ticks_fed: f.fed,
        orders: e.counters.orders,
        fills: e.counters.fills,
        rejects: e.counters.rejections,
        skipped: f.skipped,
        first_skipped: f.first_skipped.clone(),
        gating_stalls: m.gating_stalls,
        forced_overwrites: m.forced_overwrites,
        pending_at_stop: e.pending_at_stop,
        feed: f.description.clone(),
        latency: housekeeping.last_latency(),
    }
}

/// With `panic = "abort"` (release builds) a panicking thread cannot be joined: this
/// hook marks the region stopped and exits with status 1 after the default report.
mod abort_hook {
    use std::sync::Arc;

    use crate::shared::SharedRegion;

    #[cfg(panic = "abort")]
    type Hook = Arc<dyn Fn(&std::panic::PanicHookInfo<'_>) + Send + Sync>;

    /// Restores the previous hook when dropped.
    pub(super) struct Installed {
        #[cfg(panic = "abort")]
        previous: Hook,
    }

    #[cfg(panic = "abort")]
    pub(super) fn install(region: &Arc<SharedRegion>) -> Installed {
        use seamless_ipc::region::Status;
        let weak = Arc::downgrade(region);
        let previous: Hook = std::panic::take_hook().into();
        let chained = Arc::clone(&previous);
        std::panic::set_hook(Box::new(move |info| {
            chained(info);
            if let Some(region) = weak.upgrade() {
                region.owner().set_status(Status::Stopped);
            }
            std::process::exit(1);
        }));
        Installed { previous }
    }

    #[cfg(panic = "abort")]
    impl Drop for Installed {
        fn drop(&mut self) {
            let previous = Arc::clone(&self.previous);
            std::panic::set_hook(Box::new(move |info| previous(info)));
        }
    }

    #[cfg(not(panic = "abort"))]
    pub(super) fn install(_region: &Arc<SharedRegion>) -> Installed {
        Installed {}
    }
}
