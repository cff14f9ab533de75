// Lazily loaded part of the prelude: structuredClone, for JSON-shaped values.
(function () {
  'use strict';
  return {
    structuredClone(value) { return value === undefined ? undefined : JSON.parse(JSON.stringify(value)); },
  };
})
