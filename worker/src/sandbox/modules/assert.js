// The `assert` module: Node's assertions. The default export is `assert` itself,
// callable, with every assertion as a property, as `require('assert')` returns it.
// Failures throw `AssertionError`s worded as Node words them: the same first line,
// and below it a plainer line diff than Node's (`+ actual - expected`).
//
// Not here: `CallTracker` (deprecated in Node), `partialDeepStrictEqual`, and the
// source-reading message of `assert(false)`: with no source to quote, Node's
// fallback `false == true` is what is shown.

import { inspect, isDeepStrictEqual, types } from 'util';
import { describeReceived } from 'warren:node-errors';

const isDeepEqual = isDeepStrictEqual[Symbol.for('warren.util.isDeepLooseEqual')];

// ---- errors --------------------------------------------------------------------

// An error as Node's own are: a `code`, and the code in its string form.
function nodeError(Type, code, message) {
  const error = new Type(message);
  error.code = code;
  Object.defineProperty(error, 'toString', {
    value() { return `${this.name} [${this.code}]: ${this.message}`; },
    writable: true,
    configurable: true,
  });
  return error;
}

const invalidArgType = (name, expected, value) =>
  nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "${name}" argument must be ${expected}. Received ${describeReceived(value, inspect)}`);

// ---- messages ------------------------------------------------------------------

const kReadableOperator = {
  deepStrictEqual: 'Expected values to be strictly deep-equal:',
  strictEqual: 'Expected values to be strictly equal:',
  strictEqualObject: 'Expected "actual" to be reference-equal to "expected":',
  deepEqual: 'Expected values to be loosely deep-equal:',
  notDeepStrictEqual: 'Expected "actual" not to be strictly deep-equal to:',
  notStrictEqual: 'Expected "actual" to be strictly unequal to:',
  notStrictEqualObject: 'Expected "actual" not to be reference-equal to "expected":',
  notDeepEqual: 'Expected "actual" not to be loosely deep-equal to:',
  notIdentical: 'Values have same structure but are not reference-equal:',
  notDeepEqualUnequal: 'Expected values not to be loosely deep-equal:',
};

// Values this short, on one line each, are shown as `actual !== expected`.
const kMaxShortLength = 12;
// The most lines a diff or a listed value shows.
const kMaxLines = 50;
// A diff past this many cells (lines × lines) lists both sides whole instead.
const kMaxDiffCells = 1 << 20;

// How values are printed in messages: every level, sorted keys, getters called.
// Arrays stop at 10 000 items: a failure message should not outgrow the job's memory.
const inspectValue = (value) =>
  inspect(value, {
    compact: false,
    customInspect: false,
    depth: 1000,
    maxArrayLength: 10000,
    showHidden: false,
    showProxy: false,
    sorted: true,
    getters: true,
  });

const isObjectLike = (value) => typeof value === 'object' && value !== null;

// At most kMaxLines lines, the rest replaced by `...`.
function shortenLines(lines) {
  return lines.length > kMaxLines ? [...lines.slice(0, kMaxLines - 4), '...'] : lines;
}

// Whether two lines of inspected output are the same line, one of them perhaps with
// the comma that ends all but the last entry.
const sameLine = (a, b) => a === b || isWithComma(a, b) || isWithComma(b, a);
const isWithComma = (long, short) => long.length === short.length + 1 && long.endsWith(',') && long.startsWith(short);

// The edit script from `actual` to `expected` lines, as [' ' | '+' | '-', line]
// pairs: a longest common subsequence, changed lines grouped `+` before `-`.
function lineDiff(actual, expected) {
  let start = 0;
  while (start < actual.length && start < expected.length && sameLine(actual[start], expected[start])) start++;
  let endA = actual.length;
  let endE = expected.length;
  while (endA > start && endE > start && sameLine(actual[endA - 1], expected[endE - 1])) {
    endA--;
    endE--;
  }
  const common = (a, e) => [' ', a.length >= e.length ? a : e];
  const ops = [];
  for (let i = 0; i < start; i++) ops.push(common(actual[i], expected[i]));
  const middleA = actual.slice(start, endA);
  const middleE = expected.slice(start, endE);
  const n = middleA.length;
  const m = middleE.length;
  if (n > 0 && m > 0 && (n + 1) * (m + 1) <= kMaxDiffCells) {
    // lengths[i * (m + 1) + j]: the longest common subsequence of the suffixes.
    const lengths = new Uint32Array((n + 1) * (m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lengths[i * (m + 1) + j] = sameLine(middleA[i], middleE[j])
          ? lengths[(i + 1) * (m + 1) + j + 1] + 1
          : Math.max(lengths[(i + 1) * (m + 1) + j], lengths[i * (m + 1) + j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    let added = [];
    let removed = [];
    const flush = () => {
      for (const line of added) ops.push(['+', line]);
      for (const line of removed) ops.push(['-', line]);
      added = [];
      removed = [];
    };
    while (i < n || j < m) {
      if (i < n && j < m && sameLine(middleA[i], middleE[j])) {
        flush();
        ops.push(common(middleA[i++], middleE[j++]));
      } else if (j >= m || (i < n && lengths[(i + 1) * (m + 1) + j] >= lengths[i * (m + 1) + j + 1])) {
        added.push(middleA[i++]);
      } else {
        removed.push(middleE[j++]);
      }
    }
    flush();
  } else {
    for (const line of middleA) ops.push(['+', line]);
    for (const line of middleE) ops.push(['-', line]);
  }
  for (let i = endA, j = endE; i < actual.length; i++, j++) ops.push(common(actual[i], expected[j]));
  return ops;
}

// The diff shown, with Node's context: of a run of unchanged lines, at most the two
// after a change and the two before the next one, or the first and the last three
// when the run ends the output; longer runs are cut to `...`. Then at most kMaxLines
// lines in all.
function renderDiff(ops) {
  const lines = [];
  let skipped = false;
  let index = 0;
  while (index < ops.length) {
    if (ops[index][0] !== ' ') {
      lines.push(ops[index].join(' '));
      index++;
      continue;
    }
    let end = index;
    while (end < ops.length && ops[end][0] === ' ') end++;
    const run = ops.slice(index, end).map(([, line]) => `  ${line}`);
    if (end === ops.length && run.length >= 5) {
      lines.push(run[0], '...', ...run.slice(-3));
      skipped = true;
    } else if (end < ops.length && run.length > 5) {
      lines.push(...run.slice(0, 2), '...', ...run.slice(-2));
      skipped = true;
    } else {
      lines.push(...run);
    }
    index = end;
  }
  if (lines.length > kMaxLines) {
    lines.length = kMaxLines - 1;
    lines.push('...');
    skipped = true;
  }
  return { body: lines.join('\n'), skipped };
}

function createErrDiff(actual, expected, operator) {
  const actualLines = inspectValue(actual).split('\n');
  const expectedLines = inspectValue(expected).split('\n');
  if (operator === 'strictEqual' &&
      ((isObjectLike(actual) && isObjectLike(expected)) || (typeof actual === 'function' && typeof expected === 'function'))) {
    operator = 'strictEqualObject';
  }
  let indicator = '';
  if (actualLines.length === 1 && expectedLines.length === 1 && actualLines[0] !== expectedLines[0]) {
    const [a] = actualLines;
    const [e] = expectedLines;
    const inputLength = a.length + e.length;
    if (inputLength <= kMaxShortLength) {
      if (!isObjectLike(actual) && !isObjectLike(expected) && (actual !== 0 || expected !== 0)) {
        return `${kReadableOperator[operator]}\n\n${a} !== ${e}\n`;
      }
    } else if (operator !== 'strictEqualObject' && inputLength < 80) {
      // A caret under the first difference of two short lines.
      let i = 0;
      while (a[i] === e[i]) i++;
      if (i > 2) indicator = `\n  ${' '.repeat(i)}^`;
    }
  }
  const ops = lineDiff(actualLines, expectedLines);
  if (ops.every(([op]) => op === ' ')) {
    return `${kReadableOperator.notIdentical}\n\n${shortenLines(actualLines).join('\n')}\n`;
  }
  const { body, skipped } = renderDiff(ops);
  return `${kReadableOperator[operator]}\n+ actual - expected${skipped ? ' ... Lines skipped' : ''}\n\n${body}${indicator}`;
}

function generatedMessage(actual, expected, operator) {
  if (operator === 'deepStrictEqual' || operator === 'strictEqual') return createErrDiff(actual, expected, operator);
  if (operator === 'notDeepStrictEqual' || operator === 'notStrictEqual') {
    let base = kReadableOperator[operator];
    if (operator === 'notStrictEqual' && (isObjectLike(actual) || typeof actual === 'function')) {
      base = kReadableOperator.notStrictEqualObject;
    }
    const lines = shortenLines(inspectValue(actual).split('\n'));
    if (lines.length === 1) return `${base}${lines[0].length > 5 ? '\n\n' : ' '}${lines[0]}`;
    return `${base}\n\n${lines.join('\n')}\n`;
  }
  let shown = inspectValue(actual);
  let other = inspectValue(expected);
  const known = kReadableOperator[operator];
  if (operator === 'notDeepEqual' && shown === other) {
    shown = `${known}\n\n${shown}`;
    return shown.length > 1024 ? `${shown.slice(0, 1021)}...` : shown;
  }
  if (shown.length > 512) shown = `${shown.slice(0, 509)}...`;
  if (other.length > 512) other = `${other.slice(0, 509)}...`;
  if (operator === 'deepEqual') {
    shown = `${known}\n\n${shown}\n\nshould loosely deep-equal\n\n`;
  } else if (kReadableOperator[`${operator}Unequal`]) {
    shown = `${kReadableOperator[`${operator}Unequal`]}\n\n${shown}\n\nshould not loosely deep-equal\n\n`;
  } else {
    other = ` ${operator} ${other}`;
  }
  return `${shown}${other}`;
}

/** What every failed assertion throws: `code` 'ERR_ASSERTION', with the values compared. */
export class AssertionError extends Error {
  constructor(options) {
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
    const { message, actual, expected, operator, stackStartFn } = options;
    let text;
    if (operator === 'deepStrictEqual' || operator === 'strictEqual') {
      // A strict comparison's own message replaces only the first line of Node's.
      text = createErrDiff(actual, expected, operator);
      const header = [kReadableOperator[operator], kReadableOperator.strictEqualObject].find((line) => text.startsWith(line));
      if (message && header !== undefined) text = `${message}${text.slice(header.length)}`;
    } else {
      text = message != null ? String(message) : generatedMessage(actual, expected, operator);
    }
    super(text);
    this.generatedMessage = !message;
    this.code = 'ERR_ASSERTION';
    this.actual = actual;
    this.expected = expected;
    this.operator = operator;
    // The stack starts where the assertion was called, not inside this module.
    if (typeof stackStartFn === 'function') Error.captureStackTrace?.(this, stackStartFn);
  }

  toString() {
    return `${this.name} [${this.code}]: ${this.message}`;
  }
}

Object.defineProperty(AssertionError.prototype, 'name', { value: 'AssertionError', writable: true, configurable: true });

// Throws `obj.message` itself when it is an Error, else an AssertionError.
function innerFail(obj) {
  if (obj.message instanceof Error) throw obj.message;
  throw new AssertionError(obj);
}

// ---- the assertions ---------------------------------------------------------------

function innerOk(fn, argCount, value, message) {
  if (value) return;
  const generated = argCount === 0 || message == null;
  if (argCount === 0) message = 'No value argument passed to `assert.ok()`';
  else if (message instanceof Error) throw message;
  const error = new AssertionError({ actual: value, expected: true, message, operator: '==', stackStartFn: fn });
  error.generatedMessage = generated;
  throw error;
}

function requireTwo(argCount) {
  if (argCount < 2) {
    throw nodeError(TypeError, 'ERR_MISSING_ARGS', 'The "actual" and "expected" arguments must be specified');
  }
}

/**
 * `assert(value, message)`, also `assert.ok`: fails unless `value` is truthy. The
 * module's default export, every other assertion a property of it.
 */
export function ok(...args) {
  innerOk(ok, args.length, ...args);
}

export default ok;

export function equal(actual, expected, message) {
  requireTwo(arguments.length);
  // eslint-disable-next-line eqeqeq
  if (actual != expected && !(Number.isNaN(actual) && Number.isNaN(expected))) {
    innerFail({ actual, expected, message, operator: '==', stackStartFn: equal });
  }
}

export function notEqual(actual, expected, message) {
  requireTwo(arguments.length);
  // eslint-disable-next-line eqeqeq
  if (actual == expected || (Number.isNaN(actual) && Number.isNaN(expected))) {
    innerFail({ actual, expected, message, operator: '!=', stackStartFn: notEqual });
  }
}

export function strictEqual(actual, expected, message) {
  requireTwo(arguments.length);
  if (!Object.is(actual, expected)) innerFail({ actual, expected, message, operator: 'strictEqual', stackStartFn: strictEqual });
}

export function notStrictEqual(actual, expected, message) {
  requireTwo(arguments.length);
  if (Object.is(actual, expected)) innerFail({ actual, expected, message, operator: 'notStrictEqual', stackStartFn: notStrictEqual });
}

export function deepEqual(actual, expected, message) {
  requireTwo(arguments.length);
  if (!isDeepEqual(actual, expected)) innerFail({ actual, expected, message, operator: 'deepEqual', stackStartFn: deepEqual });
}

export function notDeepEqual(actual, expected, message) {
  requireTwo(arguments.length);
  if (isDeepEqual(actual, expected)) innerFail({ actual, expected, message, operator: 'notDeepEqual', stackStartFn: notDeepEqual });
}

export function deepStrictEqual(actual, expected, message) {
  requireTwo(arguments.length);
  if (!isDeepStrictEqual(actual, expected)) {
    innerFail({ actual, expected, message, operator: 'deepStrictEqual', stackStartFn: deepStrictEqual });
  }
}

export function notDeepStrictEqual(actual, expected, message) {
  requireTwo(arguments.length);
  if (isDeepStrictEqual(actual, expected)) {
    innerFail({ actual, expected, message, operator: 'notDeepStrictEqual', stackStartFn: notDeepStrictEqual });
  }
}

/**
 * Always fails: `fail(message)`, or the legacy `fail(actual, expected, message,
 * operator)` (deprecated in Node).
 */
export function fail(actual, expected, message, operator, stackStartFn) {
  let generated = false;
  if (actual == null && arguments.length <= 1) {
    generated = true;
    message = 'Failed';
  } else if (arguments.length === 1) {
    message = actual;
    actual = undefined;
  } else if (arguments.length === 2) {
    operator = '!=';
  }
  if (message instanceof Error) throw message;
  const error = new AssertionError({ actual, expected, message, operator: operator ?? 'fail', stackStartFn: stackStartFn ?? fail });
  if (generated) error.generatedMessage = true;
  throw error;
}

export function ifError(err) {
  if (err === null || err === undefined) return;
  let message = 'ifError got unwanted exception: ';
  if (typeof err === 'object' && typeof err.message === 'string') {
    message += err.message.length === 0 && err.constructor ? err.constructor.name : err.message;
  } else {
    message += inspect(err);
  }
  throw new AssertionError({ actual: err, expected: null, operator: 'ifError', message, stackStartFn: ifError });
}

function internalMatch(string, regexp, message, fn) {
  if (!types.isRegExp(regexp)) throw invalidArgType('regexp', 'an instance of RegExp', regexp);
  const wanted = fn === match;
  if (typeof string !== 'string' || (regexp.exec(string) !== null) !== wanted) {
    if (message instanceof Error) throw message;
    const generated = !message;
    message ||= typeof string !== 'string'
      ? `The "string" argument must be of type string. Received type ${typeof string} (${inspect(string)})`
      : `${wanted ? 'The input did not match the regular expression ' : 'The input was expected to not match the regular expression '}` +
        `${inspect(regexp)}. Input:\n\n${inspect(string)}\n`;
    const error = new AssertionError({ actual: string, expected: regexp, message, operator: fn.name, stackStartFn: fn });
    error.generatedMessage = generated;
    throw error;
  }
}

export function match(string, regexp, message) {
  internalMatch(string, regexp, message, match);
}

export function doesNotMatch(string, regexp, message) {
  internalMatch(string, regexp, message, doesNotMatch);
}

// ---- throws and rejects --------------------------------------------------------------

// What a function threw or a promise rejected with; this when it did not.
const kNoException = Symbol('no exception');

function getActual(fn) {
  if (typeof fn !== 'function') throw invalidArgType('fn', 'of type function', fn);
  try {
    fn();
  } catch (err) {
    return err;
  }
  return kNoException;
}

const isThenable = (value) =>
  types.isPromise(value) || (isObjectLike(value) && typeof value.then === 'function' && typeof value.catch === 'function');

async function waitForActual(promiseFn) {
  let promise;
  if (typeof promiseFn === 'function') {
    promise = promiseFn();
    if (!isThenable(promise)) {
      throw nodeError(TypeError, 'ERR_INVALID_RETURN_VALUE',
        `Expected instance of Promise to be returned from the "promiseFn" function but got ${describeReceived(promise, inspect)}.`);
    }
  } else if (isThenable(promiseFn)) {
    promise = promiseFn;
  } else {
    throw invalidArgType('promiseFn', 'of type function or an instance of Promise', promiseFn);
  }
  try {
    await promise;
  } catch (err) {
    return err;
  }
  return kNoException;
}

// The expected error's own keys as an object of that class's name, for the diff.
class Comparison {
  constructor(source, keys, actual) {
    for (const key of keys) {
      if (!(key in source)) continue;
      const value = source[key];
      this[key] = actual !== undefined && typeof actual[key] === 'string' && types.isRegExp(value) && value.exec(actual[key]) !== null
        ? actual[key]
        : value;
    }
  }
}

function compareExceptionKey(actual, expected, key, message, keys, fn) {
  if (key in actual && isDeepStrictEqual(actual[key], expected[key])) return;
  if (!message) {
    const error = new AssertionError({
      actual: new Comparison(actual, keys),
      expected: new Comparison(expected, keys, actual),
      operator: 'deepStrictEqual',
      stackStartFn: fn,
    });
    error.actual = actual;
    error.expected = expected;
    error.operator = fn.name;
    throw error;
  }
  innerFail({ actual, expected, message, operator: fn.name, stackStartFn: fn });
}

// Checks what was thrown against `expected`: a RegExp (matched against the error's
// string form), an Error class, a validation function, or an object of the
// properties (values or RegExps) the error must have.
function expectedException(actual, expected, message, fn) {
  let generated = false;
  if (typeof expected !== 'function') {
    if (types.isRegExp(expected)) {
      const text = String(actual);
      if (expected.exec(text) !== null) return;
      if (!message) {
        generated = true;
        message = `The input did not match the regular expression ${inspect(expected)}. Input:\n\n${inspect(text)}\n`;
      }
    } else if (!isObjectLike(actual)) {
      const error = new AssertionError({ actual, expected, message, operator: 'deepStrictEqual', stackStartFn: fn });
      error.operator = fn.name;
      throw error;
    } else {
      const keys = Object.keys(expected);
      if (expected instanceof Error) {
        keys.push('name', 'message');
      } else if (keys.length === 0) {
        throw nodeError(TypeError, 'ERR_INVALID_ARG_VALUE',
          `The argument 'error' may not be an empty object. Received ${inspect(expected)}`);
      }
      for (const key of keys) {
        if (typeof actual[key] === 'string' && types.isRegExp(expected[key]) && expected[key].exec(actual[key]) !== null) continue;
        compareExceptionKey(actual, expected, key, message, keys, fn);
      }
      return;
    }
  } else if (expected.prototype !== undefined && actual instanceof expected) {
    return;
  } else if (Object.prototype.isPrototypeOf.call(Error, expected)) {
    if (!message) {
      generated = true;
      message = `The error is expected to be an instance of "${expected.name}". Received `;
      if (types.isNativeError(actual) || actual instanceof Error) {
        const name = actual.constructor?.name || actual.name;
        message += expected.name === name ? 'an error with identical name but a different prototype.' : `"${name}"`;
        if (actual.message) message += `\n\nError message:\n\n${actual.message}`;
      } else {
        message += `"${inspect(actual, { depth: -1 })}"`;
      }
    }
  } else {
    const result = Reflect.apply(expected, {}, [actual]);
    if (result === true) return;
    if (!message) {
      generated = true;
      const name = expected.name ? `"${expected.name}" ` : '';
      message = `The ${name}validation function is expected to return "true". Received ${inspect(result)}`;
      if (types.isNativeError(actual) || actual instanceof Error) message += `\n\nCaught error:\n\n${actual}`;
    }
  }
  const error = new AssertionError({ actual, expected, message, operator: fn.name, stackStartFn: fn });
  error.generatedMessage = generated;
  throw error;
}

function expectsError(fn, actual, error, message, argCount) {
  if (typeof error === 'string') {
    if (argCount === 3) {
      throw invalidArgType('error', 'of type function or an instance of Error, RegExp, or Object', error);
    }
    if (isObjectLike(actual) ? actual.message === error : actual === error) {
      const what = isObjectLike(actual) ? `error message "${actual.message}"` : `error "${actual}"`;
      throw nodeError(TypeError, 'ERR_AMBIGUOUS_ARGUMENT',
        `The "error/message" argument is ambiguous. The ${what} is identical to the message.`);
    }
    message = error;
    error = undefined;
  } else if (error != null && typeof error !== 'object' && typeof error !== 'function') {
    throw invalidArgType('error', 'of type function or an instance of Error, RegExp, or Object', error);
  }
  if (actual === kNoException) {
    let details = error?.name ? ` (${error.name})` : '';
    details += message ? `: ${message}` : '.';
    innerFail({
      actual: undefined,
      expected: error,
      operator: fn.name,
      message: `Missing expected ${fn === rejects ? 'rejection' : 'exception'}${details}`,
      stackStartFn: fn,
    });
  }
  if (error) expectedException(actual, error, message, fn);
}

function hasMatchingError(actual, expected) {
  if (typeof expected !== 'function') {
    if (types.isRegExp(expected)) return expected.exec(String(actual)) !== null;
    throw invalidArgType('expected', 'of type function or an instance of RegExp', expected);
  }
  if (expected.prototype !== undefined && actual instanceof expected) return true;
  if (Object.prototype.isPrototypeOf.call(Error, expected)) return false;
  return Reflect.apply(expected, {}, [actual]) === true;
}

function expectsNoError(fn, actual, error, message) {
  if (actual === kNoException) return;
  if (typeof error === 'string') {
    message = error;
    error = undefined;
  }
  if (!error || hasMatchingError(actual, error)) {
    const details = message ? `: ${message}` : '.';
    innerFail({
      actual,
      expected: error,
      operator: fn.name,
      message: `Got unwanted ${fn === doesNotReject ? 'rejection' : 'exception'}${details}\nActual message: "${actual?.message}"`,
      stackStartFn: fn,
    });
  }
  throw actual;
}

/** Fails unless `fn()` throws (an error matching `error`, when given). */
export function throws(fn, error, message) {
  expectsError(throws, getActual(fn), error, message, arguments.length);
}

export async function rejects(promiseFn, error, message) {
  expectsError(rejects, await waitForActual(promiseFn), error, message, arguments.length);
}

export function doesNotThrow(fn, error, message) {
  expectsNoError(doesNotThrow, getActual(fn), error, message);
}

export async function doesNotReject(promiseFn, error, message) {
  expectsNoError(doesNotReject, await waitForActual(promiseFn), error, message);
}

// ---- assert and assert.strict ----------------------------------------------------

const assertions = {
  ok,
  equal,
  notEqual,
  strictEqual,
  notStrictEqual,
  deepEqual,
  notDeepEqual,
  deepStrictEqual,
  notDeepStrictEqual,
  throws,
  doesNotThrow,
  rejects,
  doesNotReject,
  match,
  doesNotMatch,
  fail,
  ifError,
  AssertionError,
};

/** The strict variant: `equal` is `strictEqual`, `deepEqual` is `deepStrictEqual`. */
export function strict(...args) {
  innerOk(strict, args.length, ...args);
}

Object.assign(ok, assertions, { strict });
Object.assign(strict, assertions, {
  equal: strictEqual,
  notEqual: notStrictEqual,
  deepEqual: deepStrictEqual,
  notDeepEqual: notDeepStrictEqual,
  strict,
});
