// Lazily loaded part of the prelude: Node's `process`, as a harmless stand-in. Nothing
// in it is the worker's: no real environment, pid, arguments, memory figures or exit.
// It says it is Node 20.11.0 on linux/x64, so libraries take their Node code paths;
// what those need and Warren denies (`require('fs')`, ...) fails as module_denied,
// which most libraries catch.
(function (host) {
  'use strict';
  const NODE_VERSION = '20.11.0';

  // Node's ERR_INVALID_ARG_TYPE, for the arguments checked as Node checks them.
  const received = (value) => {
    if (value === null || value === undefined) return `Received ${value}`;
    if (typeof value === 'function') return `Received function ${value.name || '<anonymous>'}`;
    if (typeof value === 'object') {
      const maker = value.constructor;
      return typeof maker === 'function' && maker.name ? `Received an instance of ${maker.name}` : 'Received an object';
    }
    const shown = typeof value === 'string' ? `'${value.length > 28 ? `${value.slice(0, 25)}...` : value}'`
      : typeof value === 'bigint' ? `${value}n`
        : String(value);
    return `Received type ${typeof value} (${shown})`;
  };
  const invalidArgType = (name, expected, value) => {
    const error = new TypeError(`The "${name}" argument must be ${expected}. ${received(value)}`);
    error.code = 'ERR_INVALID_ARG_TYPE';
    return error;
  };
  const unavailable = (name) => () => { throw new Error(`process.${name}() is not available in a Warren job`); };

  // Event methods that accept listeners and never call them: a job's process emits
  // no events ('exit', signals, 'uncaughtException' ...), and neither do its streams.
  const quietEvents = (target) => {
    const self = () => target;
    return Object.assign(target, {
      on: self, once: self, off: self, addListener: self, removeListener: self,
      prependListener: self, prependOnceListener: self, removeAllListeners: self,
      setMaxListeners: self,
      getMaxListeners: () => 10,
      emit: () => false,
      listeners: () => [],
      rawListeners: () => [],
      listenerCount: () => 0,
      eventNames: () => [],
    });
  };

  // process.stdout and process.stderr: each write is one console line (console adds
  // the newline, so one trailing '\n' of the chunk is dropped).
  const stream = (fd, log) => quietEvents({
    fd,
    isTTY: false,
    writable: true,
    write(chunk, encoding, callback) {
      let text = chunk;
      if (typeof chunk !== 'string') {
        if (!ArrayBuffer.isView(chunk)) throw invalidArgType('chunk', 'of type string or an instance of Buffer or Uint8Array', chunk);
        text = new TextDecoder().decode(chunk);
      }
      log(text.endsWith('\n') ? text.slice(0, -1) : text);
      const done = typeof encoding === 'function' ? encoding : callback;
      if (typeof done === 'function') Promise.resolve().then(() => done(null));
      return true;
    },
  });

  // The job's clock (milliseconds since it started, never decreasing) is the only time
  // source: hrtime and uptime reveal nothing of the host, at 1 ms resolution.
  const hrtime = (previous) => {
    const ms = host.clock();
    let seconds = Math.floor(ms / 1000);
    let nanos = (ms % 1000) * 1e6;
    if (previous !== undefined) {
      if (!Array.isArray(previous)) throw invalidArgType('time', 'an instance of Array', previous);
      if (previous.length !== 2) {
        const error = new RangeError(`The value of "time" is out of range. It must be 2. Received ${previous.length}`);
        error.code = 'ERR_OUT_OF_RANGE';
        throw error;
      }
      seconds -= previous[0];
      nanos -= previous[1];
      if (nanos < 0) {
        seconds -= 1;
        nanos += 1e9;
      }
    }
    return [seconds, nanos];
  };
  hrtime.bigint = () => BigInt(host.clock()) * 1000000n;

  // Memory figures would tell one tenant about the worker's others: all are 0.
  const memoryUsage = () => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 });
  memoryUsage.rss = () => 0;

  const process = quietEvents({
    title: 'warren',
    version: `v${NODE_VERSION}`,
    versions: { node: NODE_VERSION },
    release: { name: 'node' },
    platform: 'linux',
    arch: 'x64',
    argv: [],
    argv0: 'node',
    execArgv: [],
    env: {},
    pid: 1,
    ppid: 0,
    exitCode: undefined,
    features: {},
    config: { variables: {} },
    stdout: stream(1, (text) => console.log(text)),
    stderr: stream(2, (text) => console.error(text)),
    // Node runs nextTick callbacks before promise jobs; here they are promise jobs,
    // in order among the others.
    nextTick(callback, ...args) {
      if (typeof callback !== 'function') throw invalidArgType('callback', 'of type function', callback);
      Promise.resolve().then(() => callback(...args));
    },
    cwd: () => '/',
    chdir: unavailable('chdir'),
    umask: () => 0o22,
    uptime: () => host.clock() / 1000,
    hrtime,
    memoryUsage,
    exit: unavailable('exit'),
    reallyExit: unavailable('reallyExit'),
    abort: unavailable('abort'),
    kill: unavailable('kill'),
    binding: unavailable('binding'),
    // Printed as Node prints it: `(node:PID) [code] Type: message`, then any detail.
    emitWarning(warning, type, code) {
      if (typeof warning !== 'string' && !(warning instanceof Error)) {
        throw invalidArgType('warning', 'of type string or an instance of Error', warning);
      }
      let detail;
      if (type !== null && typeof type === 'object') ({ type, code, detail } = type);
      const name = warning instanceof Error ? warning.name : typeof type === 'string' ? type : 'Warning';
      const message = warning instanceof Error ? warning.message : warning;
      const head = `(node:1) ${typeof code === 'string' ? `[${code}] ` : ''}${name}: ${message}`;
      console.warn(typeof detail === 'string' ? `${head}\n${detail}` : head);
    },
  });
  Object.defineProperty(process, Symbol.toStringTag, { value: 'process', configurable: true });

  return { process };
})
