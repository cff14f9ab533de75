// Node's argument errors, shared by Warren's built-in modules (only they can import
// it): an error carrying Node's `code`, and how Node's messages describe the value
// they were given (`describe`, and `describeReceived` for `util` and `assert`, which
// show it through `util.inspect`).

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

/** The value as `util` and `assert` errors show it, through `inspect`. */
export function describeReceived(value, inspect) {
  if (value == null) return `${value}`;
  if (typeof value === 'function' && value.name) return `function ${value.name}`;
  if (typeof value === 'object') {
    const name = value.constructor?.name;
    return name ? `an instance of ${name}` : inspect(value, { depth: -1 });
  }
  let shown = inspect(value, { colors: false });
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return `type ${typeof value} (${shown})`;
}
