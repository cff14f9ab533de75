// Lazily loaded part of the prelude: `Event`, `EventTarget`, `AbortController`,
// `AbortSignal` and `DOMException`, as the WHATWG DOM standard defines what code uses
// of them: listeners (with `once` and `signal`), `onabort`, `reason`,
// `throwIfAborted`, `AbortSignal.abort`, `.timeout` (on the job's own timers) and
// `.any`. `fetch` honours a request's `signal`.
(function (host) {
  'use strict';
  const CODES = { __proto__: null, IndexSizeError: 1, NotFoundError: 8, NotSupportedError: 9,
    InvalidStateError: 11, SyntaxError: 12, NetworkError: 19, AbortError: 20, TimeoutError: 23,
    DataCloneError: 25 };

  class DOMException extends Error {
    constructor(message = '', options = 'Error') {
      super(String(message));
      const name = options !== null && typeof options === 'object'
        ? (options.name === undefined ? 'Error' : String(options.name))
        : String(options);
      Object.defineProperty(this, 'name', { value: name, writable: true, configurable: true });
    }
    get code() { return CODES[this.name] || 0; }
  }

  const eventState = new WeakMap();
  const stateOfEvent = (event) => {
    const state = eventState.get(event);
    if (state === undefined) throw new TypeError('Illegal invocation');
    return state;
  };

  class Event {
    constructor(type, init) {
      if (arguments.length === 0) throw new TypeError("Failed to construct 'Event': 1 argument required");
      const options = init == null ? {} : init;
      eventState.set(this, {
        type: String(type), cancelable: !!options.cancelable, bubbles: !!options.bubbles,
        defaultPrevented: false, target: null, stopped: false, timeStamp: host.clock(),
      });
    }
    get type() { return stateOfEvent(this).type; }
    get target() { return stateOfEvent(this).target; }
    get currentTarget() { return stateOfEvent(this).target; }
    get cancelable() { return stateOfEvent(this).cancelable; }
    get bubbles() { return stateOfEvent(this).bubbles; }
    get defaultPrevented() { return stateOfEvent(this).defaultPrevented; }
    get timeStamp() { return stateOfEvent(this).timeStamp; }
    preventDefault() {
      const state = stateOfEvent(this);
      if (state.cancelable) state.defaultPrevented = true;
    }
    stopImmediatePropagation() { stateOfEvent(this).stopped = true; }
    stopPropagation() {}
  }

  const listenersOf = new WeakMap();
  const listeners = (target) => {
    const map = listenersOf.get(target);
    if (map === undefined) throw new TypeError('Illegal invocation');
    return map;
  };

  class EventTarget {
    constructor() { listenersOf.set(this, new Map()); }
    addEventListener(type, callback, options) {
      if (callback === null || callback === undefined) return;
      const map = listeners(this);
      const key = String(type);
      const once = options !== null && typeof options === 'object' && !!options.once;
      const signal = options !== null && typeof options === 'object' ? options.signal : undefined;
      if (signal && signal.aborted) return;
      let list = map.get(key);
      if (list === undefined) map.set(key, (list = []));
      if (list.some((entry) => entry.callback === callback)) return;
      list.push({ callback, once });
      if (signal) {
        signal.addEventListener('abort', () => this.removeEventListener(key, callback), { once: true });
      }
    }
    removeEventListener(type, callback) {
      const list = listeners(this).get(String(type));
      if (list === undefined) return;
      const at = list.findIndex((entry) => entry.callback === callback);
      if (at >= 0) list.splice(at, 1);
    }
    dispatchEvent(event) {
      const state = stateOfEvent(event);
      const map = listeners(this);
      state.target = this;
      // A listener that throws does not stop the others (the standard reports the
      // error and goes on); the first error is thrown once all have run.
      let failed = false;
      let error;
      const call = (f) => {
        try { f(); } catch (e) { if (!failed) { failed = true; error = e; } }
      };
      const handler = this['on' + state.type];
      if (typeof handler === 'function') call(() => handler.call(this, event));
      const list = map.get(state.type);
      if (list !== undefined) {
        for (const entry of list.slice()) {
          if (state.stopped) break;
          if (!list.includes(entry)) continue;
          if (entry.once) list.splice(list.indexOf(entry), 1);
          const callback = entry.callback;
          if (typeof callback === 'function') call(() => callback.call(this, event));
          else if (callback && typeof callback.handleEvent === 'function') call(() => callback.handleEvent(event));
        }
      }
      if (failed) throw error;
      return !state.defaultPrevented;
    }
  }

  const signalState = new WeakMap();
  const stateOfSignal = (signal) => {
    const state = signalState.get(signal);
    if (state === undefined) throw new TypeError('Illegal invocation');
    return state;
  };
  let making = false;
  const newSignal = () => {
    making = true;
    try { return new AbortSignal(); } finally { making = false; }
  };
  const abort = (signal, reason) => {
    const state = stateOfSignal(signal);
    if (state.aborted) return;
    state.aborted = true;
    state.reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    // The standard's abort steps (fetch's) run first, out of job code's reach.
    const steps = state.steps;
    state.steps = [];
    for (const step of steps) step();
    signal.dispatchEvent(new Event('abort'));
  };

  class AbortSignal extends EventTarget {
    constructor() {
      if (!making) throw new TypeError('Illegal constructor');
      super();
      signalState.set(this, { aborted: false, reason: undefined, steps: [] });
      this.onabort = null;
    }
    get aborted() { return stateOfSignal(this).aborted; }
    get reason() { return stateOfSignal(this).reason; }
    throwIfAborted() {
      const state = stateOfSignal(this);
      if (state.aborted) throw state.reason;
    }
    static abort(reason) {
      const signal = newSignal();
      abort(signal, reason);
      return signal;
    }
    static timeout(ms) {
      const delay = Number(ms);
      if (!(delay >= 0) || !Number.isFinite(delay)) throw new TypeError('AbortSignal.timeout: the delay must be a finite number of milliseconds');
      const signal = newSignal();
      // Past 2^31 - 1 ms no job is still running: such a signal never fires.
      if (delay <= 2147483647) {
        host.addTimer(() => abort(signal, new DOMException('The operation was aborted due to timeout', 'TimeoutError')), delay, [], false);
      }
      return signal;
    }
    static any(signals) {
      const list = Array.from(signals);
      for (const source of list) stateOfSignal(source);
      const signal = newSignal();
      const done = list.find((source) => source.aborted);
      if (done !== undefined) {
        abort(signal, done.reason);
        return signal;
      }
      for (const source of list) {
        source.addEventListener('abort', () => abort(signal, source.reason), { once: true });
      }
      return signal;
    }
  }

  class AbortController {
    #signal = newSignal();
    get signal() { return this.#signal; }
    abort(reason) { abort(this.#signal, reason); }
  }

  // For `fetch`: whether `value` is a real signal (its state cannot be faked), and
  // running `step` when it aborts, before any listener.
  host.isAbortSignal = (value) => value !== null && typeof value === 'object' && signalState.has(value);
  host.onAbort = (signal, step) => { stateOfSignal(signal).steps.push(step); };

  return { Event, EventTarget, AbortController, AbortSignal, DOMException };
})
