//! The persister and restore-on-start as real processes: the core killed with SIGKILL
//! at many random moments and restarted from the log, the persister killed with SIGKILL
//! many times during a run, and the log checked afterwards with the `seamless log`
//! tools and the library: contiguous from seq 1, no duplicate, every event that was
//! durable before a kill still there, and the restored state equal to what the last
//! core published and to the fold from the oldest snapshot.
//!
//! Random moments are drawn in *events* (wait until the core has published k more),
//! from a seed printed on failure; every wait polls against a generous deadline.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{BIN, Proc, ShmDir, attach, wait_for};
use seamless_core::shared::SharedReader;
use seamless_ipc::reader_slot::ReaderSlotView;
use seamless_persist::{RestoreOptions, restore};

/// A tiny xorshift generator: no dependency, reproducible from the printed seed.
struct Rng(u64);

impl Rng {
    fn from_time() -> Rng {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        Rng(u64::from(nanos) | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// One instance with its shared-memory dir, data dir, logs and config file.
struct Setup {
    shm: ShmDir,
    root: tempfile::TempDir,
    name: String,
}

impl Setup {
    fn new(test: &str) -> Setup {
        let root = tempfile::tempdir().unwrap();
        let cfg = "\
[feed.synthetic]
rate_per_sec = 20000
[persist]
fsync = \"interval\"
fsync_interval_ms = 5
segment_bytes = 262144
snapshot_every_events = 4000
snapshot_every_secs = 0
keep_snapshots = 1000
";
        std::fs::write(root.path().join("seamless.toml"), cfg).unwrap();
        std::fs::create_dir(root.path().join("logs")).unwrap();
        Setup {
            shm: ShmDir::new(test),
            root,
            name: test.to_owned(),
        }
    }

    fn data(&self) -> PathBuf {
        self.root.path().join("data")
    }

    fn logs(&self) -> PathBuf {
        self.root.path().join("logs")
    }

    fn start(&self, label: &str, cmd: &str, extra: &[&str]) -> Proc {
        let cfg = self.root.path().join("seamless.toml");
        let data = self.data();
        let mut args = vec![
            cmd,
            "--config",
            cfg.to_str().unwrap(),
            "--name",
            &self.name,
            "--data-dir",
            data.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        Proc::start(self.shm.path(), &self.logs(), label, &args)
    }

    fn core(&self) -> Proc {
        self.start("core", "core", &["--feed", "synthetic"])
    }

    fn persister(&self) -> Proc {
        self.start("persist", "persist", &["--wait"])
    }

    /// The persister slot's (written cursor, durable cursor), 0s without one.
    fn cursors(&self) -> (u64, u64) {
        ReaderSlotView::open(Some(self.shm.path()), &self.name, "persist")
            .map(|v| (v.cursor(), v.durable_cursor()))
            .unwrap_or((0, 0))
    }

    /// Every logged sequence, in order, from `seamless log dump --json`.
    fn dumped_seqs(&self) -> Vec<u64> {
        let out = Command::new(BIN)
            .args(["log", "dump", "--json", "--data-dir"])
            .arg(self.data())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|line| {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                v["seq"].as_u64().unwrap()
            })
            .collect()
    }

    fn verify(&self) {
        let out = Command::new(BIN)
            .args(["log", "verify", "--data-dir"])
            .arg(self.data())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "log verify: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Waits until the core has published `k` more events than now.
fn wait_events(reader: &SharedReader, k: u64, core: &Proc, persister: &Proc) {
    let last = |r: &SharedReader| r.metrics().map(|m| m.0.last_seq).unwrap_or(0);
    let target = last(reader) + k;
    let context = || {
        let m = reader.metrics().map(|m| m.0);
        format!(
            "target {target}, metrics {m:?}\ncore {}\npersister {}",
            core.logs(),
            persister.logs()
        )
    };
    wait_for("events", context, || last(reader) >= target);
}

/// The checks every test ends with (module docs).
fn check_log(setup: &Setup, last_seq: u64, durable_before_kills: &[u64]) {
    setup.verify();
    let seqs = setup.dumped_seqs();
    let first = seqs[0];
    assert_eq!(
        seqs,
        (first..=last_seq).collect::<Vec<_>>(),
        "the log is not contiguous from {first} to {last_seq}"
    );
    for &d in durable_before_kills {
        assert!(
            d <= last_seq,
            "event {d} was durable before a kill and is gone"
        );
    }
    let restored = restore(&setup.data(), RestoreOptions { repair: false }).unwrap();
    assert_eq!(restored.state.last_seq(), last_seq);
    // The last core's published rows equal the state restored from the log.
    let reader = SharedReader::attach(Some(setup.shm.path()), &setup.name).unwrap();
    assert_eq!(reader.account().unwrap().0, *restored.state.account());
    let positions = reader.positions().unwrap();
    assert_eq!(positions[..], restored.state.positions()[..positions.len()]);
    // The fold from the oldest snapshot (replaying much more) gives the same state.
    let copy = setup.root.path().join("oldest-snapshot-only");
    std::fs::create_dir(&copy).unwrap();
    let mut snapshots = Vec::new();
    for entry in std::fs::read_dir(setup.data()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if name.starts_with("snapshot-") {
            snapshots.push(name.clone());
        }
        if path.is_file() {
            std::fs::copy(&path, copy.join(&name)).unwrap();
        }
    }
    snapshots.sort();
    for newer in snapshots.iter().skip(1) {
        std::fs::remove_file(copy.join(newer)).unwrap();
    }
    let from_oldest = restore(&copy, RestoreOptions { repair: false }).unwrap();
    assert_eq!(from_oldest.state, restored.state);
    assert!(from_oldest.report.events_replayed >= restored.report.events_replayed);
}

/// Stops the core with SIGTERM and checks it says every event is durable; returns its
/// last sequence.
fn stop_core(setup: &Setup, core: &mut Proc) -> u64 {
    let mut reader = SharedReader::attach(Some(setup.shm.path()), &setup.name).unwrap();
    core.signal("-TERM");
    let status = core.wait();
    assert!(status.success(), "core: {status}: {}", core.logs());
    assert!(
        core.stdout()
            .lines()
            .last()
            .unwrap_or("")
            .contains("every event durable"),
        "{}",
        core.logs()
    );
    reader = SharedReader::attach(Some(setup.shm.path()), &setup.name).unwrap_or(reader);
    reader.metrics().unwrap().0.last_seq
}

fn stop_persister(persister: &mut Proc) {
    persister.signal("-TERM");
    let status = persister.wait();
    assert!(
        status.success(),
        "persister: {status}: {}",
        persister.logs()
    );
}

#[test]
fn the_core_killed_at_50_random_moments_loses_nothing_durable() {
    let setup = Setup::new("killcore");
    let mut rng = Rng::from_time();
    let seed = rng.0;
    let mut persister = setup.persister();
    let mut durable_before_kills = Vec::new();
    for round in 0..50 {
        let mut core = setup.core();
        let reader = attach(setup.shm.path(), &setup.name, &mut core);
        wait_events(&reader, 1 + rng.below(3_000), &core, &persister);
        durable_before_kills.push(setup.cursors().1.saturating_sub(1));
        core.kill9();
        assert!(
            persister.exited().is_none(),
            "seed {seed}, round {round}: the persister exited: {}",
            persister.logs()
        );
    }
    let mut core = setup.core();
    let reader = attach(setup.shm.path(), &setup.name, &mut core);
    wait_events(&reader, 100, &core, &persister);
    let last_seq = stop_core(&setup, &mut core);
    stop_persister(&mut persister);
    check_log(&setup, last_seq, &durable_before_kills);
    // The runs continued the log: at least every run after the first events were
    // durable restored (a core killed before its persister attached may leave
    // nothing to restore).
    assert!(core.stderr().contains("restored from"), "seed {seed}");
}

#[test]
fn the_persister_killed_20_times_leaves_no_gap_and_no_duplicate() {
    let setup = Setup::new("killpersist");
    let mut rng = Rng::from_time();
    let seed = rng.0;
    let mut persister = setup.persister();
    let mut core = setup.core();
    let reader = attach(setup.shm.path(), &setup.name, &mut core);
    let mut durable_before_kills = Vec::new();
    for _ in 0..20 {
        let target = setup.cursors().1 + 1 + rng.below(3_000);
        wait_for(
            "the persister to make progress",
            || format!("seed {seed}: {}", persister.logs()),
            || setup.cursors().1 >= target,
        );
        durable_before_kills.push(setup.cursors().1.saturating_sub(1));
        persister.kill9();
        wait_events(&reader, rng.below(2_000), &core, &persister);
        persister = setup.persister();
    }
    let last_seq = stop_core(&setup, &mut core);
    stop_persister(&mut persister);
    check_log(&setup, last_seq, &durable_before_kills);
}

#[test]
fn a_write_error_stops_the_durable_cursor_and_the_persister_recovers() {
    let setup = Setup::new("fsize");
    let cfg = setup.root.path().join("seamless.toml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, format!("[core]\nevent_ring_capacity = 4096\n{text}")).unwrap();
    // A 100 kB file-size limit: the first segment (256 KiB) cannot grow past it.
    let data = setup.data();
    let mut persister = Proc::start_wrapped(
        setup.shm.path(),
        &setup.logs(),
        "persist",
        &["prlimit", "--fsize=100000:unlimited", "--"],
        &[
            "persist",
            "--config",
            cfg.to_str().unwrap(),
            "--name",
            &setup.name,
            "--data-dir",
            data.to_str().unwrap(),
            "--wait",
        ],
    );
    let mut core = setup.core();
    let reader = attach(setup.shm.path(), &setup.name, &mut core);
    wait_for(
        "the write error to be reported",
        || persister.logs(),
        || persister.stderr().contains("cannot write the log"),
    );
    let stalls = |r: &SharedReader| r.metrics().map(|m| m.0.gating_stalls).unwrap_or(0);
    wait_for(
        "the core to be held back",
        || core.logs(),
        || stalls(&reader) > 0,
    );
    let (_, durable) = setup.cursors();
    let log_bytes: u64 = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert!(
        log_bytes <= 100_000 + 4096,
        "the limit did not hold: {log_bytes}"
    );
    // Space returns: lift the limit of the running persister.
    let lifted = Command::new("prlimit")
        .args([
            "--pid",
            &persister.pid().to_string(),
            "--fsize=unlimited:unlimited",
        ])
        .status()
        .unwrap();
    assert!(lifted.success());
    wait_for(
        "the durable cursor to move again",
        || persister.logs(),
        || setup.cursors().1 > durable + 1_000,
    );
    assert!(persister.exited().is_none(), "{}", persister.logs());
    let last_seq = stop_core(&setup, &mut core);
    stop_persister(&mut persister);
    check_log(&setup, last_seq, &[durable.saturating_sub(1)]);
}
