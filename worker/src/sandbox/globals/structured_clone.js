// Lazily loaded part of the prelude: structuredClone, as the HTML standard's structured
// clone copies a value: primitives (-0, NaN, BigInt, undefined), boxed primitives,
// Date, RegExp, Map, Set, ArrayBuffer (resizable ones stay resizable), typed arrays
// and DataView (views of one buffer share its one copy), arrays (holes and extra
// properties kept), errors (name, message, stack, cause) and plain objects (own
// enumerable string keys, read through getters; the copy's prototype is
// Object.prototype), with shared and cyclic references kept as they are.
// Functions, symbols, Promises, WeakMap, WeakSet, WeakRef, FinalizationRegistry and
// SharedArrayBuffer throw a DataCloneError. `{ transfer: [arrayBuffer] }` detaches the
// listed buffers once the copy is made.
//
// Where QuickJS cannot tell what V8 can, the copy goes by what the value shows: a
// Proxy is copied as the object its traps describe (V8 refuses it), an object whose
// Symbol.toStringTag hides its kind is copied as a plain object, so are `arguments`,
// generators and iterators (V8 refuses them), and a view that tracks a resizable
// buffer's length is copied with its length at the time. Detached buffers and bad
// transfer lists throw the standard's DataCloneError (Node 20: a TypeError, or none).
//
// The copy is made without recursion: objects are created as they are met and filled
// from a work list, so nesting as deep as memory allows is copied, not a stack overflow.
(function () {
  'use strict';
  const objectTag = Object.prototype.toString;
  const { hasOwn, keys: ownKeys, getOwnPropertyDescriptor: describe, defineProperty } = Object;
  const ERRORS = {
    __proto__: null, Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError,
  };
  const TYPED_ARRAYS = {
    __proto__: null, Int8Array: 1, Uint8Array: 1, Uint8ClampedArray: 1, Int16Array: 1, Uint16Array: 1, Int32Array: 1,
    Uint32Array: 1, BigInt64Array: 1, BigUint64Array: 1, Float16Array: 1, Float32Array: 1, Float64Array: 1,
  };

  const cloneError = (message) => new globalThis.DOMException(message, 'DataCloneError');
  // A TypeError with Node's code, for arguments Node rejects.
  const argumentError = (code, message) => Object.assign(new TypeError(message), { code });

  // Whether `check` accepts `value` as `this`: how a built-in's internal slots are
  // told apart from an object that only claims its name.
  const brand = (check, value, ...args) => {
    try {
      check.call(value, ...args);
      return true;
    } catch {
      return false;
    }
  };
  const getter = (proto, name) => describe(proto, name).get;

  // Kinds that cannot be copied, each with its check.
  const UNCLONEABLE = {
    __proto__: null,
    Symbol: (v) => brand(Symbol.prototype.valueOf, v),
    Promise: (v) => v instanceof Promise,
    WeakMap: (v) => brand(WeakMap.prototype.has, v, {}),
    WeakSet: (v) => brand(WeakSet.prototype.has, v, {}),
    WeakRef: (v) => brand(WeakRef.prototype.deref, v),
    FinalizationRegistry: (v) => brand(FinalizationRegistry.prototype.unregister, v, {}),
    SharedArrayBuffer: (v) => brand(getter(SharedArrayBuffer.prototype, 'byteLength'), v),
  };

  const isArrayBuffer = (v) => objectTag.call(v) === '[object ArrayBuffer]'
    && brand(getter(ArrayBuffer.prototype, 'byteLength'), v);
  const isDetached = (buffer) => getter(ArrayBuffer.prototype, 'detached').call(buffer);

  // The ArrayBuffers of `options.transfer`, checked as the standard checks them.
  const transferList = (options) => {
    if (options === undefined || options === null) return [];
    if (typeof options !== 'object' && typeof options !== 'function') {
      throw argumentError('ERR_INVALID_ARG_TYPE', 'The options argument must be either an object or undefined');
    }
    const { transfer } = options;
    if (transfer === undefined) return [];
    if (transfer === null || typeof transfer[Symbol.iterator] !== 'function') {
      throw argumentError('ERR_INVALID_ARG_TYPE', 'Optional transferList argument must be an iterable');
    }
    const list = [];
    const seen = new Set();
    for (const item of transfer) {
      if (!isArrayBuffer(item)) throw cloneError(`Value at index ${list.length} does not have a transferable type.`);
      if (seen.has(item)) throw cloneError('Transfer list contains duplicate ArrayBuffer');
      if (isDetached(item)) throw cloneError('An ArrayBuffer is detached and could not be transferred.');
      seen.add(item);
      list.push(item);
    }
    return list;
  };

  // What a DataCloneError says of a value, as V8 says it.
  const shown = (value) => (typeof value === 'function' ? Function.prototype.toString.call(value) : String(value));

  // Detaches the transferred buffers, once their contents are copied.
  const detach = (transfer) => {
    for (const buffer of transfer) ArrayBuffer.prototype.transfer.call(buffer, 0);
  };

  function structuredClone(value, options) {
    if (arguments.length === 0) throw argumentError('ERR_MISSING_ARGS', 'The value argument must be specified');
    const transfer = transferList(options);
    if (value === null || (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol')) {
      detach(transfer);
      return value;
    }
    // Each original object met, and its copy.
    const memory = new Map();
    // Copies made but not yet filled: original, copy, kind, extra, four at a time.
    const work = [];

    const copyBuffer = (buffer) => {
      let clone = memory.get(buffer);
      if (clone !== undefined) return clone;
      if (isDetached(buffer)) throw cloneError('An ArrayBuffer is detached and could not be cloned.');
      const proto = ArrayBuffer.prototype;
      const length = getter(proto, 'byteLength').call(buffer);
      clone = getter(proto, 'resizable').call(buffer)
        ? new ArrayBuffer(length, { maxByteLength: getter(proto, 'maxByteLength').call(buffer) })
        : new ArrayBuffer(length);
      new Uint8Array(clone).set(new Uint8Array(buffer));
      memory.set(buffer, clone);
      return clone;
    };

    // The copy of an object not met before, empty if it has contents still to copy
    // (queued on `work`).
    const later = (v, clone, kind, extra) => {
      work.push(v, clone, kind, extra);
      return clone;
    };
    const make = (v) => {
      const tag = objectTag.call(v).slice(8, -1);
      switch (tag) {
        case 'Object':
          return later(v, {}, 'object');
        case 'Array':
          if (Array.isArray(v)) return later(v, [], 'array', v.length);
          break;
        case 'Error':
          if (Error.isError(v)) {
            const name = v.name;
            const Ctor = typeof name === 'string' && ERRORS[name] ? ERRORS[name] : Error;
            const message = describe(v, 'message');
            const clone = message && hasOwn(message, 'value') ? new Ctor(String(message.value)) : new Ctor();
            const stack = v.stack;
            if (typeof stack === 'string') defineProperty(clone, 'stack', { value: stack, writable: true, configurable: true });
            const cause = describe(v, 'cause');
            return cause && hasOwn(cause, 'value') ? later(v, clone, 'cause', cause.value) : clone;
          }
          break;
        case 'Boolean':
          if (brand(Boolean.prototype.valueOf, v)) return Object(Boolean.prototype.valueOf.call(v));
          break;
        case 'Number':
          if (brand(Number.prototype.valueOf, v)) return Object(Number.prototype.valueOf.call(v));
          break;
        case 'String':
          if (brand(String.prototype.valueOf, v)) return Object(String.prototype.valueOf.call(v));
          break;
        case 'BigInt':
          if (brand(BigInt.prototype.valueOf, v)) return Object(BigInt.prototype.valueOf.call(v));
          break;
        case 'Date':
          if (brand(Date.prototype.getTime, v)) return new Date(Date.prototype.getTime.call(v));
          break;
        case 'RegExp': {
          const source = getter(RegExp.prototype, 'source');
          if (brand(source, v)) return new RegExp(source.call(v), getter(RegExp.prototype, 'flags').call(v));
          break;
        }
        case 'Map':
          if (brand(getter(Map.prototype, 'size'), v)) return later(v, new Map(), 'map');
          break;
        case 'Set':
          if (brand(getter(Set.prototype, 'size'), v)) return later(v, new Set(), 'set');
          break;
        case 'ArrayBuffer':
          if (brand(getter(ArrayBuffer.prototype, 'byteLength'), v)) return copyBuffer(v);
          break;
        case 'DataView': {
          const proto = DataView.prototype;
          const buffer = getter(proto, 'buffer');
          if (brand(buffer, v)) {
            return new DataView(copyBuffer(buffer.call(v)), getter(proto, 'byteOffset').call(v), getter(proto, 'byteLength').call(v));
          }
          break;
        }
        default:
          if (TYPED_ARRAYS[tag]) {
            const proto = Object.getPrototypeOf(Uint8Array.prototype);
            if (getter(proto, Symbol.toStringTag).call(v) === tag) {
              const buffer = copyBuffer(getter(proto, 'buffer').call(v));
              return new globalThis[tag](buffer, getter(proto, 'byteOffset').call(v), getter(proto, 'length').call(v));
            }
          } else if (UNCLONEABLE[tag] && UNCLONEABLE[tag](v)) {
            throw cloneError(`#<${tag}> could not be cloned.`);
          }
      }
      return later(v, {}, 'object');
    };

    const copy = (v) => {
      if (typeof v === 'function') throw cloneError(`${shown(v)} could not be cloned.`);
      if (typeof v === 'symbol') throw cloneError(`${shown(v)} could not be cloned.`);
      if (typeof v !== 'object' || v === null) return v;
      let c = memory.get(v);
      if (c === undefined) {
        c = make(v);
        memory.set(v, c);
      }
      return c;
    };

    // Copies `key` of `source`, if it still has it (a getter may have deleted it), to
    // `target`, as its own data property whatever setter (`__proto__`) an
    // assignment would call.
    const copyProperty = (source, target, key) => {
      if (!hasOwn(source, key)) return;
      const value = copy(source[key]);
      if (key === '__proto__') defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
      else target[key] = value;
    };

    const fill = (source, target, kind, extra) => {
      switch (kind) {
        case 'array': {
          const length = extra;
          let dense = 0;
          for (; dense < length && hasOwn(source, dense); dense++) target[dense] = copy(source[dense]);
          // Then what follows a hole, and properties that are not indices. `for in`
          // lists an array's indices first, ascending, and those of an array with
          // no other property without making them all at once.
          let skipped = 0;
          for (const key in source) {
            if (skipped < dense && key === String(skipped)) skipped++;
            else copyProperty(source, target, key);
          }
          target.length = length;
          break;
        }
        case 'object': {
          const names = ownKeys(source);
          for (let i = 0; i < names.length; i++) copyProperty(source, target, names[i]);
          break;
        }
        case 'map': {
          const entries = [];
          Map.prototype.forEach.call(source, (value, key) => { entries.push(key, value); });
          for (let i = 0; i < entries.length; i += 2) target.set(copy(entries[i]), copy(entries[i + 1]));
          break;
        }
        case 'set': {
          const items = [];
          Set.prototype.forEach.call(source, (item) => { items.push(item); });
          for (const item of items) target.add(copy(item));
          break;
        }
        case 'cause':
          defineProperty(target, 'cause', { value: copy(extra), writable: true, configurable: true });
          break;
      }
    };

    const result = copy(value);
    while (work.length > 0) {
      const extra = work.pop();
      const kind = work.pop();
      const target = work.pop();
      fill(work.pop(), target, kind, extra);
    }
    detach(transfer);
    return result;
  }

  return { structuredClone };
})
