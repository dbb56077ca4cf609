//! `seamless bench all --quick`'s library equivalent with tiny sizes, into a temporary
//! directory: the report exists and names the machine and every scenario, its tables
//! parse (percentiles in order, counts matching the `.hgrm` files), every SVG is
//! well-formed XML naming its series, every `.hgrm` parses back. Nothing about speed is
//! asserted.
//!
//! The cross-process scenarios re-execute this test binary as their children: the test
//! `child_role` is the entry point they are pointed at (`set_child_args`). The monitor
//! of `monitor-overhead` is a stand-in shell script here (this crate does not link the
//! monitor; `seamless bench` runs the real one), which checks the plumbing: ready file,
//! results file, report section.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use seamless_bench::child::{run_if_child, set_child_args};
use seamless_bench::hist::parse_hgrm;
use seamless_bench::suite::{Ctx, Suite};
use seamless_bench::tick_to_event::{MonitorChild, MonitorLauncher};

/// Runs a bench child role when this binary was started as one; a no-op test otherwise.
#[test]
fn child_role() {
    if let Some(code) = run_if_child() {
        std::process::exit(i32::from(code));
    }
}

/// A stand-in monitor: announces itself and leaves a results file at once.
#[derive(Debug)]
struct ScriptMonitor;

impl MonitorLauncher for ScriptMonitor {
    fn spawn(&self, child: &MonitorChild) -> io::Result<Child> {
        let script = r#": > "$1"; printf 'frames 3\nreads 40\nretried 1\nretries 2\nfailures 0\ncpu_ns 1000\nwall_ns 100000\n' > "$2""#;
        Command::new("sh")
            .args(["-c", script, "sh"])
            .arg(&child.ready)
            .arg(&child.out)
            .stdin(Stdio::null())
            .spawn()
    }
}

/// A temporary directory, removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn tiny_context() -> Ctx {
    let mut ctx = Ctx::new(true);
    ctx.ipc.rounds = 1;
    ctx.ipc.samples = 200;
    ctx.ipc.stream_items = 20_000;
    ctx.ipc.progress = false;
    let t = &mut ctx.t2e;
    t.ticks = 1_000;
    t.max_ticks = 4_000;
    t.readers = 1;
    t.progress = false;
    t.monitor = Some(Arc::new(ScriptMonitor));
    ctx
}

#[test]
fn a_quick_report_is_complete_and_well_formed() {
    set_child_args(
        ["child_role", "--exact", "--nocapture", "--test-threads=1"]
            .map(Into::into)
            .to_vec(),
    );
    let dir =
        TempDir(std::env::temp_dir().join(format!("seamless-bench-report-{}", std::process::id())));
    let suite = Suite::standard();
    let report = suite
        .run_all(&tiny_context(), &dir.0)
        .expect("report written");
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let md = fs::read_to_string(dir.0.join("report.md")).expect("report.md");
    for needle in ["## Machine", "- CPU: ", "- kernel: ", "- governor: "] {
        assert!(md.contains(needle), "{needle:?} missing from\n{md}");
    }
    for entry in suite.entries().iter().filter(|e| e.in_all) {
        assert!(
            md.contains(&format!("\n## {}\n", entry.name)),
            "no section {}",
            entry.name
        );
    }
    assert!(md.contains("monitor overhead: verdict") && md.contains("target <= 1.05x"));

    let counts = check_tables(&md);
    assert!(counts.len() >= 10, "{counts:?}");
    let hgrms = check_hgrms(&dir.0, &md);
    // Every series of every table has its .hgrm, with the table's sample count.
    assert_eq!(hgrms.len(), counts.len(), "{hgrms:?}\n{counts:?}");
    for (count, total) in counts.values().zip(hgrms.values()) {
        assert_eq!(count, total);
    }
    let svgs = links(&md, ".svg");
    assert!(svgs.len() >= 6, "{svgs:?}");
    for svg in &svgs {
        let text = fs::read_to_string(dir.0.join(svg)).expect("svg");
        well_formed(&text).unwrap_or_else(|e| panic!("{svg}: {e}"));
    }
    let pingpong = fs::read_to_string(dir.0.join("pingpong.svg")).expect("pingpong.svg");
    for series in [
        "floor",
        "seamless spsc",
        "rtrb",
        "crossbeam ArrayQueue",
        "percentile",
    ] {
        assert!(pingpong.contains(series), "pingpong.svg lacks {series:?}");
    }
    let t2e = fs::read_to_string(dir.0.join("tick_to_event_observer.svg")).expect("t2e svg");
    assert!(t2e.contains("0 readers") && t2e.contains("1 readers"));
}

/// The file names linked from `md` ending in `ext`.
fn links(md: &str, ext: &str) -> Vec<String> {
    md.split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .filter(|l| l.ends_with(ext))
        .map(str::to_owned)
        .collect()
}

/// Parses every percentile table: 6 figures in order, a count, 4 ratios. Returns the
/// count per `<table title>/<series>` in document order.
fn check_tables(md: &str) -> BTreeMap<(usize, String), u64> {
    let mut out = BTreeMap::new();
    let mut title = String::new();
    let mut in_table = false;
    for line in md.lines() {
        if let Some(t) = line.strip_prefix("### ") {
            title = t.to_owned();
        }
        if line.starts_with("| series | p50 |") {
            in_table = true;
            continue;
        }
        if !line.starts_with('|') {
            in_table = false;
            continue;
        }
        if !in_table || line.starts_with("|---") {
            continue;
        }
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        assert_eq!(cells.len(), 13, "{title}: {line}");
        let figures: Vec<u64> = cells[1..7]
            .iter()
            .map(|c| c.parse().unwrap_or_else(|_| panic!("{title}: {line}")))
            .collect();
        assert!(figures.windows(2).all(|w| w[0] <= w[1]), "{title}: {line}");
        let count: u64 = cells[7].parse().expect("count");
        assert!(count > 0, "{title}: {line}");
        for r in &cells[8..] {
            let r: f64 = r.parse().unwrap_or_else(|_| panic!("{title}: {line}"));
            assert!(r.is_finite() && r >= 0.0, "{title}: {line}");
        }
        out.insert((out.len(), format!("{title}/{}", cells[0])), count);
    }
    out
}

/// Parses every linked `.hgrm`; returns each one's total count in document order.
fn check_hgrms(dir: &Path, md: &str) -> BTreeMap<(usize, String), u64> {
    let mut out = BTreeMap::new();
    for name in links(md, ".hgrm") {
        let text = fs::read_to_string(dir.join(&name)).expect("hgrm");
        let h = parse_hgrm(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(h.count > 0 && !h.rows.is_empty(), "{name}");
        out.insert((out.len(), name), h.count);
    }
    out
}

/// A small XML well-formedness check: one root element, tags nested and closed,
/// attributes quoted, `&` only in entity references, no stray `<`.
fn well_formed(text: &str) -> Result<(), String> {
    let mut stack: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut rest = text.trim();
    while !rest.is_empty() {
        let Some(open) = rest.find('<') else {
            check_text(rest)?;
            break;
        };
        check_text(&rest[..open])?;
        if !rest[..open].trim().is_empty() && stack.is_empty() {
            return Err(format!("text outside the root: {:?}", &rest[..open]));
        }
        let close = rest[open..].find('>').ok_or("unclosed tag")? + open;
        let tag = &rest[open + 1..close];
        rest = &rest[close + 1..];
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            match stack.pop() {
                Some(open) if open == name.trim() => continue,
                other => return Err(format!("</{name}> closes {other:?}")),
            }
        }
        let self_closing = tag.ends_with('/');
        let body = tag.trim_end_matches('/');
        let name = body.split_whitespace().next().ok_or("empty tag")?;
        check_attributes(&body[name.len()..])?;
        if stack.is_empty() {
            roots += 1;
        }
        if !self_closing {
            stack.push(name.to_owned());
        }
    }
    match (stack.is_empty(), roots) {
        (true, 1) => Ok(()),
        (false, _) => Err(format!("unclosed elements {stack:?}")),
        (_, n) => Err(format!("{n} root elements")),
    }
}

fn check_text(t: &str) -> Result<(), String> {
    for (i, _) in t.match_indices('&') {
        let entity = t[i..].split(';').next().unwrap_or("");
        let ok =
            ["&lt", "&gt", "&amp", "&quot", "&apos"].contains(&entity) || entity.starts_with("&#");
        if !ok {
            return Err(format!(
                "bad entity near {:?}",
                &t[i..(i + 10).min(t.len())]
            ));
        }
    }
    Ok(())
}

fn check_attributes(mut a: &str) -> Result<(), String> {
    loop {
        a = a.trim_start();
        if a.is_empty() {
            return Ok(());
        }
        let eq = a
            .find('=')
            .ok_or_else(|| format!("attribute without value: {a:?}"))?;
        let after = a[eq + 1..].trim_start();
        let quote = after.chars().next().filter(|q| *q == '"' || *q == '\'');
        let quote = quote.ok_or_else(|| format!("unquoted attribute: {a:?}"))?;
        let end = after[1..].find(quote).ok_or("unterminated attribute")? + 1;
        let value = &after[1..end];
        if value.contains('<') {
            return Err(format!("`<` in attribute {value:?}"));
        }
        check_text(value)?;
        a = &after[end + 1..];
    }
}

#[test]
fn the_xml_check_can_fail() {
    assert!(well_formed(r#"<svg a="1"><text>a &amp; b</text></svg>"#).is_ok());
    assert!(well_formed("<svg><text>a & b</text></svg>").is_err());
    assert!(well_formed("<svg><g></svg>").is_err());
    assert!(well_formed("<svg a=1></svg>").is_err());
    assert!(well_formed("<svg></svg><svg></svg>").is_err());
}
