//! What the supervisor's parts share: the engine-wide state, each slot, the live
//! process in it, and the jobs that process holds.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use tokio::task::AbortHandle;

use super::isolation::ProcessIsolation;
use crate::egress::Fetcher;
use crate::sandbox::job::Task;
use crate::sandbox::limits::PoolLimits;
use crate::sandbox::modules::Library;
use crate::sandbox::process::watch::SharedWatch;
use crate::sandbox::process::writer::ChannelWriter;
use crate::sandbox::stats::EngineStats;

/// A job a sandbox process holds, until it reports.
pub(super) struct InFlight {
    pub(super) task: Task,
    pub(super) parked: bool,
    pub(super) requests: Vec<AbortHandle>,
    /// When the job must be over, by the worker's clock: what the process says is
    /// not trusted for that.
    pub(super) deadline: Instant,
}

/// The jobs one process holds; `dead` once its supervisor has settled them.
#[derive(Default)]
pub(super) struct Held {
    pub(super) jobs: HashMap<u64, InFlight>,
    pub(super) dead: bool,
}

/// What every slot of an engine shares.
pub(super) struct Shared {
    pub(super) isolation: ProcessIsolation,
    pub(super) thread_stack_bytes: usize,
    pub(super) limits: PoolLimits,
    /// The set-up frame every process starts with.
    pub(super) init: Vec<u8>,
    /// How long a new process may take to say it is ready.
    pub(super) ready_timeout: Duration,
    /// The library whose shared text every process is handed (`LIBRARY_FD`).
    pub(super) library: Arc<Library>,
    /// Jobs no process has taken yet.
    pub(super) queue: (Sender<Task>, Receiver<Task>),
    /// The engine is gone: processes are closed once idle, none are replaced.
    pub(super) closed: AtomicBool,
    pub(super) stats: Arc<EngineStats>,
    pub(super) io: Option<(Fetcher, tokio::runtime::Handle)>,
    /// The multi-threaded runtime the engine was started in, if any: processes' reports
    /// are read there, so a report wakes the job's task without a thread in between.
    pub(super) reactor: Option<tokio::runtime::Handle>,
    /// Largest frame a process may send.
    pub(super) max_frame: usize,
    pub(super) slots: Vec<Arc<ProcessSlot>>,
}

/// A live process, as everyone but its supervisor sees it.
pub(super) struct Link {
    pub(super) pid: libc::pid_t,
    pub(super) watch: Arc<SharedWatch>,
    pub(super) writer: Arc<ChannelWriter>,
    pub(super) held: Mutex<Held>,
    /// The task it was last given and has not reported or parked yet (0: none).
    pub(super) current: AtomicU64,
    pub(super) next_key: AtomicU64,
}

impl Link {
    pub(super) fn held(&self) -> MutexGuard<'_, Held> {
        self.held
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// One slot: whichever process serves it at the moment.
pub(super) struct ProcessSlot {
    /// Set while the process may not be given a task: it is busy with one, being
    /// replaced, or closed. A task goes to a slot only by setting this.
    pub(super) claimed: AtomicBool,
    pub(super) link: Mutex<Option<Arc<Link>>>,
    /// The job the watchdog killed this slot's process for (0: none).
    pub(super) killed_for: AtomicU64,
}

impl ProcessSlot {
    /// Whether the slot's process says its next job's context is ready.
    pub(super) fn prepared(&self) -> bool {
        self.link()
            .as_ref()
            .is_some_and(|link| link.watch.prepared())
    }

    pub(super) fn link(&self) -> MutexGuard<'_, Option<Arc<Link>>> {
        self.link
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// How long a new process may take to say it is ready.
pub(super) const READY_TIMEOUT: Duration = Duration::from_secs(10);

/// The same, for a process that first makes a snapshot with the pool's packages in
/// it (`run::preload`: each may take up to a minute).
pub(super) const PRELOADING_READY_TIMEOUT: Duration = Duration::from_secs(300);
