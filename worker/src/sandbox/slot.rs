//! A slot: one dedicated OS thread that runs jobs, each in a fresh runtime. It runs
//! one job's JavaScript at a time, but a job that can only wait (for a `fetch`
//! response or a timer) is parked, and the slot takes the next job meanwhile; when
//! what the parked job waits for arrives, the slot resumes it. A slot is driven by
//! messages only (a job in, a report out), so the engine does not care where it lives.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use tokio::sync::oneshot;
use tokio::task::AbortHandle;
use warren_wire::{ErrorKind, Outcome};

use super::compile::{CacheUse, Compiler, HostBytecode};
use super::engine::{EngineConfig, EngineStats, JobReport, JobRequest};
use super::run::{JobIdentity, LiveJob, RunReport, SlotEnv, Step};
use super::watchdog::{SharedReply, SlotWatch, WatchdogStats};
use crate::egress::{FetchError, FetchResponse, Fetcher};

/// A job handed to a slot, with where to send its report.
pub struct Task {
    pub request: JobRequest,
    pub reply: oneshot::Sender<JobReport>,
}

/// What a slot thread starts with.
#[derive(Clone)]
pub struct SlotContext {
    pub config: Arc<EngineConfig>,
    /// The queue all slots take tasks from.
    pub tasks: Receiver<Task>,
    pub stats: Arc<EngineStats>,
    /// Warren's and the operator's JS, compiled once for the whole engine.
    pub host: Arc<HostBytecode>,
    /// The HTTP client and the runtime it runs on, in pools granted `fetch`.
    pub io: Option<(Fetcher, tokio::runtime::Handle)>,
    /// What the watchdog sees of this slot.
    pub watch: Arc<SlotWatch>,
    pub watchdog: Arc<WatchdogStats>,
}

/// A response for a parked job, sent back by the request's task.
struct Fetched {
    job: u64,
    request: u32,
    result: Result<FetchResponse, FetchError>,
}

/// A job waiting for something.
struct Parked {
    job: LiveJob,
    reply: SharedReply,
    timeout: Duration,
    cache: CacheUse,
    wake: Instant,
    requests: Vec<AbortHandle>,
}

struct Slot {
    context: SlotContext,
    host: Arc<HostBytecode>,
    compiler: Compiler,
    parked: HashMap<u64, Parked>,
    next_key: u64,
    responses: (Sender<Fetched>, Receiver<Fetched>),
}

/// The body of a slot thread: serve tasks until the queue closes (or the watchdog
/// retires the slot) and no job is left.
pub fn serve(context: SlotContext) {
    let config = context.config.clone();
    let host = context.host.clone();
    let compiler = Compiler::new(
        config.modules.clone(),
        host.modules.clone(),
        config.cache_bytes,
    );
    let mut slot = Slot {
        context,
        host,
        compiler,
        parked: HashMap::new(),
        next_key: 0,
        responses: crossbeam_channel::unbounded(),
    };
    slot.run();
}

impl Slot {
    fn run(&mut self) {
        let tasks = self.context.tasks.clone();
        let responses = self.responses.1.clone();
        let mut open = true;
        loop {
            if self.context.watch.retired() {
                // The watchdog answered for a job this slot overran and started a
                // replacement: finish what is parked here, take nothing new.
                open = false;
            }
            if !open && self.parked.is_empty() {
                if self.context.watch.retired() {
                    self.context
                        .watchdog
                        .retired_alive
                        .fetch_sub(1, Ordering::Relaxed);
                }
                return;
            }
            let wake = self.parked.values().map(|p| p.wake).min();
            // Take new tasks only while the queue is open; `never` blocks forever.
            let tasks = if open {
                tasks.clone()
            } else {
                crossbeam_channel::never()
            };
            let timeout = match wake {
                Some(at) => crossbeam_channel::at(at),
                None => crossbeam_channel::never(),
            };
            crossbeam_channel::select! {
                recv(tasks) -> task => match task {
                    Ok(task) => self.start(task),
                    Err(_) => open = false,
                },
                recv(responses) -> fetched => {
                    if let Ok(fetched) = fetched {
                        self.deliver(fetched);
                    }
                },
                recv(timeout) -> _ => self.wake_due(),
            }
        }
    }

    /// The slot starts running a job's JavaScript: it counts as busy, and the watchdog
    /// watches it against the job's deadline.
    fn enter(&self, deadline: Instant, timeout: Duration, reply: &SharedReply) {
        self.context.stats.busy.fetch_add(1, Ordering::Relaxed);
        self.context.watch.enter(deadline, timeout, reply);
    }

    /// The slot is back in its own loop.
    fn leave(&self) {
        self.context.watch.leave();
        self.context.stats.busy.fetch_sub(1, Ordering::Relaxed);
    }

    /// Compiles (or finds cached) and starts a new job, then drives it.
    fn start(&mut self, task: Task) {
        let stats = self.context.stats.clone();
        let config = self.context.config.clone();
        let request = &task.request;
        let received = Instant::now();
        let reply = SharedReply::new(task.reply);
        let limits = config.limits.for_job(&request.limits);
        self.enter(received + limits.timeout, limits.timeout, &reply);
        let started = catch_unwind(AssertUnwindSafe(|| {
            let (compiled, cache) = self.compiler.compile(&request.code);
            let compiled = match compiled {
                Ok(compiled) => compiled,
                Err(error) => return Err((Outcome::Error(error), cache)),
            };
            let identity = JobIdentity {
                job_id: &request.job_id,
                attempt: request.attempt,
            };
            let env = SlotEnv {
                host: &self.host,
                table: &config.modules,
                fetch: self.context.io.as_ref().map(|(fetcher, _)| fetcher),
            };
            let job = LiveJob::start(env, &compiled, &request.input, identity, &limits, received);
            Ok((job, cache))
        }));
        match started {
            Ok(Ok((job, cache))) => {
                count_cache(&stats, cache);
                let key = self.next_key;
                self.next_key += 1;
                let parked = Parked {
                    job,
                    reply,
                    timeout: limits.timeout,
                    cache,
                    wake: Instant::now(),
                    requests: Vec::new(),
                };
                self.advance(key, parked);
            }
            Ok(Err((outcome, cache))) => {
                count_cache(&stats, cache);
                reply.send(JobReport {
                    run: RunReport {
                        outcome,
                        logs: Vec::new(),
                        wall: received.elapsed(),
                        memory_peak_bytes: 0,
                    },
                    cache: Some(cache),
                });
            }
            Err(_) => {
                self.recover();
                reply.send(crash_report());
            }
        }
        self.leave();
    }

    /// Drives a job: it either finishes (report sent, then freed) or is parked.
    fn advance(&mut self, key: u64, mut parked: Parked) {
        let step = catch_unwind(AssertUnwindSafe(|| parked.job.drive()));
        match step {
            Ok(Step::Finished) => self.finish(parked),
            Ok(Step::Waiting { wake }) => {
                parked.wake = wake;
                self.send_requests(key, &mut parked);
                self.park(key, parked);
            }
            Err(_) => {
                self.recover();
                abandon(parked, crash_report());
            }
        }
    }

    fn park(&mut self, key: u64, parked: Parked) {
        if self.parked.insert(key, parked).is_none() {
            self.context.stats.waiting.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn unpark(&mut self, key: u64) -> Option<Parked> {
        let parked = self.parked.remove(&key)?;
        self.context.stats.waiting.fetch_sub(1, Ordering::Relaxed);
        Some(parked)
    }

    /// Hands the job's new requests to the HTTP client on the worker's runtime.
    fn send_requests(&self, key: u64, parked: &mut Parked) {
        let Some((fetcher, runtime)) = &self.context.io else {
            return;
        };
        for (id, request) in parked.job.take_requests() {
            let (fetcher, responses) = (fetcher.clone(), self.responses.0.clone());
            let task = runtime.spawn(async move {
                let result = fetcher.fetch(request).await;
                let _ = responses.send(Fetched {
                    job: key,
                    request: id,
                    result,
                });
            });
            parked.requests.push(task.abort_handle());
        }
    }

    /// A response arrived: resume its job (if it is still waiting).
    fn deliver(&mut self, fetched: Fetched) {
        let Some(mut parked) = self.unpark(fetched.job) else {
            return;
        };
        self.enter(parked.job.deadline(), parked.timeout, &parked.reply);
        // A response that arrives after the deadline (the slot was busy) is too late.
        if parked.job.deadline() <= Instant::now() {
            parked.job.expire();
        }
        let delivered = catch_unwind(AssertUnwindSafe(|| {
            parked.job.fetch_settled(fetched.request, fetched.result)
        }));
        match delivered {
            Ok(()) => self.advance(fetched.job, parked),
            Err(_) => {
                self.recover();
                abandon(parked, crash_report());
            }
        }
        self.leave();
    }

    /// Resumes every parked job whose timer is due, and ends those past their deadline.
    fn wake_due(&mut self) {
        let now = Instant::now();
        let due: Vec<u64> = self
            .parked
            .iter()
            .filter(|(_, p)| p.wake <= now)
            .map(|(key, _)| *key)
            .collect();
        for key in due {
            let Some(mut parked) = self.unpark(key) else {
                continue;
            };
            self.enter(parked.job.deadline(), parked.timeout, &parked.reply);
            if parked.job.deadline() <= now {
                parked.job.expire();
            }
            self.advance(key, parked);
            self.leave();
        }
    }

    /// Sends a finished job's report, then frees it (and cancels what it still awaited).
    fn finish(&mut self, mut parked: Parked) {
        let run = parked.job.report();
        let report = JobReport {
            run,
            cache: Some(parked.cache),
        };
        abandon(parked, report);
    }

    /// A panic may have left the compiler's state half-updated: start afresh.
    fn recover(&mut self) {
        let config = &self.context.config;
        self.compiler = Compiler::new(
            config.modules.clone(),
            self.host.modules.clone(),
            config.cache_bytes,
        );
    }
}

/// Sends `report` for a job and frees it: the report goes first, so the runtime's
/// teardown is off the job's latency.
fn abandon(parked: Parked, report: JobReport) {
    for request in &parked.requests {
        request.abort();
    }
    parked.reply.send(report);
    // A job whose engine state may be corrupt (after a panic) is still freed here;
    // QuickJS frees by walking its own lists, which a Rust panic does not touch.
    drop(parked.job);
}

fn count_cache(stats: &EngineStats, cache: CacheUse) {
    match cache {
        CacheUse::Hit => stats.cache_hits.fetch_add(1, Ordering::Relaxed),
        CacheUse::Miss => stats.cache_misses.fetch_add(1, Ordering::Relaxed),
    };
}

fn crash_report() -> JobReport {
    JobReport {
        run: RunReport {
            outcome: Outcome::error(ErrorKind::Crash, "the sandbox failed while running the job"),
            logs: Vec::new(),
            wall: std::time::Duration::ZERO,
            memory_peak_bytes: 0,
        },
        cache: None,
    }
}
