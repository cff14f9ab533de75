// The `string_decoder` module: Node's StringDecoder, which turns a stream of byte chunks
// into text without splitting a character that straddles two chunks. The bytes of an
// unfinished character are held back until the next `write` (or `end`, which replaces
// whatever is left with U+FFFD as Node does).

import { codedError, describe } from 'warren:node-errors';

const ENCODINGS = new Map([
  ['utf8', 'utf8'], ['utf-8', 'utf8'],
  ['utf16le', 'utf16le'], ['utf-16le', 'utf16le'], ['ucs2', 'utf16le'], ['ucs-2', 'utf16le'],
  ['latin1', 'latin1'], ['binary', 'latin1'],
  ['base64', 'base64'], ['base64url', 'base64url'], ['hex', 'hex'], ['ascii', 'ascii'],
]);

const EMPTY = new Uint8Array(0);
// Keeps a byte-order mark as text, as Node's decoder does.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
// `String.fromCharCode` takes its codes as arguments: stay well below any argument limit.
const SLICE = 0x2000;
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

function normalizeEncoding(encoding) {
  if (encoding === undefined || encoding === null || encoding === '') return 'utf8';
  const name = typeof encoding === 'string' ? ENCODINGS.get(encoding.toLowerCase()) : undefined;
  if (name === undefined) throw codedError(TypeError, 'ERR_UNKNOWN_ENCODING', `Unknown encoding: ${String(encoding)}`);
  return name;
}

// The bytes of any typed array or DataView; a detached one has none.
function bytesOf(buf) {
  if (!ArrayBuffer.isView(buf)) {
    throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE',
      `The "buf" argument must be an instance of Buffer, TypedArray, or DataView. ${describe(buf)}`);
  }
  if (buf.byteLength === 0) return EMPTY;
  return buf instanceof Uint8Array ? buf : new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

function fromCodes(codes) {
  let out = '';
  for (let i = 0; i < codes.length; i += SLICE) out += String.fromCharCode.apply(null, codes.subarray(i, i + SLICE));
  return out;
}

function concat(a, b) {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

// Stateless decoders for whole runs of bytes.
const decoders = {
  utf8: (bytes) => (bytes.length === 0 ? '' : utf8.decode(bytes)),
  latin1: fromCodes,
  ascii: (bytes) => fromCodes(bytes.map((b) => b & 0x7f)),
  hex: (bytes) => {
    const parts = [];
    for (let i = 0; i < bytes.length; i += SLICE) parts.push(Array.from(bytes.subarray(i, i + SLICE), (b) => HEX[b]).join(''));
    return parts.join('');
  },
  utf16le: (bytes) => {
    const units = new Uint16Array(bytes.length >> 1);
    for (let i = 0; i < units.length; i++) units[i] = bytes[2 * i] | (bytes[2 * i + 1] << 8);
    return fromCodes(units);
  },
  base64: (bytes) => encodeBase64(bytes, BASE64, true),
  base64url: (bytes) => encodeBase64(bytes, BASE64URL, false),
};

function encodeBase64(bytes, alphabet, pad) {
  const parts = [];
  let part = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    part += alphabet[n >> 18] + alphabet[(n >> 12) & 63] + alphabet[(n >> 6) & 63] + alphabet[n & 63];
    if (part.length >= SLICE) { parts.push(part); part = ''; }
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = (bytes[i] << 16) | (rest === 2 ? bytes[i + 1] << 8 : 0);
    part += alphabet[n >> 18] + alphabet[(n >> 12) & 63];
    if (rest === 2) part += alphabet[(n >> 6) & 63];
    if (pad) part += rest === 2 ? '=' : '==';
  }
  parts.push(part);
  return parts.join('');
}

// How many bytes a UTF-8 sequence starting with `lead` claims to have (0: not a lead).
function utf8Length(lead) {
  if ((lead & 0xe0) === 0xc0) return 2;
  if ((lead & 0xf0) === 0xe0) return 3;
  if ((lead & 0xf8) === 0xf0) return 4;
  return 0;
}

const isContinuation = (b) => (b & 0xc0) === 0x80;

// The held-back bytes of an unfinished character, and how many more it needs.
const kPending = Symbol('pending');
const kMissing = Symbol('missing');

export function StringDecoder(encoding) {
  this.encoding = normalizeEncoding(encoding);
  this[kPending] = EMPTY;
  this[kMissing] = 0;
}

StringDecoder.prototype.write = function write(buf) {
  if (typeof buf === 'string') return buf;
  const bytes = bytesOf(buf);
  const { encoding } = this;
  if (encoding === 'utf8') return writeUtf8(this, bytes);
  if (encoding === 'utf16le') return writeUtf16(this, bytes);
  if (encoding === 'base64' || encoding === 'base64url') {
    const all = concat(this[kPending], bytes);
    const whole = all.length - (all.length % 3);
    this[kPending] = all.slice(whole);
    return decoders[encoding](all.subarray(0, whole));
  }
  return decoders[encoding](bytes);
};

StringDecoder.prototype.end = function end(buf) {
  const head = buf === undefined ? '' : this.write(buf);
  const pending = this[kPending];
  this[kPending] = EMPTY;
  this[kMissing] = 0;
  if (pending.length === 0) return head;
  // A lone trailing byte of UTF-16 is dropped; everything else is decoded as it stands.
  const tail = this.encoding === 'utf16le' ? pending.subarray(0, pending.length & ~1) : pending;
  return head + decoders[this.encoding](tail);
};

// Completes a held-back character from the front of `bytes`; returns where the rest
// starts, or -1 when the character still needs more bytes than `bytes` holds.
function complete(decoder, bytes, accepts) {
  let taken = 0;
  while (taken < bytes.length && taken < decoder[kMissing] && accepts(bytes[taken])) taken++;
  const stillShort = taken === bytes.length && taken < decoder[kMissing];
  decoder[kPending] = concat(decoder[kPending], bytes.subarray(0, taken));
  decoder[kMissing] = stillShort ? decoder[kMissing] - taken : 0;
  return stillShort ? -1 : taken;
}

function hold(decoder, bytes, keep, missing) {
  decoder[kPending] = bytes.slice(bytes.length - keep);
  decoder[kMissing] = missing;
  return bytes.subarray(0, bytes.length - keep);
}

function flushPending(decoder) {
  const text = decoders[decoder.encoding](decoder[kPending]);
  decoder[kPending] = EMPTY;
  return text;
}

function writeUtf8(decoder, bytes) {
  let head = '';
  if (decoder[kMissing] > 0) {
    // A byte that is no continuation ends the held character early: it is decoded
    // (to U+FFFD) and the byte starts the next one.
    const start = complete(decoder, bytes, isContinuation);
    if (start < 0) return '';
    head = flushPending(decoder);
    bytes = bytes.subarray(start);
  }
  // Look back over at most three continuation bytes for the lead of an unfinished
  // sequence at the end.
  for (let back = 1; back <= Math.min(4, bytes.length); back++) {
    const b = bytes[bytes.length - back];
    if (isContinuation(b)) continue;
    const want = utf8Length(b);
    if (want > back) bytes = hold(decoder, bytes, back, want - back);
    break;
  }
  return head + decoders.utf8(bytes);
}

function writeUtf16(decoder, bytes) {
  let head = '';
  if (decoder[kMissing] > 0) {
    const start = complete(decoder, bytes, () => true);
    if (start < 0) return '';
    head = flushPending(decoder);
    bytes = bytes.subarray(start);
  }
  if (bytes.length % 2 === 1) {
    bytes = hold(decoder, bytes, 1, 1);
  } else if (bytes.length > 0 && (bytes[bytes.length - 1] & 0xfc) === 0xd8) {
    // A high surrogate waits for its low half.
    bytes = hold(decoder, bytes, 2, 2);
  }
  return head + decoders.utf16le(bytes);
}

export default { StringDecoder };
