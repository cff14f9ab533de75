//! `cargo bench -p warren-worker --bench boundary`: what the sandbox-process boundary
//! adds to a trivial job. On a shared, noisy machine two separate criterion runs
//! differ by more than the boundary costs, so this runs the same job through a
//! thread-slot engine and a process-slot engine alternately, pair after pair, and
//! reports both medians and the median of the paired differences. Jobs are awaited
//! from a task on a tokio runtime, as the worker awaits them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::value::RawValue;
use warren_wire::{JobLimits, Outcome};
use warren_worker::sandbox::{
    Engine, EngineConfig, Isolation, JobRequest, ModuleTable, PoolLimits, ProcessIsolation,
};

/// Pairs measured under `cargo bench`; `cargo test --bench boundary` runs a few, as a
/// smoke test.
const PAIRS: usize = 20_000;
const WARM_UP: usize = 2_000;
const SMOKE_PAIRS: usize = 50;

fn engine(isolation: Isolation) -> Engine {
    Engine::start(EngineConfig {
        slots: 1,
        isolation,
        limits: PoolLimits::default(),
        modules: Arc::new(ModuleTable::default()),
        ..EngineConfig::default()
    })
    .expect("engine")
}

async fn timed(engine: &Engine) -> Duration {
    let request = JobRequest {
        job_id: "bench".into(),
        attempt: 1,
        code: "export default (input) => ({ sum: input.a + input.b })".into(),
        input: RawValue::from_string(r#"{"a":1,"b":2}"#.into()).expect("json"),
        limits: JobLimits::default(),
    };
    let started = Instant::now();
    let report = engine.run(request).await;
    let took = started.elapsed();
    assert!(matches!(report.run.outcome, Outcome::Ok(_)));
    took
}

fn micros(d: f64) -> String {
    format!("{:.1} µs", d * 1e6)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test` does not.
    let benching = std::env::args().any(|arg| arg == "--bench");
    let (pairs, warm_up) = if benching {
        (PAIRS, WARM_UP)
    } else {
        (SMOKE_PAIRS, 1)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    // Engines started inside the runtime read their processes' reports on it.
    let entered = runtime.enter();
    let thread = engine(Isolation::Thread);
    let process = engine(Isolation::Process(ProcessIsolation::new(env!(
        "CARGO_BIN_EXE_warren-worker"
    ))));
    drop(entered);
    let measured = runtime.block_on(runtime.spawn(async move {
        for _ in 0..warm_up {
            timed(&thread).await;
            timed(&process).await;
        }
        let (mut threads, mut processes) = (Vec::new(), Vec::new());
        for i in 0..pairs {
            // Alternate which goes first, so neither always follows the other.
            let (t, p) = if i % 2 == 0 {
                let t = timed(&thread).await;
                (t, timed(&process).await)
            } else {
                let p = timed(&process).await;
                (timed(&thread).await, p)
            };
            threads.push(t.as_secs_f64());
            processes.push(p.as_secs_f64());
        }
        (threads, processes)
    }));
    let (mut threads, mut processes) = measured.expect("benchmark task");
    let mut differences: Vec<f64> = processes.iter().zip(&threads).map(|(p, t)| p - t).collect();
    for samples in [&mut threads, &mut processes, &mut differences] {
        samples.sort_by(f64::total_cmp);
    }
    println!("trivial job, {pairs} alternating pairs (median, p10..p90):");
    for (name, samples) in [
        ("thread slot", &threads),
        ("sandbox process", &processes),
        ("process - thread", &differences),
    ] {
        println!(
            "  {name:<17} {:>10}   ({} .. {})",
            micros(percentile(samples, 0.5)),
            micros(percentile(samples, 0.1)),
            micros(percentile(samples, 0.9)),
        );
    }
}
