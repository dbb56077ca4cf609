//! The schema fixtures in persist/tests/fixtures/vN: files an older schema's code
//! really wrote, and the values its core had (`expected.json`).

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::copy_dir;

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
