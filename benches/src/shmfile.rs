//! Scratch shared-memory files for cross-process scenarios: created under the shm
//! directory (`SEAMLESS_SHM_DIR` or /dev/shm), removed when dropped.
//!
//! Bench-only plumbing: the product's region code lives in `seamless_ipc::region`.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use memmap2::{MmapOptions, MmapRaw};

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A file created for one scenario, unlinked on drop.
#[derive(Debug)]
pub struct ScratchFile {
    path: PathBuf,
}

impl ScratchFile {
    /// Creates a zeroed file of `len` bytes, mode 0600.
    ///
    /// # Errors
    ///
    /// Any I/O error from creating or sizing the file.
    pub fn create(tag: &str, len: u64) -> io::Result<ScratchFile> {
        let dir = seamless_ipc::shm::shm_dir(None);
        let n = NEXT.fetch_add(1, Ordering::Relaxed); // Relaxed: only uniqueness matters.
        let path = dir.join(format!("seamless-bench-{}-{tag}-{n}", std::process::id()));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)?;
        file.set_len(len)?;
        Ok(ScratchFile { path })
    }

    /// The file's path (handed to the child process).
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScratchFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Maps `path` read-write (shared).
///
/// # Errors
///
/// Any I/O error from opening or mapping the file.
pub fn map_rw(path: &Path) -> io::Result<MmapRaw> {
    let file = OpenOptions::new().read(true).write(true).open(path)?;
    MmapOptions::new().map_raw(&file)
}

/// Maps `path` read-only (`PROT_READ`), as a reader process does.
///
/// # Errors
///
/// Any I/O error from opening or mapping the file.
pub fn map_ro(path: &Path) -> io::Result<MmapRaw> {
    let file = File::open(path)?;
    MmapOptions::new().map_raw_read_only(&file)
}
