// `warren:commonjs`: CommonJS as Node runs it, for one job. Each CommonJS file runs
// once, in Node's wrapper, with its own `require`, `module` and `exports`; its
// `module.exports` is cached by file, so cycles see the partly filled exports, as in
// Node. Reachable only from Warren's own code (the job's `require` and the facades of
// CommonJS files), never imported by name.
//
// Job code may have replaced any built-in before this runs (`Array.prototype`'s
// iterator, `Function.prototype.call`, setters on `Object.prototype`), so nothing
// here relies on one where it matters: what `require` loads is decided in Rust and
// handed back in an object without a prototype, bodies are called from Rust, objects
// are made by literals with every property they will hold, and properties of
// functions are defined from Rust.
import native from 'warren:native/commonjs';

const cache = { __proto__: null };
const LIB = 'lib:';

// The virtual path a library file shows as `__filename`.
const filenameOf = (id) => '/node_modules/' + id.slice(LIB.length);
const dirnameOf = (filename) => filename.slice(0, filename.lastIndexOf('/')) || '/';

// `module.exports` of CommonJS or JSON file `id` (`lib:` + path), run on first use.
export function load(id) {
  const cached = cache[id];
  if (cached !== undefined) return cached.exports;
  const filename = filenameOf(id);
  const dirname = dirnameOf(filename);
  const module = {
    id: filename,
    filename,
    path: dirname,
    exports: {},
    loaded: false,
    children: [],
    paths: [],
    require: makeRequire(id),
  };
  cache[id] = module;
  try {
    if (native.format(id) === 'json') {
      module.exports = native.json(id);
    } else {
      native.run(id, module.exports, module.require, module, filename, dirname);
    }
  } catch (error) {
    delete cache[id];
    throw error;
  }
  module.loaded = true;
  return module.exports;
}

// `require` for code whose module name is `base` (a library file, or the job).
export function makeRequire(base) {
  const require = function require(name) {
    if (typeof name !== 'string') {
      throw new TypeError(`The "id" argument must be of type string. Received ${name === null ? 'null' : typeof name}`);
    }
    const found = native.resolve(base, name);
    switch (found.kind) {
      case 'commonjs':
        return load(found.id);
      case 'empty':
        return {};
      case 'builtin': {
        // Node's built-ins are the module object itself, not a namespace.
        const namespace = native.settle(import(found.id));
        return 'default' in namespace ? namespace.default : namespace;
      }
      default:
        // An ES module: its namespace, as Node's `require(esm)` gives.
        return native.settle(import(found.id));
    }
  };
  native.define(require, 'resolve', function resolve(name) {
    const found = native.resolve(base, String(name));
    return found.kind === 'builtin' || found.kind === 'empty' ? found.id : filenameOf(found.id);
  });
  return require;
}

export default load;
