//! The watchdog: the last word on a job's deadline. QuickJS checks its interrupt
//! handler between bytecode instructions, so one long builtin call (a huge BigInt's
//! `toString`, say) can run far past the deadline. When a slot is still inside a job
//! well past the job's deadline, the watchdog answers for it (`timeout`), retires the
//! slot, and starts a replacement, so the pool keeps its strength. The retired slot
//! finishes what it holds, takes no new job, and exits; its late report is dropped.
//! A thread cannot be killed from outside: that needs sandbox processes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use warren_wire::{ErrorKind, Outcome};

use crate::sandbox::events::WatchdogOverran;
use crate::sandbox::job::{JobReport, RunReport, SandboxBreak};
use crate::sandbox::limits::{WATCHDOG_MARGIN as MARGIN, WATCHDOG_TICK as TICK};
use crate::sandbox::stats::WatchdogStats;

/// A job's reply, sent once by whoever gets there first: the slot or the watchdog.
#[derive(Clone)]
pub struct SharedReply(Arc<Mutex<Option<oneshot::Sender<JobReport>>>>);

impl SharedReply {
    pub fn new(reply: oneshot::Sender<JobReport>) -> SharedReply {
        SharedReply(Arc::new(Mutex::new(Some(reply))))
    }

    /// Sends `report` unless a report was already sent.
    pub fn send(&self, report: JobReport) {
        let sender = match self.0.lock() {
            Ok(mut slot) => slot.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        if let Some(sender) = sender {
            let _ = sender.send(report);
        }
    }
}

/// What a slot is running right now.
struct Running {
    deadline: Instant,
    timeout: Duration,
    started: Instant,
    reply: SharedReply,
}

/// One slot as the watchdog sees it.
#[derive(Default)]
pub struct SlotWatch {
    running: Mutex<Option<Running>>,
    retired: AtomicBool,
}

impl SlotWatch {
    /// The slot starts (or resumes) running a job's JavaScript.
    pub fn enter(&self, deadline: Instant, timeout: Duration, reply: &SharedReply) {
        if let Ok(mut running) = self.running.lock() {
            *running = Some(Running {
                deadline,
                timeout,
                started: deadline.checked_sub(timeout).unwrap_or_else(Instant::now),
                reply: reply.clone(),
            });
        }
    }

    /// The slot is back in its own loop.
    pub fn leave(&self) {
        if let Ok(mut running) = self.running.lock() {
            *running = None;
        }
    }

    /// Whether the watchdog has retired this slot.
    pub fn retired(&self) -> bool {
        self.retired.load(Ordering::SeqCst)
    }
}

/// Starts a slot thread and returns its watch.
pub type SpawnSlot = Box<dyn Fn() -> Option<Arc<SlotWatch>> + Send>;

/// Watches `slots` until the engine (`alive`) is gone. At most `max_retired` retired
/// threads may be alive at once; past that, overrunning slots are answered for but
/// not replaced (a flood of such jobs degrades capacity rather than spawning threads).
pub fn watch(
    mut slots: Vec<Arc<SlotWatch>>,
    spawn: SpawnSlot,
    stats: Arc<WatchdogStats>,
    max_retired: usize,
    alive: Weak<()>,
) {
    while alive.upgrade().is_some() {
        std::thread::sleep(TICK);
        let now = Instant::now();
        let mut replacements = 0;
        for slot in &slots {
            if slot.retired() {
                continue;
            }
            let overrun = match slot.running.lock() {
                Ok(running) => running
                    .as_ref()
                    .filter(|r| now > r.deadline + MARGIN)
                    .map(|r| (r.reply.clone(), r.timeout, r.started)),
                Err(_) => None,
            };
            let Some((reply, timeout, started)) = overrun else {
                continue;
            };
            // Counted before the slot can see it is retired (it counts itself out when
            // its call returns) and before the job's caller hears of it.
            if stats.retired_alive.fetch_add(1, Ordering::SeqCst) < max_retired {
                replacements += 1;
            }
            slot.retired.store(true, Ordering::SeqCst);
            WatchdogOverran { slot: "thread" }.emit(&stats);
            reply.send(timeout_report(timeout, started));
        }
        slots.retain(|slot| !slot.retired());
        for _ in 0..replacements {
            if let Some(slot) = spawn() {
                slots.push(slot);
            }
        }
    }
}

fn timeout_report(timeout: Duration, started: Instant) -> JobReport {
    JobReport {
        run: RunReport {
            outcome: Outcome::error(
                ErrorKind::Timeout,
                format!(
                    "the job ran past its time limit of {} ms inside one call the engine could not interrupt; the watchdog stopped waiting for it",
                    timeout.as_millis()
                ),
            ),
            logs: Vec::new(),
            wall: started.elapsed(),
            busy: started.elapsed(),
            memory_peak_bytes: 0,
        },
        cache: None,
        broke: Some(SandboxBreak::Watchdog),
    }
}
