//! The hub: one blocking reader thread that follows the core's region and fans out to
//! every client session, and the [`Hub`] handle the async side uses to subscribe.
//!
//! The reader thread ([`feeder`]) is the only code that touches the region. It is a
//! **non-gating** reader (slot `bridge-PID`): the core never waits for it. It reads the
//! event ring with relaxed loads, turns each event into its JSON once, applies the
//! push policy ([`crate::push`]) and sends the result into one bounded
//! `tokio::sync::broadcast` channel of capacity `client_queue`. Every session holds a
//! receiver: a session that falls more than `client_queue` messages behind gets
//! `Lagged` and is resynchronised from a snapshot, so a slow client costs a fixed
//! amount of memory however long it stalls (the channel overwrites, never grows).
//!
//! Subscribing goes through the reader thread ([`Hub::subscribe`]): it creates the
//! receiver and takes the snapshot (or reads the replay from the ring) at one point
//! of its own stream, so a client gets exactly the events after its snapshot (or
//! after its `from`), none twice, none missing.
//!
//! Progress: the reader thread is blocking (when idle it spins and yields through
//! [`seamless_ipc::wait::Waiter`], then polls every 0.1 ms, its timer slack cut to
//! 1 ns so the polls keep time); the handle's calls are async and never block a
//! runtime worker.
//!
//! # Example
//!
//! ```no_run
//! use seamless_bridge::{Options, hub::{self, Resume}};
//! let (hub, thread) = hub::spawn(Options::new("default"))?;
//! let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! rt.block_on(async {
//!     let sub = hub.subscribe(Resume::default()).await.expect("bridge running");
//!     println!("first message: {}", sub.first[0].text);
//! });
//! hub.stop();
//! thread.join().ok();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Implementation
//!
//! 1. Attach (`attach.rs`), register the reader slot, read a snapshot; the stream
//!    continues at its `last_seq + 1`; broadcast a reset (`attached`/`restart`).
//! 2. Loop: answer subscription requests; read up to a batch of events; at each
//!    throttle tick flush conflated events and push the state when it changed (at
//!    least once a second); check for a replaced region every 200 ms.
//! 3. When the core laps the bridge, drop the conflated events and reset every
//!    client from a fresh snapshot.
//!    (One producer thread feeding a bounded broadcast with lag detection: tokio's
//!    broadcast channel, after the LMAX Disruptor's single-writer principle.)
//!
//! It must never write to the core's region, gate the core, or let a client's speed
//! change what other clients receive.

mod attach;
pub mod feeder;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;

use tokio::sync::{broadcast, oneshot, watch};

use crate::error::BridgeError;
use crate::message::{Out, Push};
use crate::metrics::Counters;
use crate::options::Options;
use crate::status::Status;

/// Where a new subscription starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resume {
    /// The first event sequence wanted (`?from=`, or SSE `Last-Event-ID + 1`); `None`
    /// for a snapshot.
    pub from: Option<u64>,
    /// The core run `from` refers to (`?instance=`); another run means a snapshot.
    pub instance: Option<u64>,
    /// Why the session resubscribes (`lagged`), sent first as a `resync`.
    pub resync: Option<Resync>,
}

/// A resynchronisation a session asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resync {
    /// The reason in the `resync` message.
    pub reason: &'static str,
    /// Messages missed, when known.
    pub missed: Option<u64>,
}

/// A new session's start: messages to send first, the next event sequence it
/// expects, and its receiver of everything after.
#[derive(Debug)]
pub struct Subscription {
    /// Messages to send before anything from `rx`, in order.
    pub first: Vec<Out>,
    /// The next event sequence the client needs (smaller ones from `rx` are skipped).
    pub next: u64,
    /// The fan-out receiver.
    pub rx: broadcast::Receiver<Push>,
}

/// A subscription request to the reader thread.
#[derive(Debug)]
pub(crate) struct Request {
    pub resume: Resume,
    pub reply: oneshot::Sender<Subscription>,
}

/// The async side's handle on the reader thread: subscribe, read the latest status.
#[derive(Debug, Clone)]
pub struct Hub {
    requests: mpsc::Sender<Request>,
    status: watch::Receiver<Arc<Status>>,
    counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
}

impl Hub {
    /// Subscribes a new client (see [`Resume`]). `None` once the bridge is stopping.
    pub async fn subscribe(&self, resume: Resume) -> Option<Subscription> {
        let (reply, answer) = oneshot::channel();
        self.requests.send(Request { resume, reply }).ok()?;
        answer.await.ok()
    }

    /// The latest status (the last snapshot read, or why there is none).
    pub fn status(&self) -> Arc<Status> {
        Arc::clone(&self.status.borrow())
    }

    /// The shared counters.
    pub fn counters(&self) -> &Arc<Counters> {
        &self.counters
    }

    /// Asks the reader thread to stop; the broadcast channel then closes and every
    /// session ends.
    pub fn stop(&self) {
        // Relaxed: the flag publishes nothing but itself; the thread polls it.
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Whether a stop was requested.
    pub fn is_stopping(&self) -> bool {
        // Relaxed: see `stop`.
        self.stop.load(Ordering::Relaxed)
    }
}

/// Starts the reader thread for `opts` and returns its handle.
///
/// # Errors
///
/// [`BridgeError::Runtime`] if the thread cannot be spawned.
pub fn spawn(opts: Options) -> Result<(Hub, JoinHandle<()>), BridgeError> {
    let (tx, _) = broadcast::channel(opts.client_queue.max(1));
    let (requests, inbox) = mpsc::channel();
    let (status_tx, status) = watch::channel(Arc::new(Status::Waiting(
        "the bridge is starting".to_owned(),
    )));
    let counters = Arc::new(Counters::default());
    let stop = Arc::new(AtomicBool::new(false));
    let feeder = feeder::Feeder::new(
        opts,
        tx,
        status_tx,
        inbox,
        Arc::clone(&counters),
        Arc::clone(&stop),
    );
    let thread = std::thread::Builder::new()
        .name("bridge-reader".into())
        .spawn(move || feeder.run())
        .map_err(BridgeError::Runtime)?;
    let hub = Hub {
        requests,
        status,
        counters,
        stop,
    };
    Ok((hub, thread))
}
