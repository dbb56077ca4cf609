//! Behaviour of the core's region: create/attach round trip, one owner per name (also
//! across processes), replacement of a region left by a SIGKILLed owner, heartbeat,
//! status words, sections, removal and clean-up.
//!
//! Child processes re-run this test binary with `--exact child_process_entry` and an
//! environment variable naming their role; they find the directory through
//! `SEAMLESS_SHM_DIR` (so that path is exercised too).

#![cfg(not(loom))] // the shm, region and reader_slot modules do not exist under loom

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use seamless_ipc::reader_slot::ReaderSlot;
use seamless_ipc::region::{
    AttachError, CreateError, LayoutHasher, RegionOwner, RegionReader, RegionSpec, SectionError,
    SectionSpec, Status, clean_stale,
};
use seamless_ipc::shm::{self, Origin, Removal};

mod common;
use common::{CHILD_NAME, CHILD_ROLE, ChildGuard, shm_tempdir, wait_until};
const VERSION: u32 = 3;
const HASH: u64 = LayoutHasher::new()
    .record("Test", 16, 8)
    .field("a", 0, 8)
    .field("b", 8, 8)
    .finish();
const SECTIONS: &[SectionSpec<'static>] = &[
    SectionSpec {
        id: 1,
        name: "state",
        len: 4096,
        align: 64,
    },
    SectionSpec {
        id: 2,
        name: "ring",
        len: 8192,
        align: 4096,
    },
    SectionSpec {
        id: 3,
        name: "tiny",
        len: 8,
        align: 8,
    },
];
const SPEC: RegionSpec<'static> = RegionSpec {
    layout_version: VERSION,
    layout_hash: HASH,
    sections: SECTIONS,
};

/// Not a test of its own: the body of child processes (returns at once otherwise).
#[test]
fn child_process_entry() {
    let Ok(role) = std::env::var(CHILD_ROLE) else {
        return;
    };
    let name = std::env::var(CHILD_NAME).unwrap();
    match role.as_str() {
        "hold-region" => {
            // dir None: found through SEAMLESS_SHM_DIR.
            let owner = RegionOwner::create(None, &name, &SPEC).unwrap();
            owner.section(3).unwrap().words()[0].store(0xC41D, Ordering::Release);
            owner.set_status(Status::Running);
            // Beat until killed; give up after a while so an abandoned child goes away.
            let give_up = Instant::now() + Duration::from_secs(300);
            while Instant::now() < give_up {
                owner.heartbeat();
                std::thread::sleep(Duration::from_millis(2));
            }
            std::process::exit(3);
        }
        other => panic!("unknown child role {other}"),
    }
}

/// The permissions /proc/self/maps shows for the mapping of `path` (e.g. "r--s").
fn mapping_perms(path: &Path) -> Vec<String> {
    let path = std::fs::canonicalize(path).unwrap();
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    maps.lines()
        .filter(|l| l.ends_with(path.to_str().unwrap()))
        .filter_map(|l| l.split_whitespace().nth(1).map(str::to_owned))
        .collect()
}

#[test]
fn create_then_attach_round_trips_header_and_sections() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<RegionOwner>();
    send_sync::<RegionReader>();

    let dir = shm_tempdir();
    let owner = RegionOwner::create(Some(dir.path()), "rt", &SPEC).unwrap();
    assert_eq!(owner.origin(), Origin::Fresh);
    assert_eq!(owner.status(), Status::Starting);
    assert_eq!(owner.path(), dir.path().join("seamless-rt"));
    owner.section(1).unwrap().words()[511].store(11, Ordering::Release);
    owner.section_by_name("ring").unwrap().words()[0].store(22, Ordering::Release);
    owner.section(3).unwrap().words()[0].store(33, Ordering::Release);

    let meta = std::fs::metadata(owner.path()).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(meta.permissions().mode() & 0o7777, 0o600);
    assert_eq!(meta.len() as usize, owner.total_size());

    let reader = RegionReader::attach(Some(dir.path()), "rt", VERSION, HASH).unwrap();
    assert_eq!(reader.pid(), std::process::id());
    assert_eq!(reader.instance_id(), owner.instance_id());
    assert_eq!(reader.start_time_unix_ns(), owner.start_time_unix_ns());
    assert_eq!(
        (reader.layout_version(), reader.layout_hash()),
        (VERSION, HASH)
    );
    assert_eq!(reader.total_size(), owner.total_size());
    assert_eq!(reader.sections(), owner.sections());
    assert_eq!(reader.status(), Status::Starting);
    assert!(reader.is_owner_alive());
    assert!(reader.is_current());

    let state = reader.section(1).unwrap();
    assert_eq!((state.len(), state.load(511)), (512, Some(11)));
    let ring = reader.section_by_name("ring").unwrap();
    assert_eq!(ring.load(0), Some(22));
    assert_eq!(
        ring.as_ptr() as usize % 4096,
        0,
        "ring asked for 4096 alignment"
    );
    assert_eq!(reader.section(3).unwrap().load(0), Some(33));
    for s in reader.sections() {
        assert_eq!(s.offset % 128, 0, "{s:?}");
    }
    assert_eq!(
        reader.section(99).unwrap_err(),
        SectionError::NoSuchId { id: 99 }
    );
    assert!(matches!(
        reader.section_by_name("nope"),
        Err(SectionError::NoSuchName { .. })
    ));

    owner.set_status(Status::Running);
    assert_eq!(reader.status(), Status::Running);

    // The owner maps it read-write, the reader read-only (PROT_READ).
    let perms = mapping_perms(owner.path());
    assert!(perms.iter().any(|p| p == "rw-s"), "{perms:?}");
    assert!(perms.iter().any(|p| p == "r--s"), "{perms:?}");

    // inspect() skips the layout check, attach() does not.
    assert!(RegionReader::inspect(Some(dir.path()), "rt").is_ok());
    let err = RegionReader::attach(Some(dir.path()), "rt", 2, HASH).unwrap_err();
    assert!(matches!(
        err,
        AttachError::LayoutVersion {
            found: 3,
            expected: 2,
            ..
        }
    ));
    assert!(
        err.to_string()
            .starts_with("region layout v3, this reader understands v2"),
        "{err}"
    );
    let err = RegionReader::attach(Some(dir.path()), "rt", VERSION, HASH ^ 1).unwrap_err();
    assert!(matches!(err, AttachError::LayoutHash { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(&format!("{HASH:#018x}")), "{msg}");
    assert!(msg.contains(&format!("{:#018x}", HASH ^ 1)), "{msg}");
}

#[test]
fn a_second_owner_in_the_same_process_is_refused_with_the_pid() {
    // flock locks belong to open file descriptions: two opens in one process conflict.
    let dir = shm_tempdir();
    let _first = RegionOwner::create(Some(dir.path()), "dup", &SPEC).unwrap();
    let err = RegionOwner::create(Some(dir.path()), "dup", &SPEC).unwrap_err();
    let pid = std::process::id();
    assert!(
        matches!(err, CreateError::AlreadyRunning { pid: Some(p), .. } if p == pid),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with(&format!("instance dup is already running, pid {pid}")),
        "{err}"
    );
}

#[test]
fn a_live_child_owner_is_refused_and_its_region_replaced_after_sigkill() {
    let dir = shm_tempdir();
    let mut child = ChildGuard::spawn("hold-region", dir.path(), "kid");
    let mut reader = None;
    wait_until("the child's region to be running", || {
        reader = RegionReader::attach(Some(dir.path()), "kid", VERSION, HASH).ok();
        reader
            .as_ref()
            .is_some_and(|r| r.status() == Status::Running)
    });
    let reader = reader.unwrap();
    assert_eq!(reader.pid(), child.pid());
    assert_eq!(reader.section(3).unwrap().load(0), Some(0xC41D));
    assert!(reader.is_owner_alive());

    let err = RegionOwner::create(Some(dir.path()), "kid", &SPEC).unwrap_err();
    let want = format!("instance kid is already running, pid {}", child.pid());
    assert!(err.to_string().starts_with(&want), "{err}");

    // clean never touches a live owner's file.
    let cleaned = clean_stale(Some(dir.path()), Some("kid")).unwrap();
    assert_eq!(cleaned.len(), 1);
    assert_eq!(cleaned[0].outcome.as_ref().unwrap(), &Removal::Live);
    assert!(reader.is_current());

    // The child's heartbeat advances.
    let h0 = reader.heartbeat_ns();
    wait_until("the heartbeat to advance", || reader.heartbeat_ns() > h0);
    assert!(reader.heartbeat_age().is_some());

    child.kill();
    assert!(!reader.is_owner_alive(), "the kernel released the lock");
    assert_eq!(
        reader.status(),
        Status::Running,
        "a crash leaves the status"
    );

    let owner = RegionOwner::create(Some(dir.path()), "kid", &SPEC).unwrap();
    assert_eq!(owner.origin(), Origin::ReplacedStale);
    assert_ne!(owner.instance_id(), reader.instance_id());
    assert!(!reader.is_current(), "the old reader sees it was replaced");
    let fresh = RegionReader::attach(Some(dir.path()), "kid", VERSION, HASH).unwrap();
    assert_eq!(fresh.instance_id(), owner.instance_id());
    assert_eq!(fresh.pid(), std::process::id());
    assert_eq!(
        fresh.section(3).unwrap().load(0),
        Some(0),
        "zeroed, not inherited"
    );
}

#[test]
fn heartbeat_and_status_follow_the_owner_and_drop_leaves_a_stopped_file() {
    let dir = shm_tempdir();
    let owner = RegionOwner::create(Some(dir.path()), "hb", &SPEC).unwrap();
    let reader = RegionReader::attach(Some(dir.path()), "hb", VERSION, HASH).unwrap();
    let h0 = reader.heartbeat_ns();
    assert_ne!(h0, 0, "create beats once");
    wait_until("a later heartbeat", || {
        owner.heartbeat();
        reader.heartbeat_ns() > h0
    });
    for s in [Status::Running, Status::Stopped, Status::Running] {
        owner.set_status(s);
        assert_eq!(reader.status(), s);
    }
    drop(owner);
    assert_eq!(reader.status(), Status::Stopped);
    assert!(!reader.is_owner_alive());
    assert!(reader.is_current(), "drop keeps the file");
    let again = RegionReader::attach(Some(dir.path()), "hb", VERSION, HASH).unwrap();
    assert_eq!(again.status(), Status::Stopped);
    assert!(!again.is_owner_alive());
    let next = RegionOwner::create(Some(dir.path()), "hb", &SPEC).unwrap();
    assert_eq!(next.origin(), Origin::ReplacedStale);
}

#[test]
fn remove_deletes_the_file_and_attach_says_how_to_start_one() {
    let dir = shm_tempdir();
    let owner = RegionOwner::create(Some(dir.path()), "gone", &SPEC).unwrap();
    let reader = RegionReader::attach(Some(dir.path()), "gone", VERSION, HASH).unwrap();
    let path = owner.path().to_path_buf();
    owner.remove().unwrap();
    assert!(!path.exists());
    assert_eq!(
        reader.status(),
        Status::Stopped,
        "readers keep their mapping"
    );
    let err = RegionReader::attach(Some(dir.path()), "gone", VERSION, HASH).unwrap_err();
    assert!(matches!(err, AttachError::NotFound { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("no running instance gone"), "{msg}");
    assert!(msg.contains("seamless core --name gone"), "{msg}");
}

#[test]
fn invalid_names_are_refused_before_touching_the_file_system() {
    let dir = shm_tempdir();
    let long = "n".repeat(65);
    for bad in ["", "a/b", "a.b", "..", "sp ace", long.as_str()] {
        let err = RegionOwner::create(Some(dir.path()), bad, &SPEC).unwrap_err();
        assert!(
            matches!(err, CreateError::InvalidName(_)),
            "{bad:?}: {err:?}"
        );
        assert!(
            err.to_string().starts_with("invalid instance name"),
            "{err}"
        );
        let err = RegionReader::attach(Some(dir.path()), bad, VERSION, HASH).unwrap_err();
        assert!(
            matches!(err, AttachError::InvalidName(_)),
            "{bad:?}: {err:?}"
        );
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn a_bad_spec_is_refused() {
    let dir = shm_tempdir();
    let spec = RegionSpec {
        sections: &[SectionSpec {
            id: 1,
            name: "odd",
            len: 12,
            align: 8,
        }],
        ..SPEC
    };
    let err = RegionOwner::create(Some(dir.path()), "spec", &spec).unwrap_err();
    assert!(matches!(err, CreateError::Spec(_)), "{err:?}");
    assert!(err.to_string().contains("\"odd\" has length 12"), "{err}");
}

#[test]
fn no_space_is_a_clear_error_and_leaves_nothing_behind() {
    let dir = shm_tempdir();
    let huge = RegionSpec {
        sections: &[SectionSpec {
            id: 1,
            name: "huge",
            len: 1 << 46, // 64 TiB: more than any tmpfs here
            align: 8,
        }],
        ..SPEC
    };
    let err = RegionOwner::create(Some(dir.path()), "big", &huge).unwrap_err();
    assert!(
        matches!(err, CreateError::Segment(shm::CreateError::NoSpace { .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("no space left"), "{err}");
    assert!(!dir.path().join("seamless-big").exists());
    // And the name is usable right away.
    RegionOwner::create(Some(dir.path()), "big", &SPEC).unwrap();
}

#[test]
fn starters_racing_for_one_name_produce_exactly_one_owner() {
    const THREADS: usize = 4;
    const ROUNDS: usize = 25;
    let dir = shm_tempdir();
    for round in 0..ROUNDS {
        let name = format!("race{round}");
        if round % 2 == 1 {
            // Odd rounds race over a stale file left by a dead (dropped) owner.
            drop(RegionOwner::create(Some(dir.path()), &name, &SPEC).unwrap());
        }
        let start = Arc::new(Barrier::new(THREADS));
        let done = Arc::new(Barrier::new(THREADS));
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                let (start, done) = (start.clone(), done.clone());
                let (dir, name) = (dir.path().to_path_buf(), name.clone());
                std::thread::spawn(move || {
                    start.wait();
                    let result = RegionOwner::create(Some(&dir), &name, &SPEC);
                    done.wait(); // the winner keeps its region until everyone tried
                    result.map(|o| o.origin())
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let winners: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(winners.len(), 1, "round {round}: {results:?}");
        for r in &results {
            if let Err(e) = r {
                assert!(matches!(e, CreateError::AlreadyRunning { .. }), "{e:?}");
            }
        }
    }
}

#[test]
fn clean_stale_removes_dead_owners_files_only() {
    let dir = shm_tempdir();
    let d = Some(dir.path());
    let live = RegionOwner::create(d, "live", &SPEC).unwrap();
    let _live_slot = ReaderSlot::create_fresh(d, "live", "persist", 1).unwrap();
    drop(RegionOwner::create(d, "dead", &SPEC).unwrap());
    drop(ReaderSlot::create_fresh(d, "dead", "monitor-1", 2).unwrap());
    let foreign: Vec<PathBuf> = ["seamless-x.tmp", "other-file", "seamless-dead.reader-a.b"]
        .iter()
        .map(|f| dir.path().join(f))
        .collect();
    for f in &foreign {
        std::fs::write(f, b"not ours").unwrap();
    }

    // Naming one instance touches only its files.
    let only_dead = clean_stale(d, Some("dead")).unwrap();
    assert_eq!(only_dead.len(), 2, "{only_dead:?}");
    assert!(
        only_dead
            .iter()
            .all(|c| c.outcome.as_ref().unwrap() == &Removal::Removed)
    );
    assert!(!dir.path().join("seamless-dead").exists());
    assert!(!dir.path().join("seamless-dead.reader-monitor-1").exists());

    drop(RegionOwner::create(d, "dead2", &SPEC).unwrap());
    let all = clean_stale(d, None).unwrap();
    let outcome = |file: &str| {
        all.iter()
            .find(|c| c.path == dir.path().join(file))
            .map(|c| *c.outcome.as_ref().unwrap())
    };
    assert_eq!(outcome("seamless-live"), Some(Removal::Live));
    assert_eq!(outcome("seamless-live.reader-persist"), Some(Removal::Live));
    assert_eq!(outcome("seamless-dead2"), Some(Removal::Removed));
    assert_eq!(all.len(), 3, "foreign files are not candidates: {all:?}");
    for f in &foreign {
        assert!(f.exists(), "{f:?} must be left alone");
    }
    assert!(live.path().exists());
}
