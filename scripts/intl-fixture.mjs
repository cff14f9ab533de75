// Writes Node's answers to the `Intl` conformance cases
// (worker/tests/fixtures/intl/cases.json → node.json), for worker/tests/intl.rs.
// Run with the Node the fixture names (node scripts/intl-fixture.mjs); TZ and the
// locale are pinned to a worker's (UTC, en-US).
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const dir = new URL('../worker/tests/fixtures/intl/', import.meta.url);
if (process.env.TZ !== 'UTC' || process.env.LANG !== 'C') {
  const env = { ...process.env, TZ: 'UTC', LANG: 'C', LC_ALL: 'C' };
  execFileSync(process.execPath, [new URL(import.meta.url).pathname], { env, stdio: 'inherit' });
  process.exit(0);
}
const cases = JSON.parse(readFileSync(new URL('cases.json', dir), 'utf8'));
// What a job answers for each case (worker/tests/intl.rs runs the same wrapper).
const answer = (run) => {
  try { return { value: run() }; } catch (e) { return { error: e.constructor.name }; }
};
const answers = cases.map(({ expr }) => ({ expr, ...answer(new Function(`return (${expr});`)) }));
const out = { node: process.version, icu: process.versions.icu, cldr: process.versions.cldr, answers };
writeFileSync(new URL('node.json', dir), JSON.stringify(out, null, 1) + '\n');
console.log(`wrote ${answers.length} answers from Node ${process.version}`);
