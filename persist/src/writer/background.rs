//! [`Syncer`]: the log writer's background `fdatasync`, so that under
//! `fsync = interval` the persister keeps draining the core's ring into the page cache
//! while the disk flushes. On this VM's virtio disk one `fdatasync` of 10 ms of events
//! now and then takes over 100 ms; done inline it stopped the persister that long and
//! the core hit the gate (`bench persist`: 2 gating stalls in some runs).
//!
//! One worker thread, started on first use, takes jobs (a duplicate of the current
//! segment's descriptor and what it covers) and answers each with the result; at most
//! one job is in flight ([`LogWriter`](super::LogWriter) waits for it before any other
//! sync and before a roll, so a segment is never closed with a sync outstanding).
//!
//! Progress: [`Syncer::start`] and [`Syncer::poll`] never block; [`Syncer::wait`]
//! blocks until the job in flight is done.
//!
//! It must never report a job done before its `fdatasync` returned, nor lose a failure
//! (Linux reports a writeback error once per open file description, and a duplicated
//! descriptor shares it: the job's result is the only report there will be).

use std::fmt;
use std::fs::File;
use std::io;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::thread::{self, JoinHandle};

/// What a background sync covers: the segment, its length and the next sequence
/// number when the job started.
#[derive(Debug, Clone)]
pub(super) struct Ticket {
    /// The segment's first sequence number (its identity).
    pub(super) segment: u64,
    /// Bytes of the segment written when the job started.
    pub(super) len: u64,
    /// The sequence number after the last record written when the job started.
    pub(super) next: u64,
    /// The segment's path, for the error message.
    pub(super) path: PathBuf,
}

/// A finished job: its ticket and the `fdatasync` result.
pub(super) type Done = (Ticket, io::Result<()>);

/// The worker thread and the job in flight.
pub(super) struct Syncer {
    jobs: Option<Sender<(File, Ticket)>>,
    done: Receiver<Done>,
    /// The job in flight.
    in_flight: Option<Ticket>,
    thread: Option<JoinHandle<()>>,
}

impl Syncer {
    /// Starts the worker thread.
    ///
    /// # Errors
    ///
    /// The thread could not be spawned.
    pub(super) fn spawn() -> io::Result<Syncer> {
        let (jobs, rx) = mpsc::channel::<(File, Ticket)>();
        let (tx, done) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("seamless-fsync".into())
            .spawn(move || {
                for (file, ticket) in rx {
                    let result = file.sync_data();
                    if tx.send((ticket, result)).is_err() {
                        return; // the writer is gone
                    }
                }
            })?;
        Ok(Syncer {
            jobs: Some(jobs),
            done,
            in_flight: None,
            thread: Some(thread),
        })
    }

    /// Whether a job is in flight.
    pub(super) fn in_flight(&self) -> bool {
        self.in_flight.is_some()
    }

    /// Hands `file` (a duplicate of the segment's descriptor) to the worker; `false`
    /// when a job is already in flight or the worker is gone (it panicked): the caller
    /// syncs inline instead.
    pub(super) fn start(&mut self, file: File, ticket: Ticket) -> bool {
        if self.in_flight.is_some() {
            return false;
        }
        let sent = self
            .jobs
            .as_ref()
            .is_some_and(|jobs| jobs.send((file, ticket.clone())).is_ok());
        if sent {
            self.in_flight = Some(ticket);
        }
        sent
    }

    /// The finished job, if the one in flight is done.
    pub(super) fn poll(&mut self) -> Option<Done> {
        self.in_flight.as_ref()?;
        match self.done.try_recv() {
            Ok(done) => {
                self.in_flight = None;
                Some(done)
            }
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => self.lost(),
        }
    }

    /// Waits for the job in flight, if any.
    pub(super) fn wait(&mut self) -> Option<Done> {
        self.in_flight.as_ref()?;
        match self.done.recv() {
            Ok(done) => {
                self.in_flight = None;
                Some(done)
            }
            Err(mpsc::RecvError) => self.lost(),
        }
    }

    /// The worker died with a job in flight: its result is unknown, so it counts as a
    /// failure (everything it covered is written again and synced inline).
    fn lost(&mut self) -> Option<Done> {
        self.jobs = None;
        let ticket = self.in_flight.take()?;
        Some((
            ticket,
            Err(io::Error::other("the background fsync thread died")),
        ))
    }
}

impl Drop for Syncer {
    fn drop(&mut self) {
        // Closing the job channel ends the worker after the job in flight.
        self.jobs = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl fmt::Debug for Syncer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Syncer")
            .field("in_flight", &self.in_flight.as_ref().map(|t| t.next))
            .finish_non_exhaustive()
    }
}
