//! With `panic = "abort"` (release builds) a panicking thread cannot be joined: this
//! hook marks the region stopped and exits with status 1 after the default report.
//! Without it (tests, debug builds) panics unwind and the runtime joins the thread.

use std::sync::Arc;

use crate::shared::SharedRegion;

#[cfg(panic = "abort")]
type Hook = Arc<dyn Fn(&std::panic::PanicHookInfo<'_>) + Send + Sync>;

/// Restores the previous hook when dropped.
pub(crate) struct Installed {
    #[cfg(panic = "abort")]
    previous: Hook,
}

#[cfg(panic = "abort")]
pub(crate) fn install(region: &Arc<SharedRegion>) -> Installed {
    use seamless_ipc::region::Status;
    let weak = Arc::downgrade(region);
    let previous: Hook = std::panic::take_hook().into();
    let chained = Arc::clone(&previous);
    std::panic::set_hook(Box::new(move |info| {
        chained(info);
        if let Some(region) = weak.upgrade() {
            region.owner().set_status(Status::Stopped);
        }
        std::process::exit(1);
    }));
    Installed { previous }
}

#[cfg(panic = "abort")]
impl Drop for Installed {
    fn drop(&mut self) {
        let previous = Arc::clone(&self.previous);
        std::panic::set_hook(Box::new(move |info| previous(info)));
    }
}

#[cfg(not(panic = "abort"))]
pub(crate) fn install(_region: &Arc<SharedRegion>) -> Installed {
    Installed {}
}
