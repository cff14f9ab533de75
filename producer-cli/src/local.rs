//! Running one job in a local sandbox, the way a worker would (`warren run`,
//! `warren dlq replay`).

use std::sync::Arc;

use warren_wire::{JobResult, Stats};
use warren_worker::egress::{EgressPolicy, FetchCaps, HostPattern};
use warren_worker::sandbox::modules::Library;
use warren_worker::sandbox::{
    EgressConfig, Engine, EngineConfig, JobRequest, ModuleTable, PoolLimits,
};

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
}

/// Runs `request` in a one-slot engine and builds its result body, reported by
/// `worker`. Errors are the caller's (unknown module, engine failure).
pub fn run_locally(
    request: JobRequest,
    pool: LocalPool,
    worker: &str,
) -> Result<JobResult, String> {
    let modules = if pool.allow_modules.is_empty() {
        ModuleTable::default()
    } else {
        ModuleTable::new(pool.allow_modules)
    };
    let library = match &pool.modules_dir {
        Some(dir) => Library::load(dir).map_err(|err| err.to_string())?,
        None => Library::default(),
    };
    let modules = modules.with_library(Arc::new(library));
    modules.validate().map_err(|err| err.to_string())?;
    let egress = if pool.allow_hosts.is_empty() {
        None
    } else {
        let patterns = pool
            .allow_hosts
            .iter()
            .map(|h| h.parse::<HostPattern>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| err.to_string())?;
        Some(EgressConfig {
            policy: EgressPolicy::new(patterns, &[]),
            caps: FetchCaps::default(),
        })
    };
    // fetch runs on a tokio runtime: the caller's, or one of our own.
    let own_runtime = match (&egress, tokio::runtime::Handle::try_current()) {
        (Some(_), Err(_)) => Some(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .map_err(|err| format!("cannot start the async runtime: {err}"))?,
        ),
        _ => None,
    };
    let _entered = own_runtime.as_ref().map(|rt| rt.enter());
    let defaults = PoolLimits::default();
    let engine = Engine::start(EngineConfig {
        slots: 1,
        limits: PoolLimits {
            timeout_ms: pool.timeout_ms.unwrap_or(defaults.timeout_ms),
            memory_mb: pool.memory_mb.unwrap_or(defaults.memory_mb),
            ..defaults
        },
        modules: Arc::new(modules),
        egress,
        ..EngineConfig::default()
    })
    .map_err(|err| err.to_string())?;
    // Waiting for the job must happen outside the runtime's context.
    drop(_entered);
    let (job_id, attempt) = (request.job_id.clone(), request.attempt);
    let run = engine.run_blocking(request).run;
    Ok(JobResult::new(
        job_id,
        run.outcome,
        run.logs,
        Stats {
            wall_ms: (run.wall.as_secs_f64() * 1e6).round() / 1000.0,
            memory_peak_bytes: Some(run.memory_peak_bytes),
            attempt,
        },
        worker.to_owned(),
    ))
}
