// Part of the prelude: `import()` of an allowed package as job code would import it,
// for the host to evaluate the operator's packages into a snapshot (`run::preload`).
// It is compiled with its file name, which `import()` needs as the base of the name
// it resolves; the resolver treats that base as job code's.
(function (host) {
  'use strict';
  return (name) => import(name);
})
