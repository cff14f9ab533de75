//! Helpers shared by the sandbox tests.
#![allow(dead_code)]

use std::sync::Arc;

use serde_json::Value;
use serde_json::value::RawValue;
use warren_wire::{ErrorKind, JobLimits, LogEntry, Outcome};
use warren_worker::sandbox::Library;
use warren_worker::sandbox::{
    Engine, EngineConfig, Isolation, JobReport, JobRequest, ModuleTable, PoolLimits,
    ProcessIsolation,
};

/// Sandbox processes running this package's `warren-worker`, as a worker runs them.
pub fn process_isolation() -> Isolation {
    Isolation::Process(ProcessIsolation::new(env!("CARGO_BIN_EXE_warren-worker")))
}

/// The isolation the shared suites run under: processes, as in production, unless
/// `WARREN_TEST_ISOLATION=thread` asks for thread slots.
pub fn isolation() -> Isolation {
    match std::env::var("WARREN_TEST_ISOLATION").as_deref() {
        Ok("thread") => Isolation::Thread,
        _ => process_isolation(),
    }
}

/// Whether the shared suites restore runtimes from snapshots: yes, as in production,
/// unless `WARREN_TEST_SNAPSHOTS=off` asks for runtimes built afresh.
pub fn snapshots() -> bool {
    std::env::var("WARREN_TEST_SNAPSHOTS").as_deref() != Ok("off")
}

pub fn engine_with(slots: usize, limits: PoolLimits, modules: &[&str]) -> Engine {
    start(slots, limits, Library::default(), modules)
}

/// An engine whose table may also list the operator's `library`.
pub fn engine_with_library(library: Library, modules: &[&str]) -> Engine {
    start(1, PoolLimits::default(), library, modules)
}

/// An engine with the operator's `library` and the pool limits `limits`.
pub fn engine_with_library_and_limits(
    library: Library,
    modules: &[&str],
    limits: PoolLimits,
) -> Engine {
    start(1, limits, library, modules)
}

/// Every package the table allows is preloaded into the snapshot (as with
/// `--preload-module all`): the package suites run over preloaded packages.
fn start(slots: usize, limits: PoolLimits, library: Library, modules: &[&str]) -> Engine {
    let table = ModuleTable::new(modules.iter().map(|m| m.to_string()));
    let table = table.with_library(Arc::new(library));
    let preload = table.packages().map(str::to_owned).collect();
    Engine::start(EngineConfig {
        slots,
        isolation: isolation(),
        limits,
        modules: Arc::new(table),
        cache_bytes: 8 << 20,
        thread_stack_bytes: 8 << 20,
        egress: None,
        allow_eval: false,
        snapshots: snapshots(),
        preload,
    })
    .expect("engine starts")
}

/// An engine with the default table whose jobs may use `eval` and `new Function`,
/// and a short timeout.
pub fn engine_allowing_eval() -> Engine {
    Engine::start(EngineConfig {
        slots: 1,
        isolation: isolation(),
        limits: PoolLimits {
            timeout_ms: 500,
            ..PoolLimits::default()
        },
        allow_eval: true,
        ..EngineConfig::default()
    })
    .expect("engine starts")
}

/// An engine with the default table and the given isolation.
pub fn engine_isolated(slots: usize, limits: PoolLimits, isolation: Isolation) -> Engine {
    Engine::start(EngineConfig {
        slots,
        isolation,
        limits,
        ..EngineConfig::default()
    })
    .expect("engine starts")
}

pub fn engine() -> Engine {
    engine_with(1, PoolLimits::default(), &["crypto", "url"])
}

pub fn request(code: &str, input: &str) -> JobRequest {
    JobRequest {
        job_id: "job-1".into(),
        attempt: 1,
        code: code.into(),
        input: RawValue::from_string(input.into()).expect("input is JSON"),
        limits: JobLimits::default(),
    }
}

/// `code` as a job that asks for a `timeout_ms` limit.
pub fn with_timeout(code: &str, timeout_ms: u64) -> JobRequest {
    JobRequest {
        limits: JobLimits {
            timeout_ms: Some(timeout_ms),
            ..JobLimits::default()
        },
        ..request(code, "null")
    }
}

pub fn run(engine: &Engine, code: &str, input: &str) -> JobReport {
    engine.run_blocking(request(code, input))
}

/// Runs and expects success; returns the value.
#[track_caller]
pub fn ok(engine: &Engine, code: &str, input: &str) -> Value {
    let report = run(engine, code, input);
    match report.run.outcome {
        Outcome::Ok(value) => serde_json::from_str(value.get()).expect("value is JSON"),
        Outcome::Error(err) => panic!("expected ok, got {err:?} for {code}"),
    }
}

/// Runs and expects an error of `kind`; returns its message.
#[track_caller]
pub fn fails(engine: &Engine, code: &str, input: &str, kind: ErrorKind) -> String {
    let report = run(engine, code, input);
    match report.run.outcome {
        Outcome::Error(err) if err.kind == kind => err.message,
        other => panic!("expected {kind}, got {other:?} for {code}"),
    }
}

pub fn logs(report: &JobReport) -> Vec<(String, String)> {
    report
        .run
        .logs
        .iter()
        .map(|LogEntry { level, message }| {
            (
                serde_json::to_value(level)
                    .expect("level")
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                message.clone(),
            )
        })
        .collect()
}
