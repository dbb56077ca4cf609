//! The persister process: follows an instance's event ring as its gating reader and
//! appends every event to the log in a data directory, makes it durable per the fsync
//! policy, folds it into its own [`State`](seamless_core::domain::State) for snapshots, and publishes its cursors in
//! its reader slot (`seamless-NAME.reader-persist`).
//!
//! Progress: blocking (a process of its own); it never slows the core except through
//! the gate, which is the point: the core never overwrites an event not yet written.
//!
//! # Example
//!
//! ```no_run
//! use seamless_persist::persister::{self, PersisterOptions};
//! let opts = PersisterOptions::new("default", "data".into());
//! let summary = persister::run(&opts)?;
//! println!("{summary}");
//! # Ok::<(), seamless_persist::persister::PersisterError>(())
//! ```
//!
//! # Implementation
//!
//! 1. Open the log ([`LogWriter::open`]: it cuts a torn tail and refuses a corrupt
//!    middle), fold it ([`restore`]) and check both end at the same sequence `next - 1`.
//! 2. Take over the reader slot `persist` ([`ReaderSlot::open_or_take_over`]): gating,
//!    cursor and durable cursor `next`, following nothing (0). A core that starts now
//!    registers the slot as a gate before its first event.
//! 3. Attach to the instance (waiting for it with `wait`) and check that its ring
//!    continues the log: its first sequence is at most `next` and `next` is still in
//!    the ring. Otherwise refuse with the gap or the overlap named: a core that did not
//!    restore from this data directory.
//! 4. Follow (see [`follow`](self)): batches of events -> [`LogWriter::append`] and the
//!    fold; after each batch one durability step ([`Durability`]), then the cursors;
//!    snapshots when due (after an fdatasync, then [`retain`](crate::retain)); heartbeat. A write
//!    error (a full disk) stops reading, keeps the batch, reports, and retries: the
//!    cursors stand still, so the core applies its back-pressure policy, and nothing
//!    reported durable is lost.
//! 5. When the core dies or stops: read what is left, fdatasync, set `following` to
//!    0 (the hand-off a restarting core waits for: [`handoff`]), and wait for the next
//!    run (or return, with `exit_with_core`).
//! 6. On a stop request: the same, then return the summary.
//!
//! It must never append an event twice, skip one, or advance a cursor past what the
//! log holds.

pub mod bench;
mod durability;
mod follow;
pub mod handoff;
mod snapshots;

use std::fmt;
use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

use seamless_config::{Config, PersistConfig};
use seamless_core::runtime::StopFlag;
use seamless_core::shared::snapshot::PERSIST_ROLE;
use seamless_core::shared::{SharedAttachError, SharedReader};
use seamless_ipc::reader_slot::{ReaderSlot, SlotCreateError};
use seamless_ipc::region::AttachError;
use tracing::{info, warn};

pub use durability::{Cursors, Durability};
pub use snapshots::SnapshotSchedule;

use crate::{LogMeta, LogWriter, PersistError, RestoreOptions, restore};

/// The reader kind code the persister writes into its slot.
pub use seamless_core::shared::observer::PERSIST_KIND;

/// Pause between attach attempts while waiting for a core.
const ATTACH_RETRY: Duration = Duration::from_millis(20);

/// How to run the persister.
#[derive(Debug, Clone)]
pub struct PersisterOptions {
    /// The instance to follow.
    pub name: String,
    /// Directory of the shared-memory files (`None`: `SEAMLESS_SHM_DIR`, else /dev/shm).
    pub shm_dir: Option<PathBuf>,
    /// The data directory (created if missing).
    pub data_dir: PathBuf,
    /// fsync policy, segment size, snapshots, retention.
    pub persist: PersistConfig,
    /// Wait for the instance to appear instead of failing when no core runs it.
    pub wait: bool,
    /// Return once the followed core has stopped and its events are durable, instead
    /// of waiting for its next run.
    pub exit_with_core: bool,
    /// Heartbeat age after which the core counts as hung (reported, not acted on).
    pub core_stale: Duration,
    /// Set it to stop (the binary's signal handlers do).
    pub stop: StopFlag,
}

impl PersisterOptions {
    /// Options from the built-in defaults.
    pub fn new(name: &str, data_dir: PathBuf) -> Self {
        PersisterOptions::from_config(&Config::default(), name, data_dir)
    }

    /// Options from a configuration.
    pub fn from_config(cfg: &Config, name: &str, data_dir: PathBuf) -> Self {
        PersisterOptions {
            name: name.to_owned(),
            shm_dir: None,
            data_dir,
            persist: cfg.persist.clone(),
            wait: false,
            exit_with_core: false,
            core_stale: Duration::from_millis(cfg.monitor.stale_ms),
            stop: StopFlag::new(),
        }
    }
}

/// What a persister run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersistSummary {
    /// Events appended by this process.
    pub events: u64,
    /// Core runs followed.
    pub runs: u64,
    /// Snapshots written.
    pub snapshots: u64,
    /// fdatasync calls.
    pub syncs: u64,
    /// The next sequence not yet durable at the end.
    pub durable_cursor: u64,
    /// Write errors met (each retried until it succeeded).
    pub write_errors: u64,
}

impl fmt::Display for PersistSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} events appended over {} run(s), durable up to seq {}, {} fdatasync, {} \
             snapshots",
            self.events,
            self.runs,
            self.durable_cursor.saturating_sub(1),
            self.syncs,
            self.snapshots
        )?;
        if self.write_errors > 0 {
            write!(f, ", {} write errors retried", self.write_errors)?;
        }
        Ok(())
    }
}

/// Why the persister stopped with an error.
#[derive(Debug)]
pub enum PersisterError {
    /// The data directory cannot be opened, read or written.
    Persist(PersistError),
    /// The log and its fold disagree on where the log ends.
    Inconsistent {
        /// The log's next sequence.
        log_next: u64,
        /// The fold's.
        fold_next: u64,
    },
    /// The reader slot could not be created or taken over.
    Slot(Box<SlotCreateError>),
    /// No core runs the instance (and `wait` was not given).
    NoInstance {
        /// The instance name.
        name: String,
    },
    /// The region cannot be attached (layout, permissions...).
    Attach(String),
    /// The run does not continue the log: events the log needs are not in its ring.
    Gap {
        /// The next sequence the log needs.
        needed: u64,
        /// The oldest sequence the run still has.
        oldest: u64,
    },
    /// The run starts before the log ends: its core did not restore from this data
    /// directory.
    Overlap {
        /// The next sequence the log needs.
        needed: u64,
        /// The run's first sequence.
        first: u64,
    },
}

impl fmt::Display for PersisterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PersisterError::Persist(e) => write!(f, "{e}"),
            PersisterError::Inconsistent {
                log_next,
                fold_next,
            } => write!(
                f,
                "the log ends at seq {} but its snapshots and records fold to seq {}: run \
                 `seamless log verify`",
                log_next.saturating_sub(1),
                fold_next.saturating_sub(1)
            ),
            PersisterError::Slot(e) => write!(f, "reader slot: {e}"),
            PersisterError::NoInstance { name } => write!(
                f,
                "no running instance {name}; start one with `seamless core --name {name}`, \
                 or pass --wait"
            ),
            PersisterError::Attach(e) => write!(f, "{e}"),
            PersisterError::Gap { needed, oldest } => write!(
                f,
                "the log needs seq {needed} next but the core's ring starts at seq {oldest}: \
                 events {needed}..{} were never persisted (the core ran without this \
                 persister, or restored from another data directory)",
                oldest - 1
            ),
            PersisterError::Overlap { needed, first } => write!(
                f,
                "the core's run starts at seq {first} but the log already holds up to seq {}: \
                 that core did not restore from this data directory (start it with \
                 --data-dir pointing here)",
                needed - 1
            ),
        }
    }
}

impl std::error::Error for PersisterError {}

impl From<PersistError> for PersisterError {
    fn from(e: PersistError) -> Self {
        PersisterError::Persist(e)
    }
}

/// Runs the persister until stopped (or, with `exit_with_core`, until its core ends).
///
/// # Errors
///
/// [`PersisterError`]: a data directory that cannot be used, a log that does not
/// continue the core's run, no instance (without `wait`), an attach error. Write
/// errors while running are not errors: they are reported and retried.
pub fn run(opts: &PersisterOptions) -> Result<PersistSummary, PersisterError> {
    let segment_bytes = opts.persist.segment_bytes;
    let (log, report) = LogWriter::open(&opts.data_dir, segment_bytes, LogMeta::default())?;
    info!("{report}");
    let restored = restore(&opts.data_dir, RestoreOptions { repair: false })?;
    let state = restored.state;
    let fold_next = state.last_seq() + 1;
    let next = log.next_seq().unwrap_or(fold_next);
    if next != fold_next {
        return Err(PersisterError::Inconsistent {
            log_next: next,
            fold_next,
        });
    }
    let slot = ReaderSlot::open_or_take_over(
        opts.shm_dir.as_deref(),
        &opts.name,
        PERSIST_ROLE,
        PERSIST_KIND,
    )
    .map_err(|e| PersisterError::Slot(Box::new(e)))?;
    slot.set_following(0);
    slot.set_cursor(next);
    slot.set_durable_cursor(next);
    slot.set_gating(true);
    slot.heartbeat();
    info!(
        "persister for {}: log continues at seq {next}, fsync {}",
        opts.name, opts.persist.fsync
    );
    let mut p = follow::Persister::new(opts, log, state, slot, next);
    let mut summary = PersistSummary::default();
    let mut wait = opts.wait;
    while !opts.stop.is_set() {
        let Some(reader) = attach(opts, wait, &p)? else {
            break;
        };
        wait = true; // after the first run, always wait for the next
        summary.runs += 1;
        let followed = p.follow(&reader)?;
        if followed == follow::Followed::Ended && opts.exit_with_core {
            break;
        }
    }
    p.finish(&mut summary);
    Ok(summary)
}

/// Attaches to a run of the instance that the persister has not finished yet;
/// `None` on a stop request.
fn attach(
    opts: &PersisterOptions,
    wait: bool,
    p: &follow::Persister<'_>,
) -> Result<Option<SharedReader>, PersisterError> {
    let dir = opts.shm_dir.as_deref();
    let mut said = false;
    let mut unusable: Option<String> = None;
    loop {
        if opts.stop.is_set() {
            return Ok(None);
        }
        p.beat();
        match SharedReader::attach(dir, &opts.name) {
            Ok(reader) if !p.is_done_with(reader.instance_id()) => return Ok(Some(reader)),
            Ok(_) => {}
            Err(SharedAttachError::Starting)
            | Err(SharedAttachError::Region(AttachError::StillInitialising { .. })) => {}
            Err(SharedAttachError::Region(AttachError::NotFound { .. })) if wait => {}
            Err(SharedAttachError::Region(AttachError::NotFound { .. })) => {
                return Err(PersisterError::NoInstance {
                    name: opts.name.clone(),
                });
            }
            // A region of another build is a configuration problem: say so and stop.
            Err(
                e @ SharedAttachError::Region(
                    AttachError::LayoutVersion { .. }
                    | AttachError::LayoutHash { .. }
                    | AttachError::UnsupportedFormat { .. }
                    | AttachError::WrongMagic { .. }
                    | AttachError::InvalidName(_),
                ),
            ) => return Err(PersisterError::Attach(e.to_string())),
            // Anything else while waiting (a core killed during its start-up leaves an
            // empty or unfinished region; a permission problem may be fixed) is worth
            // waiting out: the next core replaces that region.
            Err(e) if wait => {
                let msg = e.to_string();
                if unusable.as_deref() != Some(msg.as_str()) {
                    warn!("not attaching yet: {msg}; waiting for the next run");
                    unusable = Some(msg);
                }
            }
            Err(e) => return Err(PersisterError::Attach(e.to_string())),
        }
        if !said {
            info!("waiting for a run of instance {}", opts.name);
            said = true;
        }
        thread::sleep(ATTACH_RETRY);
    }
}

/// Says once per `every` what `what` returns, for errors that repeat while retried.
#[derive(Debug)]
struct Throttled {
    every: Duration,
    last: Option<Instant>,
}

impl Throttled {
    fn new(every: Duration) -> Self {
        Throttled { every, last: None }
    }

    fn warn(&mut self, msg: impl FnOnce() -> String) {
        let now = Instant::now();
        if self
            .last
            .is_none_or(|t| now.saturating_duration_since(t) >= self.every)
        {
            warn!("{}", msg());
            self.last = Some(now);
        }
    }
}
