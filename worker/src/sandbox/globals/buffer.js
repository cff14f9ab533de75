// Lazily loaded part of the prelude: Node's `Buffer`, a Uint8Array subclass with
// Node's encodings (utf8, hex, base64, base64url, latin1, ascii, utf16le), its integer,
// BigInt and float accessors, searching, comparing and copying, and Node's errors
// (with their `code`). Every allocation is zero-filled, `allocUnsafe`'s too: there is
// no pool whose old contents could leak.
(function (host) {
  'use strict';

  /** Node 20's `buffer.constants.MAX_LENGTH` on 64-bit: the largest size accepted. */
  const kMaxLength = 2 ** 32;
  const INSPECT_MAX_BYTES = 50;
  /** Characters per `String.fromCharCode` call: far below any engine's argument limit. */
  const CHUNK = 0x2000;

  // ---- Node's errors ------------------------------------------------------------------

  const fail = (Type, code, message) => Object.assign(new Type(message), { code });

  /** A primitive as Node's `util.inspect` shows it in error messages. */
  function show(value) {
    if (typeof value === 'string') {
      const quote = !value.includes("'") ? "'" : !value.includes('"') ? '"' : !value.includes('`') ? '`' : "'";
      return quote + value.replaceAll(quote, `\\${quote}`) + quote;
    }
    if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
    if (typeof value === 'bigint') return `${value}n`;
    return String(value);
  }

  /** The " Received …" tail of Node's ERR_INVALID_ARG_TYPE messages. */
  function received(value) {
    if (value == null) return ` Received ${value}`;
    if (typeof value === 'function') return ` Received function ${value.name}`;
    if (typeof value === 'object') {
      const name = value.constructor?.name;
      if (name) return ` Received an instance of ${name}`;
      return ` Received [Object: null prototype]${Reflect.ownKeys(value).length === 0 ? ' {}' : ''}`;
    }
    const shown = show(value);
    return ` Received type ${typeof value} (${shown.length > 28 ? `${shown.slice(0, 25)}...` : shown})`;
  }

  /** Digits in groups of three, as Node writes large numbers in range errors. */
  function separated(digits) {
    const start = digits[0] === '-' ? 1 : 0;
    let out = '';
    let i = digits.length;
    for (; i >= start + 4; i -= 3) out = `_${digits.slice(i - 3, i)}${out}`;
    return digits.slice(0, i) + out;
  }

  function shownInRange(value) {
    if (Number.isInteger(value) && Math.abs(value) > 2 ** 32) return separated(String(value));
    if (typeof value === 'bigint') {
      const digits = String(value);
      return `${value > 2n ** 32n || value < -(2n ** 32n) ? separated(digits) : digits}n`;
    }
    return show(value);
  }

  const invalidArgType = (name, expected, value) =>
    fail(TypeError, 'ERR_INVALID_ARG_TYPE', `The "${name}" argument must be ${expected}.${received(value)}`);
  const outOfRange = (name, range, value) =>
    fail(RangeError, 'ERR_OUT_OF_RANGE', `The value of "${name}" is out of range. It must be ${range}. Received ${shownInRange(value)}`);
  const outOfBounds = (name) => fail(RangeError, 'ERR_BUFFER_OUT_OF_BOUNDS',
    name ? `"${name}" is outside of buffer bounds` : 'Attempt to access memory outside buffer bounds');
  const unknownEncoding = (encoding) => fail(TypeError, 'ERR_UNKNOWN_ENCODING', `Unknown encoding: ${String(encoding)}`);
  const notAString = () => fail(TypeError, 'ERR_INVALID_ARG_TYPE', 'argument must be a string');
  const indexOutOfRange = () => fail(RangeError, 'ERR_OUT_OF_RANGE', 'Index out of range');

  /** Node's `validateOffset`: an integer number in [min, max]. */
  function validateOffset(value, name, min = 0, max = kMaxLength) {
    if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
    if (!Number.isInteger(value)) throw outOfRange(name, 'an integer', value);
    if (value < min || value > max) throw outOfRange(name, `>= ${min} && <= ${max}`, value);
  }

  // ---- brand checks (prototypes and Proxies cannot fake these) --------------------------

  const typedArrayName = Object.getOwnPropertyDescriptor(
    Object.getPrototypeOf(Uint8Array.prototype), Symbol.toStringTag).get;
  const isTypedArray = (value) => typedArrayName.call(value) !== undefined;
  const isUint8Array = (value) => typedArrayName.call(value) === 'Uint8Array';
  const byteLengthGetters = [ArrayBuffer, globalThis.SharedArrayBuffer]
    .filter((Type) => typeof Type === 'function')
    .map((Type) => Object.getOwnPropertyDescriptor(Type.prototype, 'byteLength').get);
  const isAnyArrayBuffer = (value) => byteLengthGetters.some((get) => {
    try {
      get.call(value);
      return true;
    } catch {
      return false;
    }
  });
  // The typed arrays' own search, for `indexOf` to jump to candidate positions.
  const { indexOf: findByte, lastIndexOf: findByteBackward } = Uint8Array.prototype;

  // ---- encodings ----------------------------------------------------------------------
  // Each encoding turns a string into at most `limit` bytes (whole characters only) and
  // bytes `start`..`end` of a buffer back into a string. The loops work on typed arrays
  // and leave per-character work to native code where they can: QuickJS interprets.

  const encoder = new TextEncoder();
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

  /** A plain Uint8Array over bytes `start`..`end` of `buf` (no copy, no species). */
  const view = (buf, start, end) =>
    end > start ? new Uint8Array(buf.buffer, buf.byteOffset + start, end - start) : new Uint8Array(0);

  /** A string of the char codes in a Uint8Array or Uint16Array, built in chunks. */
  function fromCharCodes(codes) {
    if (codes.length <= CHUNK) return String.fromCharCode.apply(null, codes);
    const parts = [];
    for (let i = 0; i < codes.length; i += CHUNK) {
      parts.push(String.fromCharCode.apply(null, codes.subarray(i, i + CHUNK)));
    }
    return parts.join('');
  }

  /** The low bytes of `text`'s char codes (no intermediate array: `text` may be huge). */
  function charCodes(text) {
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  }

  /**
   * A table of two characters per entry, each entry one 16-bit unit holding the two
   * char codes in memory order (whatever the platform's byte order): copied into a
   * Uint16Array, they read back as those two characters through a Uint8Array.
   */
  function pairTable(size, first, second) {
    const table = new Uint16Array(size);
    const bytes = new Uint8Array(table.buffer);
    for (let i = 0; i < size; i++) {
      bytes[2 * i] = first(i);
      bytes[2 * i + 1] = second(i);
    }
    return table;
  }

  // Hex and base64 decode a string's latin1 bytes, each character's low byte, as Node
  // does (so U+013D, Ľ, is its `=`), through lookup tables indexed by byte.
  const HEX_DIGITS = charCodes('0123456789abcdef');
  const HEX_PAIRS = pairTable(256, (i) => HEX_DIGITS[i >>> 4], (i) => HEX_DIGITS[i & 15]);
  const HEX_VALUES = new Int8Array(256).fill(-1);
  for (const [digits, base] of [['0123456789', 0], ['abcdef', 10], ['ABCDEF', 10]]) {
    for (let i = 0; i < digits.length; i++) HEX_VALUES[digits.charCodeAt(i)] = base + i;
  }
  const BASE64 = charCodes('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
  const BASE64URL = charCodes('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');
  // Decoding takes either alphabet, as Node does.
  const BASE64_VALUES = new Int8Array(256).fill(-1);
  BASE64.forEach((code, i) => { BASE64_VALUES[code] = i; });
  BASE64URL.forEach((code, i) => { BASE64_VALUES[code] = i; });
  // The 12-bit halves of a 3-byte group, two characters each (made on first use).
  const base64Pairs = new Map();
  const pairsOf = (alphabet) => {
    let table = base64Pairs.get(alphabet);
    if (table === undefined) {
      table = pairTable(4096, (i) => alphabet[i >>> 6], (i) => alphabet[i & 63]);
      base64Pairs.set(alphabet, table);
    }
    return table;
  };

  const utf8 = {
    toBytes(string, limit) {
      // No character is shorter than a byte: what lies past `limit` characters cannot fit.
      const bytes = encoder.encode(string.length > limit ? string.slice(0, limit) : string);
      if (bytes.length <= limit) return bytes;
      let n = limit;
      while (n > 0 && (bytes[n] & 0xc0) === 0x80) n--;
      return bytes.subarray(0, n);
    },
    toText: (buf, start, end) => decoder.decode(view(buf, start, end)),
    byteLength: (string) => encoder.encode(string).length,
  };

  const latin1 = {
    toBytes(string, limit) {
      const text = string.length > limit ? string.slice(0, limit) : string;
      // ASCII text (the usual case) is its own UTF-8.
      const ascii = encoder.encode(text);
      if (ascii.length === text.length) return ascii;
      const n = text.length;
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = text.charCodeAt(i);
      return out;
    },
    toText: (buf, start, end) => fromCharCodes(view(buf, start, end)),
    byteLength: (string) => string.length,
  };

  const ascii = {
    toBytes: latin1.toBytes,
    toText(buf, start, end) {
      const bytes = view(buf, start, end).slice();
      for (let i = 0, n = bytes.length; i < n; i++) bytes[i] &= 0x7f;
      return fromCharCodes(bytes);
    },
    byteLength: latin1.byteLength,
  };

  const utf16le = {
    toBytes(string, limit) {
      const n = Math.min(string.length, Math.floor(limit / 2));
      const out = new Uint8Array(2 * n);
      for (let i = 0; i < n; i++) {
        const code = string.charCodeAt(i);
        out[2 * i] = code;
        out[2 * i + 1] = code >>> 8;
      }
      return out;
    },
    toText(buf, start, end) {
      const n = (end - start) >>> 1;
      const codes = new Uint16Array(n);
      for (let i = 0; i < n; i++) codes[i] = buf[start + 2 * i] | (buf[start + 2 * i + 1] << 8);
      return fromCharCodes(codes);
    },
    byteLength: (string) => 2 * string.length,
  };

  const hex = {
    /** Stops at the first pair that is not two hex digits, as Node does. */
    toBytes(string, limit) {
      const codes = latin1.toBytes(string, 2 * limit);
      const size = Math.min(string.length >>> 1, limit);
      const out = new Uint8Array(size);
      let n = 0;
      for (; n < size; n++) {
        const high = HEX_VALUES[codes[2 * n]];
        const low = HEX_VALUES[codes[2 * n + 1]];
        if ((high | low) < 0) break;
        out[n] = (high << 4) | low;
      }
      return out.subarray(0, n);
    },
    toText(buf, start, end) {
      const n = end - start;
      const out = new Uint16Array(n);
      for (let i = 0; i < n; i++) out[i] = HEX_PAIRS[buf[start + i]];
      return fromCharCodes(new Uint8Array(out.buffer));
    },
    byteLength: (string) => string.length >>> 1,
  };

  /**
   * Node's lenient base64 decoding: either alphabet, characters outside it skipped,
   * the first `=` ends the data. Whole groups of four digits go at once.
   */
  function base64ToBytes(string, limit) {
    const codes = latin1.toBytes(string, Infinity);
    const count = codes.length;
    const size = Math.min(limit, base64ByteLength(string));
    const out = new Uint8Array(size);
    let bits = 0;
    let pending = 0;
    let n = 0;
    for (let i = 0; i < count && n < size;) {
      if (pending === 0 && i + 3 < count && n + 3 <= size) {
        // A digit's value is 0..63, anything else -1: shifted and or-ed, any -1 leaves
        // the sign bit set.
        const group = (BASE64_VALUES[codes[i]] << 18) | (BASE64_VALUES[codes[i + 1]] << 12)
          | (BASE64_VALUES[codes[i + 2]] << 6) | BASE64_VALUES[codes[i + 3]];
        if (group >= 0) {
          out[n] = group >>> 16;
          out[n + 1] = group >>> 8;
          out[n + 2] = group;
          n += 3;
          i += 4;
          continue;
        }
      }
      const code = codes[i++];
      if (code === 0x3d) break;
      const value = BASE64_VALUES[code];
      if (value < 0) continue;
      bits = ((bits << 6) | value) & 0xffff;
      pending += 6;
      if (pending >= 8) {
        pending -= 8;
        out[n++] = bits >>> pending;
      }
    }
    return out.subarray(0, n);
  }

  function base64ToText(buf, start, end, alphabet, pad) {
    const length = end - start;
    const whole = start + length - (length % 3);
    const pairs = pairsOf(alphabet);
    const out = new Uint8Array(4 * Math.ceil(length / 3));
    const units = new Uint16Array(out.buffer);
    let u = 0;
    let i = start;
    for (; i < whole; i += 3) {
      const bits = (buf[i] << 16) | (buf[i + 1] << 8) | buf[i + 2];
      units[u++] = pairs[bits >>> 12];
      units[u++] = pairs[bits & 0xfff];
    }
    let o = 2 * u;
    if (i < end) {
      const two = i + 1 < end;
      const bits = (buf[i] << 16) | (two ? buf[i + 1] << 8 : 0);
      out[o++] = alphabet[bits >>> 18];
      out[o++] = alphabet[(bits >>> 12) & 63];
      if (two) out[o++] = alphabet[(bits >>> 6) & 63];
      if (pad) {
        out[o++] = 0x3d;
        if (!two) out[o++] = 0x3d;
      }
    }
    return fromCharCodes(out.subarray(0, o));
  }

  /** Node's size estimate: the length less up to two trailing `=`, times 3/4. */
  function base64ByteLength(string) {
    let n = string.length;
    if (n > 0 && string.charCodeAt(n - 1) === 0x3d) n--;
    if (n > 0 && string.charCodeAt(n - 1) === 0x3d) n--;
    return (n * 3) >>> 2;
  }

  const base64 = {
    toBytes: base64ToBytes,
    toText: (buf, start, end) => base64ToText(buf, start, end, BASE64, true),
    byteLength: base64ByteLength,
  };
  const base64url = {
    toBytes: base64ToBytes,
    toText: (buf, start, end) => base64ToText(buf, start, end, BASE64URL, false),
    byteLength: base64ByteLength,
  };

  const ENCODINGS = {
    __proto__: null,
    utf8, 'utf-8': utf8, hex, base64, base64url, latin1, binary: latin1, ascii,
    utf16le, 'utf-16le': utf16le, ucs2: utf16le, 'ucs-2': utf16le,
  };
  const encodingOf = (name) => ENCODINGS[String(name).toLowerCase()];

  /** Writes `string` into `buf` at `offset`, at most `max` bytes; the count written. */
  function writeWith(encoding, buf, string, offset, max) {
    if (typeof string !== 'string') throw notAString();
    const bytes = encoding.toBytes(string, max);
    if (bytes.length > 0) buf.set(bytes, offset);
    return bytes.length;
  }

  // ---- making buffers -----------------------------------------------------------------

  class FastBuffer extends Uint8Array {}

  const wrap = (bytes) => new FastBuffer(bytes.buffer, bytes.byteOffset, bytes.length);

  function checkSize(size) {
    if (typeof size !== 'number') throw invalidArgType('size', 'of type number', size);
    if (!(size >= 0 && size <= kMaxLength)) throw outOfRange('size', `>= 0 && <= ${kMaxLength}`, size);
  }

  function fromString(string, encoding) {
    const ops = typeof encoding !== 'string' || encoding.length === 0 ? utf8 : encodingOf(encoding);
    if (ops === undefined) throw unknownEncoding(encoding);
    return wrap(ops.toBytes(string, Infinity));
  }

  /** A copy of an array-like's elements, each taken modulo 256. */
  function fromArrayLike(source) {
    if (!(source.length > 0)) return new FastBuffer();
    const buf = new FastBuffer(source.length);
    buf.set(source);
    return buf;
  }

  /** A buffer sharing `buffer`'s memory. */
  function fromArrayBuffer(buffer, byteOffset, length) {
    const offset = byteOffset === undefined ? 0 : +byteOffset || 0;
    const available = buffer.byteLength - offset;
    if (available < 0) throw outOfBounds('offset');
    let size = available;
    if (length !== undefined) {
      size = +length;
      if (!(size > 0)) size = 0;
      else if (size > available) throw outOfBounds('length');
    }
    return new FastBuffer(buffer, offset, size);
  }

  function fromObject(object) {
    if (object.length !== undefined || isAnyArrayBuffer(object.buffer)) {
      return typeof object.length === 'number' ? fromArrayLike(object) : new FastBuffer();
    }
    if (object.type === 'Buffer' && Array.isArray(object.data)) return fromArrayLike(object.data);
    return undefined;
  }

  function from(value, encodingOrOffset, length) {
    if (typeof value === 'string') return fromString(value, encodingOrOffset);
    if (typeof value === 'object' && value !== null) {
      if (isAnyArrayBuffer(value)) return fromArrayBuffer(value, encodingOrOffset, length);
      // Boxed strings and objects standing for another value (Node follows `valueOf`).
      const primitive = value.valueOf?.();
      if (primitive != null && primitive !== value && (typeof primitive === 'string' || typeof primitive === 'object')) {
        return from(primitive, encodingOrOffset, length);
      }
      const made = fromObject(value);
      if (made !== undefined) return made;
      if (typeof value[Symbol.toPrimitive] === 'function') {
        const text = value[Symbol.toPrimitive]('string');
        if (typeof text === 'string') return fromString(text, encodingOrOffset);
      }
    }
    throw fail(TypeError, 'ERR_INVALID_ARG_TYPE',
      `The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object.${received(value)}`);
  }

  function allocZeroed(size) {
    checkSize(size);
    return new FastBuffer(size);
  }

  function alloc(size, fill, encoding) {
    const buf = allocZeroed(size);
    if (fill !== undefined && fill !== 0 && buf.length > 0) {
      const ops = typeof fill === 'string' ? fillEncoding(encoding) : undefined;
      fillRange(buf, fillPattern(fill, ops), 0, buf.length, fill);
    }
    return buf;
  }

  // ---- filling --------------------------------------------------------------------------

  /** `fill`'s encoding: utf8 when absent, else a known encoding's name. */
  function fillEncoding(encoding) {
    if (encoding == null || encoding === '') return utf8;
    const ops = typeof encoding === 'string' ? encodingOf(encoding) : undefined;
    if (ops !== undefined) return ops;
    if (typeof encoding !== 'string') throw invalidArgType('encoding', 'of type string', encoding);
    throw unknownEncoding(encoding);
  }

  /**
   * What `fill` repeats: one byte (a number) or a byte sequence (a fresh copy); `ops` is
   * a string's encoding.
   */
  function fillPattern(value, ops) {
    if (typeof value === 'string') {
      if (value.length === 0) return 0;
      const code = value.charCodeAt(0);
      if (value.length === 1 && ((ops === utf8 && code < 0x80) || (ops === latin1 && code < 0x100))) return code;
      return ops.toBytes(value, Infinity);
    }
    if (ArrayBuffer.isView(value)) return view(value, 0, value.byteLength).slice();
    return (+value >>> 0) & 255;
  }

  function fillRange(buf, pattern, start, end, value) {
    // Job code run for the pattern (a `valueOf`) may have detached the buffer.
    if (end > buf.length) return;
    const target = view(buf, start, end);
    if (typeof pattern === 'number') {
      target.fill(pattern);
      return;
    }
    if (pattern.length === 0) {
      const shown = typeof value === 'string' ? show(value) : isBuffer(value) ? inspect(value) : `${typedArrayName.call(value) ?? 'DataView'}(0) []`;
      throw fail(TypeError, 'ERR_INVALID_ARG_VALUE', `The argument 'value' is invalid. Received ${shown}`);
    }
    // Doubling copies: a handful of native calls even for a one-byte pattern.
    let filled = Math.min(pattern.length, target.length);
    target.set(pattern.subarray(0, filled));
    while (filled < target.length) {
      const n = Math.min(filled, target.length - filled);
      target.copyWithin(filled, 0, n);
      filled += n;
    }
  }

  // ---- integers and floats --------------------------------------------------------------

  /** That `size` bytes at `offset` lie in `buf`, with Node's errors when not. */
  function checkOffset(buf, offset, size) {
    if (typeof offset !== 'number') throw invalidArgType('offset', 'of type number', offset);
    const last = buf.length - size;
    if (offset >= 0 && offset <= last && Math.floor(offset) === offset) return;
    if (Math.floor(offset) !== offset) throw outOfRange('offset', 'an integer', offset);
    if (last < 0) throw outOfBounds();
    throw outOfRange('offset', `>= 0 and <= ${last}`, offset);
  }

  /** `readUIntLE` and kin take 1 to 6 bytes. */
  function checkByteLength(byteLength) {
    if (Math.floor(byteLength) !== byteLength) {
      if (typeof byteLength !== 'number') throw invalidArgType('byteLength', 'of type number', byteLength);
      throw outOfRange('byteLength', 'an integer', byteLength);
    }
    if (byteLength < 1 || byteLength > 6) throw outOfRange('byteLength', '>= 1 and <= 6', byteLength);
  }

  function unsignedAt(buf, offset, size, littleEndian) {
    let value = 0;
    for (let i = 0; i < size; i++) value = value * 256 + buf[littleEndian ? offset + size - 1 - i : offset + i];
    return value;
  }

  function readInteger(buf, offset, size, littleEndian, signed) {
    checkOffset(buf, offset, size);
    const value = unsignedAt(buf, offset, size, littleEndian);
    const half = 2 ** (8 * size - 1);
    return signed && value >= half ? value - 2 * half : value;
  }

  function writeInteger(buf, value, offset, size, littleEndian, signed) {
    const number = +value;
    // Node checks a one-byte write's offset type before its value, the others after.
    if (size === 1 && typeof offset !== 'number') throw invalidArgType('offset', 'of type number', offset);
    const bits = 8 * size;
    const min = signed ? -(2 ** (bits - 1)) : 0;
    const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
    if (number > max || number < min) {
      const range = size <= 4 ? `>= ${min} and <= ${max}`
        : signed ? `>= -(2 ** ${bits - 1}) and < 2 ** ${bits - 1}` : `>= 0 and < 2 ** ${bits}`;
      throw outOfRange('value', range, number);
    }
    checkOffset(buf, offset, size);
    let rest = Math.trunc(number) || 0;
    if (rest < 0) rest += 2 ** bits;
    for (let i = 0; i < size; i++) {
      buf[littleEndian ? offset + i : offset + size - 1 - i] = rest % 256;
      rest = Math.floor(rest / 256);
    }
    return offset + size;
  }

  function readBig64(buf, offset, littleEndian, signed) {
    checkOffset(buf, offset, 8);
    const high = unsignedAt(buf, littleEndian ? offset + 4 : offset, 4, littleEndian);
    const low = unsignedAt(buf, littleEndian ? offset : offset + 4, 4, littleEndian);
    const value = (BigInt(high) << 32n) | BigInt(low);
    return signed ? BigInt.asIntN(64, value) : value;
  }

  function writeBig64(buf, value, offset, littleEndian, signed) {
    const [min, max] = signed ? [-(2n ** 63n), 2n ** 63n - 1n] : [0n, 2n ** 64n - 1n];
    if (value > max || value < min) {
      throw outOfRange('value', signed ? '>= -(2n ** 63n) and < 2n ** 63n' : '>= 0n and < 2n ** 64n', value);
    }
    checkOffset(buf, offset, 8);
    if (typeof value !== 'bigint') throw new TypeError('Cannot mix BigInt and other types, use explicit conversions');
    const bits = BigInt.asUintN(64, value);
    const high = Number(bits >> 32n);
    const low = Number(bits & 0xffffffffn);
    for (let i = 0; i < 4; i++) {
      buf[littleEndian ? offset + i : offset + 7 - i] = low >>> (8 * i);
      buf[littleEndian ? offset + 4 + i : offset + 3 - i] = high >>> (8 * i);
    }
    return offset + 8;
  }

  // Floats go through a DataView over scratch bytes, which fixes the byte order.
  const scratch = new DataView(new ArrayBuffer(8));

  function readFloat(buf, offset, size, littleEndian) {
    checkOffset(buf, offset, size);
    for (let i = 0; i < size; i++) scratch.setUint8(i, buf[offset + i]);
    return size === 4 ? scratch.getFloat32(0, littleEndian) : scratch.getFloat64(0, littleEndian);
  }

  function writeFloat(buf, value, offset, size, littleEndian) {
    const number = +value;
    checkOffset(buf, offset, size);
    if (size === 4) scratch.setFloat32(0, number, littleEndian);
    else scratch.setFloat64(0, number, littleEndian);
    for (let i = 0; i < size; i++) buf[offset + i] = scratch.getUint8(i);
    return offset + size;
  }

  // ---- comparing and searching ------------------------------------------------------------

  function compareBytes(a, aStart, aEnd, b, bStart, bEnd) {
    const aLength = aEnd - aStart;
    const bLength = bEnd - bStart;
    const n = Math.min(aLength, bLength);
    let i = 0;
    // A common prefix goes four bytes at a time where both sides are 4-byte aligned.
    const aAt = a.byteOffset + aStart;
    const bAt = b.byteOffset + bStart;
    if (n >= 64 && aAt % 4 === 0 && bAt % 4 === 0) {
      const words = n >>> 2;
      const x = new Uint32Array(a.buffer, aAt, words);
      const y = new Uint32Array(b.buffer, bAt, words);
      while (i < words && x[i] === y[i]) i++;
      i *= 4;
    }
    for (; i < n; i++) {
      const x = a[aStart + i];
      const y = b[bStart + i];
      if (x !== y) return x < y ? -1 : 1;
    }
    return aLength < bLength ? -1 : aLength > bLength ? 1 : 0;
  }

  const matchesAt = (haystack, needle, at) => {
    for (let i = 1, n = needle.length; i < n; i++) if (haystack[at + i] !== needle[i]) return false;
    return true;
  };

  /**
   * Node's search: where a search from `offset` starts (negative offsets count from the
   * end; an empty needle is found where the search starts), then the first (or, going
   * backward, the last) match there or beyond. utf16le matches only on even positions
   * and in whole 16-bit units, as Node searches that encoding.
   */
  function find(haystack, needle, offset, forward, wide) {
    const length = haystack.length;
    let size = needle.length;
    let at;
    if (offset < 0) at = offset + length >= 0 ? offset + length : forward || size === 0 ? 0 : -1;
    else if (offset + size <= length) at = offset;
    else at = size === 0 ? length : forward ? -1 : length - 1;
    if (size === 0) return at;
    if (length === 0 || at < 0 || (forward && at + size > length) || size > length) return -1;
    let end = length;
    if (wide) {
      if (length < 2 || size < 2) return -1;
      end = length & ~1;
      size &= ~1;
      at &= ~1;
    }
    const step = wide ? 2 : 1;
    const last = end - size;
    const pattern = size === needle.length ? needle : view(needle, 0, size);
    const first = pattern[0];
    if (forward) {
      for (let p = findByte.call(haystack, first, at); p !== -1 && p <= last; p = findByte.call(haystack, first, p + 1)) {
        if (p % step === 0 && matchesAt(haystack, pattern, p)) return p;
      }
    } else {
      for (let p = findByteBackward.call(haystack, first, Math.min(at, last)); p !== -1; p = p > 0 ? findByteBackward.call(haystack, first, p - 1) : -1) {
        if (p % step === 0 && matchesAt(haystack, pattern, p)) return p;
      }
    }
    return -1;
  }

  function search(buf, value, byteOffset, encoding, forward) {
    let offset = byteOffset;
    if (typeof offset === 'string') {
      encoding = offset;
      offset = undefined;
    } else if (offset > 0x7fffffff) {
      offset = 0x7fffffff;
    } else if (offset < -0x80000000) {
      offset = -0x80000000;
    }
    offset = +offset;
    if (Number.isNaN(offset)) offset = forward ? 0 : buf.length;
    offset = Math.trunc(offset);
    if (typeof value === 'number') return find(buf, Uint8Array.of(value >>> 0), offset, forward, false);
    const ops = encoding === undefined ? utf8 : encodingOf(encoding);
    if (typeof value === 'string') {
      if (ops === undefined) throw unknownEncoding(encoding);
      return find(buf, ops.toBytes(value, Infinity), offset, forward, ops === utf16le);
    }
    if (isUint8Array(value)) return find(buf, value, offset, forward, ops === utf16le);
    throw invalidArgType('value', 'one of type number or string or an instance of Buffer or Uint8Array', value);
  }

  // ---- the class ---------------------------------------------------------------------------

  /** `start`/`end` of `slice`/`subarray`: relative to the end when negative, clamped. */
  function relativeIndex(index, length, fallback) {
    if (index === undefined) return fallback;
    const n = Math.trunc(index) || 0;
    return n < 0 ? Math.max(n + length, 0) : Math.min(n, length);
  }

  /** `copy`'s positions: NaN and infinities become 0, fractions round down. */
  function toInteger(value) {
    const n = +value;
    return Number.isFinite(n) ? Math.floor(n) : 0;
  }

  /** The index arguments of the legacy `…Slice`/`…Write` methods. */
  function arrayIndex(value, fallback) {
    if (value === undefined) return fallback;
    const n = Math.trunc(value) || 0;
    if (n < 0) throw indexOutOfRange();
    return n;
  }

  function inspect(buf) {
    const shown = Math.min(buf.length, INSPECT_MAX_BYTES);
    const more = buf.length - shown;
    const bytes = hex.toText(buf, 0, shown).replace(/(..)(?!$)/g, '$1 ');
    return `<Buffer ${bytes}${more > 0 ? ` ... ${more} more byte${more > 1 ? 's' : ''}` : ''}>`;
  }

  const methods = {
    toString(encoding, start, end) {
      const length = this.length;
      if (arguments.length === 0) return utf8.toText(this, 0, length);
      if (start === undefined || start <= 0) start = 0;
      else if (start >= length) return '';
      else start = Math.trunc(start) || 0;
      if (end === undefined || end > length) end = length;
      else end = Math.trunc(end) || 0;
      if (end <= start) return '';
      const ops = encoding === undefined ? utf8 : encodingOf(encoding);
      if (ops === undefined) throw unknownEncoding(encoding);
      return ops.toText(this, start, end);
    },

    write(string, offset, length, encoding) {
      if (offset === undefined) return writeWith(utf8, this, string, 0, this.length);
      if (length === undefined && typeof offset === 'string') {
        encoding = offset;
        offset = 0;
        length = this.length;
      } else {
        validateOffset(offset, 'offset', 0, this.length);
        const remaining = this.length - offset;
        if (length === undefined) {
          length = remaining;
        } else if (typeof length === 'string') {
          encoding = length;
          length = remaining;
        } else {
          validateOffset(length, 'length', 0, this.length);
          length = Math.min(length, remaining);
        }
      }
      const ops = encoding ? encodingOf(encoding) : utf8;
      if (ops === undefined) throw unknownEncoding(encoding);
      return writeWith(ops, this, string, offset, length);
    },

    toJSON() {
      return { type: 'Buffer', data: Array.from(view(this, 0, this.length)) };
    },

    equals(otherBuffer) {
      if (!isUint8Array(otherBuffer)) throw invalidArgType('otherBuffer', 'an instance of Buffer or Uint8Array', otherBuffer);
      if (this === otherBuffer) return true;
      const length = this.length;
      return length === otherBuffer.length && compareBytes(this, 0, length, otherBuffer, 0, length) === 0;
    },

    compare(target, targetStart, targetEnd, sourceStart, sourceEnd) {
      if (!isUint8Array(target)) throw invalidArgType('target', 'an instance of Buffer or Uint8Array', target);
      if (targetStart === undefined) targetStart = 0;
      else validateOffset(targetStart, 'targetStart');
      if (targetEnd === undefined) targetEnd = target.length;
      else validateOffset(targetEnd, 'targetEnd', 0, target.length);
      if (sourceStart === undefined) sourceStart = 0;
      else validateOffset(sourceStart, 'sourceStart');
      if (sourceEnd === undefined) sourceEnd = this.length;
      else validateOffset(sourceEnd, 'sourceEnd', 0, this.length);
      if (sourceStart >= sourceEnd) return targetStart >= targetEnd ? 0 : -1;
      if (targetStart >= targetEnd) return 1;
      return compareBytes(this, sourceStart, sourceEnd, target, targetStart, targetEnd);
    },

    copy(target, targetStart, sourceStart, sourceEnd) {
      if (!isUint8Array(target)) throw invalidArgType('target', 'an instance of Buffer or Uint8Array', target);
      const length = this.length;
      targetStart = targetStart === undefined ? 0 : toInteger(targetStart);
      if (targetStart < 0) throw outOfRange('targetStart', '>= 0', targetStart);
      sourceStart = sourceStart === undefined ? 0 : toInteger(sourceStart);
      if (sourceStart < 0 || sourceStart > length) throw outOfRange('sourceStart', `>= 0 && <= ${length}`, sourceStart);
      sourceEnd = sourceEnd === undefined ? length : toInteger(sourceEnd);
      if (sourceEnd < 0) throw outOfRange('sourceEnd', '>= 0', sourceEnd);
      if (targetStart >= target.length || sourceStart >= sourceEnd) return 0;
      const end = Math.min(sourceEnd, length, sourceStart + target.length - targetStart);
      // `set` copies overlapping ranges of one buffer correctly.
      if (end > sourceStart) target.set(view(this, sourceStart, end), targetStart);
      return end - sourceStart;
    },

    subarray(start, end) {
      const length = this.length;
      const begin = relativeIndex(start, length, 0);
      const finish = relativeIndex(end, length, length);
      return new FastBuffer(this.buffer, this.byteOffset + begin, Math.max(finish - begin, 0));
    },

    slice(start, end) {
      return methods.subarray.call(this, start, end);
    },

    indexOf(value, byteOffset, encoding) {
      return search(this, value, byteOffset, encoding, true);
    },

    lastIndexOf(value, byteOffset, encoding) {
      return search(this, value, byteOffset, encoding, false);
    },

    includes(value, byteOffset, encoding) {
      return search(this, value, byteOffset, encoding, true) !== -1;
    },

    fill(value, offset, end, encoding) {
      if (typeof value === 'string') {
        if (offset === undefined || typeof offset === 'string') {
          encoding = offset;
          offset = 0;
          end = this.length;
        } else if (typeof end === 'string') {
          encoding = end;
          end = this.length;
        }
      }
      const encodingUsed = typeof value === 'string' ? fillEncoding(encoding) : undefined;
      if (offset === undefined) {
        offset = 0;
        end = this.length;
      } else {
        validateOffset(offset, 'offset');
        if (end === undefined) end = this.length;
        else validateOffset(end, 'end', 0, this.length);
      }
      if (offset < end) fillRange(this, fillPattern(value, encodingUsed), offset, end, value);
      return this;
    },

    swap16() { return swap(this, 2); },
    swap32() { return swap(this, 4); },
    swap64() { return swap(this, 8); },

    readUInt8(offset = 0) { return readInteger(this, offset, 1, false, false); },
    readUInt16LE(offset = 0) { return readInteger(this, offset, 2, true, false); },
    readUInt16BE(offset = 0) { return readInteger(this, offset, 2, false, false); },
    readUInt32LE(offset = 0) { return readInteger(this, offset, 4, true, false); },
    readUInt32BE(offset = 0) { return readInteger(this, offset, 4, false, false); },
    readInt8(offset = 0) { return readInteger(this, offset, 1, false, true); },
    readInt16LE(offset = 0) { return readInteger(this, offset, 2, true, true); },
    readInt16BE(offset = 0) { return readInteger(this, offset, 2, false, true); },
    readInt32LE(offset = 0) { return readInteger(this, offset, 4, true, true); },
    readInt32BE(offset = 0) { return readInteger(this, offset, 4, false, true); },
    readUIntLE(offset, byteLength) { return readVariable(this, offset, byteLength, true, false); },
    readUIntBE(offset, byteLength) { return readVariable(this, offset, byteLength, false, false); },
    readIntLE(offset, byteLength) { return readVariable(this, offset, byteLength, true, true); },
    readIntBE(offset, byteLength) { return readVariable(this, offset, byteLength, false, true); },
    readBigUInt64LE(offset = 0) { return readBig64(this, offset, true, false); },
    readBigUInt64BE(offset = 0) { return readBig64(this, offset, false, false); },
    readBigInt64LE(offset = 0) { return readBig64(this, offset, true, true); },
    readBigInt64BE(offset = 0) { return readBig64(this, offset, false, true); },
    readFloatLE(offset = 0) { return readFloat(this, offset, 4, true); },
    readFloatBE(offset = 0) { return readFloat(this, offset, 4, false); },
    readDoubleLE(offset = 0) { return readFloat(this, offset, 8, true); },
    readDoubleBE(offset = 0) { return readFloat(this, offset, 8, false); },

    writeUInt8(value, offset = 0) { return writeInteger(this, value, offset, 1, false, false); },
    writeUInt16LE(value, offset = 0) { return writeInteger(this, value, offset, 2, true, false); },
    writeUInt16BE(value, offset = 0) { return writeInteger(this, value, offset, 2, false, false); },
    writeUInt32LE(value, offset = 0) { return writeInteger(this, value, offset, 4, true, false); },
    writeUInt32BE(value, offset = 0) { return writeInteger(this, value, offset, 4, false, false); },
    writeInt8(value, offset = 0) { return writeInteger(this, value, offset, 1, false, true); },
    writeInt16LE(value, offset = 0) { return writeInteger(this, value, offset, 2, true, true); },
    writeInt16BE(value, offset = 0) { return writeInteger(this, value, offset, 2, false, true); },
    writeInt32LE(value, offset = 0) { return writeInteger(this, value, offset, 4, true, true); },
    writeInt32BE(value, offset = 0) { return writeInteger(this, value, offset, 4, false, true); },
    writeUIntLE(value, offset, byteLength) { return writeVariable(this, value, offset, byteLength, true, false); },
    writeUIntBE(value, offset, byteLength) { return writeVariable(this, value, offset, byteLength, false, false); },
    writeIntLE(value, offset, byteLength) { return writeVariable(this, value, offset, byteLength, true, true); },
    writeIntBE(value, offset, byteLength) { return writeVariable(this, value, offset, byteLength, false, true); },
    writeBigUInt64LE(value, offset = 0) { return writeBig64(this, value, offset, true, false); },
    writeBigUInt64BE(value, offset = 0) { return writeBig64(this, value, offset, false, false); },
    writeBigInt64LE(value, offset = 0) { return writeBig64(this, value, offset, true, true); },
    writeBigInt64BE(value, offset = 0) { return writeBig64(this, value, offset, false, true); },
    writeFloatLE(value, offset = 0) { return writeFloat(this, value, offset, 4, true); },
    writeFloatBE(value, offset = 0) { return writeFloat(this, value, offset, 4, false); },
    writeDoubleLE(value, offset = 0) { return writeFloat(this, value, offset, 8, true); },
    writeDoubleBE(value, offset = 0) { return writeFloat(this, value, offset, 8, false); },

    /** What `util.inspect` and `console.log` show: `<Buffer 68 69>`. */
    [Symbol.for('nodejs.util.inspect.custom')]() {
      return inspect(this);
    },
  };

  function readVariable(buf, offset, byteLength, littleEndian, signed) {
    if (offset === undefined) throw invalidArgType('offset', 'of type number', offset);
    checkByteLength(byteLength);
    return readInteger(buf, offset, byteLength, littleEndian, signed);
  }

  function writeVariable(buf, value, offset, byteLength, littleEndian, signed) {
    checkByteLength(byteLength);
    return writeInteger(buf, value, offset, byteLength, littleEndian, signed);
  }

  function swap(buf, size) {
    const length = buf.length;
    if (length % size !== 0) {
      throw fail(RangeError, 'ERR_INVALID_BUFFER_SIZE', `Buffer size must be a multiple of ${8 * size}-bits`);
    }
    for (let i = 0; i < length; i += size) {
      for (let a = i, b = i + size - 1; a < b; a++, b--) {
        const byte = buf[a];
        buf[a] = buf[b];
        buf[b] = byte;
      }
    }
    return buf;
  }

  const proto = FastBuffer.prototype;
  for (const key of Reflect.ownKeys(methods)) {
    Object.defineProperty(proto, key, { value: methods[key], writable: true, configurable: true });
  }
  // Node's lowercase aliases (`readUint8`, `writeBigUint64LE`, …), `toLocaleString` and
  // `inspect`.
  const alias = (name, value) => Object.defineProperty(proto, name, { value, writable: true, configurable: true });
  for (const key of Object.getOwnPropertyNames(methods)) {
    if (key.includes('UInt')) alias(key.replace('UInt', 'Uint'), methods[key]);
  }
  alias('toLocaleString', methods.toString);
  alias('inspect', methods[Symbol.for('nodejs.util.inspect.custom')]);

  // The encoding-specific methods older code calls (`utf8Write`, `latin1Slice`, …), with
  // Node's checks: indexes are not negative, a slice ends inside the buffer.
  const legacy = { ascii, latin1, hex, base64, base64url, ucs2: utf16le, utf8 };
  for (const [name, ops] of Object.entries(legacy)) {
    Object.defineProperty(proto, `${name}Slice`, {
      value(start, end) {
        const length = this.length;
        const begin = arrayIndex(start, 0);
        const finish = Math.max(arrayIndex(end, length), begin);
        if (finish > length) throw indexOutOfRange();
        return ops.toText(this, begin, finish);
      },
      writable: true,
      configurable: true,
    });
    Object.defineProperty(proto, `${name}Write`, {
      value(string, offset, length) {
        if (typeof string !== 'string') throw notAString();
        const size = this.length;
        const at = arrayIndex(offset, 0);
        if (at > size) throw outOfBounds('offset');
        return writeWith(ops, this, string, at, Math.min(arrayIndex(length, size - at), size - at));
      },
      writable: true,
      configurable: true,
    });
  }
  // Node's deprecated aliases of `buffer` and `byteOffset`.
  Object.defineProperties(proto, {
    parent: { get() { return this instanceof Buffer ? this.buffer : undefined; }, configurable: true },
    offset: { get() { return this instanceof Buffer ? this.byteOffset : undefined; }, configurable: true },
  });

  /**
   * `Buffer(…)` and `new Buffer(…)` (deprecated in Node, still used): a number allocates,
   * anything else is `Buffer.from`. Buffers themselves are `FastBuffer`s, whose prototype
   * this function shares, so `instanceof Buffer` holds and `buf.constructor` is `Buffer`
   * (typed array methods making new arrays, like `map`, make buffers through it).
   */
  function Buffer(arg, encodingOrOffset, length) {
    if (typeof arg === 'number') {
      if (typeof encodingOrOffset === 'string') throw invalidArgType('string', 'of type string', arg);
      return alloc(arg);
    }
    return from(arg, encodingOrOffset, length);
  }
  Object.setPrototypeOf(Buffer, Uint8Array);
  Buffer.prototype = proto;
  Object.defineProperty(proto, 'constructor', { value: Buffer, writable: true, configurable: true });

  const isBuffer = (value) => value instanceof Buffer;

  Object.assign(Buffer, {
    poolSize: 8192,
    from(value, encodingOrOffset, length) {
      return from(value, encodingOrOffset, length);
    },
    /** A copy of the bytes of elements `offset` to `offset + length` of a typed array. */
    copyBytesFrom(source, offset, length) {
      if (!isTypedArray(source)) throw invalidArgType('view', 'an instance of TypedArray', source);
      const count = source.length;
      let start = 0;
      let end = count;
      if (offset !== undefined) {
        validateOffset(offset, 'offset', 0, Number.MAX_SAFE_INTEGER);
        if (offset >= count) return new FastBuffer();
        start = offset;
      }
      if (length !== undefined) {
        validateOffset(length, 'length', 0, Number.MAX_SAFE_INTEGER);
        end = Math.min(start + length, count);
      }
      const size = source.BYTES_PER_ELEMENT;
      return wrap(new Uint8Array(source.buffer, source.byteOffset + start * size, (end - start) * size).slice());
    },
    of(...items) {
      return fromArrayLike(items);
    },
    alloc(size, fill, encoding) {
      return alloc(size, fill, encoding);
    },
    allocUnsafe(size) {
      return allocZeroed(size);
    },
    allocUnsafeSlow(size) {
      return allocZeroed(size);
    },
    isBuffer,
    compare(buf1, buf2) {
      if (!isUint8Array(buf1)) throw invalidArgType('buf1', 'an instance of Buffer or Uint8Array', buf1);
      if (!isUint8Array(buf2)) throw invalidArgType('buf2', 'an instance of Buffer or Uint8Array', buf2);
      return compareBytes(buf1, 0, buf1.length, buf2, 0, buf2.length);
    },
    isEncoding(encoding) {
      return typeof encoding === 'string' && encoding.length !== 0 && encodingOf(encoding) !== undefined;
    },
    concat(list, totalLength) {
      if (!Array.isArray(list)) throw invalidArgType('list', 'an instance of Array', list);
      if (list.length === 0) return new FastBuffer();
      let total = totalLength;
      if (total === undefined) {
        total = 0;
        for (let i = 0; i < list.length; i++) {
          const n = list[i].length;
          if (n) total += n;
        }
      } else {
        validateOffset(total, 'length');
      }
      const out = allocZeroed(total);
      let at = 0;
      for (let i = 0; i < list.length; i++) {
        const item = list[i];
        if (!isUint8Array(item)) throw invalidArgType(`list[${i}]`, 'an instance of Buffer or Uint8Array', item);
        const n = Math.min(item.length, out.length - at);
        if (n > 0) {
          out.set(view(item, 0, n), at);
          at += n;
        }
      }
      return out;
    },
    byteLength(string, encoding) {
      if (typeof string !== 'string') {
        if (ArrayBuffer.isView(string) || isAnyArrayBuffer(string)) return string.byteLength;
        throw invalidArgType('string', 'of type string or an instance of Buffer or ArrayBuffer', string);
      }
      return ((encoding && encodingOf(encoding)) || utf8).byteLength(string);
    },
  });

  return { Buffer };
})
