// Lazily loaded part of the prelude: timers and queueMicrotask. The timers themselves
// live in the prelude (its hooks run them from the host's event loop, see run/drive.rs).
(function (host) {
  'use strict';
  return {
    setTimeout(fn, delay, ...args) { return host.addTimer(fn, delay, args, false); },
    setInterval(fn, delay, ...args) { return host.addTimer(fn, delay, args, true); },
    clearTimeout(id) { host.clearTimer(id); },
    clearInterval(id) { host.clearTimer(id); },
    queueMicrotask(fn) {
      if (typeof fn !== 'function') throw new TypeError('queueMicrotask: callback must be a function');
      Promise.resolve().then(fn);
    },
  };
})
