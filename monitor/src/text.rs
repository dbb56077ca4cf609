//! Short human forms of durations, clocks, latencies, rates and events, shared by the
//! text modes and the TUI.
//!
//! Progress: plain functions (they allocate the returned `String`).

use std::fmt::Write;
use std::time::Duration;

use crate::own_reads::OwnReads;

/// An age or a wait: `850 µs`, `3 ms`, `1.2 s`, `4m05s`, `2h03m`, `3d04h`.
pub fn age(d: Duration) -> String {
    let ms = d.as_millis();
    let s = d.as_secs();
    match () {
        _ if ms == 0 => format!("{} µs", d.as_micros()),
        _ if ms < 1_000 => format!("{ms} ms"),
        _ if s < 60 => format!("{}.{} s", s, (ms % 1_000) / 100),
        _ if s < 3_600 => format!("{}m{:02}s", s / 60, s % 60),
        _ if s < 86_400 => format!("{}h{:02}m", s / 3_600, (s % 3_600) / 60),
        _ => format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3_600),
    }
}

/// An uptime: `00:01:23`, `1d 02:03:04`.
pub fn uptime(d: Duration) -> String {
    let s = d.as_secs();
    let hms = format!("{:02}:{:02}:{:02}", (s / 3_600) % 24, (s / 60) % 60, s % 60);
    match s / 86_400 {
        0 => hms,
        days => format!("{days}d {hms}"),
    }
}

/// A latency in nanoseconds: `850 ns`, `12.3 µs`, `1.20 ms`, `2.5 s`.
pub fn latency_ns(ns: u64) -> String {
    match ns {
        0..1_000 => format!("{ns} ns"),
        1_000..100_000 => format!("{:.1} µs", ns as f64 / 1e3),
        100_000..1_000_000 => format!("{} µs", ns / 1_000),
        1_000_000..1_000_000_000 => format!("{:.2} ms", ns as f64 / 1e6),
        _ => format!("{:.1} s", ns as f64 / 1e9),
    }
}

/// The seqlock retry rate of a reader's own row reads: the share of reads retried
/// because the core was writing the row, e.g. `0.12% retried (3 of 2410 reads), 0 gave
/// up`; `no reads yet` before the first.
pub fn retry_rate(s: &OwnReads) -> String {
    match s.rate() {
        None => "no reads yet".to_owned(),
        Some(rate) => format!(
            "{:.2}% retried ({} of {} reads), {} gave up",
            rate * 100.0,
            s.retried,
            s.calls(),
            s.failures
        ),
    }
}

/// A rate per second: `0/s`, `950/s`, `12.3k/s`, `1.05M/s`.
pub fn rate(per_sec: f64) -> String {
    let r = per_sec.max(0.0);
    if r < 1_000.0 {
        format!("{r:.0}/s")
    } else if r < 1_000_000.0 {
        format!("{:.1}k/s", r / 1e3)
    } else {
        format!("{:.2}M/s", r / 1e6)
    }
}

/// The UTC time of day of a Unix-nanosecond time: `16:23:03.123`.
pub fn clock(unix_ns: u64) -> String {
    let secs = unix_ns / 1_000_000_000;
    let ms = (unix_ns / 1_000_000) % 1_000;
    let day = secs % 86_400;
    format!(
        "{:02}:{:02}:{:02}.{ms:03}",
        day / 3_600,
        (day / 60) % 60,
        day % 60
    )
}

/// The fields of one event JSON object (the contract of `write_event_json`) as
/// `key=value` words, leaving out `seq`, `ts_ns`, `kind` and `instrument` (shown in
/// their own columns): `{"seq":7,...,"side":"buy","qty":0.5}` gives `side=buy qty=0.5`.
///
/// The objects are flat and their strings are names and symbols (no escapes), so a
/// small scan suffices; quotes are dropped, an escaped character is copied as is.
pub fn event_fields(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let body = json.trim().trim_start_matches('{').trim_end_matches('}');
    for field in split_top_level(body) {
        let Some((key, value)) = field.split_once(':') else {
            continue;
        };
        let key = key.trim().trim_matches('"');
        if matches!(key, "seq" | "ts_ns" | "kind" | "instrument") {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        let _ = write!(out, "{key}={}", value.trim().trim_matches('"'));
    }
    out
}

/// Splits `a,b,c` at commas outside strings.
fn split_top_level(body: &str) -> impl Iterator<Item = &str> {
    let mut parts = Vec::new();
    let (mut start, mut in_str, mut escaped) = (0, false, false);
    for (i, c) in body.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_str => escaped = true,
            '"' => in_str = !in_str,
            ',' if !in_str => {
                parts.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&body[start..]);
    parts.into_iter().filter(|p| !p.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_rate_is_per_read() {
        assert_eq!(retry_rate(&OwnReads::default()), "no reads yet");
        let s = OwnReads {
            reads: 399,
            retried: 2,
            retries: 7,
            failures: 1,
        };
        assert_eq!(retry_rate(&s), "0.50% retried (2 of 400 reads), 1 gave up");
    }

    #[test]
    fn ages_pick_a_readable_unit() {
        assert_eq!(age(Duration::from_micros(850)), "850 µs");
        assert_eq!(age(Duration::from_millis(3)), "3 ms");
        assert_eq!(age(Duration::from_millis(1_250)), "1.2 s");
        assert_eq!(age(Duration::from_secs(245)), "4m05s");
        assert_eq!(age(Duration::from_secs(7_380)), "2h03m");
        assert_eq!(age(Duration::from_secs(3 * 86_400 + 4 * 3_600)), "3d04h");
    }

    #[test]
    fn uptime_and_clock() {
        assert_eq!(uptime(Duration::from_secs(83)), "00:01:23");
        assert_eq!(uptime(Duration::from_secs(86_400 + 3_723)), "1d 01:02:03");
        assert_eq!(
            clock(86_400 * 1_000_000_000 * 3 + 3_723_456_000_000),
            "01:02:03.456"
        );
    }

    #[test]
    fn latencies_and_rates() {
        assert_eq!(latency_ns(850), "850 ns");
        assert_eq!(latency_ns(12_345), "12.3 µs");
        assert_eq!(latency_ns(1_200_000), "1.20 ms");
        assert_eq!(rate(950.0), "950/s");
        assert_eq!(rate(12_345.0), "12.3k/s");
        assert_eq!(rate(1_050_000.0), "1.05M/s");
    }

    #[test]
    fn event_fields_drop_the_head_and_quotes() {
        let json = r#"{"seq":7,"ts_ns":42,"kind":"trade_executed","instrument":"BTCUSD","order_id":3,"side":"buy","qty":0.5,"price":64000.25,"fee":-0.1}"#;
        assert_eq!(
            event_fields(json),
            "order_id=3 side=buy qty=0.5 price=64000.25 fee=-0.1"
        );
        assert_eq!(
            event_fields(r#"{"seq":1,"a":"x,y","b":null}"#),
            "a=x,y b=null"
        );
        assert_eq!(event_fields("{}"), "");
    }
}
