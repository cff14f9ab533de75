// Warren's job prelude: the globals every job sees. Compiled once per slot and run in
// every fresh context before the job's own code. `host` holds the native helpers; it
// is captured here and never reachable from job code.
//
// Adding properties to the global object one by one is slow in QuickJS (each one
// reshapes a large object), so Warren's globals live on one object literal put
// between the global object and its prototype. Globals that are costly to create
// and rarely used (typed arrays, Map/Set, Date, URL, TextEncoder, ...) come from
// the next object on the chain, which creates them on first lookup (see
// lazy_globals.rs); in pools granted `fetch`, its globals are accessors here that
// load the fetch part on first use.
(function (host) {
  'use strict';
  const g = globalThis;
  const defineProperty = Object.defineProperty;
  const define = (name, value) => {
    defineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });
    return value;
  };
  const parts = {};
  const part = (partName, name) => {
    const made = parts[partName] || (parts[partName] = host.part(partName)(host));
    return define(name, made[name]);
  };

  // ---- console: formatting is loaded on first use ---------------------------------
  let format = null;
  const log = (index) =>
    function (...args) {
      if (host.logOpen()) host.log(index, (format = format || host.part('console_format')(host))(args));
    };
  const console = { debug: log(0), log: log(1), info: log(2), warn: log(3), error: log(4) };
  console.trace = console.debug;
  console.dir = (value) => console.log(value);
  console.table = console.log;
  console.assert = (ok, ...args) => { if (!ok) console.error('Assertion failed', ...args); };

  // ---- timers: run by the host's event loop (see run.rs) ----------------------------
  const timers = {};
  let nextTimerId = 1;
  const addTimer = (fn, delay, args, repeat) => {
    if (typeof fn !== 'function') throw new TypeError('timer callback must be a function');
    const id = nextTimerId++;
    // As in Node: delays that are not finite or do not fit 32 bits become 1 ms.
    let ms = Math.max(0, Number(delay) || 0);
    if (!(ms <= 2147483647)) ms = 1;
    timers[id] = { due: host.clock() + ms, fn, args, repeat: repeat ? Math.max(1, ms) : 0 };
    return id;
  };

  Object.setPrototypeOf(g, {
    __proto__: Object.getPrototypeOf(g),
    console,
    setTimeout(fn, delay, ...args) { return addTimer(fn, delay, args, false); },
    setInterval(fn, delay, ...args) { return addTimer(fn, delay, args, true); },
    clearTimeout(id) { delete timers[id]; },
    clearInterval(id) { delete timers[id]; },
    queueMicrotask(fn) {
      if (typeof fn !== 'function') throw new TypeError('queueMicrotask: callback must be a function');
      Promise.resolve().then(fn);
    },
    structuredClone(value) { return value === undefined ? undefined : JSON.parse(JSON.stringify(value)); },
    /* FETCH */
  });

  // Requests in flight, settled by the host through the hooks below.
  const fetchPending = (host.fetchPending = {});
  const settleFetch = (id) => {
    const entry = fetchPending[id];
    delete fetchPending[id];
    return entry;
  };

  // Hooks for the host: call the job, and run its timers.
  return {
    invoke: async (fn, input, ctx) => fn(input, ctx),
    // ES modules: wait for the module's evaluation (top-level await), then call it.
    run: async (evaluated, namespace, input, ctx) => {
      await evaluated;
      const fn = namespace.default;
      if (typeof fn !== 'function') {
        throw host.noFunction(fn === undefined
          ? 'the module has no default export'
          : `the module's default export is ${fn === null ? 'null' : typeof fn}, not a function`);
      }
      return fn(input, ctx);
    },
    fetchDone(id, status, statusText, url, redirected, headers, body) {
      const entry = settleFetch(id);
      if (entry) entry.resolve({ status, statusText, url, redirected, headers, body });
    },
    fetchFailed(id, message) {
      const entry = settleFetch(id);
      if (entry) entry.reject(new TypeError(message));
    },
    // Milliseconds (job clock) of the earliest timer, or -1 when none is pending.
    nextTimer() {
      let due = -1;
      for (const k in timers) if (due < 0 || timers[k].due < due) due = timers[k].due;
      return due;
    },
    // Runs the earliest due timer; a throw propagates as the job's failure.
    runTimer(now) {
      let id = -1, best = null;
      for (const k in timers) {
        const t = timers[k];
        if (t.due <= now && (best === null || t.due < best.due)) { id = k; best = t; }
      }
      if (best === null) return;
      if (best.repeat) best.due = now + best.repeat; else delete timers[id];
      best.fn(...best.args);
    },
  };
})
