//! Running one job in a local sandbox, the way a worker would (`warren run`,
//! `warren dlq replay`).

use std::sync::Arc;

use warren_wire::{JobResult, Stats};
use warren_worker::sandbox::{Engine, EngineConfig, JobRequest, ModuleTable, PoolLimits};

/// The local "pool": its maxima (defaults when `None`) and its module table.
#[derive(Debug, Clone, Default)]
pub struct LocalPool {
    pub timeout_ms: Option<u64>,
    pub memory_mb: Option<u64>,
    /// Allowed modules; empty means the default table (crypto, url).
    pub allow_modules: Vec<String>,
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
    modules.validate().map_err(|err| err.to_string())?;
    let defaults = PoolLimits::default();
    let engine = Engine::start(EngineConfig {
        slots: 1,
        limits: PoolLimits {
            timeout_ms: pool.timeout_ms.unwrap_or(defaults.timeout_ms),
            memory_mb: pool.memory_mb.unwrap_or(defaults.memory_mb),
            ..defaults
        },
        modules: Arc::new(modules),
        ..EngineConfig::default()
    })
    .map_err(|err| err.to_string())?;
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
