// The `crypto` module: Node's API over native helpers (RustCrypto): hashes, HMACs,
// PBKDF2, randomness, KeyObjects, signatures (RSA PKCS#1 v1.5 and PSS, ECDSA,
// Ed25519), AES-GCM and AES-CBC ciphers, and `webcrypto`, the global `crypto`.
import * as native from 'warren:native/crypto';

const { Buffer } = globalThis;

const HASHES = { md5: 'md5', sha1: 'sha1', 'sha-1': 'sha1', sha224: 'sha224', 'sha-224': 'sha224',
  sha256: 'sha256', 'sha-256': 'sha256', sha384: 'sha384', 'sha-384': 'sha384', sha512: 'sha512', 'sha-512': 'sha512' };

// Node's names for the curves (`asymmetricKeyDetails.namedCurve`), and back.
const NODE_CURVES = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' };
const CURVES_BY_NODE_NAME = { prime256v1: 'P-256', 'p-256': 'P-256', secp256r1: 'P-256', secp384r1: 'P-384', 'p-384': 'P-384', secp521r1: 'P-521', 'p-521': 'P-521' };

function codeError(Type, code, message) {
  const err = new Type(message);
  err.code = code;
  return err;
}

/** The canonical digest name for Node's spellings (`sha256`, `SHA-256`, `RSA-SHA256`). */
function hashOf(name) {
  const key = String(name).toLowerCase().replace(/^(rsa-|ecdsa-with-)/, '').replace(/withrsaencryption$/, '');
  const hash = HASHES[key];
  if (!hash) throw codeError(Error, 'ERR_CRYPTO_INVALID_DIGEST', `Invalid digest: ${name}`);
  return hash;
}

/** `data` as bytes: strings in `encoding` (UTF-8 by default), any ArrayBuffer view. */
function toBytes(data, encoding, name = 'data') {
  if (typeof data === 'string') return Buffer.from(data, encoding);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  // A detached view reads as empty, as in Node (its buffer cannot be viewed again).
  if (ArrayBuffer.isView(data)) {
    return data.byteLength === 0 ? new Uint8Array(0) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE',
    `The "${name}" argument must be of type string or an instance of Buffer, TypedArray, or DataView.`);
}

/** A fresh copy of `data`'s bytes, so later changes by the caller do not leak in. */
const copyOf = (data, encoding, name) => new Uint8Array(toBytes(data, encoding, name));

const asBuffer = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const output = (bytes, encoding) => encoding === undefined || encoding === 'buffer' ? asBuffer(bytes) : asBuffer(bytes).toString(encoding);

/** Hashes and HMACs: chunks are copied as they come and hashed at `digest`. */
class Digester {
  #run; #chunks; #done = false;
  constructor(run, chunks = []) { this.#run = run; this.#chunks = chunks; }
  update(data, encoding) {
    if (this.#done) throw codeError(Error, 'ERR_CRYPTO_HASH_FINALIZED', 'Digest already called');
    this.#chunks.push(copyOf(data, encoding));
    return this;
  }
  digest(encoding) {
    if (this.#done) throw codeError(Error, 'ERR_CRYPTO_HASH_FINALIZED', 'Digest already called');
    this.#done = true;
    return output(this.#run(this.#chunks), encoding);
  }
  copyState() {
    if (this.#done) throw codeError(Error, 'ERR_CRYPTO_HASH_FINALIZED', 'Digest already called');
    return this.#chunks.slice();
  }
}

export class Hash extends Digester {
  #alg;
  constructor(alg, chunks) {
    const hash = hashOf(alg);
    super((parts) => native.digest(hash, parts), chunks);
    this.#alg = hash;
  }
  copy() { return new Hash(this.#alg, this.copyState()); }
}

export class Hmac extends Digester {
  constructor(alg, key, encoding) {
    const hash = hashOf(alg);
    const secret = key instanceof KeyObject ? secretOf(key) : copyOf(key, encoding, 'key');
    super((parts) => native.hmac(hash, secret, parts));
  }
}

export function createHash(alg) { return new Hash(alg); }
export function createHmac(alg, key, options) { return new Hmac(alg, key, options && options.encoding); }
export function hash(alg, data, encoding = 'hex') { return output(native.digest(hashOf(alg), [copyOf(data)]), encoding); }

// --- Keys -----------------------------------------------------------------------

const keyData = new WeakMap();
const KEY_TOKEN = Symbol('KeyObject');

/** Node's KeyObject: a secret (its bytes) or an asymmetric key (its DER, PKCS#8 when
 * private, SPKI when public), kept out of reach of job code. */
export class KeyObject {
  constructor(token, type, data) {
    if (token !== KEY_TOKEN) throw codeError(TypeError, 'ERR_ILLEGAL_CONSTRUCTOR', 'Illegal constructor');
    keyData.set(this, data);
    Object.defineProperty(this, 'type', { value: type, enumerable: true });
  }
  get asymmetricKeyType() { return this.type === 'secret' ? undefined : keyData.get(this).asymmetricKeyType; }
  get asymmetricKeyDetails() {
    if (this.type === 'secret') return undefined;
    const info = keyData.get(this);
    if (info.asymmetricKeyType === 'rsa') return { modulusLength: info.modulusLength, publicExponent: BigInt(info.publicExponent) };
    if (info.asymmetricKeyType === 'ec') return { namedCurve: NODE_CURVES[info.namedCurve] };
    return {};
  }
  get symmetricKeySize() { return this.type === 'secret' ? keyData.get(this).bytes.length : undefined; }
  export(options = {}) {
    const data = keyData.get(this);
    if (this.type === 'secret') {
      if (options.format === 'jwk') return { kty: 'oct', k: asBuffer(data.bytes).toString('base64url') };
      return Buffer.from(data.bytes);
    }
    const format = options.format === undefined ? 'pem' : String(options.format);
    if (format === 'jwk') return JSON.parse(asBuffer(native.keyExport(data.der, 'jwk', false)).toString());
    if (format !== 'pem' && format !== 'der') throw codeError(TypeError, 'ERR_INVALID_ARG_VALUE', `Invalid format: ${format}`);
    if (options.cipher !== undefined || options.passphrase !== undefined) throw codeError(Error, 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', 'Encrypted key export is not supported');
    const type = options.type === undefined ? (this.type === 'private' ? 'pkcs8' : 'spki') : String(options.type);
    const bytes = native.keyExport(data.der, type, format === 'pem');
    return format === 'pem' ? asBuffer(bytes).toString() : asBuffer(bytes);
  }
  equals(other) {
    if (!(other instanceof KeyObject) || other.type !== this.type) return false;
    const a = this.type === 'secret' ? keyData.get(this).bytes : keyData.get(this).der;
    const b = other.type === 'secret' ? keyData.get(other).bytes : keyData.get(other).der;
    return a.length === b.length && timingSafeEqual(a, b);
  }
  get [Symbol.toStringTag]() { return 'KeyObject'; }
}

function secretOf(key) {
  if (key.type !== 'secret') throw codeError(TypeError, 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE', `Invalid key object type ${key.type}, expected secret.`);
  return keyData.get(key).bytes;
}

const asymmetric = (info) => new KeyObject(KEY_TOKEN, info.type, info);

export function createSecretKey(key, encoding) {
  const bytes = copyOf(key, encoding, 'key');
  // A PEM-armoured key is never a secret: Node reads any such key as asymmetric, and
  // libraries that fall back to a secret when `createPublicKey` fails (jsonwebtoken)
  // would otherwise accept HMAC tokens "signed" with a public key's text.
  if (PEM_ARMOUR.test(String.fromCharCode(...bytes.subarray(0, 64)))) {
    throw codeError(TypeError, 'ERR_INVALID_ARG_VALUE',
      'Warren does not take PEM-armoured text as a secret key (it is an asymmetric key Warren could not read)');
  }
  return new KeyObject(KEY_TOKEN, 'secret', { bytes });
}

/** The start of PEM text: an asymmetric key or certificate, whatever its label. */
const PEM_ARMOUR = /^\s*-----BEGIN [A-Z0-9 ]+-----/;

/** The key Node's `createPublicKey`/`createPrivateKey`/`sign`/`verify` are given: a
 * KeyObject, PEM text, DER or JWK (`{ key, format, type }`), or `{ key }` options. */
function parseKey(key, wanted) {
  if (key instanceof KeyObject) return key;
  let format = 'pem';
  let type;
  let material = key;
  if (key !== null && typeof key === 'object' && !ArrayBuffer.isView(key) && !(key instanceof ArrayBuffer)) {
    if (key.passphrase !== undefined) throw codeError(Error, 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', 'Encrypted private keys are not supported');
    material = key.key;
    if (material instanceof KeyObject) return material;
    if (key.format !== undefined) format = String(key.format);
    if (key.type !== undefined) type = String(key.type);
  }
  let info;
  if (format === 'jwk') {
    if (material === null || typeof material !== 'object') throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "key.key" property must be of type object.');
    if (material.kty === 'oct') {
      if (wanted !== 'secret') throw codeError(TypeError, 'ERR_CRYPTO_INVALID_JWK', 'Invalid JWK data');
    }
    info = native.keyImport('jwk', Buffer.from(JSON.stringify(material)));
  } else if (format === 'pem') {
    info = native.keyImport('pem', copyOf(material, 'utf8', 'key'));
  } else if (format === 'der') {
    const der = copyOf(material, undefined, 'key');
    const kind = type || (wanted === 'public' ? 'spki' : 'pkcs8');
    info = native.keyImport(kind, der);
  } else {
    throw codeError(TypeError, 'ERR_INVALID_ARG_VALUE', `Invalid key format: ${format}`);
  }
  return asymmetric(info);
}

export function createPublicKey(key) {
  const parsed = parseKey(key, 'public');
  if (parsed.type === 'secret') throw codeError(TypeError, 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE', 'Invalid key object type secret, expected private or public.');
  return parsed.type === 'public' ? parsed : asymmetric(native.keyPublic(keyData.get(parsed).der));
}

export function createPrivateKey(key) {
  const parsed = parseKey(key, 'private');
  if (parsed.type !== 'private') throw codeError(TypeError, 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE', `Invalid key object type ${parsed.type}, expected private.`);
  return parsed;
}

/** The key pair `generateKeyPairSync` makes, exported as `options` asks. */
export function generateKeyPairSync(type, options = {}) {
  let info;
  if (type === 'ec') {
    const curve = CURVES_BY_NODE_NAME[String(options.namedCurve).toLowerCase()];
    if (!curve) throw codeError(TypeError, 'ERR_CRYPTO_INVALID_CURVE', `Invalid EC curve name: ${options.namedCurve}`);
    info = native.keyGenerate('ec', curve);
  } else if (type === 'ed25519') {
    info = native.keyGenerate('ed25519', '');
  } else {
    throw codeError(Error, 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', `Generating ${type} key pairs is not supported in Warren (import a key instead)`);
  }
  const privateKey = asymmetric(info);
  const publicKey = asymmetric(native.keyPublic(info.der));
  return {
    publicKey: options.publicKeyEncoding ? publicKey.export(options.publicKeyEncoding) : publicKey,
    privateKey: options.privateKeyEncoding ? privateKey.export(options.privateKeyEncoding) : privateKey,
  };
}

export function generateKeyPair(type, options, callback) {
  later(callback, () => { const pair = generateKeyPairSync(type, options); return [pair.publicKey, pair.privateKey]; });
}

export function generateKeySync(type, options = {}) {
  const bits = Number(options.length);
  if (type === 'aes' ? ![128, 192, 256].includes(bits) : !(Number.isInteger(bits) && bits >= 8 && bits <= 65536)) {
    throw codeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "options.length" is out of range. Received ${options.length}`);
  }
  if (type !== 'aes' && type !== 'hmac') throw codeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The argument 'type' must be one of: 'hmac', 'aes'. Received ${type}`);
  return new KeyObject(KEY_TOKEN, 'secret', { bytes: randomBytes(Math.floor(bits / 8)) });
}

// --- Signatures -------------------------------------------------------------------

export const constants = Object.freeze({
  RSA_PKCS1_PADDING: 1, RSA_NO_PADDING: 3, RSA_PKCS1_OAEP_PADDING: 4, RSA_PKCS1_PSS_PADDING: 6,
  RSA_PSS_SALTLEN_DIGEST: -1, RSA_PSS_SALTLEN_MAX_SIGN: -2, RSA_PSS_SALTLEN_AUTO: -2,
});

/** The native scheme and PSS salt length for `key` with Node's signing `options`. */
function schemeFor(key, options, signing) {
  const kind = keyData.get(key).asymmetricKeyType;
  if (kind === 'ed25519') return ['ed25519', -1];
  if (kind === 'ec') return [options.dsaEncoding === 'ieee-p1363' ? 'ecdsa-p1363' : 'ecdsa-der', -1];
  if (options.padding === constants.RSA_PKCS1_PSS_PADDING) {
    const salt = options.saltLength === undefined ? (signing ? constants.RSA_PSS_SALTLEN_MAX_SIGN : constants.RSA_PSS_SALTLEN_AUTO) : Number(options.saltLength);
    // Digest length is the native default (-1); the maximum when signing and
    // "whatever was used" when verifying are told apart in `pssSalt`.
    return ['pss', salt];
  }
  return ['pkcs1', -1];
}

function pssSalt(der, hash, salt, signing) {
  if (salt >= 0 || salt === constants.RSA_PSS_SALTLEN_DIGEST) return salt >= 0 ? salt : -1;
  if (!signing) return -1;
  // RSA_PSS_SALTLEN_MAX_SIGN: the longest salt the key holds.
  const bits = native.keyPublic(der).modulusLength;
  const digestLength = native.digest(hash, []).length;
  return Math.ceil((bits - 1) / 8) - digestLength - 2;
}

function signWith(hash, data, key, signing, signature) {
  const options = key !== null && typeof key === 'object' && !(key instanceof KeyObject) && !ArrayBuffer.isView(key) ? key : {};
  const parsed = signing ? createPrivateKey(key) : parseKey(key, 'public');
  if (parsed.type === 'secret') throw codeError(TypeError, 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE', 'Invalid key object type secret, expected private or public.');
  const [scheme, salt] = schemeFor(parsed, options, signing);
  const { der } = keyData.get(parsed);
  // No digest: Ed25519 hashes inside; RSA and ECDSA take SHA-256, as OpenSSL does.
  const hashName = scheme === 'ed25519' ? 'sha512' : hash ?? 'sha256';
  const saltLength = scheme === 'pss' ? pssSalt(der, hashName, salt, signing) : -1;
  return signing
    ? native.sign(scheme, hashName, der, data, saltLength)
    : native.verify(scheme, hashName, der, data, signature, saltLength);
}

class Signer {
  #hash; #chunks = []; #done = false;
  constructor(alg) { this.#hash = hashOf(alg); }
  update(data, encoding) {
    if (this.#done) throw codeError(Error, 'ERR_CRYPTO_SIGN_KEY_REQUIRED', 'Already finalised');
    this.#chunks.push(copyOf(data, encoding));
    return this;
  }
  // Node's Sign and Verify are writable streams; libraries that pipe into them need
  // only `write` and `end`.
  write(data, encoding) { this.update(data, encoding); return true; }
  end(data, encoding) { if (data !== undefined) this.update(data, encoding); return this; }
  take() {
    if (this.#done) throw codeError(Error, 'ERR_CRYPTO_SIGN_KEY_REQUIRED', 'Already finalised');
    this.#done = true;
    return [this.#hash, Buffer.concat(this.#chunks)];
  }
}

export class Sign extends Signer {
  sign(key, encoding) {
    const [hash, data] = this.take();
    return output(signWith(hash, data, key, true), encoding);
  }
}

export class Verify extends Signer {
  verify(key, signature, encoding) {
    const [hash, data] = this.take();
    return signWith(hash, data, key, false, copyOf(signature, encoding, 'signature'));
  }
}

export function createSign(alg) { return new Sign(alg); }
export function createVerify(alg) { return new Verify(alg); }

export function sign(alg, data, key, callback) {
  const hash = alg === null || alg === undefined ? null : hashOf(alg);
  const run = () => asBuffer(signWith(hash, copyOf(data), key, true));
  if (typeof callback === 'function') return later(callback, () => [run()]);
  return run();
}

export function verify(alg, data, key, signature, callback) {
  const hash = alg === null || alg === undefined ? null : hashOf(alg);
  const run = () => signWith(hash, copyOf(data), key, false, copyOf(signature, undefined, 'signature'));
  if (typeof callback === 'function') return later(callback, () => [run()]);
  return run();
}

// --- PBKDF2 -----------------------------------------------------------------------

export function pbkdf2Sync(password, salt, iterations, keylen, digest) {
  const n = Number(iterations), len = Number(keylen);
  if (!Number.isInteger(n) || n < 1 || n > 2147483647) throw codeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "iterations" is out of range. Received ${iterations}`);
  if (!Number.isInteger(len) || len < 0 || len > 2147483647) throw codeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "keylen" is out of range. Received ${keylen}`);
  return asBuffer(native.pbkdf2(hashOf(digest), copyOf(password, undefined, 'password'), copyOf(salt, undefined, 'salt'), n, len));
}

export function pbkdf2(password, salt, iterations, keylen, digest, callback) {
  if (typeof callback !== 'function') throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "callback" argument must be of type function.');
  later(callback, () => [pbkdf2Sync(password, salt, iterations, keylen, digest)]);
}

// --- Ciphers ----------------------------------------------------------------------

const CIPHERS = {
  'aes-128-gcm': ['gcm', 16], 'aes-192-gcm': ['gcm', 24], 'aes-256-gcm': ['gcm', 32],
  'id-aes128-gcm': ['gcm', 16], 'id-aes192-gcm': ['gcm', 24], 'id-aes256-gcm': ['gcm', 32],
  'aes-128-cbc': ['cbc', 16], 'aes-192-cbc': ['cbc', 24], 'aes-256-cbc': ['cbc', 32],
  aes128: ['cbc', 16], aes192: ['cbc', 24], aes256: ['cbc', 32],
};

/** Node's Cipher and Decipher for AES-GCM and AES-CBC. The whole message is taken in
 * by `update` and processed at `final`, so `update` gives nothing; what callers join
 * (`update(...) + final(...)`) is the same. */
class AesCipher {
  #mode; #key; #iv; #encrypt; #chunks = []; #aad = new Uint8Array(0); #tag; #padding = true; #done = false;
  constructor(encrypt, alg, key, iv) {
    const spec = CIPHERS[String(alg).toLowerCase()];
    if (!spec) throw codeError(Error, 'ERR_CRYPTO_UNKNOWN_CIPHER', 'Unknown cipher');
    this.#mode = spec[0];
    this.#key = key instanceof KeyObject ? secretOf(key) : copyOf(key, undefined, 'key');
    if (this.#key.length !== spec[1]) throw codeError(RangeError, 'ERR_CRYPTO_INVALID_KEYLEN', 'Invalid key length');
    this.#iv = copyOf(iv, undefined, 'iv');
    if (this.#mode === 'cbc' ? this.#iv.length !== 16 : this.#iv.length === 0) throw codeError(TypeError, 'ERR_CRYPTO_INVALID_IV', 'Invalid initialization vector');
    this.#encrypt = encrypt;
  }
  update(data, inputEncoding, outputEncoding) {
    if (this.#done) throw codeError(Error, 'ERR_CRYPTO_INVALID_STATE', 'Invalid state for operation update');
    this.#chunks.push(copyOf(data, inputEncoding));
    return output(new Uint8Array(0), outputEncoding);
  }
  final(outputEncoding) {
    if (this.#done) throw codeError(Error, 'ERR_CRYPTO_INVALID_STATE', 'Invalid state for operation final');
    this.#done = true;
    const data = Buffer.concat(this.#chunks);
    let out;
    if (this.#mode === 'cbc') {
      try {
        out = native.aesCbc(this.#encrypt, this.#key, this.#iv, data, this.#padding);
      } catch (err) {
        throw codeError(Error, 'ERR_OSSL_BAD_DECRYPT', this.#encrypt ? err.message : 'bad decrypt');
      }
    } else if (this.#encrypt) {
      const sealed = native.aesGcm(true, this.#key, this.#iv, data, this.#aad, new Uint8Array(0));
      out = sealed.subarray(0, sealed.length - 16);
      this.#tag = sealed.slice(sealed.length - 16);
    } else {
      if (this.#tag === undefined) throw codeError(Error, 'ERR_CRYPTO_INVALID_STATE', 'Unsupported state or unable to authenticate data');
      try {
        out = native.aesGcm(false, this.#key, this.#iv, data, this.#aad, this.#tag);
      } catch {
        throw new Error('Unsupported state or unable to authenticate data');
      }
    }
    return output(out, outputEncoding);
  }
  setAAD(aad) {
    if (this.#mode !== 'gcm') throw codeError(Error, 'ERR_CRYPTO_INVALID_STATE', 'Invalid state for operation setAAD');
    this.#aad = copyOf(aad, undefined, 'buffer');
    return this;
  }
  setAutoPadding(padding = true) { this.#padding = Boolean(padding); return this; }
  getAuthTag() {
    if (!this.#encrypt || this.#tag === undefined) throw codeError(Error, 'ERR_CRYPTO_INVALID_STATE', 'Invalid state for operation getAuthTag');
    return Buffer.from(this.#tag);
  }
  setAuthTag(tag) {
    if (this.#encrypt || this.#mode !== 'gcm') throw codeError(Error, 'ERR_CRYPTO_INVALID_STATE', 'Invalid state for operation setAuthTag');
    this.#tag = copyOf(tag, undefined, 'buffer');
    if (this.#tag.length !== 16) throw codeError(TypeError, 'ERR_CRYPTO_INVALID_AUTH_TAG', `Invalid authentication tag length: ${this.#tag.length} (Warren takes 16-byte tags)`);
    return this;
  }
}

export class Cipheriv extends AesCipher { constructor(alg, key, iv) { super(true, alg, key, iv); } }
export class Decipheriv extends AesCipher { constructor(alg, key, iv) { super(false, alg, key, iv); } }
export function createCipheriv(alg, key, iv) { return new Cipheriv(alg, key, iv); }
export function createDecipheriv(alg, key, iv) { return new Decipheriv(alg, key, iv); }
export function getCiphers() { return Object.keys(CIPHERS).filter((name) => name.startsWith('aes-')); }
export function getCurves() { return Object.values(NODE_CURVES); }
export function getHashes() { return ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512']; }

// --- Randomness -------------------------------------------------------------------

export function randomUUID() { return native.uuid(); }
export function getRandomValues(array) { return globalThis.crypto.getRandomValues(array); }

const MAX_RANDOM_BYTES = 1 << 20;

export function randomBytes(size, callback) {
  const n = Number(size);
  if (!Number.isInteger(n) || n < 0 || n > MAX_RANDOM_BYTES) throw codeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "size" is out of range. It must be >= 0 && <= ${MAX_RANDOM_BYTES}. Received ${size}`);
  const out = Buffer.alloc(n);
  native.randomFill(out);
  if (typeof callback === 'function') return later(callback, () => [out]);
  return out;
}

export function randomFillSync(target, offset = 0, size) {
  const bytes = toBytes(target, undefined, 'buf');
  const start = Number(offset);
  const count = size === undefined ? bytes.length - start : Number(size);
  if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > bytes.length) {
    throw codeError(RangeError, 'ERR_OUT_OF_RANGE', 'The value of "offset" or "size" is out of range.');
  }
  for (let at = start; at < start + count; at += MAX_RANDOM_BYTES) {
    native.randomFill(bytes.subarray(at, Math.min(start + count, at + MAX_RANDOM_BYTES)));
  }
  return target;
}

export function randomFill(target, ...rest) {
  const callback = rest.pop();
  if (typeof callback !== 'function') throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "callback" argument must be of type function.');
  later(callback, () => [randomFillSync(target, ...rest)]);
}

export function randomInt(min, max, callback) {
  if (typeof max === 'function' || max === undefined) { callback = max; max = min; min = 0; }
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max <= min || max - min > 2 ** 48) {
    throw codeError(RangeError, 'ERR_OUT_OF_RANGE', 'randomInt: need safe integers min < max, at most 2^48 apart');
  }
  const range = max - min;
  // Rejection sampling over 48 random bits keeps every value equally likely.
  const limit = 2 ** 48 - (2 ** 48 % range);
  const buf = new Uint8Array(6);
  let x;
  do {
    native.randomFill(buf);
    x = buf.reduce((acc, b) => acc * 256 + b, 0);
  } while (x >= limit);
  const value = min + (x % range);
  if (typeof callback === 'function') return later(callback, () => [value]);
  return value;
}

export function timingSafeEqual(a, b) {
  const x = toBytes(a, undefined, 'buf1'), y = toBytes(b, undefined, 'buf2');
  if (x.length !== y.length) throw codeError(RangeError, 'ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH', 'Input buffers must have the same byte length');
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

/** Calls Node-style `callback(null, ...results)` after the current job step, or
 * `callback(err)` if `steps` throws. */
function later(callback, steps) {
  if (typeof callback !== 'function') throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "callback" argument must be of type function.');
  let results, error;
  try { results = steps(); } catch (err) { error = err; }
  queueMicrotask(() => (error === undefined ? callback(null, ...results) : callback(error)));
}

export const webcrypto = globalThis.crypto;
export const subtle = webcrypto.subtle;

export default {
  createHash, createHmac, hash, Hash, Hmac, KeyObject, createSecretKey, createPublicKey, createPrivateKey,
  generateKeyPair, generateKeyPairSync, generateKeySync, constants, Sign, Verify, createSign, createVerify, sign, verify,
  pbkdf2, pbkdf2Sync, Cipheriv, Decipheriv, createCipheriv, createDecipheriv, getCiphers, getCurves, getHashes,
  randomUUID, getRandomValues, randomBytes, randomFillSync, randomFill, randomInt, timingSafeEqual, webcrypto, subtle,
};
