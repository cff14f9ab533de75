// Lazily loaded part of the prelude: `console`, captured into the job's logs (never
// the worker's output). Formatting is loaded on the first call.
(function (host) {
  'use strict';
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
  return { console };
})
