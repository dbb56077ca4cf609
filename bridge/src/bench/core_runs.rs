//! The core's own tick-to-publish latency (its merged histogram,
//! [`RunSummary::latency_total`]) for one paced synthetic run, with or without a
//! bridge attached and `clients` WebSocket clients reading everything it pushes.
//!
//! Progress: blocking; the core runs on this thread (its hot threads pinned as the
//! options say), the bridge and the clients on their own threads.
//!
//! [`RunSummary::latency_total`]: seamless_core::runtime::RunSummary::latency_total

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use seamless_config::{Config, Cores};
use seamless_core::runtime::{self, RunOptions};

use super::client::Client;
use super::scratch::Scratch;
use super::{Options, bridge_options};
use crate::Bridge;

/// The engine's tick-to-publish samples (ns, one per tick) of one run.
///
/// # Errors
///
/// Set-up failures or a failed core run.
pub fn run(opts: &Options, clients: Option<usize>) -> io::Result<Vec<u64>> {
    let scratch = Scratch::create("core")?;
    let mut cfg = Config::default();
    cfg.core.name = scratch.name().to_owned();
    cfg.feed.synthetic.ticks = opts.core_ticks;
    cfg.feed.synthetic.rate_per_sec = opts.ticks_per_sec;
    cfg.feed.exit_after_feed = true;
    cfg.core.cores = opts.cores.unwrap_or_else(default_cores);
    let attached = match clients {
        Some(n) => {
            let bridge_opts = bridge_options(&scratch);
            let pin = opts.pin_bridge.clone();
            // Started from a thread of their own so they inherit its (pinned) affinity.
            let starter = std::thread::spawn(move || {
                if let Some(pin) = pin {
                    (pin.0)();
                }
                let bridge = Bridge::start(bridge_opts).map_err(io::Error::other)?;
                let addr = bridge.local_addr();
                let readers = std::thread::spawn(move || read_all(addr, n));
                Ok::<_, io::Error>((bridge, readers))
            });
            let started = starter
                .join()
                .map_err(|_| io::Error::other("bridge starter panicked"))?;
            Some(started?)
        }
        None => None,
    };
    let run_opts = RunOptions {
        shm_dir: Some(scratch.dir().to_owned()),
        ..RunOptions::default()
    };
    let summary = runtime::run(&cfg, run_opts);
    if let Some((bridge, readers)) = attached {
        bridge.stop().map_err(io::Error::other)?;
        let _ = readers.join();
    }
    let summary = summary.map_err(|e| io::Error::other(format!("core run: {e}")))?;
    let mut samples = Vec::with_capacity(opts.core_ticks as usize);
    for v in summary.latency_total.0.iter_recorded() {
        let n = v.count_at_value();
        samples.extend(std::iter::repeat_n(v.value_iterated_to(), n as usize));
    }
    Ok(samples)
}

/// The engine alone on core 1 and the broker on core 0 when there are two cores (the
/// default of `seamless bench tick-to-event`); unpinned otherwise.
fn default_cores() -> Cores {
    let two = std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2);
    match two {
        true => "engine=1,broker=0".parse().unwrap_or_default(),
        false => Cores::default(),
    }
}

/// `n` clients reading everything until the bridge closes them.
fn read_all(addr: SocketAddr, n: usize) {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    rt.block_on(async {
        let mut tasks = Vec::with_capacity(n);
        for _ in 0..n {
            tasks.push(async {
                let mut c = Client::connect(addr).await?;
                while tokio::time::timeout(Duration::from_secs(30), c.next_text())
                    .await
                    .is_ok_and(|r| r.is_ok_and(|t| t.is_some()))
                {}
                Ok::<(), io::Error>(())
            });
        }
        futures_util::future::join_all(tasks).await;
    });
}
