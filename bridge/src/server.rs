//! [`Bridge`]: a running bridge (the reader thread plus the HTTP server on its own
//! tokio runtime), as the CLI, the tests and the benchmark start it.
//!
//! The runtime has half the CPUs as workers unless configured (one on a 2-CPU
//! machine): the bridge must leave the core room to run.
//!
//! Progress: starting and joining block; the server runs on its own threads.
//!
//! # Example
//!
//! ```no_run
//! use seamless_bridge::{Bridge, Options};
//! let mut opts = Options::new("default");
//! opts.listen = "127.0.0.1:0".parse()?; // any free port
//! let bridge = Bridge::start(opts)?;
//! println!("dashboard at http://{}/", bridge.local_addr());
//! bridge.stop()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use axum::serve::ListenerExt;

use crate::access::Access;
use crate::error::BridgeError;
use crate::hub::{self, Hub};
use crate::options::Options;
use crate::routes::{self, App};

/// How often the server looks at the stop flag.
const STOP_POLL: Duration = Duration::from_millis(50);
/// How long open connections get to close once stopping.
const DRAIN: Duration = Duration::from_secs(2);

/// A running bridge.
#[derive(Debug)]
pub struct Bridge {
    addr: SocketAddr,
    hub: Hub,
    stop: Arc<AtomicBool>,
    server: JoinHandle<Result<(), BridgeError>>,
    reader: JoinHandle<()>,
}

impl Bridge {
    /// Binds `opts.listen`, starts the reader thread and the server, and returns at
    /// once (the core may start later: until then clients see `waiting`).
    ///
    /// # Errors
    ///
    /// [`BridgeError::TokenRequired`]/[`BridgeError::Invalid`] for bad options,
    /// [`BridgeError::Bind`] when the address cannot be bound,
    /// [`BridgeError::Runtime`] when threads cannot be started.
    pub fn start(opts: Options) -> Result<Bridge, BridgeError> {
        opts.check()?;
        let bind = |e| BridgeError::Bind {
            addr: opts.listen,
            source: e,
        };
        let listener = std::net::TcpListener::bind(opts.listen).map_err(bind)?;
        listener.set_nonblocking(true).map_err(bind)?;
        let addr = listener.local_addr().map_err(bind)?;
        let access = Arc::new(Access::new(addr, opts.token.clone(), &opts.allowed_origins));
        let workers = match opts.workers {
            0 => default_workers(std::thread::available_parallelism().map_or(2, |n| n.get())),
            n => n,
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_name("bridge-io")
            .enable_all()
            .build()
            .map_err(BridgeError::Runtime)?;
        let (hub, reader) = hub::spawn(opts)?;
        let stop = Arc::new(AtomicBool::new(false));
        let app = App {
            hub: hub.clone(),
            access,
        };
        let flag = Arc::clone(&stop);
        let server = std::thread::Builder::new()
            .name("bridge-server".into())
            .spawn(move || {
                let result = runtime.block_on(serve(listener, app, flag));
                runtime.shutdown_timeout(Duration::from_secs(1));
                result
            });
        let server = match server {
            Ok(server) => server,
            Err(e) => {
                hub.stop();
                let _ = reader.join();
                return Err(BridgeError::Runtime(e));
            }
        };
        Ok(Bridge {
            addr,
            hub,
            stop,
            server,
            reader,
        })
    }

    /// The address the bridge listens on (with the real port when 0 was asked).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The reader thread's handle (status, counters).
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// The stop flag: setting it stops the bridge (the CLI registers it for SIGINT
    /// and SIGTERM with `signal_hook::flag::register`).
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.stop)
    }

    /// Stops the bridge and waits for its threads.
    ///
    /// # Errors
    ///
    /// As [`join`](Self::join).
    pub fn stop(self) -> Result<(), BridgeError> {
        // Relaxed: the flag publishes nothing but itself; the server polls it.
        self.stop.store(true, Ordering::Relaxed);
        self.join()
    }

    /// Waits until the bridge stops (its stop flag set) and for its threads.
    ///
    /// # Errors
    ///
    /// [`BridgeError::Runtime`] when the server failed.
    pub fn join(self) -> Result<(), BridgeError> {
        let result = self.server.join().unwrap_or_else(|_| {
            Err(BridgeError::Runtime(std::io::Error::other(
                "server thread panicked",
            )))
        });
        self.hub.stop();
        let _ = self.reader.join();
        result
    }
}

/// Worker threads for `cpus` CPUs when none are configured: half of them (at least
/// one, at most 4), so the bridge leaves the other half to the core it must never
/// slow. On 2 CPUs that is one worker, which also fans out for less: with 100
/// clients, one worker spent about 0.75 ms of CPU per critical event against about
/// 1.05 ms for two (`seamless bench bridge`; the second worker's stealing and
/// cross-thread wake-ups cost more than it parallelises when the clients need the
/// other CPU).
fn default_workers(cpus: usize) -> usize {
    (cpus / 2).clamp(1, 4)
}

/// Serves until `stop` is set, then gives open connections [`DRAIN`] to close.
async fn serve(
    listener: std::net::TcpListener,
    app: App,
    stop: Arc<AtomicBool>,
) -> Result<(), BridgeError> {
    let listener = tokio::net::TcpListener::from_std(listener)
        .map_err(BridgeError::Runtime)?
        // Small messages go out at once: no Nagle delay behind an unacknowledged one.
        .tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
    let hub = app.hub.clone();
    let stopped = async move {
        // Relaxed: see `Bridge::stop`.
        while !stop.load(Ordering::Relaxed) && !hub.is_stopping() {
            tokio::time::sleep(STOP_POLL).await;
        }
        // Ends the reader thread, which closes the fan-out channel: every session
        // ends and its connection closes.
        hub.stop();
    };
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, routes::router(app)).with_graceful_shutdown(async move {
        stopped.await;
        let _ = tx.send(());
    });
    let drained = async move {
        let _ = rx.await;
        tokio::time::sleep(DRAIN).await;
    };
    tokio::select! {
        result = server => result.map_err(BridgeError::Runtime),
        () = drained => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::default_workers;

    #[test]
    fn default_workers_take_half_the_cpus_within_one_to_four() {
        assert_eq!(default_workers(1), 1);
        assert_eq!(default_workers(2), 1);
        assert_eq!(default_workers(4), 2);
        assert_eq!(default_workers(64), 4);
    }
}
