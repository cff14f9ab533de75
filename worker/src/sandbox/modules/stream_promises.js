// The `stream/promises` module: `pipeline` and `finished` as promises (the same
// functions as `require('stream').promises`).

import { promises } from 'stream';

export const { pipeline, finished } = promises;

export default { pipeline, finished };
