//! Corrupt, foreign and hostile region files: every case is a clear typed error naming
//! the file (and the field), never a panic, SIGSEGV or SIGBUS.
//!
//! Fields are patched at the byte offsets the `region` module documents as its file
//! format, so these tests also pin that format down.

#![cfg(not(loom))] // the shm, region and reader_slot modules do not exist under loom

use std::fs::{File, OpenOptions};
use std::os::unix::fs::{FileExt, PermissionsExt};
use std::path::{Path, PathBuf};

use seamless_ipc::region::{
    AttachError, RegionOwner, RegionReader, RegionSpec, SectionSpec, Status,
};
use seamless_ipc::shm::OpenError;

const VERSION: u32 = 3;
const HASH: u64 = 0x1234_5678_9abc_def0;
const SPEC: RegionSpec<'static> = RegionSpec {
    layout_version: VERSION,
    layout_hash: HASH,
    sections: &[
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
    ],
};

// Documented byte offsets (region module docs, "File format").
const MAGIC: u64 = 0;
const FORMAT: u64 = 64;
const LAYOUT_VERSION: u64 = 68;
const LAYOUT_HASH: u64 = 72;
const TOTAL_SIZE: u64 = 80;
const HEADER_SIZE: u64 = 88;
const SECTION_COUNT: u64 = 96;
const CREATOR_PID: u64 = 100;
const SECTIONS: u64 = 120;
const ENTRY: u64 = 40;
const E_ID: u64 = 0;
const E_ALIGN: u64 = 4;
const E_OFFSET: u64 = 8;
const E_LEN: u64 = 16;
const E_NAME: u64 = 24;

fn shm_tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("seamless-test-")
        .tempdir_in("/dev/shm")
        .expect("a temp dir under /dev/shm")
}

/// A good region left by an owner that stopped (unlocked, status Stopped).
fn stopped_region(dir: &Path, name: &str) -> PathBuf {
    let owner = RegionOwner::create(Some(dir), name, &SPEC).unwrap();
    owner.set_status(Status::Running);
    let path = owner.path().to_path_buf();
    drop(owner);
    path
}

fn patch(path: &Path, offset: u64, bytes: &[u8]) {
    let f = OpenOptions::new().write(true).open(path).unwrap();
    f.write_all_at(bytes, offset).unwrap();
}

fn read_u64(path: &Path, offset: u64) -> u64 {
    let mut b = [0u8; 8];
    File::open(path)
        .unwrap()
        .read_exact_at(&mut b, offset)
        .unwrap();
    u64::from_ne_bytes(b)
}

fn attach(dir: &Path, name: &str) -> Result<RegionReader, AttachError> {
    RegionReader::attach(Some(dir), name, VERSION, HASH)
}

/// Asserts `err` names the file, and every one of `words`.
fn assert_names(err: &AttachError, path: &Path, words: &[&str]) {
    let msg = err.to_string();
    assert!(
        msg.contains(path.to_str().unwrap()),
        "{msg:?} lacks the path"
    );
    for w in words {
        assert!(msg.contains(w), "{msg:?} lacks {w:?}");
    }
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

fn write_private(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

#[test]
fn a_file_of_random_bytes_is_not_a_region() {
    let dir = shm_tempdir();
    let path = dir.path().join("seamless-noise");
    let mut bytes = Rng(0x9e37_79b9_7f4a_7c15).bytes(8192);
    bytes[0] |= 1; // a non-zero first word: "not a region", not "unfinished"
    write_private(&path, &bytes);
    let err = attach(dir.path(), "noise").unwrap_err();
    assert!(matches!(err, AttachError::WrongMagic { .. }), "{err:?}");
    assert_names(&err, &path, &["not a seamless region"]);
}

#[test]
fn each_header_field_made_wrong_is_named() {
    let dir = shm_tempdir();
    let d = dir.path();
    // (region name, patch offset, bytes, the expected error, words its message names)
    type Check = fn(&AttachError) -> bool;
    type Case = (&'static str, u64, Vec<u8>, Check, &'static [&'static str]);
    let entry = |i: u64, f: u64| SECTIONS + i * ENTRY + f;
    let huge_len = (u64::MAX - 127).to_ne_bytes();
    let cases: Vec<Case> = vec![
        (
            "magic",
            MAGIC,
            0xdead_beef_u64.to_ne_bytes().to_vec(),
            |e| {
                matches!(
                    e,
                    AttachError::WrongMagic {
                        found: 0xdead_beef,
                        ..
                    }
                )
            },
            &["not a seamless region"],
        ),
        (
            "format",
            FORMAT,
            7u32.to_ne_bytes().to_vec(),
            |e| {
                matches!(
                    e,
                    AttachError::UnsupportedFormat {
                        found: 7,
                        expected: 1,
                        ..
                    }
                )
            },
            &["format 7", "format 1"],
        ),
        (
            "version",
            LAYOUT_VERSION,
            9u32.to_ne_bytes().to_vec(),
            |e| {
                matches!(
                    e,
                    AttachError::LayoutVersion {
                        found: 9,
                        expected: 3,
                        ..
                    }
                )
            },
            &["region layout v9, this reader understands v3"],
        ),
        (
            "hash",
            LAYOUT_HASH,
            0xfeedu64.to_ne_bytes().to_vec(),
            |e| {
                matches!(
                    e,
                    AttachError::LayoutHash {
                        found: 0xfeed,
                        expected: HASH,
                        ..
                    }
                )
            },
            &["0x000000000000feed", "0x123456789abcdef0"],
        ),
        (
            "total",
            TOTAL_SIZE,
            (1u64 << 40).to_ne_bytes().to_vec(),
            |e| {
                matches!(
                    e,
                    AttachError::SizeMismatch {
                        header: 1099511627776,
                        ..
                    }
                )
            },
            &["total_size", "1099511627776"],
        ),
        (
            "hdrsize",
            HEADER_SIZE,
            8u64.to_ne_bytes().to_vec(),
            |e| matches!(e, AttachError::Corrupt { field, .. } if field == "header_size"),
            &["header_size"],
        ),
        (
            "count17",
            SECTION_COUNT,
            17u32.to_ne_bytes().to_vec(),
            |e| matches!(e, AttachError::Corrupt { field, .. } if field == "section_count"),
            &["section_count", "17"],
        ),
        (
            "countmax",
            SECTION_COUNT,
            u32::MAX.to_ne_bytes().to_vec(),
            |e| matches!(e, AttachError::Corrupt { field, .. } if field == "section_count"),
            &["section_count"],
        ),
        (
            "overflow",
            entry(1, E_LEN),
            huge_len.to_vec(),
            |e| matches!(e, AttachError::Corrupt { field, .. } if field == "sections[1].len"),
            &["sections[1].len", "overflows"],
        ),
        (
            "pastend",
            entry(1, E_LEN),
            (1u64 << 20).to_ne_bytes().to_vec(),
            |e| matches!(e, AttachError::Corrupt { field, .. } if field == "sections[1].len"),
            &["sections[1].len", "past the end"],
        ),
        (
            "farout",
            entry(0, E_OFFSET),
            (1u64 << 40).to_ne_bytes().to_vec(),
            |e| matches!(e, AttachError::Corrupt { field, .. } if field == "sections[0].offset"),
            &["sections[0].offset", "past the end"],
        ),
        (
            "inheader",
            entry(0, E_OFFSET),
            0u64.to_ne_bytes().to_vec(),
            |e| matches!(e, AttachError::Corrupt { field, .. } if field == "sections[0].offset"),
            &["sections[0].offset", "inside"],
        ),
        (
            "misaligned",
            entry(1, E_OFFSET),
            (8192u64 + 8).to_ne_bytes().to_vec(),
            |e| matches!(e, AttachError::Corrupt { field, .. } if field == "sections[1].offset"),
            &["sections[1].offset", "multiple"],
        ),
        (
            "overlap",
            entry(1, E_OFFSET),
            4096u64.to_ne_bytes().to_vec(),
            |e| matches!(e, AttachError::Corrupt { field, .. } if field == "sections[1].offset"),
            &["sections[1].offset", "overlaps sections[0]"],
        ),
        (
            "align",
            entry(0, E_ALIGN),
            3u32.to_ne_bytes().to_vec(),
            |e| matches!(e, AttachError::Corrupt { field, .. } if field == "sections[0].align"),
            &["sections[0].align"],
        ),
        (
            "badlen",
            entry(0, E_LEN),
            12u64.to_ne_bytes().to_vec(),
            |e| matches!(e, AttachError::Corrupt { field, .. } if field == "sections[0].len"),
            &["sections[0].len", "multiple of 8"],
        ),
        (
            "dupid",
            entry(1, E_ID),
            1u32.to_ne_bytes().to_vec(),
            |e| matches!(e, AttachError::Corrupt { field, .. } if field == "sections[1].id"),
            &["sections[1].id"],
        ),
        (
            "name",
            entry(1, E_NAME),
            b"ri/g".to_vec(),
            |e| matches!(e, AttachError::Corrupt { field, .. } if field == "sections[1].name"),
            &["sections[1].name"],
        ),
    ];
    for (name, offset, bytes, check, words) in cases {
        let path = stopped_region(d, name);
        assert!(
            attach(d, name).is_ok(),
            "{name}: the unpatched region attaches"
        );
        patch(&path, offset, &bytes);
        let err = match attach(d, name) {
            Ok(_) => panic!("{name}: a patched header was accepted"),
            Err(e) => e,
        };
        assert!(check(&err), "{name}: unexpected {err:?}");
        assert_names(&err, &path, words);
    }
}

#[test]
fn the_documented_offsets_hold_what_the_reader_reports() {
    let dir = shm_tempdir();
    let path = stopped_region(dir.path(), "offsets");
    let r = RegionReader::inspect(Some(dir.path()), "offsets").unwrap();
    assert_eq!(read_u64(&path, MAGIC), u64::from_le_bytes(*b"SEAMLSRG"));
    assert_eq!(read_u64(&path, TOTAL_SIZE), r.total_size() as u64);
    assert_eq!(read_u64(&path, LAYOUT_HASH), HASH);
    assert_eq!(read_u64(&path, CREATOR_PID) as u32, r.pid());
    assert_eq!(read_u64(&path, 8), 3, "status word: stopped");
    assert_eq!(
        read_u64(&path, SECTIONS + ENTRY + E_OFFSET),
        r.sections()[1].offset as u64
    );
}

#[test]
fn a_file_shorter_than_its_header_says_is_refused() {
    let dir = shm_tempdir();
    let path = stopped_region(dir.path(), "short");
    let full = std::fs::metadata(&path).unwrap().len();
    OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(full - 4096)
        .unwrap();
    let err = attach(dir.path(), "short").unwrap_err();
    assert!(
        matches!(err, AttachError::SizeMismatch { header, file, .. } if header == full && file == full - 4096),
        "{err:?}"
    );
    assert_names(&err, &path, &["total_size", "truncated"]);

    // Shorter than the header itself: refused before mapping.
    let path = stopped_region(dir.path(), "stub");
    OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(100)
        .unwrap();
    let err = attach(dir.path(), "stub").unwrap_err();
    assert!(
        matches!(
            err,
            AttachError::Open(OpenError::TooSmall {
                size: 100,
                min: 4096,
                ..
            })
        ),
        "{err:?}"
    );
    assert_names(&err, &path, &["too small", "100 bytes"]);
}

#[test]
fn an_empty_file_is_refused() {
    let dir = shm_tempdir();
    let path = dir.path().join("seamless-empty");
    write_private(&path, b"");
    let err = attach(dir.path(), "empty").unwrap_err();
    assert!(
        matches!(
            err,
            AttachError::Open(OpenError::TooSmall {
                size: 0,
                owner_alive: false,
                ..
            })
        ),
        "{err:?}"
    );
    assert_names(&err, &path, &["empty"]);
}

#[test]
fn an_unfinished_header_is_initialising_while_locked_and_abandoned_after() {
    let dir = shm_tempdir();
    let path = stopped_region(dir.path(), "half");
    patch(&path, MAGIC, &0u64.to_ne_bytes());
    let err = attach(dir.path(), "half").unwrap_err();
    assert!(matches!(err, AttachError::Abandoned { .. }), "{err:?}");
    assert_names(&err, &path, &["never finished"]);

    // Someone holding the lock (a starting owner) makes it "still initialising".
    let holder = File::open(&path).unwrap();
    rustix::fs::flock(
        &holder,
        rustix::fs::FlockOperation::NonBlockingLockExclusive,
    )
    .unwrap();
    let err = attach(dir.path(), "half").unwrap_err();
    assert!(
        matches!(err, AttachError::StillInitialising { .. }),
        "{err:?}"
    );
    assert_names(&err, &path, &["still initialising"]);

    // Same for an owner that has created the file but not yet sized it.
    let path = dir.path().join("seamless-zero");
    write_private(&path, b"");
    let holder = File::open(&path).unwrap();
    rustix::fs::flock(
        &holder,
        rustix::fs::FlockOperation::NonBlockingLockExclusive,
    )
    .unwrap();
    let err = attach(dir.path(), "zero").unwrap_err();
    assert!(
        matches!(err, AttachError::StillInitialising { .. }),
        "{err:?}"
    );
}

#[test]
fn group_or_other_permissions_are_refused() {
    let dir = shm_tempdir();
    let path = stopped_region(dir.path(), "open");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = attach(dir.path(), "open").unwrap_err();
    assert!(
        matches!(
            err,
            AttachError::Open(OpenError::WrongPermissions { mode: 0o644, .. })
        ),
        "{err:?}"
    );
    let want = format!(
        "wrong permissions 0644 on {}, expected 0600",
        path.display()
    );
    assert_eq!(err.to_string(), want);
}

#[test]
fn a_symlink_in_place_of_the_file_is_refused() {
    let dir = shm_tempdir();
    let real = stopped_region(dir.path(), "real");
    let link = dir.path().join("seamless-link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let err = attach(dir.path(), "link").unwrap_err();
    assert!(
        matches!(err, AttachError::Open(OpenError::Symlink { .. })),
        "{err:?}"
    );
    assert_names(&err, &link, &["symbolic link"]);
    // And an owner neither follows nor replaces it.
    let err = RegionOwner::create(Some(dir.path()), "link", &SPEC).unwrap_err();
    assert!(err.to_string().contains("symbolic link"), "{err}");
    assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
}

#[test]
fn a_directory_or_fifo_at_the_name_is_refused_without_blocking() {
    let dir = shm_tempdir();
    let sub = dir.path().join("seamless-adir");
    std::fs::create_dir(&sub).unwrap();
    std::fs::set_permissions(&sub, std::fs::Permissions::from_mode(0o700)).unwrap();
    let err = attach(dir.path(), "adir").unwrap_err();
    assert!(
        matches!(err, AttachError::Open(OpenError::NotRegularFile { .. })),
        "{err:?}"
    );
    assert_names(&err, &sub, &["not a regular file"]);

    let fifo = dir.path().join("seamless-fifo");
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &fifo,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
    let err = attach(dir.path(), "fifo").unwrap_err();
    assert!(
        matches!(err, AttachError::Open(OpenError::NotRegularFile { .. })),
        "{err:?}"
    );
    let err = RegionOwner::create(Some(dir.path()), "fifo", &SPEC).unwrap_err();
    assert!(err.to_string().contains("not a regular file"), "{err}");
}

#[test]
fn a_file_owned_by_another_user_is_refused() {
    if !rustix::process::geteuid().is_root() {
        eprintln!("skipped: needs root to chown a file to another user");
        return;
    }
    let dir = shm_tempdir();
    let path = stopped_region(dir.path(), "theirs");
    let nobody = rustix::fs::Uid::from_raw(65534);
    rustix::fs::chown(&path, Some(nobody), None).unwrap();
    let err = attach(dir.path(), "theirs").unwrap_err();
    assert!(
        matches!(
            err,
            AttachError::Open(OpenError::WrongOwner { uid: 65534, .. })
        ),
        "{err:?}"
    );
    assert_names(&err, &path, &["wrong owner", "uid 65534"]);
    // An owner does not replace another user's file either.
    let err = RegionOwner::create(Some(dir.path()), "theirs", &SPEC).unwrap_err();
    assert!(err.to_string().contains("uid 65534"), "{err}");
    assert!(path.exists());
}

#[test]
fn random_header_damage_never_crashes_the_reader() {
    let dir = shm_tempdir();
    let path = stopped_region(dir.path(), "fuzz");
    let pristine = std::fs::read(&path).unwrap();
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    let (mut accepted, mut refused) = (0, 0);
    for _ in 0..600 {
        std::fs::write(&path, &pristine).unwrap();
        // 1 to 4 random bytes somewhere in the used part of the header (0..760).
        for _ in 0..=(rng.next() % 4) {
            let at = rng.next() % 760;
            patch(&path, at, &[rng.next() as u8]);
        }
        match RegionReader::inspect(Some(dir.path()), "fuzz") {
            Ok(r) => {
                accepted += 1;
                // Whatever was accepted must be fully readable: touch every word.
                for s in r.sections().to_vec() {
                    let words = r.section(s.id).unwrap();
                    let sum: u64 = (0..words.len()).map(|i| words.load(i).unwrap()).sum();
                    assert_eq!(sum, 0, "sections are zero-filled");
                }
            }
            Err(e) => {
                refused += 1;
                assert!(e.to_string().contains(path.to_str().unwrap()), "{e}");
            }
        }
    }
    assert!(
        refused > 0 && accepted > 0,
        "accepted {accepted}, refused {refused}"
    );
}
