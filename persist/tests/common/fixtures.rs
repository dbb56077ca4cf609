//! The schema fixtures in persist/tests/fixtures/vN: files an older schema's code
//! really wrote, and the values its core had (`expected.json`).

use std::path::{Path, PathBuf};

use serde_json::Value;

use seamless_persist::tools::{stats::stats, verify::verify};

use super::{copy_dir, segments, snapshots};

/// The fixture directory of schema `v` ("v1", "v2", ...).
pub fn fixture(v: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(v)
}

/// A copy of a fixture's data directory (nothing ever writes into the repository).
pub fn copy_fixture(v: &str) -> tempfile::TempDir {
    copy_dir(&fixture(v).join("data"))
}

/// The fixture's `expected.json`.
pub fn expected(v: &str) -> Value {
    let text = std::fs::read_to_string(fixture(v).join("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A decimal string of `expected.json` parsed as `T`.
pub fn dec<T: std::str::FromStr>(v: &Value) -> T
where
    T::Err: std::fmt::Debug,
{
    v.as_str().unwrap().parse().unwrap()
}

/// The schema version in a segment's or snapshot's header.
pub fn file_schema(path: &Path) -> u32 {
    let bytes = std::fs::read(path).unwrap();
    u32::from_le_bytes(bytes[8..12].try_into().unwrap())
}

/// Checks that fixture `v`'s files all carry `schema` and `layout_hash` in their headers,
/// and that there are `counts` (segments, snapshots) of them.
pub fn assert_fixture_files(v: &str, schema: u32, layout_hash: u64, counts: (usize, usize)) {
    let dir = fixture(v).join("data");
    for f in segments(&dir).iter().chain(&snapshots(&dir)) {
        assert_eq!(file_schema(f), schema, "{}", f.display());
        let bytes = std::fs::read(f).unwrap();
        let hash = u64::from_le_bytes(bytes[16..24].try_into().unwrap());
        assert_eq!(hash, layout_hash, "{}", f.display());
    }
    assert_eq!((segments(&dir).len(), snapshots(&dir).len()), counts);
}

/// Checks that `seamless log verify` passes on `dir` (a copy of fixture `v`), comparing
/// its two snapshots with the fold of the log, over the number of records in `v`'s
/// `expected.json`.
pub fn assert_verifies(dir: &Path, v: &str) {
    let want = expected(v);
    let report = verify(dir).unwrap();
    assert!(report.ok(), "{report}");
    assert_eq!(report.snapshots_compared, 2, "{report}");
    assert_eq!(
        report.walked.records,
        want["verify"]["records"].as_u64().unwrap()
    );
}

/// Checks that `seamless log stats` sees every segment and snapshot in `dir` at `schema`.
pub fn assert_stats_schema(dir: &Path, schema: u32) {
    let s = stats(dir).unwrap();
    assert!(s.segments.iter().all(|f| f.schema == schema));
    assert!(s.snapshots.iter().all(|f| f.schema == Some(schema)));
}

/// Rewrites a file's schema to `schema` and fixes the checksum that covers it (the
/// header's for a segment, the file's for a snapshot): a well-formed file as a newer
/// build would write it.
pub fn craft_schema(path: &Path, schema: u32) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[8..12].copy_from_slice(&schema.to_le_bytes());
    let crc_at = if path.extension().is_some_and(|e| e == "snap") {
        bytes.len() - 4
    } else {
        let header_len = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
        header_len - 4
    };
    let crc = crc32c::crc32c(&bytes[..crc_at]);
    bytes[crc_at..crc_at + 4].copy_from_slice(&crc.to_le_bytes());
    std::fs::write(path, bytes).unwrap();
}
