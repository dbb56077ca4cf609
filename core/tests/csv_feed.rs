//! CSV replay: both header shapes, time formats, file quirks, the merge, every bad-row
//! case under `fail` and `skip`, and streaming (memory stays flat on a large file).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use seamless_config::{BadRows, Config, CsvSpec, FeedSource};
use seamless_core::domain::{InstrumentId, Instruments, Price, Qty};
use seamless_core::feed::{self, CsvFeed, CsvOptions, Feed, FeedError, Shape, Tick};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// 2024-01-02T00:00:00Z in ns.
const JAN2: u64 = 1_704_153_600_000_000_000;
const SEC: u64 = 1_000_000_000;
const DAY: u64 = 86_400 * SEC;

fn table() -> Instruments {
    let mut t = Instruments::new();
    for s in ["BTCUSD", "ETHUSD", "AAPL"] {
        t.add(s, p("0.01"), Qty::ONE).unwrap();
    }
    t
}

fn p(s: &str) -> Price {
    s.parse().unwrap()
}

fn fail() -> CsvOptions {
    CsvOptions {
        bad_rows: BadRows::Fail,
        bar_spread: Price::ZERO,
    }
}

fn skip() -> CsvOptions {
    CsvOptions {
        bad_rows: BadRows::Skip,
        bar_spread: Price::ZERO,
    }
}

fn spec(symbol: &str, path: &Path) -> CsvSpec {
    CsvSpec {
        symbol: symbol.into(),
        path: path.to_owned(),
    }
}

fn open(files: &[(&str, &Path)], options: CsvOptions) -> Result<CsvFeed, FeedError> {
    let specs: Vec<CsvSpec> = files.iter().map(|(s, p)| spec(s, p)).collect();
    CsvFeed::open(&specs, &table(), options)
}

fn drain(feed: &mut dyn Feed) -> Result<Vec<Tick>, FeedError> {
    let mut out = Vec::new();
    while let Some(t) = feed.next_tick()? {
        out.push(t);
    }
    Ok(out)
}

/// Writes `bytes` to `name` in `dir`.
fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Opens one file as BTCUSD and reads it all.
fn read_one(bytes: &[u8], options: CsvOptions) -> (PathBuf, Result<Vec<Tick>, FeedError>) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "btc.csv", bytes);
    let result = open(&[("BTCUSD", &path)], options).and_then(|mut f| drain(&mut f));
    (path, result)
}

fn quote(t: &Tick) -> (String, String, String, String) {
    (
        t.bid.to_string(),
        t.ask.to_string(),
        t.last.to_string(),
        t.size.to_string(),
    )
}

fn q(b: &str, a: &str, l: &str, s: &str) -> (String, String, String, String) {
    (b.into(), a.into(), l.into(), s.into())
}

#[test]
fn yahoo_daily_bars_feed_their_close() {
    let path = Path::new(FIXTURES).join("yahoo_daily.csv");
    let mut feed = open(&[("AAPL", &path)], fail()).unwrap();
    assert_eq!(feed.shapes().collect::<Vec<_>>(), [Shape::Bars]);
    assert!(
        feed.description().contains("(bars)"),
        "{}",
        feed.description()
    );
    let ticks = drain(&mut feed).unwrap();
    assert_eq!(ticks.len(), 4);
    assert_eq!(ticks[0].instrument, InstrumentId(2));
    assert_eq!(ticks[0].ts_ns, JAN2);
    assert_eq!(ticks[3].ts_ns, JAN2 + 3 * DAY);
    // Close, not Adj Close; kept exact although off the 0.01 grid; volume as size.
    assert_eq!(
        quote(&ticks[0]),
        q("185.639999", "185.639999", "185.639999", "82488700")
    );
    assert_eq!(ticks[1].last, p("184.25"));
    assert_eq!(ticks[0].stamp, 0);
    assert_eq!(feed.skipped(), 0);
}

#[test]
fn pandas_header_with_unnamed_index_and_offsets() {
    let path = Path::new(FIXTURES).join("pandas_hourly.csv");
    let ticks = drain(&mut open(&[("AAPL", &path)], fail()).unwrap()).unwrap();
    // 09:30 at UTC-5 is 14:30 UTC.
    let at = |h: u64, m: u64| JAN2 + (h * 3600 + m * 60) * SEC;
    let ts: Vec<u64> = ticks.iter().map(|t| t.ts_ns).collect();
    assert_eq!(ts, [at(14, 30), at(15, 30), at(16, 30) + SEC / 2]);
    assert_eq!(ticks[1].last, p("186.35"));
}

#[test]
fn bar_spread_goes_around_the_close() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "b.csv",
        b"Date,Close\n2024-01-02,100\n2024-01-03,0.05\n",
    );
    let options = CsvOptions {
        bad_rows: BadRows::Skip,
        bar_spread: p("0.1"),
    };
    let mut feed = open(&[("AAPL", &path)], options).unwrap();
    let ticks = drain(&mut feed).unwrap();
    assert_eq!(quote(&ticks[0]), q("99.95", "100.05", "100", "0"));
    // 0.05 - 0.1/2 is not a positive bid.
    assert_eq!(ticks.len(), 1);
    assert_eq!(feed.skipped(), 1);
    assert_eq!(
        feed.first_skipped()[0].to_string(),
        format!(
            "{}:3: close 0.05 is not above half the bar spread 0.1 (bid would be <= 0)",
            path.display()
        )
    );
}

#[test]
fn tick_file_derives_missing_prices() {
    let path = Path::new(FIXTURES).join("ticks.csv");
    let mut feed = open(&[("BTCUSD", &path)], fail()).unwrap();
    assert_eq!(feed.shapes().collect::<Vec<_>>(), [Shape::Ticks]);
    let ticks = drain(&mut feed).unwrap();
    let quotes: Vec<_> = ticks.iter().map(quote).collect();
    assert_eq!(
        quotes,
        [
            q("42000", "42000.5", "42000.25", "0.015"),
            q("42000.1", "42000.6", "42000.35", "0"), // last = mid
            q("42001", "42001", "42001", "0"),        // bid = ask = last; size 0
            q("42001", "42001", "42001", "0.5"),      // symbol case ignored
        ]
    );
    assert_eq!(
        ticks[1].ts_ns,
        JAN2 + 14 * 3600 * SEC + 30 * 60 * SEC + SEC / 4
    );
}

#[test]
fn tick_subsets_and_epoch_units() {
    // Seconds (with a fraction), milliseconds, microseconds, nanoseconds.
    let s = 1_704_186_000u64; // 2024-01-02T09:00:00Z
    let text = format!(
        "ts,price\n{s}.5,10\n{}000,11\n{}000000,12\n{}000000000,13\n",
        s + 1,
        s + 2,
        s + 3
    );
    let (_, ticks) = read_one(text.as_bytes(), fail());
    let ticks = ticks.unwrap();
    let ts: Vec<u64> = ticks.iter().map(|t| t.ts_ns - s * SEC).collect();
    assert_eq!(ts, [SEC / 2, SEC, 2 * SEC, 3 * SEC]);
    assert_eq!(quote(&ticks[3]), q("13", "13", "13", "0"));

    let (_, ticks) = read_one(b"timestamp,bid,ask\n2024-01-02,1,3\n", fail());
    assert_eq!(quote(&ticks.unwrap()[0]), q("1", "3", "2", "0"));
}

#[test]
fn bom_crlf_blank_lines_and_whitespace_are_fine() {
    let bytes = b"\xef\xbb\xbf Date , Close ,Volume\r\n 2024-01-02 ,  100.5 ,7\r\n\r\n2024-01-03T00:00:00Z,101, \r\n\r\n   \r\n";
    let (_, ticks) = read_one(bytes, fail());
    let ticks = ticks.unwrap();
    assert_eq!(ticks.len(), 2);
    assert_eq!(
        (ticks[0].ts_ns, ticks[0].last, ticks[0].size),
        (JAN2, p("100.5"), Qty::from_raw(7 * 100_000_000))
    );
    assert_eq!((ticks[1].ts_ns, ticks[1].size), (JAN2 + DAY, Qty::ZERO));
}

#[test]
fn quoted_cells_are_read() {
    for text in [
        &b"\"Date\",\"Close\"\n\"2024-01-02\",\"100\"\n"[..],
        b"\"Date\",\"Close\"\r\n\"2024-01-02\",\"100\"\r\n",
    ] {
        let (_, ticks) = read_one(text, fail());
        assert_eq!(ticks.unwrap()[0].last, p("100"));
    }
}

#[test]
fn merges_files_by_timestamp() {
    let dir = tempfile::tempdir().unwrap();
    let btc = write(
        dir.path(),
        "btc.csv",
        b"timestamp,last\n2024-01-02T00:00:01Z,1\n2024-01-02T00:00:03Z,3\n2024-01-02T00:00:03Z,33\n2024-01-02T00:00:05Z,5\n",
    );
    let eth = write(
        dir.path(),
        "eth.csv",
        b"Date,Close\n2024-01-02 00:00:00,10\n2024-01-02 00:00:03,30\n2024-01-02 00:00:04,40\n2024-01-02 00:00:09,90\n",
    );
    let mut feed = open(&[("BTCUSD", &btc), ("ETHUSD", &eth)], fail()).unwrap();
    assert_eq!(
        feed.shapes().collect::<Vec<_>>(),
        [Shape::Ticks, Shape::Bars]
    );
    let got: Vec<(u32, u64, String)> = drain(&mut feed)
        .unwrap()
        .iter()
        .map(|t| (t.instrument.0, (t.ts_ns - JAN2) / SEC, t.last.to_string()))
        .collect();
    let want: Vec<(u32, u64, String)> = [
        (1, 0, "10"),
        (0, 1, "1"),
        (0, 3, "3"), // ties: the file listed first, and a file's own order
        (0, 3, "33"),
        (1, 3, "30"),
        (1, 4, "40"),
        (0, 5, "5"),
        (1, 9, "90"),
    ]
    .iter()
    .map(|&(i, s, l)| (i, s, l.to_owned()))
    .collect();
    assert_eq!(got, want);
    assert!(feed.next_tick().unwrap().is_none());
}

#[test]
fn merge_reports_a_later_bad_row_after_the_ticks_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        dir.path(),
        "a.csv",
        b"ts,last\n1704153600,1\n1704153602,x\n",
    );
    let b = write(
        dir.path(),
        "b.csv",
        b"ts,last\n1704153601,2\n1704153603,3\n",
    );
    let mut feed = open(&[("BTCUSD", &a), ("ETHUSD", &b)], fail()).unwrap();
    assert_eq!(feed.next_tick().unwrap().unwrap().last, p("1"));
    let err = feed.next_tick().unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{}:3: column \"last\": not a number: \"x\"", a.display())
    );
    // After an error the feed has ended.
    assert!(feed.next_tick().unwrap().is_none());
}

/// One bad-row case: a file whose line 3 is bad between two good rows.
struct Case {
    header: &'static str,
    bad: &'static str,
    message: &'static str,
}

const GOOD_1: &str = "2024-01-02T00:00:01Z";
const GOOD_2: &str = "2024-01-02T00:00:05Z";

#[test]
fn every_bad_row_fails_with_file_and_line_or_is_skipped() {
    let cases = [
        Case {
            header: "timestamp,last",
            bad: "2024-01-02T00:00:02Z,1,2",
            message: "expected 2 columns, found 3",
        },
        Case {
            header: "timestamp,last",
            bad: "2024-01-02T00:00:02Z",
            message: "expected 2 columns, found 1",
        },
        Case {
            header: "date,open,close",
            bad: "2024-01-02T00:00:02Z,1,12.3.4",
            message: r#"column "close": not a number: "12.3.4""#,
        },
        Case {
            header: "Date,Close",
            bad: "2024-01-02T00:00:02Z,1e5",
            message: r#"column "Close": not a number: "1e5""#,
        },
        Case {
            header: "timestamp,last",
            bad: "2024-01-02T00:00:02Z,-5",
            message: r#"column "last": price must be > 0: "-5""#,
        },
        Case {
            header: "timestamp,last",
            bad: "2024-01-02T00:00:02Z,0.00",
            message: r#"column "last": price must be > 0: "0.00""#,
        },
        Case {
            header: "timestamp,last",
            bad: "2024-01-02T00:00:02Z,1.000000001",
            message: r#"column "last": more than 8 decimal places: "1.000000001""#,
        },
        Case {
            header: "timestamp,last",
            bad: "2024-01-02T00:00:02Z,99999999999",
            message: r#"column "last": out of range: "99999999999""#,
        },
        Case {
            header: "timestamp,last",
            bad: "2024-01-02T00:00:02Z,",
            message: "no bid, ask or last price",
        },
        Case {
            header: "date,close",
            bad: "2024-01-02T00:00:02Z,",
            message: r#"column "close": empty"#,
        },
        Case {
            header: "timestamp,bid,ask",
            bad: "2024-01-02T00:00:02Z,101,100",
            message: "bid 101 is above ask 100",
        },
        Case {
            header: "timestamp,last,size",
            bad: "2024-01-02T00:00:02Z,1,-1",
            message: r#"column "size": must be >= 0: "-1""#,
        },
        Case {
            header: "timestamp,symbol,last",
            bad: "2024-01-02T00:00:02Z,ETHUSD,1",
            message: r#"column "symbol": "ETHUSD" is not BTCUSD"#,
        },
        Case {
            header: "timestamp,last",
            bad: "2024-01-01T23:59:59Z,1",
            message: "timestamp 2024-01-01T23:59:59Z is earlier than the previous row's 2024-01-02T00:00:01Z",
        },
        Case {
            header: "timestamp,last",
            bad: "2024-13-02,1",
            message: r#"column "timestamp": month out of range: "2024-13-02""#,
        },
        Case {
            header: "timestamp,last",
            bad: ",1",
            message: r#"column "timestamp": empty"#,
        },
        Case {
            header: ",Close",
            bad: "02/01/2024,1",
            message: r#"column "(unnamed)": not a date (2024-01-02), date-time (2024-01-02T09:30:00Z) or epoch number: "02/01/2024""#,
        },
    ];
    for case in &cases {
        let symbol_col = case.header.contains("symbol");
        let good = |ts: &str| {
            let fill = case.header.matches(',').count() - usize::from(symbol_col);
            let cells = vec!["1"; fill].join(",");
            if symbol_col {
                format!("{ts},BTCUSD,{cells}")
            } else {
                format!("{ts},{cells}")
            }
        };
        let text = format!(
            "{}\n{}\n{}\n{}\n",
            case.header,
            good(GOOD_1),
            case.bad,
            good(GOOD_2)
        );
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "btc.csv", text.as_bytes());
        let want = format!("{}:3: {}", path.display(), case.message);

        // fail: the first good row, then the error naming file and line 3.
        let mut feed = open(&[("BTCUSD", &path)], fail()).unwrap();
        assert_eq!(
            feed.next_tick().unwrap().unwrap().ts_ns,
            JAN2 + SEC,
            "{text}"
        );
        let err = feed.next_tick().unwrap_err();
        assert!(err.is_bad_row());
        assert_eq!(err.to_string(), want, "{text}");
        assert!(!err.to_string().contains('\n'));

        // skip: both good rows, one skipped, the error kept for the report.
        let mut feed = open(&[("BTCUSD", &path)], skip()).unwrap();
        let ticks = drain(&mut feed).unwrap();
        let ts: Vec<u64> = ticks.iter().map(|t| t.ts_ns).collect();
        assert_eq!(ts, [JAN2 + SEC, JAN2 + 5 * SEC], "{text}");
        assert_eq!(feed.skipped(), 1, "{text}");
        assert_eq!(feed.first_skipped().len(), 1);
        assert_eq!(feed.first_skipped()[0].to_string(), want);
    }
}

#[test]
fn skip_counts_every_bad_row_and_keeps_the_first_few() {
    let mut text = String::from("timestamp,last\n");
    for i in 0..20 {
        text.push_str(&format!("{},x\n", 1_704_153_600 + i));
    }
    text.push_str("1704153700,5\n");
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "btc.csv", text.as_bytes());
    let mut feed = open(&[("BTCUSD", &path)], skip()).unwrap();
    let ticks = drain(&mut feed).unwrap();
    assert_eq!(ticks.len(), 1);
    assert_eq!(feed.skipped(), 20);
    assert_eq!(feed.first_skipped().len(), feed::SKIP_SAMPLES);
    assert!(
        feed.first_skipped()[4]
            .to_string()
            .starts_with(&format!("{}:6: ", path.display()))
    );
}

#[test]
fn a_long_cell_is_cut_in_the_message() {
    let long = "x".repeat(200);
    let text = format!("timestamp,last\n2024-01-02,{long}\n");
    let (_, result) = read_one(text.as_bytes(), fail());
    let msg = result.unwrap_err().to_string();
    assert!(
        msg.ends_with(&format!("not a number: \"{}\"...", "x".repeat(64))),
        "{msg}"
    );
}

#[test]
fn header_problems_are_fatal_even_when_skipping() {
    for (text, want) in [
        (
            "date,open,high\n2024-01-02,1,2\n",
            r#": missing column "close" (header has: date, open, high)"#,
        ),
        (
            "Date,Open,High\n",
            r#": missing column "close" (header has: Date, Open, High)"#,
        ),
        (
            "timestamp,symbol\n",
            r#": missing column "last" (header has: timestamp, symbol)"#,
        ),
        (
            "bid,ask\n1,2\n",
            r#": missing column "timestamp" (header has: bid, ask)"#,
        ),
        (
            "open,close\n1,2\n",
            r#": missing column "date" (header has: open, close)"#,
        ),
        (
            "date,time,close\n",
            r#":1: columns "date" and "time" both hold the time; keep one"#,
        ),
        ("", ": empty file (no header)"),
        ("\n\n  \n", ": empty file (no header)"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "btc.csv", text.as_bytes());
        let err = open(&[("BTCUSD", &path)], skip()).unwrap_err();
        assert!(!err.is_bad_row());
        assert_eq!(
            err.to_string(),
            format!("{}{want}", path.display()),
            "{text:?}"
        );
    }
}

#[test]
fn a_header_without_rows_is_an_error() {
    let (path, result) = read_one(b"Date,Close\r\n\r\n", skip());
    assert_eq!(
        result.unwrap_err().to_string(),
        format!("{}: no data rows after the header", path.display())
    );
}

#[test]
fn unreadable_files_and_unknown_symbols() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.csv");
    let err = open(&[("BTCUSD", &missing)], skip()).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!("{}: cannot open: ", missing.display())),
        "{msg}"
    );
    assert!(std::error::Error::source(&err).is_some());

    // A directory opens but cannot be read.
    let msg = open(&[("BTCUSD", dir.path())], skip())
        .unwrap_err()
        .to_string();
    assert!(
        msg.starts_with(&format!("{}:", dir.path().display())),
        "{msg}"
    );
    assert!(
        msg.contains("read error") || msg.contains("cannot open"),
        "{msg}"
    );

    let path = write(dir.path(), "x.csv", b"timestamp,last\n1,1\n");
    let msg = open(&[("DOGE", &path)], fail()).unwrap_err().to_string();
    assert_eq!(msg, r#"instrument "DOGE" is not in the instrument table"#);
}

#[test]
fn line_numbers_count_blank_lines_crlf_and_quoted_newlines() {
    for (text, line) in [
        (
            &b"timestamp,last\n\n2024-01-02,1\n\n\n2024-01-03,x\n"[..],
            6,
        ),
        (b"timestamp,last\r\n2024-01-02,1\r\n2024-01-03,x\r\n", 3),
        (b"timestamp,last\r\n\r\n2024-01-02,1\r\n\r\n2024-01-03,x", 5),
        (
            b"timestamp,last,note\n2024-01-02,1,\"two\nlines\"\n2024-01-03,x,\n",
            4,
        ),
        (
            b"timestamp,last,note\n2024-01-02,1,a\n2024-01-03,x,\"two\nlines\"\n",
            3,
        ),
        (b"\xef\xbb\xbftimestamp,last\n2024-01-03,x", 2),
    ] {
        let (path, result) = read_one(text, fail());
        let msg = result.unwrap_err().to_string();
        let want = format!(
            "{}:{line}: column \"last\": not a number: \"x\"",
            path.display()
        );
        assert_eq!(msg, want, "{:?}", String::from_utf8_lossy(text));
    }
}

#[test]
fn open_builds_the_configured_csv_feed() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "eth.csv", b",Close\n2024-01-02,3000\n");
    let mut cfg = Config::default();
    cfg.feed.source = FeedSource::Csv(vec![spec("ETHUSD", &path)]);
    cfg.feed.bar_spread = "0.02".parse().unwrap();
    cfg.validate().unwrap();
    let mut feed = feed::open(&cfg, &table()).unwrap();
    assert_eq!(
        feed.description(),
        format!(
            "csv replay: ETHUSD={} (bars); bad rows: fail",
            path.display()
        )
    );
    let t = feed.next_tick().unwrap().unwrap();
    assert_eq!(
        (t.instrument, quote(&t)),
        (InstrumentId(1), q("2999.99", "3000.01", "3000", "0"))
    );
    assert_eq!(feed::pace_of(&cfg.feed), cfg.feed.pace);
}

/// Peak resident memory of this process, in KiB (`VmHWM` in /proc/self/status).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn a_large_file_is_streamed_not_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    let rows = 1_000_000u64;
    {
        let file = std::fs::File::create(&path).unwrap();
        let mut out = std::io::BufWriter::new(file);
        writeln!(out, "timestamp,symbol,bid,ask,last,size").unwrap();
        for i in 0..rows {
            let ts = 1_704_153_600_000_000_000 + i * 1_000;
            let px = 40_000 + i % 1_000;
            writeln!(out, "{ts},BTCUSD,{px}.00,{px}.50,{px}.25,0.001").unwrap();
        }
        out.flush().unwrap();
    }
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size > 50_000_000, "{size}");
    let Some(before) = peak_rss_kib() else {
        eprintln!("no /proc/self/status VmHWM: skipping the memory check");
        return;
    };
    let mut feed = open(&[("BTCUSD", &path)], fail()).unwrap();
    let (mut n, mut last_ts) = (0u64, 0u64);
    while let Some(t) = feed.next_tick().unwrap() {
        assert!(t.ts_ns >= last_ts);
        last_ts = t.ts_ns;
        n += 1;
    }
    assert_eq!(n, rows);
    let after = peak_rss_kib().unwrap();
    let grown = after.saturating_sub(before) * 1024;
    // Loading the file would grow the peak by at least its size; streaming by the
    // 64 KiB buffer. Other tests in this binary run alongside with small files, so
    // allow a generous 10% of the file.
    assert!(
        grown < size / 10,
        "peak memory grew by {grown} bytes reading a {size}-byte file"
    );
}
