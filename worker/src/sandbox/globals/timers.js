// Lazily loaded part of the prelude: timers, immediates and queueMicrotask. The timers
// themselves live in the prelude (its hooks run them from the host's event loop, see
// run/drive.rs).
(function (host) {
  'use strict';
  // Node's Immediate: the handle clearImmediate takes. ref/unref change nothing: a
  // job's loop runs until its work is done.
  let clearImmediate;
  class Immediate {
    #id;
    constructor(id) { this.#id = id; }
    ref() { return this; }
    unref() { return this; }
    hasRef() { return true; }
    static {
      clearImmediate = (immediate) => {
        if (immediate !== null && typeof immediate === 'object' && #id in immediate) host.clearTimer(immediate.#id);
      };
    }
  }
  return {
    setTimeout(fn, delay, ...args) { return host.addTimer(fn, delay, args, false); },
    setInterval(fn, delay, ...args) { return host.addTimer(fn, delay, args, true); },
    clearTimeout(id) { host.clearTimer(id); },
    clearInterval(id) { host.clearTimer(id); },
    // A 0 ms timer: it runs once pending promise jobs have, after the timers due before.
    setImmediate(fn, ...args) {
      if (typeof fn !== 'function') {
        const got = fn === null || fn === undefined ? fn : `type ${typeof fn}`;
        const error = new TypeError(`The "callback" argument must be of type function. Received ${got}`);
        error.code = 'ERR_INVALID_ARG_TYPE';
        throw error;
      }
      return new Immediate(host.addTimer(fn, 0, args, false));
    },
    clearImmediate(immediate) { clearImmediate(immediate); },
    queueMicrotask(fn) {
      if (typeof fn !== 'function') throw new TypeError('queueMicrotask: callback must be a function');
      Promise.resolve().then(fn);
    },
  };
})
