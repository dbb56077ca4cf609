//! The restore rate, measured (never asserted): `cargo test --release -p
//! seamless-persist --test restore_rate -- --ignored --nocapture`. The figure for the
//! project is `seamless bench persist`; this is the quick check beside the code.

use seamless_persist::bench::{restore_rate, write_synthetic_log};

#[test]
#[ignore = "a measurement: run in release with --ignored --nocapture"]
fn restore_a_million_events() {
    let dir = tempfile::tempdir().unwrap();
    let state = write_synthetic_log(dir.path(), 1_000_000, 64 << 20).unwrap();
    for round in 0..5 {
        let r = restore_rate(dir.path()).unwrap();
        assert_eq!(r.last_seq, state.last_seq(), "correctness before speed");
        println!(
            "round {round}: restored {} events in {:.1} ms: {:.2}M events/s \
             (CPU {:.1} ms: {:.2}M events per CPU-second)",
            r.events,
            r.elapsed.as_secs_f64() * 1e3,
            r.per_sec / 1e6,
            r.cpu.as_secs_f64() * 1e3,
            r.per_cpu_sec / 1e6
        );
    }
}
