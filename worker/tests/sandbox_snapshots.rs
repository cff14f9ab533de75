//! Runtimes restored from a snapshot: each job still starts pristine, and what must
//! differ per job (randomness, memory accounting) does. The isolation suites run over
//! restored runtimes too; these are the hazards particular to restoring.

mod common;

use common::*;
use serde_json::json;
use warren_wire::{ErrorKind, Outcome};
use warren_worker::sandbox::{Engine, EngineConfig, PoolLimits};

fn engine_snapshots(snapshots: bool) -> Engine {
    Engine::start(EngineConfig {
        slots: 1,
        isolation: isolation(),
        limits: PoolLimits {
            timeout_ms: 2000,
            ..PoolLimits::default()
        },
        snapshots,
        ..EngineConfig::default()
    })
    .expect("engine starts")
}

/// A job's memory figure and limit count only what the job allocated, not the
/// prepared runtime it was restored from.
#[test]
fn a_job_pays_only_for_what_it_allocates_on_top_of_the_snapshot() {
    let trivial = "export default () => 1";
    let peak = |engine: &Engine| {
        let report = run(engine, trivial, "null");
        assert!(matches!(report.run.outcome, Outcome::Ok(_)));
        report.run.memory_peak_bytes
    };
    let restored = engine_snapshots(true);
    let built = engine_snapshots(false);
    for _ in 0..3 {
        let (restored, built) = (peak(&restored), peak(&built));
        assert!(
            restored < 64 << 10,
            "a trivial job in a restored runtime allocated {restored} bytes"
        );
        assert!(
            built > restored + (64 << 10),
            "a runtime built for the job counts the runtime itself: {built} bytes"
        );
    }
    // A 1 MiB limit is the job's own: 1 MiB of the job's data does not fit, 512 KiB does.
    let limited = |mb: u64, bytes: usize| {
        let mut request = request(
            "export default (n) => new Uint8Array(n).length",
            &bytes.to_string(),
        );
        request.limits.memory_mb = Some(mb);
        restored.run_blocking(request).run.outcome
    };
    assert!(matches!(limited(1, 512 << 10), Outcome::Ok(_)));
    assert!(matches!(limited(1, 1 << 20), Outcome::Error(e) if e.kind == ErrorKind::Memory));
}

/// Two jobs restored from one snapshot do not draw the same random numbers, and
/// `Math.random` is still an ordinary builtin.
#[test]
fn math_random_differs_between_restored_jobs() {
    let engine = engine_snapshots(true);
    let draw = "export default () => [Math.random(), Math.random()]";
    let draws: Vec<serde_json::Value> = (0..20).map(|_| ok(&engine, draw, "null")).collect();
    let distinct: std::collections::HashSet<String> = draws.iter().map(|d| d.to_string()).collect();
    assert_eq!(distinct.len(), draws.len(), "{draws:?}");
    for pair in &draws {
        for x in pair.as_array().expect("pair") {
            let x = x.as_f64().expect("number");
            assert!((0.0..1.0).contains(&x), "{x}");
        }
    }
    assert_eq!(
        ok(
            &engine,
            "export default () => { const d = Object.getOwnPropertyDescriptor(Math, 'random');
                return [d.writable, d.enumerable, d.configurable, Math.random.name, Math.random.length,
                        typeof Math.random.prototype, Object.keys(Math).includes('random')] }",
            "null"
        ),
        json!([true, false, true, "random", 0, "undefined", false])
    );
}

/// A job that drops every path to Warren's host functions (and makes the collector
/// run) leaves them intact for the next job: a restored runtime never frees them.
#[test]
fn host_functions_survive_jobs_that_drop_them() {
    let engine = engine_with(1, PoolLimits::default(), &["crypto", "url", "buffer"]);
    let vandal = "export default () => {
        for (const name of Object.getOwnPropertyNames(globalThis)) { try { delete globalThis[name] } catch {} }
        try { Object.setPrototypeOf(globalThis, null) } catch {}
        const junk = []; for (let i = 0; i < 20000; i++) junk.push({ i, s: 'x'.repeat(100) });
        return junk.length }";
    let user =
        "import crypto from 'crypto'; import { URL } from 'url'; import { Buffer } from 'buffer';
        export default () => { console.log('still here');
            return [crypto.createHash('sha256').update('a').digest('hex').slice(0, 8),
                    new URL('https://a.example/b?c=1').searchParams.get('c'),
                    Buffer.from('hi').toString('base64'), new TextEncoder().encode('é').length,
                    structuredClone({ a: [1] }).a[0], typeof fetch, typeof require] }";
    let script = "const { createHash } = require('crypto'); module.exports = () => createHash('md5').update('').digest('hex')";
    for _ in 0..100 {
        assert_eq!(ok(&engine, vandal, "null"), json!(20000));
        let report = run(&engine, user, "null");
        match &report.run.outcome {
            Outcome::Ok(value) => assert_eq!(
                serde_json::from_str::<serde_json::Value>(value.get()).expect("json"),
                json!(["ca978112", "1", "aGk=", 2, 1, "undefined", "undefined"])
            ),
            other => panic!("{other:?}"),
        }
        assert_eq!(logs(&report), vec![("log".into(), "still here".into())]);
        assert_eq!(
            ok(&engine, script, "null"),
            json!("d41d8cd98f00b204e9800998ecf8427e")
        );
    }
}

/// Nothing a job wrote into memory can be read by the next: a fresh buffer reads as
/// zeros, however much the last job filled.
#[test]
fn memory_a_job_wrote_reads_as_zeros_in_the_next() {
    let engine = engine_snapshots(true);
    let fill = "export default (n) => { const kept = []; for (let i = 0; i < 8; i++) { const b = new Uint8Array(n); b.fill(0x5a); kept.push(b) } return kept.length }";
    let look = "export default (n) => { let seen = 0; for (let i = 0; i < 8; i++) { const b = new Uint8Array(n); for (const x of b) seen |= x } return seen }";
    for size in [64, 4096, 300_000, 3 << 20] {
        for _ in 0..3 {
            assert_eq!(ok(&engine, fill, &size.to_string()), json!(8));
            assert_eq!(
                ok(&engine, look, &size.to_string()),
                json!(0),
                "size {size}"
            );
        }
    }
}

/// Jobs that wait at once on one slot each get a runtime of their own, and every
/// runtime goes back to serving jobs afterwards.
#[test]
fn jobs_waiting_together_each_have_their_own_runtime() {
    let engine = engine_snapshots(true);
    let code = "export default async (n) => { globalThis.mine = n; await new Promise(r => setTimeout(r, 100 + n * 10)); return [n, globalThis.mine, typeof globalThis.other] }";
    for _ in 0..3 {
        std::thread::scope(|s| {
            let jobs: Vec<_> = (0..8)
                .map(|n| {
                    let engine = &engine;
                    s.spawn(move || ok(engine, code, &n.to_string()))
                })
                .collect();
            for (n, job) in jobs.into_iter().enumerate() {
                assert_eq!(job.join().expect("job"), json!([n, n, "undefined"]));
            }
        });
        assert_eq!(
            ok(
                &engine,
                "export default () => [typeof mine, typeof Map, typeof Date.now()]",
                "null"
            ),
            json!(["undefined", "function", "number"])
        );
    }
}

/// The standard library's globals are made in the snapshot, as the global object's own
/// properties with the spec's attributes (writable, configurable, not enumerable),
/// and job code can delete them like any other; the next job has them again.
#[test]
fn standard_globals_are_own_properties_of_the_global_object() {
    let engine = engine_snapshots(true);
    let names = json!([
        "Map",
        "Set",
        "WeakMap",
        "WeakSet",
        "Date",
        "Proxy",
        "WeakRef",
        "FinalizationRegistry",
        "ArrayBuffer",
        "DataView",
        "Uint8Array",
        "Float64Array",
        "BigInt64Array",
        "Atomics"
    ]);
    let describe = "export default (names) => names.map((name) => {
        const d = Object.getOwnPropertyDescriptor(globalThis, name);
        return d && [d.writable, d.enumerable, d.configurable, Object.getOwnPropertyNames(globalThis).includes(name)];
    })";
    let described = ok(&engine, describe, &names.to_string());
    let expected: Vec<serde_json::Value> = names
        .as_array()
        .expect("names")
        .iter()
        .map(|_| json!([true, false, true, true]))
        .collect();
    assert_eq!(described, json!(expected));
    let delete = "export default () => {
        const deleted = delete globalThis.Map;
        return [deleted, typeof Map, typeof globalThis.Map, 'Map' in globalThis, typeof Set, Object.hasOwn(globalThis, 'Set')];
    }";
    assert_eq!(
        ok(&engine, delete, "null"),
        json!([true, "undefined", "undefined", false, "function", true])
    );
    assert_eq!(
        ok(
            &engine,
            "export default () => [typeof Map, Object.hasOwn(globalThis, 'Map'), new Map([[1, 2]]).get(1)]",
            "null"
        ),
        json!(["function", true, 2])
    );
}

/// Warren's own globals are made in the snapshot too, as Node has them: own properties
/// of the global object, writable and configurable, enumerable where Node's are; the
/// global object inherits from `Object.prototype` directly; `fetch` is no global in a
/// pool not granted it; a deleted global is gone, and the next job has it again.
#[test]
fn warren_globals_are_own_properties_of_the_global_object() {
    let engine = engine_snapshots(true);
    let describe = "export default (names) => names.map((name) => {
        const d = Object.getOwnPropertyDescriptor(globalThis, name);
        return d ? [name, typeof d.value, d.writable, d.enumerable, d.configurable] : [name, null];
    })";
    let names = json!([
        "console",
        "URL",
        "URLSearchParams",
        "TextEncoder",
        "TextDecoder",
        "Buffer",
        "process",
        "crypto",
        "AbortController",
        "structuredClone",
        "setTimeout",
        "queueMicrotask",
        "global",
        "self",
        "atob",
        "fetch",
        "Request"
    ]);
    let enumerable = [
        "crypto",
        "structuredClone",
        "setTimeout",
        "queueMicrotask",
        "global",
        "atob",
    ];
    let expected: Vec<serde_json::Value> = names
        .as_array()
        .expect("names")
        .iter()
        .map(|name| {
            let name = name.as_str().expect("a name");
            if name == "fetch" || name == "Request" {
                return json!([name, null]);
            }
            let kind = match name {
                "console" | "process" | "crypto" | "global" | "self" => "object",
                _ => "function",
            };
            json!([name, kind, true, enumerable.contains(&name), true])
        })
        .collect();
    assert_eq!(ok(&engine, describe, &names.to_string()), json!(expected));
    let shape = "export default () => {
        const keys = Object.keys(globalThis);
        return [Object.getPrototypeOf(globalThis) === Object.prototype,
                keys.includes('setTimeout'), keys.includes('console'),
                Object.getOwnPropertyNames(globalThis).includes('Buffer'),
                Object.prototype.hasOwnProperty.call(globalThis, 'URL'),
                global === globalThis, Buffer.from('hi').toString('base64'), typeof notAGlobal];
    }";
    assert_eq!(
        ok(&engine, shape, "null"),
        json!([true, true, false, true, true, true, "aGk=", "undefined"])
    );
    let delete = "export default () => {
        const deleted = [delete globalThis.console, delete globalThis.URL, delete globalThis.setTimeout];
        return [deleted, typeof console, 'URL' in globalThis, typeof setTimeout, typeof Buffer];
    }";
    assert_eq!(
        ok(&engine, delete, "null"),
        json!([
            [true, true, true],
            "undefined",
            false,
            "undefined",
            "function"
        ])
    );
    assert_eq!(
        ok(
            &engine,
            "export default () => [typeof console.log, new URL('https://a.example/b').pathname, typeof setTimeout]",
            "null"
        ),
        json!(["function", "/b", "function"])
    );
}

/// The same suites' answers with runtimes built afresh for every job: the fallback
/// (`--snapshots false`) still works.
#[test]
fn runtimes_built_afresh_still_serve_jobs() {
    let engine = engine_snapshots(false);
    for n in 0..50 {
        assert_eq!(
            ok(
                &engine,
                "export default (n) => { const seen = typeof globalThis.x; globalThis.x = n; return [seen, n * 2] }",
                &n.to_string()
            ),
            json!(["undefined", n * 2])
        );
    }
}
