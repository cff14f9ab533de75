//! The jobs one slot holds: it starts each (compiled, or cached), drives it until it
//! finishes or can only wait, parks it while it waits, and resumes it when what it
//! waits for arrives. Where the slot lives (a thread of the worker, or a sandbox
//! process) is its [`SlotHost`]'s business: the host is told when JavaScript starts
//! and stops running, which requests to perform, and where each report goes.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use warren_wire::Outcome;

use super::prepare::Preparer;
use crate::egress::{FetchError, FetchRequest, FetchResponse};
use crate::sandbox::code::Compiler;
use crate::sandbox::job::{CacheUse, JobReport, JobRequest, RunReport, crash_report};
use crate::sandbox::run::{JobIdentity, LiveJob, Step};
use crate::sandbox::runtime::errors::bound;
use crate::sandbox::setup::SlotSetup;

/// What a slot's surroundings do for it.
pub trait SlotHost {
    /// Where a job's report goes.
    type Reply;

    /// JavaScript of job `key` starts (or resumes) running, against `deadline`.
    fn entering(&mut self, key: u64, deadline: Instant, timeout: Duration, reply: &Self::Reply);

    /// The slot is back in its own loop.
    fn leaving(&mut self);

    /// Job `key` asked for request `id`: perform it and hand the outcome back through
    /// [`JobSet::deliver`].
    fn request(&mut self, key: u64, id: u32, request: FetchRequest);

    /// Job `key` waits for the first time (it holds no slot from now on).
    fn parked(&mut self, key: u64);

    /// Job `key` is done: send its report. `parked` says whether it ever waited.
    fn report(&mut self, key: u64, reply: Self::Reply, report: JobReport, parked: bool);
}

/// A job waiting for something.
struct Parked<R> {
    job: LiveJob,
    reply: R,
    timeout: Duration,
    cache: CacheUse,
    wake: Instant,
    announced: bool,
    /// Time it has held the slot so far.
    busy: Duration,
}

/// The live jobs of one slot.
pub struct JobSet<H: SlotHost> {
    pub host: H,
    setup: SlotSetup,
    compiler: Compiler,
    preparer: Preparer,
    parked: HashMap<u64, Parked<H::Reply>>,
}

impl<H: SlotHost> JobSet<H> {
    pub fn new(setup: SlotSetup, host: H) -> JobSet<H> {
        let compiler = fresh_compiler(&setup);
        JobSet {
            host,
            preparer: Preparer::default(),
            setup,
            compiler,
            parked: HashMap::new(),
        }
    }

    /// Whether no job waits here.
    pub fn is_empty(&self) -> bool {
        self.parked.is_empty()
    }

    /// Prepares the next job's context; call when the slot is about to wait for work.
    pub fn prepare_ahead(&mut self) {
        // A failure here is met again, and reported, by the job that needs a context.
        let idle = self.parked.is_empty();
        let _ = catch_unwind(AssertUnwindSafe(|| {
            self.preparer.prepare_ahead(&self.setup, idle)
        }));
    }

    /// When the slot must look at its parked jobs next (a timer, or a deadline).
    pub fn next_wake(&self) -> Option<Instant> {
        self.parked.values().map(|p| p.wake).min()
    }

    /// Compiles (or finds cached) and starts a new job under `key`, then drives it.
    /// Its clock starts now.
    pub fn start(&mut self, key: u64, request: &JobRequest, reply: H::Reply) {
        let limits = self.setup.limits.for_job(&request.limits);
        // With no other job here, a runtime is prepared before the job's clock starts,
        // so that a busy slot gets one with the pool's packages in it too; unless that
        // has taken long (a job waiting in a sandbox process counts against its
        // deadline there): the job then gets a runtime built without them.
        if self.preparer.took() <= limits.timeout / 4 {
            self.prepare_ahead();
        }
        let received = Instant::now();
        self.host
            .entering(key, received + limits.timeout, limits.timeout, &reply);
        let started = catch_unwind(AssertUnwindSafe(|| {
            let (compiled, cache) = self.compiler.compile(&request.code);
            let compiled = match compiled {
                Ok(compiled) => compiled,
                Err(mut error) => {
                    bound(&mut error, limits.max_result_bytes);
                    return Err((Outcome::Error(error), cache));
                }
            };
            let identity = JobIdentity {
                job_id: &request.job_id,
                attempt: request.attempt,
            };
            let job = self.preparer.take(&self.setup).start(
                &compiled,
                &request.input,
                identity,
                &limits,
                received,
            );
            Ok((job, cache))
        }));
        match started {
            Ok(Ok((job, cache))) => {
                let parked = Parked {
                    job,
                    reply,
                    timeout: limits.timeout,
                    cache,
                    wake: Instant::now(),
                    announced: false,
                    busy: Duration::ZERO,
                };
                self.advance(key, parked, received);
            }
            Ok(Err((outcome, cache))) => {
                let run = RunReport {
                    outcome,
                    logs: Vec::new(),
                    wall: received.elapsed(),
                    busy: received.elapsed(),
                    memory_peak_bytes: 0,
                };
                let report = JobReport {
                    run,
                    cache: Some(cache),
                    broke: None,
                };
                self.host.report(key, reply, report, false);
            }
            Err(_) => {
                self.recover();
                self.host
                    .report(key, reply, crash_report(received.elapsed()), false);
            }
        }
        self.host.leaving();
    }

    /// Hands job `key` the outcome of its request `id` and drives it (if it still waits).
    pub fn deliver(&mut self, key: u64, id: u32, result: Result<FetchResponse, FetchError>) {
        let Some(mut parked) = self.parked.remove(&key) else {
            return;
        };
        let resumed = Instant::now();
        self.host
            .entering(key, parked.job.deadline(), parked.timeout, &parked.reply);
        // A response that arrives after the deadline (the slot was busy) is too late.
        if parked.job.deadline() <= Instant::now() {
            parked.job.expire();
        }
        let delivered = catch_unwind(AssertUnwindSafe(|| parked.job.fetch_settled(id, result)));
        match delivered {
            Ok(()) => self.advance(key, parked, resumed),
            Err(_) => {
                self.recover();
                parked.busy += resumed.elapsed();
                let wall = parked.job.elapsed();
                self.abandon(key, parked, crash_report(wall), false);
            }
        }
        self.host.leaving();
    }

    /// Resumes every parked job whose timer is due, and ends those past their deadline.
    pub fn wake_due(&mut self) {
        let now = Instant::now();
        let due: Vec<u64> = self
            .parked
            .iter()
            .filter(|(_, p)| p.wake <= now)
            .map(|(key, _)| *key)
            .collect();
        for key in due {
            let Some(mut parked) = self.parked.remove(&key) else {
                continue;
            };
            self.host
                .entering(key, parked.job.deadline(), parked.timeout, &parked.reply);
            if parked.job.deadline() <= now {
                parked.job.expire();
            }
            self.advance(key, parked, Instant::now());
            self.host.leaving();
        }
    }

    /// Drives a job that took the slot at `since`: it either finishes (report sent,
    /// then freed) or is parked.
    fn advance(&mut self, key: u64, mut parked: Parked<H::Reply>, since: Instant) {
        let step = catch_unwind(AssertUnwindSafe(|| parked.job.drive()));
        parked.busy += since.elapsed();
        match step {
            Ok(Step::Finished) => {
                let report = JobReport {
                    run: parked.job.report(),
                    cache: Some(parked.cache),
                    broke: None,
                };
                self.abandon(key, parked, report, true);
            }
            Ok(Step::Waiting { wake }) => {
                parked.wake = wake;
                for (id, request) in parked.job.take_requests() {
                    self.host.request(key, id, request);
                }
                if !parked.announced {
                    parked.announced = true;
                    self.host.parked(key);
                }
                self.parked.insert(key, parked);
            }
            Err(_) => {
                self.recover();
                let wall = parked.job.elapsed();
                self.abandon(key, parked, crash_report(wall), false);
            }
        }
    }

    /// Sends `report` for a job, then hands its runtime back to be restored or freed:
    /// the report goes first, so that work is off the job's latency. A job whose
    /// engine state may be corrupt (after a panic: not `sound`) is only freed; QuickJS
    /// frees by walking its own lists, which a Rust panic does not touch.
    fn abandon(&mut self, key: u64, parked: Parked<H::Reply>, mut report: JobReport, sound: bool) {
        let Parked {
            job,
            reply,
            announced,
            busy,
            ..
        } = parked;
        report.run.busy = busy;
        self.host.report(key, reply, report, announced);
        self.preparer.give_back(job, sound);
    }

    /// A panic may have left the compiler's state half-updated: start afresh.
    fn recover(&mut self) {
        self.compiler = fresh_compiler(&self.setup);
    }
}

fn fresh_compiler(setup: &SlotSetup) -> Compiler {
    Compiler::new(
        setup.modules.clone(),
        setup.host.modules.clone(),
        setup.host.library.clone(),
        setup.cache_bytes,
    )
}
