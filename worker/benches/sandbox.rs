//! `cargo bench -p warren-worker --bench sandbox`: one job at a time through an
//! engine with the default slots (one per core), submitted and waited for: dispatch
//! to a slot, a fresh runtime and context, run, serialise, report. The workloads are
//! those `docs/BENCHMARKS.md` lists, with thread slots (`sandbox/…`) and with sandbox
//! processes (`sandbox_process/…`, the worker's default), so the cost of the process
//! boundary is the difference between the two. With several slots, one job at a time
//! finds a slot that prepared its context while the previous job ran; the
//! `…_one_slot` groups give the whole cost of a job done by one slot alone, back to
//! back (restore or build, job and teardown on one core); `sandbox_one_slot_built`
//! is the same with every job's runtime built afresh instead of restored.
//! `sandbox_imports` times jobs that import a small (`ms`), a medium (`lodash-es`) and
//! a large (`mathjs`) package of the corpus (`tests/packages`, installed by
//! `npm ci --omit=dev`), preloaded into the snapshot as the worker does by default;
//! `docs/BENCHMARKS.md` compares them with the trivial job (and the imports bench
//! gives what the same imports cost without a snapshot).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::value::RawValue;
use warren_wire::{JobLimits, Outcome};
use warren_worker::sandbox::{
    Engine, EngineConfig, Isolation, JobRequest, Library, ModuleTable, PoolLimits, ProcessIsolation,
};

/// Long enough for an idle slot to prepare its next context.
const IDLE_GAP: Duration = Duration::from_micros(500);

fn request(code: String) -> JobRequest {
    JobRequest {
        job_id: "bench".into(),
        attempt: 1,
        code,
        input: RawValue::from_string(r#"{"a":1,"b":2}"#.into()).expect("json"),
        limits: JobLimits::default(),
    }
}

fn run_ok(engine: &Engine, code: String) {
    let report = engine.run_blocking(request(code));
    assert!(
        matches!(report.run.outcome, Outcome::Ok(_)),
        "{:?}",
        report.run.outcome
    );
}

/// A ~10 KB function body: many small helpers, as bundled code has.
fn big_body() -> String {
    let mut code = String::from("const helpers = {\n");
    let mut i = 0;
    while code.len() < 10_000 {
        code.push_str(&format!(
            "  h{i}(x) {{ const y = x * {i} + {i}; return y > 1000 ? y % 97 : y + {i}; }},\n"
        ));
        i += 1;
    }
    code.push_str("};\nexport default (input) => helpers.h1(input.a) + helpers.h2(input.b);\n");
    code
}

fn engine(isolation: Isolation, slots: usize) -> Engine {
    engine_made(isolation, slots, true)
}

/// An engine whose jobs run in runtimes restored from a snapshot (`snapshots`), or
/// built afresh for each.
fn engine_made(isolation: Isolation, slots: usize, snapshots: bool) -> Engine {
    Engine::start(EngineConfig {
        slots,
        isolation,
        limits: PoolLimits::default(),
        modules: Arc::new(ModuleTable::default()),
        cache_bytes: 64 << 20,
        thread_stack_bytes: 8 << 20,
        egress: None,
        allow_eval: false,
        snapshots,
        preload: Vec::new(),
    })
    .expect("engine")
}

/// The packages of the `sandbox_imports` group, small to large, and a job that
/// imports each and does nothing else (as the imports bench's jobs), so that the
/// difference to the trivial job is what the import costs.
const IMPORTS: &[(&str, &str)] = &[
    (
        "ms",
        "import * as P from 'ms'; export default () => typeof P",
    ),
    (
        "lodash-es",
        "import * as P from 'lodash-es'; export default () => typeof P",
    ),
    (
        "mathjs",
        "import * as P from 'mathjs'; export default () => typeof P",
    ),
];

/// One slot whose snapshot holds `imports`' packages, in sandbox processes (the
/// worker's default). Room for mathjs's two builds, and time to load one should the
/// snapshot leave it out.
fn importing_engine(imports: &[(&str, &str)]) -> Engine {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/packages");
    let library = Library::load(&folder).expect("run `npm ci --omit=dev` in tests/packages");
    let packages: Vec<String> = imports.iter().map(|(name, _)| name.to_string()).collect();
    Engine::start(EngineConfig {
        slots: 1,
        isolation: Isolation::Process(ProcessIsolation::new(env!("CARGO_BIN_EXE_warren-worker"))),
        limits: PoolLimits {
            timeout_ms: 120_000,
            memory_mb: 256,
            ..PoolLimits::default()
        },
        modules: Arc::new(
            ModuleTable::new(packages.iter().cloned()).with_library(Arc::new(library)),
        ),
        preload: packages,
        ..EngineConfig::default()
    })
    .expect("engine")
}

/// Jobs importing each package of [`IMPORTS`], back to back through one slot: round
/// trip and slot time, as `one_slot` gives them for the trivial job. The smoke run
/// (`cargo test --bench sandbox`, a debug build) leaves mathjs out: loading it there
/// takes a minute and checks nothing the smaller packages do not.
fn imports(c: &mut Criterion) {
    let benchmarking = std::env::args().any(|arg| arg == "--bench");
    let imports = if benchmarking { IMPORTS } else { &IMPORTS[..2] };
    let engine = importing_engine(imports);
    let mut group = c.benchmark_group("sandbox_imports");
    // The trivial job, in the same runtime, for the difference.
    let trivial = ("trivial", "export default () => 'object'");
    for (name, code) in std::iter::once(&trivial).chain(imports) {
        let name = match *name {
            "trivial" => "trivial".to_owned(),
            package => format!("{package}_preloaded"),
        };
        run_ok(&engine, code.to_string());
        group.bench_function(&name, |b| b.iter(|| run_ok(&engine, code.to_string())));
        group.bench_function(format!("{name}_slot_busy"), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| engine.run_blocking(request(code.to_string())).run.busy)
                    .sum()
            })
        });
    }
    group.finish();
}

fn sandbox(c: &mut Criterion) {
    let cores = EngineConfig::default().slots;
    let processes =
        || Isolation::Process(ProcessIsolation::new(env!("CARGO_BIN_EXE_warren-worker")));
    workloads(c, "sandbox", &engine(Isolation::Thread, cores));
    workloads(c, "sandbox_process", &engine(processes(), cores));
    one_slot(c, "sandbox_one_slot", &engine(Isolation::Thread, 1));
    one_slot(c, "sandbox_process_one_slot", &engine(processes(), 1));
    // The same, each job's runtime built afresh (`--snapshots false`): the cost the
    // snapshots save.
    one_slot(
        c,
        "sandbox_one_slot_built",
        &engine_made(Isolation::Thread, 1, false),
    );
}

/// The trivial job, back to back through a single slot: the whole round trip, and
/// the time the job held its slot (its report's `busy`: from taking the job to its
/// outcome, without the dispatch around it or the restore after it).
fn one_slot(c: &mut Criterion, name: &str, engine: &Engine) {
    let mut group = c.benchmark_group(name);
    let trivial = "export default (input) => ({ sum: input.a + input.b })".to_owned();
    group.bench_function("trivial_sync_cached", |b| {
        b.iter(|| run_ok(engine, trivial.clone()))
    });
    group.bench_function("trivial_sync_cached_slot_busy", slot_busy(engine, &trivial));
    // A job that reads Warren's globals: made in the snapshot, or by the job.
    let globals = "export default (input) => new URL('https://a.example/' + input.a).pathname \
        + Buffer.from('hi').toString('hex') + typeof process.env + typeof console.log"
        .to_owned();
    run_ok(engine, globals.clone());
    group.bench_function("node_globals_slot_busy", slot_busy(engine, &globals));
    // Jobs that format with `Intl`: a price, and a date in a customer's zone.
    let price = "export default (input) => new Intl.NumberFormat('de-DE', \
        { style: 'currency', currency: 'EUR' }).format(input.a * 1234.5)"
        .to_owned();
    run_ok(engine, price.clone());
    group.bench_function("intl_price_slot_busy", slot_busy(engine, &price));
    let date =
        "export default (input) => new Date(Date.UTC(2026, 0, input.a)).toLocaleString('en-US', \
        { timeZone: 'America/New_York', dateStyle: 'medium', timeStyle: 'short' })"
            .to_owned();
    run_ok(engine, date.clone());
    group.bench_function("intl_date_in_zone_slot_busy", slot_busy(engine, &date));
    let speed = "export default (input) => new Intl.NumberFormat('de', \
        { style: 'unit', unit: 'kilometer-per-hour', unitDisplay: 'long' }).format(input.a * 12.5)"
        .to_owned();
    run_ok(engine, speed.clone());
    group.bench_function("intl_unit_slot_busy", slot_busy(engine, &speed));
    group.finish();
}

/// Measures the time `code`'s jobs hold their slot (their reports' `busy`).
fn slot_busy<'a>(engine: &'a Engine, code: &'a str) -> impl FnMut(&mut criterion::Bencher) + 'a {
    move |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| engine.run_blocking(request(code.to_owned())).run.busy)
                .sum()
        })
    }
}

fn workloads(c: &mut Criterion, name: &str, engine: &Engine) {
    let mut group = c.benchmark_group(name);

    let trivial = "export default (input) => ({ sum: input.a + input.b })".to_owned();
    group.bench_function("trivial_sync_cached", |b| {
        b.iter(|| run_ok(engine, trivial.clone()))
    });

    // The same job arriving at a slot that had a moment to itself (as in a worker
    // that is not saturated): the slot has prepared the next context meanwhile, so
    // only the job's own part is timed.
    group.bench_function("trivial_sync_idle_slot", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                std::thread::sleep(IDLE_GAP);
                let started = Instant::now();
                run_ok(engine, trivial.clone());
                total += started.elapsed();
            }
            total
        })
    });

    let script = "module.exports = (input) => ({ sum: input.a + input.b })".to_owned();
    group.bench_function("trivial_commonjs_cached", |b| {
        b.iter(|| run_ok(engine, script.clone()))
    });

    let asynchronous = "export default async (input) => { const a = await Promise.resolve(input.a); const b = await new Promise((r) => r(input.b)); await null; return { sum: a + b } }".to_owned();
    group.bench_function("async_cached", |b| {
        b.iter(|| run_ok(engine, asynchronous.clone()))
    });

    let crypto = "import { createHash } from 'crypto'; export default (input) => createHash('sha256').update(JSON.stringify(input)).digest('hex')".to_owned();
    group.bench_function("crypto_import_cached", |b| {
        b.iter(|| run_ok(engine, crypto.clone()))
    });

    let body = big_body();
    group.bench_function("body_10kb_cached", |b| {
        b.iter(|| run_ok(engine, body.clone()))
    });

    let mut n = 0u64;
    group.bench_function("body_10kb_first_seen", |b| {
        b.iter(|| {
            n += 1;
            run_ok(engine, format!("{body}// variant {n}\n"));
        })
    });
    group.finish();
}

criterion_group!(benches, sandbox, imports);
criterion_main!(benches);
