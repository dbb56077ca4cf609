//! The description of the machine a report was measured on: CPU model, cores, memory,
//! kernel, frequency governor, isolated cores, virtualisation, TSC flags, load, and the
//! time of the run. Figures without it cannot be compared (iceoryx2's
//! `benchmarks/README.md` and ripgrep's `benchsuite/runs/` keep it beside the numbers).
//!
//! Everything comes from `/proc` and `/sys`; a file that cannot be read is reported as
//! `unknown` (containers and other kernels hide some of it), never an error.
//!
//! Progress: blocking (reads a few small files); never on a measured path.

use std::fmt::Write as _;
use std::fs;
use std::time::{SystemTime, UNIX_EPOCH};

/// What [`Machine::detect`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    /// `model name` of the first CPU in /proc/cpuinfo.
    pub cpu: String,
    /// Logical CPUs online.
    pub cpus: usize,
    /// CPUs this process may run on (its affinity mask).
    pub usable: usize,
    /// `MemTotal` from /proc/meminfo, human-readable.
    pub memory: String,
    /// The kernel release (`uname -r`).
    pub kernel: String,
    /// cpu0's frequency governor, `unknown` when there is no cpufreq (most VMs).
    pub governor: String,
    /// `/sys/devices/system/cpu/isolated`, `none` when empty.
    pub isolated: String,
    /// `hypervisor` when /proc/cpuinfo lists that flag, else `bare metal (no
    /// hypervisor flag)`.
    pub virtualisation: String,
    /// The TSC flags present (`constant_tsc nonstop_tsc tsc_known_freq`).
    pub tsc: String,
    /// /proc/loadavg's three averages when detected.
    pub load: String,
    /// When it was detected, `YYYY-MM-DD HH:MM:SS UTC`.
    pub when: String,
}

fn read(path: &str) -> Option<String> {
    fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

fn unknown(v: Option<String>) -> String {
    v.unwrap_or_else(|| "unknown".to_owned())
}

impl Machine {
    /// Reads the description of this machine now.
    pub fn detect() -> Machine {
        let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let field = |name: &str| {
            cpuinfo.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                (k.trim() == name).then(|| v.trim().to_owned())
            })
        };
        let flags = field("flags").unwrap_or_default();
        let has = |f: &str| flags.split_whitespace().any(|x| x == f);
        let tsc: Vec<&str> = ["constant_tsc", "nonstop_tsc", "tsc_known_freq"]
            .into_iter()
            .filter(|f| has(f))
            .collect();
        let cpus = cpuinfo
            .lines()
            .filter(|l| l.starts_with("processor"))
            .count();
        let memory = read("/proc/meminfo").and_then(|m| {
            let kib: u64 = m
                .lines()
                .find(|l| l.starts_with("MemTotal:"))?
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            Some(format!("{:.1} GiB", kib as f64 / (1024.0 * 1024.0)))
        });
        let load = read("/proc/loadavg").map(|l| {
            let v: Vec<&str> = l.split_whitespace().take(3).collect();
            v.join(" ")
        });
        Machine {
            cpu: unknown(field("model name")),
            cpus: cpus.max(1),
            usable: crate::pin::Cores::detect().len(),
            memory: unknown(memory),
            kernel: unknown(read("/proc/sys/kernel/osrelease")),
            governor: unknown(read(
                "/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor",
            )),
            isolated: read("/sys/devices/system/cpu/isolated").unwrap_or_else(|| "none".into()),
            virtualisation: if has("hypervisor") {
                "hypervisor (a VM: the host may move or share its cores)".to_owned()
            } else {
                "bare metal (no hypervisor flag)".to_owned()
            },
            tsc: if tsc.is_empty() {
                "none of constant_tsc/nonstop_tsc".to_owned()
            } else {
                tsc.join(" ")
            },
            load: unknown(load),
            when: utc_now(),
        }
    }

    /// The description as a Markdown bullet list.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let rows = [
            ("CPU", self.cpu.clone()),
            (
                "cores",
                format!("{} online, {} usable by the bench", self.cpus, self.usable),
            ),
            ("memory", self.memory.clone()),
            ("kernel", self.kernel.clone()),
            ("governor", self.governor.clone()),
            ("isolated cores", self.isolated.clone()),
            ("virtualisation", self.virtualisation.clone()),
            ("TSC", self.tsc.clone()),
            ("load average at start", self.load.clone()),
            ("run started", self.when.clone()),
        ];
        for (k, v) in rows {
            let _ = writeln!(out, "- {k}: {v}");
        }
        out
    }
}

/// Now as `YYYY-MM-DD HH:MM:SS UTC`.
pub fn utc_now() -> String {
    let (date, time) = utc_parts(unix_secs());
    format!("{date} {time} UTC")
}

/// Now as `YYYYMMDDTHHMMSSZ` (a directory name that sorts by time).
pub fn utc_stamp() -> String {
    let (date, time) = utc_parts(unix_secs());
    format!("{}T{}Z", date.replace('-', ""), time.replace(':', ""))
}

fn unix_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `("YYYY-MM-DD", "HH:MM:SS")` of a Unix time in seconds (proleptic Gregorian; the
/// days-to-civil algorithm of Howard Hinnant, "chrono-Compatible Low-Level Date
/// Algorithms").
fn utc_parts(secs: u64) -> (String, String) {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        format!("{year:04}-{month:02}-{day:02}"),
        format!("{:02}:{:02}:{:02}", rem / 3600, rem / 60 % 60, rem % 60),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates_match_known_instants() {
        assert_eq!(utc_parts(0), ("1970-01-01".into(), "00:00:00".into()));
        // 2000-02-29 12:34:56 UTC (a leap day).
        assert_eq!(
            utc_parts(951_827_696),
            ("2000-02-29".into(), "12:34:56".into())
        );
        assert_eq!(
            utc_parts(1_798_761_599),
            ("2026-12-31".into(), "23:59:59".into())
        );
    }

    #[test]
    fn the_description_names_every_field() {
        let md = Machine::detect().markdown();
        for key in ["CPU", "cores", "kernel", "governor", "run started"] {
            assert!(md.contains(&format!("- {key}: ")), "{md}");
        }
    }
}
