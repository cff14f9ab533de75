//! The engine: N slots running jobs in parallel, awaited from tokio so the worker's
//! network I/O never waits on JavaScript. A slot is a sandbox process (the default)
//! or a thread of the worker ([`Isolation`]); either way it is fed from one queue and
//! answers through one channel per job. A job waiting for a `fetch` response or a
//! timer holds no slot: its slot parks it and runs others.

use std::sync::Arc;
use std::thread::JoinHandle;

use crossbeam_channel::Sender;
use tokio::sync::oneshot;
use warren_wire::ErrorKind;

use super::code::compile_host;
use super::job::{JobReport, JobRequest, Task, failed};
use super::limits::PoolLimits;
use super::modules::ModuleTable;
use super::process::{ProcessIsolation, ProcessPool};
use super::setup::SlotSetup;
use super::stats::EngineStats;
use super::stats::WatchdogStats;
use super::thread::slot::{self, SlotContext};
use super::thread::watchdog::{self, SlotWatch};
use crate::egress::{EgressConfig, Fetcher};

/// How an engine is set up.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Jobs run at once (one thread or process each).
    pub slots: usize,
    /// Where slots run.
    pub isolation: Isolation,
    pub limits: PoolLimits,
    pub modules: Arc<ModuleTable>,
    /// Most bytes of source plus bytecode each slot keeps cached.
    pub cache_bytes: usize,
    /// Native stack of a slot thread (or sandbox process). It must leave room above the
    /// JS stack limit so QuickJS's own check always fires before the guard page.
    pub thread_stack_bytes: usize,
    /// Where jobs may `fetch`; `None`: no `fetch` at all.
    pub egress: Option<EgressConfig>,
    /// Whether job code may compile code at run time (`eval`, `new Function`).
    pub allow_eval: bool,
    /// Whether each job's runtime is restored from a snapshot of a prepared one
    /// (`run::snapshot`) instead of being built afresh.
    pub snapshots: bool,
    /// Packages of the table evaluated once, in the snapshot, instead of by every job
    /// that imports them (`run::preload`). Only with `snapshots`.
    pub preload: Vec<String>,
}

/// Where an engine's slots run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Isolation {
    /// Threads of the worker: for trusted code and tools. A job that crashes the
    /// engine takes the worker down, and a stuck thread cannot be killed.
    #[default]
    Thread,
    /// Confined sandbox processes, killed and replaced when they misbehave.
    Process(ProcessIsolation),
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            slots: std::thread::available_parallelism().map_or(1, |n| n.get()),
            isolation: Isolation::Thread,
            limits: PoolLimits::default(),
            modules: Arc::new(ModuleTable::default()),
            cache_bytes: 32 << 20,
            thread_stack_bytes: 8 << 20,
            egress: None,
            allow_eval: false,
            snapshots: true,
            preload: Vec::new(),
        }
    }
}

/// Why the engine could not start.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("cannot start sandbox thread: {0}")]
    Spawn(std::io::Error),
    #[error("the sandbox cannot start: {0}")]
    Slot(String),
    #[error("the engine needs at least one slot")]
    NoSlots,
    #[error("fetch needs the engine to be started inside a tokio runtime")]
    NoRuntime,
    #[error("cannot set up the HTTP client for fetch: {0}")]
    Http(String),
    #[error("{0}")]
    Process(String),
}

/// Runs jobs on a fixed set of slots.
pub struct Engine {
    /// The thread slots' queue (sandbox processes have their pool's own).
    queue: Option<Sender<Task>>,
    threads: Vec<JoinHandle<()>>,
    processes: Option<ProcessPool>,
    stats: Arc<EngineStats>,
    watchdog: Arc<WatchdogStats>,
    /// The watchdog runs while this lives.
    _alive: Arc<()>,
    slots: usize,
}

impl Engine {
    /// Compiles Warren's and the operator's JS, then starts the slots.
    pub fn start(config: EngineConfig) -> Result<Engine, EngineError> {
        if config.slots == 0 {
            return Err(EngineError::NoSlots);
        }
        // Requests are performed on the runtime the engine is started in.
        let io = match &config.egress {
            Some(egress) => {
                let runtime =
                    tokio::runtime::Handle::try_current().map_err(|_| EngineError::NoRuntime)?;
                let fetcher = Fetcher::new(Arc::new(egress.policy.clone()), egress.caps)
                    .map_err(|err| EngineError::Http(err.to_string()))?;
                Some((fetcher, runtime))
            }
            None => None,
        };
        let stats = Arc::new(EngineStats::default());
        let watchdog = Arc::new(WatchdogStats::default());
        let host = compile_host(&config.modules)
            .map(Arc::new)
            .map_err(|err| EngineError::Slot(format!("{err:#}")))?;
        let setup = SlotSetup {
            limits: config.limits.clone(),
            modules: config.modules.clone(),
            cache_bytes: config.cache_bytes,
            host,
            fetch: config.egress.clone().map(Arc::new),
            allow_eval: config.allow_eval,
            snapshots: config.snapshots,
            preload: config.preload.clone().into(),
        };
        let alive = Arc::new(());
        let mut engine = Engine {
            queue: None,
            threads: Vec::new(),
            processes: None,
            stats: stats.clone(),
            watchdog: watchdog.clone(),
            _alive: alive.clone(),
            slots: config.slots,
        };
        match &config.isolation {
            Isolation::Thread => {
                let (sender, receiver) = crossbeam_channel::unbounded::<Task>();
                engine.queue = Some(sender);
                let context = SlotContext {
                    setup,
                    tasks: receiver,
                    stats,
                    io,
                    watch: Arc::default(),
                    watchdog,
                };
                engine.threads = start_threads(context, &config, &alive)?;
            }
            Isolation::Process(isolation) => {
                let pool = ProcessPool::start(
                    isolation.clone(),
                    (config.slots, config.thread_stack_bytes),
                    &setup,
                    stats,
                    watchdog,
                    io,
                )
                .map_err(EngineError::Process)?;
                engine.processes = Some(pool);
            }
        }
        Ok(engine)
    }

    /// Number of jobs the engine runs at once.
    pub fn slots(&self) -> usize {
        self.slots
    }

    pub fn stats(&self) -> &EngineStats {
        &self.stats
    }

    /// The counters, to read after the engine is gone.
    pub fn stats_handle(&self) -> Arc<EngineStats> {
        self.stats.clone()
    }

    /// Slots running JavaScript right now.
    pub fn busy(&self) -> usize {
        match &self.processes {
            Some(pool) => pool.busy(),
            None => self.stats.busy.load(std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// Process ids of the engine's sandbox processes (none with thread isolation).
    pub fn sandbox_pids(&self) -> Vec<u32> {
        self.processes
            .as_ref()
            .map_or_else(Vec::new, ProcessPool::pids)
    }

    pub fn watchdog(&self) -> &WatchdogStats {
        &self.watchdog
    }

    /// Runs a job and waits for its report without blocking the async runtime.
    pub async fn run(&self, request: JobRequest) -> JobReport {
        match self.submit(request) {
            Some(reply) => reply.await.unwrap_or_else(|_| slot_died()),
            None => slot_died(),
        }
    }

    /// Runs a job, blocking the calling thread (for tools and tests without tokio).
    pub fn run_blocking(&self, request: JobRequest) -> JobReport {
        match self.submit(request) {
            Some(reply) => reply.blocking_recv().unwrap_or_else(|_| slot_died()),
            None => slot_died(),
        }
    }

    /// Hands a job to a slot: where its report will come from, or `None` when no
    /// slot can take it.
    fn submit(&self, request: JobRequest) -> Option<oneshot::Receiver<JobReport>> {
        let (reply, receiver) = oneshot::channel();
        if let Some(pool) = &self.processes {
            pool.submit(Task {
                request,
                reply,
                deaths: 0,
            });
            return Some(receiver);
        }
        self.queue
            .as_ref()?
            .send(Task {
                request,
                reply,
                deaths: 0,
            })
            .ok()?;
        Some(receiver)
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        // Closing the queue lets every slot finish its jobs and exit (a sandbox process
        // is told to close). The threads are not joined: a job stuck where the
        // interrupt cannot reach must not hold up the process's exit.
        drop(self.queue.take());
        self.threads.clear();
        drop(self.processes.take());
    }
}

fn slot_died() -> JobReport {
    // No slot took the job (the engine is closing): nothing says its code is to blame.
    failed(ErrorKind::Crash, "the sandbox slot running the job died")
}

/// Starts the slot threads and their watchdog.
fn start_threads(
    template: SlotContext,
    config: &EngineConfig,
    alive: &Arc<()>,
) -> Result<Vec<JoinHandle<()>>, EngineError> {
    let stack = config.thread_stack_bytes;
    let watchdog_stats = template.watchdog.clone();
    let spawn_slot = move || {
        let context = SlotContext {
            watch: Arc::new(SlotWatch::default()),
            ..template.clone()
        };
        let watch = context.watch.clone();
        std::thread::Builder::new()
            .name("warren-slot".into())
            .stack_size(stack)
            .spawn(move || slot::serve(context))
            .map(|thread| (thread, watch))
    };
    let mut threads = Vec::with_capacity(config.slots);
    let mut watches = Vec::with_capacity(config.slots);
    for _ in 0..config.slots {
        let (thread, watch) = spawn_slot().map_err(EngineError::Spawn)?;
        threads.push(thread);
        watches.push(watch);
    }
    let (weak, max_retired) = (Arc::downgrade(alive), config.slots);
    let replace: watchdog::SpawnSlot = Box::new(move || spawn_slot().ok().map(|(_, watch)| watch));
    std::thread::Builder::new()
        .name("warren-watchdog".into())
        .spawn(move || watchdog::watch(watches, replace, watchdog_stats, max_retired, weak))
        .map_err(EngineError::Spawn)?;
    Ok(threads)
}
