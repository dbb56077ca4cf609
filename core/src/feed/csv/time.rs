//! Timestamps of CSV rows: ISO dates and date-times, and integer epoch numbers, to
//! nanoseconds since the Unix epoch (UTC); and [`Utc`], the reverse, for messages.
//!
//! Accepted forms (surrounding whitespace is trimmed by the caller):
//!
//! - `2024-01-02`: midnight UTC of that date.
//! - `2024-01-02 09:30`, `2024-01-02T09:30:00`, `2024-01-02T09:30:00.123456789`:
//!   a date-time; without an offset it is taken as UTC. More than 9 fractional digits
//!   are accepted and cut to nanoseconds.
//! - An offset after the time: `Z`, `+00:00`, `-05:00`, `+0530`, `+05`; the result is
//!   converted to UTC (`09:30:00-05:00` is `14:30:00Z`).
//! - All digits: an epoch number whose unit is decided by magnitude: below 10^11 it is
//!   seconds (up to the year 5138), below 10^14 milliseconds, below 10^17 microseconds,
//!   otherwise nanoseconds. Each unit's range starts in March 1973, so any timestamp
//!   after that is read in the right unit. Seconds may carry a fraction
//!   (`1704186000.25`). An 8-digit compact date (`20240102`) is *not* a date here: it
//!   reads as epoch seconds.
//!
//! Representable: 1970-01-01T00:00:00Z to 2554-07-21 (the `u64` nanosecond range).
//!
//! Progress: pure functions; nothing allocates.
//!
//! # Implementation
//!
//! 1. Fixed-position parsing of the ISO shape with range checks (month, day of that
//!    month in that year, hour, minute, second, offset).
//! 2. Date to day number with the days-from-civil algorithm (H. Hinnant,
//!    "chrono-Compatible Low-Level Date Algorithms", 2013), then exact integer
//!    arithmetic in `i128`, narrowed to `u64` with a range check.
//! 3. [`Utc`] formats with the inverse, civil-from-days, from the same paper.
//!
//! It must never panic on any input, and never guess a time zone: no offset means UTC.

use std::fmt;

const NS_PER_SEC: i128 = 1_000_000_000;
const SECS_PER_DAY: i128 = 86_400;

/// Days since 1970-01-01 of the proleptic Gregorian date `y-m-d` (`m` 1..=12,
/// `d` 1..=31; not range-checked here).
pub(crate) const fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400; // [0, 399]
    let mp = (m as i64 + 9) % 12; // March = 0
    let doy = (153 * mp + 2) / 5 + d as i64 - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// The date `(y, m, d)` of a day number since 1970-01-01 (inverse of
/// [`days_from_civil`]).
pub(crate) const fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32; // [1, 31]
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32; // [1, 12]
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

const fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

const fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A cursor over the cell's bytes.
struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        self.i += usize::from(hit);
        hit
    }

    /// Exactly `n` ASCII digits as a number.
    fn digits(&mut self, n: usize) -> Option<u32> {
        let part = self.s.get(self.i..self.i + n)?;
        let mut v = 0u32;
        for &b in part {
            if !b.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(b - b'0');
        }
        self.i += n;
        Some(v)
    }

    fn done(&self) -> bool {
        self.i == self.s.len()
    }
}

const SYNTAX: &str = "not a date (2024-01-02), date-time (2024-01-02T09:30:00Z) or epoch number";

/// Parses a (trimmed) time cell to nanoseconds since the epoch, UTC.
///
/// # Errors
///
/// A short lower-case reason, e.g. `"month out of range"`.
pub(crate) fn parse_time(s: &[u8]) -> Result<u64, &'static str> {
    match s.first() {
        None => Err("empty"),
        Some(_) if s.len() >= 5 && s[4] == b'-' => parse_iso(s),
        Some(b) if b.is_ascii_digit() => parse_epoch(s),
        Some(_) => Err(SYNTAX),
    }
}

fn parse_epoch(s: &[u8]) -> Result<u64, &'static str> {
    let (int, frac) = match s.iter().position(|&b| b == b'.') {
        Some(dot) => (&s[..dot], Some(&s[dot + 1..])),
        None => (s, None),
    };
    if int.is_empty() || int.len() > 20 || !int.iter().all(u8::is_ascii_digit) {
        return Err(SYNTAX);
    }
    let v = int
        .iter()
        .fold(0u128, |v, &b| v * 10 + u128::from(b - b'0'));
    let ns: u128 = match frac {
        None if v < 100_000_000_000 => v * 1_000_000_000,
        None if v < 100_000_000_000_000 => v * 1_000_000,
        None if v < 100_000_000_000_000_000 => v * 1_000,
        None => v,
        Some(frac) => {
            if v >= 100_000_000_000 {
                return Err("a fractional epoch number must be in seconds");
            }
            v * 1_000_000_000 + u128::from(fraction_ns(frac).ok_or(SYNTAX)?)
        }
    };
    u64::try_from(ns).map_err(|_| "after 2554-07-21 (not representable)")
}

/// Nanoseconds of a fraction's digits (at least one; digits past the ninth are cut).
fn fraction_ns(frac: &[u8]) -> Option<u32> {
    if frac.is_empty() || !frac.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut ns = 0u32;
    for i in 0..9 {
        ns = ns * 10 + frac.get(i).map_or(0, |&b| u32::from(b - b'0'));
    }
    Some(ns)
}

fn parse_iso(s: &[u8]) -> Result<u64, &'static str> {
    let mut c = Cursor { s, i: 0 };
    let y = c.digits(4).ok_or(SYNTAX)?;
    let m = c.eat(b'-').then(|| c.digits(2)).flatten().ok_or(SYNTAX)?;
    let d = c.eat(b'-').then(|| c.digits(2)).flatten().ok_or(SYNTAX)?;
    let y = i64::from(y);
    if !(1..=12).contains(&m) {
        return Err("month out of range");
    }
    if d == 0 || d > days_in_month(y, m) {
        return Err("day out of range");
    }
    let (mut secs, mut ns, mut offset) = (0i128, 0u32, 0i128);
    if !c.done() {
        if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
            return Err(SYNTAX);
        }
        let hh = c.digits(2).ok_or(SYNTAX)?;
        let mm = c.eat(b':').then(|| c.digits(2)).flatten().ok_or(SYNTAX)?;
        let ss = if c.eat(b':') {
            c.digits(2).ok_or(SYNTAX)?
        } else {
            0
        };
        if hh > 23 {
            return Err("hour out of range");
        }
        if mm > 59 {
            return Err("minute out of range");
        }
        if ss > 59 {
            return Err("second out of range");
        }
        if c.eat(b'.') || c.eat(b',') {
            let start = c.i;
            while c.peek().is_some_and(|b| b.is_ascii_digit()) {
                c.i += 1;
            }
            ns = fraction_ns(&s[start..c.i]).ok_or(SYNTAX)?;
        }
        secs = i128::from(hh * 3600 + mm * 60 + ss);
        offset = parse_offset(&mut c)?;
    }
    if !c.done() {
        return Err(SYNTAX);
    }
    let days = i128::from(days_from_civil(y, m, d));
    let total = ((days * SECS_PER_DAY) + secs - offset) * NS_PER_SEC + i128::from(ns);
    if total < 0 {
        return Err("before 1970-01-01T00:00:00Z (not representable)");
    }
    u64::try_from(total).map_err(|_| "after 2554-07-21 (not representable)")
}

/// An optional UTC offset, in seconds east of UTC.
fn parse_offset(c: &mut Cursor<'_>) -> Result<i128, &'static str> {
    if c.eat(b'Z') || c.eat(b'z') {
        return Ok(0);
    }
    let sign = match c.peek() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return Ok(0),
    };
    c.i += 1;
    let hh = c.digits(2).ok_or(SYNTAX)?;
    let mm = if c.eat(b':') {
        c.digits(2).ok_or(SYNTAX)?
    } else {
        c.digits(2).unwrap_or(0)
    };
    if hh > 23 || mm > 59 {
        return Err("offset out of range");
    }
    Ok(sign * i128::from(hh * 3600 + mm * 60))
}

/// Formats nanoseconds since the epoch as an ISO date-time in UTC:
/// `2024-01-02T09:30:00Z`, with the fraction when there is one
/// (`2024-01-02T09:30:00.25Z`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Utc(pub u64);

impl fmt::Display for Utc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0 / 1_000_000_000;
        let ns = self.0 % 1_000_000_000;
        let (days, tod) = (secs / 86_400, secs % 86_400);
        // `days` < 2^64 / 86400e9 + 1, far inside i64.
        let (y, m, d) = civil_from_days(days as i64);
        let (hh, mm, ss) = (tod / 3600, tod / 60 % 60, tod % 60);
        write!(f, "{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}")?;
        if ns != 0 {
            let mut frac = ns;
            let mut width = 9;
            while frac.is_multiple_of(10) {
                frac /= 10;
                width -= 1;
            }
            write!(f, ".{frac:0width$}")?;
        }
        f.write_str("Z")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: u64 = 86_400_000_000_000;

    fn t(s: &str) -> Result<u64, &'static str> {
        parse_time(s.as_bytes())
    }

    #[test]
    fn days_from_civil_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2024, 1, 2), 19_724);
        assert_eq!(days_from_civil(2024, 2, 29), 19_782);
        assert_eq!(days_from_civil(1600, 1, 1), -135_140);
    }

    #[test]
    fn civil_round_trips_over_centuries() {
        for z in (-800_000..800_000).step_by(7) {
            let (y, m, d) = civil_from_days(z);
            assert!((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m));
            assert_eq!(days_from_civil(y, m, d), z, "{y}-{m}-{d}");
        }
    }

    #[test]
    fn dates_and_date_times() {
        let jan2 = 19_724 * DAY;
        let h930 = (9 * 3600 + 30 * 60) * 1_000_000_000;
        assert_eq!(t("2024-01-02"), Ok(jan2));
        assert_eq!(t("2024-01-02 09:30:00"), Ok(jan2 + h930));
        assert_eq!(t("2024-01-02T09:30:00Z"), Ok(jan2 + h930));
        assert_eq!(t("2024-01-02t09:30z"), Ok(jan2 + h930));
        assert_eq!(t("2024-01-02 09:30:00+00:00"), Ok(jan2 + h930));
        assert_eq!(t("2024-01-02T09:30:00.5Z"), Ok(jan2 + h930 + 500_000_000));
        assert_eq!(
            t("2024-01-02T09:30:00.123456789"),
            Ok(jan2 + h930 + 123_456_789)
        );
        assert_eq!(
            t("2024-01-02T09:30:00.1234567891"),
            Ok(jan2 + h930 + 123_456_789)
        );
        // 09:30 in New York (UTC-5) is 14:30 UTC; +05:30 is four hours earlier.
        let h1430 = h930 + 5 * 3600 * 1_000_000_000;
        assert_eq!(t("2024-01-02 09:30:00-05:00"), Ok(jan2 + h1430));
        assert_eq!(t("2024-01-02T09:30:00-0500"), Ok(jan2 + h1430));
        assert_eq!(t("2024-01-02T09:30:00-05"), Ok(jan2 + h1430));
        assert_eq!(t("2024-01-02T15:00:00+05:30"), Ok(jan2 + h930));
        // An offset can cross midnight backwards.
        assert_eq!(
            t("2024-01-02T01:00:00+02:00"),
            Ok(jan2 - 3600 * 1_000_000_000)
        );
        assert_eq!(t("1970-01-01"), Ok(0));
        assert_eq!(t("2024-02-29"), Ok(19_782 * DAY));
    }

    #[test]
    fn epoch_numbers_by_magnitude() {
        let s = 1_704_186_000u64; // 2024-01-02T09:00:00Z
        let ns = s * 1_000_000_000;
        assert_eq!(t("1704186000"), Ok(ns));
        assert_eq!(t("1704186000000"), Ok(ns));
        assert_eq!(t("1704186000000000"), Ok(ns));
        assert_eq!(t("1704186000000000000"), Ok(ns));
        assert_eq!(t("1704186000.25"), Ok(ns + 250_000_000));
        assert_eq!(t("0"), Ok(0));
        assert_eq!(t("18446744073"), Ok(18_446_744_073_000_000_000)); // 2554, in seconds
        assert!(t("18446744074").is_err()); // seconds past the u64 range
        assert!(t("1704186000000.5").is_err());
        assert!(t("99999999999999999999").is_err()); // > u64 ns
    }

    #[test]
    fn rejects_bad_times() {
        for (bad, why) in [
            ("", "empty"),
            ("2024-13-01", "month out of range"),
            ("2024-00-01", "month out of range"),
            ("2023-02-29", "day out of range"),
            ("2024-04-31", "day out of range"),
            ("2024-01-02 24:00", "hour out of range"),
            ("2024-01-02 23:60", "minute out of range"),
            ("2024-01-02 23:59:60", "second out of range"),
            ("2024-01-02T09:30:00+24:00", "offset out of range"),
            (
                "1969-12-31",
                "before 1970-01-01T00:00:00Z (not representable)",
            ),
            (
                "1970-01-01T00:30:00+01:00",
                "before 1970-01-01T00:00:00Z (not representable)",
            ),
            ("2600-01-01", "after 2554-07-21 (not representable)"),
        ] {
            assert_eq!(t(bad), Err(why), "{bad}");
        }
        for bad in [
            "2024-1-02",
            "2024/01/02",
            "02.01.2024",
            "2024-01-02X",
            "2024-01-02T9:30",
            "2024-01-02T09",
            "2024-01-02T09:30:00.",
            "2024-01-02T09:30:00+",
            "abc",
            "12.3.4",
            "-1",
            "1e9",
            "2024-01-02 09:30:00 UTC",
        ] {
            assert_eq!(t(bad), Err(SYNTAX), "{bad}");
        }
    }

    #[test]
    fn formats_utc() {
        assert_eq!(Utc(0).to_string(), "1970-01-01T00:00:00Z");
        let ns = t("2024-02-29T23:59:58.25Z").unwrap();
        assert_eq!(Utc(ns).to_string(), "2024-02-29T23:59:58.25Z");
        assert_eq!(Utc(u64::MAX).to_string(), "2554-07-21T23:34:33.709551615Z");
    }
}
