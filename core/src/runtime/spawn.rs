//! Starting the hot threads in a scope, running housekeeping until the engine ends,
//! and joining them (a panic becomes [`RunError::Panicked`]).

use std::any::Any;
use std::thread::{self, ScopedJoinHandle};
use std::time::Instant;

use super::broker_thread::{BrokerOutcome, BrokerThread};
use super::engine_thread::{EngineOutcome, EngineThread};
use super::feed_thread::{FeedOutcome, FeedThread};
use super::housekeeping::Housekeeping;
use super::latency;
use super::{RunError, StopFlag};
use crate::domain::Reason;

/// The three hot threads, ready to start.
pub(crate) struct Threads<'r> {
    pub(crate) feed: FeedThread<'r>,
    pub(crate) engine: EngineThread<'r>,
    pub(crate) broker: BrokerThread<'r>,
}

/// What the threads reported.
pub(crate) struct Ended {
    pub(crate) feed: FeedOutcome,
    pub(crate) engine: EngineOutcome,
    pub(crate) broker: BrokerOutcome,
}

impl<'r> Threads<'r> {
    /// Starts the threads, runs housekeeping until the engine ends, joins them.
    pub(crate) fn run(
        self,
        housekeeping: &mut Housekeeping<'r>,
        stop: &StopFlag,
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

fn abandon(stop: &StopFlag, e: RunError) -> RunError {
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
