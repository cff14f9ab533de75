//! Node's globals as jobs see them: `process` (and the `process` module),
//! `setImmediate`/`clearImmediate`, and `structuredClone`, against Node 20's answers.

mod common;

use common::*;
use serde_json::json;
use warren_wire::ErrorKind;
use warren_worker::sandbox::PoolLimits;

#[test]
fn process_describes_a_harmless_node_20() {
    let engine = engine();
    assert_eq!(
        ok(
            &engine,
            r"export default () => ({
                version: process.version, versions: process.versions, release: process.release,
                platform: process.platform, arch: process.arch, argv: process.argv, argv0: process.argv0,
                execArgv: process.execArgv, pid: process.pid, ppid: process.ppid, title: process.title,
                cwd: process.cwd(), umask: process.umask(), env: process.env, features: process.features,
                config: process.config, exitCode: process.exitCode === undefined,
                tty: [process.stdout.isTTY, process.stderr.isTTY, process.stdout.fd, process.stderr.fd],
                tag: Object.prototype.toString.call(process), same: globalThis.process === process,
                memory: process.memoryUsage(), rss: process.memoryUsage.rss(),
            })",
            "null"
        ),
        json!({
            "version": "v20.11.0", "versions": {"node": "20.11.0"}, "release": {"name": "node"},
            "platform": "linux", "arch": "x64", "argv": [], "argv0": "node", "execArgv": [],
            "pid": 1, "ppid": 0, "title": "warren", "cwd": "/", "umask": 18, "env": {},
            "features": {}, "config": {"variables": {}}, "exitCode": true,
            "tty": [false, false, 1, 2], "tag": "[object process]", "same": true,
            "memory": {"rss": 0, "heapTotal": 0, "heapUsed": 0, "external": 0, "arrayBuffers": 0},
            "rss": 0,
        })
    );
    // exitCode is the job's to set; the event methods take listeners and return process.
    assert_eq!(
        ok(
            &engine,
            r"module.exports = () => {
                process.exitCode = 3;
                const f = () => {};
                return [process.exitCode, process.on('exit', f) === process, process.once('x', f) === process,
                    process.off('exit', f) === process, process.removeAllListeners() === process,
                    process.emit('exit'), process.listeners('exit'), process.listenerCount('exit')];
            }",
            "null"
        ),
        json!([3, true, true, true, true, false, [], 0])
    );
}

#[test]
fn hrtime_and_uptime_count_the_job_in_milliseconds() {
    let engine = engine();
    let got = ok(
        &engine,
        r"export default () => {
            const start = process.hrtime();
            const big = process.hrtime.bigint();
            let monotonic = true;
            let last = process.hrtime.bigint();
            const until = Date.now() + 15;
            while (Date.now() < until) {
                const now = process.hrtime.bigint();
                if (now < last) monotonic = false;
                last = now;
            }
            const [s, ns] = process.hrtime(start);
            const later = process.hrtime();
            return {
                shape: [Array.isArray(start), start.length, start.every(Number.isInteger), start[1] < 1e9],
                big: typeof big, msResolution: big % 1000000n === 0n, monotonic,
                elapsedMs: s * 1e3 + ns / 1e6, notBefore: later[0] * 1e9 + later[1] >= start[0] * 1e9 + start[1],
                uptime: process.uptime(),
            };
        }",
        "null",
    );
    assert_eq!(got["shape"], json!([true, 2, true, true]));
    assert_eq!(got["big"], json!("bigint"));
    assert_eq!(got["msResolution"], json!(true));
    assert_eq!(got["monotonic"], json!(true));
    assert_eq!(got["notBefore"], json!(true));
    let elapsed = got["elapsedMs"].as_f64().expect("number");
    assert!((10.0..2_000.0).contains(&elapsed), "{elapsed}");
    let uptime = got["uptime"].as_f64().expect("number");
    assert!((0.0..5.0).contains(&uptime), "{uptime}");
    // Bad arguments fail as in Node.
    assert_eq!(
        ok(
            &engine,
            r"export default () => [5, [1]].map((bad) => { try { process.hrtime(bad) } catch (e) { return [e.name, e.code, e.message] } })",
            "null"
        ),
        json!([
            [
                "TypeError",
                "ERR_INVALID_ARG_TYPE",
                "The \"time\" argument must be an instance of Array. Received type number (5)"
            ],
            [
                "RangeError",
                "ERR_OUT_OF_RANGE",
                "The value of \"time\" is out of range. It must be 2. Received 1"
            ]
        ])
    );
}

#[test]
fn a_job_cannot_exit_or_reach_the_worker() {
    let engine = engine();
    assert_eq!(
        ok(
            &engine,
            r"export default () => ['exit', 'abort', 'kill', 'chdir', 'binding', 'reallyExit'].map((name) => {
                try { process[name](0); return 'returned' } catch (e) { return e.message }
            })",
            "null"
        ),
        json!([
            "process.exit() is not available in a Warren job",
            "process.abort() is not available in a Warren job",
            "process.kill() is not available in a Warren job",
            "process.chdir() is not available in a Warren job",
            "process.binding() is not available in a Warren job",
            "process.reallyExit() is not available in a Warren job"
        ])
    );
    assert_eq!(
        fails(
            &engine,
            "module.exports = () => { process.exit(1) }",
            "null",
            ErrorKind::Exception
        ),
        "process.exit() is not available in a Warren job"
    );
}

#[test]
fn each_job_starts_with_an_empty_env() {
    let engine = engine_with(1, PoolLimits::default(), &[]);
    assert_eq!(
        ok(
            &engine,
            "export default () => { process.env.SECRET = 'mine'; process.env.N = 1; return process.env }",
            "null"
        ),
        json!({"SECRET": "mine", "N": 1})
    );
    for _ in 0..3 {
        assert_eq!(
            ok(
                &engine,
                "export default () => [Object.keys(process.env), process.exitCode === undefined]",
                "null"
            ),
            json!([[], true])
        );
    }
}

#[test]
fn next_tick_queues_its_callback_with_its_arguments() {
    let engine = engine();
    // Node runs nextTick callbacks before promise jobs: here they are promise jobs in
    // order, so only their place before immediates and timers is Node's.
    let got = ok(
        &engine,
        r"export default async () => {
            const order = [];
            process.nextTick((a, b) => order.push(`tick${a}${b}`), 1, 2);
            Promise.resolve().then(() => order.push('then'));
            queueMicrotask(() => order.push('micro'));
            setImmediate(() => order.push('immediate'));
            setTimeout(() => order.push('timeout10'), 10);
            await new Promise((r) => setTimeout(r, 30));
            return order;
        }",
        "null",
    );
    let order: Vec<&str> = got
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    let mut first: Vec<&str> = order[..3].to_vec();
    first.sort_unstable();
    assert_eq!(first, ["micro", "then", "tick12"]);
    assert_eq!(order[3..], ["immediate", "timeout10"]);
    // As Node words it.
    assert_eq!(
        ok(
            &engine,
            r"export default () => [5, 'abc', null, undefined, {}, 1n].map((bad) => { try { process.nextTick(bad) } catch (e) { return [e.name, e.code, e.message] } })",
            "null"
        ),
        json!([
            [
                "TypeError",
                "ERR_INVALID_ARG_TYPE",
                "The \"callback\" argument must be of type function. Received type number (5)"
            ],
            [
                "TypeError",
                "ERR_INVALID_ARG_TYPE",
                "The \"callback\" argument must be of type function. Received type string ('abc')"
            ],
            [
                "TypeError",
                "ERR_INVALID_ARG_TYPE",
                "The \"callback\" argument must be of type function. Received null"
            ],
            [
                "TypeError",
                "ERR_INVALID_ARG_TYPE",
                "The \"callback\" argument must be of type function. Received undefined"
            ],
            [
                "TypeError",
                "ERR_INVALID_ARG_TYPE",
                "The \"callback\" argument must be of type function. Received an instance of Object"
            ],
            [
                "TypeError",
                "ERR_INVALID_ARG_TYPE",
                "The \"callback\" argument must be of type function. Received type bigint (1n)"
            ]
        ])
    );
}

#[test]
fn warnings_and_std_streams_are_console_lines() {
    let engine = engine();
    let report = run(
        &engine,
        r"export default () => {
            const wrote = process.stdout.write('out line\n');
            process.stdout.write('no newline');
            process.stderr.write(new Uint8Array([101, 114, 114, 10]));
            process.emitWarning('careful');
            process.emitWarning('old api', 'DeprecationWarning', 'DEP0001');
            process.emitWarning(new RangeError('as error'));
            process.emitWarning('with detail', { type: 'CustomWarning', code: 'C1', detail: 'more' });
            return wrote;
        }",
        "null",
    );
    assert_eq!(
        logs(&report),
        vec![
            ("log".into(), "out line".into()),
            ("log".into(), "no newline".into()),
            ("error".into(), "err".into()),
            ("warn".into(), "(node:1) Warning: careful".into()),
            (
                "warn".into(),
                "(node:1) [DEP0001] DeprecationWarning: old api".into()
            ),
            ("warn".into(), "(node:1) RangeError: as error".into()),
            (
                "warn".into(),
                "(node:1) [C1] CustomWarning: with detail\nmore".into()
            ),
        ]
    );
    assert_eq!(
        ok(
            &engine,
            r"export default () => [() => process.emitWarning(5), () => process.stdout.write(5)].map((f) => { try { f() } catch (e) { return [e.code, e.message] } })",
            "null"
        ),
        json!([
            [
                "ERR_INVALID_ARG_TYPE",
                "The \"warning\" argument must be of type string or an instance of Error. Received type number (5)"
            ],
            [
                "ERR_INVALID_ARG_TYPE",
                "The \"chunk\" argument must be of type string or an instance of Buffer or Uint8Array. Received type number (5)"
            ]
        ])
    );
}

#[test]
fn the_process_module_is_the_global() {
    let engine = engine_with(1, PoolLimits::default(), &["process", "node:process"]);
    assert_eq!(
        ok(
            &engine,
            "module.exports = () => [require('process') === process, require('node:process') === process, require('process').version]",
            "null"
        ),
        json!([true, true, "v20.11.0"])
    );
    assert_eq!(
        ok(
            &engine,
            r"import proc, { env, nextTick, version, platform, hrtime, cwd } from 'node:process';
              export default () => [proc === process, env === process.env, nextTick === process.nextTick,
                version, platform, hrtime === process.hrtime, cwd()]",
            "null"
        ),
        json!([true, true, true, "v20.11.0", "linux", true, "/"])
    );
    assert_eq!(
        ok(
            &engine,
            "import * as p from 'process'; export default () => [p.default === process, typeof p.emitWarning, typeof p.on]",
            "null"
        ),
        json!([true, "function", "function"])
    );
}

#[test]
fn set_immediate_runs_after_promise_jobs_and_before_later_timers() {
    let engine = engine();
    // Orders Node 20 gives.
    assert_eq!(
        ok(
            &engine,
            r"export default async () => {
                const order = [];
                setImmediate(() => order.push('imm1'));
                Promise.resolve().then(() => order.push('then'));
                setImmediate((x, y) => order.push(x + y), 'imm', 2);
                const c = setImmediate(() => order.push('cleared'));
                clearImmediate(c);
                clearImmediate(undefined);
                clearImmediate(null);
                setTimeout(() => order.push('t20'), 20);
                await new Promise((r) => setTimeout(r, 40));
                return order;
            }",
            "null"
        ),
        json!(["then", "imm1", "imm2", "t20"])
    );
    assert_eq!(
        ok(
            &engine,
            r"export default async () => {
                const order = [];
                setImmediate(() => {
                    order.push('a');
                    setImmediate(() => order.push('c'));
                    Promise.resolve().then(() => order.push('a-then'));
                });
                setImmediate(() => order.push('b'));
                await new Promise((r) => setTimeout(r, 20));
                return order;
            }",
            "null"
        ),
        json!(["a", "a-then", "b", "c"])
    );
    assert_eq!(
        ok(
            &engine,
            r"export default () => {
                const i = setImmediate(() => {});
                const r = [typeof i, i.hasRef(), i.unref() === i, i.ref() === i];
                clearImmediate(i);
                try { setImmediate(5) } catch (e) { r.push(e.name, e.code) }
                return r;
            }",
            "null"
        ),
        json!([
            "object",
            true,
            true,
            true,
            "TypeError",
            "ERR_INVALID_ARG_TYPE"
        ])
    );
}

#[test]
fn structured_clone_copies_every_cloneable_type() {
    let engine = engine();
    let cases: &[(&str, serde_json::Value)] = &[
        (
            "const r = structuredClone([-0, NaN, 1n, undefined, null, 'x', true, Infinity]);
             return [Object.is(r[0], -0), Number.isNaN(r[1]), typeof r[2], String(r[2]), r[3] === undefined, 3 in r, r[4], r[5], r[6], r[7] === Infinity]",
            json!([true, true, "bigint", "1", true, true, null, "x", true, true]),
        ),
        (
            "return [Object.is(structuredClone(-0), -0), String(structuredClone(5n)), structuredClone(undefined) === undefined, structuredClone(null), structuredClone('s')]",
            json!([true, "5", true, null, "s"]),
        ),
        (
            "const r = structuredClone([Object(1n), new Number(-0), new String('ab'), new Boolean(false)]);
             return r.map((x) => [typeof x, Object.prototype.toString.call(x), String(x.valueOf())]).concat([Object.is(r[1].valueOf(), -0)])",
            json!([["object", "[object BigInt]", "1"], ["object", "[object Number]", "0"], ["object", "[object String]", "ab"], ["object", "[object Boolean]", "false"], true]),
        ),
        (
            "const d = new Date(12345); d.x = 1; const c = structuredClone(d);
             return [c instanceof Date, c.getTime(), c !== d, c.x, Number.isNaN(structuredClone(new Date(NaN)).getTime())]",
            json!([true, 12345, true, null, true]),
        ),
        (
            "const r = /a+(b)/gimsuy; r.lastIndex = 4; r.x = 1; const c = structuredClone(r);
             return [c instanceof RegExp, c.source, c.flags, c.lastIndex, c.x]",
            json!([true, "a+(b)", "gimsuy", 0, null]),
        ),
        (
            "const k = { k: 1 }; const m = new Map([[k, new Set([k, 1])], ['s', k]]); m.x = 1; const c = structuredClone(m);
             const [ck, cs] = [...c][0];
             return [c instanceof Map, c.size, ck.k, cs instanceof Set, cs.has(ck), c.get('s') === ck, ck !== k, c.x]",
            json!([true, 2, 1, true, true, true, true, null]),
        ),
        (
            "const b = new ArrayBuffer(4); new Uint8Array(b).set([1, 2, 3, 4]); b.x = 1; const c = structuredClone(b);
             const r = new ArrayBuffer(4, { maxByteLength: 16 }); const rc = structuredClone(r);
             return [c instanceof ArrayBuffer, c !== b, [...new Uint8Array(c)], c.x, rc.resizable, rc.maxByteLength, rc.byteLength]",
            json!([true, true, [1, 2, 3, 4], null, true, 16, 4]),
        ),
        (
            "const b = new ArrayBuffer(8); const u = new Uint8Array(b, 2, 4); u.set([9, 8, 7, 6]); const d = new DataView(b, 1, 3);
             const f = new Float64Array(1); f[0] = -0; const c = structuredClone({ u, d, f, b });
             return [c.u.buffer === c.d.buffer, c.u.buffer === c.b, c.u.byteOffset, c.u.length, [...c.u], c.d instanceof DataView, c.d.byteOffset, c.d.byteLength, Object.is(c.f[0], -0), c.f.constructor.name]",
            json!([true, true, 2, 4, [9, 8, 7, 6], true, 1, 3, true, "Float64Array"]),
        ),
        (
            "return ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array', 'Float32Array', 'Float64Array']
               .map((n) => { const a = new globalThis[n](3); const c = structuredClone(a); return c.constructor.name === n && c.length === 3 && c.buffer !== a.buffer; })",
            json!([true, true, true, true, true, true, true, true, true, true, true]),
        ),
        (
            "const a = [1, , 3]; a.x = 'y'; a[-1] = 'neg'; const c = structuredClone(a);
             const s = []; s[100000] = 1; s[5] = 2; const sc = structuredClone(s);
             return [Array.isArray(c), c.length, 1 in c, c[2], c.x, c[-1], Object.keys(c), sc.length, Object.keys(sc)]",
            json!([true, 3, false, 3, "y", "neg", ["0", "2", "x", "-1"], 100001, ["5", "100000"]]),
        ),
        (
            "class P { constructor() { this.a = 1; } get g() { return 2; } } const c = structuredClone(new P());
             const n = Object.create(null); n.z = 1;
             const s = { [Symbol('s')]: 1, v: 2 }; Object.defineProperty(s, 'h', { value: 3 });
             const p = {}; Object.defineProperty(p, '__proto__', { value: 5, enumerable: true, writable: true, configurable: true }); const pc = structuredClone(p);
             return [c, Object.getPrototypeOf(c) === Object.prototype, Object.getPrototypeOf(structuredClone(n)) === Object.prototype, structuredClone(s),
               Object.getOwnPropertySymbols(structuredClone(s)).length, Object.keys(pc), Object.getPrototypeOf(pc) === Object.prototype, pc.__proto__]",
            json!([{"a": 1}, true, true, {"v": 2}, 0, ["__proto__"], true, 5]),
        ),
        (
            "let n = 0; const o = { get a() { n++; return { deep: n }; } }; const c = structuredClone(o);
             const m = { get a() { delete this.b; m.c = 1; return 1; }, b: 2 };
             return [c, Object.getOwnPropertyDescriptor(c, 'a').value !== undefined, n, Object.keys(structuredClone(m))]",
            json!([{"a": {"deep": 1}}, true, 1, ["a"]]),
        ),
        (
            "const e = new TypeError('m', { cause: { deep: 1 } }); e.extra = 1; const c = structuredClone(e);
             return [c.name, c.message, c.cause, c.extra, c.stack === e.stack, c instanceof TypeError, Object.getOwnPropertyNames(c).sort(), c.cause === e.cause]",
            json!(["TypeError", "m", {"deep": 1}, null, true, true, ["cause", "message", "stack"], false]),
        ),
        (
            "class MyErr extends RangeError { constructor(m) { super(m); this.name = 'MyErr'; } }
             const e3 = new Error('x'); e3.name = 'URIError'; const e5 = new Error('x'); e5.message = 5;
             const e6 = new Error('m'); Object.defineProperty(e6, 'message', { get() { return 'G'; } });
             return [structuredClone(new MyErr('q')).name, structuredClone(new MyErr('q')) instanceof RangeError, structuredClone(e3) instanceof URIError,
               Object.getOwnPropertyNames(structuredClone(new Error())).includes('message'), typeof structuredClone(e5).message, structuredClone(e6).message,
               structuredClone(new EvalError('e')).constructor.name, structuredClone(new ReferenceError('e')).name, structuredClone(new SyntaxError('e')).name]",
            json!(["Error", false, true, false, "string", "", "EvalError", "ReferenceError", "SyntaxError"]),
        ),
        (
            "const o = { n: 1 }; o.self = o; o.arr = [o, o]; const m = new Map(); m.set(m, o); o.m = m;
             const e = new RangeError('r'); o.errors = [e, e];
             const c = structuredClone(o);
             return [c.self === c, c.arr[0] === c, c.arr[1] === c, c.m.get(c.m) === c, c !== o, c.errors[0] === c.errors[1]]",
            json!([true, true, true, true, true, true]),
        ),
    ];
    for (body, expected) in cases {
        let code = format!("export default () => {{ {body} }}");
        assert_eq!(&ok(&engine, &code, "null"), expected, "{body}");
    }
}

#[test]
fn structured_clone_refuses_what_cannot_be_cloned() {
    let engine = engine();
    assert_eq!(
        ok(
            &engine,
            r"export default () => [
                () => 1, { a: { f() {} } }, Symbol('x'), [Symbol('x')], Object(Symbol()), new WeakMap(), { w: new WeakSet() },
                new WeakRef({}), new FinalizationRegistry(() => {}), Promise.resolve(), new SharedArrayBuffer(4),
              ].map((value) => { try { structuredClone(value); return 'cloned' } catch (e) { return [e instanceof DOMException, e.name, e.code] } })",
            "null"
        ),
        json!(vec![json!([true, "DataCloneError", 25]); 11])
    );
    // An object only claiming a kind is cloned as what it is; so is a tagged class.
    assert_eq!(
        ok(
            &engine,
            r"export default () => ['Promise', 'Date', 'Map', 'Uint8Array', 'Error', 'WeakMap']
                .map((tag) => structuredClone({ [Symbol.toStringTag]: tag, a: 1 }))
                .concat([structuredClone(new (class Foo { constructor() { this.x = 1 } get [Symbol.toStringTag]() { return 'Foo' } })())])",
            "null"
        ),
        json!([{"a": 1}, {"a": 1}, {"a": 1}, {"a": 1}, {"a": 1}, {"a": 1}, {"x": 1}])
    );
    // Arguments as Node checks them.
    assert_eq!(
        ok(
            &engine,
            r"export default () => [() => structuredClone(), () => structuredClone(1, 5), () => structuredClone(1, { transfer: 5 })]
                .map((f) => { try { f(); return 'returned' } catch (e) { return [e.name, e.code] } })
                .concat([[structuredClone(5, null), structuredClone(5, undefined), structuredClone(5, {}), structuredClone(5, { transfer: [] })]])",
            "null"
        ),
        json!([
            ["TypeError", "ERR_MISSING_ARGS"],
            ["TypeError", "ERR_INVALID_ARG_TYPE"],
            ["TypeError", "ERR_INVALID_ARG_TYPE"],
            [5, 5, 5, 5]
        ])
    );
}

/// Transfer-list errors are the HTML standard's DataCloneError (Node 20 throws a
/// TypeError for a non-buffer, and accepts a detached one).
#[test]
fn structured_clone_transfers_array_buffers() {
    let engine = engine();
    assert_eq!(
        ok(
            &engine,
            r"export default () => {
                const ab = new ArrayBuffer(4); const u = new Uint8Array(ab); u[0] = 7;
                const r = structuredClone({ u, ab }, { transfer: [ab] });
                const y = new ArrayBuffer(3);
                const alone = [structuredClone(1, { transfer: [y] }), y.byteLength, y.detached];
                const x = new ArrayBuffer(2);
                const errors = [() => structuredClone(1, { transfer: [x, x] }), () => structuredClone(1, { transfer: [{}] }), () => structuredClone(1, { transfer: [y] })]
                  .map((f) => { try { f(); return 'returned' } catch (e) { return [e.name, e.code] } });
                return [ab.byteLength, ab.detached, r.ab.byteLength, r.u[0], r.u.buffer === r.ab, u.length, alone, x.detached, errors];
            }",
            "null"
        ),
        json!([
            0,
            true,
            4,
            7,
            true,
            0,
            [1, 0, true],
            false,
            [
                ["DataCloneError", 25],
                ["DataCloneError", 25],
                ["DataCloneError", 25]
            ]
        ])
    );
}

#[test]
fn structured_clone_handles_depth_and_size() {
    let engine = engine();
    // Copied without recursion: 100 000 levels of objects, or of arrays, and deep
    // chains of maps, sets and error causes (Node 20 throws a RangeError on these).
    for (body, expected) in [
        (
            "let o = {}; const root = o; for (let i = 0; i < 100000; i++) o = o.n = {};
             let d = 0; for (let x = structuredClone(root); x.n; x = x.n) d++; return d;",
            json!(100000),
        ),
        (
            "let a = []; const root = a; for (let i = 0; i < 100000; i++) { const n = []; a.push(n); a = n; }
             let d = 0; for (let x = structuredClone(root); x.length; x = x[0]) d++; return d;",
            json!(100000),
        ),
        (
            "let a = []; const root = a; for (let i = 0; i < 20000; i++) { const n = []; a.push(new Map([['k', new Set([n])]])); a = n; }
             let e = new Error('0'); for (let i = 1; i < 1000; i++) e = new Error(String(i), { cause: e });
             let causes = 0; for (let x = structuredClone(e); x.cause; x = x.cause) causes++;
             let d = 0; for (let x = structuredClone(root); x.length; x = [...x[0].get('k')][0]) d++;
             return [d, causes];",
            json!([20000, 999]),
        ),
    ] {
        let code = format!("export default () => {{ {body} }}");
        assert_eq!(ok(&engine, &code, "null"), expected, "{body}");
    }
    assert_eq!(
        ok(
            &engine,
            r"export default () => {
                const a = Array.from({ length: 1e6 }, (_, i) => i);
                const start = Date.now();
                const c = structuredClone(a);
                const huge = []; huge.length = 2 ** 32 - 1; huge[7] = 'x';
                const h = structuredClone(huge);
                return [c.length, c[999999], c !== a, Date.now() - start < 3000, h.length, Object.keys(h)];
            }",
            "null"
        ),
        json!([1000000, 999999, true, true, 4294967295u64, ["7"]])
    );
}

#[test]
fn hostile_inputs() {
    let engine = engine();
    assert_eq!(
        ok(
            &engine,
            r"export default () => {
                const attempt = (f) => { try { return f() } catch (e) { return [e.name, e.message] } };
                const revocable = Proxy.revocable({}, {}); revocable.revoke();
                const detached = new ArrayBuffer(8); const view = new Uint8Array(detached); detached.transfer();
                return [
                    attempt(() => structuredClone({ get a() { throw new RangeError('boom') } })),
                    attempt(() => structuredClone(new Map([['k', { get v() { throw new Error('in map') } }]]))),
                    attempt(() => structuredClone(new Proxy({ a: 1, b: { c: 2 } }, {}))),
                    attempt(() => structuredClone(new Proxy([1, 2, 3], {}))),
                    attempt(() => structuredClone(new Proxy({}, { ownKeys: () => ['x', 'y'], getOwnPropertyDescriptor: () => ({ value: 1, enumerable: true, configurable: true }), get: (t, k) => `v${String(k)}` }))),
                    attempt(() => structuredClone(new Proxy({}, { ownKeys() { throw new Error('trap') } }))),
                    attempt(() => structuredClone(revocable.proxy)[0]),
                    attempt(() => structuredClone(detached)),
                    attempt(() => structuredClone(view)),
                    attempt(() => structuredClone(Object.defineProperty({ n: 1 }, 'toString', { value() { throw new Error('never called') } }))),
                    attempt(() => process.nextTick(new Proxy({}, {}))),
                    attempt(() => process.hrtime(new Proxy([0, 0], {})).length),
                ];
            }",
            "null"
        ),
        json!([
            ["RangeError", "boom"],
            ["Error", "in map"],
            {"a": 1, "b": {"c": 2}},
            [1, 2, 3],
            {"x": "vx", "y": "vy"},
            ["Error", "trap"],
            ["TypeError", "revoked proxy"],
            ["DataCloneError", "An ArrayBuffer is detached and could not be cloned."],
            ["DataCloneError", "An ArrayBuffer is detached and could not be cloned."],
            {"n": 1},
            [
                "TypeError",
                "The \"callback\" argument must be of type function. Received an instance of Object"
            ],
            2
        ])
    );
}
