//! A scratch directory for one benchmark run's region (under /dev/shm when it exists),
//! removed on drop.
//!
//! Progress: blocking (file system calls).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// A fresh directory and an instance name unique to this process and run.
#[derive(Debug)]
pub struct Scratch {
    dir: PathBuf,
    name: String,
}

impl Scratch {
    /// Creates it.
    ///
    /// # Errors
    ///
    /// The directory cannot be created.
    pub fn create(label: &str) -> io::Result<Scratch> {
        static N: AtomicU32 = AtomicU32::new(0);
        // Relaxed: a counter for unique names only.
        let n = N.fetch_add(1, Ordering::Relaxed);
        let base = Path::new("/dev/shm");
        let base = if base.is_dir() {
            base.to_owned()
        } else {
            std::env::temp_dir()
        };
        let name = format!("bench-bridge-{label}-{}-{n}", std::process::id());
        let dir = base.join(format!("seamless-{name}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir)?;
        Ok(Scratch { dir, name })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The instance name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
