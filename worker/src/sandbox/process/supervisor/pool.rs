//! The sandbox processes of one engine: started with it, fed from its queue, closed
//! with it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::runtime::RuntimeFlavor;

use super::dispatch::pump_all;
use super::isolation::ProcessIsolation;
use super::process::supervise;
use super::state::{PRELOADING_READY_TIMEOUT, ProcessSlot, READY_TIMEOUT, Shared};
use super::watchdog::kill_overruns;
use crate::egress::Fetcher;
use crate::sandbox::job::Task;
use crate::sandbox::process::protocol::init::encode_init;
use crate::sandbox::setup::SlotSetup;
use crate::sandbox::stats::EngineStats;
use crate::sandbox::stats::WatchdogStats;

/// The sandbox processes of one engine.
pub struct ProcessPool {
    shared: Arc<Shared>,
}

impl ProcessPool {
    /// Starts `slots` processes, each with a native stack of `thread_stack_bytes`, and
    /// waits until all are ready.
    pub fn start(
        isolation: ProcessIsolation,
        (slots, thread_stack_bytes): (usize, usize),
        setup: &SlotSetup,
        stats: Arc<EngineStats>,
        watchdog: Arc<WatchdogStats>,
        io: Option<(Fetcher, tokio::runtime::Handle)>,
    ) -> Result<ProcessPool, String> {
        let limits = &setup.limits;
        let fetch_bytes = setup
            .fetch
            .as_ref()
            .map_or(0, |grant| grant.caps.max_request_bytes + (128 << 10));
        let max_frame = (16 << 20)
            + 2 * limits.max_result_bytes
            + 2 * limits.max_log_bytes
            + 8 * limits.max_log_entries
            + fetch_bytes;
        let shared = Arc::new(Shared {
            init: encode_init(setup, isolation.address_space_bytes),
            ready_timeout: if setup.snapshots && !setup.preload.is_empty() {
                PRELOADING_READY_TIMEOUT
            } else {
                READY_TIMEOUT
            },
            library: setup.modules.library().clone(),
            isolation,
            thread_stack_bytes,
            limits: setup.limits.clone(),
            queue: crossbeam_channel::unbounded(),
            closed: AtomicBool::new(false),
            stats,
            io,
            reactor: tokio::runtime::Handle::try_current()
                .ok()
                .filter(|runtime| runtime.runtime_flavor() == RuntimeFlavor::MultiThread),
            max_frame,
            slots: (0..slots)
                .map(|_| {
                    Arc::new(ProcessSlot {
                        claimed: AtomicBool::new(true),
                        link: Mutex::new(None),
                        killed_for: AtomicU64::new(0),
                    })
                })
                .collect(),
        });
        let (started, results) = crossbeam_channel::unbounded();
        for index in 0..slots {
            let (shared, started) = (shared.clone(), started.clone());
            std::thread::Builder::new()
                .name("warren-sandbox".into())
                .spawn(move || supervise(&shared, index, started))
                .map_err(|err| format!("cannot start a supervisor thread: {err}"))?;
        }
        let pool = ProcessPool { shared };
        for _ in 0..slots {
            // On failure, dropping the pool closes the processes that did start.
            results.recv().map_err(|_| {
                "a sandbox supervisor ended before its process started".to_string()
            })??;
        }
        // The watchdog runs while any process may still hold a job, engine or not.
        let watched = Arc::downgrade(&pool.shared);
        std::thread::Builder::new()
            .name("warren-watchdog".into())
            .spawn(move || kill_overruns(&watched, &watchdog))
            .map_err(|err| format!("cannot start the watchdog thread: {err}"))?;
        Ok(pool)
    }

    /// Hands `task` to a free process, or queues it until one is free.
    pub fn submit(&self, task: Task) {
        let _ = self.shared.queue.0.send(task);
        pump_all(&self.shared);
    }

    /// Processes inside a job's JavaScript right now.
    pub fn busy(&self) -> usize {
        self.shared
            .slots
            .iter()
            .filter(|slot| {
                slot.link()
                    .as_ref()
                    .is_some_and(|link| link.watch.running().is_some())
            })
            .count()
    }

    /// The process ids of the sandbox processes now.
    pub fn pids(&self) -> Vec<u32> {
        self.shared
            .slots
            .iter()
            .filter_map(|slot| slot.link().as_ref().map(|link| link.pid as u32))
            .collect()
    }
}

impl Drop for ProcessPool {
    /// Closes every process once it is idle and the queue is empty; jobs already
    /// queued or held still finish.
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::SeqCst);
        pump_all(&self.shared);
    }
}
