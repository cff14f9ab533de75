// The `timers/promises` module: Node's timers as promises (and `setInterval` as an
// async iterator), each cancellable through an AbortSignal. Bad arguments reject
// rather than throw, as Node's do.

import { describe } from 'warren:node-errors';

const timers = {
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  setImmediate: globalThis.setImmediate,
  clearImmediate: globalThis.clearImmediate,
  setInterval: globalThis.setInterval,
  clearInterval: globalThis.clearInterval,
};

function typeError(message) {
  const error = new TypeError(message);
  error.code = 'ERR_INVALID_ARG_TYPE';
  return error;
}

function abortError(signal) {
  const error = new Error('The operation was aborted', { cause: signal.reason });
  error.code = 'ABORT_ERR';
  error.name = 'AbortError';
  return error;
}

function checkDelay(delay) {
  if (delay !== undefined && typeof delay !== 'number') {
    throw typeError(`The "delay" argument must be of type number. ${describe(delay)}`);
  }
}

// The signal from `options`, once the options are known to be what Node accepts.
function signalOf(options) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw typeError(`The "options" argument must be of type object. ${describe(options)}`);
  }
  const { signal, ref } = options;
  if (signal !== undefined && (signal === null || typeof signal !== 'object' || !('aborted' in signal))) {
    throw typeError(`The "options.signal" property must be an instance of AbortSignal. ${describe(signal)}`);
  }
  if (ref !== undefined && typeof ref !== 'boolean') {
    throw typeError(`The "options.ref" property must be of type boolean. ${describe(ref)}`);
  }
  return signal;
}

// A promise for `value` once `schedule` fires, rejected with an AbortError if the
// signal aborts first.
function settleLater(schedule, cancel, value, options) {
  return new Promise((resolve, reject) => {
    const signal = signalOf(options);
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = () => {
      cancel(id);
      reject(abortError(signal));
    };
    const id = schedule(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(value);
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function setTimeout(delay, value, options = {}) {
  try {
    checkDelay(delay);
  } catch (error) {
    return Promise.reject(error);
  }
  return settleLater((fire) => timers.setTimeout(fire, delay), timers.clearTimeout, value, options);
}

export function setImmediate(value, options = {}) {
  return settleLater((fire) => timers.setImmediate(fire), timers.clearImmediate, value, options);
}

// Yields `value` once per elapsed interval: ticks that pass while the consumer is busy
// are yielded straight away, one per `next()`.
export async function* setInterval(delay, value, options = {}) {
  checkDelay(delay);
  const signal = signalOf(options);
  if (signal?.aborted) throw abortError(signal);
  let ticks = 0;
  let wake = null;
  const notify = () => {
    const resume = wake;
    wake = null;
    resume?.();
  };
  const id = timers.setInterval(() => {
    ticks++;
    notify();
  }, delay);
  signal?.addEventListener('abort', notify, { once: true });
  try {
    for (;;) {
      if (ticks === 0 && !signal?.aborted) await new Promise((resolve) => { wake = resolve; });
      if (signal?.aborted) throw abortError(signal);
      ticks--;
      yield value;
    }
  } finally {
    timers.clearInterval(id);
    signal?.removeEventListener('abort', notify);
  }
}

class Scheduler {
  /** Resolves on the next turn of the event loop, after pending I/O and timers. */
  yield() { return setImmediate(); }
  /** Resolves after `delay` ms, unless `options.signal` aborts first. */
  wait(delay, options) { return setTimeout(delay, undefined, { signal: options?.signal }); }
}

export const scheduler = new Scheduler();

export default { setTimeout, setImmediate, setInterval, scheduler };
