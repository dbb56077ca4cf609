//! [`Schedule`]: when to ask the broker for its positions, and when an answer is
//! overdue. Clock-free: the caller passes monotonic nanoseconds.

/// A positions request waiting for its answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Outstanding {
    /// The request's stamp (its name: the answer echoes it).
    ts_ns: u64,
    /// When it becomes overdue (monotonic).
    deadline_ns: u64,
}

/// What [`Schedule::poll`] says to do now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    /// Nothing before [`Schedule::next_poll_ns`].
    Nothing,
    /// Send a positions request, then call [`Schedule::sent`].
    Send,
    /// The outstanding request passed its deadline unanswered (said once per request).
    Overdue,
}

/// What an answer was, for [`Schedule::answered`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The answer to the outstanding request.
    Current,
    /// The answer to an older request (the broker was late, not gone).
    Late,
}

/// The reconciliation timetable: a first round at once, then one every `interval`
/// (none with an interval of 0), each answer due within `timeout`; while a request is
/// outstanding and not overdue no other is sent; an overdue one is replaced by a fresh
/// request at the next interval.
///
/// # Examples
///
/// ```
/// use seamless_core::reconcile::{Answer, Due, Schedule};
/// let mut s = Schedule::new(1_000, 100);
/// assert_eq!(s.poll(0), Due::Send);
/// s.sent(7, 0);
/// assert_eq!((s.poll(50), s.next_poll_ns()), (Due::Nothing, 100));
/// assert_eq!(s.poll(100), Due::Overdue);
/// assert_eq!((s.poll(500), s.next_poll_ns()), (Due::Nothing, 1_000));
/// assert_eq!(s.poll(1_000), Due::Send);
/// s.sent(8, 1_000);
/// assert_eq!(s.answered(7), Answer::Late);
/// assert_eq!(s.answered(8), Answer::Current);
/// assert!(!s.is_waiting());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    interval_ns: u64,
    timeout_ns: u64,
    /// When the next round is due (`u64::MAX`: never).
    next_round_ns: u64,
    outstanding: Option<Outstanding>,
    /// The outstanding request passed its deadline (reported).
    overdue: bool,
    rounds: u64,
}

impl Schedule {
    /// A schedule with a round every `interval_ns` (0: only the first) and answers due
    /// within `timeout_ns`; the first round is due at once.
    pub const fn new(interval_ns: u64, timeout_ns: u64) -> Self {
        Schedule {
            interval_ns,
            timeout_ns,
            next_round_ns: 0,
            outstanding: None,
            overdue: false,
            rounds: 0,
        }
    }

    /// What is due at `now_ns`.
    #[inline]
    pub fn poll(&mut self, now_ns: u64) -> Due {
        if let Some(o) = self.outstanding
            && !self.overdue
        {
            if now_ns >= o.deadline_ns {
                self.overdue = true;
                return Due::Overdue;
            }
            return Due::Nothing;
        }
        if now_ns >= self.next_round_ns {
            return Due::Send;
        }
        Due::Nothing
    }

    /// A request stamped `ts_ns` was sent at `now_ns`.
    pub fn sent(&mut self, ts_ns: u64, now_ns: u64) {
        self.outstanding = Some(Outstanding {
            ts_ns,
            deadline_ns: now_ns.saturating_add(self.timeout_ns),
        });
        self.overdue = false;
        self.rounds += 1;
        self.next_round_ns = match self.interval_ns {
            0 => u64::MAX,
            i => now_ns.saturating_add(i),
        };
    }

    /// The broker finished answering the request stamped `ts_ns`.
    pub fn answered(&mut self, ts_ns: u64) -> Answer {
        match self.outstanding {
            Some(o) if o.ts_ns == ts_ns => {
                self.outstanding = None;
                self.overdue = false;
                Answer::Current
            }
            _ => Answer::Late,
        }
    }

    /// The earliest time [`poll`](Self::poll) may have something to do.
    #[inline]
    pub fn next_poll_ns(&self) -> u64 {
        match self.outstanding {
            Some(o) if !self.overdue => o.deadline_ns,
            _ => self.next_round_ns,
        }
    }

    /// `true` while a request is outstanding and not yet overdue.
    #[inline]
    pub fn is_waiting(&self) -> bool {
        self.outstanding.is_some() && !self.overdue
    }

    /// `true` while the outstanding request is overdue.
    #[inline]
    pub fn is_overdue(&self) -> bool {
        self.overdue
    }

    /// Requests sent so far.
    #[inline]
    pub fn rounds(&self) -> u64 {
        self.rounds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interval_of_zero_means_one_round() {
        let mut s = Schedule::new(0, 10);
        assert_eq!(s.poll(5), Due::Send);
        s.sent(1, 5);
        assert_eq!(s.answered(1), Answer::Current);
        assert_eq!(
            (s.poll(u64::MAX - 1), s.next_poll_ns()),
            (Due::Nothing, u64::MAX)
        );
        assert_eq!(s.rounds(), 1);
    }

    #[test]
    fn overdue_is_said_once_and_a_late_answer_is_not_current() {
        let mut s = Schedule::new(100, 10);
        s.sent(1, 0);
        assert_eq!(s.poll(10), Due::Overdue);
        assert!(s.is_overdue() && !s.is_waiting());
        assert_eq!(s.poll(11), Due::Nothing);
        assert_eq!(
            s.answered(1),
            Answer::Current,
            "late but still the outstanding one"
        );
        assert!(!s.is_overdue());
    }
}
