// The `assert/strict` module: Node's strict assertion mode, where `equal` is
// `strictEqual` and `deepEqual` is `deepStrictEqual`. Its default export is
// `assert.strict`, callable like `assert` itself.

import { strict } from 'assert';

export default strict;

export const {
  ok,
  equal,
  notEqual,
  strictEqual,
  notStrictEqual,
  deepEqual,
  notDeepEqual,
  deepStrictEqual,
  notDeepStrictEqual,
  throws,
  doesNotThrow,
  rejects,
  doesNotReject,
  match,
  doesNotMatch,
  fail,
  ifError,
  AssertionError,
} = strict;

export { strict };
