// The `process` module: the job's global `process` (see globals/process.js), as
// Node's module is the global one: `require('process') === process`.

const process = globalThis.process;

export const {
  title, version, versions, release, platform, arch, argv, argv0, execArgv, env, pid, ppid,
  features, config, stdout, stderr, nextTick, cwd, chdir, umask, uptime, hrtime, memoryUsage,
  exit, reallyExit, abort, kill, binding, emitWarning, on, once, off, addListener,
  removeListener, prependListener, prependOnceListener, removeAllListeners, setMaxListeners,
  getMaxListeners, emit, listeners, rawListeners, listenerCount, eventNames,
} = process;

export default process;
