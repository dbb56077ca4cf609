//! Behaviour of reader slots: create, read-only views from another handle, liveness
//! after the reader is SIGKILLed, take-over keeping the cursor, and listing with
//! foreign and garbage files present.
//!
//! Child processes re-run this test binary with `--exact child_process_entry`.

#![cfg(not(loom))] // the shm, region and reader_slot modules do not exist under loom

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use seamless_ipc::reader_slot::{
    Previous, ReaderSlot, ReaderSlotView, SLOT_SIZE, SlotCreateError, SlotOpenError,
    list_reader_slots,
};
use seamless_ipc::shm::OpenError;

mod common;
use common::{CHILD_NAME, CHILD_ROLE, ChildGuard, shm_tempdir, wait_until};
const PERSISTER: u32 = 1;
const MONITOR: u32 = 2;

/// Not a test of its own: the body of child processes (returns at once otherwise).
#[test]
fn child_process_entry() {
    let Ok(role) = std::env::var(CHILD_ROLE) else {
        return;
    };
    let name = std::env::var(CHILD_NAME).unwrap();
    match role.as_str() {
        "persister" => {
            let slot = ReaderSlot::open_or_take_over(None, &name, "persist", PERSISTER).unwrap();
            slot.set_durable_cursor(40);
            slot.set_following(777);
            slot.set_cursor(42);
            slot.set_gating(true);
            let give_up = Instant::now() + Duration::from_secs(300);
            while Instant::now() < give_up {
                slot.heartbeat();
                std::thread::sleep(Duration::from_millis(2));
            }
            std::process::exit(3);
        }
        other => panic!("unknown child role {other}"),
    }
}

fn mapping_perms(path: &Path) -> Vec<String> {
    let path = std::fs::canonicalize(path).unwrap();
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    maps.lines()
        .filter(|l| l.ends_with(path.to_str().unwrap()))
        .filter_map(|l| l.split_whitespace().nth(1).map(str::to_owned))
        .collect()
}

#[test]
fn a_slot_is_seen_read_only_from_another_handle() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<ReaderSlotView>();
    send_sync::<ReaderSlot>();

    let dir = shm_tempdir();
    let d = Some(dir.path());
    let slot = ReaderSlot::create_fresh(d, "inst", "monitor-7", MONITOR).unwrap();
    assert_eq!(slot.previous(), &Previous::Nothing);
    assert_eq!(
        slot.path(),
        dir.path().join("seamless-inst.reader-monitor-7")
    );
    let mode = std::fs::metadata(slot.path()).unwrap().permissions().mode();
    assert_eq!(mode & 0o7777, 0o600);

    let view = ReaderSlotView::open(d, "inst", "monitor-7").unwrap();
    assert_eq!(view.kind(), MONITOR);
    assert_eq!(view.pid(), std::process::id());
    assert_eq!(view.role(), "monitor-7");
    assert!(view.is_owner_alive() && view.is_current());
    assert_eq!(
        (view.cursor(), view.durable_cursor(), view.gating()),
        (0, 0, false)
    );

    slot.set_cursor(5);
    slot.set_durable_cursor(4);
    slot.set_following(99);
    slot.set_gating(true);
    slot.spare(0).unwrap().store(123, Ordering::Relaxed);
    assert!(slot.spare(8).is_none());
    assert_eq!(view.cursor(), 5);
    assert_eq!(view.durable_cursor(), 4);
    assert_eq!(view.following(), 99);
    assert!(view.gating());
    assert_eq!((view.spare(0), view.spare(8)), (Some(123), None));

    // The gate word follows the owner's stores; its address is stable.
    let gate = view.cursor_word();
    let ptr = gate.as_ptr();
    slot.set_cursor(6);
    assert_eq!(gate.load(), 6);
    assert_eq!(view.cursor_word().as_ptr(), ptr);
    assert_eq!(view.durable_cursor_word().load(), 4);

    let h0 = view.heartbeat_ns();
    wait_until("a later heartbeat", || {
        slot.heartbeat();
        view.heartbeat_ns() > h0
    });

    let perms = mapping_perms(slot.path());
    assert!(
        perms.iter().any(|p| p == "rw-s"),
        "owner maps read-write: {perms:?}"
    );
    assert!(
        perms.iter().any(|p| p == "r--s"),
        "view maps read-only: {perms:?}"
    );

    let info = view.info();
    assert_eq!((info.cursor, info.kind, info.alive), (6, MONITOR, true));

    drop(slot);
    assert!(!view.is_owner_alive());
    assert_eq!(view.cursor(), 6, "the file and its last cursor stay");
}

#[test]
fn a_role_held_by_a_live_reader_is_refused_with_its_pid() {
    let dir = shm_tempdir();
    let d = Some(dir.path());
    let _first = ReaderSlot::create_fresh(d, "inst", "persist", PERSISTER).unwrap();
    let pid = std::process::id();
    for second in [
        ReaderSlot::create_fresh(d, "inst", "persist", PERSISTER),
        ReaderSlot::open_or_take_over(d, "inst", "persist", PERSISTER),
    ] {
        let err = second.unwrap_err();
        assert!(
            matches!(err, SlotCreateError::Taken { pid: Some(p), .. } if p == pid),
            "{err:?}"
        );
        let want = format!("reader role persist of instance inst is already taken by pid {pid}");
        assert!(err.to_string().starts_with(&want), "{err}");
    }
    let err = ReaderSlot::create_fresh(d, "inst", "a.b", MONITOR).unwrap_err();
    assert!(matches!(err, SlotCreateError::InvalidName(_)), "{err:?}");
    assert!(err.to_string().starts_with("invalid reader role"), "{err}");
}

#[test]
fn a_sigkilled_reader_is_seen_dead_and_its_slot_taken_over_with_the_cursor() {
    let dir = shm_tempdir();
    let d = Some(dir.path());
    let mut child = ChildGuard::spawn("persister", dir.path(), "kill");
    let mut view = None;
    wait_until("the child's slot to publish its cursor", || {
        view = ReaderSlotView::open(d, "kill", "persist").ok();
        view.as_ref()
            .is_some_and(|v| v.cursor() == 42 && v.gating())
    });
    let view = view.unwrap();
    assert_eq!(view.pid(), child.pid());
    assert!(view.is_owner_alive());
    let listed = list_reader_slots(d, "kill").unwrap();
    assert!(listed[0].slot.as_ref().unwrap().alive);

    child.kill();
    assert!(
        !view.is_owner_alive(),
        "the kernel released the dead reader's lock"
    );
    let listed = list_reader_slots(d, "kill").unwrap();
    let info = listed[0].slot.as_ref().unwrap();
    assert!(!info.alive);
    assert_eq!((info.cursor, info.pid), (42, child.pid()));

    let slot = ReaderSlot::open_or_take_over(d, "kill", "persist", PERSISTER).unwrap();
    assert_eq!(
        slot.previous(),
        &Previous::TakenOver {
            pid: child.pid(),
            cursor: 42,
            durable_cursor: 40,
            following: 777,
        }
    );
    assert_eq!((slot.cursor(), slot.durable_cursor()), (42, 40));
    assert!(slot.gating());
    // Taken over in place: the old view (a gate) sees the same memory, alive again.
    assert!(view.is_current());
    assert!(view.is_owner_alive());
    assert_eq!(view.pid(), std::process::id());
    slot.set_cursor(43);
    assert_eq!(view.cursor(), 43);
}

#[test]
fn create_fresh_replaces_a_dead_slot_and_take_over_resets_a_foreign_kind() {
    let dir = shm_tempdir();
    let d = Some(dir.path());
    let old = ReaderSlot::create_fresh(d, "inst", "persist", PERSISTER).unwrap();
    old.set_cursor(5);
    drop(old);
    let old_view = ReaderSlotView::open(d, "inst", "persist").unwrap();

    let fresh = ReaderSlot::create_fresh(d, "inst", "persist", PERSISTER).unwrap();
    assert_eq!(fresh.previous(), &Previous::Replaced);
    assert_eq!(fresh.cursor(), 0);
    assert!(!old_view.is_current(), "a new file took the name");
    drop(fresh);

    let other = ReaderSlot::open_or_take_over(d, "inst", "persist", MONITOR).unwrap();
    assert!(
        matches!(other.previous(), Previous::Reset { reason } if reason.contains("kind")),
        "{:?}",
        other.previous()
    );
    assert_eq!(other.cursor(), 0);
    let view = ReaderSlotView::open(d, "inst", "persist").unwrap();
    assert_eq!(view.kind(), MONITOR);
}

#[test]
fn listing_reports_garbage_and_foreign_files_without_panicking() {
    let dir = shm_tempdir();
    let d = Some(dir.path());
    let p = |f: &str| dir.path().join(f);
    let private = |f: &str, bytes: &[u8]| {
        std::fs::write(p(f), bytes).unwrap();
        std::fs::set_permissions(p(f), std::fs::Permissions::from_mode(0o600)).unwrap();
    };

    let live = ReaderSlot::create_fresh(d, "inst", "persist", PERSISTER).unwrap();
    live.set_cursor(9);
    drop(ReaderSlot::create_fresh(d, "inst", "monitor-1", MONITOR).unwrap());
    let junk: Vec<u8> = (0..SLOT_SIZE).map(|i| (i * 7 + 3) as u8).collect();
    private("seamless-inst.reader-junk", &junk);
    private("seamless-inst.reader-short", &[1, 2, 3]);
    private("seamless-inst.reader-big", &vec![0u8; 2 * SLOT_SIZE]);
    private("seamless-inst.reader-bad.role", b"x");
    std::fs::copy(live.path(), p("seamless-inst.reader-renamed")).unwrap();
    std::fs::copy(live.path(), p("seamless-inst.reader-loose")).unwrap();
    std::fs::set_permissions(
        p("seamless-inst.reader-loose"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    std::os::unix::fs::symlink(live.path(), p("seamless-inst.reader-link")).unwrap();
    // Not listed: another instance's slot, the region itself, unrelated files.
    let _other = ReaderSlot::create_fresh(d, "other", "persist", PERSISTER).unwrap();
    private("seamless-inst", b"region");
    private("unrelated", b"x");

    let listed = list_reader_slots(d, "inst").unwrap();
    let roles: Vec<&str> = listed.iter().map(|l| l.role.as_str()).collect();
    assert_eq!(
        roles,
        [
            "bad.role",
            "big",
            "junk",
            "link",
            "loose",
            "monitor-1",
            "persist",
            "renamed",
            "short"
        ]
    );
    for l in &listed {
        let slot = &l.slot;
        let ok = match l.role.as_str() {
            "persist" => matches!(slot, Ok(i) if i.alive && i.cursor == 9 && i.kind == PERSISTER),
            "monitor-1" => matches!(slot, Ok(i) if !i.alive && i.kind == MONITOR),
            "junk" => matches!(slot, Err(SlotOpenError::WrongMagic { .. })),
            "short" => matches!(
                slot,
                Err(SlotOpenError::Open(OpenError::TooSmall { size: 3, .. }))
            ),
            "big" => matches!(slot, Err(SlotOpenError::WrongSize { .. })),
            "bad.role" => matches!(slot, Err(SlotOpenError::InvalidName(_))),
            "renamed" => {
                matches!(slot, Err(SlotOpenError::RoleMismatch { found, .. }) if found == "persist")
            }
            "loose" => matches!(
                slot,
                Err(SlotOpenError::Open(OpenError::WrongPermissions {
                    mode: 0o644,
                    ..
                }))
            ),
            "link" => matches!(slot, Err(SlotOpenError::Open(OpenError::Symlink { .. }))),
            other => panic!("unexpected role {other}"),
        };
        assert!(ok, "{}: {:?}", l.role, slot);
        if let Err(e) = slot {
            let msg = e.to_string();
            let names_file = msg.contains(l.path.to_str().unwrap()) || msg.contains(&l.role);
            assert!(names_file, "{msg:?} names neither file nor role");
        }
    }
}

#[test]
fn a_missing_slot_is_a_clear_error() {
    let dir = shm_tempdir();
    let err = ReaderSlotView::open(Some(dir.path()), "inst", "persist").unwrap_err();
    assert!(matches!(err, SlotOpenError::NotFound { .. }), "{err:?}");
    assert!(
        err.to_string().contains("seamless-inst.reader-persist"),
        "{err}"
    );
    assert!(
        list_reader_slots(Some(dir.path()), "inst")
            .unwrap()
            .is_empty()
    );
    assert!(list_reader_slots(Some(dir.path()), "a/b").is_err());
}
