// The `crypto` module: Node's hashing and randomness API over native helpers.
import { digest, hmac, randomFill, uuid } from 'warren:native/crypto';

const ALGORITHMS = { md5: 'md5', sha1: 'sha1', 'sha-1': 'sha1', sha224: 'sha224', 'sha-224': 'sha224',
  sha256: 'sha256', 'sha-256': 'sha256', sha384: 'sha384', 'sha-384': 'sha384', sha512: 'sha512', 'sha-512': 'sha512' };

function algorithm(name) {
  const alg = ALGORITHMS[String(name).toLowerCase()];
  if (!alg) throw new Error(`Digest method not supported: ${name}`);
  return alg;
}

function toBytes(data, encoding) {
  if (typeof data === 'string') {
    switch ((encoding || 'utf8').toLowerCase()) {
      case 'utf8': case 'utf-8': return new TextEncoder().encode(data);
      case 'hex': {
        const out = new Uint8Array(data.length >> 1);
        for (let i = 0; i < out.length; i++) out[i] = parseInt(data.substr(i * 2, 2), 16);
        return out;
      }
      case 'base64': case 'base64url': {
        const bin = atob(data.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, ''));
        return Uint8Array.from(bin, (c) => c.charCodeAt(0));
      }
      case 'latin1': case 'binary': case 'ascii': return Uint8Array.from(data, (c) => c.charCodeAt(0) & 255);
      default: throw new TypeError(`Unknown encoding: ${encoding}`);
    }
  }
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError('data must be a string, an ArrayBuffer or a view of one');
}

function encode(bytes, encoding) {
  if (encoding === undefined || encoding === 'buffer') return bytes;
  switch (String(encoding).toLowerCase()) {
    case 'hex': return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    case 'base64': return btoa(String.fromCharCode(...bytes));
    case 'base64url': return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    case 'latin1': case 'binary': return String.fromCharCode(...bytes);
    default: throw new TypeError(`Unknown encoding: ${encoding}`);
  }
}

class Hash {
  #alg; #chunks = []; #done = false;
  constructor(alg, chunks = []) { this.#alg = algorithm(alg); this.#chunks = chunks; }
  update(data, encoding) {
    if (this.#done) throw new Error('Digest already called');
    this.#chunks.push(Uint8Array.from(toBytes(data, encoding)));
    return this;
  }
  digest(encoding) {
    if (this.#done) throw new Error('Digest already called');
    this.#done = true;
    return encode(digest(this.#alg, this.#chunks), encoding);
  }
  copy() {
    if (this.#done) throw new Error('Digest already called');
    return new Hash(this.#alg, this.#chunks.slice());
  }
}

class Hmac {
  #alg; #key; #chunks = []; #done = false;
  constructor(alg, key) { this.#alg = algorithm(alg); this.#key = Uint8Array.from(toBytes(key)); }
  update(data, encoding) {
    if (this.#done) throw new Error('Digest already called');
    this.#chunks.push(Uint8Array.from(toBytes(data, encoding)));
    return this;
  }
  digest(encoding) {
    if (this.#done) throw new Error('Digest already called');
    this.#done = true;
    return encode(hmac(this.#alg, this.#key, this.#chunks), encoding);
  }
}

export function createHash(alg) { return new Hash(alg); }
export function createHmac(alg, key) { return new Hmac(alg, key); }
export function randomUUID() { return uuid(); }
export function getRandomValues(array) {
  if (!ArrayBuffer.isView(array) || array instanceof Float32Array || array instanceof Float64Array) {
    throw new TypeError('getRandomValues: expected an integer typed array');
  }
  if (array.byteLength > 65536) throw new RangeError('getRandomValues: at most 65536 bytes');
  randomFill(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  return array;
}
export function randomBytes(size) {
  const n = Number(size);
  if (!Number.isInteger(n) || n < 0 || n > 1 << 20) throw new RangeError('randomBytes: size must be 0..1048576');
  const out = new Uint8Array(n);
  randomFill(out);
  return out;
}
export function randomInt(min, max) {
  if (max === undefined) { max = min; min = 0; }
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max <= min) throw new RangeError('randomInt: need integers min < max');
  const range = max - min;
  const buf = new Uint32Array(2);
  randomFill(new Uint8Array(buf.buffer));
  return min + Math.floor(((buf[0] * 2 ** 21 + (buf[1] >>> 11)) / 2 ** 53) * range);
}
export function timingSafeEqual(a, b) {
  const x = toBytes(a), y = toBytes(b);
  if (x.length !== y.length) throw new RangeError('Input buffers must have the same byte length');
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}
export function getHashes() { return ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512']; }
export const webcrypto = { getRandomValues, randomUUID };
export default { createHash, createHmac, randomUUID, getRandomValues, randomBytes, randomInt, timingSafeEqual, getHashes, webcrypto };
