// Warren's job prelude. Compiled once per engine and run in every fresh context before
// the job's own code. `host` holds the native helpers; it is captured here and never
// reachable from job code.
//
// Every global Warren adds (console, timers, TextEncoder, URL, fetch, ...) comes from
// an object on the global object's prototype chain that makes it on first lookup (see
// globals/lazy.rs), from the separately compiled parts of the prelude; in a runtime
// prepared for a snapshot, all of them are made before the picture (globals/own.rs). What stays here
// is what the host drives the job with: the call itself, timers and fetch responses.
(function (host) {
  'use strict';
  // ---- timers: set by the timers part, run by the host's event loop (see run/drive.rs) ----
  const timers = {};
  let nextTimerId = 1;
  host.addTimer = (fn, delay, args, repeat) => {
    if (typeof fn !== 'function') throw new TypeError('timer callback must be a function');
    const id = nextTimerId++;
    // As in Node: delays that are not finite or do not fit 32 bits become 1 ms.
    let ms = Math.max(0, Number(delay) || 0);
    if (!(ms <= 2147483647)) ms = 1;
    timers[id] = { due: host.clock() + ms, fn, args, repeat: repeat ? Math.max(1, ms) : 0 };
    return id;
  };
  host.clearTimer = (id) => { delete timers[id]; };

  let makeRequire = null;

  // ---- locale-sensitive methods of the standard library: stand-ins that load the
  // `Intl` part (which replaces them) on first use. In a snapshot, the part is made
  // before the picture and these are never called.
  let intlPart = null;
  host.localeStandIns = [];
  const localeMethod = (target, name, key) => {
    const standIn = {
      [name](...args) {
        return (intlPart = intlPart || host.part('intl')(host)).localeMethods[key].apply(this, args);
      },
    }[name];
    Object.defineProperty(standIn, 'length', { value: name === 'localeCompare' ? 1 : 0 });
    Object.defineProperty(target, name, { value: standIn, writable: true, configurable: true });
    host.localeStandIns.push(standIn);
  };
  localeMethod(Number.prototype, 'toLocaleString', 'number');
  localeMethod(BigInt.prototype, 'toLocaleString', 'bigint');
  localeMethod(String.prototype, 'localeCompare', 'string');
  // `Date` is itself made on first use (globals/lazy.rs calls this when it is).
  host.dateMade = () => {
    localeMethod(Date.prototype, 'toLocaleString', 'date');
    localeMethod(Date.prototype, 'toLocaleDateString', 'dateDate');
    localeMethod(Date.prototype, 'toLocaleTimeString', 'dateTime');
  };

  // Requests in flight, settled by the host through the hooks below.
  const fetchPending = (host.fetchPending = {});
  const settleFetch = (id) => {
    const entry = fetchPending[id];
    delete fetchPending[id];
    return entry;
  };

  // Hooks for the host: call the job, and run its timers. The job's value is awaited
  // once, as `await fn()` does in Node, and handed over in a box: resolving the
  // async function's promise with the value itself would read its `then` once more,
  // which a job could observe (a getter counting its reads).
  const settled = (value) => ({ __proto__: null, value });
  return {
    invoke: async (fn, input, ctx) => settled(await fn(input, ctx)),
    // `require` for a CommonJS job whose module name is `base`: `warren:commonjs`'s,
    // loaded on the first call, so a job that never calls it pays nothing.
    jobRequire: (base) => {
      let real = null;
      const load = () => real || (real = (makeRequire = makeRequire || host.part('import')(host))(base));
      const require = function require(name) { return load()(name); };
      require.resolve = function resolve(name) { return load().resolve(name); };
      return require;
    },
    // The promise of `import(name)` as job code would import it: for the host to
    // evaluate a package into a snapshot (`run::preload`).
    preloadImport: (name) => host.part('preload')(host)(name),
    // ES modules: wait for the module's evaluation (top-level await), then call it.
    run: async (evaluated, namespace, input, ctx) => {
      await evaluated;
      const fn = namespace.default;
      if (typeof fn !== 'function') {
        throw host.noFunction(fn === undefined
          ? 'the module has no default export'
          : `the module's default export is ${fn === null ? 'null' : typeof fn}, not a function`);
      }
      return settled(await fn(input, ctx));
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
