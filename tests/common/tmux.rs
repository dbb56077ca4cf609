//! A tmux session running one `seamless` command, for terminal tests: capture the
//! screen, type keys, learn the exit status.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use super::{BIN, DEADLINE, ShmDir};

/// A tmux server of its own (killed on drop) running one `seamless` command in a
/// 160x50 pane.
#[derive(Debug)]
pub struct Tmux {
    socket: String,
    /// Where the pane's shell writes the program's exit status.
    status: PathBuf,
    /// Everything the pane's program wrote to the terminal (tmux `pipe-pane`).
    raw: PathBuf,
}

impl Tmux {
    /// Starts `seamless <args>` (the subcommand first) with `SEAMLESS_SHM_DIR=dir`, in
    /// `dir` as its working directory.
    pub fn start(dir: &ShmDir, args: &[&str]) -> Tmux {
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let tmux = Tmux {
            socket: format!("seamless-tmux-{}-{n}", std::process::id()),
            status: dir.path().join(format!("tmux-{n}.status")),
            raw: dir.path().join(format!("tmux-{n}.raw")),
        };
        let status = [tmux.status.display().to_string()];
        let mut cmd = vec![BIN.to_owned()];
        cmd.extend(args.iter().map(|a| (*a).to_owned()));
        let env = format!("SEAMLESS_SHM_DIR={}", dir.path().display());
        let ok = tmux
            .cmd(&[
                "new-session",
                "-d",
                "-x",
                "160",
                "-y",
                "50",
                "-s",
                "m",
                "-e",
                &env,
                "-c",
                &dir.path().display().to_string(),
            ])
            .args([
                "--",
                "sh",
                "-c",
                &format!("{}; echo $? > {}", shell_words(&cmd), shell_words(&status)),
            ])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "tmux new-session");
        // Keep the pane after the shell exits; log what the monitor writes.
        let _ = tmux
            .cmd(&["set-option", "-t", "m", "remain-on-exit", "on"])
            .status();
        let log = format!("cat >> {}", shell_words(&[tmux.raw.display().to_string()]));
        let _ = tmux.cmd(&["pipe-pane", "-t", "m", "-o", &log]).status();
        tmux
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket]).args(args);
        c
    }

    pub fn capture(&self) -> String {
        let out = self.cmd(&["capture-pane", "-p", "-t", "m"]).output();
        out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }

    /// Types `keys` into the pane; whether tmux accepted them.
    pub fn send(&self, keys: &str) -> bool {
        let status = self.cmd(&["send-keys", "-t", "m", keys]).status();
        status.is_ok_and(|s| s.success())
    }

    /// `Some(exit status)` once the program exited (the pane's shell writes it to a
    /// file: tmux's `pane_dead_status` is sometimes never filled in, and text printed
    /// after a full-screen program is not reliably on the captured screen).
    pub fn exit_status(&self) -> Option<i32> {
        let text = std::fs::read_to_string(&self.status).ok()?;
        text.trim().parse().ok()
    }

    /// Whether the program left the alternate screen after it last entered it.
    pub fn terminal_restored(&self) -> bool {
        let raw = std::fs::read(&self.raw).unwrap_or_default();
        let find = |pat: &[u8]| raw.windows(pat.len()).rposition(|w| w == pat);
        match (find(b"\x1b[?1049h"), find(b"\x1b[?1049l")) {
            (Some(enter), Some(leave)) => leave > enter,
            (None, Some(_)) => true,
            _ => false,
        }
    }

    pub fn wait_screen(&self, what: &str, mut cond: impl FnMut(&str) -> bool) -> String {
        let began = Instant::now();
        loop {
            let screen = self.capture();
            if cond(&screen) {
                return screen;
            }
            assert!(
                self.exit_status().is_none(),
                "the program exited while waiting for {what}:\n{screen}"
            );
            assert!(
                began.elapsed() < DEADLINE,
                "timed out waiting for {what}:\n{screen}"
            );
            thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]).status();
    }
}

/// Quotes words for `sh -c`.
pub fn shell_words(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("'{}'", w.replace('\'', r"'\''")))
        .collect::<Vec<_>>()
        .join(" ")
}
