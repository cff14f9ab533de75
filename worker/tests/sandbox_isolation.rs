//! Nothing a job does is visible to any later job, on the same slot or another.

mod common;

use common::*;
use serde_json::json;
use warren_worker::sandbox::PoolLimits;

/// Each job tries to leave a trace (globals, prototypes, builtin module state, timers)
/// and reports whether it saw a trace from an earlier one.
const POLLUTER: &str = "import crypto from 'crypto';
export default (input) => {
    const seen = [typeof globalThis.leak, typeof Object.prototype.leak, typeof Array.prototype.leak,
                  crypto.leak, typeof JSON.leak, typeof console.leak, String(globalThis.counter)];
    globalThis.leak = 1; Object.prototype.leak = 1; Array.prototype.leak = () => 1;
    crypto.leak = 'x'; JSON.leak = 1; console.leak = 1;
    globalThis.counter = (globalThis.counter || 0) + 1;
    setTimeout(() => { globalThis.late = 1 }, 0);
    Promise.resolve().then(() => { globalThis.later = 1 });
    return seen;
}";

#[test]
fn thousands_of_jobs_through_one_slot_see_no_trace() {
    let engine = engine_with(1, PoolLimits::default(), &["crypto"]);
    let clean = json!([
        "undefined",
        "undefined",
        "undefined",
        null,
        "undefined",
        "undefined",
        "undefined"
    ]);
    for _ in 0..3000 {
        assert_eq!(ok(&engine, POLLUTER, "null"), clean);
    }
}

#[test]
fn script_jobs_see_no_trace_either() {
    let engine = engine_with(2, PoolLimits::default(), &["crypto"]);
    let code = "module.exports = () => { const seen = typeof leaked; leaked = 1; Date.prototype.x = 1; return [seen, typeof new Date().x] }";
    for _ in 0..1000 {
        assert_eq!(ok(&engine, code, "null"), json!(["undefined", "number"]));
    }
}

#[test]
fn failing_jobs_leave_no_state_behind() {
    let engine = engine_with(
        1,
        PoolLimits {
            timeout_ms: 50,
            memory_mb: 8,
            ..PoolLimits::default()
        },
        &[],
    );
    for _ in 0..50 {
        run(
            &engine,
            "export default () => { globalThis.x = 1; for (;;) {} }",
            "null",
        );
        run(
            &engine,
            "export default () => { globalThis.x = 1; const a = []; for (;;) a.push([1,2,3]) }",
            "null",
        );
        run(
            &engine,
            "export default () => { globalThis.x = 1; new Promise(() => {}); throw new Error('x') }",
            "null",
        );
        assert_eq!(
            ok(&engine, "export default () => typeof globalThis.x", "null"),
            json!("undefined")
        );
    }
}

#[test]
fn slots_run_in_parallel() {
    let engine = engine_with(2, PoolLimits::default(), &[]);
    let code = "export default () => { const end = Date.now() + 300; while (Date.now() < end) {} return 1 }";
    let mut most_busy = 0;
    std::thread::scope(|s| {
        let a = s.spawn(|| ok(&engine, code, "null"));
        let b = s.spawn(|| ok(&engine, code, "null"));
        while !(a.is_finished() && b.is_finished()) {
            most_busy = most_busy.max(engine.busy());
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert_eq!(a.join().expect("a"), json!(1));
        assert_eq!(b.join().expect("b"), json!(1));
    });
    assert_eq!(most_busy, 2, "both slots ran a job at the same time");
}

#[test]
fn jobs_waiting_on_timers_do_not_hold_their_slot() {
    use std::sync::atomic::Ordering;
    let engine = engine_with(1, PoolLimits::default(), &[]);
    let code =
        "export default async (n) => { await new Promise(r => setTimeout(r, 300)); return n }";
    let mut most_waiting = 0;
    std::thread::scope(|s| {
        let jobs: Vec<_> = (0..10)
            .map(|n| {
                let engine = &engine;
                s.spawn(move || ok(engine, code, &n.to_string()))
            })
            .collect();
        while !jobs.iter().all(|j| j.is_finished()) {
            most_waiting = most_waiting.max(engine.stats().waiting.load(Ordering::Relaxed));
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        for (n, job) in jobs.into_iter().enumerate() {
            assert_eq!(job.join().expect("job"), json!(n));
        }
    });
    assert_eq!(
        most_waiting, 10,
        "one slot held all ten jobs while they waited on their timers"
    );
    assert_eq!(engine.stats().waiting.load(Ordering::Relaxed), 0);
}

#[test]
fn finalizers_weak_refs_and_hostile_prototypes_do_not_outlive_their_job() {
    let engine = engine_with(
        1,
        PoolLimits {
            timeout_ms: 500,
            ..PoolLimits::default()
        },
        &["crypto"],
    );
    for _ in 0..200 {
        run(
            &engine,
            "export default () => { const r = new FinalizationRegistry((v) => { globalThis.late = v; throw new Error('late') }); for (let i = 0; i < 100; i++) r.register({}, i); const w = new WeakRef({}); return 1 }",
            "null",
        );
        run(
            &engine,
            "export default async () => { Promise.prototype.then = function () {}; Object.prototype.toJSON = () => 1; await null; return 5 }",
            "null",
        );
        assert_eq!(
            ok(
                &engine,
                "export default async () => { await null; return [typeof globalThis.late, typeof Object.prototype.toJSON] }",
                "null"
            ),
            json!(["undefined", "undefined"])
        );
    }
}
