//! Gating readers as the housekeeping thread tracks them: discovery of reader slots,
//! and the add/remove actions for the event ring's gate table.
//!
//! A reader gates the core while its slot says `gating` and it is alive. The
//! persister's slot (role `persist`) stays gated after its reader dies: events it has
//! not made durable must not be overwritten, so the core waits for a restarted
//! persister to take the slot over (DESIGN.md, architecture.md "Reader slots"). Any
//! other gating reader that dies, stops gating or whose slot file is replaced is
//! removed, so a crashed tool never blocks the core for good. A persister's death and
//! return are logged at the scan that sees them (every 100 ms).
//!
//! Liveness: a gating reader (other than the persister) whose heartbeat is older than
//! `gating.reader_timeout_ms` is hung and released like a dead one; a hung persister
//! is reported (its gate stays: its events must not be lost). Any other reader (a
//! monitor, a bridge) whose heartbeat is that old is reported hung, and again when it
//! beats again, once per change. The slot files of dead readers other than the
//! persister are removed (reclaimed) at the scan that finds them, so dead monitors and
//! bridges do not pile up.
//!
//! At start-up, a persister slot whose owner is dead still gates the core when its
//! cursor asks for exactly the core's first sequence: the persister stopped (or
//! crashed) right at the end of the log this core restored from, and when it comes
//! back it must find every event since in the ring.
//!
//! Progress: blocking (a directory scan and mappings); housekeeping only.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use seamless_ipc::broadcast::{AddGateError, Gate};
use seamless_ipc::reader_slot::{ReaderSlotInfo, ReaderSlotView, list_reader_slots};
use seamless_ipc::shm::{Removal, remove_if_dead};
use tracing::{info, warn};

use super::commands::MAX_GATES;
use crate::shared::snapshot::PERSIST_ROLE;

/// One gating reader.
struct Entry {
    role: String,
    view: Arc<ReaderSlotView>,
    state: EntryState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EntryState {
    /// Sent to the engine, no answer yet.
    Adding,
    /// Registered.
    Active,
    /// Removal sent, no answer yet.
    Removing,
}

/// What the engine should do with its gate table.
pub(crate) enum Action {
    /// Register `gate` under `token`.
    Add { token: usize, gate: Gate },
    /// Unregister the gate of `token`.
    Remove { token: usize },
}

/// The gating readers of one instance, by token (an index below [`MAX_GATES`]).
pub(crate) struct GateTable {
    dir: Option<PathBuf>,
    name: String,
    entries: Vec<Option<Entry>>,
    /// Problems already logged, so a persistent one is logged once.
    warned: HashSet<String>,
    /// Whether the registered persister was alive at the last scan.
    persist_alive: Option<bool>,
    /// Heartbeat age after which a reader counts as hung.
    reader_timeout: Duration,
    /// Whether the persister was hung at the last scan.
    persist_hung: bool,
    /// Other readers (by role) hung at the last scan.
    hung: HashSet<String>,
}

impl GateTable {
    pub(crate) fn new(dir: Option<PathBuf>, name: &str, reader_timeout: Duration) -> Self {
        GateTable {
            dir,
            name: name.to_owned(),
            entries: (0..MAX_GATES).map(|_| None).collect(),
            warned: HashSet::new(),
            persist_alive: None,
            reader_timeout,
            persist_hung: false,
            hung: HashSet::new(),
        }
    }

    fn warn_once(&mut self, key: String, msg: impl FnOnce() -> String) {
        if self.warned.insert(key) {
            warn!("{}", msg());
        }
    }

    /// Scans the instance's reader slots and returns what changed.
    pub(crate) fn discover(&mut self) -> Vec<Action> {
        self.discover_from(None)
    }

    /// The first scan, before the first event: like [`discover`](Self::discover), and a
    /// dead persister's slot whose cursor is `first_seq` gates too (module docs).
    pub(crate) fn discover_initial(&mut self, first_seq: u64) -> Vec<Action> {
        self.discover_from(Some(first_seq))
    }

    fn discover_from(&mut self, first_seq: Option<u64>) -> Vec<Action> {
        let listing = match list_reader_slots(self.dir.as_deref(), &self.name) {
            Ok(listing) => listing,
            Err(e) => {
                self.warn_once("list".into(), || format!("cannot list reader slots: {e}"));
                return Vec::new();
            }
        };
        let mut actions = Vec::new();
        for (token, slot) in self.entries.iter_mut().enumerate() {
            let Some(entry) = slot.as_mut().filter(|e| e.state == EntryState::Active) else {
                continue;
            };
            let info = listing
                .iter()
                .find(|l| l.role == entry.role)
                .and_then(|l| l.slot.as_ref().ok());
            let timeout = self.reader_timeout;
            let hung = |i: &ReaderSlotInfo| i.alive && i.heartbeat_age.is_some_and(|a| a > timeout);
            let keep = info.is_some_and(|i| {
                let persister = entry.role == PERSIST_ROLE;
                i.gating && entry.view.is_current() && (persister || (i.alive && !hung(i)))
            });
            if let (true, Some(i)) = (entry.role == PERSIST_ROLE, info) {
                let now_hung = hung(i);
                if now_hung != self.persist_hung {
                    self.persist_hung = now_hung;
                    if now_hung {
                        warn!(
                            "the persister (pid {}) is hung: no heartbeat for {} ms; its gate \
                             stays at seq {}",
                            i.pid,
                            i.heartbeat_age.unwrap_or_default().as_millis(),
                            i.cursor
                        );
                    } else {
                        info!("the persister (pid {}) is responsive again", i.pid);
                    }
                }
            }
            if let (true, Some(i)) = (entry.role == PERSIST_ROLE, info) {
                let was = self.persist_alive.replace(i.alive);
                match (was, i.alive) {
                    (Some(true), false) => warn!(
                        "the persister (pid {}) died: events from seq {} stay in the ring \
                         until a persister takes its slot over; the core waits when the ring \
                         is full",
                        i.pid, i.cursor
                    ),
                    (Some(false), true) => info!(
                        "a persister (pid {}) took the slot over at seq {}",
                        i.pid, i.cursor
                    ),
                    _ => {}
                }
            }
            if !keep {
                info!(
                    "gating reader {} is gone or no longer gating: releasing its gate",
                    entry.role
                );
                entry.state = EntryState::Removing;
                actions.push(Action::Remove { token });
            }
        }
        self.hung
            .retain(|role| listing.iter().any(|l| &l.role == role));
        for l in &listing {
            let Ok(info) = &l.slot else { continue };
            if l.role != PERSIST_ROLE {
                self.note_hung(&l.role, info);
            }
            let ours = self.entries.iter().flatten().any(|e| e.role == l.role);
            if !info.alive && l.role != PERSIST_ROLE && !ours {
                reclaim(&l.path, &l.role, info.pid);
                continue;
            }
            let known = self.entries.iter().flatten().any(|e| e.role == l.role);
            let waiting_persister =
                l.role == PERSIST_ROLE && first_seq.is_some_and(|s| info.cursor == s);
            if !info.gating || !(info.alive || waiting_persister) || known {
                continue;
            }
            let Some(token) = self.entries.iter().position(Option::is_none) else {
                self.warn_once(format!("full {}", l.role), || {
                    format!(
                        "gating reader {} ignored: the core takes at most {MAX_GATES}",
                        l.role
                    )
                });
                continue;
            };
            match self.open_gate(&l.role) {
                Ok((view, gate)) => {
                    self.entries[token] = Some(Entry {
                        role: l.role.clone(),
                        view,
                        state: EntryState::Adding,
                    });
                    actions.push(Action::Add { token, gate });
                }
                Err(e) => self.warn_once(format!("open {}", l.role), || {
                    format!("gating reader {}: {e}", l.role)
                }),
            }
        }
        actions
    }

    /// Reports reader `role` hung (alive, heartbeat older than the timeout) or
    /// responsive again, once per change; a death is reported by its reclaim.
    fn note_hung(&mut self, role: &str, i: &ReaderSlotInfo) {
        let hung = i.alive && i.heartbeat_age.is_some_and(|a| a > self.reader_timeout);
        if hung == self.hung.contains(role) {
            return;
        }
        if hung {
            warn!(
                "reader {role} (pid {}) is hung: no heartbeat for {} ms",
                i.pid,
                i.heartbeat_age.unwrap_or_default().as_millis()
            );
            self.hung.insert(role.to_owned());
        } else {
            if i.alive {
                info!("reader {role} (pid {}) is responsive again", i.pid);
            }
            self.hung.remove(role);
        }
    }

    fn open_gate(&self, role: &str) -> Result<(Arc<ReaderSlotView>, Gate), String> {
        let view = ReaderSlotView::open(self.dir.as_deref(), &self.name, role)
            .map_err(|e| e.to_string())?;
        let view = Arc::new(view);
        let cursor = view.cursor_word().as_ptr().cast::<u8>();
        // SAFETY: the cursor word lies in the view's read-only mapping of a whole slot,
        // which the `Arc` moved into the gate keeps mapped for the gate's life; the
        // slot's words are only ever accessed atomically, as whole words.
        let gate = unsafe { Gate::from_raw(cursor, Box::new(Arc::clone(&view))) }
            .map_err(|e| e.to_string())?;
        Ok((view, gate))
    }

    /// The engine registered the gate of `token`.
    pub(crate) fn on_added(&mut self, token: usize) {
        if let Some(Some(entry)) = self.entries.get_mut(token) {
            entry.state = EntryState::Active;
            info!(
                "gating reader {} registered at cursor {}",
                entry.role,
                entry.view.cursor()
            );
        }
    }

    /// The engine refused the gate of `token` (its cursor asks for an event already
    /// overwritten): forget it, so the next scan tries again.
    pub(crate) fn on_refused(&mut self, token: usize, error: AddGateError) {
        if let Some(entry) = self.entries.get_mut(token).and_then(Option::take) {
            self.warn_once(format!("refused {}", entry.role), || {
                format!("gating reader {} refused: {error}", entry.role)
            });
        }
        drop(error); // frees the gate here, off the hot path
    }

    /// The engine released the gate of `token`.
    pub(crate) fn on_removed(&mut self, token: usize, gate: Option<Gate>) {
        if let Some(slot) = self.entries.get_mut(token) {
            *slot = None;
        }
        drop(gate); // unmaps the slot here, off the hot path
    }

    /// Registered gates: `(role, view)`.
    fn active(&self) -> impl Iterator<Item = &Entry> {
        self.entries
            .iter()
            .flatten()
            .filter(|e| e.state != EntryState::Adding)
    }

    /// The smallest cursor of the registered gates (the oldest sequence still needed).
    pub(crate) fn min_cursor(&self) -> Option<u64> {
        self.active().map(|e| e.view.cursor()).min()
    }

    /// The persister's durable cursor, if it gates the core.
    pub(crate) fn persist_durable_cursor(&self) -> Option<u64> {
        self.active()
            .find(|e| e.role == PERSIST_ROLE)
            .map(|e| e.view.durable_cursor())
    }
}

/// Removes a dead reader's slot file (never a live one's: the lock decides).
fn reclaim(path: &Path, role: &str, pid: u32) {
    match remove_if_dead(path) {
        Ok(Removal::Removed) => info!("reader {role} (pid {pid}) is gone: its slot was removed"),
        Ok(_) => {}
        Err(e) => warn!("reader {role} (pid {pid}) is gone but its slot stays: {e}"),
    }
}
