//! `cargo bench -p warren-worker --bench boundary`: what the sandbox-process boundary
//! adds to a trivial job. On a shared, noisy machine two separate criterion runs
//! differ by more than the boundary costs, so this runs the same job through a
//! thread-slot engine and a process-slot engine alternately, pair after pair, and
//! reports both medians and the median of the paired differences. Jobs are awaited
//! from a task on a tokio runtime, as the worker awaits them.
//!
//! Alternating job by job, each job starts with the other engine's data in the caches,
//! which a worker (one kind of slot only) never sees; so the same is also measured in
//! blocks: 50 jobs on one engine, then 50 on the other, each block's median after its
//! first 5 jobs, and the median of the differences between neighbouring blocks.

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
/// Jobs per block, of which the first few warm the caches and are not counted.
const BLOCK: usize = 50;
const BLOCK_WARM_UP: usize = 5;

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
        let mut blocks = Vec::new();
        for i in 0..(pairs / BLOCK).max(1) {
            let thread_first = i % 2 == 0;
            let mut block = [Vec::new(), Vec::new()];
            for turn in 0..2 {
                let use_thread = (turn == 0) == thread_first;
                let engine = if use_thread { &thread } else { &process };
                let samples = &mut block[usize::from(!use_thread)];
                for j in 0..BLOCK {
                    let took = timed(engine).await.as_secs_f64();
                    if j >= BLOCK_WARM_UP {
                        samples.push(took);
                    }
                }
                samples.sort_by(f64::total_cmp);
            }
            blocks.push(percentile(&block[1], 0.5) - percentile(&block[0], 0.5));
        }
        (threads, processes, blocks)
    }));
    let (mut threads, mut processes, mut blocks) = measured.expect("benchmark task");
    blocks.sort_by(f64::total_cmp);
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
    println!(
        "in {} blocks of {BLOCK} jobs per engine: process - thread {:>10}   ({} .. {})",
        blocks.len(),
        micros(percentile(&blocks, 0.5)),
        micros(percentile(&blocks, 0.1)),
        micros(percentile(&blocks, 0.9)),
    );
}
