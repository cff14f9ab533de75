// Part of the prelude: the engine's own dynamic import, for `require` in scripts. It is
// compiled with its file name (the rest of the prelude is not), which `import()` needs
// as the base of the name it resolves.
(function (host) {
  'use strict';
  return (name) => import(name);
})
