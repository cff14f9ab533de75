//! The worker's side of its sandbox processes. Each slot is one process, started at
//! engine start and replaced whenever it dies. A job goes straight to a free
//! process from the thread that submits it (or waits in the queue until a process is
//! done with its last one); per slot, a supervisor thread starts the process, reads
//! what it sends (reports, parks, `fetch` requests), hands it the next queued job,
//! and, when it dies, settles every job it held. A watchdog thread kills a process
//! still inside a job well past the job's deadline.
//!
//! When a process dies, the job it was running gets `crash` (or `timeout`, when the
//! watchdog killed it); the jobs it merely held, waiting for a response or a timer,
//! are started again from scratch in another process, since they did nothing wrong.
//!
//! - this file: the pool, its slots and what a live process holds;
//!   [`dispatch`]: handing queued jobs to free processes.
//! - [`process`]: starting a process, the handshake, and a slot's supervisor thread.
//! - [`reader`]: what a process sends (reports, parks, `fetch` requests).
//! - [`death`]: settling the jobs a dead process held.
//! - [`watchdog`]: killing a process that overran a deadline.

mod death;
mod dispatch;
mod process;
mod reader;
mod watchdog;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use tokio::runtime::RuntimeFlavor;
use tokio::task::AbortHandle;

use self::dispatch::pump_all;
use self::process::supervise;
use self::watchdog::kill_overruns;
use super::protocol::init::encode_init;
use super::watch::SharedWatch;
use super::writer::ChannelWriter;
use crate::egress::Fetcher;
use crate::sandbox::job::Task;
use crate::sandbox::limits::PoolLimits;
use crate::sandbox::setup::SlotSetup;
use crate::sandbox::stats::EngineStats;
use crate::sandbox::thread::watchdog::WatchdogStats;

/// How a pool runs its sandbox processes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessIsolation {
    /// The `warren-worker` executable to start as a sandbox process.
    pub program: PathBuf,
    /// Virtual memory each sandbox process may map (`RLIMIT_AS`).
    pub address_space_bytes: u64,
}

impl ProcessIsolation {
    /// Sandbox processes running `program`, with the default address-space cap.
    pub fn new(program: impl Into<PathBuf>) -> ProcessIsolation {
        ProcessIsolation {
            program: program.into(),
            address_space_bytes: 4 << 30,
        }
    }

    /// Sandbox processes running this very executable, even if its file has been
    /// replaced since (a rolling upgrade must not mix versions in one worker).
    pub fn this_executable() -> ProcessIsolation {
        ProcessIsolation::new("/proc/self/exe")
    }
}

/// A job a sandbox process holds, until it reports.
struct InFlight {
    task: Task,
    parked: bool,
    requests: Vec<AbortHandle>,
    /// When the job must be over, by the worker's clock: what the process says is
    /// not trusted for that.
    deadline: Instant,
}

/// The jobs one process holds; `dead` once its supervisor has settled them.
#[derive(Default)]
struct Held {
    jobs: HashMap<u64, InFlight>,
    dead: bool,
}

/// What every slot of an engine shares.
struct Shared {
    isolation: ProcessIsolation,
    thread_stack_bytes: usize,
    limits: PoolLimits,
    /// The set-up frame every process starts with.
    init: Vec<u8>,
    /// Jobs no process has taken yet.
    queue: (Sender<Task>, Receiver<Task>),
    /// The engine is gone: processes are closed once idle, none are replaced.
    closed: AtomicBool,
    stats: Arc<EngineStats>,
    io: Option<(Fetcher, tokio::runtime::Handle)>,
    /// The multi-threaded runtime the engine was started in, if any: processes' reports
    /// are read there, so a report wakes the job's task without a thread in between.
    reactor: Option<tokio::runtime::Handle>,
    /// Largest frame a process may send.
    max_frame: usize,
    slots: Vec<Arc<ProcessSlot>>,
}

/// A live process, as everyone but its supervisor sees it.
struct Link {
    pid: libc::pid_t,
    watch: Arc<SharedWatch>,
    writer: Arc<ChannelWriter>,
    held: Mutex<Held>,
    /// The task it was last given and has not reported or parked yet (0: none).
    current: AtomicU64,
    next_key: AtomicU64,
}

impl Link {
    fn held(&self) -> MutexGuard<'_, Held> {
        self.held
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// One slot: whichever process serves it at the moment.
struct ProcessSlot {
    /// Set while the process may not be given a task: it is busy with one, being
    /// replaced, or closed. A task goes to a slot only by setting this.
    claimed: AtomicBool,
    link: Mutex<Option<Arc<Link>>>,
    /// The job the watchdog killed this slot's process for (0: none).
    killed_for: AtomicU64,
}

impl ProcessSlot {
    /// Whether the slot's process says its next job's context is ready.
    fn prepared(&self) -> bool {
        self.link()
            .as_ref()
            .is_some_and(|link| link.watch.prepared())
    }

    fn link(&self) -> MutexGuard<'_, Option<Arc<Link>>> {
        self.link
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The sandbox processes of one engine.
pub struct ProcessPool {
    shared: Arc<Shared>,
}

/// How long a new process may take to say it is ready.
const READY_TIMEOUT: Duration = Duration::from_secs(10);

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
