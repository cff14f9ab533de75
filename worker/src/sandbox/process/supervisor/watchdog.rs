//! The process watchdog: a process stuck past a deadline is killed, and its supervisor
//! settles what it held.

use std::sync::Weak;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::state::Shared;
use crate::sandbox::events::WatchdogOverran;
use crate::sandbox::limits::{WATCHDOG_MARGIN as MARGIN, WATCHDOG_TICK as TICK};
use crate::sandbox::process::watch::monotonic_ns;
use crate::sandbox::stats::WatchdogStats;

/// The watchdog: kills a process still inside a job [`MARGIN`] past its deadline.
/// Its supervisor then reports the job as `timeout` and starts a replacement. It also
/// kills a process that holds any job far past that job's deadline by the worker's
/// own clock (a process that lies in its watch words, or never reports): a working
/// process reports every job by its deadline plus, at worst, the time another job it
/// was running took.
pub(super) fn kill_overruns(shared: &Weak<Shared>, stats: &WatchdogStats) {
    let margin = MARGIN.as_nanos() as u64;
    while let Some(shared) = shared.upgrade() {
        let now = monotonic_ns();
        let late = Instant::now()
            .checked_sub(Duration::from_millis(shared.limits.timeout_ms) + 10 * MARGIN);
        for slot in &shared.slots {
            let link = slot.link();
            let Some(link) = link.as_ref() else {
                continue;
            };
            if slot.killed_for.load(Ordering::Acquire) != 0 {
                continue;
            }
            let overrun = link
                .watch
                .running()
                .filter(|(_, deadline)| now > deadline.saturating_add(margin))
                .map(|(key, _)| key);
            let withheld =
                late.is_some_and(|late| link.held().jobs.values().any(|job| job.deadline < late));
            if overrun.is_some() || withheld {
                if overrun.is_some() {
                    WatchdogOverran { slot: "process" }.emit(stats);
                }
                slot.killed_for
                    .store(overrun.unwrap_or(WITHHELD), Ordering::Release);
                // SAFETY: the process is reaped only after its link is taken under
                // this lock, so the pid is still this slot's process.
                unsafe { libc::kill(link.pid, libc::SIGKILL) };
            }
        }
        drop(shared);
        std::thread::sleep(TICK);
    }
}

/// `killed_for` of a process killed for holding a job far too long, not for one job
/// it was running.
pub(super) const WITHHELD: u64 = u64::MAX;
