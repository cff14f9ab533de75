//! Code forms, calling convention, values and logs.

mod common;

use common::*;
use serde_json::json;
use warren_wire::{ErrorKind, Outcome};

#[test]
fn es_module_default_export_sync_and_async() {
    let engine = engine();
    let code = "export default function (input) { return { sum: input.a + input.b } }";
    assert_eq!(ok(&engine, code, r#"{"a":1,"b":2}"#), json!({"sum": 3}));
    let code = "export default async (input) => { await null; return input.x * 2 }";
    assert_eq!(ok(&engine, code, r#"{"x":21}"#), json!(42));
    let code = "const f = (i) => i; export { f as default }";
    assert_eq!(ok(&engine, code, "[1,2]"), json!([1, 2]));
}

#[test]
fn commonjs_forms() {
    let engine = engine();
    assert_eq!(ok(&engine, "module.exports = (i) => i + 1", "1"), json!(2));
    assert_eq!(
        ok(&engine, "exports.default = async (i) => i * 3", "2"),
        json!(6)
    );
    assert_eq!(
        ok(&engine, "module.exports = { default: () => 'd' }", "null"),
        json!("d")
    );
    // Scripts run in sloppy mode, as CommonJS code expects.
    assert_eq!(
        ok(
            &engine,
            "module.exports = () => { undeclared = 5; return undeclared }",
            "null"
        ),
        json!(5)
    );
}

#[test]
fn ctx_carries_job_id_attempt_and_deadline() {
    let engine = engine();
    let value = ok(
        &engine,
        "export default (i, ctx) => [ctx.jobId, ctx.attempt, ctx.deadline > Date.now()]",
        "null",
    );
    assert_eq!(value, json!(["job-1", 1, true]));
}

#[test]
fn values_follow_json_stringify() {
    let engine = engine();
    assert_eq!(
        ok(&engine, "export default () => undefined", "null"),
        json!(null)
    );
    assert_eq!(ok(&engine, "export default () => {}", "null"), json!(null));
    assert_eq!(ok(&engine, "export default () => NaN", "null"), json!(null));
    assert_eq!(
        ok(
            &engine,
            "export default () => ({ d: new Date(0), f() {}, u: undefined, a: [undefined, () => 1, Infinity] })",
            "null"
        ),
        json!({"d": "1970-01-01T00:00:00.000Z", "a": [null, null, null]})
    );
    assert_eq!(
        ok(
            &engine,
            "export default () => ({ toJSON() { return 'custom' } })",
            "null"
        ),
        json!("custom")
    );
    assert_eq!(
        ok(
            &engine,
            "export default () => ({ then(r) { r(7) } })",
            "null"
        ),
        json!(7)
    );
    assert_eq!(
        ok(
            &engine,
            "export default (i) => i",
            r#"{"deep":{"x":[1,"two",null,true]}}"#
        ),
        json!({"deep":{"x":[1,"two",null,true]}})
    );
}

#[test]
fn logs_are_captured_in_order_with_levels() {
    let engine = engine();
    let report = run(
        &engine,
        "export default () => { console.log('a', 1, {b: [2]}); console.info('i'); console.warn('w'); console.error(new Error('e').message); console.debug('%s=%d', 'x', 5); return 0 }",
        "null",
    );
    assert_eq!(
        logs(&report),
        vec![
            ("log".into(), "a 1 { b: [ 2 ] }".into()),
            ("info".into(), "i".into()),
            ("warn".into(), "w".into()),
            ("error".into(), "e".into()),
            ("debug".into(), "x=5".into()),
        ]
    );
}

#[test]
fn logs_are_kept_on_errors_and_capped() {
    let engine = engine();
    let report = run(
        &engine,
        "export default () => { console.log('before'); throw new Error('boom') }",
        "null",
    );
    assert_eq!(logs(&report), vec![("log".into(), "before".into())]);
    let report = run(
        &engine,
        "export default () => { for (let i = 0; i < 5000; i++) console.log(i); return 1 }",
        "null",
    );
    let entries = logs(&report);
    assert_eq!(entries.len(), 1001);
    assert_eq!(entries[999].1, "999");
    assert_eq!(entries[1000].0, "warn");
    assert!(entries[1000].1.contains("logs truncated"));
}

#[test]
fn thrown_errors_and_rejections_are_exceptions_with_stack() {
    let engine = engine();
    let report = run(
        &engine,
        "export default function () {\n  throw new TypeError('bad thing')\n}",
        "null",
    );
    let warren_wire::Outcome::Error(err) = report.run.outcome else {
        panic!("expected error")
    };
    assert_eq!(err.kind, ErrorKind::Exception);
    assert_eq!(err.message, "bad thing");
    let stack = err.stack.expect("stack");
    assert!(stack.starts_with("TypeError: bad thing"), "{stack}");
    assert!(stack.contains("job.js:2"), "{stack}");
    assert_eq!(
        fails(
            &engine,
            "export default async () => { throw new Error('async boom') }",
            "null",
            ErrorKind::Exception
        ),
        "async boom"
    );
    assert_eq!(
        fails(
            &engine,
            "export default () => Promise.reject(new Error('rejected'))",
            "null",
            ErrorKind::Exception
        ),
        "rejected"
    );
    assert_eq!(
        fails(
            &engine,
            "export default () => { throw 'a string' }",
            "null",
            ErrorKind::Exception
        ),
        "a string"
    );
    assert_eq!(
        fails(
            &engine,
            "throw new Error('top level'); export default () => 1",
            "null",
            ErrorKind::Exception
        ),
        "top level"
    );
    assert_eq!(
        fails(
            &engine,
            "module.exports = () => { throw { code: 42 } }",
            "null",
            ErrorKind::Exception
        ),
        r#"{"code":42}"#
    );
}

#[test]
fn compile_errors() {
    let engine = engine();
    fails(
        &engine,
        "export default function (",
        "null",
        ErrorKind::Compile,
    );
    fails(&engine, "", "null", ErrorKind::Compile);
    fails(&engine, "   \n ", "null", ErrorKind::Compile);
    fails(&engine, "export const x = 1", "null", ErrorKind::Compile);
    fails(&engine, "export default 42", "null", ErrorKind::Compile);
    fails(&engine, "module.exports = 5", "null", ErrorKind::Compile);
    fails(&engine, "const x = 1", "null", ErrorKind::Compile);
    fails(&engine, "module.exports = ) =>", "null", ErrorKind::Compile);
}

#[test]
fn output_errors() {
    let engine = engine();
    fails(
        &engine,
        "export default () => { const a = {}; a.a = a; return a }",
        "null",
        ErrorKind::Output,
    );
    fails(
        &engine,
        "export default () => 10n",
        "null",
        ErrorKind::Output,
    );
    fails(
        &engine,
        "export default () => ({ big: [1n] })",
        "null",
        ErrorKind::Output,
    );
    fails(
        &engine,
        "export default () => () => 1",
        "null",
        ErrorKind::Output,
    );
    fails(
        &engine,
        "export default () => Symbol('s')",
        "null",
        ErrorKind::Output,
    );
    fails(
        &engine,
        "export default () => ({ toJSON() { throw new Error('no') } })",
        "null",
        ErrorKind::Output,
    );
    fails(
        &engine,
        "export default () => ({ get x() { throw new Error('getter') } })",
        "null",
        ErrorKind::Output,
    );
    fails(
        &engine,
        "export default () => 'x'.repeat(2 * 1024 * 1024)",
        "null",
        ErrorKind::Output,
    );
}

#[test]
fn no_eval_or_function_constructor() {
    let engine = engine();
    let value = ok(
        &engine,
        "export default () => { const r = []; try { eval('1') ; r.push('eval ran') } catch (e) { r.push('no eval') } try { new Function('return 1')(); r.push('fn ran') } catch (e) { r.push('no Function') } return r }",
        "null",
    );
    assert_eq!(value, json!(["no eval", "no Function"]));
}

#[test]
fn eval_and_new_function_where_the_pool_allows_them() {
    let engine = engine_allowing_eval();
    let value = ok(
        &engine,
        "export default (x) => [eval('1 + x'), new Function('a', 'return a * 2')(x), (0, eval)('typeof globalThis')]",
        "20",
    );
    assert_eq!(value, json!([21, 40, "object"]));
    // Compiled code is the job's own: its limits hold.
    fails(
        &engine,
        "export default () => eval('for (;;) {}')",
        "null",
        ErrorKind::Timeout,
    );
    let message = fails(
        &engine,
        "module.exports = () => new Function('return (')",
        "null",
        ErrorKind::Exception,
    );
    assert!(
        message.contains("unexpected") || message.contains("expecting"),
        "{message}"
    );
}

#[test]
fn timers_and_microtasks() {
    let engine = engine();
    let code = "export default async () => { const order = []; setTimeout(() => order.push('t2'), 20); setTimeout(() => order.push('t1'), 5); queueMicrotask(() => order.push('m')); await new Promise(r => setTimeout(r, 30)); return order }";
    assert_eq!(ok(&engine, code, "null"), json!(["m", "t1", "t2"]));
    let code = "export default () => new Promise(r => { let n = 0; const id = setInterval(() => { if (++n === 3) { clearInterval(id); r(n) } }, 1) })";
    assert_eq!(ok(&engine, code, "null"), json!(3));
    let message = fails(
        &engine,
        "export default () => { setTimeout(() => { throw new Error('in timer') }, 1); return new Promise(() => {}) }",
        "null",
        ErrorKind::Exception,
    );
    assert_eq!(message, "in timer");
}

#[test]
fn absurd_timer_delays_behave_as_in_node() {
    // Delays that are not finite or do not fit 32 bits become 1 ms, as in Node.
    let engine = engine();
    for delay in ["Infinity", "1e300", "2 ** 53", "-5", "NaN", "'x'"] {
        let code =
            format!("export default () => new Promise(r => setTimeout(() => r('fired'), {delay}))");
        assert_eq!(ok(&engine, &code, "null"), json!("fired"), "delay {delay}");
    }
}

#[test]
fn top_level_await_waits_for_timers_before_the_export_is_called() {
    let engine = engine();
    let code = "const ready = await new Promise(r => setTimeout(() => r('warm'), 20)); export default (n) => [ready, n]";
    assert_eq!(ok(&engine, code, "7"), json!(["warm", 7]));
    let message = fails(
        &engine,
        "await new Promise(r => setTimeout(r, 5)); export const late = 1",
        "null",
        ErrorKind::Compile,
    );
    assert_eq!(message, "the module has no default export");
    let message = fails(
        &engine,
        "await new Promise(r => setTimeout(r, 5)); throw new Error('module failed')",
        "null",
        ErrorKind::Exception,
    );
    assert_eq!(message, "module failed");
    fails(
        &engine,
        "throw new Error('at once')",
        "null",
        ErrorKind::Exception,
    );
}

#[test]
fn the_standard_library_is_all_there() {
    let engine = engine();
    let code = "export default () => {
        const m = new Map([[1, 'a']]); const s = new Set([1, 1, 2]); const w = new WeakMap(); w.set({}, 1);
        const d = new Date(Date.UTC(2020, 0, 2));
        const p = new Proxy({}, { get: (_, k) => k + '!' });
        const t = new Float64Array([1.5]); const v = new DataView(new ArrayBuffer(4)); v.setInt16(0, 258);
        const r = new WeakRef(m);
        return [m.get(1), s.size, d.toISOString(), p.x, t[0], v.getUint8(1), typeof r.deref(), typeof Atomics,
                [1, 2, 3].map((x) => x * 2), /a(b)/.exec('xab')[1], JSON.parse('{\"k\":[1]}').k[0], typeof Symbol.iterator,
                'Map' in globalThis, typeof FinalizationRegistry, (async () => 1)() instanceof Promise];
    }";
    assert_eq!(
        ok(&engine, code, "null"),
        json!([
            "a",
            2,
            "2020-01-02T00:00:00.000Z",
            "x!",
            1.5,
            2,
            "object",
            "object",
            [2, 4, 6],
            "b",
            1,
            "symbol",
            true,
            "function",
            true
        ])
    );
}

#[test]
fn replacing_or_deleting_lazy_globals_is_safe() {
    let engine = engine();
    let code = "export default () => {
        globalThis.Map = 'mine'; delete globalThis.Uint8Array; Date = null;
        const bytes = new TextEncoder().encode('ok');
        return [Map, typeof Uint8Array, Date, bytes.length, Object.prototype.toString.call(bytes)];
    }";
    // The standard library's globals are own properties of the global object (made in
    // the snapshot): deleted, they are gone, as in Node. Built per job, they are made
    // on first use, and a deleted one is made again.
    let deleted = if snapshots() { "undefined" } else { "function" };
    assert_eq!(
        ok(&engine, code, "null"),
        json!(["mine", deleted, null, 2, "[object Uint8Array]"])
    );
    let code = "import { createHash } from 'crypto'; export default () => { delete globalThis.ArrayBuffer; return createHash('md5').update('').digest().length }";
    assert_eq!(ok(&engine, code, "null"), json!(16));
}

#[test]
fn undeclared_variables_are_reference_errors_and_globals_behave() {
    let engine = engine();
    let message = fails(
        &engine,
        "export default () => notDeclaredAnywhere + 1",
        "null",
        ErrorKind::Exception,
    );
    assert!(message.contains("notDeclaredAnywhere"), "{message}");
    let code = "export default () => {
        globalThis.URL = 'replaced'; globalThis.setTimeout = 5; globalThis.Date = 'd';
        return [URL, setTimeout, Date, typeof console.log, 'TextEncoder' in globalThis, typeof undeclared];
    }";
    assert_eq!(
        ok(&engine, code, "null"),
        json!(["replaced", 5, "d", "function", true, "undefined"])
    );
}

/// In runtimes built per job, globals (`URL`, `TextEncoder`, `Map`, ...) are made on
/// first use, once per job: the same value every time they are read, kept as ordinary
/// properties of the global object's prototype (so assigning one on the global object
/// shadows it); the other names stay unknown. In runtimes restored from a snapshot
/// every one is an own property of the global object from the start, and the global
/// object's prototype is `Object.prototype`, which has none of them.
#[test]
fn lazy_globals_are_made_once_and_then_ordinary_properties() {
    let engine = engine();
    let code = "import url from 'url'; export default () => {
        const lazy = Object.getPrototypeOf(globalThis);
        const own = (o, name) => Object.prototype.hasOwnProperty.call(o, name);
        const before = [own(lazy, 'URLSearchParams'), own(lazy, 'Map'), own(lazy, 'TextDecoder')];
        const same = [URL === URL, url.URL === URL, TextEncoder === globalThis.TextEncoder,
                      btoa === atob ? 'one' : 'two', Map === Map, Set === globalThis.Set];
        const after = [own(lazy, 'URL'), own(lazy, 'URLSearchParams'), own(lazy, 'Map'), own(lazy, 'WeakSet'),
                       own(lazy, 'TextDecoder'), own(globalThis, 'Map')];
        let listed = 0; for (const k in globalThis) if (k === 'Uint8Array') listed++;
        return [before, same, after, listed, typeof notAGlobal, 'Float16Array' in globalThis,
                new URL('https://a.example/x').pathname, new TextDecoder().decode(new TextEncoder().encode('h\\u00e9'))];
    }";
    let lazy = !snapshots();
    assert_eq!(
        ok(&engine, code, "null"),
        json!([
            // Asking the object itself counts as a lookup: the names are there.
            [lazy, lazy, lazy],
            [true, true, true, "two", true, true],
            [lazy, lazy, lazy, lazy, lazy, !lazy],
            0,
            "undefined",
            true,
            "/x",
            "h\u{e9}"
        ])
    );
}

/// Assigning, deleting and looking up lazy names in any order, on a global object
/// that may stop taking new properties, never recurses, duplicates a property or
/// brings back a deleted value; `host` stays out of reach even through setters on
/// `Object.prototype`.
#[test]
fn lazy_globals_under_assignment_deletion_and_frozen_globals() {
    let engine = engine();
    let code = "export default () => {
        const out = [];
        const t = (f) => { try { out.push(f()); } catch (e) { out.push(e.name); } };
        t(() => { Map = 1; return Map; });
        t(() => { delete globalThis.Map; return typeof Map; });
        t(() => { globalThis.setTimeout = 5; delete globalThis.setTimeout; return typeof setTimeout; });
        t(() => Object.getOwnPropertyNames(globalThis).filter((n) => n === 'Map').length);
        t(() => { Set; delete globalThis.Set; return typeof Set; });
        return out;
    }";
    // Deleted, a global is gone (as in Node) when it is an own property made in the
    // snapshot; made on first use, it comes again (an assigned one is the global
    // object's own, which shadowed the one made on first use).
    let deleted = if snapshots() { "undefined" } else { "function" };
    assert_eq!(
        ok(&engine, code, "null"),
        json!([1, deleted, deleted, 0, deleted])
    );
    // Built per job, QuickJS adds the standard library's names to the global object
    // only: one that takes no new properties gets none (an answer, not a crash).
    // Restored from a snapshot, they are there already. Warren's own names still come.
    let std_global = if snapshots() { "function" } else { "undefined" };
    for code in [
        "export default () => { Object.preventExtensions(globalThis); return [typeof Map, typeof Date, typeof URL, typeof console.log]; }",
        "export default () => { Object.freeze(globalThis); return [typeof Map, typeof Date, typeof URL, typeof console.log]; }",
    ] {
        assert_eq!(
            ok(&engine, code, "null"),
            json!([std_global, std_global, "function", "function"]),
            "{code}"
        );
    }
    let code = "export default () => {
        let leaked = null;
        for (const name of ['utf8Encode', 'urlParse', 'fetchStart', 'log', 'part']) {
            Object.defineProperty(Object.prototype, name, { set() { leaked = this; }, get() { leaked = this; }, configurable: true });
        }
        new TextEncoder().encode('x'); console.log('x'); new URL('https://a.example');
        return leaked === null;
    }";
    assert_eq!(ok(&engine, code, "null"), json!(true));
}

/// Job code can reach the object that makes lazy globals (the global object's
/// prototype, in runtimes built per job) and do anything to it: redefine, delete,
/// freeze, read descriptors. None of it breaks the job's context, and the next job
/// gets its own. In a restored runtime the same code meets `Object.prototype`.
#[test]
fn job_code_cannot_break_the_lazy_globals_object() {
    let engine = engine();
    let code = "export default () => {
        const lazy = Object.getPrototypeOf(globalThis);
        const out = [];
        const t = (f) => { try { out.push(f()); } catch (e) { out.push(e.name); } };
        t(() => typeof Object.getOwnPropertyDescriptor(lazy, 'Date').value);
        t(() => Object.defineProperty(lazy, 'Map', { value: 1 }) === lazy);
        t(() => typeof Map);
        t(() => delete lazy.WeakMap);
        t(() => 'Proxy' in lazy);
        t(() => Object.isFrozen(Object.freeze(lazy)));
        t(() => typeof Uint8Array);
        t(() => Object.getOwnPropertyDescriptor(lazy, 'btoa').value('hi'));
        t(() => notThere);
        return out;
    }";
    // Restored from a snapshot, every global is the global object's own property:
    // its prototype has none of them.
    let expected = if snapshots() {
        json!([
            "TypeError",
            true,
            "function",
            true,
            false,
            true,
            "function",
            "TypeError",
            "ReferenceError"
        ])
    } else {
        json!([
            "function",
            true,
            "number",
            true,
            true,
            true,
            "function",
            "aGk=",
            "ReferenceError"
        ])
    };
    assert_eq!(ok(&engine, code, "null"), expected);
    let code = "export default () => [typeof Map, typeof WeakMap, btoa('hi')]";
    assert_eq!(
        ok(&engine, code, "null"),
        json!(["function", "function", "aGk="])
    );
}

/// The object that makes lazy globals holds the prelude's host helpers for the parts
/// it loads: collections in between (several, past the GC threshold) keep them alive,
/// and parts loaded afterwards still work.
#[test]
fn lazy_globals_survive_garbage_collections() {
    let engine = engine();
    let code = "export default () => {
        console.log('before');
        let junk = [];
        for (let i = 0; i < 200000; i++) { junk.push({ i, s: 'x' + i }); if (junk.length > 1000) junk = []; }
        const bytes = new TextEncoder().encode('after');
        console.log(new TextDecoder().decode(bytes));
        return [bytes.length, typeof setTimeout, structuredClone({ a: [1] }).a[0]];
    }";
    let report = run(&engine, code, "null");
    let Outcome::Ok(value) = &report.run.outcome else {
        panic!("{:?}", report.run.outcome);
    };
    assert_eq!(value.get(), "[5,\"function\",1]");
    assert_eq!(
        logs(&report),
        vec![
            ("log".to_owned(), "before".to_owned()),
            ("log".to_owned(), "after".to_owned())
        ]
    );
}

/// Text that is not valid UTF-16 (a lone surrogate) crosses into the host as WHATWG
/// converts it, one U+FFFD each, and the job ends as it would have otherwise.
#[test]
fn lone_surrogates_cross_into_the_host_as_replacement_characters() {
    let engine = engine();
    let report = run(
        &engine,
        r"export default () => { console.log('\udc00'); console.warn({ a: 'x\ud800' }); console.log('%s!', '\udfff'); return 1 }",
        "null",
    );
    assert!(
        matches!(report.run.outcome, Outcome::Ok(_)),
        "{:?}",
        report.run.outcome
    );
    // Strings themselves carry U+FFFD; an inspected object shows the escape, as Node
    // does.
    let entries = logs(&report);
    assert_eq!(entries[0], ("log".into(), "\u{fffd}".into()));
    assert!(entries[1].1.contains("x\\ud800"), "{entries:?}");
    assert_eq!(entries[2], ("log".into(), "\u{fffd}!".into()));
    // The returned value.
    assert_eq!(
        ok(
            &engine,
            r"export default () => ['\udc00', 'a\ud800b', '\ud83d\ude00']",
            "null"
        ),
        json!(["\u{fffd}", "a\u{fffd}b", "😀"])
    );
    // What is thrown: an Error's message, name and stack, or any other value.
    let message = fails(
        &engine,
        r"export default () => { throw new Error('bad \udc00') }",
        "null",
        ErrorKind::Exception,
    );
    assert_eq!(message, "bad \u{fffd}");
    let message = fails(
        &engine,
        r"export default () => { throw '\ud800' }",
        "null",
        ErrorKind::Exception,
    );
    assert_eq!(message, "\u{fffd}");
    let report = run(
        &engine,
        r"export default () => { const e = new Error('m'); e.name = 'N\udc00'; throw e }",
        "null",
    );
    match report.run.outcome {
        Outcome::Error(error) => {
            assert_eq!(
                (error.kind, error.message.as_str()),
                (ErrorKind::Exception, "m")
            );
            assert!(error.stack.is_some_and(|s| s.starts_with("N\u{fffd}: m")));
        }
        other => panic!("expected an exception, got {other:?}"),
    }
    // Text codecs, URLs and hashes see U+FFFD, as in Node.
    assert_eq!(
        ok(
            &engine,
            r"import { createHash } from 'crypto';
              export default () => [
                Array.from(new TextEncoder().encode('\ud800')),
                new URL('https://example.com/\udc00').href,
                createHash('sha256').update('\udc00').digest('hex'),
              ]",
            "null"
        ),
        json!([
            [239, 191, 189],
            "https://example.com/%EF%BF%BD",
            "83d544ccc223c057d2bf80d3f2a32982c32c3c0db8e2674820da5064783fb097"
        ])
    );
}

/// A job's returned promise is awaited as `await` does (Node's `await fn()` calls no
/// `then` of it): no job can count a call, nor stall the host with a `then` that
/// never calls back.
#[test]
fn awaiting_the_returned_promise_is_not_observable() {
    let engine = engine();
    let counted = r"export default () => {
        let calls = 0;
        const then = Promise.prototype.then;
        Promise.prototype.then = function (...args) { calls++; return then.apply(this, args); };
        return new Promise((resolve) => setTimeout(() => resolve(calls), 5));
    }";
    let never = r"export default () => { Promise.prototype.then = function () {}; return Promise.resolve(7); }";
    // A value with a `then` getter (not enumerable, so serializing does not read it):
    // `await` reads it once, as in Node.
    let getter = r"export default () => {
        const value = { reads: 0 };
        Object.defineProperty(value, 'then', { get() { value.reads++; } });
        return value;
    }";
    assert_eq!(
        ok(&engine, getter, "null"),
        json!({ "reads": 1 }),
        "{getter}"
    );
    let script = getter.replace("export default", "module.exports =");
    assert_eq!(
        ok(&engine, &script, "null"),
        json!({ "reads": 1 }),
        "{script}"
    );
    for (code, expected) in [(counted, json!(0)), (never, json!(7))] {
        assert_eq!(ok(&engine, code, "null"), expected, "{code}");
        // A CommonJS script, and a module still waiting on a top-level await.
        let script = code.replace("export default", "module.exports =");
        assert_eq!(ok(&engine, &script, "null"), expected, "{script}");
        let waiting = format!("await new Promise((r) => setTimeout(r, 1));\n{code}");
        assert_eq!(ok(&engine, &waiting, "null"), expected, "{waiting}");
    }
}

#[test]
fn abort_controllers_and_events_behave_as_the_dom_defines_them() {
    let engine = engine();
    assert_eq!(
        ok(
            &engine,
            "export default async () => {
                const seen = [];
                const c = new AbortController();
                const s = c.signal;
                s.onabort = (e) => seen.push('on' + e.type);
                const once = () => seen.push('once');
                s.addEventListener('abort', once, { once: true });
                s.addEventListener('abort', once);
                s.addEventListener('abort', { handleEvent: (e) => seen.push(e.target === s) });
                const gone = () => seen.push('removed');
                s.addEventListener('abort', gone);
                s.removeEventListener('abort', gone);
                c.abort(); c.abort('again');
                let thrown; try { s.throwIfAborted() } catch (e) { thrown = e.name }
                const any = AbortSignal.any([new AbortController().signal, AbortSignal.abort('why')]);
                const t = AbortSignal.timeout(5);
                const timedOut = await new Promise((r) => t.addEventListener('abort', () => r(t.reason.name)));
                let illegal; try { new AbortSignal() } catch (e) { illegal = e.name }
                const target = new EventTarget(); const ev = new Event('x', { cancelable: true });
                target.addEventListener('x', (e) => e.preventDefault());
                return [seen, s.aborted, s.reason.name, thrown, any.reason, timedOut, illegal,
                    target.dispatchEvent(ev), ev.defaultPrevented, new DOMException('m', 'NotFoundError').code];
            }",
            "null"
        ),
        json!([
            ["onabort", "once", true],
            true,
            "AbortError",
            "AbortError",
            "why",
            "TimeoutError",
            "TypeError",
            false,
            true,
            8
        ])
    );
    // Hostile use: methods on the wrong objects, listeners that throw.
    assert_eq!(
        ok(
            &engine,
            "export default () => {
                const tries = [
                    () => AbortSignal.prototype.throwIfAborted.call({}),
                    () => EventTarget.prototype.dispatchEvent.call(new EventTarget(), {}),
                    () => Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted').get.call(new Proxy({}, {})),
                    () => AbortSignal.any([{}]),
                    () => AbortSignal.timeout(-1),
                    () => { const c = new AbortController(); c.signal.addEventListener('abort', () => { throw new RangeError('l') }); c.abort(); },
                ];
                return tries.map((f) => { try { f(); return 'ok' } catch (e) { return e.name } });
            }",
            "null"
        ),
        json!(["TypeError", "TypeError", "TypeError", "TypeError", "TypeError", "RangeError"])
    );
}

/// A job's report says how long it held its slot, which the pool's prefetch window
/// follows: all of a computing job's time, little of a job that waits on a timer.
#[test]
fn reports_the_time_a_job_held_its_slot() {
    let engine = engine();
    let computing = run(
        &engine,
        "export default () => { const end = Date.now() + 60; while (Date.now() < end); return 1 }",
        "null",
    );
    assert!(matches!(computing.run.outcome, Outcome::Ok(_)));
    // `Date.now()` counts whole milliseconds: the loop spins at least 59 ms.
    assert!(
        computing.run.busy >= std::time::Duration::from_millis(59),
        "busy {:?}, wall {:?}, outcome {:?}",
        computing.run.busy,
        computing.run.wall,
        computing.run.outcome
    );

    let waiting = run(
        &engine,
        "export default () => new Promise(r => setTimeout(() => r(1), 600))",
        "null",
    );
    assert!(matches!(waiting.run.outcome, Outcome::Ok(_)));
    assert!(waiting.run.wall >= std::time::Duration::from_millis(600));
    assert!(
        waiting.run.busy < std::time::Duration::from_millis(400),
        "a parked job holds no slot: busy {:?} of {:?}",
        waiting.run.busy,
        waiting.run.wall
    );
}
