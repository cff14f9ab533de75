//! Running one job in a local sandbox, the way a worker would (`warren run`,
//! `warren dlq replay`): a one-slot engine in this process, set up from the same pool
//! settings a worker reads.

use warren_wire::{Job, JobResult};
use warren_worker::config::{PoolSettings, Slots};
use warren_worker::sandbox::{Engine, Isolation, JobRequest};

/// The local "pool": its maxima (defaults when `None`), its module table and what
/// `fetch` may reach.
#[derive(Debug, Clone, Default)]
pub struct LocalPool {
    pub timeout_ms: Option<u64>,
    pub memory_mb: Option<u64>,
    /// Allowed modules; empty means the default table (crypto, url).
    pub allow_modules: Vec<String>,
    /// Operator modules the table may list.
    pub modules_dir: Option<std::path::PathBuf>,
    /// Hosts `fetch` may reach (as `warren-worker --allow-host`); empty: no `fetch`.
    pub allow_hosts: Vec<String>,
    /// Whether the function may use `eval` and `new Function`.
    pub allow_eval: bool,
}

/// Runs `job` (attempt `attempt` of job `job_id`) in a one-slot engine and builds its
/// result body, reported by `worker`. Errors are the caller's (unknown module, engine
/// failure).
pub fn run_locally(
    job_id: String,
    attempt: u32,
    job: Job,
    pool: LocalPool,
    worker: &str,
) -> anyhow::Result<JobResult> {
    let settings = PoolSettings {
        concurrency: Some(1),
        timeout_ms: pool.timeout_ms,
        memory_mb: pool.memory_mb,
        allow_modules: (!pool.allow_modules.is_empty()).then_some(pool.allow_modules),
        modules_dir: pool.modules_dir,
        allow_hosts: (!pool.allow_hosts.is_empty()).then_some(pool.allow_hosts),
        allow_eval: Some(pool.allow_eval),
        ..PoolSettings::default()
    };
    // It is the user's own code: threads of this process, no sandbox processes.
    let config = settings.engine(&Slots {
        isolation: Isolation::Thread,
        stack_bytes: 8 << 20,
    })?;
    // fetch runs on a tokio runtime: the caller's, or one of our own.
    let own_runtime = match (&config.egress, tokio::runtime::Handle::try_current()) {
        (Some(_), Err(_)) => Some(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .map_err(|err| anyhow::anyhow!("cannot start the async runtime: {err}"))?,
        ),
        _ => None,
    };
    let entered = own_runtime.as_ref().map(|rt| rt.enter());
    let engine = Engine::start(config)?;
    // Waiting for the job must happen outside the runtime's context.
    drop(entered);
    let report = engine.run_blocking(JobRequest {
        job_id: job_id.clone(),
        attempt,
        code: job.code,
        input: job.input,
        limits: job.limits,
    });
    Ok(report.run.into_result(job_id, attempt, worker))
}
