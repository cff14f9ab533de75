// Uses the `crypto` module (allowed by default): hashes the input's text.
import { createHash } from 'crypto';

export default (input) => ({
  sha256: createHash('sha256').update(String(input.text)).digest('hex'),
});
