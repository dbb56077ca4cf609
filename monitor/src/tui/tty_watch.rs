//! [`TtyWatch`]: waits for key input on the terminal with `poll(2)` and notices when
//! the terminal has gone away.
//!
//! crossterm reads keys from standard input when it is a terminal, else from
//! `/dev/tty`; once that terminal hangs up (its tmux server killed, its ssh session
//! dropped), every read returns end-of-file and crossterm's `event::poll` retries it
//! forever: the monitor spun at 30-80% of a core with no terminal, and the stop flag
//! SIGHUP sets was never looked at again. So the TUI loop waits here, on the same
//! descriptor, and calls crossterm only when input is really there; a hang-up, an
//! error, or input that yields no event again and again (end-of-file on a descriptor
//! that reports no hang-up) ends the monitor like SIGHUP does.
//!
//! Progress: blocking (`poll(2)` with a timeout; a signal ends the wait early).
//!
//! It must never spin: every wait either sleeps in `poll(2)` or reports the terminal
//! gone.

use std::fs::File;
use std::io::{self, IsTerminal};
use std::os::fd::{AsFd, BorrowedFd};
use std::time::Duration;

use rustix::event::{PollFd, PollFlags, Timespec, poll};

/// Readable wake-ups in a row that gave crossterm no event before the input counts
/// as closed (a partial escape sequence is consumed by the first read, so a live
/// terminal never repeats it).
const EMPTY_WAKES_LIMIT: u32 = 64;

/// What a wait found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ready {
    /// Bytes to read: hand them to crossterm.
    Input,
    /// The timeout passed (or a signal arrived): nothing to read.
    Timeout,
    /// The terminal hung up or reports an error: stop.
    Gone,
}

/// The descriptor crossterm reads keys from.
#[derive(Debug)]
pub struct TtyWatch {
    /// Standard input (watched unless `dev_tty` is open).
    stdin: io::Stdin,
    /// `/dev/tty`, opened when standard input is not a terminal (as crossterm does).
    dev_tty: Option<File>,
    empty_wakes: u32,
}

impl TtyWatch {
    /// Watches standard input if it is a terminal, else `/dev/tty`.
    ///
    /// # Errors
    ///
    /// `/dev/tty` cannot be opened (no controlling terminal).
    pub fn open() -> io::Result<TtyWatch> {
        let dev_tty = if io::stdin().is_terminal() {
            None
        } else {
            Some(File::open("/dev/tty")?)
        };
        Ok(TtyWatch {
            stdin: io::stdin(),
            dev_tty,
            empty_wakes: 0,
        })
    }

    fn fd(&self) -> BorrowedFd<'_> {
        match &self.dev_tty {
            Some(f) => f.as_fd(),
            None => self.stdin.as_fd(),
        }
    }

    /// Waits up to `timeout` for input.
    ///
    /// # Errors
    ///
    /// `poll(2)` failed for another reason than a signal.
    pub fn wait(&mut self, timeout: Duration) -> io::Result<Ready> {
        if self.empty_wakes >= EMPTY_WAKES_LIMIT {
            return Ok(Ready::Gone);
        }
        let ts = Timespec {
            tv_sec: timeout.as_secs().try_into().unwrap_or(i64::MAX),
            tv_nsec: timeout.subsec_nanos().into(),
        };
        let fd = self.fd();
        let mut fds = [PollFd::new(&fd, PollFlags::IN)];
        match poll(&mut fds, Some(&ts)) {
            Ok(0) => Ok(Ready::Timeout),
            Ok(_) => {
                let got = fds[0].revents();
                if got.intersects(PollFlags::HUP | PollFlags::ERR | PollFlags::NVAL) {
                    Ok(Ready::Gone)
                } else {
                    Ok(Ready::Input)
                }
            }
            Err(rustix::io::Errno::INTR) => Ok(Ready::Timeout),
            Err(e) => Err(e.into()),
        }
    }

    /// After [`Ready::Input`]: whether crossterm found an event in it. Readable input
    /// that never yields one is end-of-file.
    pub fn delivered(&mut self, event: bool) {
        self.empty_wakes = if event { 0 } else { self.empty_wakes + 1 };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_empty_input_counts_as_gone_and_an_event_resets_it() {
        let mut w = TtyWatch {
            stdin: io::stdin(),
            dev_tty: None,
            empty_wakes: 0,
        };
        for _ in 0..EMPTY_WAKES_LIMIT - 1 {
            w.delivered(false);
        }
        w.delivered(true);
        assert_eq!(w.empty_wakes, 0);
        for _ in 0..EMPTY_WAKES_LIMIT {
            w.delivered(false);
        }
        assert_eq!(w.wait(Duration::ZERO).unwrap(), Ready::Gone);
    }
}
