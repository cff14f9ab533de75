//! Every limit surfaces as its error kind, and a slot survives each breach.

mod common;

use common::*;
use serde_json::json;
use warren_wire::{ErrorKind, JobLimits, Outcome};
use warren_worker::sandbox::{Isolation, PoolLimits};

fn small_pool() -> warren_worker::sandbox::Engine {
    engine_with(
        1,
        PoolLimits {
            timeout_ms: 300,
            memory_mb: 16,
            ..PoolLimits::default()
        },
        &["crypto", "url"],
    )
}

/// After every breach the same slot runs a normal job correctly.
#[track_caller]
fn still_healthy(engine: &warren_worker::sandbox::Engine) {
    assert_eq!(
        ok(engine, "export default (i) => i.n + 1", r#"{"n":41}"#),
        json!(42)
    );
}

#[test]
fn cpu_loops_time_out() {
    let engine = small_pool();
    for code in [
        "export default () => { for (;;) {} }",
        "export default () => { while (true) { try { for(;;){} } catch (e) {} } }",
        "export default async () => { await null; for (;;) {} }",
        "module.exports = function f() { let x = 0; for (;;) x++ }",
        // Top-level code that never ends.
        "for (;;) {} export default () => 1",
    ] {
        let message = fails(&engine, code, "null", ErrorKind::Timeout);
        assert!(message.contains("300 ms"), "{message}");
        still_healthy(&engine);
    }
}

#[test]
fn catastrophic_regex_times_out() {
    let engine = small_pool();
    fails(
        &engine,
        "export default () => /^(a+)+$/.test('a'.repeat(40) + 'b')",
        "null",
        ErrorKind::Timeout,
    );
    still_healthy(&engine);
}

#[test]
fn endless_microtasks_and_pending_promises_time_out() {
    let engine = small_pool();
    // An endless chain of microtasks that each leave garbage only.
    fails(
        &engine,
        "export default () => { const spin = () => { Promise.resolve().then(spin) }; spin(); return new Promise(() => {}) }",
        "null",
        ErrorKind::Timeout,
    );
    still_healthy(&engine);
    // One that keeps every promise alive runs out of memory. Where the refusal lands
    // decides what follows (an out-of-memory error in a promise reaction only rejects
    // that promise, and the job then waits), but the broken limit is the answer.
    fails(
        &engine,
        "export default () => { const spin = () => Promise.resolve().then(spin); spin(); return new Promise(() => {}) }",
        "null",
        ErrorKind::Memory,
    );
    still_healthy(&engine);
    fails(
        &engine,
        "export default () => new Promise(() => {})",
        "null",
        ErrorKind::Timeout,
    );
    still_healthy(&engine);
    fails(
        &engine,
        "export default () => new Promise(r => setTimeout(r, 10000))",
        "null",
        ErrorKind::Timeout,
    );
    still_healthy(&engine);
    fails(
        &engine,
        "export default () => new Promise(() => setInterval(() => {}, 1))",
        "null",
        ErrorKind::Timeout,
    );
    still_healthy(&engine);
}

#[test]
fn job_limits_lower_the_timeout_but_cannot_raise_it() {
    let engine = small_pool();
    let mut request = request(
        "export default () => new Promise(r => setTimeout(() => r('late'), 100))",
        "null",
    );
    request.limits = JobLimits {
        timeout_ms: Some(20),
        memory_mb: None,
    };
    let report = engine.run_blocking(request.clone());
    assert!(
        matches!(report.run.outcome, warren_wire::Outcome::Error(ref e) if e.kind == ErrorKind::Timeout)
    );
    request.limits = JobLimits {
        timeout_ms: Some(60_000),
        memory_mb: None,
    };
    request.code = "export default () => { for (;;) {} }".into();
    let report = engine.run_blocking(request);
    let warren_wire::Outcome::Error(err) = report.run.outcome else {
        panic!("expected timeout")
    };
    assert_eq!(err.kind, ErrorKind::Timeout);
    assert!(
        report.run.wall.as_millis() < 2_000,
        "clamped to the pool's 300 ms"
    );
}

#[test]
fn memory_bombs_hit_the_memory_limit() {
    let engine = small_pool();
    for code in [
        "export default () => { const a = []; for (;;) a.push(new Array(10000).fill(1)) }",
        "export default () => { const keep = []; for (let n = 1; ; n *= 2) keep.push('x'.repeat(n)) }",
        "export default () => new Uint8Array(100 * 1024 * 1024).length",
        // Catching the out-of-memory error and failing some other way is still `memory`.
        "export default () => { try { const a = []; for (;;) a.push(new Array(10000).fill(1)) } catch (e) { throw new Error('something else') } }",
        "export default () => { let keep; try { keep = []; for (;;) keep.push('y'.repeat(100000)) } catch (e) { keep = null } return undefinedVariable }",
    ] {
        fails(&engine, code, "null", ErrorKind::Memory);
        still_healthy(&engine);
    }
}

#[test]
fn job_memory_limit_lowers_the_pool_limit() {
    let engine = small_pool();
    let code = "export default () => new Uint8Array(8 * 1024 * 1024).length";
    let fits = run(&engine, code, "null");
    assert!(matches!(fits.run.outcome, warren_wire::Outcome::Ok(_)));
    assert!(fits.run.memory_peak_bytes >= 8 << 20);
    let mut request = request(code, "null");
    request.limits = JobLimits {
        timeout_ms: None,
        memory_mb: Some(4),
    };
    let report = engine.run_blocking(request);
    assert!(
        matches!(report.run.outcome, warren_wire::Outcome::Error(ref e) if e.kind == ErrorKind::Memory)
    );
    // The refused buffer never counts. (The job's few small objects fit in pages of
    // QuickJS's small-object allocator that the restored runtime holds already: the
    // job may report 0.)
    assert!(report.run.memory_peak_bytes < 4 << 20);
}

#[test]
fn deep_recursion_is_a_stack_error() {
    let engine = small_pool();
    let message = fails(
        &engine,
        "export default function f(n) { return f(n + 1) + 1 }",
        "0",
        ErrorKind::Stack,
    );
    assert!(message.contains("call stack"), "{message}");
    still_healthy(&engine);
    fails(
        &engine,
        "export default async function f(n) { return await f(n + 1) }",
        "0",
        ErrorKind::Stack,
    );
    still_healthy(&engine);
    // Caught and returned normally: ok.
    let value = ok(
        &engine,
        "export default () => { const f = (n) => f(n + 1); try { f(0) } catch (e) { return e instanceof RangeError } }",
        "null",
    );
    assert_eq!(value, json!(true));
}

#[test]
fn result_size_limit_is_the_pools() {
    let engine = engine_with(
        1,
        PoolLimits {
            max_result_bytes: 100,
            ..PoolLimits::default()
        },
        &[],
    );
    assert_eq!(
        ok(&engine, "export default () => 'x'.repeat(50)", "null"),
        json!("x".repeat(50))
    );
    let message = fails(
        &engine,
        "export default () => 'x'.repeat(200)",
        "null",
        ErrorKind::Output,
    );
    assert!(message.contains("100 bytes"), "{message}");
}

#[test]
fn log_limits_by_bytes() {
    let engine = engine_with(
        1,
        PoolLimits {
            max_log_bytes: 20,
            ..PoolLimits::default()
        },
        &[],
    );
    let report = run(
        &engine,
        "export default () => { console.log('0123456789'); console.log('0123456789abcdef'); console.log('never'); return 1 }",
        "null",
    );
    let entries = logs(&report);
    assert_eq!(entries.len(), 3, "{entries:?}");
    assert_eq!(entries[0].1, "0123456789");
    assert_eq!(entries[1].1, "0123456789");
    assert!(entries[2].1.contains("logs truncated"));
}

#[test]
fn a_builtin_call_that_outlasts_the_deadline_is_a_timeout_even_if_it_returns() {
    // One BigInt toString runs past the deadline with no interrupt check inside it;
    // the job returns a value, but after its deadline: that is a timeout, not ok.
    let engine = engine_with(1, PoolLimits::default(), &[]);
    // Tens of milliseconds in one call: past the deadline, within the watchdog's margin.
    let code = "export default () => (3n ** 100000n).toString().length";
    let report = engine.run_blocking(with_timeout(code, 10));
    match report.run.outcome {
        Outcome::Error(err) => assert_eq!(err.kind, ErrorKind::Timeout, "{err:?}"),
        Outcome::Ok(value) => panic!(
            "expected timeout, got ok {value} after {:?}",
            report.run.wall
        ),
    }
    assert!(report.run.wall.as_millis() >= 10);
    // The slot serves the next job normally.
    assert_eq!(ok(&engine, "export default () => 1", "null"), json!(1));
}

#[test]
fn the_watchdog_answers_for_a_job_stuck_in_one_call_and_replaces_its_thread_slot() {
    use std::sync::atomic::Ordering;
    // A thread cannot be killed: the watchdog answers for it and replaces it. (A
    // sandbox process is killed instead: see sandbox_process.rs.)
    let engine = engine_isolated(1, PoolLimits::default(), Isolation::Thread);
    // One toString of a ~950,000-bit BigInt: seconds inside a single builtin call.
    let stuck = "export default () => (3n ** 600000n).toString().length";
    let report = engine.run_blocking(with_timeout(stuck, 100));
    match report.run.outcome {
        Outcome::Error(err) => {
            assert_eq!(err.kind, ErrorKind::Timeout);
            assert!(err.message.contains("watchdog"), "{}", err.message);
        }
        Outcome::Ok(value) => panic!("expected timeout, got {value}"),
    }
    let watchdog = engine.watchdog();
    assert_eq!(watchdog.overruns.load(Ordering::Relaxed), 1);
    // The stuck thread is still inside its call; a replacement slot serves meanwhile.
    assert_eq!(watchdog.retired_alive.load(Ordering::Relaxed), 1);
    assert_eq!(ok(&engine, "export default () => 2", "null"), json!(2));
    assert_eq!(
        watchdog.retired_alive.load(Ordering::Relaxed),
        1,
        "the replacement answered while the stuck slot was still busy"
    );
    // Once its call returns, the retired thread drops the job and exits.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while watchdog.retired_alive.load(Ordering::Relaxed) > 0 && std::time::Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(watchdog.retired_alive.load(Ordering::Relaxed), 0);
    assert_eq!(ok(&engine, "export default () => 3", "null"), json!(3));
}

/// A slot that waits prepares its next context before the job is known (under the
/// pool's maxima): the job's own limits and clock still apply from the moment it
/// starts. Each check runs once after an idle pause (prepared context) and once
/// right after another job.
#[test]
fn limits_and_clock_apply_to_contexts_prepared_while_idle() {
    let engine = small_pool();
    let idle = std::time::Duration::from_millis(200);
    for pause in [idle, std::time::Duration::ZERO] {
        // Longer than any wall time this job may have, so a clock started when the
        // context was prepared would show.
        std::thread::sleep(pause * 5);
        let report = engine.run_blocking(with_timeout("export default () => { for (;;) {} }", 50));
        let warren_wire::Outcome::Error(err) = report.run.outcome else {
            panic!("expected a timeout");
        };
        assert_eq!(err.kind, ErrorKind::Timeout);
        assert!(
            report.run.wall.as_millis() >= 40 && report.run.wall.as_millis() < 900,
            "the clock starts with the job: {:?}",
            report.run.wall
        );

        std::thread::sleep(pause);
        let mut request = request(
            "export default () => new Uint8Array(8 * 1024 * 1024).length",
            "null",
        );
        request.limits.memory_mb = Some(4);
        let report = engine.run_blocking(request);
        assert!(
            matches!(report.run.outcome, warren_wire::Outcome::Error(ref e) if e.kind == ErrorKind::Memory),
            "{:?}",
            report.run.outcome
        );

        std::thread::sleep(pause);
        // `ctx.deadline` is the job's, in epoch milliseconds; a timer is due relative to
        // the job's start, not to when the context was prepared.
        let code = "export default async (input, ctx) => {
            const left = ctx.deadline - Date.now();
            const fired = await new Promise((r) => setTimeout(() => r('fired'), 30));
            return [left > 0 && left <= 300, fired];
        }";
        assert_eq!(ok(&engine, code, "null"), json!([true, "fired"]));
    }
    still_healthy(&engine);
}

/// An error's message, name and stack are bounded: a job that throws 10 MB of text is
/// answered `exception` with the text cut (and the cut said), within the pool's result
/// limit, and its slot (its sandbox process, in process isolation) carries on.
#[test]
fn huge_error_texts_are_cut_and_the_slot_carries_on() {
    let ten_mb = 10 * 1024 * 1024;
    let codes = [
        format!("export default () => {{ throw new Error('x'.repeat({ten_mb})) }}"),
        format!("export default () => {{ throw 'y'.repeat({ten_mb}) }}"),
        format!("export default () => {{ throw {{ big: 'z'.repeat({ten_mb}) }} }}"),
        format!(
            "export default () => {{ const e = new Error('m'); e.name = 'N'.repeat({ten_mb}); throw e }}"
        ),
        format!(
            "export default () => {{ const e = new Error('m'); e.stack = 'S'.repeat({ten_mb}); throw e }}"
        ),
        format!("module.exports = () => {{ throw new TypeError('w'.repeat({ten_mb})) }}"),
    ];
    for max_result_bytes in [1 << 20, 4096] {
        let engine = engine_with(
            1,
            PoolLimits {
                max_result_bytes,
                ..PoolLimits::default()
            },
            &[],
        );
        let pids = engine.sandbox_pids();
        for code in &codes {
            let error = exception(engine.run_blocking(request(code, "null")).run.outcome, code);
            let stack = error.stack.as_deref().unwrap_or_default();
            assert!(
                error.message.len() + stack.len() <= max_result_bytes.min(32 << 10),
                "{code}: {} + {} bytes",
                error.message.len(),
                stack.len()
            );
            assert!(
                error.message.contains("[cut: ") || stack.contains("[cut: "),
                "{code}: the cut is said"
            );
            if code.contains("Error('") && !code.contains("e.stack") {
                // The stack's head keeps only the start of a long message (or name):
                // the frames after it survive.
                let head = stack.lines().next().unwrap_or_default().len();
                assert!(head < 1400, "{code}: a head of {head} bytes");
                assert!(stack.contains("job.js:"), "{code}: frames kept");
            }
            still_healthy(&engine);
        }
        assert_eq!(
            engine.sandbox_pids(),
            pids,
            "the sandbox processes carried on"
        );
    }
}

/// Reading a thrown text is Warren's work, not the job's: a job that throws a string
/// of wide characters nearly as large as its memory limit allows (whose UTF-8 copy
/// alone would not fit beside it) still gets `exception`, cut, and its stats show
/// only what the job itself held.
#[test]
fn reading_a_huge_thrown_text_is_not_the_jobs_memory() {
    // 10 MB of UTF-16 fits; its 15 MB of UTF-8 would not fit beside it.
    const MEMORY_MB: u64 = 16;
    let engine = engine();
    let chars = 5 << 20;
    for code in [
        format!("export default () => {{ throw new Error('中'.repeat({chars})) }}"),
        format!(
            "export default () => {{ throw '😀'.repeat({}) }}",
            chars / 2
        ),
        format!(
            "export default () => {{ const e = new Error('m'); e.stack = '中'.repeat({chars}); throw e }}"
        ),
    ] {
        let mut job = request(&code, "null");
        job.limits.memory_mb = Some(MEMORY_MB);
        let report = engine.run_blocking(job);
        assert!(report.run.memory_peak_bytes <= MEMORY_MB << 20, "{code}");
        let error = exception(report.run.outcome, &code);
        let said = format!("{} {}", error.message, error.stack.unwrap_or_default());
        assert!(said.contains("[cut: "), "{code}: the cut is said");
        still_healthy(&engine);
    }
}

/// The error a job ended with, which must be an `exception`.
#[track_caller]
fn exception(outcome: Outcome, code: &str) -> warren_wire::JobError {
    let Outcome::Error(error) = outcome else {
        panic!("expected an exception for {code}");
    };
    assert_eq!(
        error.kind,
        ErrorKind::Exception,
        "{code}: {}",
        error.message
    );
    error
}
