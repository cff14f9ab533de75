// Part of the prelude: a CommonJS job's `require`, made by `warren:commonjs` for the
// job's module name. It is compiled with its file name (the rest of the prelude is
// not), which `import()` needs as the base of the name it resolves.
(function (host) {
  'use strict';
  return (base) => host.settle(import('warren:commonjs')).makeRequire(base);
})
