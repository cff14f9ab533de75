// `warren:commonjs`: CommonJS as Node runs it, for one job. Each CommonJS file runs
// once, in Node's wrapper, with its own `require`, `module` and `exports`; its
// `module.exports` is cached by file, so cycles see the partly filled exports, as in
// Node. Reachable only from Warren's own code (the job's `require` and the facades of
// CommonJS files), never imported by name.
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
  const module = {
    id: filename,
    filename,
    path: dirnameOf(filename),
    exports: {},
    loaded: false,
    children: [],
    paths: [],
  };
  module.require = makeRequire(id);
  cache[id] = module;
  try {
    if (native.format(id) === 'json') {
      module.exports = native.json(id);
    } else {
      const body = native.body(id);
      body.call(module.exports, module.exports, module.require, module, filename, module.path);
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
    const [kind, id] = native.resolve(base, name);
    switch (kind) {
      case 'commonjs':
        return load(id);
      case 'empty':
        return {};
      case 'builtin': {
        // Node's built-ins are the module object itself, not a namespace.
        const namespace = native.settle(import(id));
        return 'default' in namespace ? namespace.default : namespace;
      }
      default:
        // An ES module: its namespace, as Node's `require(esm)` gives.
        return native.settle(import(id));
    }
  };
  require.resolve = function resolve(name) {
    const [kind, id] = native.resolve(base, String(name));
    return kind === 'builtin' || kind === 'empty' ? id : filenameOf(id);
  };
  require.cache = cache;
  return require;
}

export default load;
