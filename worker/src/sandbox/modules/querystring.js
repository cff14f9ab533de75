// The `querystring` module: Node's `application/x-www-form-urlencoded` parser and
// serialiser. Parsing is lenient as Node's is: malformed `%` escapes stay as written,
// `+` is a space, repeated keys collect into arrays, and the result has no prototype
// (so keys such as `__proto__` are plain data).

import { Buffer } from 'buffer';

// Keeps a byte-order mark as text, as `Buffer#toString` does.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

const hexValue = (code) => {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
};

// The bytes `s` stands for: valid `%XX` escapes decoded, every other character kept as
// its low byte (as Node does), `+` a space when `decodeSpaces`.
function unescapeBytes(s, decodeSpaces) {
  const out = new Uint8Array(s.length);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code === 0x25 && i + 2 < s.length) {
      const hi = hexValue(s.charCodeAt(i + 1));
      const lo = hi < 0 ? -1 : hexValue(s.charCodeAt(i + 2));
      if (lo >= 0) {
        out[n++] = hi * 16 + lo;
        i += 2;
        continue;
      }
    }
    out[n++] = decodeSpaces && code === 0x2b ? 0x20 : code & 0xff;
  }
  return out.subarray(0, n);
}

export function unescapeBuffer(s, decodeSpaces) {
  return Buffer.from(unescapeBytes(String(s), decodeSpaces));
}

export function unescape(s, decodeSpaces) {
  try {
    return decodeURIComponent(s);
  } catch {
    return utf8.decode(unescapeBytes(String(s), decodeSpaces));
  }
}

export function escape(str) {
  if (typeof str !== 'string') str = typeof str === 'object' ? String(str) : `${str}`;
  try {
    return encodeURIComponent(str);
  } catch {
    const error = new URIError('URI malformed');
    error.code = 'ERR_INVALID_URI';
    throw error;
  }
}

const hasEscape = (s) => s.includes('%') && /%[0-9a-fA-F]{2}/.test(s);

// A key or value as written in the query, decoded. A custom decoder sees every
// non-empty part with `+` as `%20`, and falls back to `unescape` if it throws.
function decodePart(s, decode) {
  if (s.length === 0) return s;
  if (decode === unescape) {
    const spaced = s.includes('+') ? s.replace(/\+/g, ' ') : s;
    return hasEscape(spaced) ? unescape(spaced, true) : spaced;
  }
  const spaced = s.replace(/\+/g, '%20');
  try {
    return decode(spaced);
  } catch {
    return unescape(spaced, true);
  }
}

export function parse(qs, sep, eq, options) {
  const result = Object.create(null);
  if (typeof qs !== 'string' || qs.length === 0) return result;
  sep = sep ? String(sep) : '&';
  eq = eq ? String(eq) : '=';
  const keysOption = options?.maxKeys;
  // At most 1000 pairs unless told otherwise; 0 (or any non-positive) means no limit.
  const maxKeys = typeof keysOption !== 'number' ? 1000 : keysOption > 0 ? keysOption : Infinity;
  const decodeOption = options?.decodeURIComponent;
  const decode = typeof decodeOption === 'function' ? decodeOption : unescape;
  // Walks the pairs without splitting the whole string: `maxKeys` bounds the work.
  let start = 0;
  for (let pairs = 0; pairs < maxKeys && start <= qs.length; pairs++) {
    let end = qs.indexOf(sep, start);
    if (end < 0) end = qs.length;
    const pair = qs.slice(start, end);
    start = end + sep.length;
    if (pair.length === 0) continue;
    const at = pair.indexOf(eq);
    const key = decodePart(at < 0 ? pair : pair.slice(0, at), decode);
    const value = at < 0 ? '' : decodePart(pair.slice(at + eq.length), decode);
    const previous = result[key];
    if (previous === undefined) result[key] = value;
    else if (Array.isArray(previous)) previous.push(value);
    else result[key] = [previous, value];
  }
  return result;
}

function primitiveText(value) {
  switch (typeof value) {
    case 'string': return value;
    case 'number': return Number.isFinite(value) ? `${value}` : '';
    case 'bigint': return `${value}`;
    case 'boolean': return value ? 'true' : 'false';
    default: return '';
  }
}

export function stringify(obj, sep, eq, options) {
  if (obj === null || typeof obj !== 'object') return '';
  sep = sep || '&';
  eq = eq || '=';
  const encodeOption = options?.encodeURIComponent;
  const encode = typeof encodeOption === 'function' ? encodeOption : escape;
  const fields = [];
  for (const key of Object.keys(obj)) {
    const value = obj[key];
    const prefix = encode(primitiveText(key)) + eq;
    if (Array.isArray(value)) {
      for (const item of value) fields.push(prefix + encode(primitiveText(item)));
    } else {
      fields.push(prefix + encode(primitiveText(value)));
    }
  }
  return fields.join(sep);
}

export { parse as decode, stringify as encode };

export default { unescapeBuffer, unescape, escape, stringify, encode: stringify, parse, decode: parse };
