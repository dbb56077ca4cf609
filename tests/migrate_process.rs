//! Schema 3 meets the schema-1 fixture (persist/tests/fixtures/v1, written by the v1
//! binaries) as real processes: `seamless log verify|stats` on the v1 data directory,
//! and a schema-3 `seamless persist` + `seamless core` continuing it, after which the
//! directory mixes v1 and v3 files and still restores, verifies and shows the mark
//! (schema 2's field) in `monitor --once --json`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{BIN, Proc, ShmDir};
use seamless_persist::{RestoreOptions, restore};
use serde_json::Value;

fn fixture_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("persist/tests/fixtures/v1/data")
}

/// `root/data`: a copy of the v1 fixture (nothing writes into the repository).
fn copy_fixture(root: &Path) -> PathBuf {
    let data = root.join("data");
    std::fs::create_dir(&data).unwrap();
    for e in std::fs::read_dir(fixture_data()).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, data.join(p.file_name().unwrap())).unwrap();
    }
    data
}

fn log_json(cmd: &str, data: &Path) -> Value {
    let out = Command::new(BIN)
        .args(["log", cmd, "--json", "--data-dir"])
        .arg(data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "log {cmd}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn schemas(stats: &Value, what: &str) -> Vec<u64> {
    stats[what]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["schema"].as_u64().unwrap())
        .collect()
}

#[test]
fn log_verify_and_stats_pass_on_the_v1_fixture() {
    let root = tempfile::tempdir().unwrap();
    let data = copy_fixture(root.path());
    let v = log_json("verify", &data);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["records"], 668, "{v}");
    assert_eq!(v["snapshots_compared"], 2, "{v}");
    let s = log_json("stats", &data);
    assert_eq!(schemas(&s, "segments"), [1, 1, 1], "{s}");
    assert_eq!(schemas(&s, "snapshots"), [1, 1], "{s}");
}

/// The schema-2 fixture (persist/tests/fixtures/v2, with syncs and mismatches as the
/// v2 binaries logged them) through this build's tools, copied out of the repository.
#[test]
fn log_verify_and_stats_pass_on_the_v2_fixture() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let v2 = Path::new(env!("CARGO_MANIFEST_DIR")).join("persist/tests/fixtures/v2/data");
    for e in std::fs::read_dir(v2).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, data.join(p.file_name().unwrap())).unwrap();
    }
    let v = log_json("verify", &data);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["records"], 570, "{v}");
    assert_eq!(v["snapshots_compared"], 2, "{v}");
    let s = log_json("stats", &data);
    assert_eq!(schemas(&s, "segments"), [2, 2], "{s}");
    assert_eq!(schemas(&s, "snapshots"), [2, 2], "{s}");
    assert_eq!(s["by_kind"]["position_synced"], 10, "{s}");
}

#[test]
fn a_current_core_and_persister_continue_a_v1_data_directory() {
    let shm = ShmDir::new("migrate");
    let root = tempfile::tempdir().unwrap();
    let data = copy_fixture(root.path());
    let logs = root.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let cfg = root.path().join("seamless.toml");
    let toml = "\
[feed.synthetic]
seed = 11
rate_per_sec = 2000
ticks = 400
[persist]
fsync = \"always\"
segment_bytes = 24576
snapshot_every_events = 40
snapshot_every_secs = 0
keep_snapshots = 1000
";
    std::fs::write(&cfg, toml).unwrap();
    let name = "migrate";
    let args = |cmd: &'static str| {
        vec![
            cmd.to_owned(),
            "--config".into(),
            cfg.display().to_string(),
            "--name".into(),
            name.into(),
            "--data-dir".into(),
            data.display().to_string(),
        ]
    };
    let start = |label: &str, mut a: Vec<String>, extra: &[&str]| {
        a.extend(extra.iter().map(|s| s.to_string()));
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        Proc::start(shm.path(), &logs, label, &a)
    };
    let mut persister = start("persist", args("persist"), &["--wait", "--exit-with-core"]);
    let mut core = start(
        "core",
        args("core"),
        &["--feed", "synthetic", "--exit-after-feed"],
    );
    let status = core.wait();
    assert!(status.success(), "core: {status}: {}", core.logs());
    let status = persister.wait();
    assert!(
        status.success(),
        "persister: {status}: {}",
        persister.logs()
    );
    assert!(
        core.stderr()
            .contains("restored seq 668 from snapshot-00000000000000000509.snap (schema 1, migrated) + 159 events"),
        "{}",
        core.logs()
    );

    // The log continues the v1 one in new schema-3 files; the v1 files are as they were.
    let s = log_json("stats", &data);
    let segs = schemas(&s, "segments");
    assert_eq!(segs[..3], [1, 1, 1], "{s}");
    assert!(segs.len() > 3 && segs[3..].iter().all(|&v| v == 3), "{s}");
    assert!(schemas(&s, "snapshots").contains(&3), "{s}");
    for f in [
        "events-00000000000000000001.log",
        "events-00000000000000000611.log",
    ] {
        let a = std::fs::read(fixture_data().join(f)).unwrap();
        assert_eq!(std::fs::read(data.join(f)).unwrap(), a, "{f}");
    }
    let v = log_json("verify", &data);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["first_seq"], 1, "{v}");

    // The core's last published state is the restored one, marks included, and the
    // JSON contract shows the mark the position is valued at.
    let out = Command::new(BIN)
        .args(["monitor", "--once", "--json", "--name", name])
        .env("SEAMLESS_SHM_DIR", shm.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let snap: Value = serde_json::from_slice(&out.stdout).unwrap();
    let restored = restore(&data, RestoreOptions::default()).unwrap();
    let last_seq = restored.state.last_seq();
    assert!(last_seq > 668, "{}", restored.report);
    assert_eq!(snap["last_seq"], last_seq, "{snap}");
    let positions = snap["positions"].as_array().unwrap();
    assert_eq!(positions.len(), 2);
    for (ix, p) in positions.iter().enumerate() {
        let ours = &restored.state.positions()[ix];
        assert_eq!(ours.marked, 1);
        assert_eq!(p["mark"].to_string(), ours.mark.to_string(), "{p}");
        assert_eq!(p["mark_ns"], ours.mark_ns, "{p}");
        assert_eq!(p["qty"].to_string(), ours.qty.to_string(), "{p}");
    }
}
