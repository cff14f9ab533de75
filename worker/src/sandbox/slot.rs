//! A slot: one dedicated OS thread that runs jobs one at a time, each in a fresh
//! runtime. It is driven by messages only (a job in, a report out), so the engine
//! does not care where the slot lives.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::Ordering;
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::oneshot;
use warren_wire::{ErrorKind, Outcome};

use super::compile::{CacheUse, Compiler, HostBytecode, compile_host};
use super::engine::{EngineConfig, EngineStats, JobReport, JobRequest};
use super::run::{JobIdentity, RunReport, run_job};

/// A job handed to a slot, with where to send its report.
pub struct Task {
    pub request: JobRequest,
    pub reply: oneshot::Sender<JobReport>,
}

/// The queue all slots take tasks from.
pub type TaskQueue = Arc<Mutex<Receiver<Task>>>;

/// The body of a slot thread: compile Warren's own JS, then serve tasks until the
/// queue closes. `started` reports whether the slot could start.
pub fn serve(
    config: Arc<EngineConfig>,
    queue: TaskQueue,
    stats: Arc<EngineStats>,
    started: std::sync::mpsc::Sender<Result<(), String>>,
) {
    let host = match compile_host(&config.modules) {
        Ok(host) => host,
        Err(err) => {
            let _ = started.send(Err(err.to_string()));
            return;
        }
    };
    let _ = started.send(Ok(()));
    drop(started);
    let mut compiler = Compiler::new(
        config.modules.clone(),
        host.modules.clone(),
        config.cache_bytes,
    );
    loop {
        let task = match queue.lock() {
            Ok(receiver) => receiver.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        let Ok(task) = task else {
            return;
        };
        stats.busy.fetch_add(1, Ordering::Relaxed);
        let result = catch_unwind(AssertUnwindSafe(|| {
            run_task(&config, &host, &mut compiler, &task.request)
        }));
        let (report, leftovers) = match result {
            Ok((report, leftovers)) => (report, leftovers),
            Err(_) => {
                // A panic may have left the compiler's state half-updated: start afresh.
                compiler = Compiler::new(
                    config.modules.clone(),
                    host.modules.clone(),
                    config.cache_bytes,
                );
                (crash_report(), None)
            }
        };
        match report.cache {
            Some(CacheUse::Hit) => stats.cache_hits.fetch_add(1, Ordering::Relaxed),
            Some(CacheUse::Miss) => stats.cache_misses.fetch_add(1, Ordering::Relaxed),
            None => 0,
        };
        let _ = task.reply.send(report);
        // Free the job's runtime only once its report is on the way.
        drop(leftovers);
        stats.busy.fetch_sub(1, Ordering::Relaxed);
    }
}

fn run_task(
    config: &EngineConfig,
    host: &HostBytecode,
    compiler: &mut Compiler,
    request: &JobRequest,
) -> (JobReport, Option<super::run::Leftovers>) {
    let started = Instant::now();
    let (compiled, cache) = compiler.compile(&request.code);
    let compiled = match compiled {
        Ok(compiled) => compiled,
        Err(error) => {
            let report = JobReport {
                run: RunReport {
                    outcome: Outcome::Error(error),
                    logs: Vec::new(),
                    wall: started.elapsed(),
                    memory_peak_bytes: 0,
                },
                cache: Some(cache),
            };
            return (report, None);
        }
    };
    let limits = config.limits.for_job(&request.limits);
    let identity = JobIdentity {
        job_id: &request.job_id,
        attempt: request.attempt,
    };
    let (mut run, leftovers) = run_job(
        host,
        &config.modules,
        &compiled,
        &request.input,
        identity,
        &limits,
    );
    run.wall = started.elapsed();
    (
        JobReport {
            run,
            cache: Some(cache),
        },
        Some(leftovers),
    )
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
