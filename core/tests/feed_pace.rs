//! Pacing math: due times from the anchor, speed-ups, catching up, no drift. The pacer
//! is fed explicit instants, so nothing here sleeps or asserts a wall-clock duration.

use std::time::{Duration, Instant};

use seamless_config::Pace;
use seamless_core::feed::{Pacer, wait_until};

const MS: u64 = 1_000_000;
const T0: u64 = 1_704_153_600_000_000_000;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn max_never_waits() {
    let mut p = Pacer::new(Pace::Max);
    let start = Instant::now();
    assert!(p.is_unpaced());
    assert_eq!(p.delay(T0, start), None);
    assert_eq!(p.delay(T0 + 3_600_000 * MS, start), None);
}

#[test]
fn realtime_waits_for_the_source_gap() {
    let mut p = Pacer::new(Pace::Realtime);
    let start = Instant::now();
    assert!(!p.is_unpaced());
    assert_eq!(p.delay(T0, start), None); // anchors
    assert_eq!(p.delay(T0 + 250 * MS, start), Some(ms(250)));
    assert_eq!(p.delay(T0 + 250 * MS, start + ms(100)), Some(ms(150)));
    assert_eq!(p.delay(T0 + 250 * MS, start + ms(250)), None); // due now
    assert_eq!(p.delay(T0 + 250 * MS, start + ms(400)), None); // late: no wait
    assert_eq!(
        p.deadline(T0 + 1_000 * MS, start + ms(400)),
        Some(start + ms(1_000))
    );
}

#[test]
fn speed_divides_the_gaps() {
    let mut p = Pacer::new(Pace::Speed(10));
    let start = Instant::now();
    assert_eq!(p.delay(T0, start), None);
    assert_eq!(p.delay(T0 + 1_000 * MS, start), Some(ms(100)));
    // A day of bars at x1000 is 86.4 s.
    let mut p = Pacer::new(Pace::Speed(1_000));
    p.delay(T0, start);
    assert_eq!(
        p.delay(T0 + 86_400_000 * MS, start),
        Some(Duration::from_millis(86_400))
    );
}

#[test]
fn lateness_does_not_accumulate_into_drift() {
    // Ticks every 10 ms; the caller is 7 ms late handing over each one. Each due time
    // still comes from the anchor, so tick n is due at exactly n * 10 ms.
    let mut p = Pacer::new(Pace::Realtime);
    let start = Instant::now();
    p.delay(T0, start);
    let mut now = start;
    for n in 1..=100u64 {
        let due = start + ms(10 * n);
        let wait = p.delay(T0 + n * 10 * MS, now).unwrap_or_default();
        assert_eq!(now + wait, due.max(now), "tick {n}");
        now = now + wait + ms(7) * u32::from(n % 2 == 0); // late on every other tick
    }
    // A tick stamped before the anchor is simply due.
    assert_eq!(p.delay(T0 - MS, now), None);
}

#[test]
fn the_first_tick_anchors_whatever_its_timestamp() {
    let mut p = Pacer::new(Pace::Realtime);
    let start = Instant::now();
    assert_eq!(p.delay(5, start + ms(500)), None);
    assert_eq!(p.delay(5 + 20 * MS, start + ms(500)), Some(ms(20)));
}

#[test]
fn wait_until_reaches_the_deadline_or_stops() {
    let deadline = Instant::now() + Duration::from_micros(300);
    assert!(wait_until(deadline, || false));
    assert!(Instant::now() >= deadline);
    // A past deadline returns at once.
    let past = Instant::now()
        .checked_sub(ms(1))
        .unwrap_or_else(Instant::now);
    assert!(wait_until(past, || true));
    // A stop request ends a long wait (polled at least every 50 ms).
    let mut polls = 0;
    let stopped = !wait_until(Instant::now() + Duration::from_secs(3_600), || {
        polls += 1;
        polls > 2
    });
    assert!(stopped);
    assert_eq!(polls, 3);
}
