//! The scenario registry and `bench all`'s report directory.
//!
//! A [`Suite`] is a list of named [`Entry`]s; each runs one scenario from a shared
//! [`Ctx`] (sizes, the measuring environment) and returns an [`Outcome`]. Adding a
//! scenario is one entry: a binary that links more crates (the `seamless` CLI with the
//! persister and the bridge) pushes its own entries onto [`Suite::standard`].
//!
//! [`Suite::run_all`] runs every entry marked `in_all`, one after another, showing
//! `[3/9] seqlock ... 2.1 s` on stderr, and writes a report directory:
//!
//! - `report.md`: the machine description, then per scenario its tables (p50, p90,
//!   p99, p99.9, p99.99, max, count, same-round ratios), its text sections and its plots;
//! - one `.hgrm` per series (`<table>-<series>.hgrm`);
//! - one SVG latency-percentile plot per chart (`<chart>.svg`).
//!
//! A scenario that fails is reported in `report.md` and the others still run.
//!
//! Progress: blocking; a benchmark, never a timed test.
//!
//! # Example
//!
//! ```no_run
//! use seamless_bench::suite::{Ctx, Suite};
//! let ctx = Ctx::new(true); // --quick sizes
//! let report = Suite::standard().run_all(&ctx, "target/bench-report/demo".as_ref()).unwrap();
//! println!("{}", report.dir.join("report.md").display());
//! ```

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::machine::Machine;
use crate::outcome::Outcome;
use crate::report::slug;
use crate::scenarios::{self, Env};
use crate::{progress, tick_to_event};

/// What every scenario may read: the measuring environment and the sizes.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Cores and the calibrated clock.
    pub env: Env,
    /// Sizes of the IPC scenarios.
    pub ipc: scenarios::Options,
    /// Sizes and placement of the core scenarios (tick-to-event, monitor-overhead).
    pub t2e: tick_to_event::Options,
    /// A short smoke run (`--quick`): entries added by binaries should shrink too.
    pub quick: bool,
}

impl Ctx {
    /// The default sizes, or the `--quick` ones: a smoke run of a few seconds per
    /// scenario whose figures mean nothing.
    pub fn new(quick: bool) -> Ctx {
        let mut ctx = Ctx {
            env: Env::new(),
            ipc: scenarios::Options::default(),
            t2e: tick_to_event::Options::default(),
            quick,
        };
        if quick {
            ctx.ipc.rounds = 2;
            ctx.ipc.samples = 2_000;
            ctx.ipc.stream_items = 200_000;
            let t = &mut ctx.t2e;
            t.rounds = 1;
            t.ticks = 2_000;
            t.max_ticks = 20_000;
            // A smoke run checks the plumbing; on a loaded machine the observer may see
            // few of 2000 ticks, so only "saw some" is required.
            t.min_coverage = 0.0;
        }
        ctx
    }
}

/// A scenario's body.
pub type RunFn = Box<dyn Fn(&Ctx) -> io::Result<Outcome> + Send + Sync>;

/// One registered scenario.
pub struct Entry {
    /// The name on the command line (`seamless bench NAME`).
    pub name: &'static str,
    /// One line saying what it measures (help text, report headings).
    pub about: &'static str,
    /// Whether `bench all` runs it (groups such as `ipc` do not: their parts run).
    pub in_all: bool,
    run: RunFn,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("name", &self.name)
            .field("in_all", &self.in_all)
            .finish_non_exhaustive()
    }
}

impl Entry {
    /// A scenario that `bench all` runs.
    pub fn new(
        name: &'static str,
        about: &'static str,
        run: impl Fn(&Ctx) -> io::Result<Outcome> + Send + Sync + 'static,
    ) -> Entry {
        Entry {
            name,
            about,
            in_all: true,
            run: Box::new(run),
        }
    }

    /// A scenario run only by name (a group of others, or a variant).
    pub fn by_name_only(mut self) -> Entry {
        self.in_all = false;
        self
    }

    /// Runs it on a thread of its own: scenarios pin the thread they run on, and a
    /// later scenario (the core's runtime lists the cores its thread may use) must
    /// start from the process's full core set again.
    ///
    /// # Errors
    ///
    /// Whatever the scenario reports; a panic (a failed correctness check) as
    /// `io::Error`.
    pub fn run(&self, ctx: &Ctx) -> io::Result<Outcome> {
        std::thread::scope(|s| {
            let worker = std::thread::Builder::new()
                .name(format!("bench {}", self.name))
                .spawn_scoped(s, || (self.run)(ctx))?;
            worker.join().unwrap_or_else(|panic| {
                let why = panic
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| panic.downcast_ref::<&str>().copied())
                    .unwrap_or("a panic");
                Err(io::Error::other(format!("{} panicked: {why}", self.name)))
            })
        })
    }
}

/// The registered scenarios, in `bench all` order.
#[derive(Debug, Default)]
pub struct Suite {
    entries: Vec<Entry>,
}

/// What [`Suite::run_all`] did.
#[derive(Debug)]
pub struct Report {
    /// The report directory.
    pub dir: PathBuf,
    /// Per scenario run: its name and, on failure, the error's text.
    pub failures: Vec<(&'static str, String)>,
    /// Every file written, relative to `dir`.
    pub files: Vec<PathBuf>,
}

impl Suite {
    /// The scenarios of this crate: `pingpong`, `stream`, `seqlock`, `tick-to-event`,
    /// `monitor-overhead` (skipped unless `ctx.t2e.monitor` can start a monitor), and
    /// the group `ipc`.
    pub fn standard() -> Suite {
        let mut s = Suite::default();
        s.push(Entry::new(
            "pingpong",
            "round trip: the floor, our SPSC ring, rtrb, ArrayQueue; the floor and our broadcast ring across processes",
            |c| scenarios::pingpong_outcome(&c.ipc, &c.env),
        ));
        s.push(Entry::new(
            "stream",
            "streaming throughput: our SPSC ring, rtrb, ArrayQueue",
            |c| Ok(scenarios::stream_outcome(&c.ipc, &c.env)),
        ));
        s.push(Entry::new(
            "seqlock",
            "seqlock read cost under a live writer; writer cost with 0 and 3 readers",
            |c| Ok(scenarios::seqlock_outcome(&c.ipc, &c.env)),
        ));
        s.push(Entry::new(
            "tick-to-event",
            "a tick's feed stamp to its market row seen by another process, the engine's tick->publish, throughput; 0 vs 3 readers",
            |c| tick_to_event::run(&c.t2e, &c.env),
        ));
        s.push(Entry::new(
            "monitor-overhead",
            "tick-to-event p99 with a real monitor refreshing at 30 fps vs without, in one run (target <= 1.05x)",
            |c| match c.t2e.monitor {
                Some(_) => tick_to_event::monitor_overhead(&c.t2e, &c.env),
                None => Ok(Outcome::skipped(
                    "this binary cannot start a monitor; run `seamless bench monitor-overhead`",
                )),
            },
        ));
        s.push(
            Entry::new("ipc", "pingpong, stream and seqlock together", |c| {
                scenarios::all(&c.ipc, &c.env)
            })
            .by_name_only(),
        );
        s
    }

    /// Registers `entry` (after those already there).
    pub fn push(&mut self, entry: Entry) {
        self.entries.push(entry);
    }

    /// The entry named `name`.
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// Every entry, in order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Runs every `in_all` entry and writes the report directory `dir` (module docs).
    ///
    /// # Errors
    ///
    /// Only I/O errors writing the report; a failing scenario is recorded in
    /// [`Report::failures`] and in `report.md`.
    pub fn run_all(&self, ctx: &Ctx, dir: &Path) -> io::Result<Report> {
        std::fs::create_dir_all(dir)?;
        let machine = Machine::detect();
        let todo: Vec<&Entry> = self.entries.iter().filter(|e| e.in_all).collect();
        let mut report = Report {
            dir: dir.to_owned(),
            failures: Vec::new(),
            files: Vec::new(),
        };
        let mut sections = String::new();
        let mut index = String::new();
        let mut used = BTreeSet::new();
        for (i, entry) in todo.iter().enumerate() {
            progress::start_step(i + 1, todo.len(), entry.name);
            let start = Instant::now();
            let result = entry.run(ctx);
            let took = start.elapsed();
            let note = match &result {
                Ok(o) if o.skipped.is_some() => "skipped",
                Ok(_) => "",
                Err(_) => "FAILED",
            };
            progress::end_step(entry.name, took, note);
            let verdict = match &result {
                Ok(o) if o.skipped.is_some() => "skipped",
                Ok(_) => "ok",
                Err(_) => "failed",
            };
            let _ = writeln!(
                index,
                "| [{}](#{}) | {} | {verdict} | {:.1} s |",
                entry.name,
                slug(entry.name).replace('_', "-"),
                entry.about,
                took.as_secs_f64()
            );
            let body = match result {
                Ok(outcome) => self.write_outcome(entry, &outcome, took, &mut report, &mut used)?,
                Err(e) => {
                    eprintln!("  {}: {e}", entry.name);
                    report.failures.push((entry.name, e.to_string()));
                    format!("## {}\n\n{}\n\n**Failed**: {e}\n", entry.name, entry.about)
                }
            };
            sections.push_str(&body);
            sections.push('\n');
        }
        let md = format!(
            "# seamless benchmark report\n\n{} scenarios{}. Latencies in ns unless \
             stated; every ratio is taken within one round and the median over rounds is \
             shown (the figures of one run compare; runs on different days may not).\n\n\
             ## Machine\n\n{}- clock: TSC, {}\n\n## Scenarios\n\n| scenario | measures | result | took |\n\
             |---|---|---|---:|\n{index}\n{sections}",
            todo.len(),
            if ctx.quick {
                " (--quick: a smoke run, the figures mean nothing)"
            } else {
                ""
            },
            machine.markdown(),
            ctx.env.clock.describe()
        );
        std::fs::write(dir.join("report.md"), md)?;
        report.files.insert(0, PathBuf::from("report.md"));
        Ok(report)
    }

    /// Writes `outcome`'s `.hgrm` files and plots into the report directory and returns
    /// its `report.md` section.
    fn write_outcome(
        &self,
        entry: &Entry,
        outcome: &Outcome,
        took: Duration,
        report: &mut Report,
        used: &mut BTreeSet<String>,
    ) -> io::Result<String> {
        let mut md = format!(
            "## {}\n\n{} ({:.1} s)\n\n",
            entry.name,
            entry.about,
            took.as_secs_f64()
        );
        if outcome.skipped.is_some() {
            md.push_str(&outcome.markdown());
            return Ok(md);
        }
        for chart in outcome.charts() {
            if chart.lines.is_empty() {
                continue;
            }
            let mut key = slug(&chart.key);
            while !used.insert(key.clone()) {
                key.push('_');
            }
            let file = PathBuf::from(format!("{key}.svg"));
            crate::plot::write_svg(&report.dir.join(&file), std::slice::from_ref(&chart))?;
            let _ = writeln!(
                md,
                "![{}]({})\n",
                chart.title.replace(']', ")"),
                file.display()
            );
            report.files.push(file);
        }
        md.push_str(&outcome.markdown());
        let hgrms = outcome.write_hgrms(&report.dir)?;
        if !hgrms.is_empty() {
            md.push_str("Percentile distributions: ");
            let names: Vec<String> = hgrms
                .iter()
                .filter_map(|p| p.file_name())
                .map(|n| {
                    let n = n.to_string_lossy();
                    format!("[{n}]({n})")
                })
                .collect();
            md.push_str(&names.join(", "));
            md.push('\n');
            for p in hgrms {
                if let Some(name) = p.file_name() {
                    report.files.push(PathBuf::from(name));
                }
            }
        }
        Ok(md)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_suite_has_unique_names_and_a_group() {
        let s = Suite::standard();
        let names: BTreeSet<&str> = s.entries().iter().map(|e| e.name).collect();
        assert_eq!(names.len(), s.entries().len());
        assert!(!s.get("ipc").unwrap().in_all);
        assert!(s.get("monitor-overhead").unwrap().in_all);
        assert!(s.get("nope").is_none());
    }
}
