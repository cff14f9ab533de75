// The `path` module: Node's POSIX path functions (`path.posix`; there is no
// `path.win32`). A job has no filesystem and no working directory: `resolve` and
// `relative` work from `/`.

function check(path, name = 'path') {
  if (typeof path !== 'string') {
    throw new TypeError(`The "${name}" argument must be of type string. Received ${path === null ? 'null' : typeof path}`);
  }
}

// Resolves `.` and `..` segments; `absolute` paths cannot climb above the root.
function normalizeSegments(path, absolute) {
  const out = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!absolute) out.push('..');
    } else {
      out.push(segment);
    }
  }
  return out.join('/');
}

export const sep = '/';
export const delimiter = ':';

export function normalize(path) {
  check(path);
  if (path.length === 0) return '.';
  const absolute = path.startsWith('/');
  const trailing = path.endsWith('/');
  let result = normalizeSegments(path, absolute);
  if (result.length === 0) return absolute ? '/' : trailing ? './' : '.';
  if (trailing) result += '/';
  return absolute ? '/' + result : result;
}

export function join(...paths) {
  for (const path of paths) check(path);
  const joined = paths.filter((p) => p.length > 0).join('/');
  return joined.length === 0 ? '.' : normalize(joined);
}

export function resolve(...paths) {
  let resolved = '';
  let absolute = false;
  for (let i = paths.length - 1; i >= -1 && !absolute; i--) {
    const path = i >= 0 ? paths[i] : '/';
    check(path);
    if (path.length === 0) continue;
    resolved = resolved.length === 0 ? path : `${path}/${resolved}`;
    absolute = path.startsWith('/');
  }
  const result = normalizeSegments(resolved, true);
  return '/' + result;
}

export function isAbsolute(path) {
  check(path);
  return path.startsWith('/');
}

export function relative(from, to) {
  check(from, 'from');
  check(to, 'to');
  const a = resolve(from).split('/').filter(Boolean);
  const b = resolve(to).split('/').filter(Boolean);
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  return [...a.slice(common).map(() => '..'), ...b.slice(common)].join('/');
}

export function dirname(path) {
  check(path);
  if (path.length === 0) return '.';
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed.length === 0) return '/';
  const at = trimmed.lastIndexOf('/');
  if (at === -1) return '.';
  const dir = trimmed.slice(0, at).replace(/\/+$/, '');
  return dir.length === 0 ? '/' : dir;
}

export function basename(path, suffix) {
  check(path);
  if (suffix !== undefined) check(suffix, 'suffix');
  const trimmed = path.replace(/\/+$/, '');
  let base = trimmed.slice(trimmed.lastIndexOf('/') + 1);
  if (suffix !== undefined && base !== suffix && base.endsWith(suffix)) {
    base = base.slice(0, base.length - suffix.length);
  }
  return base;
}

export function extname(path) {
  check(path);
  const base = basename(path);
  const dot = base.lastIndexOf('.');
  return dot <= 0 || (dot === 1 && base === '..') ? '' : base.slice(dot);
}

export function parse(path) {
  check(path);
  const root = path.startsWith('/') ? '/' : '';
  const base = basename(path);
  const ext = extname(path);
  let dir = dirname(path);
  if (dir === '.' && !path.includes('/')) dir = '';
  return { root, dir, base, ext, name: ext ? base.slice(0, base.length - ext.length) : base };
}

export function format(object) {
  if (object === null || typeof object !== 'object') {
    throw new TypeError(`The "pathObject" argument must be of type object. Received ${object === null ? 'null' : typeof object}`);
  }
  const dir = object.dir || object.root || '';
  const base = object.base || `${object.name || ''}${object.ext ? (object.ext.startsWith('.') ? '' : '.') + object.ext : ''}`;
  if (!dir) return base;
  return dir === object.root ? `${dir}${base}` : `${dir}/${base}`;
}

export function toNamespacedPath(path) {
  return path;
}

const path = {
  sep, delimiter, normalize, join, resolve, isAbsolute, relative, dirname, basename,
  extname, parse, format, toNamespacedPath,
};
path.posix = path;
export const posix = path;
export default path;
