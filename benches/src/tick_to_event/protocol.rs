//! How the tick-to-event parent and its child processes talk: a scratch directory per
//! run (the core's region and the children's files live in it), the children's
//! argument string, and the plain-text result files they leave behind.
//!
//! Results travel as text, not hdrhistogram's V2 serialisation: the workspace declares
//! `hdrhistogram` with `default-features = false` (no `serialization` feature), and a
//! histogram's recorded buckets as `v VALUE COUNT` lines rebuild it exactly at its
//! precision (3 significant digits), which is all the report needs.
//!
//! Bench-only plumbing: nothing here is on a measured path.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::{self, DirBuilder};
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::hist::Hist;

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A directory under the shm directory (`SEAMLESS_SHM_DIR` or /dev/shm) holding one
/// run: the core's region, the reader slots it scans, the children's files. Removed,
/// with everything in it, when dropped.
#[derive(Debug)]
pub(crate) struct ScratchDir {
    path: PathBuf,
    instance: String,
}

impl ScratchDir {
    /// Creates a fresh directory (mode 0700) and names the run's instance after it.
    pub(crate) fn create() -> io::Result<ScratchDir> {
        // Relaxed: only uniqueness matters.
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let instance = format!("t2e-{}-{n}", std::process::id());
        let path = seamless_ipc::shm::shm_dir(None).join(format!("seamless-bench-{instance}"));
        DirBuilder::new().mode(0o700).create(&path)?;
        Ok(ScratchDir { path, instance })
    }

    /// The directory.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The run's instance name (its region is `seamless-<instance>` in [`path`](Self::path)).
    pub(crate) fn instance(&self) -> &str {
        &self.instance
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// What a child is told (the `SEAMLESS_BENCH_ARG` string), besides the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChildArgs {
    /// The instance to attach to.
    pub name: String,
    /// The child's number among its role (names its files).
    pub index: usize,
    /// Pause between polls in µs; 0 polls continuously (spinning, then yielding).
    pub poll_us: u64,
    /// The CPU core to pin the child to (`None`: unpinned).
    pub core: Option<usize>,
}

impl ChildArgs {
    /// `name=N,index=I,poll_us=P` and `,core=C` when pinned.
    pub(crate) fn encode(&self) -> String {
        let mut s = format!(
            "name={},index={},poll_us={}",
            self.name, self.index, self.poll_us
        );
        if let Some(core) = self.core {
            let _ = write!(s, ",core={core}");
        }
        s
    }

    /// Parses [`encode`](Self::encode)'s output.
    pub(crate) fn decode(arg: &str) -> io::Result<ChildArgs> {
        let bad =
            |what: &str| io::Error::other(format!("bad bench child argument {arg:?}: {what}"));
        let mut out = ChildArgs {
            name: String::new(),
            index: 0,
            poll_us: 0,
            core: None,
        };
        for part in arg.split(',') {
            let (key, value) = part.split_once('=').ok_or_else(|| bad(part))?;
            let number = || value.parse::<u64>().map_err(|_| bad(part));
            match key {
                "name" => out.name = value.to_owned(),
                "index" => out.index = number()? as usize,
                "poll_us" => out.poll_us = number()?,
                "core" => out.core = Some(number()? as usize),
                _ => return Err(bad(part)),
            }
        }
        if out.name.is_empty() {
            return Err(bad("no name"));
        }
        Ok(out)
    }

    /// The file the child creates once it runs (before it attaches).
    pub(crate) fn ready_path(&self, dir: &Path, role: &str) -> PathBuf {
        dir.join(format!("{role}-{}.ready", self.index))
    }

    /// The file the child leaves its results in.
    pub(crate) fn out_path(&self, dir: &Path, role: &str) -> PathBuf {
        dir.join(format!("{role}-{}.out", self.index))
    }
}

/// Writes `counts` as `key value` lines, then `hist`'s recorded buckets as
/// `v value count` lines.
pub(crate) fn write_results(
    path: &Path,
    counts: &[(&str, u64)],
    hist: Option<&Hist>,
) -> io::Result<()> {
    let mut text = String::new();
    for (key, value) in counts {
        let _ = writeln!(text, "{key} {value}");
    }
    if let Some(h) = hist {
        for v in h.raw().iter_recorded() {
            let _ = writeln!(text, "v {} {}", v.value_iterated_to(), v.count_at_value());
        }
    }
    fs::write(path, text)
}

/// Results read back from a child's file.
#[derive(Debug, Clone, Default)]
pub(crate) struct Results {
    /// The `key value` lines.
    pub counts: BTreeMap<String, u64>,
    /// The histogram of the `v` lines (empty when there were none).
    pub hist: Hist,
}

impl Results {
    /// The count named `key` (0 if absent).
    pub(crate) fn get(&self, key: &str) -> u64 {
        self.counts.get(key).copied().unwrap_or(0)
    }
}

/// Reads a file written by [`write_results`].
pub(crate) fn read_results(path: &Path) -> io::Result<Results> {
    let text = fs::read_to_string(path)?;
    let mut out = Results::default();
    for (n, line) in text.lines().enumerate() {
        let bad = || io::Error::other(format!("{}:{}: bad line {line:?}", path.display(), n + 1));
        let mut words = line.split_whitespace();
        let numbers = |w: &mut std::str::SplitWhitespace<'_>| -> Option<(u64, Option<u64>)> {
            let a = w.next()?.parse().ok()?;
            Some((a, w.next().and_then(|b| b.parse().ok())))
        };
        match words.next() {
            Some("v") => match numbers(&mut words) {
                Some((value, Some(count))) => record_n(&mut out.hist, value, count),
                _ => return Err(bad()),
            },
            Some(key) => match numbers(&mut words) {
                Some((value, None)) => {
                    out.counts.insert(key.to_owned(), value);
                }
                _ => return Err(bad()),
            },
            None => {}
        }
    }
    Ok(out)
}

/// Records `value` `count` times.
pub(crate) fn record_n(hist: &mut Hist, value: u64, count: u64) {
    for _ in 0..count {
        hist.record(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_args_round_trip_and_reject_junk() {
        let a = ChildArgs {
            name: "t2e-1-2".into(),
            index: 3,
            poll_us: 100,
            core: None,
        };
        assert_eq!(ChildArgs::decode(&a.encode()).unwrap(), a);
        let pinned = ChildArgs {
            core: Some(1),
            ..a.clone()
        };
        assert_eq!(ChildArgs::decode(&pinned.encode()).unwrap(), pinned);
        assert!(ChildArgs::decode("index=1").is_err());
        assert!(ChildArgs::decode("name=x,index=one").is_err());
        assert!(ChildArgs::decode("name=x,colour=red").is_err());
    }

    #[test]
    fn results_round_trip_with_their_histogram() {
        let dir = ScratchDir::create().unwrap();
        let mut h = Hist::new();
        for v in [120, 120, 5_000, 1_000_000] {
            h.record(v);
        }
        let path = dir.path().join("r.out");
        write_results(&path, &[("seen", 4), ("future", 0)], Some(&h)).unwrap();
        let r = read_results(&path).unwrap();
        assert_eq!((r.get("seen"), r.get("future"), r.get("absent")), (4, 0, 0));
        assert_eq!(r.hist.summary(), h.summary());
        fs::write(&path, "seen four\n").unwrap();
        assert!(read_results(&path).is_err());
        let kept = dir.path().to_owned();
        drop(dir);
        assert!(!kept.exists());
    }
}
