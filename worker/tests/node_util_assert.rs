//! Node's `util`, `assert` and `assert/strict` modules, against the answers Node 20
//! gives to the same jobs; and what they do with hostile input.

mod common;

use common::*;
use serde_json::{Value, json};
use warren_wire::{ErrorKind, Outcome};
use warren_worker::sandbox::{Engine, PoolLimits};

/// Every name the jobs here import.
const MODULES: &[&str] = &[
    "util",
    "node:util",
    "assert",
    "node:assert",
    "assert/strict",
    "node:assert/strict",
];

fn engine_for_modules() -> Engine {
    engine_with(1, PoolLimits::default(), MODULES)
}

/// Node 20's answer to a job, as JSON text.
#[track_caller]
fn answer(json: &str) -> Value {
    serde_json::from_str(json).expect("the answer is JSON")
}

/// Runs a job that should succeed: its value and the logs it wrote.
#[track_caller]
fn ok_with_logs(engine: &Engine, code: &str) -> (Value, Vec<(String, String)>) {
    let report = run(engine, code, "null");
    let entries = logs(&report);
    match report.run.outcome {
        Outcome::Ok(value) => (
            serde_json::from_str(value.get()).expect("value is JSON"),
            entries,
        ),
        Outcome::Error(err) => panic!("expected ok, got {err:?}"),
    }
}

/// `inspect` on values of every kind: primitives and quoting, objects and classes,
/// collections, typed arrays, errors without stacks, getters, cycles, sparse arrays,
/// column layout of long arrays, line breaking, custom inspect hooks.
const INSPECT: &str = r#"import util from 'util';
export default () => {
  const noStack = (e) => { e.stack = ''; return e; };
  class Foo { constructor() { this.a = 1; } }
  class Bar extends Foo {}
  class MyError extends Error {}
  const circular = { name: 'c' };
  circular.self = circular;
  circular.list = [circular, { back: circular }];
  const values = [
    'text', "it's", 'both \' and "', 'all \' " `', 'a\nb\t\u0001\u007f', '\ud800', 42, -0, NaN, -Infinity, 10n, true, undefined, null,
    Symbol('s'), Symbol(), Symbol.iterator, [], [1, 'two', [3, [4, [5]]]], {}, { a: 1, 'b-c': 2, $d: 3, _e: 4, 5: 5, [Symbol('k')]: 6 },
    { l1: { l2: { l3: { l4: 'deep' } } } }, new Map([[1, { a: [1, 2] }], ['k', new Set([1])]]), new Set(), new Map(),
    Object.create(null), Object.assign(Object.create(null), { k: [1] }), new Foo(), new Bar(), Foo, Bar, class {},
    function named() {}, () => {}, async function af() {}, function* gen() {}, async function* agen() {},
    new Date(86400000), new Date(NaN), /a+b/gi, new Number(-0), new String('ab'), new Boolean(false), Object(3n), Object(Symbol('w')),
    new Uint8Array([1, 2, 255]), new Float64Array([0.5, -0]), new BigInt64Array([1n, -1n]), new ArrayBuffer(3), new DataView(new ArrayBuffer(2), 1),
    new WeakMap(), new WeakSet(), noStack(new Error('boom')), noStack(new TypeError('bad')), noStack(new MyError('mine')),
    Object.assign(noStack(new Error('x')), { code: 'E_CODE' }), noStack(new Error('wrapped', { cause: 'why' })), { nested: noStack(new RangeError('r')) },
    { get a() { throw new Error('never called'); }, set b(v) {}, get c() { return 1; }, set c(v) {} }, circular,
    [1, , 3], new Array(5), Object.assign([1, 2], { extra: true }), (function () { return arguments; })(1, 'a'),
    Array.from({ length: 30 }, (_, i) => i), Array.from({ length: 150 }, (_, i) => i * 7), Array.from({ length: 12 }, (_, i) => 'item' + i),
    { alpha: 'aaaaaaaaaaaaaaaa', beta: 'bbbbbbbbbbbbbbbbbbbb', gamma: 'cccccccccccccccccccc', delta: 1 }, 'long line '.repeat(12),
    'first line of text\nsecond line of text\nthird line of text\nfourth line of text\n', { s: 'x'.repeat(100) },
    { [Symbol.for('nodejs.util.inspect.custom')](depth, options) { return `custom at depth ${depth}`; } },
    { outer: { [util.inspect.custom]() { return { replaced: true }; } } }, Object.defineProperty({}, Symbol.toStringTag, { value: 'Tagged' }),
  ];
  return values.map((value) => util.inspect(value));
};"#;

/// `inspect`'s options, the legacy signature and `inspect.defaultOptions`.
const OPTIONS: &str = r#"import { inspect } from 'node:util';
export default () => {
  const value = { list: [1, 2, 3, 4], text: 'abcdefgh', nested: { a: { b: { c: { d: {} } } } }, map: new Map([['k', [1, 2]]]) };
  const options = [
    { depth: 0 }, { depth: 1 }, { depth: null }, { depth: Infinity }, { compact: false }, { compact: true }, { compact: 1 }, { breakLength: 20 },
    { breakLength: Infinity }, { sorted: true }, { maxArrayLength: 2 }, { maxArrayLength: 0 }, { maxStringLength: 3 }, { showHidden: true },
    { getters: true }, { numericSeparator: true }, { colors: false }, { customInspect: false },
  ];
  const getters = { get ok() { return { v: 1 }; }, get bad() { throw new Error('nope'); }, get nil() { return null; } };
  const custom = { [inspect.custom]: (depth, opts, insp) => `depth=${depth} compact=${opts.compact} same=${insp === inspect}` };
  const out = options.map((o) => [inspect(value, o), inspect(getters, o), inspect(custom, o), inspect([1234567.891, 10n ** 12n, -0], o)]);
  out.push(inspect(value, true, 0), inspect(value, false, null));
  const defaults = { ...inspect.defaultOptions };
  inspect.defaultOptions = { depth: 0 };
  out.push(inspect(value), inspect.defaultOptions.depth);
  inspect.defaultOptions = defaults;
  out.push(inspect(value), inspect.custom === Symbol.for('nodejs.util.inspect.custom'));
  return out;
};"#;

/// `format` and `formatWithOptions`, through `require`.
const FORMAT: &str = r#"const util = require('util');
module.exports = () => {
  class Point { constructor() { this.x = 1; } }
  class Named { toString() { return 'Named!'; } }
  const cycle = { a: 1 };
  cycle.self = cycle;
  return [
    util.format('%s=%d', 'a', 1), util.format('%s %s %s %s %s', { a: { b: { c: 1 } } }, [1, [2, [3]]], 1n, -0, Symbol('q')),
    util.format('%d %i %f', '3.7', '3.7', '3.7'), util.format('%d %i', 10n, Symbol()), util.format('%j', { a: [1, { b: 2 }] }), util.format('%j', cycle),
    util.format('%o', [1]), util.format('%O', { a: { b: { c: { d: 1 } } } }), util.format('%c%s', 'color: red', 'styled'), util.format('100%% %s', 'done'),
    util.format('%s %s', 'only'), util.format('%x %s', 'y'), util.format('no placeholders', { a: 1 }, [2], 'str', 3n), util.format(5, 'a', { b: 1 }),
    util.format(), util.format('%s', new Point()), util.format('%s', new Named()), util.format('%s', Object.create(null)), util.format('%s', null),
    util.format('%s', () => 1), util.format('trailing %'), util.format('%s:%s', 'a'), util.format({ a: { b: { c: { d: 1 } } } }),
    util.formatWithOptions({ compact: false }, '%O and %s', { a: 1 }, 'x'), util.formatWithOptions({ depth: 0 }, { a: { b: 1 } }),
  ];
};"#;

/// `isDeepStrictEqual` on pairs that are and are not equal.
const DEEP: &str = r#"import { isDeepStrictEqual } from 'util';
export default () => {
  const cycleA = { v: 1 }; cycleA.me = cycleA;
  const cycleB = { v: 1 }; cycleB.me = cycleB;
  const unrolled = { v: 1, me: { v: 1 } }; unrolled.me.me = unrolled;
  const other = { v: 2 }; other.me = other;
  const sym = Symbol('s');
  const pairs = [
    [{ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }], [{ a: 1 }, { a: '1' }], [Object.create(null), {}], [0, -0], [NaN, NaN], [[NaN], [NaN]],
    [[1, , 3], [1, undefined, 3]], [[1, 2], [1, 2, 3]], [Object.assign([1], { x: 1 }), [1]], [{ [sym]: 1 }, { [sym]: 1 }], [{ [sym]: 1 }, {}],
    [new Map([[{ k: 1 }, 'v'], [2, 'w']]), new Map([[2, 'w'], [{ k: 1 }, 'v']])], [new Map([[1, 'a']]), new Map([['1', 'a']])],
    [new Set([[1], [2]]), new Set([[2], [1]])], [new Set([1]), new Set(['1'])], [new Date(1), new Date(1)], [new Date(1), new Date(2)],
    [/a/g, /a/g], [/a/g, /a/i], [new Error('a'), new Error('a')], [new Error('a'), new TypeError('a')], [new Error('a', { cause: 1 }), new Error('a')],
    [new Uint8Array([1, 2]), new Uint8Array([1, 2])], [new Uint8Array([1, 2]), new Int8Array([1, 2])], [new ArrayBuffer(2), new ArrayBuffer(3)],
    [new String('a'), new String('a')], [new Number(1), 1], [new Number(NaN), new Number(NaN)], [cycleA, cycleB], [cycleA, unrolled], [cycleA, other],
    [() => {}, () => {}], [Symbol(), Symbol()], [new WeakMap(), new WeakMap()], [{ a: undefined }, {}], [class A {}, class A {}],
  ];
  return pairs.map(([a, b]) => isDeepStrictEqual(a, b));
};"#;

/// `util.types` on a sample of every kind, and the legacy `is…` helpers.
const TYPES: &str = r#"const util = require('node:util');
module.exports = () => {
  const t = util.types;
  const samples = {
    date: new Date(), regexp: /x/, map: new Map(), set: new Set(), weakMap: new WeakMap(), weakSet: new WeakSet(), promise: Promise.resolve(),
    u8: new Uint8Array(1), i8: new Int8Array(1), f64: new Float64Array(1), big64: new BigInt64Array(1), buffer: new ArrayBuffer(1),
    view: new DataView(new ArrayBuffer(1)), asyncFn: async () => {}, genFn: function* () {}, gen: (function* () {})(), boxed: new String(''),
    error: new TypeError('t'), errorLike: { name: 'Error', message: '' }, mapIter: new Map().keys(), setIter: new Set().values(),
    arrayIter: [].values(), args: (function () { return arguments; })(), plain: {}, array: [], string: 'x', nil: null,
  };
  const checks = ['isDate', 'isRegExp', 'isMap', 'isSet', 'isWeakMap', 'isWeakSet', 'isPromise', 'isTypedArray', 'isUint8Array', 'isInt8Array',
    'isFloat64Array', 'isBigInt64Array', 'isArrayBuffer', 'isAnyArrayBuffer', 'isSharedArrayBuffer', 'isDataView', 'isArrayBufferView',
    'isAsyncFunction', 'isGeneratorFunction', 'isGeneratorObject', 'isBoxedPrimitive', 'isStringObject', 'isNumberObject', 'isNativeError',
    'isMapIterator', 'isSetIterator', 'isArgumentsObject', 'isExternal'];
  const table = checks.map((check) => [check, Object.keys(samples).filter((name) => t[check](samples[name]))]);
  const legacy = ['isArray', 'isBoolean', 'isDate', 'isError', 'isFunction', 'isNull', 'isNullOrUndefined', 'isNumber', 'isObject', 'isPrimitive',
    'isRegExp', 'isString', 'isSymbol', 'isUndefined'].map((name) => [name, [[], true, new Date(), new Error(), () => {}, null, undefined, 1, {}, /x/, 's', Symbol()]
      .map((v) => util[name](v))]);
  return { table, legacy, isBuffer: [util.isBuffer(Buffer.alloc(1)), util.isBuffer(new Uint8Array(1))] };
};"#;

/// `promisify`, `callbackify`, `inherits`, `deprecate`, `debuglog` and the argument
/// errors.
const FUNCTIONS: &str = r#"import util, { promisify, callbackify, inherits, deprecate, debuglog } from 'util';
export default async () => {
  const out = {};
  function legacy(value, callback) { if (value < 0) callback(new RangeError('negative')); else callback(null, value * 2); }
  legacy.extra = 'kept';
  const p = promisify(legacy);
  out.promisified = [await p(21), await p(-1).catch((e) => `${e.name}: ${e.message}`), p.name, p.length, p.extra, promisify(p) === p];
  function custom() {}
  custom[promisify.custom] = () => 'custom';
  out.custom = [promisify(custom) === custom[promisify.custom], promisify.custom === Symbol.for('nodejs.util.promisify.custom')];
  out.thrower = await promisify(() => { throw new Error('sync'); })().catch((e) => e.message);
  const cb = callbackify(async (a, b) => a + b);
  out.callbackified = await new Promise((resolve) => cb(2, 3, (err, value) => resolve([err, value])));
  const falsy = callbackify(() => Promise.reject(0));
  out.falsy = await new Promise((resolve) => falsy((err) => resolve([err.message, err.code, err.reason])));
  const named = callbackify(async function fetchThing(x) {});
  out.names = [named.name, named.length];
  function Animal(name) { this.name = name; }
  Animal.prototype.speak = function () { return `${this.name} speaks`; };
  function Dog(name) { Animal.call(this, name); }
  inherits(Dog, Animal);
  out.inherits = [new Dog('rex').speak(), Dog.super_ === Animal, new Dog('a') instanceof Animal];
  const errors = [];
  for (const f of [() => promisify(5), () => callbackify('x'), () => inherits(Dog, null), () => inherits(Dog, {}), () => cb(1, 2), () => util.formatWithOptions(1)]) {
    try { f(); } catch (e) { errors.push([e.name, e.code, e.message]); }
  }
  out.errors = errors;
  const old = deprecate((x) => x + 1, 'old() is deprecated', 'DEP_TEST');
  out.deprecated = [old(1), old(2)];
  const log = debuglog('section');
  log('not printed');
  out.debuglog = [typeof log, log.enabled, util.debug === debuglog];
  return out;
};"#;

/// `TextEncoder`/`TextDecoder`, `toUSVString`, `stripVTControlCharacters`, `_extend`.
const STRINGS: &str = r#"const util = require('util');
module.exports = () => [
  util.TextEncoder === TextEncoder, util.TextDecoder === TextDecoder, Array.from(new util.TextEncoder().encode('hé')),
  util.toUSVString('a\ud800b\udc00c\ud83d\ude00').split('').map((c) => c.charCodeAt(0)),
  util.stripVTControlCharacters('\u001b[31mred\u001b[0m \u001b]8;;https://x\u0007link\u001b]8;;\u0007 \u001b[1;2;3mX'),
  util._extend({ a: 1 }, { b: 2 }), typeof require('node:util').inspect,
];"#;

/// `require('assert')`: the callable `ok` with every assertion, and `assert.strict`.
const ASSERT_SHAPE: &str = r#"const assert = require('assert');
const strict = require('assert/strict');
module.exports = () => {
  const names = (f) => Object.keys(f).filter((k) => k !== 'CallTracker').sort();
  return [typeof assert, assert.name, assert.ok === assert, names(assert), typeof assert.strict, assert.strict === strict,
    typeof require('node:assert'), require('node:assert/strict').equal.name, strict.strict === strict, strict.equal === assert.strictEqual,
    strict.deepEqual === assert.deepStrictEqual, strict.notEqual === assert.notStrictEqual, strict.notDeepEqual === assert.notDeepStrictEqual,
    names(strict), assert.AssertionError === strict.AssertionError, assert(true), assert.ok(1), strict(1)];
};"#;

/// What each failing assertion throws: class, code, message, fields.
const ASSERT_ERRORS: &str = r#"import assert, { AssertionError, strictEqual, deepStrictEqual } from 'node:assert';
export default () => {
  const fields = (f) => {
    try { f(); return 'no throw'; } catch (e) {
      return [e.name, e.code, e.message, e.generatedMessage, e.operator, e instanceof AssertionError, e instanceof Error,
        Object.keys(e), String(e).split('\n')[0], typeof e.actual === 'object' ? JSON.stringify(e.actual) : String(e.actual)];
    }
  };
  const list = (n) => Array.from({ length: n }, (_, i) => i);
  return [
    () => strictEqual(1, 2), () => strictEqual('a', 'b', 'custom'), () => strictEqual({ a: 1 }, { a: 1 }), () => strictEqual([1], [2]),
    () => strictEqual('hello world', 'hello there'), () => strictEqual(0, -0), () => strictEqual(1, '1'), () => strictEqual(1),
    () => assert.notStrictEqual(1, 1), () => assert.notStrictEqual('abcdef', 'abcdef'), () => assert.equal(1, 2), () => assert.equal(NaN, NaN),
    () => assert.notEqual(1, '1'), () => assert.deepEqual({ a: 1 }, { a: 2 }), () => assert.deepEqual({ a: 1 }, { a: '1' }),
    () => assert.notDeepEqual({ a: 1 }, { a: 1 }), () => assert.notDeepEqual([1, 2], ['1', 2]), () => deepStrictEqual({ a: 1 }, { a: 2 }),
    () => deepStrictEqual({ a: 1, b: 2, c: 3 }, { a: 1, b: 3, c: 3 }), () => deepStrictEqual({ a: 1 }, { a: 1, b: 2 }), () => deepStrictEqual(1, 2, 'custom'),
    () => deepStrictEqual([1, [2, [3]]], [1, [2, [4]]]), () => deepStrictEqual(list(30), [...list(29), 99]), () => deepStrictEqual({ a: Symbol() }, { a: Symbol() }),
    () => assert.notDeepStrictEqual({ a: 1 }, { a: 1 }), () => assert(false, 'explicit'), () => assert.ok(0, new TypeError('own error')), () => assert(),
    () => assert.fail(), () => assert.fail('boom'), () => assert.fail(1, 2), () => assert.ifError(new Error('e')), () => assert.ifError('str'), () => assert.ifError(null),
    () => assert.match('abc', /x/), () => assert.doesNotMatch('abc', /b/), () => assert.match(5, /x/), () => assert.match('x', 'x'),
    () => assert.throws(() => {}), () => assert.throws(() => {}, TypeError), () => assert.throws(() => { throw new Error('abc'); }, /xyz/),
    () => assert.throws(() => { throw new Error('abc'); }, { message: 'xyz' }), () => assert.throws(() => { throw new TypeError('x'); }, RangeError),
    () => assert.throws(() => { throw new Error('x'); }, function check() { return 5; }), () => assert.throws(() => { throw new Error('x'); }, 'x'),
    () => assert.throws(() => { throw new Error('abc'); }, { message: /b/, name: 'Error' }), () => assert.throws(() => { throw new TypeError('ok'); }, TypeError),
    () => assert.throws(5), () => assert.doesNotThrow(() => { throw new Error('x'); }, 'hmm'), () => assert.doesNotThrow(() => { throw new TypeError('x'); }, RangeError),
    () => assert.strict.equal(1, '1'), () => assert.strict.deepEqual({ a: 1 }, { a: '1' }),
    () => { throw new AssertionError({ actual: 1, expected: 2, operator: 'strictEqual' }); }, () => new AssertionError(5),
  ].map(fields);
};"#;

/// `rejects` and `doesNotReject`.
const ASSERT_ASYNC: &str = r#"const assert = require('node:assert');
module.exports = async () => {
  const settle = (p) => p.then(() => 'resolved', (e) => [e.name, e.code, e.message, e.operator]);
  return [
    await settle(assert.rejects(Promise.resolve(1))), await settle(assert.rejects(() => Promise.reject(new Error('r')), /zz/)),
    await settle(assert.rejects(async () => { throw new TypeError('t'); }, TypeError)), await settle(assert.rejects(() => 5)), await settle(assert.rejects(5)),
    await settle(assert.rejects(Promise.reject(new Error('r')), { message: 'r' })), await settle(assert.doesNotReject(Promise.reject(new Error('r')))),
    await settle(assert.doesNotReject(() => Promise.resolve(2))), await settle(assert.doesNotReject(Promise.reject(new Error('r')), 'why')),
  ];
};"#;

/// The `assert/strict` module, default and named imports.
const ASSERT_STRICT: &str = r#"import strict, { equal, deepEqual, AssertionError } from 'assert/strict';
import * as namespace from 'node:assert/strict';
export default () => {
  const caught = (f) => { try { f(); return 'no throw'; } catch (e) { return [e instanceof AssertionError, e.operator, e.message]; } };
  return [typeof strict, Object.keys(namespace).filter((k) => k !== 'CallTracker').sort(), caught(() => equal(1, '1')), caught(() => deepEqual([1], ['1'])), caught(() => strict(0, 'zero')),
    caught(() => strict.notEqual(2, 2)), caught(() => namespace.notDeepEqual({ a: 1 }, { a: 1 }))];
};"#;

/// Hostile input Node copes with: Proxies, getters that throw, 100 000-deep nesting,
/// cycles, detached buffers.
const HOSTILE: &str = r#"import util from 'node:util';
import assert from 'node:assert';
export default () => {
  const attempt = (f) => { try { return f(); } catch (e) { return `${e.name}: ${e.message}`; } };
  let deep = {};
  for (let i = 0; i < 100000; i++) deep = { a: deep };
  let deep2 = {};
  for (let i = 0; i < 100000; i++) deep2 = { a: deep2 };
  const cycle = { name: 'cycle' };
  cycle.self = cycle;
  cycle.map = new Map([[cycle, [cycle]]]);
  const cycle2 = { name: 'cycle' };
  cycle2.self = cycle2;
  cycle2.map = new Map([[cycle2, [cycle2]]]);
  const buffer = new ArrayBuffer(8);
  const view = new Uint8Array(buffer);
  // Node 20 has no ArrayBuffer.prototype.transfer; structuredClone detaches there.
  if (buffer.transfer) buffer.transfer(); else structuredClone(buffer, { transfer: [buffer] });
  return {
    proxy: util.inspect(new Proxy({ a: 1, list: [1, 2] }, {})),
    proxyArray: util.inspect(new Proxy([1, 2, 3], {})),
    throwingGetter: util.inspect({ get x() { throw new Error('never'); } }),
    throwingGetterCalled: util.inspect({ get x() { throw new Error('inside'); } }, { getters: true }),
    deepDefault: util.inspect(deep),
    deepEqualResult: attempt(() => util.isDeepStrictEqual(deep, deep2)),
    cycle: util.inspect(cycle),
    cycleEqual: util.isDeepStrictEqual(cycle, cycle2),
    detached: [util.inspect(buffer), util.inspect(view)],
    assertDeep: attempt(() => assert.deepStrictEqual(cycle, cycle2)),
  };
};"#;

/// Huge input: a million-item array, a 4-million-byte typed array, a 5-million-char
/// string, an array of length 2³² − 1.
const SIZES: &str = r#"import { inspect, format, isDeepStrictEqual } from 'util';
export default () => {
  const million = new Array(1e6).fill(7);
  const huge = 'x'.repeat(5e6);
  return {
    million: inspect(million).split('\n').slice(-3),
    millionEqual: isDeepStrictEqual(million.slice(0, 1e5), million.slice(0, 1e5)),
    typed: inspect(new Uint8Array(4e6)).split('\n').slice(-2),
    hugeString: inspect(huge).length,
    hugeInObject: inspect({ huge }).slice(-30),
    hugeFormat: format('%s|%d', huge, huge.length).length,
    sparse: inspect(new Array(2 ** 32 - 1)),
  };
};"#;

/// Hostile input where Warren, which cannot look inside a Proxy or a Promise as Node
/// does, answers differently: never a crash, and a trap's error propagates.
const HOSTILE_WARREN: &str = r#"import util from 'util';
import assert from 'assert';
export default () => {
  const attempt = (f) => { try { return f(); } catch (e) { return `${e.name}: ${e.message}`; } };
  let deep = {};
  for (let i = 0; i < 100000; i++) deep = { a: deep };
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  let loop;
  loop = new Proxy({}, { getPrototypeOf: () => loop });
  const trap = new Proxy({}, { get() { throw new Error('trap threw'); } });
  const buffer = new ArrayBuffer(8);
  const view = new Uint8Array(buffer);
  const dataView = new DataView(buffer);
  buffer.transfer();
  const deepString = attempt(() => util.inspect(deep, { depth: Infinity }));
  return {
    deepInfinity: [deepString.length > 1000, deepString.includes('Inspection interrupted prematurely. Maximum call stack size exceeded.')],
    revoked: attempt(() => util.inspect(proxy)),
    prototypeLoop: [util.inspect(loop), util.format('%s', loop), util.isDeepStrictEqual(loop, loop)],
    trap: attempt(() => util.inspect(trap)),
    trapEqual: attempt(() => util.isDeepStrictEqual(trap, {})),
    promise: util.inspect(Promise.resolve(1)),
    iterator: util.inspect(new Map([[1, 2]]).entries()),
    isProxy: util.types.isProxy(new Proxy({}, {})),
    detached: [util.isDeepStrictEqual(view, new Uint8Array(0)), util.isDeepStrictEqual(buffer, new ArrayBuffer(0)), attempt(() => util.inspect(dataView))],
    assertDeepNesting: attempt(() => assert.deepStrictEqual(deep, {})).split('\n')[0],
  };
};"#;

#[test]
fn inspect_prints_values_as_node_does() {
    let engine = engine_for_modules();
    assert_eq!(
        ok(&engine, INSPECT, "null"),
        answer(
            r##"["'text'","\"it's\"","`both ' and \"`","'all \\' \" `'","'a\\nb\\t\\x01\\x7F'","'\\ud800'","42","-0","NaN","-Infinity","10n","true","undefined","null","Symbol(s)","Symbol()","Symbol(Symbol.iterator)","[]","[ 1, 'two', [ 3, [ 4, [Array] ] ] ]","{}","{ '5': 5, a: 1, 'b-c': 2, '$d': 3, _e: 4, [Symbol(k)]: 6 }","{ l1: { l2: { l3: [Object] } } }","Map(2) { 1 => { a: [ 1, 2 ] }, 'k' => Set(1) { 1 } }","Set(0) {}","Map(0) {}","[Object: null prototype] {}","[Object: null prototype] { k: [ 1 ] }","Foo { a: 1 }","Bar { a: 1 }","[class Foo]","[class Bar extends Foo]","[class (anonymous)]","[Function: named]","[Function (anonymous)]","[AsyncFunction: af]","[GeneratorFunction: gen]","[AsyncGeneratorFunction: agen]","1970-01-02T00:00:00.000Z","Invalid Date","/a+b/gi","[Number: -0]","[String: 'ab']","[Boolean: false]","[BigInt: 3n]","[Symbol: Symbol(w)]","Uint8Array(3) [ 1, 2, 255 ]","Float64Array(2) [ 0.5, -0 ]","BigInt64Array(2) [ 1n, -1n ]","ArrayBuffer { [Uint8Contents]: <00 00 00>, byteLength: 3 }","DataView {\n  byteLength: 1,\n  byteOffset: 1,\n  buffer: ArrayBuffer { [Uint8Contents]: <00 00>, byteLength: 2 }\n}","WeakMap { <items unknown> }","WeakSet { <items unknown> }","[Error: boom]","[TypeError: bad]","[MyError: mine]","[Error: x] { code: 'E_CODE' }","[Error: wrapped] { [cause]: 'why' }","{ nested: [RangeError: r] }","{ a: [Getter], b: [Setter], c: [Getter/Setter] }","<ref *1> {\n  name: 'c',\n  self: [Circular *1],\n  list: [ [Circular *1], { back: [Circular *1] } ]\n}","[ 1, <1 empty item>, 3 ]","[ <5 empty items> ]","[ 1, 2, extra: true ]","[Arguments] { '0': 1, '1': 'a' }","[\n   0,  1,  2,  3,  4,  5,  6,  7,  8,\n   9, 10, 11, 12, 13, 14, 15, 16, 17,\n  18, 19, 20, 21, 22, 23, 24, 25, 26,\n  27, 28, 29\n]","[\n    0,   7,  14,  21,  28,  35,  42,  49,  56,  63,  70,  77,\n   84,  91,  98, 105, 112, 119, 126, 133, 140, 147, 154, 161,\n  168, 175, 182, 189, 196, 203, 210, 217, 224, 231, 238, 245,\n  252, 259, 266, 273, 280, 287, 294, 301, 308, 315, 322, 329,\n  336, 343, 350, 357, 364, 371, 378, 385, 392, 399, 406, 413,\n  420, 427, 434, 441, 448, 455, 462, 469, 476, 483, 490, 497,\n  504, 511, 518, 525, 532, 539, 546, 553, 560, 567, 574, 581,\n  588, 595, 602, 609, 616, 623, 630, 637, 644, 651, 658, 665,\n  672, 679, 686, 693,\n  ... 50 more items\n]","[\n  'item0',  'item1',\n  'item2',  'item3',\n  'item4',  'item5',\n  'item6',  'item7',\n  'item8',  'item9',\n  'item10', 'item11'\n]","{\n  alpha: 'aaaaaaaaaaaaaaaa',\n  beta: 'bbbbbbbbbbbbbbbbbbbb',\n  gamma: 'cccccccccccccccccccc',\n  delta: 1\n}","'long line long line long line long line long line long line long line long line long line long line long line long line '","'first line of text\\n' +\n  'second line of text\\n' +\n  'third line of text\\n' +\n  'fourth line of text\\n'","{\n  s: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'\n}","custom at depth 2","{ outer: { replaced: true } }","Object [Tagged] {}"]"##
        )
    );
}

#[test]
fn inspect_options_as_node_takes_them() {
    let engine = engine_for_modules();
    assert_eq!(
        ok(&engine, OPTIONS, "null"),
        answer(
            r##"[["{ list: [Array], text: 'abcdefgh', nested: [Object], map: [Map] }","{ ok: [Getter], bad: [Getter], nil: [Getter] }","depth=0 compact=3 same=true","[ 1234567.891, 1000000000000n, -0 ]"],["{\n  list: [ 1, 2, 3, 4 ],\n  text: 'abcdefgh',\n  nested: { a: [Object] },\n  map: Map(1) { 'k' => [Array] }\n}","{ ok: [Getter], bad: [Getter], nil: [Getter] }","depth=1 compact=3 same=true","[ 1234567.891, 1000000000000n, -0 ]"],["{\n  list: [ 1, 2, 3, 4 ],\n  text: 'abcdefgh',\n  nested: {\n    a: { b: { c: { d: {} } } }\n  },\n  map: Map(1) { 'k' => [ 1, 2 ] }\n}","{ ok: [Getter], bad: [Getter], nil: [Getter] }","depth=null compact=3 same=true","[ 1234567.891, 1000000000000n, -0 ]"],["{\n  list: [ 1, 2, 3, 4 ],\n  text: 'abcdefgh',\n  nested: {\n    a: { b: { c: { d: {} } } }\n  },\n  map: Map(1) { 'k' => [ 1, 2 ] }\n}","{ ok: [Getter], bad: [Getter], nil: [Getter] }","depth=Infinity compact=3 same=true","[ 1234567.891, 1000000000000n, -0 ]"],["{\n  list: [\n    1,\n    2,\n    3,\n    4\n  ],\n  text: 'abcdefgh',\n  nested: {\n    a: {\n      b: [Object]\n    }\n  },\n  map: Map(1) {\n    'k' => [\n      1,\n      2\n    ]\n  }\n}","{\n  ok: [Getter],\n  bad: [Getter],\n  nil: [Getter]\n}","depth=2 compact=false same=true","[\n  1234567.891,\n  1000000000000n,\n  -0\n]"],["{ list: [ 1, 2, 3, 4 ],\n  text: 'abcdefgh',\n  nested: { a: { b: [Object] } },\n  map: Map(1) { 'k' => [ 1, 2 ] } }","{ ok: [Getter], bad: [Getter], nil: [Getter] }","depth=2 compact=true same=true","[ 1234567.891, 1000000000000n, -0 ]"],["{\n  list: [ 1, 2, 3, 4 ],\n  text: 'abcdefgh',\n  nested: {\n    a: { b: [Object] }\n  },\n  map: Map(1) {\n    'k' => [ 1, 2 ]\n  }\n}","{ ok: [Getter], bad: [Getter], nil: [Getter] }","depth=2 compact=1 same=true","[ 1234567.891, 1000000000000n, -0 ]"],["{\n  list: [\n    1,\n    2,\n    3,\n    4\n  ],\n  text: 'abcdefgh',\n  nested: {\n    a: {\n      b: [Object]\n    }\n  },\n  map: Map(1) {\n    'k' => [\n      1,\n      2\n    ]\n  }\n}","{\n  ok: [Getter],\n  bad: [Getter],\n  nil: [Getter]\n}","depth=2 compact=3 same=true","[\n  1234567.891,\n  1000000000000n,\n  -0\n]"],["{ list: [ 1, 2, 3, 4 ], text: 'abcdefgh', nested: { a: { b: [Object] } }, map: Map(1) { 'k' => [ 1, 2 ] } }","{ ok: [Getter], bad: [Getter], nil: [Getter] }","depth=2 compact=3 same=true","[ 1234567.891, 1000000000000n, -0 ]"],["{\n  list: [ 1, 2, 3, 4 ],\n  map: Map(1) { 'k' => [ 1, 2 ] },\n  nested: { a: { b: [Object] } },\n  text: 'abcdefgh'\n}","{ bad: [Getter], nil: [Getter], ok: [Getter] }","depth=2 compact=3 same=true","[ 1234567.891, 1000000000000n, -0 ]"],["{\n  list: [ 1, 2, ... 2 more items ],\n  text: 'abcdefgh',\n  nested: { a: { b: [Object] } },\n  map: Map(1) { 'k' => [ 1, 2 ] }\n}","{ ok: [Getter], bad: [Getter], nil: [Getter] }","depth=2 compact=3 same=true","[ 1234567.891, 1000000000000n, ... 1 more item ]"],["{\n  list: [ ... 4 more items ],\n  text: 'abcdefgh',\n  nested: { a: { b: [Object] } },\n  map: Map(1) { ... 1 more item }\n}","{ ok: [Getter], bad: [Getter], nil: [Getter] }","depth=2 compact=3 same=true","[ ... 3 more items ]"],["{\n  list: [ 1, 2, 3, 4 ],\n  text: 'abc'... 5 more characters,\n  nested: { a: { b: [Object] } },\n  map: Map(1) { 'k' => [ 1, 2 ] }\n}","{ ok: [Getter], bad: [Getter], nil: [Getter] }","depth=2 compact=3 same=true","[ 1234567.891, 1000000000000n, -0 ]"],["{\n  list: [ 1, 2, 3, 4, [length]: 4 ],\n  text: 'abcdefgh',\n  nested: { a: { b: [Object] } },\n  map: Map(1) { 'k' => [ 1, 2, [length]: 2 ] }\n}","{ ok: [Getter], bad: [Getter], nil: [Getter] }","depth=2 compact=3 same=true","[ 1234567.891, 1000000000000n, -0, [length]: 3 ]"],["{\n  list: [ 1, 2, 3, 4 ],\n  text: 'abcdefgh',\n  nested: { a: { b: [Object] } },\n  map: Map(1) { 'k' => [ 1, 2 ] }\n}","{\n  ok: [Getter] { v: 1 },\n  bad: [Getter: <Inspection threw (nope)>],\n  nil: [Getter: null]\n}","depth=2 compact=3 same=true","[ 1234567.891, 1000000000000n, -0 ]"],["{\n  list: [ 1, 2, 3, 4 ],\n  text: 'abcdefgh',\n  nested: { a: { b: [Object] } },\n  map: Map(1) { 'k' => [ 1, 2 ] }\n}","{ ok: [Getter], bad: [Getter], nil: [Getter] }","depth=2 compact=3 same=true","[ 1_234_567.891, 1_000_000_000_000n, 0 ]"],["{\n  list: [ 1, 2, 3, 4 ],\n  text: 'abcdefgh',\n  nested: { a: { b: [Object] } },\n  map: Map(1) { 'k' => [ 1, 2 ] }\n}","{ ok: [Getter], bad: [Getter], nil: [Getter] }","depth=2 compact=3 same=true","[ 1234567.891, 1000000000000n, -0 ]"],["{\n  list: [ 1, 2, 3, 4 ],\n  text: 'abcdefgh',\n  nested: { a: { b: [Object] } },\n  map: Map(1) { 'k' => [ 1, 2 ] }\n}","{ ok: [Getter], bad: [Getter], nil: [Getter] }","{\n  [Symbol(nodejs.util.inspect.custom)]: [Function: [nodejs.util.inspect.custom]]\n}","[ 1234567.891, 1000000000000n, -0 ]"],"{ list: [Array], text: 'abcdefgh', nested: [Object], map: [Map] }","{\n  list: [ 1, 2, 3, 4 ],\n  text: 'abcdefgh',\n  nested: {\n    a: { b: { c: { d: {} } } }\n  },\n  map: Map(1) { 'k' => [ 1, 2 ] }\n}","{ list: [Array], text: 'abcdefgh', nested: [Object], map: [Map] }",0,"{\n  list: [ 1, 2, 3, 4 ],\n  text: 'abcdefgh',\n  nested: { a: { b: [Object] } },\n  map: Map(1) { 'k' => [ 1, 2 ] }\n}",true]"##
        )
    );
}

#[test]
fn format_as_node_does() {
    let engine = engine_for_modules();
    assert_eq!(
        ok(&engine, FORMAT, "null"),
        answer(
            r##"["a=1","{ a: [Object] } [ 1, [Array] ] 1n -0 Symbol(q)","3.7 3 3.7","10n NaN","{\"a\":[1,{\"b\":2}]}","[Circular]","[ 1, [length]: 1 ]","{ a: { b: { c: [Object] } } }","styled","100% done","only %s","%x y","no placeholders { a: 1 } [ 2 ] str 3n","5 a { b: 1 }","","Point { x: 1 }","Named!","[Object: null prototype] {}","null","() => 1","trailing %","a:%s","{ a: { b: { c: [Object] } } }","{\n  a: 1\n} and x","{ a: [Object] }"]"##
        )
    );
    assert_eq!(
        ok(
            &engine,
            "import { format } from 'node:util'; export default (input) => format('%s has %d items: %j', input.name, input.items.length, input.items)",
            r#"{"name":"cart","items":[1,"two"]}"#
        ),
        json!("cart has 2 items: [1,\"two\"]")
    );
    assert_eq!(
        ok(
            &engine,
            "import util, { format, inspect } from 'util'; export default () => [util.format === format, util.inspect === inspect, inspect.custom.toString()]",
            "null"
        ),
        json!([true, true, "Symbol(nodejs.util.inspect.custom)"])
    );
}

#[test]
fn is_deep_strict_equal_as_node_decides() {
    let engine = engine_for_modules();
    assert_eq!(
        ok(&engine, DEEP, "null"),
        answer(
            r##"[true,false,false,false,true,true,false,false,false,true,false,true,false,true,false,true,false,true,false,true,false,false,true,false,false,true,false,true,true,true,false,false,false,true,false,false]"##
        )
    );
}

#[test]
fn types_and_legacy_helpers_as_node_has_them() {
    let engine = engine_for_modules();
    assert_eq!(
        ok(&engine, TYPES, "null"),
        answer(
            r##"{"table":[["isDate",["date"]],["isRegExp",["regexp"]],["isMap",["map"]],["isSet",["set"]],["isWeakMap",["weakMap"]],["isWeakSet",["weakSet"]],["isPromise",["promise"]],["isTypedArray",["u8","i8","f64","big64"]],["isUint8Array",["u8"]],["isInt8Array",["i8"]],["isFloat64Array",["f64"]],["isBigInt64Array",["big64"]],["isArrayBuffer",["buffer"]],["isAnyArrayBuffer",["buffer"]],["isSharedArrayBuffer",[]],["isDataView",["view"]],["isArrayBufferView",["u8","i8","f64","big64","view"]],["isAsyncFunction",["asyncFn"]],["isGeneratorFunction",["genFn"]],["isGeneratorObject",["gen"]],["isBoxedPrimitive",["boxed"]],["isStringObject",["boxed"]],["isNumberObject",[]],["isNativeError",["error"]],["isMapIterator",["mapIter"]],["isSetIterator",["setIter"]],["isArgumentsObject",["args"]],["isExternal",[]]],"legacy":[["isArray",[true,false,false,false,false,false,false,false,false,false,false,false]],["isBoolean",[false,true,false,false,false,false,false,false,false,false,false,false]],["isDate",[false,false,true,false,false,false,false,false,false,false,false,false]],["isError",[false,false,false,true,false,false,false,false,false,false,false,false]],["isFunction",[false,false,false,false,true,false,false,false,false,false,false,false]],["isNull",[false,false,false,false,false,true,false,false,false,false,false,false]],["isNullOrUndefined",[false,false,false,false,false,true,true,false,false,false,false,false]],["isNumber",[false,false,false,false,false,false,false,true,false,false,false,false]],["isObject",[true,false,true,true,false,false,false,false,true,true,false,false]],["isPrimitive",[false,true,false,false,false,true,true,true,false,false,true,true]],["isRegExp",[false,false,false,false,false,false,false,false,false,true,false,false]],["isString",[false,false,false,false,false,false,false,false,false,false,true,false]],["isSymbol",[false,false,false,false,false,false,false,false,false,false,false,true]],["isUndefined",[false,false,false,false,false,false,true,false,false,false,false,false]]],"isBuffer":[true,false]}"##
        )
    );
}

#[test]
fn promisify_callbackify_inherits_and_deprecate() {
    let engine = engine_for_modules();
    let (value, entries) = ok_with_logs(&engine, FUNCTIONS);
    assert_eq!(
        value,
        answer(
            r##"{"promisified":[42,"RangeError: negative","legacy",2,"kept",true],"custom":[true,true],"thrower":"sync","callbackified":[null,5],"falsy":["Promise was rejected with falsy value","ERR_FALSY_VALUE_REJECTION",0],"names":["fetchThingCallbackified",2],"inherits":["rex speaks",true,true],"errors":[["TypeError","ERR_INVALID_ARG_TYPE","The \"original\" argument must be of type function. Received type number (5)"],["TypeError","ERR_INVALID_ARG_TYPE","The \"original\" argument must be of type function. Received type string ('x')"],["TypeError","ERR_INVALID_ARG_TYPE","The \"superCtor\" argument must be of type function. Received null"],["TypeError","ERR_INVALID_ARG_TYPE","The \"superCtor.prototype\" property must be of type object. Received undefined"],["TypeError","ERR_INVALID_ARG_TYPE","The last argument must be of type function. Received type number (2)"],["TypeError","ERR_INVALID_ARG_TYPE","The \"inspectOptions\" argument must be of type object. Received type number (1)"]],"deprecated":[2,3],"debuglog":["function",false,true]}"##
        )
    );
    // Node writes the warning to stderr; a job's goes to its error log, once.
    assert_eq!(
        entries,
        vec![(
            "error".to_owned(),
            "(node) [DEP_TEST] DeprecationWarning: old() is deprecated".to_owned()
        )]
    );
}

#[test]
fn text_and_string_helpers() {
    let engine = engine_for_modules();
    assert_eq!(
        ok(&engine, STRINGS, "null"),
        answer(
            r##"[true,true,[104,195,169],[97,65533,98,65533,99,55357,56832],"red link X",{"a":1,"b":2},"function"]"##
        )
    );
}

#[test]
fn assert_is_callable_with_every_assertion() {
    let engine = engine_for_modules();
    assert_eq!(
        ok(&engine, ASSERT_SHAPE, "null"),
        answer(
            r##"["function","ok",true,["AssertionError","deepEqual","deepStrictEqual","doesNotMatch","doesNotReject","doesNotThrow","equal","fail","ifError","match","notDeepEqual","notDeepStrictEqual","notEqual","notStrictEqual","ok","rejects","strict","strictEqual","throws"],"function",true,"function","strictEqual",true,true,true,true,true,["AssertionError","deepEqual","deepStrictEqual","doesNotMatch","doesNotReject","doesNotThrow","equal","fail","ifError","match","notDeepEqual","notDeepStrictEqual","notEqual","notStrictEqual","ok","rejects","strict","strictEqual","throws"],true,null,null,null]"##
        )
    );
}

#[test]
fn assertion_errors_read_as_nodes() {
    let engine = engine_for_modules();
    assert_eq!(
        ok(&engine, ASSERT_ERRORS, "null"),
        answer(
            r##"[["AssertionError","ERR_ASSERTION","Expected values to be strictly equal:\n\n1 !== 2\n",true,"strictEqual",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:","1"],["AssertionError","ERR_ASSERTION","custom\n\n'a' !== 'b'\n",false,"strictEqual",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: custom","a"],["AssertionError","ERR_ASSERTION","Values have same structure but are not reference-equal:\n\n{\n  a: 1\n}\n",true,"strictEqual",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: Values have same structure but are not reference-equal:","{\"a\":1}"],["AssertionError","ERR_ASSERTION","Expected \"actual\" to be reference-equal to \"expected\":\n+ actual - expected\n\n  [\n+   1\n-   2\n  ]",true,"strictEqual",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: Expected \"actual\" to be reference-equal to \"expected\":","[1]"],["AssertionError","ERR_ASSERTION","Expected values to be strictly equal:\n+ actual - expected\n\n+ 'hello world'\n- 'hello there'\n         ^",true,"strictEqual",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:","hello world"],["AssertionError","ERR_ASSERTION","Expected values to be strictly equal:\n+ actual - expected\n\n+ 0\n- -0",true,"strictEqual",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:","0"],["AssertionError","ERR_ASSERTION","Expected values to be strictly equal:\n\n1 !== '1'\n",true,"strictEqual",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:","1"],["TypeError","ERR_MISSING_ARGS","The \"actual\" and \"expected\" arguments must be specified",null,null,false,true,["code"],"TypeError [ERR_MISSING_ARGS]: The \"actual\" and \"expected\" arguments must be specified","undefined"],["AssertionError","ERR_ASSERTION","Expected \"actual\" to be strictly unequal to: 1",true,"notStrictEqual",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: Expected \"actual\" to be strictly unequal to: 1","1"],["AssertionError","ERR_ASSERTION","Expected \"actual\" to be strictly unequal to:\n\n'abcdef'",true,"notStrictEqual",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: Expected \"actual\" to be strictly unequal to:","abcdef"],["AssertionError","ERR_ASSERTION","1 == 2",true,"==",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: 1 == 2","1"],"no throw",["AssertionError","ERR_ASSERTION","1 != '1'",true,"!=",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: 1 != '1'","1"],["AssertionError","ERR_ASSERTION","Expected values to be loosely deep-equal:\n\n{\n  a: 1\n}\n\nshould loosely deep-equal\n\n{\n  a: 2\n}",true,"deepEqual",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: Expected values to be loosely deep-equal:","{\"a\":1}"],"no throw",["AssertionError","ERR_ASSERTION","Expected \"actual\" not to be loosely deep-equal to:\n\n{\n  a: 1\n}",true,"notDeepEqual",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: Expected \"actual\" not to be loosely deep-equal to:","{\"a\":1}"],["AssertionError","ERR_ASSERTION","Expected values not to be loosely deep-equal:\n\n[\n  1,\n  2\n]\n\nshould not loosely deep-equal\n\n[\n  '1',\n  2\n]",true,"notDeepEqual",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: Expected values not to be loosely deep-equal:","[1,2]"],["AssertionError","ERR_ASSERTION","Expected values to be strictly deep-equal:\n+ actual - expected\n\n  {\n+   a: 1\n-   a: 2\n  }",true,"deepStrictEqual",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: Expected values to be strictly deep-equal:","{\"a\":1}"],["AssertionError","ERR_ASSERTION","Expected values to be strictly deep-equal:\n+ actual - expected\n\n  {\n    a: 1,\n+   b: 2,\n-   b: 3,\n    c: 3\n  }",true,"deepStrictEqual",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: Expected values to be strictly deep-equal:","{\"a\":1,\"b\":2,\"c\":3}"],["AssertionError","ERR_ASSERTION","Expected values to be strictly deep-equal:\n+ actual - expected\n\n  {\n    a: 1,\n-   b: 2\n  }",true,"deepStrictEqual",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: Expected values to be strictly deep-equal:","{\"a\":1}"],["AssertionError","ERR_ASSERTION","custom\n\n1 !== 2\n",false,"deepStrictEqual",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: custom","1"],["AssertionError","ERR_ASSERTION","Expected values to be strictly deep-equal:\n+ actual - expected\n\n  [\n    1,\n    [\n      2,\n      [\n+       3\n-       4\n      ]\n    ]\n  ]",true,"deepStrictEqual",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: Expected values to be strictly deep-equal:","[1,[2,[3]]]"],["AssertionError","ERR_ASSERTION","Expected values to be strictly deep-equal:\n+ actual - expected ... Lines skipped\n\n  [\n    0,\n...\n    27,\n    28,\n+   29\n-   99\n  ]",true,"deepStrictEqual",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: Expected values to be strictly deep-equal:","[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29]"],["AssertionError","ERR_ASSERTION","Values have same structure but are not reference-equal:\n\n{\n  a: Symbol()\n}\n",true,"deepStrictEqual",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: Values have same structure but are not reference-equal:","{}"],["AssertionError","ERR_ASSERTION","Expected \"actual\" not to be strictly deep-equal to:\n\n{\n  a: 1\n}\n",true,"notDeepStrictEqual",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: Expected \"actual\" not to be strictly deep-equal to:","{\"a\":1}"],["AssertionError","ERR_ASSERTION","explicit",false,"==",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: explicit","false"],["TypeError",null,"own error",null,null,false,true,[],"TypeError: own error","undefined"],["AssertionError","ERR_ASSERTION","No value argument passed to `assert.ok()`",true,"==",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: No value argument passed to `assert.ok()`","undefined"],["AssertionError","ERR_ASSERTION","Failed",true,"fail",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: Failed","undefined"],["AssertionError","ERR_ASSERTION","boom",false,"fail",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: boom","undefined"],["AssertionError","ERR_ASSERTION","1 != 2",true,"!=",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: 1 != 2","1"],["AssertionError","ERR_ASSERTION","ifError got unwanted exception: e",false,"ifError",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: ifError got unwanted exception: e","{}"],["AssertionError","ERR_ASSERTION","ifError got unwanted exception: 'str'",false,"ifError",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: ifError got unwanted exception: 'str'","str"],"no throw",["AssertionError","ERR_ASSERTION","The input did not match the regular expression /x/. Input:\n\n'abc'\n",true,"match",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: The input did not match the regular expression /x/. Input:","abc"],["AssertionError","ERR_ASSERTION","The input was expected to not match the regular expression /b/. Input:\n\n'abc'\n",true,"doesNotMatch",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: The input was expected to not match the regular expression /b/. Input:","abc"],["AssertionError","ERR_ASSERTION","The \"string\" argument must be of type string. Received type number (5)",true,"match",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: The \"string\" argument must be of type string. Received type number (5)","5"],["TypeError","ERR_INVALID_ARG_TYPE","The \"regexp\" argument must be an instance of RegExp. Received type string ('x')",null,null,false,true,["code"],"TypeError [ERR_INVALID_ARG_TYPE]: The \"regexp\" argument must be an instance of RegExp. Received type string ('x')","undefined"],["AssertionError","ERR_ASSERTION","Missing expected exception.",false,"throws",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: Missing expected exception.","undefined"],["AssertionError","ERR_ASSERTION","Missing expected exception (TypeError).",false,"throws",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: Missing expected exception (TypeError).","undefined"],["AssertionError","ERR_ASSERTION","The input did not match the regular expression /xyz/. Input:\n\n'Error: abc'\n",true,"throws",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: The input did not match the regular expression /xyz/. Input:","{}"],["AssertionError","ERR_ASSERTION","Expected values to be strictly deep-equal:\n+ actual - expected\n\n  Comparison {\n+   message: 'abc'\n-   message: 'xyz'\n  }",true,"throws",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: Expected values to be strictly deep-equal:","{}"],["AssertionError","ERR_ASSERTION","The error is expected to be an instance of \"RangeError\". Received \"TypeError\"\n\nError message:\n\nx",true,"throws",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: The error is expected to be an instance of \"RangeError\". Received \"TypeError\"","{}"],["AssertionError","ERR_ASSERTION","The \"check\" validation function is expected to return \"true\". Received 5\n\nCaught error:\n\nError: x",true,"throws",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: The \"check\" validation function is expected to return \"true\". Received 5","{}"],["TypeError","ERR_AMBIGUOUS_ARGUMENT","The \"error/message\" argument is ambiguous. The error message \"x\" is identical to the message.",null,null,false,true,["code"],"TypeError [ERR_AMBIGUOUS_ARGUMENT]: The \"error/message\" argument is ambiguous. The error message \"x\" is identical to the message.","undefined"],"no throw","no throw",["TypeError","ERR_INVALID_ARG_TYPE","The \"fn\" argument must be of type function. Received type number (5)",null,null,false,true,["code"],"TypeError [ERR_INVALID_ARG_TYPE]: The \"fn\" argument must be of type function. Received type number (5)","undefined"],["AssertionError","ERR_ASSERTION","Got unwanted exception: hmm\nActual message: \"x\"",false,"doesNotThrow",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: Got unwanted exception: hmm","{}"],["TypeError",null,"x",null,null,false,true,[],"TypeError: x","undefined"],["AssertionError","ERR_ASSERTION","Expected values to be strictly equal:\n\n1 !== '1'\n",true,"strictEqual",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:","1"],["AssertionError","ERR_ASSERTION","Expected values to be strictly deep-equal:\n+ actual - expected\n\n  {\n+   a: 1\n-   a: '1'\n  }",true,"deepStrictEqual",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: Expected values to be strictly deep-equal:","{\"a\":1}"],["AssertionError","ERR_ASSERTION","Expected values to be strictly equal:\n\n1 !== 2\n",true,"strictEqual",true,true,["generatedMessage","code","actual","expected","operator"],"AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:","1"],["TypeError","ERR_INVALID_ARG_TYPE","The \"options\" argument must be of type object. Received type number (5)",null,null,false,true,["code"],"TypeError [ERR_INVALID_ARG_TYPE]: The \"options\" argument must be of type object. Received type number (5)","undefined"]]"##
        )
    );
}

#[test]
fn rejects_and_does_not_reject() {
    let engine = engine_for_modules();
    assert_eq!(
        ok(&engine, ASSERT_ASYNC, "null"),
        answer(
            r##"[["AssertionError","ERR_ASSERTION","Missing expected rejection.","rejects"],["AssertionError","ERR_ASSERTION","The input did not match the regular expression /zz/. Input:\n\n'Error: r'\n","rejects"],"resolved",["TypeError","ERR_INVALID_RETURN_VALUE","Expected instance of Promise to be returned from the \"promiseFn\" function but got type number (5).",null],["TypeError","ERR_INVALID_ARG_TYPE","The \"promiseFn\" argument must be of type function or an instance of Promise. Received type number (5)",null],"resolved",["AssertionError","ERR_ASSERTION","Got unwanted rejection.\nActual message: \"r\"","doesNotReject"],"resolved",["AssertionError","ERR_ASSERTION","Got unwanted rejection: why\nActual message: \"r\"","doesNotReject"]]"##
        )
    );
}

#[test]
fn assert_strict_module() {
    let engine = engine_for_modules();
    assert_eq!(
        ok(&engine, ASSERT_STRICT, "null"),
        answer(
            r##"["function",["AssertionError","deepEqual","deepStrictEqual","default","doesNotMatch","doesNotReject","doesNotThrow","equal","fail","ifError","match","notDeepEqual","notDeepStrictEqual","notEqual","notStrictEqual","ok","rejects","strict","strictEqual","throws"],[true,"strictEqual","Expected values to be strictly equal:\n\n1 !== '1'\n"],[true,"deepStrictEqual","Expected values to be strictly deep-equal:\n+ actual - expected\n\n  [\n+   1\n-   '1'\n  ]"],[true,"==","zero"],[true,"notStrictEqual","Expected \"actual\" to be strictly unequal to: 2"],[true,"notDeepStrictEqual","Expected \"actual\" not to be strictly deep-equal to:\n\n{\n  a: 1\n}\n"]]"##
        )
    );
}

#[test]
fn a_failed_assertion_fails_the_job() {
    let engine = engine_for_modules();
    assert_eq!(
        fails(
            &engine,
            "import assert from 'assert'; export default () => assert.strictEqual(1, 2)",
            "null",
            ErrorKind::Exception
        ),
        "Expected values to be strictly equal:\n\n1 !== 2\n"
    );
    assert_eq!(
        fails(
            &engine,
            "const { deepStrictEqual } = require('node:assert/strict'); module.exports = async () => deepStrictEqual({ a: 1 }, { a: 2 })",
            "null",
            ErrorKind::Exception
        ),
        "Expected values to be strictly deep-equal:\n+ actual - expected\n\n  {\n+   a: 1\n-   a: 2\n  }"
    );
    // Node quotes the failing call from the source file; with no source to read, its
    // own fallback is what Warren shows.
    assert_eq!(
        fails(
            &engine,
            "const assert = require('assert'); module.exports = () => assert(0)",
            "null",
            ErrorKind::Exception
        ),
        "0 == true"
    );
}

#[test]
fn hostile_inputs_node_copes_with() {
    let engine = engine_for_modules();
    assert_eq!(
        ok(&engine, HOSTILE, "null"),
        answer(
            r##"{"proxy":"{ a: 1, list: [ 1, 2 ] }","proxyArray":"[ 1, 2, 3 ]","throwingGetter":"{ x: [Getter] }","throwingGetterCalled":"{ x: [Getter: <Inspection threw (inside)>] }","deepDefault":"{ a: { a: { a: [Object] } } }","deepEqualResult":"RangeError: Maximum call stack size exceeded","cycle":"<ref *1> {\n  name: 'cycle',\n  self: [Circular *1],\n  map: Map(1) { [Circular *1] => [ [Circular *1] ] }\n}","cycleEqual":true,"detached":["ArrayBuffer { (detached), byteLength: 0 }","Uint8Array(0) []"]}"##
        )
    );
}

#[test]
fn huge_inputs_stay_cheap() {
    let engine = engine_for_modules();
    assert_eq!(
        ok(&engine, SIZES, "null"),
        answer(
            r##"{"million":["  7, 7, 7, 7,","  ... 999900 more items","]"],"millionEqual":true,"typed":["  ... 3999900 more items","]"],"hugeString":10029,"hugeInObject":"'... 4990000 more characters\n}","hugeFormat":5000008,"sparse":"[ <4294967295 empty items> ]"}"##
        )
    );
}

#[test]
fn hostile_inputs_never_crash() {
    let engine = engine_for_modules();
    let value = ok(&engine, HOSTILE_WARREN, "null");
    // Too deep for the stack with `depth: Infinity`: printed as far as it goes.
    assert_eq!(value["deepInfinity"], json!([true, true]), "{value}");
    // Node shows `<Revoked Proxy>`; here every trap throws, and so does inspect.
    assert!(
        value["revoked"]
            .as_str()
            .is_some_and(|s| s.starts_with("TypeError: ")),
        "{value}"
    );
    // A Proxy whose prototype chain never ends is walked a bounded number of steps.
    assert_eq!(value["prototypeLoop"], json!(["{}", "{}", true]), "{value}");
    assert_eq!(value["trap"], json!("Error: trap threw"));
    assert_eq!(value["trapEqual"], json!("Error: trap threw"));
    // Without the engine's help a promise's state and an iterator's entries are unknown.
    assert_eq!(value["promise"], json!("Promise { <unknown> }"));
    assert_eq!(value["iterator"], json!("[Map Iterator] { <unknown> }"));
    assert_eq!(value["isProxy"], json!(false));
    // Node 20 throws comparing a detached view; here it equals an empty one. A
    // detached DataView's byteLength throws, in Node too.
    assert_eq!(value["detached"][0], json!(true), "{value}");
    assert_eq!(value["detached"][1], json!(true), "{value}");
    assert!(
        value["detached"][2]
            .as_str()
            .is_some_and(|s| s.starts_with("TypeError: ")),
        "{value}"
    );
    assert_eq!(
        value["assertDeepNesting"],
        json!("AssertionError: Expected values to be strictly deep-equal:")
    );
}
