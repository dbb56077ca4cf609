//! [`run`]: set-up, the scoped threads, and the end of a run (module docs of
//! [`runtime`](super), steps 1-3).

use std::sync::Arc;
use std::time::Duration;

use seamless_config::{Config, GatingPolicy};
use seamless_ipc::region::Status;
use seamless_ipc::spsc;
use tracing::{info, warn};

use super::broker_thread::BrokerThread;
use super::commands::{Command, MAX_GATES, RING_SLOTS, Reply};
use super::counters::Counters;
use super::engine_thread::EngineThread;
use super::feed_thread::FeedThread;
use super::gates::{Action, GateTable};
use super::housekeeping::{Housekeeping, HousekeepingSetup};
use super::latency;
use super::panic_hook;
use super::pin::Placement;
use super::publisher::{Publisher, PublisherSetup};
use super::spawn::{Ended, Threads};
use super::summary::LatencyHistogram;
use super::{RunError, RunOptions, RunSummary};
use crate::broker::{PaperBroker, ReplyRecord, RequestRecord};
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
    let broker = PaperBroker::for_run(engine.instruments(), cfg).map_err(RunError::Setup)?;
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
    let reader_timeout = Duration::from_millis(cfg.gating.reader_timeout_ms);
    let mut gates = GateTable::new(opts.shm_dir.clone(), &cfg.core.name, reader_timeout);
    let gate_ids = initial_gates(&mut gates, &mut writer, first_seq);
    log_start(cfg, &region, &engine, feed.description(), &placement);
    let _hook = panic_hook::install(&region);
    region.owner().set_status(Status::Running);

    let counters = Counters::default();
    let cap = cfg.core.spsc_capacity;
    let (tick_tx, tick_rx) = spsc::channel::<Tick>(cap);
    let (req_tx, req_rx) = spsc::channel::<RequestRecord>(cap);
    let (rep_tx, rep_rx) = spsc::channel::<ReplyRecord>(cap);
    let (cmd_tx, cmd_rx) = spsc::channel::<Command>(RING_SLOTS);
    let (back_tx, back_rx) = spsc::channel::<Reply>(RING_SLOTS);
    let wait = cfg.core.wait;
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
            halt_after_ns: (cfg.gating.policy == GatingPolicy::HaltTrading)
                .then(|| cfg.gating.block_timeout_ms.saturating_mul(1_000_000)),
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
        lag_halt: false,
        resume_below: (cfg.core.event_ring_capacity as u64 * u64::from(cfg.gating.nearly_full_pct)
            / 200)
            .max(1),
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
        nearly_full_pct: cfg.gating.nearly_full_pct,
    });
    let threads = Threads {
        feed: feed_thread,
        engine: engine_thread,
        broker: broker_thread,
    };
    let ended = threads.run(&mut housekeeping, &opts.stop);
    let durable = ended.as_ref().ok().and_then(|e| {
        let timeout = Duration::from_millis(cfg.gating.shutdown_timeout_ms);
        housekeeping.await_durable(e.engine.last_seq, timeout)
    });
    region.owner().set_status(Status::Stopped);
    let ended = ended?;
    let mut summary = summarise(&region, first_seq, &ended, &housekeeping, &placement);
    summary.durable = durable;
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
    first_seq: u64,
) -> [Option<seamless_ipc::broadcast::GateId>; MAX_GATES] {
    let mut ids = [None; MAX_GATES];
    for action in gates.discover_initial(first_seq) {
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
        latency_total: LatencyHistogram(housekeeping.total_latency().clone()),
        durable: None,
    }
}
