// Warren's job prelude: the globals every job sees. Compiled once per slot and run in
// every fresh context before the job's own code. `host` holds the native helpers; it
// is captured here and never reachable from job code.
(function (host) {
  'use strict';
  const g = globalThis;
  const define = (name, value) =>
    Object.defineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });

  // ---- console: formatting is loaded on first use ---------------------------------
  let format = null;
  const console = {};
  ['debug', 'log', 'info', 'warn', 'error'].forEach((level, index) => {
    console[level] = function (...args) {
      if (host.logOpen()) host.log(index, (format = format || host.part('console_format')(host))(args));
    };
  });
  console.trace = console.debug;
  console.dir = (value) => console.log(value);
  console.table = console.log;
  console.assert = (ok, ...args) => { if (!ok) console.error('Assertion failed', ...args); };
  define('console', console);

  // ---- lazily created globals ------------------------------------------------------
  // Classes most jobs never touch are built on first use, from their own bytecode.
  const lazyGroup = (part, names) => {
    let made = null;
    for (const name of names) {
      Object.defineProperty(g, name, {
        configurable: true,
        enumerable: false,
        get() {
          made = made || host.part(part)(host);
          define(name, made[name]);
          return made[name];
        },
        set(value) { define(name, value); },
      });
    }
  };
  lazyGroup('text_encoding', ['TextEncoder', 'TextDecoder']);
  lazyGroup('url_globals', ['URL', 'URLSearchParams']);
  lazyGroup('base64', ['btoa', 'atob']);

  // Standard library parts most jobs never touch are added to the context on first
  // use; the host removes these placeholders before adding the real globals.
  for (const [group, names] of host.lazyGlobals) {
    for (const name of names) {
      const load = () => {
        host.intrinsic(group);
        return g[name];
      };
      Object.defineProperty(g, name, {
        configurable: true,
        enumerable: false,
        get: load,
        set(value) { load(); define(name, value); },
      });
    }
  }

  // ---- timers ----------------------------------------------------------------------
  const timers = {};
  let nextTimerId = 1;
  const addTimer = (fn, delay, args, repeat) => {
    if (typeof fn !== 'function') throw new TypeError('timer callback must be a function');
    const id = nextTimerId++;
    const ms = Math.max(0, Number(delay) || 0);
    timers[id] = { due: host.clock() + ms, fn, args, repeat: repeat ? Math.max(1, ms) : 0 };
    return id;
  };
  define('setTimeout', (fn, delay, ...args) => addTimer(fn, delay, args, false));
  define('setInterval', (fn, delay, ...args) => addTimer(fn, delay, args, true));
  define('clearTimeout', (id) => { delete timers[id]; });
  define('clearInterval', (id) => { delete timers[id]; });
  define('queueMicrotask', (fn) => {
    if (typeof fn !== 'function') throw new TypeError('queueMicrotask: callback must be a function');
    Promise.resolve().then(fn);
  });
  define('structuredClone', (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value))));

  // Hooks for the host: call the job, and run its timers.
  return {
    invoke: async (fn, input, ctx) => fn(input, ctx),
    // Milliseconds (job clock) of the earliest timer, or -1 when none is pending.
    nextTimer() {
      let due = -1;
      for (const k in timers) if (due < 0 || timers[k].due < due) due = timers[k].due;
      return due;
    },
    // Runs the earliest due timer; a throw propagates as the job's failure.
    runTimer(now) {
      let id = -1, best = null;
      for (const k in timers) { const t = timers[k]; if (t.due <= now && (best === null || t.due < best.due)) { id = k; best = t; } }
      if (best === null) return;
      if (best.repeat) best.due = now + best.repeat; else delete timers[id];
      best.fn(...best.args);
    },
  };
})
