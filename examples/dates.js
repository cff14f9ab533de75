// A function that uses an npm package, as customers write them. The operator installs
// it (`npm ci --omit=dev` in examples/, from examples/package.json) and allows it:
// `warren-worker --modules-dir examples --allow-module dayjs`.
const dayjs = require('dayjs');

module.exports = (input) => ({
  due: dayjs(input.from).add(input.days, 'day').format('YYYY-MM-DD'),
});
