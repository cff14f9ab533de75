//! What a process's death means for the jobs it held, decided apart from doing it
//! (`Process::settle`). Only the job it was running is to blame (`crash`, or
//! `timeout` when the watchdog killed it for that job); the jobs it merely held,
//! waiting for a response or a timer, are started again from scratch in another
//! process, since they did nothing wrong (a job that keeps killing processes still
//! ends, after [`MAX_DEATHS`]).

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

use super::watchdog::WITHHELD;

/// A job dies with its process at most this often before it is failed as `crash`
/// rather than started again: a job that keeps bringing processes down is the cause.
pub(super) const MAX_DEATHS: u32 = 2;

/// The circumstances of a process's death.
#[derive(Debug, Clone, Copy)]
pub(super) struct Death {
    /// The job the watchdog killed it for (0: none; [`WITHHELD`]: for holding a job
    /// far too long rather than for one it was running).
    pub killed_for: u64,
    /// The job it was running when it died, by its own watch words.
    pub running: Option<u64>,
    /// The engine is closing: nothing is started again.
    pub closed: bool,
}

/// What becomes of one job a dead process held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    /// The watchdog killed the process for this very job: `timeout`.
    Overran,
    /// The process was running it: `crash`.
    Crashed,
    /// It was only held, but is not started again (the engine is closing, or it has
    /// seen [`MAX_DEATHS`] processes die already): `crash`.
    GaveUp,
    /// It was only held: started again in another process.
    Retried,
}

impl Death {
    /// The verdict on job `key`, which had seen `deaths` processes die before.
    pub(super) fn verdict(&self, key: u64, deaths: u32) -> Verdict {
        let blamed = match self.killed_for {
            0 | WITHHELD => self.running,
            killed_for => Some(killed_for),
        };
        if self.killed_for == key {
            Verdict::Overran
        } else if blamed == Some(key) {
            Verdict::Crashed
        } else if self.closed || deaths >= MAX_DEATHS {
            Verdict::GaveUp
        } else {
            Verdict::Retried
        }
    }
}

/// How a process ended, for logs and crash reports.
pub(super) fn describe(status: ExitStatus) -> String {
    match (status.signal(), status.code()) {
        (Some(signal), _) => {
            let what = match signal {
                libc::SIGSYS => "SIGSYS: a system call its seccomp filter forbids",
                libc::SIGSEGV => "SIGSEGV: a memory fault",
                libc::SIGBUS => "SIGBUS: a memory fault",
                libc::SIGABRT => "SIGABRT: an abort",
                libc::SIGILL => "SIGILL: an illegal instruction",
                libc::SIGFPE => "SIGFPE: an arithmetic fault",
                libc::SIGKILL => "SIGKILL: out of memory, or killed from outside",
                _ => "a signal",
            };
            format!("was killed by signal {signal} ({what})")
        }
        (None, Some(code)) => format!("exited with status {code}"),
        (None, None) => "ended".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn death(killed_for: u64, running: Option<u64>) -> Death {
        Death {
            killed_for,
            running,
            closed: false,
        }
    }

    #[test]
    fn only_the_running_job_is_blamed_for_a_crash() {
        let crash = death(0, Some(2));
        assert_eq!(crash.verdict(2, 0), Verdict::Crashed);
        assert_eq!(crash.verdict(1, 0), Verdict::Retried);
        assert_eq!(crash.verdict(3, 1), Verdict::Retried);
        // Dead between jobs: nobody is to blame.
        assert_eq!(death(0, None).verdict(1, 0), Verdict::Retried);
    }

    #[test]
    fn the_watchdog_blames_the_job_it_killed_for() {
        // Killed for job 2 while its words said 3 was running (it lied, or moved on).
        let killed = death(2, Some(3));
        assert_eq!(killed.verdict(2, 0), Verdict::Overran);
        assert_eq!(killed.verdict(3, 0), Verdict::Retried);
        // Killed for withholding a job: the running one, if any, is to blame.
        let withheld = death(WITHHELD, Some(4));
        assert_eq!(withheld.verdict(4, 0), Verdict::Crashed);
        assert_eq!(withheld.verdict(5, 0), Verdict::Retried);
    }

    #[test]
    fn a_job_is_not_started_again_forever_nor_after_the_engine_closed() {
        let crash = death(0, Some(9));
        assert_eq!(crash.verdict(1, MAX_DEATHS - 1), Verdict::Retried);
        assert_eq!(crash.verdict(1, MAX_DEATHS), Verdict::GaveUp);
        let closing = Death {
            closed: true,
            ..crash
        };
        assert_eq!(closing.verdict(1, 0), Verdict::GaveUp);
        assert_eq!(closing.verdict(9, 0), Verdict::Crashed);
    }
}
