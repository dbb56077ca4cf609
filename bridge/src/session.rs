//! [`Session`]: one client's stream of messages, whatever the transport (WebSocket or
//! SSE): the subscription's first messages, then the fan-out channel filtered to
//! the client's position, with resynchronisation when it falls behind.
//!
//! A session keeps `next`, the next event sequence its client needs: events below it
//! are skipped (the snapshot or the replay already covered them), so a client sees
//! strictly increasing sequences. When the channel reports that the session lagged
//! (more than `client_queue` messages behind), it drops its receiver, asks the hub for
//! a fresh subscription with a `resync` first, and carries on: memory stays bounded
//! however slow the client is.
//!
//! Progress: async; waits only for the channel.
//!
//! # Implementation
//!
//! 1. [`Session::open`] asks the hub for a subscription: its first messages (snapshot
//!    or replay), its next sequence, its receiver.
//! 2. [`Session::next`] hands out queued messages, then receives: events below `next`
//!    are skipped, resets move `next`, a lag resubscribes with a `resync`.
//! 3. [`Session::try_next`] does the same without waiting, so a transport can batch a
//!    backlog into one write.
//!    (Lag-then-resync over a bounded ring, as tokio's broadcast channel documents for
//!    slow receivers.)
//!
//! It must never hold more than the channel's capacity for a client, nor hand out an
//! event twice or out of order.

use std::collections::VecDeque;
use std::sync::Arc;

use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use crate::hub::{Hub, Resume, Resync};
use crate::message::{Out, Push};
use crate::metrics::Counters;

/// One client's message stream.
#[derive(Debug)]
pub struct Session {
    hub: Hub,
    queue: VecDeque<Out>,
    next: u64,
    rx: tokio::sync::broadcast::Receiver<Push>,
    /// Messages missed when the channel last reported a lag (resubscribe first).
    lagged: Option<u64>,
}

/// The transport a session's client counts under in `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// `GET /ws`.
    WebSocket,
    /// `GET /events`.
    Sse,
}

/// Counts a connected client while it lives.
#[derive(Debug)]
pub struct Connected {
    counters: Arc<Counters>,
    transport: Transport,
}

impl Connected {
    /// Counts one client of `transport`.
    pub fn new(counters: &Arc<Counters>, transport: Transport) -> Self {
        Counters::add(gauge(counters, transport), 1);
        Connected {
            counters: Arc::clone(counters),
            transport,
        }
    }
}

impl Drop for Connected {
    fn drop(&mut self) {
        Counters::dec(gauge(&self.counters, self.transport));
    }
}

fn gauge(c: &Counters, t: Transport) -> &std::sync::atomic::AtomicU64 {
    match t {
        Transport::WebSocket => &c.ws_clients,
        Transport::Sse => &c.sse_clients,
    }
}

impl Session {
    /// Subscribes at `resume`; `None` when the bridge is stopping.
    pub async fn open(hub: &Hub, resume: Resume) -> Option<Session> {
        let sub = hub.subscribe(resume).await?;
        Some(Session {
            hub: hub.clone(),
            queue: sub.first.into(),
            next: sub.next,
            rx: sub.rx,
            lagged: None,
        })
    }

    /// The next message for the client; `None` when the bridge stops.
    pub async fn next(&mut self) -> Option<Out> {
        loop {
            if let Some(out) = self.pop() {
                return Some(out);
            }
            if let Some(missed) = self.lagged.take() {
                self.resubscribe(missed).await?;
                continue;
            }
            match self.rx.recv().await {
                Ok(push) => self.take(push),
                Err(RecvError::Lagged(missed)) => self.lagged = Some(missed),
                Err(RecvError::Closed) => return None,
            }
        }
    }

    /// The next message if one is ready now (to batch a backlog into one write);
    /// `None` when the session would have to wait or resubscribe first.
    pub fn try_next(&mut self) -> Option<Out> {
        loop {
            if let Some(out) = self.pop() {
                return Some(out);
            }
            if self.lagged.is_some() {
                return None;
            }
            match self.rx.try_recv() {
                Ok(push) => self.take(push),
                Err(TryRecvError::Lagged(missed)) => {
                    self.lagged = Some(missed);
                    return None;
                }
                Err(TryRecvError::Empty | TryRecvError::Closed) => return None,
            }
        }
    }

    fn pop(&mut self) -> Option<Out> {
        let out = self.queue.pop_front()?;
        Counters::add(&self.hub.counters().messages_sent, 1);
        Some(out)
    }

    /// Queues what the client needs of `push`.
    fn take(&mut self, push: Push) {
        match push {
            Push::Event { seq, json } => {
                if seq >= self.next {
                    self.next = seq + 1;
                    self.queue.push_back(Out {
                        text: json,
                        id: Some(seq),
                    });
                }
            }
            Push::State(text) | Push::Waiting(text) => self.queue.push_back(Out { text, id: None }),
            Push::Reset {
                resync,
                snapshot,
                last_seq,
            } => {
                self.next = last_seq + 1;
                self.queue.push_back(Out {
                    text: resync,
                    id: None,
                });
                self.queue.push_back(Out {
                    text: snapshot,
                    id: Some(last_seq),
                });
            }
        }
    }

    /// Starts over after falling `missed` messages behind: a `resync` and a fresh
    /// subscription. `None` when the bridge is stopping.
    async fn resubscribe(&mut self, missed: u64) -> Option<()> {
        Counters::add(&self.hub.counters().client_resyncs, 1);
        let resume = Resume {
            resync: Some(Resync {
                reason: "lagged",
                missed: Some(missed),
            }),
            ..Resume::default()
        };
        let sub = self.hub.subscribe(resume).await?;
        self.queue = sub.first.into();
        self.next = sub.next;
        self.rx = sub.rx;
        Some(())
    }
}
