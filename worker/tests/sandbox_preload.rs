//! The operator's packages preloaded into the snapshot (`--preload-module`): a job
//! that imports one finds it evaluated, and still starts pristine; a package whose
//! loading would make jobs share what they must not (`crypto` randomness, timers) or
//! that fails to load is left out, and loads in each job as without a snapshot.

mod common;

use std::sync::Arc;

use common::*;
use serde_json::json;
use warren_wire::{ErrorKind, Outcome};
use warren_worker::sandbox::{Engine, EngineConfig, Library, ModuleTable, PoolLimits};

const PACKAGES: &[&str] = &[
    "counted",
    "esm-counted",
    "random-at-load",
    "crypto-at-load",
    "throws-at-load",
    "timer-at-load",
];

fn library() -> Library {
    Library::from_files([
        (
            "counted/index.js",
            "console.log('loading counted'); let calls = 0; exports.next = () => ++calls;",
        ),
        (
            "esm-counted/package.json",
            r#"{"type": "module", "exports": "./index.js"}"#,
        ),
        (
            "esm-counted/index.js",
            "console.log('loading esm-counted'); export const items = []; \
             export function add(x) { items.push(x); return items.length; }",
        ),
        ("random-at-load/index.js", "exports.token = Math.random();"),
        (
            "crypto-at-load/index.js",
            "const bytes = crypto.getRandomValues(new Uint8Array(8)); \
             exports.token = Array.from(bytes).join('.');",
        ),
        (
            "throws-at-load/index.js",
            "throw new Error('cannot load here');",
        ),
        (
            "timer-at-load/index.js",
            "console.log('loading timer-at-load'); setTimeout(() => {}, 5); exports.ok = true;",
        ),
    ])
}

/// One slot whose snapshot preloads `preload` (all of [`PACKAGES`] are allowed).
fn engine(preload: &[&str]) -> Engine {
    let table = ModuleTable::new(PACKAGES.iter().map(|name| name.to_string()))
        .with_library(Arc::new(library()));
    Engine::start(EngineConfig {
        slots: 1,
        isolation: isolation(),
        limits: PoolLimits {
            timeout_ms: 2000,
            ..PoolLimits::default()
        },
        modules: Arc::new(table),
        snapshots: snapshots(),
        preload: preload.iter().map(|name| name.to_string()).collect(),
        ..EngineConfig::default()
    })
    .expect("engine starts")
}

/// Runs `code`: its value, and whether it logged that a package loaded.
fn value_and_load(engine: &Engine, code: &str) -> (serde_json::Value, bool) {
    let report = run(engine, code, "null");
    let loaded = logs(&report)
        .iter()
        .any(|(_, message)| message.starts_with("loading "));
    match report.run.outcome {
        Outcome::Ok(value) => (serde_json::from_str(value.get()).expect("JSON"), loaded),
        Outcome::Error(err) => panic!("{code}: {err:?}"),
    }
}

const REQUIRE_COUNTED: &str = "const c = require('counted'); module.exports = () => c.next()";
const IMPORT_COUNTED: &str = "import { add } from 'esm-counted'; export default () => add('x')";
const REQUIRE_ESM: &str =
    "const { add, items } = require('esm-counted'); module.exports = () => [add(1), items.length]";

#[test]
fn a_preloaded_package_is_evaluated_once_and_every_job_starts_from_it_unchanged() {
    let preloaded = engine(&["counted", "esm-counted"]);
    for _ in 0..4 {
        // The job's own calls change the package's state; the next job sees none of it.
        let (value, loaded) = value_and_load(&preloaded, REQUIRE_COUNTED);
        assert_eq!(value, json!(1));
        assert_eq!(loaded, !snapshots(), "the job evaluated the package itself");
        let (value, loaded) = value_and_load(&preloaded, IMPORT_COUNTED);
        assert_eq!(value, json!(1));
        assert_eq!(loaded, !snapshots());
        let (value, _) = value_and_load(&preloaded, REQUIRE_ESM);
        assert_eq!(value, json!([1, 1]), "require and import share one module");
    }
    // A job that replaces a package's export changes nothing for the next one.
    let tamper = "const c = require('counted'); module.exports = () => { c.next = () => 'tampered'; return c.next(); }";
    assert_eq!(value_and_load(&preloaded, tamper).0, json!("tampered"));
    assert_eq!(value_and_load(&preloaded, REQUIRE_COUNTED).0, json!(1));
}

#[test]
fn a_package_left_out_of_the_list_is_evaluated_by_each_job() {
    let listed = engine(&["counted"]);
    for _ in 0..2 {
        let (value, loaded) = value_and_load(&listed, IMPORT_COUNTED);
        assert_eq!(value, json!(1));
        assert!(loaded, "esm-counted is not preloaded");
        let (_, loaded) = value_and_load(&listed, REQUIRE_COUNTED);
        assert_eq!(loaded, !snapshots());
    }
}

#[test]
fn a_package_that_draws_crypto_randomness_while_loading_is_left_out() {
    let all = engine(PACKAGES);
    let tokens = |code: &str| -> Vec<_> { (0..3).map(|_| value_and_load(&all, code).0).collect() };
    for code in [
        "const p = require('crypto-at-load'); module.exports = () => p.token",
        "import p from 'crypto-at-load'; export default () => p.token",
    ] {
        let tokens = tokens(code);
        assert!(
            tokens[0] != tokens[1] && tokens[1] != tokens[2],
            "every job got the same random bytes: {tokens:?}"
        );
    }
    // What a package keeps of `Math.random` at load is the slot's, as it is a Node
    // process's; the generator itself still differs in every job.
    let kept = tokens("const p = require('random-at-load'); module.exports = () => p.token");
    if snapshots() {
        assert!(kept[0] == kept[1] && kept[1] == kept[2], "{kept:?}");
    }
    let drawn = tokens("const p = require('random-at-load'); module.exports = () => Math.random()");
    assert!(drawn[0] != drawn[1] && drawn[1] != drawn[2], "{drawn:?}");
    // The packages that could be preloaded still were.
    assert!(!value_and_load(&all, REQUIRE_COUNTED).1 || !snapshots());
}

#[test]
fn a_package_that_fails_or_leaves_a_timer_while_loading_loads_in_each_job() {
    let all = engine(PACKAGES);
    let plain = engine(&[]);
    for code in [
        "const p = require('throws-at-load'); module.exports = () => p",
        "import p from 'throws-at-load'; export default () => p",
    ] {
        let preloaded = fails(&all, code, "null", ErrorKind::Exception);
        assert_eq!(preloaded, fails(&plain, code, "null", ErrorKind::Exception));
        assert!(preloaded.contains("cannot load here"), "{preloaded}");
    }
    let timer = "const p = require('timer-at-load'); module.exports = () => p.ok";
    let (value, loaded) = value_and_load(&all, timer);
    assert_eq!(value, json!(true));
    assert!(loaded, "loaded by the job, not preloaded");
    assert!(!value_and_load(&all, IMPORT_COUNTED).1 || !snapshots());
}

/// Jobs that arrive while the slot's preloaded runtime is busy (here, parked on a timer)
/// get runtimes made at once without the packages: they load what they import
/// themselves, see the same global object as every other job, and are not kept, so
/// the next job finds the preloaded runtime again.
#[test]
fn jobs_that_cannot_wait_for_the_preloaded_runtime_load_for_themselves() {
    let engine = engine(&["counted"]);
    let code = "const c = require('counted'); module.exports = async () => { \
        await new Promise((r) => setTimeout(r, 300)); \
        return [c.next(), Object.hasOwn(globalThis, 'URL'), Object.getPrototypeOf(globalThis) === Object.prototype]; }";
    let own = snapshots();
    let loaded = std::thread::scope(|s| {
        let jobs: Vec<_> = (0..6)
            .map(|_| {
                let engine = &engine;
                s.spawn(move || value_and_load(engine, code))
            })
            .collect();
        jobs.into_iter()
            .map(|job| {
                let (value, loaded) = job.join().expect("job");
                assert_eq!(value, json!([1, own, own]));
                loaded
            })
            .filter(|loaded| *loaded)
            .count()
    });
    if snapshots() {
        assert!(
            (1..6).contains(&loaded),
            "{loaded} of 6 jobs loaded the package themselves"
        );
        assert_eq!(value_and_load(&engine, REQUIRE_COUNTED), (json!(1), false));
    }
}
