//! `cargo bench -p warren-worker --bench imports`: what importing each package of the
//! corpus (`tests/packages`, installed by `npm ci --omit=dev`) costs a job. For every
//! package, one job loads it first (compiling its files into the engine's bytecode
//! cache), then jobs that `require` it (CommonJS) and jobs that `import` it (ES
//! module) alternate with a trivial job; a job's import cost is its median time less
//! the trivial job's. Every job starts in a fresh runtime, so each one evaluates the
//! package again: that is the cost the snapshot issue brings down.
//!
//! The table goes to stdout as Markdown, for docs/BENCHMARKS.md. Under `cargo test
//! --bench imports` each package is loaded once, to check the benchmark still runs.
//! Names after `--` limit the run to those packages (`-- luxon date-fns-tz`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::value::RawValue;
use warren_wire::{JobLimits, Outcome};
use warren_worker::sandbox::{
    Engine, EngineConfig, Isolation, JobRequest, Library, ModuleTable, PoolLimits, ProcessIsolation,
};

/// Timed jobs per package and form in a benchmark run.
const ROUNDS: usize = 21;

/// The built-ins the corpus's packages require (as `worker/tests/npm_packages.rs`).
const BUILTINS: &[&str] = &[
    "buffer",
    "crypto",
    "events",
    "path",
    "process",
    "stream",
    "string_decoder",
    "timers",
    "url",
    "util",
];

fn main() {
    let benchmarking = std::env::args().any(|arg| arg == "--bench");
    let rounds = if benchmarking { ROUNDS } else { 1 };
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/packages");
    let chosen: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with('-'))
        .collect();
    let mut packages = packages(&folder);
    if !chosen.is_empty() {
        packages.retain(|package| chosen.contains(package));
    }
    let engine = engine(&folder, &packages);
    let trivial = "module.exports = () => 1".to_owned();
    println!("| package | first job (compiles) | `require` | `import` |");
    println!("|---|---|---|---|");
    let mut baselines = Vec::new();
    for package in &packages {
        let first = match time(&engine, require_job(package)) {
            Ok(first) => first,
            // The corpus's known failures (docs/modules.md) say why in the table.
            Err(message) => {
                println!("| {package} | does not load: {message} | | |");
                continue;
            }
        };
        let (mut required, mut imported, mut plain) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds {
            required.push(succeeded(time(&engine, require_job(package))));
            plain.push(succeeded(time(&engine, trivial.clone())));
            imported.push(succeeded(time(&engine, import_job(package))));
        }
        let baseline = median(&mut plain);
        baselines.push(baseline);
        let cost = |times: &mut Vec<Duration>| median(times).saturating_sub(baseline);
        println!(
            "| {package} | {} | {} | {} |",
            shown(first.saturating_sub(baseline)),
            shown(cost(&mut required)),
            shown(cost(&mut imported)),
        );
    }
    println!(
        "\ntrivial job (subtracted above): median {}",
        shown(median(&mut baselines))
    );
}

/// The corpus's packages: the dependencies of its `package.json`.
fn packages(folder: &std::path::Path) -> Vec<String> {
    let manifest = std::fs::read_to_string(folder.join("package.json"))
        .expect("tests/packages/package.json reads");
    let manifest: serde_json::Value = serde_json::from_str(&manifest).expect("it is JSON");
    let dependencies = manifest["dependencies"]
        .as_object()
        .expect("it has dependencies");
    assert!(
        folder.join("node_modules/lodash").is_dir(),
        "run `npm ci --omit=dev` in {} first (scripts/ensure-node.sh does)",
        folder.display()
    );
    dependencies.keys().cloned().collect()
}

/// An engine as the worker runs one (sandbox processes, one slot per core) whose
/// table lists every package; `eval` allowed, as ajv and handlebars need it.
fn engine(folder: &std::path::Path, packages: &[String]) -> Engine {
    let library = Library::load(folder).expect("the package folder reads");
    let names = packages
        .iter()
        .cloned()
        .chain(BUILTINS.iter().map(|name| name.to_string()));
    Engine::start(EngineConfig {
        isolation: Isolation::Process(ProcessIsolation::new(env!("CARGO_BIN_EXE_warren-worker"))),
        limits: PoolLimits {
            timeout_ms: 30_000,
            memory_mb: 256,
            ..PoolLimits::default()
        },
        modules: Arc::new(ModuleTable::new(names).with_library(Arc::new(library))),
        cache_bytes: 256 << 20,
        allow_eval: true,
        ..EngineConfig::default()
    })
    .expect("engine")
}

fn require_job(package: &str) -> String {
    format!("const P = require('{package}'); module.exports = () => typeof P")
}

fn import_job(package: &str) -> String {
    format!("import * as P from '{package}'; export default () => typeof P")
}

/// How long `code` takes as a job, or why it failed.
fn time(engine: &Engine, code: String) -> Result<Duration, String> {
    let request = JobRequest {
        job_id: "bench".into(),
        attempt: 1,
        code: code.clone(),
        input: RawValue::from_string("null".into()).expect("json"),
        limits: JobLimits::default(),
    };
    let started = Instant::now();
    let report = engine.run_blocking(request);
    let took = started.elapsed();
    match report.run.outcome {
        Outcome::Ok(_) => Ok(took),
        Outcome::Error(error) => Err(error.message),
    }
}

/// A time of a job that loaded before, so must load again.
fn succeeded(time: Result<Duration, String>) -> Duration {
    time.unwrap_or_else(|message| panic!("a package that loaded once failed: {message}"))
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn shown(duration: Duration) -> String {
    let micros = duration.as_micros();
    if micros >= 10_000 {
        format!("{:.1} ms", micros as f64 / 1000.0)
    } else if micros >= 1000 {
        format!("{:.2} ms", micros as f64 / 1000.0)
    } else {
        format!("{micros} µs")
    }
}
