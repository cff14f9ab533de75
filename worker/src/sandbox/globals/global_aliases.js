// Lazily loaded part of the prelude: `global` (Node) and `self` (browsers, workers),
// the names libraries look for the global object under.
(function () {
  'use strict';
  return { global: globalThis, self: globalThis };
})
