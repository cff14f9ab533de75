// The `url` module: the WHATWG URL classes (also present as globals), Node's legacy
// `url.parse`/`format`/`resolve` API with its lenient parsing, and the helpers around
// them (`domainToASCII`, `fileURLToPath`, ...). A job has no filesystem and no working
// directory: `pathToFileURL` resolves relative paths from `/`, on POSIX rules.

import { parse as parseQuery, stringify as stringifyQuery } from 'querystring';
import { resolve as resolvePath } from 'path';
import { codedError, describe } from 'warren:node-errors';

export const URL = globalThis.URL;
export const URLSearchParams = globalThis.URLSearchParams;

// ---- Domains -------------------------------------------------------------------

const PUNY_BASE = 36;

function punycodeDigit(code) {
  if (code >= 0x30 && code <= 0x39) return code - 22;
  if (code >= 0x41 && code <= 0x5a) return code - 0x41;
  if (code >= 0x61 && code <= 0x7a) return code - 0x61;
  return PUNY_BASE;
}

function adapt(delta, count, first) {
  delta = first ? Math.floor(delta / 700) : delta >> 1;
  delta += Math.floor(delta / count);
  let k = 0;
  while (delta > 455) {
    delta = Math.floor(delta / 35);
    k += PUNY_BASE;
  }
  return k + Math.floor((36 * delta) / (delta + 38));
}

// Decodes one Punycode label (RFC 3492, without its `xn--`); null if it is malformed.
function decodePunycode(label) {
  const split = label.lastIndexOf('-');
  const output = [];
  for (let i = 0; i < Math.max(split, 0); i++) {
    if (label.charCodeAt(i) >= 0x80) return null;
    output.push(label.charCodeAt(i));
  }
  let n = 128;
  let bias = 72;
  let i = 0;
  for (let pos = split > 0 ? split + 1 : 0; pos < label.length;) {
    const before = i;
    for (let w = 1, k = PUNY_BASE; ; k += PUNY_BASE) {
      if (pos >= label.length) return null;
      const digit = punycodeDigit(label.charCodeAt(pos++));
      if (digit >= PUNY_BASE) return null;
      i += digit * w;
      const t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias;
      if (digit < t) break;
      w *= PUNY_BASE - t;
      if (i > 0x10ffff * (output.length + 1) || w > 0x10ffff * (output.length + 1)) return null;
    }
    bias = adapt(i - before, output.length + 1, before === 0);
    n += Math.floor(i / (output.length + 1));
    i %= output.length + 1;
    if (n > 0x10ffff) return null;
    output.splice(i++, 0, n);
  }
  return String.fromCodePoint(...output);
}

// A host as the WHATWG host parser gives it, or '' if it is not a valid domain.
export function domainToASCII(domain) {
  let host = String(domain);
  // The host ends where a URL's host would end.
  const end = host.search(/[/?#\\]/);
  if (end >= 0) host = host.slice(0, end);
  if (host === '' || /[@:]/.test(host.replace(/^\[[^\]]*\]$/, ''))) return '';
  try {
    return new URL(`ws://${host}/`).hostname;
  } catch {
    return '';
  }
}

// Punycode labels longer than this stay in ASCII form: decoding costs time quadratic
// in the length, and no real domain's label comes near it.
const MAX_DECODED_LABEL = 4096;

export function domainToUnicode(domain) {
  const ascii = domainToASCII(domain);
  const decode = (label) => (/^xn--/i.test(label) && label.length <= MAX_DECODED_LABEL ? decodePunycode(label.slice(4)) : label);
  const labels = ascii.split('.').map(decode);
  return labels.includes(null) ? '' : labels.join('.');
}

// ---- The legacy API ------------------------------------------------------------

const SLASHED = new Set(['http', 'http:', 'https', 'https:', 'ftp', 'ftp:', 'gopher', 'gopher:', 'file', 'file:']);
const isJavascript = (protocol) => protocol === 'javascript' || protocol === 'javascript:';
// Characters that end a host when they come after its last `@`.
const NON_HOST = new Set([' ', '"', '%', "'", ';', '<', '>', '\\', '^', '`', '{', '|', '}']);
// Characters no hostname may keep after its conversion to ASCII.
const FORBIDDEN_HOST = /[\0\t\n\r #%/:<>?@[\\\]^|]/;
const FORBIDDEN_IPV6_HOST = /[\0\t\n\r #%/<>?@\\^|]/;
const AUTO_ESCAPE = /[\t\n\r "'<>\\^`{|}]/g;
const SIMPLE_PATH = /^(\/\/?(?!\/)[^?\s]*)(\?[^\s]*)?$/;
const isSpace = (code) => code < 33 || code === 0xa0 || code === 0xfeff;
const isIpv6Hostname = (hostname) => hostname.startsWith('[') && hostname.endsWith(']');

// The parsed form of a URL string, as `url.parse` gives it. The field order is Node's.
export function Url() {
  this.protocol = null;
  this.slashes = null;
  this.auth = null;
  this.host = null;
  this.port = null;
  this.hostname = null;
  this.hash = null;
  this.search = null;
  this.query = null;
  this.pathname = null;
  this.path = null;
  this.href = null;
}

// `url` without surrounding whitespace, with backslashes before any query or hash read
// as slashes (as browsers do).
function prepare(url) {
  let start = 0;
  let end = url.length;
  while (start < end && isSpace(url.charCodeAt(start))) start++;
  while (end > start && isSpace(url.charCodeAt(end - 1))) end--;
  const trimmed = url.slice(start, end);
  let split = trimmed.search(/[?#]/);
  if (split < 0) split = trimmed.length;
  const head = trimmed.slice(0, split);
  return {
    rest: head.replace(/\\/g, '/') + trimmed.slice(split),
    hasHash: trimmed.includes('#'),
    hasAt: head.includes('@'),
  };
}

// Lower-cased ASCII (Punycode) form of a hostname; '' when it has no valid one.
function hostnameToASCII(hostname) {
  if (/^[\0-\x7f]*$/.test(hostname) && !/(^|\.)xn--/.test(hostname)) return hostname;
  try {
    return new URL(`http://${hostname}/`).hostname;
  } catch {
    return '';
  }
}

Url.prototype.parse = function parse(url, parseQueryString, slashesDenoteHost) {
  if (typeof url !== 'string') {
    throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "url" argument must be of type string. ${describe(url)}`);
  }
  const prepared = prepare(url);
  let rest = prepared.rest;

  if (!slashesDenoteHost && !prepared.hasHash && !prepared.hasAt) {
    const simple = SIMPLE_PATH.exec(rest);
    if (simple) {
      this.path = rest;
      this.href = rest;
      this.pathname = simple[1];
      if (simple[2]) {
        this.search = simple[2];
        this.query = parseQueryString ? parseQuery(this.search.slice(1)) : this.search.slice(1);
      } else if (parseQueryString) {
        this.search = null;
        this.query = Object.create(null);
      }
      return this;
    }
  }

  const protoMatch = /^[a-z0-9.+-]+:/i.exec(rest);
  const proto = protoMatch?.[0];
  const lowerProto = proto?.toLowerCase();
  if (proto) {
    this.protocol = lowerProto;
    rest = rest.slice(proto.length);
  }

  // `user@server` always has a host; `//server/path` does when the caller says so.
  let slashes = false;
  if (slashesDenoteHost || proto || /^\/\/[^@/]+@[^@/]+/.test(rest)) {
    slashes = rest.startsWith('//');
    if (slashes && !(proto && isJavascript(lowerProto))) {
      rest = rest.slice(2);
      this.slashes = true;
    }
  }

  if (!isJavascript(lowerProto) && (slashes || (proto && !SLASHED.has(proto)))) {
    rest = parseAuthority(this, rest);
  }

  if (!isJavascript(lowerProto)) {
    rest = rest.replace(AUTO_ESCAPE, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  }

  const hashAt = rest.indexOf('#');
  if (hashAt >= 0) this.hash = rest.slice(hashAt);
  const beforeHash = hashAt >= 0 ? rest.slice(0, hashAt) : rest;
  const queryAt = beforeHash.indexOf('?');
  if (queryAt >= 0) {
    this.search = beforeHash.slice(queryAt);
    this.query = beforeHash.slice(queryAt + 1);
    if (parseQueryString) this.query = parseQuery(this.query);
  } else if (parseQueryString) {
    this.search = null;
    this.query = Object.create(null);
  }
  const pathname = queryAt >= 0 ? beforeHash.slice(0, queryAt) : beforeHash;
  if (pathname.length > 0) this.pathname = pathname;
  if (SLASHED.has(lowerProto) && this.hostname && !this.pathname) this.pathname = '/';
  if (this.pathname || this.search) this.path = (this.pathname || '') + (this.search || '');
  this.href = this.format();
  return this;
};

// Reads `[auth@]host[:port]` from the front of `rest` into `self`; returns what
// follows it.
function parseAuthority(self, rest) {
  // The host ends at the first `/`, `?` or `#`; tabs and newlines before it are dropped.
  let hostEnd = rest.search(/[/?#]/);
  if (hostEnd < 0) hostEnd = rest.length;
  const authority = rest.slice(0, hostEnd).replace(/[\t\n\r]/g, '');
  rest = authority + rest.slice(hostEnd);
  const atSign = authority.lastIndexOf('@');
  let nonHost = -1;
  for (let i = atSign + 1; i < authority.length; i++) {
    if (NON_HOST.has(authority[i])) {
      nonHost = i;
      break;
    }
  }
  if (nonHost < 0 && authority.length < rest.length) nonHost = authority.length;
  if (atSign >= 0) self.auth = decodeURIComponent(rest.slice(0, atSign));
  self.host = nonHost < 0 ? rest.slice(atSign + 1) : rest.slice(atSign + 1, nonHost);
  rest = nonHost < 0 ? '' : rest.slice(nonHost);
  self.parseHost();
  let hostname = typeof self.hostname === 'string' ? self.hostname : '';

  const ipv6 = isIpv6Hostname(hostname);
  if (!ipv6) {
    // Whatever follows a character no hostname has belongs to the path.
    const bad = hostname.search(/[/\\#?:]/);
    if (bad >= 0) {
      rest = `/${hostname.slice(bad)}${rest}`;
      hostname = hostname.slice(0, bad);
    }
  }
  hostname = hostname.length > 255 ? '' : hostname.toLowerCase();
  if (hostname !== '') {
    if (!ipv6) hostname = hostnameToASCII(hostname);
    if (ipv6 ? FORBIDDEN_IPV6_HOST.test(hostname) : hostname === '' || FORBIDDEN_HOST.test(hostname)) {
      throw codedError(TypeError, 'ERR_INVALID_URL', 'Invalid URL');
    }
  }
  self.host = hostname + (self.port ? `:${self.port}` : '');
  self.hostname = hostname;
  if (ipv6) {
    self.hostname = hostname.slice(1, -1);
    if (!rest.startsWith('/')) rest = `/${rest}`;
  }
  return rest;
}

Url.prototype.parseHost = function parseHost() {
  let host = this.host;
  const port = /:[0-9]*$/.exec(host);
  if (port) {
    if (port[0] !== ':') this.port = port[0].slice(1);
    host = host.slice(0, host.length - port[0].length);
  }
  if (host) this.hostname = host;
};

Url.prototype.format = function format() {
  let auth = this.auth || '';
  if (auth) {
    try {
      auth = `${encodeURIComponent(auth).replace(/%3A/g, ':')}@`;
    } catch {
      throw codedError(URIError, 'ERR_INVALID_URI', 'URI malformed');
    }
  }
  let protocol = this.protocol || '';
  let pathname = this.pathname || '';
  let hash = this.hash || '';
  let host = '';
  if (this.host) {
    host = auth + this.host;
  } else if (this.hostname) {
    const hostname = this.hostname;
    host = auth + (hostname.includes(':') && !isIpv6Hostname(hostname) ? `[${hostname}]` : hostname);
    if (this.port) host += `:${this.port}`;
  }
  const query = this.query !== null && typeof this.query === 'object' ? stringifyQuery(this.query) : '';
  let search = this.search || (query && `?${query}`) || '';
  if (protocol && !protocol.endsWith(':')) protocol += ':';
  pathname = pathname.replace(/[?#]/g, (c) => encodeURIComponent(c));
  // Only the protocols that always have `//` get it, unless the URL had it.
  if (this.slashes || SLASHED.has(protocol)) {
    if (this.slashes || host) {
      if (pathname && !pathname.startsWith('/')) pathname = `/${pathname}`;
      host = `//${host}`;
    } else if (protocol.startsWith('file')) {
      host = '//';
    }
  }
  search = search.replace(/#/g, '%23');
  if (hash && !hash.startsWith('#')) hash = `#${hash}`;
  if (search && !search.startsWith('?')) search = `?${search}`;
  return protocol + host + pathname + search + hash;
};

Url.prototype.resolve = function resolve(relative) {
  return this.resolveObject(parse(relative, false, true)).format();
};

function setPath(result) {
  if (result.pathname || result.search) result.path = (result.pathname || '') + (result.search || '');
}

// A host that came out of a path may still carry `auth@` (as in `mailto:` URLs).
function splitAuthFromHost(result) {
  const at = result.host ? result.host.indexOf('@') : -1;
  if (at > 0) {
    const [auth, host] = result.host.split('@');
    result.auth = auth;
    result.host = result.hostname = host;
  }
}

Url.prototype.resolveObject = function resolveObject(relative) {
  if (typeof relative === 'string') relative = new Url().parse(relative, false, true);
  const result = new Url();
  for (const key of Object.keys(this)) result[key] = this[key];
  // The fragment always comes from `relative`, even an empty one.
  result.hash = relative.hash;
  if (relative.href === '') {
    result.href = result.format();
    return result;
  }

  // `//host/path` keeps only the protocol.
  if (relative.slashes && !relative.protocol) {
    for (const key of Object.keys(relative)) if (key !== 'protocol') result[key] = relative[key];
    if (SLASHED.has(result.protocol) && result.hostname && !result.pathname) result.path = result.pathname = '/';
    result.href = result.format();
    return result;
  }

  if (relative.protocol && relative.protocol !== result.protocol) {
    return resolveOtherProtocol(result, relative);
  }

  const sourceAbsolute = result.pathname?.startsWith('/');
  const relativeAbsolute = relative.host || relative.pathname?.startsWith('/');
  let mustEndAbsolute = relativeAbsolute || sourceAbsolute || (result.host && relative.pathname);
  const removeAllDots = mustEndAbsolute;
  let sourcePath = result.pathname ? result.pathname.split('/') : [];
  const relativePath = relative.pathname ? relative.pathname.split('/') : [];
  // A URL without `//` (`mailto:a@b`) keeps its host as the first path segment
  // while resolving, so `..` can climb into it.
  const hostInPath = result.protocol && !SLASHED.has(result.protocol);
  if (hostInPath) {
    result.hostname = '';
    result.port = null;
    if (result.host) {
      if (sourcePath[0] === '') sourcePath[0] = result.host;
      else sourcePath.unshift(result.host);
    }
    result.host = '';
    if (relative.protocol) {
      relative.hostname = null;
      relative.port = null;
      result.auth = null;
      if (relative.host) {
        if (relativePath[0] === '') relativePath[0] = relative.host;
        else relativePath.unshift(relative.host);
      }
      relative.host = null;
    }
    mustEndAbsolute = mustEndAbsolute && (relativePath[0] === '' || sourcePath[0] === '');
  }

  if (relativeAbsolute) {
    if (relative.host || relative.host === '') {
      if (result.host !== relative.host) result.auth = null;
      result.host = relative.host;
      result.port = relative.port;
    }
    if (relative.hostname || relative.hostname === '') {
      if (result.hostname !== relative.hostname) result.auth = null;
      result.hostname = relative.hostname;
    }
    result.search = relative.search;
    result.query = relative.query;
    sourcePath = relativePath;
  } else if (relativePath.length > 0) {
    // Relative: the last segment of the source gives way to the relative path.
    sourcePath.pop();
    sourcePath = sourcePath.concat(relativePath);
    result.search = relative.search;
    result.query = relative.query;
  } else if (relative.search !== null && relative.search !== undefined) {
    // Only a new query (`?x`).
    if (hostInPath) {
      result.hostname = result.host = sourcePath.shift();
      splitAuthFromHost(result);
    }
    result.search = relative.search;
    result.query = relative.query;
    if (result.pathname !== null || result.search !== null) {
      result.path = (result.pathname || '') + (result.search || '');
    }
    result.href = result.format();
    return result;
  }

  if (sourcePath.length === 0) {
    result.pathname = null;
    result.path = result.search ? `/${result.search}` : null;
    result.href = result.format();
    return result;
  }

  // A path ending in `.` or `..` (or `/`) keeps a trailing slash.
  let last = sourcePath[sourcePath.length - 1];
  const trailingSlash = ((result.host || relative.host || sourcePath.length > 1) && (last === '.' || last === '..')) || last === '';
  let up = 0;
  const kept = [];
  for (let i = sourcePath.length - 1; i >= 0; i--) {
    last = sourcePath[i];
    if (last === '.') continue;
    if (last === '..') up++;
    else if (up > 0) up--;
    else kept.push(last);
  }
  sourcePath = kept.reverse();
  if (!mustEndAbsolute && !removeAllDots) {
    while (up-- > 0) sourcePath.unshift('..');
  }
  if (mustEndAbsolute && sourcePath[0] !== '' && !sourcePath[0]?.startsWith('/')) sourcePath.unshift('');
  if (trailingSlash && !sourcePath.join('/').endsWith('/')) sourcePath.push('');
  const isAbsolute = sourcePath[0] === '' || Boolean(sourcePath[0]?.startsWith('/'));
  if (hostInPath) {
    result.hostname = result.host = isAbsolute ? '' : sourcePath.length ? sourcePath.shift() : '';
    splitAuthFromHost(result);
  }
  mustEndAbsolute = mustEndAbsolute || (result.host && sourcePath.length);
  if (mustEndAbsolute && !isAbsolute) sourcePath.unshift('');
  if (sourcePath.length === 0) {
    result.pathname = null;
    result.path = null;
  } else {
    result.pathname = sourcePath.join('/');
  }
  if (result.pathname !== null || result.search !== null) {
    result.path = (result.pathname || '') + (result.search || '');
  }
  result.auth = relative.auth || result.auth;
  result.slashes = result.slashes || relative.slashes;
  result.href = result.format();
  return result;
};

// Resolving against a different protocol: a protocol without `//` replaces the URL
// outright; one with `//` (http:, file:, ...) takes the relative URL's host and path,
// reading the host from the path when there is none.
function resolveOtherProtocol(result, relative) {
  if (!SLASHED.has(relative.protocol)) {
    for (const key of Object.keys(relative)) result[key] = relative[key];
    result.href = result.format();
    return result;
  }
  result.protocol = relative.protocol;
  if (!relative.host && !/^file:?$/.test(relative.protocol) && !isJavascript(relative.protocol)) {
    const segments = (relative.pathname || '').split('/');
    while (segments.length && !(relative.host = segments.shift()));
    if (!relative.host) relative.host = '';
    if (!relative.hostname) relative.hostname = '';
    if (segments[0] !== '') segments.unshift('');
    if (segments.length < 2) segments.unshift('');
    result.pathname = segments.join('/');
  } else {
    result.pathname = relative.pathname;
  }
  result.search = relative.search;
  result.query = relative.query;
  result.host = relative.host || '';
  result.auth = relative.auth;
  result.hostname = relative.hostname || relative.host;
  result.port = relative.port;
  setPath(result);
  result.slashes = result.slashes || relative.slashes;
  result.href = result.format();
  return result;
}

export function parse(url, parseQueryString, slashesDenoteHost) {
  if (url instanceof Url) return url;
  return new Url().parse(url, parseQueryString, slashesDenoteHost);
}

export function resolve(source, relative) {
  return parse(source, false, true).resolve(relative);
}

export function resolveObject(source, relative) {
  if (!source) return relative;
  return parse(source, false, true).resolveObject(relative);
}

// A WHATWG URL's href, less what `options` leave out.
function formatWhatwg(url, options) {
  let fragment = true;
  let unicode = false;
  let search = true;
  let auth = true;
  if (options !== undefined && options !== null) {
    if (typeof options !== 'object') {
      throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "options" argument must be of type object. ${describe(options)}`);
    }
    if (options.fragment != null) fragment = Boolean(options.fragment);
    if (options.unicode != null) unicode = Boolean(options.unicode);
    if (options.search != null) search = Boolean(options.search);
    if (options.auth != null) auth = Boolean(options.auth);
  }
  const { protocol, username, password, host, hostname, port, pathname } = url;
  let out = protocol;
  if (url.href.startsWith(`${protocol}//`)) {
    out += '//';
    if (auth && (username || password)) out += `${username}${password ? `:${password}` : ''}@`;
    out += unicode ? domainToUnicode(hostname) + (port ? `:${port}` : '') : host;
  }
  out += pathname;
  if (search) out += url.search;
  if (fragment) out += url.hash;
  return out;
}

export function format(urlObject, options) {
  if (typeof urlObject === 'string') return parse(urlObject).format();
  if (typeof urlObject !== 'object' || urlObject === null) {
    throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE',
      `The "urlObject" argument must be one of type object or string. ${describe(urlObject)}`);
  }
  if (urlObject instanceof URL) return formatWhatwg(urlObject, options);
  return Url.prototype.format.call(urlObject);
}

// ---- File URLs and HTTP options --------------------------------------------------

export function fileURLToPath(path) {
  let url = path;
  if (typeof path === 'string') url = new URL(path);
  else if (!(path instanceof URL)) {
    throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE',
      `The "path" argument must be of type string or an instance of URL. ${describe(path)}`);
  }
  if (url.protocol !== 'file:') throw codedError(TypeError, 'ERR_INVALID_URL_SCHEME', 'The URL must be of scheme file');
  if (url.hostname !== '') {
    throw codedError(TypeError, 'ERR_INVALID_FILE_URL_HOST', 'File URL host must be "localhost" or empty on linux');
  }
  const pathname = url.pathname;
  if (/%2f/i.test(pathname)) {
    throw codedError(TypeError, 'ERR_INVALID_FILE_URL_PATH', 'File URL path must not include encoded / characters');
  }
  return decodeURIComponent(pathname);
}

const PATH_ESCAPES = { '%': '%25', '\\': '%5C', '\n': '%0A', '\r': '%0D', '\t': '%09' };

export function pathToFileURL(filepath) {
  if (typeof filepath !== 'string') {
    throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "path" argument must be of type string. ${describe(filepath)}`);
  }
  let resolved = resolvePath(filepath);
  if (filepath.endsWith('/') && !resolved.endsWith('/')) resolved += '/';
  const url = new URL('file://');
  url.pathname = resolved.replace(/[%\\\n\r\t]/g, (c) => PATH_ESCAPES[c]);
  return url;
}

export function urlToHttpOptions(url) {
  const options = {
    __proto__: null,
    ...url,
    protocol: url.protocol,
    hostname: typeof url.hostname === 'string' && url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
    hash: url.hash,
    search: url.search,
    pathname: url.pathname,
    path: `${url.pathname || ''}${url.search || ''}`,
    href: url.href,
  };
  if (url.port !== '') options.port = Number(url.port);
  if (url.username || url.password) {
    options.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  }
  return options;
}

export default {
  Url, parse, resolve, resolveObject, format,
  URL, URLSearchParams, domainToASCII, domainToUnicode,
  pathToFileURL, fileURLToPath, urlToHttpOptions,
};
