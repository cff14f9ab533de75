// Lazily loaded part of the prelude: the Web Crypto global `crypto` (W3C Web
// Cryptography API): randomness, and `crypto.subtle` for digests, HMAC, RSA
// (PKCS#1 v1.5 and PSS) and ECDSA and Ed25519 signatures, AES-GCM and AES-CBC, and
// PBKDF2, over the native helpers of the `crypto` module. Keys never leave the job's
// context: a `CryptoKey` keeps its bytes (DER for asymmetric keys) out of reach of
// job code, in a WeakMap.
(function (host) {
  'use strict';
  const { randomFill, uuid } = host;

  const fail = (message, name) => new DOMException(message, name);
  const notSupported = (what) => fail(`${what} is not supported`, 'NotSupportedError');

  // Algorithms by their normalised names (matching is case-insensitive).
  const NAMES = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512', 'HMAC', 'AES-GCM', 'AES-CBC', 'PBKDF2',
    'RSASSA-PKCS1-v1_5', 'RSA-PSS', 'ECDSA', 'Ed25519', 'RSA-OAEP', 'AES-CTR', 'AES-KW', 'ECDH', 'HKDF', 'X25519'];
  const SUPPORTED = new Set(NAMES.slice(0, 12));
  const HASHES = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };
  const HMAC_BLOCK_BITS = { 'SHA-1': 512, 'SHA-256': 512, 'SHA-384': 1024, 'SHA-512': 1024 };
  const CURVES = ['P-256', 'P-384', 'P-521'];

  /** The algorithm `alg` (a name or an object with one) as a plain object with its
   * normalised name; members are read once, here. */
  function normalize(alg) {
    const given = typeof alg === 'string' ? { name: alg } : alg;
    if (given === null || typeof given !== 'object') throw new TypeError('Algorithm: expected a name or an object with one');
    const name = String(given.name);
    const known = NAMES.find((n) => n.toLowerCase() === name.toLowerCase());
    if (known === undefined || !SUPPORTED.has(known)) throw notSupported(`Algorithm ${name}`);
    const out = {};
    for (const key of ['hash', 'length', 'namedCurve', 'saltLength', 'iv', 'additionalData', 'tagLength', 'salt', 'iterations']) {
      const value = given[key];
      if (value !== undefined) out[key] = value;
    }
    out.name = known;
    if (out.hash !== undefined) out.hash = { name: hashName(out.hash) };
    return out;
  }

  function hashName(hash) {
    const name = String(typeof hash === 'string' ? hash : hash && hash.name);
    const known = Object.keys(HASHES).find((n) => n.toLowerCase() === name.toLowerCase());
    if (known === undefined) throw notSupported(`Hash ${name}`);
    return known;
  }

  /** A copy of the bytes of a BufferSource (detached buffers read as empty). */
  function bytesOf(data, what = 'data') {
    if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
    if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
    throw new TypeError(`${what} must be an ArrayBuffer or a view of one`);
  }

  const arrayBuffer = (bytes) => bytes.buffer.byteLength === bytes.byteLength ? bytes.buffer : bytes.slice().buffer;

  const keys = new WeakMap();
  const ILLEGAL = Symbol('CryptoKey');

  /** A key: what it is for is public, its material is kept in `keys`. */
  class CryptoKey {
    constructor(token, type, extractable, algorithm, usages) {
      if (token !== ILLEGAL) throw new TypeError('Illegal constructor');
      Object.defineProperties(this, {
        type: { value: type, enumerable: true },
        extractable: { value: extractable, enumerable: true },
        algorithm: { value: Object.freeze(algorithm), enumerable: true },
        usages: { value: Object.freeze(usages), enumerable: true },
      });
    }
    get [Symbol.toStringTag]() { return 'CryptoKey'; }
  }

  function makeKey(type, extractable, algorithm, usages, material) {
    const key = new CryptoKey(ILLEGAL, type, Boolean(extractable), algorithm, usages);
    keys.set(key, material);
    return key;
  }

  function materialOf(key, alg, usage) {
    const material = keys.get(key);
    if (material === undefined) throw new TypeError('key is not a CryptoKey');
    if (key.algorithm.name !== alg.name) throw fail(`The key is for ${key.algorithm.name}, not ${alg.name}`, 'InvalidAccessError');
    if (!key.usages.includes(usage)) throw fail(`The key may not be used to ${usage}`, 'InvalidAccessError');
    return material;
  }

  const USAGES = {
    HMAC: { secret: ['sign', 'verify'] },
    'AES-GCM': { secret: ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey'] },
    'AES-CBC': { secret: ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey'] },
    PBKDF2: { secret: ['deriveBits', 'deriveKey'] },
    'RSASSA-PKCS1-v1_5': { public: ['verify'], private: ['sign'] },
    'RSA-PSS': { public: ['verify'], private: ['sign'] },
    ECDSA: { public: ['verify'], private: ['sign'] },
    Ed25519: { public: ['verify'], private: ['sign'] },
  };

  function checkUsages(alg, type, usages) {
    const list = Array.from(usages, String);
    const allowed = USAGES[alg.name][type] || [];
    for (const usage of list) {
      if (!allowed.includes(usage)) throw fail(`Cannot create a ${type} ${alg.name} key for ${usage}`, 'SyntaxError');
    }
    if (list.length === 0 && type !== 'public') throw fail('Usages cannot be empty', 'SyntaxError');
    return list;
  }

  const b64url = {
    encode(bytes) {
      let binary = '';
      for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
      return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    },
    decode(text) {
      if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*={0,2}$/.test(text)) throw fail('JWK member is not base64url', 'DataError');
      const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, ''));
      const bytes = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
      return bytes;
    },
  };

  const utf8 = (text) => new TextEncoder().encode(text);
  const fromUtf8 = (bytes) => new TextDecoder().decode(bytes);

  // JWK `alg` names for symmetric and RSA keys.
  const JWK_ALG = {
    HMAC: (a) => 'HS' + a.hash.name.slice(4),
    'AES-GCM': (a) => `A${a.length}GCM`,
    'AES-CBC': (a) => `A${a.length}CBC`,
    'RSASSA-PKCS1-v1_5': (a) => 'RS' + a.hash.name.slice(4),
    'RSA-PSS': (a) => 'PS' + a.hash.name.slice(4),
  };

  function importSecret(format, keyData, alg, extractable, usages) {
    let bytes;
    if (format === 'raw') bytes = bytesOf(keyData, 'keyData');
    else if (format === 'jwk') {
      if (keyData === null || typeof keyData !== 'object' || keyData.kty !== 'oct') throw fail('Expected an oct JWK', 'DataError');
      bytes = b64url.decode(keyData.k);
    } else throw notSupported(`Format ${format} for ${alg.name}`);
    const algorithm = { name: alg.name };
    if (alg.name === 'HMAC') {
      if (alg.hash === undefined) throw new TypeError('HMAC needs a hash');
      algorithm.hash = alg.hash;
      algorithm.length = bytes.length * 8;
      if (bytes.length === 0) throw fail('HMAC keys cannot be empty', 'DataError');
    } else if (alg.name === 'PBKDF2') {
      if (extractable) throw fail('PBKDF2 keys are not extractable', 'SyntaxError');
      if (format !== 'raw') throw notSupported(`Format ${format} for PBKDF2`);
    } else {
      if (![16, 24, 32].includes(bytes.length)) throw fail('AES keys are 128, 192 or 256 bits', 'DataError');
      algorithm.length = bytes.length * 8;
    }
    return makeKey('secret', extractable, algorithm, checkUsages(alg, 'secret', usages), { bytes });
  }

  function importAsymmetric(format, keyData, alg, extractable, usages) {
    let info;
    try {
      if (format === 'jwk') {
        if (keyData === null || typeof keyData !== 'object') throw new TypeError('keyData must be a JWK object');
        info = host.keyImport('jwk', utf8(JSON.stringify(keyData)));
      } else if (format === 'raw') {
        const curve = alg.name === 'Ed25519' ? 'Ed25519' : alg.namedCurve;
        if (alg.name !== 'Ed25519' && alg.name !== 'ECDSA') throw notSupported(`Format raw for ${alg.name}`);
        info = host.keyImport(`raw:${curve}`, bytesOf(keyData, 'keyData'));
      } else if (format === 'spki' || format === 'pkcs8') {
        info = host.keyImport(format, bytesOf(keyData, 'keyData'));
      } else {
        throw notSupported(`Format ${format}`);
      }
    } catch (err) {
      if (err instanceof DOMException) throw err;
      throw fail(err.message, 'DataError');
    }
    const expected = alg.name === 'ECDSA' ? 'ec' : alg.name === 'Ed25519' ? 'ed25519' : 'rsa';
    if (info.asymmetricKeyType !== expected) throw fail(`The key is not a ${alg.name} key`, 'DataError');
    if ((format === 'spki' && info.type !== 'public') || (format === 'pkcs8' && info.type !== 'private')) {
      throw fail(`The ${format} data is not a ${format === 'spki' ? 'public' : 'private'} key`, 'DataError');
    }
    const algorithm = { name: alg.name };
    if (expected === 'ec') {
      if (info.namedCurve !== alg.namedCurve) throw fail(`The key is on ${info.namedCurve}, not ${alg.namedCurve}`, 'DataError');
      algorithm.namedCurve = info.namedCurve;
    } else if (expected === 'rsa') {
      if (alg.hash === undefined) throw new TypeError(`${alg.name} needs a hash`);
      algorithm.modulusLength = info.modulusLength;
      algorithm.publicExponent = new Uint8Array([1, 0, 1]);
      algorithm.hash = alg.hash;
    }
    return makeKey(info.type, extractable, algorithm, checkUsages(alg, info.type, usages), { der: info.der });
  }

  function exportKey(format, key) {
    const material = keys.get(key);
    if (material === undefined) throw new TypeError('key is not a CryptoKey');
    if (!key.extractable) throw fail('The key is not extractable', 'InvalidAccessError');
    const alg = key.algorithm;
    if (key.type === 'secret') {
      if (format === 'raw') return arrayBuffer(material.bytes.slice());
      if (format === 'jwk') {
        const jwk = { kty: 'oct', k: b64url.encode(material.bytes), alg: JWK_ALG[alg.name](alg), key_ops: [...key.usages], ext: true };
        return jwk;
      }
      throw notSupported(`Format ${format} for secret keys`);
    }
    if (format === 'jwk') {
      const jwk = JSON.parse(fromUtf8(host.keyExport(material.der, 'jwk', false)));
      if (JWK_ALG[alg.name]) jwk.alg = JWK_ALG[alg.name](alg);
      jwk.key_ops = [...key.usages];
      jwk.ext = true;
      return jwk;
    }
    if (format === 'spki' && key.type === 'public') return arrayBuffer(host.keyExport(material.der, 'spki', false));
    if (format === 'pkcs8' && key.type === 'private') return arrayBuffer(host.keyExport(material.der, 'pkcs8', false));
    if (format === 'raw' && key.type === 'public' && alg.name !== 'RSASSA-PKCS1-v1_5' && alg.name !== 'RSA-PSS') {
      return arrayBuffer(host.keyExport(material.der, 'raw', false));
    }
    throw fail(`A ${key.type} ${alg.name} key cannot be exported as ${format}`, 'InvalidAccessError');
  }

  /** The native signature scheme and hash for `alg` with `key`. */
  function scheme(alg, key) {
    switch (alg.name) {
      case 'RSASSA-PKCS1-v1_5': return ['pkcs1', HASHES[key.algorithm.hash.name], -1];
      case 'RSA-PSS': {
        const salt = Number(alg.saltLength);
        if (!Number.isInteger(salt) || salt < 0) throw new TypeError('RSA-PSS needs a saltLength');
        return ['pss', HASHES[key.algorithm.hash.name], salt];
      }
      case 'ECDSA': {
        if (alg.hash === undefined) throw new TypeError('ECDSA needs a hash');
        return ['ecdsa-p1363', HASHES[alg.hash.name], -1];
      }
      default: return ['ed25519', 'sha512', -1];
    }
  }

  function sign(alg, key, data) {
    if (alg.name === 'HMAC') {
      const { bytes } = materialOf(key, alg, 'sign');
      return arrayBuffer(host.hmac(HASHES[key.algorithm.hash.name], bytes, [data]));
    }
    const { der } = materialOf(key, alg, 'sign');
    const [name, hash, salt] = scheme(alg, key);
    return arrayBuffer(host.sign(name, hash, der, data, salt));
  }

  function verify(alg, key, signature, data) {
    if (alg.name === 'HMAC') {
      const { bytes } = materialOf(key, alg, 'verify');
      const expected = host.hmac(HASHES[key.algorithm.hash.name], bytes, [data]);
      if (expected.length !== signature.length) return false;
      let diff = 0;
      for (let i = 0; i < expected.length; i++) diff |= expected[i] ^ signature[i];
      return diff === 0;
    }
    const { der } = materialOf(key, alg, 'verify');
    const [name, hash, salt] = scheme(alg, key);
    return host.verify(name, hash, der, data, signature, salt);
  }

  function cipher(encrypt, alg, key, data) {
    const { bytes } = materialOf(key, alg, encrypt ? 'encrypt' : 'decrypt');
    const iv = bytesOf(alg.iv, 'iv');
    try {
      if (alg.name === 'AES-CBC') return arrayBuffer(host.aesCbc(encrypt, bytes, iv, data, true));
      if (alg.name !== 'AES-GCM') throw notSupported(`Encryption with ${alg.name}`);
      if (alg.tagLength !== undefined && Number(alg.tagLength) !== 128) throw notSupported('AES-GCM tags other than 128 bits');
      const aad = alg.additionalData === undefined ? new Uint8Array(0) : bytesOf(alg.additionalData, 'additionalData');
      if (encrypt) return arrayBuffer(host.aesGcm(true, bytes, iv, data, aad, new Uint8Array(0)));
      if (data.length < 16) throw fail('The data is shorter than its tag', 'OperationError');
      return arrayBuffer(host.aesGcm(false, bytes, iv, data.subarray(0, data.length - 16), aad, data.subarray(data.length - 16)));
    } catch (err) {
      if (err instanceof DOMException) throw err;
      throw fail(err.message, 'OperationError');
    }
  }

  function deriveBits(alg, key, length) {
    const { bytes } = materialOf(key, alg, 'deriveBits');
    if (alg.name !== 'PBKDF2') throw notSupported(`deriveBits with ${alg.name}`);
    if (alg.hash === undefined) throw new TypeError('PBKDF2 needs a hash');
    const bits = Number(length);
    if (!Number.isInteger(bits) || bits <= 0 || bits % 8 !== 0) throw fail('length must be a positive multiple of 8', 'OperationError');
    const iterations = Number(alg.iterations);
    if (!Number.isInteger(iterations) || iterations <= 0) throw fail('iterations must be a positive integer', 'OperationError');
    try {
      return arrayBuffer(host.pbkdf2(HASHES[alg.hash.name], bytes, bytesOf(alg.salt, 'salt'), iterations, bits / 8));
    } catch (err) {
      throw fail(err.message, 'OperationError');
    }
  }

  function generateKey(alg, extractable, usages) {
    switch (alg.name) {
      case 'HMAC': {
        if (alg.hash === undefined) throw new TypeError('HMAC needs a hash');
        const bits = alg.length === undefined ? HMAC_BLOCK_BITS[alg.hash.name] : Number(alg.length);
        if (!Number.isInteger(bits) || bits <= 0 || bits > 8192 || bits % 8 !== 0) throw fail('HMAC key length must be a positive multiple of 8, at most 8192', 'OperationError');
        const bytes = new Uint8Array(bits / 8);
        randomFill(bytes);
        return importSecret('raw', bytes, alg, extractable, usages);
      }
      case 'AES-GCM': case 'AES-CBC': {
        const bits = Number(alg.length);
        if (![128, 192, 256].includes(bits)) throw fail('AES key length must be 128, 192 or 256', 'OperationError');
        const bytes = new Uint8Array(bits / 8);
        randomFill(bytes);
        return importSecret('raw', bytes, alg, extractable, usages);
      }
      case 'ECDSA': case 'Ed25519': {
        const ec = alg.name === 'ECDSA';
        if (ec && !CURVES.includes(alg.namedCurve)) throw notSupported(`Curve ${alg.namedCurve}`);
        const list = Array.from(usages, String);
        const privateUsages = list.filter((u) => u === 'sign');
        const publicUsages = list.filter((u) => u === 'verify');
        if (privateUsages.length + publicUsages.length !== list.length || privateUsages.length === 0) {
          throw fail(`Invalid usages for ${alg.name}`, 'SyntaxError');
        }
        const info = host.keyGenerate(ec ? 'ec' : 'ed25519', ec ? alg.namedCurve : '');
        const publicInfo = host.keyPublic(info.der);
        const algorithm = ec ? { name: 'ECDSA', namedCurve: alg.namedCurve } : { name: 'Ed25519' };
        return {
          publicKey: makeKey('public', true, { ...algorithm }, publicUsages, { der: publicInfo.der }),
          privateKey: makeKey('private', extractable, { ...algorithm }, privateUsages, { der: info.der }),
        };
      }
      default: throw notSupported(`Generating ${alg.name} keys`);
    }
  }

  // Every method runs its steps in a promise, so that errors reject, as the standard says.
  const promised = (steps) => new Promise((resolve) => resolve(steps()));

  class SubtleCrypto {
    constructor(token) { if (token !== ILLEGAL) throw new TypeError('Illegal constructor'); }
    digest(algorithm, data) {
      return promised(() => {
        const name = hashName(typeof algorithm === 'string' ? algorithm : algorithm && algorithm.name);
        return arrayBuffer(host.digest(HASHES[name], [bytesOf(data)]));
      });
    }
    importKey(format, keyData, algorithm, extractable, usages) {
      return promised(() => {
        const alg = normalize(algorithm);
        const fmt = String(format);
        if (['HMAC', 'AES-GCM', 'AES-CBC', 'PBKDF2'].includes(alg.name)) return importSecret(fmt, keyData, alg, extractable, usages);
        if (alg.name.startsWith('SHA-')) throw notSupported(`Importing ${alg.name} keys`);
        return importAsymmetric(fmt, keyData, alg, extractable, usages);
      });
    }
    exportKey(format, key) { return promised(() => exportKey(String(format), key)); }
    sign(algorithm, key, data) { return promised(() => sign(normalize(algorithm), key, bytesOf(data))); }
    verify(algorithm, key, signature, data) {
      return promised(() => verify(normalize(algorithm), key, bytesOf(signature, 'signature'), bytesOf(data)));
    }
    encrypt(algorithm, key, data) { return promised(() => cipher(true, normalize(algorithm), key, bytesOf(data))); }
    decrypt(algorithm, key, data) { return promised(() => cipher(false, normalize(algorithm), key, bytesOf(data))); }
    generateKey(algorithm, extractable, usages) { return promised(() => generateKey(normalize(algorithm), extractable, usages)); }
    deriveBits(algorithm, key, length) { return promised(() => deriveBits(normalize(algorithm), key, length)); }
    deriveKey(algorithm, key, derivedKeyType, extractable, usages) {
      return promised(() => {
        const target = normalize(derivedKeyType);
        const bits = target.name === 'HMAC' ? (target.length ?? HMAC_BLOCK_BITS[target.hash && target.hash.name]) : target.length;
        const derived = deriveBits(normalize(algorithm), key, bits);
        return importSecret('raw', derived, target, extractable, usages);
      });
    }
    wrapKey() { return Promise.reject(notSupported('wrapKey')); }
    unwrapKey() { return Promise.reject(notSupported('unwrapKey')); }
    get [Symbol.toStringTag]() { return 'SubtleCrypto'; }
  }

  const subtle = new SubtleCrypto(ILLEGAL);

  class Crypto {
    constructor(token) { if (token !== ILLEGAL) throw new TypeError('Illegal constructor'); }
    get subtle() { return subtle; }
    getRandomValues(array) {
      if (!ArrayBuffer.isView(array) || array instanceof Float32Array || array instanceof Float64Array
        || array instanceof DataView
        || (typeof Float16Array === 'function' && array instanceof Float16Array)) {
        throw fail('getRandomValues: expected an integer typed array', 'TypeMismatchError');
      }
      if (array.byteLength > 65536) throw fail('getRandomValues: at most 65536 bytes', 'QuotaExceededError');
      // Empty (or detached, so empty, as Node sees it): nothing to fill.
      if (array.byteLength === 0) return array;
      randomFill(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
      return array;
    }
    randomUUID() { return uuid(); }
    get [Symbol.toStringTag]() { return 'Crypto'; }
  }

  return { crypto: new Crypto(ILLEGAL), Crypto, CryptoKey, SubtleCrypto };
})
