// The `buffer` module: the global `Buffer` (the prelude's `buffer.js` part) and the
// rest of Node's module: limits, `SlowBuffer`, `atob`/`btoa`, `isUtf8`, `isAscii`.
// (`transcode`, `Blob`, `File` and `resolveObjectURL` are not here.)

const { Buffer } = globalThis;

/** The largest buffer size accepted (Node 20's value on 64-bit, as the global uses). */
export const kMaxLength = 2 ** 32;
/** Node's (V8's) longest string; QuickJS allows longer, so code keeping to it is safe. */
export const kStringMaxLength = 2 ** 29 - 24;
export const constants = Object.freeze({ MAX_LENGTH: kMaxLength, MAX_STRING_LENGTH: kStringMaxLength });
export const INSPECT_MAX_BYTES = 50;

/** Deprecated in Node: `Buffer.allocUnsafeSlow`, callable with or without `new`. */
export function SlowBuffer(size) {
  return Buffer.allocUnsafeSlow(size);
}

export const { atob, btoa } = globalThis;

// Brand checks through the intrinsic getters: neither prototypes, Proxies nor own
// properties can fake what they read.
const typedArrayProto = Object.getPrototypeOf(Uint8Array.prototype);
const getter = (proto, name) => Object.getOwnPropertyDescriptor(proto, name).get;
const typedArrayName = getter(typedArrayProto, Symbol.toStringTag);
const viewBuffer = getter(typedArrayProto, 'buffer');
const viewOffset = getter(typedArrayProto, 'byteOffset');
const viewLength = getter(typedArrayProto, 'byteLength');
const bufferLengths = [ArrayBuffer, globalThis.SharedArrayBuffer]
  .filter((Type) => typeof Type === 'function')
  .map((Type) => getter(Type.prototype, 'byteLength'));
const isAnyArrayBuffer = (value) => bufferLengths.some((get) => {
  try {
    get.call(value);
    return true;
  } catch {
    return false;
  }
});

function received(value) {
  if (value == null) return ` Received ${value}`;
  if (typeof value === 'object') return ` Received an instance of ${value.constructor?.name ?? 'Object'}`;
  if (typeof value === 'function') return ` Received function ${value.name}`;
  const shown = typeof value === 'string' ? `'${value}'` : String(value);
  return ` Received type ${typeof value} (${shown.length > 28 ? `${shown.slice(0, 25)}...` : shown})`;
}

/** The bytes of an ArrayBuffer or typed array, failing as Node does for others. */
function bytesOf(input) {
  if (typedArrayName.call(input) !== undefined) {
    // A view of a detached buffer is empty.
    const length = viewLength.call(input);
    return length === 0 ? new Uint8Array(0) : new Uint8Array(viewBuffer.call(input), viewOffset.call(input), length);
  }
  if (!isAnyArrayBuffer(input)) {
    throw Object.assign(new TypeError(`The "input" argument must be an instance of ArrayBuffer, Buffer, or TypedArray.${received(input)}`),
      { code: 'ERR_INVALID_ARG_TYPE' });
  }
  try {
    return new Uint8Array(input);
  } catch {
    // Only a detached buffer refuses a view.
    throw Object.assign(new Error('Cannot validate on a detached buffer'), { code: 'ERR_INVALID_STATE' });
  }
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Whether the bytes are valid UTF-8. */
export function isUtf8(input) {
  const bytes = bytesOf(input);
  try {
    strictDecoder.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Whether every byte is ASCII (below 0x80). */
export function isAscii(input) {
  const bytes = bytesOf(input);
  for (let i = 0, n = bytes.length; i < n; i++) if (bytes[i] >= 0x80) return false;
  return true;
}

export { Buffer };

export default {
  Buffer, SlowBuffer, kMaxLength, kStringMaxLength, constants, INSPECT_MAX_BYTES, atob, btoa, isUtf8, isAscii,
};
