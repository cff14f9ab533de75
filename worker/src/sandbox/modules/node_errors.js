// Node's argument errors, shared by Warren's built-in modules (only they can import
// it): an error carrying Node's `code`, and how Node's messages describe the value
// they were given.

export function codedError(Ctor, code, message) {
  const error = new Ctor(message);
  error.code = code;
  return error;
}

export function describe(value) {
  if (value === null || value === undefined) return `Received ${value}`;
  if (typeof value === 'function') return `Received function ${value.name || '<anonymous>'}`;
  if (typeof value === 'object') {
    const name = value.constructor?.name;
    return name ? `Received an instance of ${name}` : 'Received an object';
  }
  const shown = typeof value === 'string' ? `'${value.slice(0, 25)}'` : String(value);
  return `Received type ${typeof value} (${shown})`;
}
