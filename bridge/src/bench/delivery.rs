//! One publication-to-client run: a fresh region, a bridge on loopback, `n` WebSocket
//! clients on one client thread, the paced publisher; each client records, for every
//! `trade_executed`, the time from the publisher's stamp to the moment it has read
//! the whole message.
//!
//! Progress: blocking; the clients are async tasks on their own current-thread
//! runtime (like `n` tabs of one browser process: the last of them pays for reading
//! the others' copies first).

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use seamless_core::runtime::stamp_ns;

use super::client::{self, Client};
use super::publisher::{Plan, Ready, Region};
use super::scratch::Scratch;
use super::{DEADLINE, Options, bridge_options};
use crate::Bridge;
use crate::status::Status;

/// A client that hears nothing for this long gives up (the run is over or broken).
const IDLE: Duration = Duration::from_secs(10);

/// What one run measured.
#[derive(Debug)]
pub struct Delivery {
    /// Publication-to-arrival of every critical event at every client, ns.
    pub samples: Vec<u64>,
    /// Critical events each client should have received.
    pub expected_per_client: u64,
    /// Clients whose critical events were not all there, in order.
    pub incomplete: usize,
}

/// Runs the scenario with `clients` clients and `critical` critical events.
///
/// # Errors
///
/// Set-up failures, a bridge that never attaches, clients that never connect.
pub fn run(opts: &Options, clients: usize, critical: u64) -> io::Result<Delivery> {
    let scratch = Scratch::create("delivery")?;
    let mut region = Region::create(&scratch)?;
    let total = 16 + critical * (opts.routine_per_critical + 1);
    let stamps: Vec<AtomicU64> = (0..total).map(|_| AtomicU64::new(0)).collect();
    let plan = Plan {
        critical,
        period: Duration::from_secs_f64(1.0 / opts.critical_per_sec.max(1) as f64),
        routine_per_critical: opts.routine_per_critical,
        ready: Ready::default(),
    };
    let bridge = Bridge::start(bridge_options(&scratch)).map_err(io::Error::other)?;
    let addr = bridge.local_addr();
    let connected = AtomicUsize::new(0);
    let result = std::thread::scope(|s| {
        let publisher = s.spawn(|| region.publish(&plan, &stamps));
        wait("the bridge to attach", || {
            matches!(*bridge.hub().status(), Status::Attached(_))
        })?;
        let readers = s.spawn(|| clients_thread(addr, clients, &stamps, &connected));
        let all = || connected.load(Ordering::Relaxed) >= clients;
        let ok = wait("the clients to connect", || all() || readers.is_finished());
        plan.ready.set();
        ok?;
        let last = publisher
            .join()
            .map_err(|_| io::Error::other("publisher panicked"))??;
        let per_client = readers
            .join()
            .map_err(|_| io::Error::other("client thread panicked"))??;
        Ok::<_, io::Error>((last, per_client))
    });
    let stopped = bridge.stop().map_err(io::Error::other);
    let (_last, per_client) = result?;
    stopped?;
    let incomplete = per_client
        .iter()
        .filter(|c| c.len() as u64 != critical)
        .count();
    Ok(Delivery {
        samples: per_client.into_iter().flatten().collect(),
        expected_per_client: critical,
        incomplete,
    })
}

/// Polls `cond` every millisecond up to [`DEADLINE`].
fn wait(what: &str, mut cond: impl FnMut() -> bool) -> io::Result<()> {
    let start = Instant::now();
    while !cond() {
        if start.elapsed() > DEADLINE {
            return Err(io::Error::other(format!(
                "bench bridge: timed out waiting for {what}"
            )));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    Ok(())
}

/// The clients on a current-thread runtime: each one's samples.
fn clients_thread(
    addr: SocketAddr,
    n: usize,
    stamps: &[AtomicU64],
    connected: &AtomicUsize,
) -> io::Result<Vec<Vec<u64>>> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let mut tasks = Vec::with_capacity(n);
        for _ in 0..n {
            let c = Client::connect(addr).await?;
            tasks.push(one_client(c, stamps, connected));
        }
        let results = futures_util::future::join_all(tasks).await;
        results.into_iter().collect()
    })
}

/// Waits for the snapshot, counts itself connected, then records until
/// `runner_stopped`.
async fn one_client(
    mut c: Client,
    stamps: &[AtomicU64],
    connected: &AtomicUsize,
) -> io::Result<Vec<u64>> {
    loop {
        match c.next_text().await? {
            Some(text) if client::is_kind_type(text, "snapshot") => break,
            Some(_) => {}
            None => return Err(io::Error::other("bench client: closed before a snapshot")),
        }
    }
    // Relaxed: a counter the main thread polls; it publishes nothing else.
    connected.fetch_add(1, Ordering::Relaxed);
    let mut samples = Vec::with_capacity(4096);
    let mut last = 0;
    loop {
        let text = match tokio::time::timeout(IDLE, c.next_text()).await {
            Ok(Ok(Some(text))) => text,
            _ => break,
        };
        let now = stamp_ns();
        let Some(seq) = client::event_seq(text) else {
            continue;
        };
        let kind = client::event_kind(text);
        if kind == Some(&b"trade_executed"[..]) && seq > last {
            last = seq;
            // Relaxed: ordered before the event's publication (see the publisher).
            let at = stamps
                .get(seq as usize)
                .map_or(0, |s| s.load(Ordering::Relaxed));
            if at > 0 {
                samples.push(now.saturating_sub(at));
            }
        } else if kind == Some(&b"runner_stopped"[..]) {
            break;
        }
    }
    Ok(samples)
}
