//! SIGINT/SIGTERM handling shared by the long-running commands.

use seamless_core::domain::Reason;
use seamless_core::runtime::StopFlag;

/// SIGINT and SIGTERM request a stop with their reason (one atomic store in the
/// handler, see `signal_hook::flag`); a second one while stopping exits at once
/// (status 130 or 143, the shell's convention), leaving the region to be judged by
/// its lock.
pub fn register(stop: &StopFlag) -> std::io::Result<()> {
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;

    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::flag::{register, register_conditional_shutdown, register_usize};
    let signalled = Arc::new(AtomicBool::new(false));
    for (signal, reason, status) in [
        (SIGINT, Reason::Sigint, 130),
        (SIGTERM, Reason::Sigterm, 143),
    ] {
        // Order matters: the shutdown check runs before the flag is set, so only a
        // second signal finds it set.
        register_conditional_shutdown(signal, status, Arc::clone(&signalled))?;
        register(signal, Arc::clone(&signalled))?;
        register_usize(signal, stop.as_arc(), StopFlag::code(reason))?;
    }
    Ok(())
}
