//! The monitor's own reader slot, `seamless-NAME.reader-monitor-PID`: the shared
//! [`ObserverSlot`](seamless_core::shared::observer::ObserverSlot) (non-gating: the
//! core never waits for a monitor; removed when the monitor exits), so the core and
//! other readers see it (kind, pid, heartbeat, cursor).
//!
//! A slot that cannot be created (a read-only directory, say) costs only visibility:
//! the monitor runs without one and says why once.
//!
//! Progress: creating is blocking; heartbeat and cursor updates are single stores.

use std::path::Path;

use seamless_ipc::reader_slot::SlotCreateError;

pub use seamless_core::shared::observer::{MONITOR_KIND, ObserverSlot as OwnSlot};

/// Creates slot `monitor-<pid>` for instance `name`, following `instance_id`.
///
/// # Errors
///
/// [`SlotCreateError`]; the caller shows it and goes on with [`OwnSlot::none`].
pub fn create(
    dir: Option<&Path>,
    name: &str,
    instance_id: u64,
) -> Result<OwnSlot, Box<SlotCreateError>> {
    OwnSlot::create(dir, name, "monitor", MONITOR_KIND, instance_id)
}
