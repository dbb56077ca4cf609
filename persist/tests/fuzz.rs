//! Arbitrary bytes as a segment or a snapshot never panic: open, restore, verify,
//! stats and dump return errors or reports, and whatever restore accepts is the fold
//! of records that passed their checksums.

mod common;

use std::ops::ControlFlow;

use common::*;
use proptest::prelude::*;
use seamless_persist::bench::Synthetic;
use seamless_persist::tools::{dump, stats, verify};
use seamless_persist::{LogWriter, RestoreOptions, load_snapshot, restore, write_snapshot};

fn exercise(dir: &std::path::Path) {
    let _ = restore(dir, RestoreOptions::default());
    let _ = verify::verify(dir).unwrap();
    let _ = stats::stats(dir).unwrap();
    let _ = dump::for_each_event(dir, 0, |_, _, _| ControlFlow::Continue(())).unwrap();
    let copy = copy_dir(dir);
    let _ = restore(copy.path(), RestoreOptions { repair: true });
    let _ = LogWriter::open(copy.path(), 1 << 20, Synthetic::meta());
}

/// A valid segment of 8 records, to mutate.
fn valid_segment() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    write_log(dir.path(), &Run::new(8).records, 1 << 20);
    std::fs::read(&segments(dir.path())[0]).unwrap()
}

fn valid_snapshot() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = write_snapshot(dir.path(), &Run::new(8).fold(8), &Synthetic::meta()).unwrap();
    std::fs::read(path).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_as_a_segment(bytes in proptest::collection::vec(any::<u8>(), 0..2_000)) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("events-00000000000000000001.log"), &bytes).unwrap();
        exercise(dir.path());
    }

    #[test]
    fn a_mutated_segment(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6), cut in any::<prop::sample::Index>()) {
        let mut bytes = valid_segment();
        for (at, b) in edits {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        let keep = cut.index(bytes.len() + 1);
        bytes.truncate(keep.max(bytes.len() / 2));
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("events-00000000000000000001.log"), &bytes).unwrap();
        exercise(dir.path());
        // Whatever restore accepts is a prefix of the true log, folded exactly.
        if let Ok(r) = restore(dir.path(), RestoreOptions::default()) {
            let n = r.state.last_seq() as usize;
            prop_assert!(n <= 8);
            assert_state(&r.state, &Run::new(8).fold(n), "accepted prefix");
        }
    }

    #[test]
    fn arbitrary_bytes_as_a_snapshot(bytes in proptest::collection::vec(any::<u8>(), 0..4_000)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snapshot-00000000000000000005.snap");
        std::fs::write(&path, &bytes).unwrap();
        prop_assert!(load_snapshot(&path).is_err());
        exercise(dir.path());
    }

    #[test]
    fn a_mutated_snapshot(at in any::<prop::sample::Index>(), b in any::<u8>(), cut in any::<prop::sample::Index>()) {
        let mut bytes = valid_snapshot();
        let i = at.index(bytes.len());
        let changed = bytes[i] != b;
        bytes[i] = b;
        let keep = cut.index(bytes.len() + 1);
        if keep > bytes.len() - 16 { } else { bytes.truncate(keep); }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snapshot-00000000000000000008.snap");
        std::fs::write(&path, &bytes).unwrap();
        if changed || bytes.len() < valid_snapshot().len() {
            prop_assert!(load_snapshot(&path).is_err());
        }
        exercise(dir.path());
    }
}
