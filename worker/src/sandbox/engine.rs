//! The engine: N slots running jobs in parallel on dedicated threads, awaited from
//! tokio so the worker's network I/O never waits on JavaScript. A job waiting for a
//! `fetch` response or a timer holds no slot: its slot parks it and runs others.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::thread::JoinHandle;

use crossbeam_channel::Sender;

use serde_json::value::RawValue;
use tokio::sync::oneshot;
use warren_wire::{ErrorKind, JobLimits, Outcome};

use super::compile::{CacheUse, compile_host};
use super::limits::PoolLimits;
use super::modules::ModuleTable;
use super::run::RunReport;
use super::slot::{self, SlotContext, Task};
use super::watchdog::{self, SlotWatch, WatchdogStats};
use crate::egress::{EgressPolicy, FetchCaps, Fetcher};

/// How an engine is set up.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Jobs run at once (one thread each).
    pub slots: usize,
    pub limits: PoolLimits,
    pub modules: Arc<ModuleTable>,
    /// Most bytes of source plus bytecode each slot keeps cached.
    pub cache_bytes: usize,
    /// Native stack of a slot thread. It must leave room above the JS stack limit so
    /// QuickJS's own check always fires before the thread's guard page.
    pub thread_stack_bytes: usize,
    /// Where jobs may `fetch`; `None`: no `fetch` at all.
    pub egress: Option<EgressConfig>,
}

/// A pool's grant of `fetch`: its allowlist and per-job caps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EgressConfig {
    pub policy: EgressPolicy,
    pub caps: FetchCaps,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            slots: std::thread::available_parallelism().map_or(1, |n| n.get()),
            limits: PoolLimits::default(),
            modules: Arc::new(ModuleTable::default()),
            cache_bytes: 32 << 20,
            thread_stack_bytes: 8 << 20,
            egress: None,
        }
    }
}

/// One job for the engine.
#[derive(Debug, Clone)]
pub struct JobRequest {
    pub job_id: String,
    pub attempt: u32,
    pub code: String,
    pub input: Box<RawValue>,
    pub limits: JobLimits,
}

/// What the engine reports for a job.
#[derive(Debug)]
pub struct JobReport {
    pub run: RunReport,
    /// Whether the code's bytecode came from the cache (`None` if it never got that far).
    pub cache: Option<CacheUse>,
}

/// Counters the slots keep, for metrics.
#[derive(Debug, Default)]
pub struct EngineStats {
    /// Slots running JavaScript right now.
    pub busy: AtomicUsize,
    /// Jobs parked while they wait for a response or a timer.
    pub waiting: AtomicUsize,
    pub cache_hits: AtomicU64,
    pub cache_misses: AtomicU64,
}

/// Why the engine could not start.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("cannot start sandbox thread: {0}")]
    Spawn(#[from] std::io::Error),
    #[error("the sandbox cannot start: {0}")]
    Slot(String),
    #[error("the engine needs at least one slot")]
    NoSlots,
    #[error("fetch needs the engine to be started inside a tokio runtime")]
    NoRuntime,
    #[error("cannot set up the HTTP client for fetch: {0}")]
    Http(String),
}

/// Runs jobs on a fixed set of slot threads.
pub struct Engine {
    queue: Option<Sender<Task>>,
    threads: Vec<JoinHandle<()>>,
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
        let config = Arc::new(config);
        let (sender, receiver) = crossbeam_channel::unbounded::<Task>();
        let stats = Arc::new(EngineStats::default());
        let watchdog = Arc::new(WatchdogStats::default());
        let host = compile_host(&config.modules, io.is_some())
            .map(Arc::new)
            .map_err(|err| EngineError::Slot(format!("{err:#}")))?;
        let template = SlotContext {
            config: config.clone(),
            tasks: receiver,
            stats: stats.clone(),
            host,
            io,
            watch: Arc::default(),
            watchdog: watchdog.clone(),
        };
        let spawn_slot = move || {
            let context = SlotContext {
                watch: Arc::new(SlotWatch::default()),
                ..template.clone()
            };
            let watch = context.watch.clone();
            std::thread::Builder::new()
                .name("warren-slot".into())
                .stack_size(context.config.thread_stack_bytes)
                .spawn(move || slot::serve(context))
                .map(|thread| (thread, watch))
        };
        let mut threads = Vec::with_capacity(config.slots);
        let mut watches = Vec::with_capacity(config.slots);
        for _ in 0..config.slots {
            let (thread, watch) = spawn_slot()?;
            threads.push(thread);
            watches.push(watch);
        }
        let alive = Arc::new(());
        let (weak, watchdog_stats, max_retired) =
            (Arc::downgrade(&alive), watchdog.clone(), config.slots);
        let replace: watchdog::SpawnSlot =
            Box::new(move || spawn_slot().ok().map(|(_, watch)| watch));
        std::thread::Builder::new()
            .name("warren-watchdog".into())
            .spawn(move || watchdog::watch(watches, replace, watchdog_stats, max_retired, weak))?;
        Ok(Engine {
            queue: Some(sender),
            threads,
            stats,
            watchdog,
            _alive: alive,
            slots: config.slots,
        })
    }

    /// Number of jobs the engine runs at once.
    pub fn slots(&self) -> usize {
        self.slots
    }

    pub fn stats(&self) -> &EngineStats {
        &self.stats
    }

    pub fn watchdog(&self) -> &WatchdogStats {
        &self.watchdog
    }

    /// Runs a job and waits for its report without blocking the async runtime.
    pub async fn run(&self, request: JobRequest) -> JobReport {
        match self.submit(request) {
            Ok(reply) => reply.await.unwrap_or_else(|_| slot_died()),
            Err(report) => report,
        }
    }

    /// Runs a job, blocking the calling thread (for tools and tests without tokio).
    pub fn run_blocking(&self, request: JobRequest) -> JobReport {
        match self.submit(request) {
            Ok(reply) => reply.blocking_recv().unwrap_or_else(|_| slot_died()),
            Err(report) => report,
        }
    }

    fn submit(&self, request: JobRequest) -> Result<oneshot::Receiver<JobReport>, JobReport> {
        let (reply, receiver) = oneshot::channel();
        let queue = self.queue.as_ref().ok_or_else(slot_died)?;
        queue
            .send(Task { request, reply })
            .map_err(|_| slot_died())?;
        Ok(receiver)
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        // Closing the queue lets every slot finish its job and exit. The threads are
        // not joined: a job stuck where the interrupt cannot reach must not hold up
        // the process's exit.
        drop(self.queue.take());
        self.threads.clear();
    }
}

fn slot_died() -> JobReport {
    JobReport {
        run: RunReport {
            outcome: Outcome::error(ErrorKind::Crash, "the sandbox slot running the job died"),
            logs: Vec::new(),
            wall: std::time::Duration::ZERO,
            memory_peak_bytes: 0,
        },
        cache: None,
    }
}
