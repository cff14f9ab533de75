// The `timers` module: the global timer functions, as Node's module exports them, and
// the promise versions as `promises`.

import promises from 'timers/promises';

export const { setTimeout, clearTimeout, setInterval, clearInterval, setImmediate, clearImmediate } = globalThis;
export { promises };

export default { setTimeout, clearTimeout, setImmediate, clearImmediate, setInterval, clearInterval, promises };
