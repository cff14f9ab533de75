// The `util` module: Node's `inspect` and `format`, `isDeepStrictEqual`, `types`,
// `promisify`/`callbackify`, `inherits`, `deprecate`, `debuglog` and the legacy
// `is…` helpers.
//
// What JavaScript alone cannot see, without the engine's help, is answered as well as
// it can be: a Proxy is inspected through its traps, as the object it pretends to be;
// a Promise's state is unknown (`Promise { <unknown> }`), and so are the entries a Map
// or Set iterator has left; `types.isProxy` and `types.isExternal` always answer
// false; `types.isPromise` and the iterator and generator checks go by prototype.

import { describeReceived } from 'warren:node-errors';

const kInspectCustom = Symbol.for('nodejs.util.inspect.custom');
const kPromisifyCustom = Symbol.for('nodejs.util.promisify.custom');
// The loose (`==`) deep equality, for `assert.deepEqual`: Node has no public name
// for it, so it hangs off `isDeepStrictEqual` under a registered symbol.
const kLooseDeepEqual = Symbol.for('warren.util.isDeepLooseEqual');

// Prototype walks stop here: a Proxy's `getPrototypeOf` may answer with a chain
// that never ends.
const kMaxPrototypeChain = 1000;

const uncurry = (fn) => (self, ...args) => Reflect.apply(fn, self, args);
const accessor = (proto, key) => uncurry(Object.getOwnPropertyDescriptor(proto, key).get);
const hasOwn = (value, key) => Object.prototype.hasOwnProperty.call(value, key);
const isEnumerable = uncurry(Object.prototype.propertyIsEnumerable);
const objectToString = uncurry(Object.prototype.toString);
const functionToString = uncurry(Function.prototype.toString);
const symbolToString = uncurry(Symbol.prototype.toString);
const errorToString = uncurry(Error.prototype.toString);
const dateGetTime = uncurry(Date.prototype.getTime);
const dateToISOString = uncurry(Date.prototype.toISOString);
const regExpToString = uncurry(RegExp.prototype.toString);
const regExpSource = accessor(RegExp.prototype, 'source');
const mapSize = accessor(Map.prototype, 'size');
const mapEntries = uncurry(Map.prototype.entries);
const mapGet = uncurry(Map.prototype.get);
const mapHas = uncurry(Map.prototype.has);
const setSize = accessor(Set.prototype, 'size');
const setValues = uncurry(Set.prototype.values);
const setHas = uncurry(Set.prototype.has);
const TypedArray = Object.getPrototypeOf(Uint8Array);
const typedArrayName = accessor(TypedArray.prototype, Symbol.toStringTag);
const typedArrayLength = accessor(TypedArray.prototype, 'length');
const arrayBufferByteLength = accessor(ArrayBuffer.prototype, 'byteLength');
// A context without SharedArrayBuffer has none to recognise.
const sharedArrayBufferByteLength = typeof SharedArrayBuffer === 'function'
  ? accessor(SharedArrayBuffer.prototype, 'byteLength')
  : () => { throw new TypeError('not a SharedArrayBuffer'); };
const dataViewBuffer = accessor(DataView.prototype, 'buffer');

// The engine's own methods throw on a receiver of the wrong kind: a brand check no
// prototype can fake and that never runs the value's own code (not even a Proxy's).
const brand = (check) => (value) => {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  try {
    check(value);
    return true;
  } catch {
    return false;
  }
};

const protoOf = (value) => Object.getPrototypeOf(value);
const AsyncFunctionPrototype = protoOf(async () => {});
const GeneratorFunctionPrototype = protoOf(function* () {});
const AsyncGeneratorFunctionPrototype = protoOf(async function* () {});
const GeneratorPrototype = GeneratorFunctionPrototype.prototype;
const AsyncGeneratorPrototype = AsyncGeneratorFunctionPrototype.prototype;
const MapIteratorPrototype = protoOf(new Map().entries());
const SetIteratorPrototype = protoOf(new Set().values());
const isPrototypeOf = uncurry(Object.prototype.isPrototypeOf);
const hasPrototype = (proto) => (value) =>
  value !== null && (typeof value === 'object' || typeof value === 'function') && isPrototypeOf(proto, value);

const isTypedArrayOf = (name) => (value) => typedArrayName(value) === name;
const isNumberObject = brand(uncurry(Number.prototype.valueOf));
const isStringObject = brand(uncurry(String.prototype.valueOf));
const isBooleanObject = brand(uncurry(Boolean.prototype.valueOf));
const isBigIntObject = brand(uncurry(BigInt.prototype.valueOf));
const isSymbolObject = brand(uncurry(Symbol.prototype.valueOf));
const isArrayBuffer = brand(arrayBufferByteLength);
const hasRegExpSource = brand(regExpSource);
const isSharedArrayBuffer = brand(sharedArrayBufferByteLength);
const isGeneratorFunction = (value) =>
  typeof value === 'function' && (isPrototypeOf(GeneratorFunctionPrototype, value) || isPrototypeOf(AsyncGeneratorFunctionPrototype, value));
const isAsyncFunction = (value) =>
  typeof value === 'function' && (isPrototypeOf(AsyncFunctionPrototype, value) || isPrototypeOf(AsyncGeneratorFunctionPrototype, value));
const isObjectLike = (value) => value !== null && typeof value === 'object';

export const types = {
  isExternal: () => false,
  isDate: brand(dateGetTime),
  isArgumentsObject: (value) => isObjectLike(value) && objectToString(value) === '[object Arguments]',
  isBigIntObject,
  isBooleanObject,
  isNumberObject,
  isStringObject,
  isSymbolObject,
  isBoxedPrimitive: (value) =>
    isNumberObject(value) || isStringObject(value) || isBooleanObject(value) || isBigIntObject(value) || isSymbolObject(value),
  isNativeError: (value) => Error.isError(value),
  // `source` answers for RegExp.prototype too, which is no RegExp.
  isRegExp: (value) => value !== RegExp.prototype && hasRegExpSource(value),
  isAsyncFunction,
  isGeneratorFunction,
  isGeneratorObject: (value) => hasPrototype(GeneratorPrototype)(value) || hasPrototype(AsyncGeneratorPrototype)(value),
  isPromise: (value) => value instanceof Promise,
  isMap: brand(mapSize),
  isSet: brand(setSize),
  isMapIterator: hasPrototype(MapIteratorPrototype),
  isSetIterator: hasPrototype(SetIteratorPrototype),
  isWeakMap: brand(uncurry(WeakMap.prototype.has)),
  isWeakSet: brand(uncurry(WeakSet.prototype.has)),
  isArrayBuffer,
  isSharedArrayBuffer,
  isAnyArrayBuffer: (value) => isArrayBuffer(value) || isSharedArrayBuffer(value),
  isDataView: brand(dataViewBuffer),
  isArrayBufferView: (value) => ArrayBuffer.isView(value),
  isTypedArray: (value) => typedArrayName(value) !== undefined,
  isUint8Array: isTypedArrayOf('Uint8Array'),
  isUint8ClampedArray: isTypedArrayOf('Uint8ClampedArray'),
  isUint16Array: isTypedArrayOf('Uint16Array'),
  isUint32Array: isTypedArrayOf('Uint32Array'),
  isInt8Array: isTypedArrayOf('Int8Array'),
  isInt16Array: isTypedArrayOf('Int16Array'),
  isInt32Array: isTypedArrayOf('Int32Array'),
  isFloat16Array: isTypedArrayOf('Float16Array'),
  isFloat32Array: isTypedArrayOf('Float32Array'),
  isFloat64Array: isTypedArrayOf('Float64Array'),
  isBigInt64Array: isTypedArrayOf('BigInt64Array'),
  isBigUint64Array: isTypedArrayOf('BigUint64Array'),
  isModuleNamespaceObject: (value) =>
    isObjectLike(value) && protoOf(value) === null && !Object.isExtensible(value) &&
    Object.getOwnPropertyDescriptor(value, Symbol.toStringTag)?.value === 'Module',
  isProxy: () => false,
};

const isError = (value) => types.isNativeError(value) || value instanceof Error;

// ---- errors as Node words them -------------------------------------------------

function invalidArgType(name, expected, value) {
  let subject = `"${name}" ${name.includes('.') ? 'property' : 'argument'}`;
  if (name.endsWith(' argument')) subject = name;
  const error = new TypeError(`The ${subject} must be ${expected}. Received ${describeReceived(value, inspect)}`);
  error.code = 'ERR_INVALID_ARG_TYPE';
  Object.defineProperty(error, 'toString', {
    value() { return `${this.name} [${this.code}]: ${this.message}`; },
    writable: true,
    configurable: true,
  });
  return error;
}

function validateFunction(value, name) {
  if (typeof value !== 'function') throw invalidArgType(name, 'of type function', value);
}

// ---- inspect --------------------------------------------------------------------

const inspectDefaultOptions = {
  showHidden: false,
  depth: 2,
  colors: false,
  customInspect: true,
  showProxy: false,
  maxArrayLength: 100,
  maxStringLength: 10000,
  breakLength: 80,
  compact: 3,
  sorted: false,
  getters: false,
  numericSeparator: false,
};

// What kind of entries a formatter produced: properties (`key: value`), array items
// (bare values), or an array's extra properties (`key: value` after the items).
const kObjectType = 0;
const kArrayType = 1;
const kArrayExtrasType = 2;

// The shortest string Node splits at its newlines when it is too long for a line.
const kMinLineWidth = 16;

const stylizeNoColor = (text) => text;

/**
 * Node's `util.inspect`: `value` as Node prints it. `options` may also be the legacy
 * `(value, showHidden, depth, colors)`. Colours are accepted and not drawn.
 */
export function inspect(value, options) {
  const ctx = {
    ...inspectDefaultOptions,
    budget: {},
    indentationLvl: 0,
    seen: [],
    currentDepth: 0,
    stylize: stylizeNoColor,
    circular: undefined,
    userOptions: undefined,
  };
  if (arguments.length > 1) {
    if (arguments.length > 2 && arguments[2] !== undefined) ctx.depth = arguments[2];
    if (arguments.length > 3 && arguments[3] !== undefined) ctx.colors = arguments[3];
    if (typeof options === 'boolean') {
      ctx.showHidden = options;
    } else if (options) {
      for (const key of Object.keys(options)) {
        if (hasOwn(inspectDefaultOptions, key) || key === 'stylize') ctx[key] = options[key];
        else if (ctx.userOptions === undefined) ctx.userOptions = options;
      }
    }
  }
  if (ctx.maxArrayLength === null) ctx.maxArrayLength = Infinity;
  if (ctx.maxStringLength === null) ctx.maxStringLength = Infinity;
  return formatValue(ctx, value, 0);
}

inspect.custom = kInspectCustom;

Object.defineProperty(inspect, 'defaultOptions', {
  enumerable: true,
  get() { return inspectDefaultOptions; },
  set(options) {
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
    Object.assign(inspectDefaultOptions, options);
  },
});

// Node's colour names and which style each kind of value gets; kept for the packages
// that read or adjust them (Warren never colours its output).
inspect.colors = Object.assign(Object.create(null), {
  reset: [0, 0], bold: [1, 22], dim: [2, 22], italic: [3, 23], underline: [4, 24],
  blink: [5, 25], inverse: [7, 27], hidden: [8, 28], strikethrough: [9, 29],
  black: [30, 39], red: [31, 39], green: [32, 39], yellow: [33, 39], blue: [34, 39],
  magenta: [35, 39], cyan: [36, 39], white: [37, 39], gray: [90, 39], grey: [90, 39],
});
inspect.styles = Object.assign(Object.create(null), {
  special: 'cyan', number: 'yellow', bigint: 'yellow', boolean: 'yellow', undefined: 'grey',
  null: 'bold', string: 'green', symbol: 'green', date: 'magenta', regexp: 'red', module: 'underline',
});

// The options a custom inspect function is handed: the caller's, with `stylize`.
function userOptions(ctx) {
  const options = {};
  for (const key of Object.keys(inspectDefaultOptions)) options[key] = ctx[key];
  return { ...options, ...ctx.userOptions, stylize: ctx.stylize };
}

function formatValue(ctx, value, recurseTimes, typedArray) {
  if (typeof value !== 'object' && typeof value !== 'function') return formatPrimitive(ctx.stylize, value, ctx);
  if (value === null) return ctx.stylize('null', 'null');

  if (ctx.customInspect) {
    const custom = value[kInspectCustom];
    // A class's prototype is shown as an object, not through its instances' hook.
    if (typeof custom === 'function' && custom !== inspect && !(value.constructor && value.constructor.prototype === value)) {
      const depth = ctx.depth === null ? null : ctx.depth - recurseTimes;
      const result = Reflect.apply(custom, value, [depth, userOptions(ctx), inspect]);
      if (result !== value) {
        if (typeof result !== 'string') return formatValue(ctx, result, recurseTimes);
        return result.replaceAll('\n', `\n${' '.repeat(ctx.indentationLvl)}`);
      }
    }
  }

  if (ctx.seen.includes(value)) {
    ctx.circular ??= new Map();
    let index = ctx.circular.get(value);
    if (index === undefined) {
      index = ctx.circular.size + 1;
      ctx.circular.set(value, index);
    }
    return ctx.stylize(`[Circular *${index}]`, 'special');
  }
  return formatRaw(ctx, value, recurseTimes, typedArray);
}

function formatRaw(ctx, value, recurseTimes, typedArray) {
  let keys;
  const constructor = getConstructorName(value, ctx, recurseTimes);
  let tag = value[Symbol.toStringTag];
  // An own enumerable tag is printed as a property already.
  if (typeof tag !== 'string' || (tag !== '' && (ctx.showHidden ? hasOwn : isEnumerable)(value, Symbol.toStringTag))) {
    tag = '';
  }
  let base = '';
  let formatter = () => [];
  let braces;
  let noIterator = true;
  let extrasType = kObjectType;

  if (value[Symbol.iterator] || constructor === null) {
    noIterator = false;
    if (Array.isArray(value)) {
      const prefix = constructor !== 'Array' || tag !== '' ? getPrefix(constructor, tag, 'Array', `(${value.length})`) : '';
      keys = nonIndexKeys(value, ctx.showHidden);
      braces = [`${prefix}[`, ']'];
      if (value.length === 0 && keys.length === 0) return `${braces[0]}]`;
      extrasType = kArrayExtrasType;
      formatter = formatArray;
    } else if (types.isSet(value)) {
      const size = setSize(value);
      const prefix = getPrefix(constructor, tag, 'Set', `(${size})`);
      keys = getKeys(value, ctx.showHidden);
      formatter = formatSet;
      if (size === 0 && keys.length === 0) return `${prefix}{}`;
      braces = [`${prefix}{`, '}'];
    } else if (types.isMap(value)) {
      const size = mapSize(value);
      const prefix = getPrefix(constructor, tag, 'Map', `(${size})`);
      keys = getKeys(value, ctx.showHidden);
      formatter = formatMap;
      if (size === 0 && keys.length === 0) return `${prefix}{}`;
      braces = [`${prefix}{`, '}'];
    } else if (types.isTypedArray(value)) {
      keys = nonIndexKeys(value, ctx.showHidden);
      const size = typedArrayLength(value);
      const fallback = constructor === null ? typedArrayName(value) : '';
      const prefix = getPrefix(constructor, tag, fallback, `(${size})`);
      braces = [`${prefix}[`, ']'];
      if (size === 0 && keys.length === 0 && !ctx.showHidden) return `${braces[0]}]`;
      formatter = (ctx, value, recurseTimes) => formatTypedArray(ctx, value, size, recurseTimes);
      extrasType = kArrayExtrasType;
    } else if (types.isMapIterator(value) || types.isSetIterator(value)) {
      keys = getKeys(value, ctx.showHidden);
      const kind = `${types.isMapIterator(value) ? 'Map' : 'Set'} Iterator`;
      braces = [`[${tag === kind || tag === '' ? kind : `${tag}] [${kind}`}] {`, '}'];
      formatter = formatUnknown;
    } else {
      noIterator = true;
    }
  }

  if (noIterator) {
    keys = getKeys(value, ctx.showHidden);
    braces = ['{', '}'];
    if (constructor === 'Object') {
      if (types.isArgumentsObject(value)) braces[0] = '[Arguments] {';
      else if (tag !== '') braces[0] = `${getPrefix(constructor, tag, 'Object')}{`;
      if (keys.length === 0) return `${braces[0]}}`;
    } else if (typeof value === 'function') {
      base = getFunctionBase(value, constructor, tag);
      if (keys.length === 0) return ctx.stylize(base, 'special');
    } else if (types.isRegExp(value)) {
      base = regExpToString(constructor !== null ? value : new RegExp(value));
      const prefix = getPrefix(constructor, tag, 'RegExp');
      if (prefix !== 'RegExp ') base = `${prefix}${base}`;
      if (keys.length === 0 || (recurseTimes > ctx.depth && ctx.depth !== null)) return ctx.stylize(base, 'regexp');
    } else if (types.isDate(value)) {
      base = Number.isNaN(dateGetTime(value)) ? 'Invalid Date' : dateToISOString(value);
      const prefix = getPrefix(constructor, tag, 'Date');
      if (prefix !== 'Date ') base = `${prefix}${base}`;
      if (keys.length === 0) return ctx.stylize(base, 'date');
    } else if (isError(value)) {
      base = formatError(value, constructor, tag, ctx, keys);
      if (keys.length === 0) return base;
    } else if (types.isAnyArrayBuffer(value)) {
      const prefix = getPrefix(constructor, tag, isArrayBuffer(value) ? 'ArrayBuffer' : 'SharedArrayBuffer');
      if (typedArray === undefined) {
        formatter = formatArrayBuffer;
      } else if (keys.length === 0) {
        const byteLength = isArrayBuffer(value) ? arrayBufferByteLength(value) : sharedArrayBufferByteLength(value);
        return `${prefix}{ byteLength: ${formatNumber(ctx.stylize, byteLength, false)} }`;
      }
      braces[0] = `${prefix}{`;
      keys.unshift('byteLength');
    } else if (types.isDataView(value)) {
      braces[0] = `${getPrefix(constructor, tag, 'DataView')}{`;
      keys.unshift('byteLength', 'byteOffset', 'buffer');
    } else if (types.isPromise(value)) {
      braces[0] = `${getPrefix(constructor, tag, 'Promise')}{`;
      formatter = formatUnknown;
    } else if (types.isWeakSet(value) || types.isWeakMap(value)) {
      braces[0] = `${getPrefix(constructor, tag, types.isWeakSet(value) ? 'WeakSet' : 'WeakMap')}{`;
      formatter = formatWeakCollection;
    } else if (types.isModuleNamespaceObject(value)) {
      braces[0] = `${getPrefix(constructor, tag, 'Module')}{`;
      const names = keys;
      keys = [];
      formatter = (ctx, value, recurseTimes) => formatNamespace(ctx, value, recurseTimes, names);
    } else if (types.isBoxedPrimitive(value)) {
      base = getBoxedBase(value, ctx, keys, constructor, tag);
      if (keys.length === 0) return base;
    } else {
      if (keys.length === 0) return `${getPrefix(constructor, tag, 'Object')}{}`;
      braces[0] = `${getPrefix(constructor, tag, 'Object')}{`;
    }
  }

  if (recurseTimes > ctx.depth && ctx.depth !== null) {
    const name = getPrefix(constructor, tag, 'Object').slice(0, -1);
    return ctx.stylize(constructor !== null ? `[${name}]` : name, 'special');
  }
  recurseTimes += 1;
  ctx.seen.push(value);
  ctx.currentDepth = recurseTimes;
  let output;
  const indentationLvl = ctx.indentationLvl;
  try {
    output = formatter(ctx, value, recurseTimes);
    for (const key of keys) output.push(formatProperty(ctx, value, recurseTimes, key, extrasType));
  } catch (err) {
    // Too deep for the stack: Node prints what it has and says so.
    if (!(err instanceof RangeError && err.message === 'Maximum call stack size exceeded')) throw err;
    ctx.seen.pop();
    ctx.indentationLvl = indentationLvl;
    const name = getPrefix(constructor, tag, 'Object').slice(0, -1);
    return ctx.stylize(`[${name}: Inspection interrupted prematurely. Maximum call stack size exceeded.]`, 'special');
  }
  const index = ctx.circular?.get(value);
  if (index !== undefined) {
    const reference = ctx.stylize(`<ref *${index}>`, 'special');
    if (ctx.compact !== true) base = base === '' ? reference : `${reference} ${base}`;
    else braces[0] = `${reference} ${braces[0]}`;
  }
  ctx.seen.pop();

  if (ctx.sorted) {
    const comparator = ctx.sorted === true ? undefined : ctx.sorted;
    if (extrasType === kObjectType) {
      output.sort(comparator);
    } else if (keys.length > 1) {
      const sorted = output.slice(output.length - keys.length).sort(comparator);
      output.splice(output.length - keys.length, keys.length, ...sorted);
    }
  }

  const result = reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes, value);
  // Node's guard against outputs that grow out of all proportion (shared
  // references shown again and again): past 128 MiB everything else is `[Object]`.
  const budget = (ctx.budget[ctx.indentationLvl] ?? 0) + result.length;
  ctx.budget[ctx.indentationLvl] = budget;
  if (budget > 2 ** 27) ctx.depth = -1;
  return result;
}

// `Foo(3) [Tag] `: the name, size and tag that open an object's braces.
function getPrefix(constructor, tag, fallback, size = '') {
  if (constructor === null) {
    if (tag !== '' && fallback !== tag) return `[${fallback}${size}: null prototype] [${tag}] `;
    return `[${fallback}${size}: null prototype] `;
  }
  if (tag !== '' && constructor !== tag) return `${constructor}${size} [${tag}] `;
  return `${constructor}${size} `;
}

// The name of the nearest constructor on the prototype chain whose `prototype` is on
// the chain too; null for an object with no prototype at all.
function getConstructorName(value, ctx, recurseTimes) {
  let firstProto;
  let obj = value;
  for (let step = 0; obj !== null && step < kMaxPrototypeChain; step++) {
    const descriptor = Object.getOwnPropertyDescriptor(obj, 'constructor');
    // Usually the constructor found is that of `obj` itself, on the chain already.
    if (descriptor !== undefined && typeof descriptor.value === 'function' && descriptor.value.name !== '' &&
        ((obj !== value && descriptor.value.prototype === obj) || isOnChain(value, descriptor.value.prototype))) {
      return String(descriptor.value.name);
    }
    obj = protoOf(obj);
    if (firstProto === undefined) firstProto = obj;
  }
  if (firstProto === null) return null;
  if (obj !== null) return 'Object';
  if (recurseTimes > ctx.depth && ctx.depth !== null) return 'Object <Complex prototype>';
  const protoConstructor = getConstructorName(firstProto, ctx, recurseTimes + 1);
  if (protoConstructor === null) {
    return `Object <${inspect(firstProto, { ...userOptions(ctx), customInspect: false, depth: -1 })}>`;
  }
  return `Object <${protoConstructor}>`;
}

function isOnChain(value, proto) {
  if (proto === null || (typeof proto !== 'object' && typeof proto !== 'function')) return false;
  let obj = value;
  for (let step = 0; step < kMaxPrototypeChain; step++) {
    obj = protoOf(obj);
    if (obj === null) return false;
    if (obj === proto) return true;
  }
  return false;
}

// Own enumerable keys, symbols included; with showHidden, all own keys.
function getKeys(value, showHidden) {
  const symbols = Object.getOwnPropertySymbols(value);
  if (showHidden) return Object.getOwnPropertyNames(value).concat(symbols);
  let keys;
  try {
    keys = Object.keys(value);
  } catch (err) {
    // A module namespace with a binding not yet initialised.
    if (!(err instanceof ReferenceError) || !types.isModuleNamespaceObject(value)) throw err;
    keys = Object.getOwnPropertyNames(value);
  }
  return keys.concat(symbols.filter((symbol) => isEnumerable(value, symbol)));
}

const isIndexKey = (key) =>
  typeof key === 'string' && /^(?:0|[1-9][0-9]*)$/.test(key) && Number(key) < 2 ** 32 - 1;

// Listing an array's own keys lists every index, a string each: several times the
// memory of the array itself. Past this length only the symbol keys of an array or
// typed array are looked at, so its other extra properties go unseen (by inspect and
// by isDeepStrictEqual alike).
const kMaxKeyScan = 1 << 16;

// An array's (or typed array's) own keys that are not indices. Indices come first,
// in order, so the first other key is found by bisection, not by testing them all.
function nonIndexKeys(value, showHidden) {
  const isArray = Array.isArray(value);
  const length = isArray ? value.length : types.isTypedArray(value) ? typedArrayLength(value) : 0;
  if (length > kMaxKeyScan) {
    const symbols = Object.getOwnPropertySymbols(value);
    if (showHidden) return isArray ? ['length', ...symbols] : symbols;
    return symbols.filter((symbol) => isEnumerable(value, symbol));
  }
  const all = Reflect.ownKeys(value);
  let low = 0;
  let high = all.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (isIndexKey(all[middle])) low = middle + 1;
    else high = middle;
  }
  const rest = all.slice(low);
  return showHidden ? rest : rest.filter((key) => isEnumerable(value, key));
}

function formatPrimitive(stylize, value, ctx) {
  switch (typeof value) {
    case 'string': {
      let trailer = '';
      if (value.length > ctx.maxStringLength) {
        const remaining = value.length - ctx.maxStringLength;
        value = value.slice(0, ctx.maxStringLength);
        trailer = `... ${remaining} more character${remaining > 1 ? 's' : ''}`;
      }
      // A string too long for its line is cut at its newlines, one quoted piece a line.
      if (ctx.compact !== true && value.length > kMinLineWidth && value.length > ctx.breakLength - ctx.indentationLvl - 4 &&
          value.includes('\n')) {
        return value
          .split(/(?<=\n)/)
          .map((line) => stylize(quote(line), 'string'))
          .join(` +\n${' '.repeat(ctx.indentationLvl + 2)}`) + trailer;
      }
      return stylize(quote(value), 'string') + trailer;
    }
    case 'number': return formatNumber(stylize, value, ctx.numericSeparator);
    case 'bigint': return formatBigInt(stylize, value, ctx.numericSeparator);
    case 'boolean': return stylize(`${value}`, 'boolean');
    case 'undefined': return stylize('undefined', 'undefined');
    default: return stylize(symbolToString(value), 'symbol');
  }
}

// `1_000_000`-style grouping, for numericSeparator.
const groupDigits = (digits) => digits.replace(/\B(?=(?:\d{3})+$)/g, '_');

function formatNumber(stylize, number, numericSeparator) {
  const text = `${number}`;
  if (!numericSeparator) return stylize(Object.is(number, -0) ? '-0' : text, 'number');
  if (!Number.isFinite(number) || text.includes('e')) return stylize(text, 'number');
  const [integer, fraction] = text.split('.');
  const grouped = integer.replace(/\d+/, groupDigits);
  return stylize(fraction === undefined ? grouped : `${grouped}.${fraction.replace(/\d{3}(?=\d)/g, '$&_')}`, 'number');
}

function formatBigInt(stylize, bigint, numericSeparator) {
  const text = `${bigint}`;
  return stylize(`${numericSeparator ? text.replace(/\d+/, groupDigits) : text}n`, 'bigint');
}

// Control characters, the backslash, C1 controls and lone surrogates: what Node
// escapes in a quoted string (and the quote itself).
const kEscapable = /[\x00-\x1f\x27\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// A quicker first test for the same: most strings need no escaping at all.
const kMaybeEscapable = /[\x00-\x1f\x27\x5c\x7f-\x9f\ud800-\udfff]/;
const kShortEscapes = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r', 39: "\\'", 92: '\\\\' };

function escapeCharacter(char) {
  const code = char.charCodeAt(0);
  if (code >= 0xd800) return `\\u${code.toString(16)}`;
  return kShortEscapes[code] ?? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`;
}

// Node quotes with `'`, or `"` when the string has a `'` and no `"`, or a backtick
// when it has both and no backtick (nor `${`); only the chosen quote is escaped.
function quote(text) {
  let mark = "'";
  if (text.includes("'")) {
    if (!text.includes('"')) mark = '"';
    else if (!text.includes('`') && !text.includes('${')) mark = '`';
  }
  const escaped = kMaybeEscapable.test(text)
    ? text.replace(kEscapable, (char) => (char === "'" && mark !== "'" ? char : escapeCharacter(char)))
    : text;
  return `${mark}${escaped}${mark}`;
}

const escapeBare = (text) => text.replace(kEscapable, escapeCharacter);

function formatProperty(ctx, value, recurseTimes, key, type, desc) {
  let str;
  let separator = ' ';
  desc ??= Object.getOwnPropertyDescriptor(value, key) ?? { value: value[key], enumerable: true };
  if (desc.value !== undefined) {
    const diff = ctx.compact !== true || type !== kObjectType ? 2 : 3;
    ctx.indentationLvl += diff;
    str = formatValue(ctx, desc.value, recurseTimes);
    if (diff === 3 && ctx.breakLength < stringWidth(str, ctx.breakLength)) separator = `\n${' '.repeat(ctx.indentationLvl)}`;
    ctx.indentationLvl -= diff;
  } else if (desc.get !== undefined) {
    const label = desc.set !== undefined ? 'Getter/Setter' : 'Getter';
    const { getters } = ctx;
    if (getters && (getters === true || (getters === 'get' && desc.set === undefined) || (getters === 'set' && desc.set !== undefined))) {
      try {
        const got = Reflect.apply(desc.get, value, []);
        ctx.indentationLvl += 2;
        if (got === null) str = `[${label}: null]`;
        else if (typeof got === 'object') str = `[${label}] ${formatValue(ctx, got, recurseTimes)}`;
        else str = `[${label}: ${formatPrimitive(ctx.stylize, got, ctx)}]`;
        ctx.indentationLvl -= 2;
      } catch (err) {
        str = `[${label}: <Inspection threw (${err?.message})>]`;
      }
    } else {
      str = ctx.stylize(`[${label}]`, 'special');
    }
  } else if (desc.set !== undefined) {
    str = ctx.stylize('[Setter]', 'special');
  } else {
    str = ctx.stylize('undefined', 'undefined');
  }
  if (type === kArrayType) return str;
  return `${propertyName(ctx, key, desc.enumerable)}:${separator}${str}`;
}

// A key as Node shows it: bare if an identifier, quoted if not, in brackets if a
// symbol or not enumerable.
function propertyName(ctx, key, enumerable) {
  if (typeof key === 'symbol') return `[${ctx.stylize(escapeBare(symbolToString(key)), 'symbol')}]`;
  if (key === '__proto__') return "['__proto__']";
  if (enumerable === false) return `[${escapeBare(String(key))}]`;
  if (/^[a-zA-Z_][a-zA-Z_0-9]*$/.test(key)) return ctx.stylize(key, 'name');
  return ctx.stylize(quote(String(key)), 'string');
}

const moreItems = (remaining) => `... ${remaining} more item${remaining > 1 ? 's' : ''}`;
const emptyItems = (count, ctx) => ctx.stylize(`<${count} empty item${count > 1 ? 's' : ''}>`, 'undefined');

function formatArray(ctx, value, recurseTimes) {
  const length = value.length;
  const shown = Math.min(Math.max(0, ctx.maxArrayLength), length);
  const output = [];
  for (let i = 0; i < shown; i++) {
    if (!hasOwn(value, i)) return formatSparseArray(ctx, value, recurseTimes, shown, output, i);
    output.push(formatProperty(ctx, value, recurseTimes, i, kArrayType));
  }
  if (length > shown) output.push(moreItems(length - shown));
  return output;
}

// From the first hole on: runs of holes read `<n empty items>`, each counting as one
// entry towards maxArrayLength. Only the indices that exist are visited, so
// `new Array(2 ** 32 - 1)` costs nothing.
function formatSparseArray(ctx, value, recurseTimes, maxLength, output, start) {
  // Indices 0 to start - 1 exist, so from `start` on the keys list the items after
  // the first hole.
  const keys = Object.keys(value);
  let index = start;
  for (let k = start; k < keys.length && output.length < maxLength; k++) {
    const key = keys[k];
    if (!isIndexKey(key)) break;
    const position = Number(key);
    if (position !== index) {
      output.push(emptyItems(position - index, ctx));
      index = position;
      if (output.length === maxLength) break;
    }
    output.push(formatProperty(ctx, value, recurseTimes, key, kArrayType));
    index++;
  }
  const remaining = value.length - index;
  if (output.length !== maxLength) {
    if (remaining > 0) output.push(emptyItems(remaining, ctx));
  } else if (remaining > 0) {
    output.push(moreItems(remaining));
  }
  return output;
}

function formatTypedArray(ctx, value, length, recurseTimes) {
  const shown = Math.min(Math.max(0, ctx.maxArrayLength), length);
  const output = [];
  for (let i = 0; i < shown; i++) {
    const item = value[i];
    output.push(typeof item === 'bigint'
      ? formatBigInt(ctx.stylize, item, ctx.numericSeparator)
      : formatNumber(ctx.stylize, item, ctx.numericSeparator));
  }
  if (length > shown) output.push(moreItems(length - shown));
  if (ctx.showHidden) {
    ctx.indentationLvl += 2;
    for (const key of ['BYTES_PER_ELEMENT', 'length', 'byteLength', 'byteOffset', 'buffer']) {
      output.push(`[${key}]: ${formatValue(ctx, value[key], recurseTimes, true)}`);
    }
    ctx.indentationLvl -= 2;
  }
  return output;
}

function formatArrayBuffer(ctx, value) {
  let bytes;
  try {
    bytes = new Uint8Array(value);
  } catch {
    return [ctx.stylize('(detached)', 'special')];
  }
  const shown = Math.min(Math.max(0, ctx.maxArrayLength), bytes.length);
  let hex = Array.from(bytes.subarray(0, shown), (byte) => byte.toString(16).padStart(2, '0')).join(' ');
  const remaining = bytes.length - shown;
  if (remaining > 0) hex += ` ... ${remaining} more byte${remaining > 1 ? 's' : ''}`;
  return [`${ctx.stylize('[Uint8Contents]', 'special')}: <${hex}>`];
}

// Sets and maps are read through the engine's own iterators, never the value's
// (possibly replaced) `Symbol.iterator`.
function formatSet(ctx, value, recurseTimes) {
  const size = setSize(value);
  const shown = Math.min(Math.max(0, ctx.maxArrayLength), size);
  const output = [];
  ctx.indentationLvl += 2;
  for (const item of setValues(value)) {
    if (output.length >= shown) break;
    output.push(formatValue(ctx, item, recurseTimes));
  }
  if (size > shown) output.push(moreItems(size - shown));
  ctx.indentationLvl -= 2;
  return output;
}

function formatMap(ctx, value, recurseTimes) {
  const size = mapSize(value);
  const shown = Math.min(Math.max(0, ctx.maxArrayLength), size);
  const output = [];
  ctx.indentationLvl += 2;
  for (const [key, item] of mapEntries(value)) {
    if (output.length >= shown) break;
    output.push(`${formatValue(ctx, key, recurseTimes)} => ${formatValue(ctx, item, recurseTimes)}`);
  }
  if (size > shown) output.push(moreItems(size - shown));
  ctx.indentationLvl -= 2;
  return output;
}

const formatUnknown = (ctx) => [ctx.stylize('<unknown>', 'special')];
const formatWeakCollection = (ctx) => [ctx.stylize('<items unknown>', 'special')];

function formatNamespace(ctx, value, recurseTimes, names) {
  return names.map((name) => {
    try {
      return formatProperty(ctx, value, recurseTimes, name, kObjectType);
    } catch (err) {
      if (!(err instanceof ReferenceError)) throw err;
      // A binding still in its temporal dead zone.
      return `${propertyName(ctx, name, true)}: ${ctx.stylize('<uninitialized>', 'special')}`;
    }
  });
}

function getFunctionBase(value, constructor, tag) {
  const source = functionToString(value);
  if (/^class[\s{]/.test(source) && source.endsWith('}')) return getClassBase(value, constructor, tag);
  let type = 'Function';
  if (isGeneratorFunction(value)) type = `Generator${type}`;
  if (isAsyncFunction(value)) type = `Async${type}`;
  let base = `[${type}`;
  if (constructor === null) base += ' (null prototype)';
  base += value.name === '' ? ' (anonymous)' : `: ${value.name}`;
  base += ']';
  if (constructor !== type && constructor !== null) base += ` ${constructor}`;
  if (tag !== '' && constructor !== tag) base += ` [${tag}]`;
  return base;
}

function getClassBase(value, constructor, tag) {
  const name = (hasOwn(value, 'name') && value.name) || '(anonymous)';
  let base = `class ${name}`;
  if (constructor !== 'Function' && constructor !== null) base += ` [${constructor}]`;
  if (tag !== '' && constructor !== tag) base += ` [${tag}]`;
  if (constructor !== null) {
    const superName = protoOf(value).name;
    if (superName) base += ` extends ${superName}`;
  } else {
    base += ' extends [null prototype]';
  }
  return `[${base}]`;
}

function getBoxedBase(value, ctx, keys, constructor, tag) {
  let type;
  let primitive;
  if (isNumberObject(value)) {
    type = 'Number';
    primitive = Number.prototype.valueOf.call(value);
  } else if (isStringObject(value)) {
    type = 'String';
    primitive = String.prototype.valueOf.call(value);
    // The characters are shown in the quoted string, not again as keys.
    keys.splice(0, primitive.length);
  } else if (isBooleanObject(value)) {
    type = 'Boolean';
    primitive = Boolean.prototype.valueOf.call(value);
  } else if (isBigIntObject(value)) {
    type = 'BigInt';
    primitive = BigInt.prototype.valueOf.call(value);
  } else {
    type = 'Symbol';
    primitive = Symbol.prototype.valueOf.call(value);
  }
  let base = `[${type}`;
  if (type !== constructor) base += constructor === null ? ' (null prototype)' : ` (${constructor})`;
  base += `: ${formatPrimitive(stylizeNoColor, primitive, ctx)}]`;
  if (tag !== '' && tag !== constructor) base += ` [${tag}]`;
  if (keys.length !== 0 || ctx.stylize === stylizeNoColor) return base;
  return ctx.stylize(base, type.toLowerCase());
}

// QuickJS's `stack` holds only the frames ("    at f (file:1:2)"); V8's, which Node
// prints, starts with the error's `name: message` line.
function errorStack(err) {
  const stack = err.stack;
  if (!stack) return errorToString(err);
  const text = String(stack);
  return text.startsWith('    at ') ? `${errorToString(err)}\n${text.trimEnd()}` : text;
}

function formatError(err, constructor, tag, ctx, keys) {
  const name = err.name != null ? String(err.name) : 'Error';
  let stack = errorStack(err);
  // Keys whose values the stack already shows are not listed again.
  if (!ctx.showHidden && keys.length !== 0) {
    for (const key of ['name', 'message', 'stack']) {
      const index = keys.indexOf(key);
      if (index !== -1 && stack.includes(err[key])) keys.splice(index, 1);
    }
  }
  if ('cause' in err && !keys.includes('cause')) keys.push('cause');
  if (Array.isArray(err.errors) && !keys.includes('errors')) keys.push('errors');
  stack = improveStack(stack, constructor, name, tag);

  const message = err.message;
  let position = (message && stack.indexOf(message)) || -1;
  if (position !== -1) position += String(message).length;
  // An error without frames is shown in brackets.
  if (stack.indexOf('\n    at', position) === -1) stack = `[${stack}]`;
  if (ctx.indentationLvl !== 0) stack = stack.replaceAll('\n', `\n${' '.repeat(ctx.indentationLvl)}`);
  return stack;
}

// Names the error's class in its first line when its `name` does not: an
// `Error`-named instance of `class ValidationError extends Error` reads
// `ValidationError: …`, a `TypeError`-named one `MyError [TypeError]: …`.
function improveStack(stack, constructor, name, tag) {
  let length = name.length;
  if (constructor === null ||
      (name.endsWith('Error') && stack.startsWith(name) &&
       (stack.length === length || stack[length] === ':' || stack[length] === '\n'))) {
    let fallback = 'Error';
    if (constructor === null) {
      const start = /^([A-Z][a-z_ A-Z0-9[\]()-]+)(?::|\n\s+at)/.exec(stack) || /^([a-z_A-Z0-9-]*Error)$/.exec(stack);
      fallback = start?.[1] || '';
      length = fallback.length;
      fallback ||= 'Error';
    }
    const prefix = getPrefix(constructor, tag, fallback).slice(0, -1);
    if (name !== prefix) {
      if (prefix.includes(name)) stack = length === 0 ? `${prefix}: ${stack}` : `${prefix}${stack.slice(length)}`;
      else stack = `${prefix} [${name}]${stack.slice(length)}`;
    }
  }
  return stack;
}

// Columns a string takes in a terminal: ASCII control characters and combining marks
// none, wide East Asian characters two. Counting stops once past `limit`.
function stringWidth(text, limit = Infinity) {
  let width = 0;
  for (let i = 0; i < text.length && width <= limit; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x7f) {
      if (code >= 0x20) width++;
      continue;
    }
    for (const char of text.slice(i)) {
      if (width > limit) break;
      const point = char.codePointAt(0);
      if (point < 0x20 || (point >= 0x7f && point < 0xa0) || /\p{M}|[\u200b-\u200f\u2060]/u.test(char)) continue;
      width += isWide(point) ? 2 : 1;
    }
    break;
  }
  return width;
}

const isWide = (code) =>
  (code >= 0x1100 && code <= 0x115f) || (code >= 0x2e80 && code <= 0xa4cf && code !== 0x303f) ||
  (code >= 0xac00 && code <= 0xd7a3) || (code >= 0xf900 && code <= 0xfaff) ||
  (code >= 0xfe30 && code <= 0xfe4f) || (code >= 0xff00 && code <= 0xff60) ||
  (code >= 0xffe0 && code <= 0xffe6) || (code >= 0x1f300 && code <= 0x1f64f) ||
  (code >= 0x1f900 && code <= 0x1f9ff) || (code >= 0x20000 && code <= 0x3fffd);

// Whether the entries fit on one line of breakLength.
function isBelowBreakLength(ctx, output, start, base) {
  let total = output.length + start;
  if (total + output.length > ctx.breakLength) return false;
  for (const entry of output) {
    total += entry.length;
    if (total > ctx.breakLength) return false;
  }
  return base === '' || !base.includes('\n');
}

// Joins the entries: on one line when they are few and short enough (and nest at
// most `compact` levels deep), else one a line; long arrays of short items are laid
// out in columns first.
function reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes, value) {
  if (ctx.compact !== true) {
    if (typeof ctx.compact === 'number' && ctx.compact >= 1) {
      const entries = output.length;
      if (extrasType === kArrayExtrasType && entries > 6) output = groupArrayElements(ctx, output, value);
      if (ctx.currentDepth - recurseTimes < ctx.compact && entries === output.length) {
        const start = output.length + ctx.indentationLvl + braces[0].length + base.length + 10;
        if (isBelowBreakLength(ctx, output, start, base)) {
          const joined = output.join(', ');
          if (!joined.includes('\n')) return `${base ? `${base} ` : ''}${braces[0]} ${joined} ${braces[1]}`;
        }
      }
    }
    const indentation = `\n${' '.repeat(ctx.indentationLvl)}`;
    return `${base ? `${base} ` : ''}${braces[0]}${indentation}  ${output.join(`,${indentation}  `)}${indentation}${braces[1]}`;
  }
  if (isBelowBreakLength(ctx, output, 0, base)) {
    return `${braces[0]}${base ? ` ${base}` : ''} ${output.join(', ')} ${braces[1]}`;
  }
  const indentation = ' '.repeat(ctx.indentationLvl);
  const lead = base === '' && braces[0].length === 1 ? ' ' : `${base ? ` ${base}` : ''}\n${indentation}  `;
  return `${braces[0]}${lead}${output.join(`,\n${indentation}  `)} ${braces[1]}`;
}

// Lays array items out in columns, as Node does: about as many columns as make a
// square of items 2.5 times as tall as they are wide, at most 15 and 4 × compact, and
// only when items are of similar widths. Numbers are right-aligned, others left.
function groupArrayElements(ctx, output, value) {
  let totalLength = 0;
  let maxLength = 0;
  let outputLength = output.length;
  // The "... more items" line stays on its own.
  if (ctx.maxArrayLength < output.length) outputLength--;
  const separatorSpace = 2;
  const dataLength = [];
  // Items wider than a third of a line are never grouped: stop measuring there.
  const widest = (ctx.breakLength - ctx.indentationLvl) / 3;
  for (let i = 0; i < outputLength; i++) {
    const length = stringWidth(output[i], widest);
    if (length > widest) return output;
    dataLength.push(length);
    totalLength += length + separatorSpace;
    if (maxLength < length) maxLength = length;
  }
  const actualMax = maxLength + separatorSpace;
  if (actualMax * 3 + ctx.indentationLvl < ctx.breakLength &&
      (totalLength / actualMax > 5 || maxLength <= 6)) {
    const averageBias = Math.sqrt(actualMax - totalLength / output.length);
    const biasedMax = Math.max(actualMax - 3 - averageBias, 1);
    const columns = Math.min(
      Math.round(Math.sqrt(2.5 * biasedMax * outputLength) / biasedMax),
      Math.floor((ctx.breakLength - ctx.indentationLvl) / actualMax),
      ctx.compact * 4,
      15,
    );
    if (columns <= 1) return output;
    const maxLineLength = [];
    for (let column = 0; column < columns; column++) {
      let lineLength = 0;
      for (let j = column; j < output.length; j += columns) {
        if (dataLength[j] > lineLength) lineLength = dataLength[j];
      }
      maxLineLength.push(lineLength + separatorSpace);
    }
    let alignRight = true;
    if (value !== undefined) {
      for (let i = 0; i < output.length; i++) {
        if (typeof value[i] !== 'number' && typeof value[i] !== 'bigint') {
          alignRight = false;
          break;
        }
      }
    }
    const grouped = [];
    for (let i = 0; i < outputLength; i += columns) {
      const last = Math.min(i + columns, outputLength) - 1;
      let line = '';
      for (let j = i; j < last; j++) {
        // Pad by width, not length: the extra length of wide characters is added back.
        const padding = maxLineLength[j - i] + output[j].length - dataLength[j];
        line += alignRight ? `${output[j]}, `.padStart(padding) : `${output[j]}, `.padEnd(padding);
      }
      if (alignRight) {
        line += output[last].padStart(maxLineLength[last - i] + output[last].length - dataLength[last] - separatorSpace);
      } else {
        line += output[last];
      }
      grouped.push(line);
    }
    if (ctx.maxArrayLength < output.length) grouped.push(output[outputLength]);
    return grouped;
  }
  return output;
}

// ---- format ---------------------------------------------------------------------

// Global constructors: an object whose `toString` comes from one of them is printed
// by `%s` through inspect, one with a `toString` of its own through that.
const builtInConstructors = new Set(
  Object.getOwnPropertyNames(globalThis).filter((name) => /^[A-Z][a-zA-Z0-9]+$/.test(name)),
);

function hasBuiltInToString(value) {
  if (typeof value.toString !== 'function') return true;
  if (hasOwn(value, 'toString')) return false;
  let holder = value;
  for (let step = 0; step < kMaxPrototypeChain; step++) {
    holder = protoOf(holder);
    if (holder === null) return true;
    if (hasOwn(holder, 'toString')) {
      const descriptor = Object.getOwnPropertyDescriptor(holder, 'constructor');
      return descriptor !== undefined && typeof descriptor.value === 'function' && builtInConstructors.has(descriptor.value.name);
    }
  }
  return true;
}

function formatWithOptionsInternal(inspectOptions, args) {
  const first = args[0];
  let a = 0;
  let str = '';
  let join = '';
  if (typeof first === 'string') {
    if (args.length === 1) return first;
    let lastPos = 0;
    for (let i = 0; i < first.length - 1; i++) {
      if (first.charCodeAt(i) !== 37) continue; // '%'
      const next = first[++i];
      if (a + 1 !== args.length) {
        let piece;
        switch (next) {
          case 's': {
            const arg = args[++a];
            if (typeof arg === 'number') piece = formatNumber(stylizeNoColor, arg, false);
            else if (typeof arg === 'bigint') piece = formatBigInt(stylizeNoColor, arg, false);
            else if (typeof arg !== 'object' || arg === null || !hasBuiltInToString(arg)) piece = String(arg);
            else piece = inspect(arg, { ...inspectOptions, depth: 0, colors: false, compact: 3 });
            break;
          }
          case 'j':
            piece = stringifyForFormat(args[++a]);
            break;
          case 'd': {
            const arg = args[++a];
            if (typeof arg === 'bigint') piece = formatBigInt(stylizeNoColor, arg, false);
            else if (typeof arg === 'symbol') piece = 'NaN';
            else piece = formatNumber(stylizeNoColor, Number(arg), false);
            break;
          }
          case 'O':
            piece = inspect(args[++a], inspectOptions);
            break;
          case 'o':
            piece = inspect(args[++a], { ...inspectOptions, showHidden: true, showProxy: true, depth: 4 });
            break;
          case 'i': {
            const arg = args[++a];
            if (typeof arg === 'bigint') piece = formatBigInt(stylizeNoColor, arg, false);
            else if (typeof arg === 'symbol') piece = 'NaN';
            else piece = formatNumber(stylizeNoColor, Number.parseInt(arg), false);
            break;
          }
          case 'f': {
            const arg = args[++a];
            piece = typeof arg === 'symbol' ? 'NaN' : formatNumber(stylizeNoColor, Number.parseFloat(arg), false);
            break;
          }
          case 'c':
            a += 1;
            piece = '';
            break;
          case '%':
            str += first.slice(lastPos, i);
            lastPos = i + 1;
            continue;
          default:
            continue;
        }
        if (lastPos !== i - 1) str += first.slice(lastPos, i - 1);
        str += piece;
        lastPos = i + 1;
      } else if (next === '%') {
        str += first.slice(lastPos, i);
        lastPos = i + 1;
      }
    }
    if (lastPos !== 0) {
      a++;
      join = ' ';
      if (lastPos < first.length) str += first.slice(lastPos);
    }
  }
  for (; a < args.length; a++) {
    const value = args[a];
    str += join;
    str += typeof value !== 'string' ? inspect(value, { ...inspectOptions, compact: 3, colors: false }) : value;
    join = ' ';
  }
  return str;
}

function stringifyForFormat(value) {
  try {
    return JSON.stringify(value);
  } catch (err) {
    // Node prints a cycle as `[Circular]`; any other error is the caller's.
    if (err instanceof TypeError && /circular|cyclic/i.test(err.message)) return '[Circular]';
    throw err;
  }
}

/** Node's `util.format`: printf-like `%s %d %i %f %j %o %O %c %%`, the rest appended. */
export function format(...args) {
  return formatWithOptionsInternal(undefined, args);
}

export function formatWithOptions(inspectOptions, ...args) {
  if (inspectOptions === null || typeof inspectOptions !== 'object') {
    throw invalidArgType('inspectOptions', 'of type object', inspectOptions);
  }
  return formatWithOptionsInternal(inspectOptions, args);
}

// ---- isDeepStrictEqual ------------------------------------------------------------

const kNoIterator = 0;
const kIsArray = 1;
const kIsSet = 2;
const kIsMap = 3;

/**
 * Node's strict deep equality: same prototypes, the same own enumerable keys
 * (symbols too) with deeply equal values, Maps and Sets matched regardless of
 * order, NaN equal to NaN, 0 unequal to -0, cycles followed.
 */
export function isDeepStrictEqual(a, b) {
  return deepEqual(a, b, true);
}

Object.defineProperty(isDeepStrictEqual, kLooseDeepEqual, { value: (a, b) => deepEqual(a, b, false) });

function deepEqual(a, b, strict, memos) {
  if (a === b) return a !== 0 || Object.is(a, b) || !strict;
  if (strict) {
    if (typeof a !== 'object') return typeof a === 'number' && Number.isNaN(a) && Number.isNaN(b);
    if (typeof b !== 'object' || a === null || b === null) return false;
    if (protoOf(a) !== protoOf(b)) return false;
  } else {
    if (a === null || typeof a !== 'object') {
      if (b === null || typeof b !== 'object') {
        // eslint-disable-next-line eqeqeq
        return a == b || (Number.isNaN(a) && Number.isNaN(b));
      }
      return false;
    }
    if (b === null || typeof b !== 'object') return false;
  }
  return deepEqualObjects(a, b, strict, memos);
}

function deepEqualObjects(a, b, strict, memos) {
  const tag = objectToString(a);
  if (tag !== objectToString(b)) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    const keysA = enumerableNonIndexKeys(a, strict);
    if (keysA.length !== enumerableNonIndexKeys(b, strict).length) return false;
    return compareKeys(a, b, strict, memos, kIsArray, keysA);
  }
  if (tag === '[object Object]') return compareKeys(a, b, strict, memos, kNoIterator);
  if (types.isDate(a)) {
    if (!types.isDate(b) || dateGetTime(a) !== dateGetTime(b)) return false;
  } else if (types.isRegExp(a)) {
    if (!types.isRegExp(b) || a.source !== b.source || a.flags !== b.flags || a.lastIndex !== b.lastIndex) return false;
  } else if (isError(a)) {
    // The stacks differ wherever the errors were made; the rest must not, their
    // `cause` and `errors` (own, usually not enumerable) included.
    if (!isError(b) || a.message !== b.message || a.name !== b.name) return false;
    const hidden = ['cause', 'errors'].filter((key) => hasOwn(a, key) && !isEnumerable(a, key));
    for (const key of ['cause', 'errors']) if (hasOwn(a, key) !== hasOwn(b, key)) return false;
    return compareKeys(a, b, strict, memos, kNoIterator, undefined, hidden);
  } else if (ArrayBuffer.isView(a)) {
    if (!ArrayBuffer.isView(b)) return false;
    if (!strict && (types.isFloat32Array(a) || types.isFloat64Array(a))) {
      if (!sameFloats(a, b)) return false;
    } else if (!sameBytes(viewBytes(a), viewBytes(b))) {
      return false;
    }
    const keysA = enumerableNonIndexKeys(a, strict);
    if (keysA.length !== enumerableNonIndexKeys(b, strict).length) return false;
    return compareKeys(a, b, strict, memos, kNoIterator, keysA);
  } else if (types.isSet(a)) {
    if (!types.isSet(b) || setSize(a) !== setSize(b)) return false;
    return compareKeys(a, b, strict, memos, kIsSet);
  } else if (types.isMap(a)) {
    if (!types.isMap(b) || mapSize(a) !== mapSize(b)) return false;
    return compareKeys(a, b, strict, memos, kIsMap);
  } else if (types.isAnyArrayBuffer(a)) {
    if (!types.isAnyArrayBuffer(b) || !sameBytes(bufferBytes(a), bufferBytes(b))) return false;
  } else if (types.isBoxedPrimitive(a)) {
    if (!sameBoxedPrimitive(a, b)) return false;
  } else if (Array.isArray(b) || ArrayBuffer.isView(b) || types.isSet(b) || types.isMap(b) || types.isDate(b) ||
             types.isRegExp(b) || types.isAnyArrayBuffer(b) || types.isBoxedPrimitive(b) || isError(b)) {
    return false;
  }
  return compareKeys(a, b, strict, memos, kNoIterator);
}

function enumerableNonIndexKeys(value, strict) {
  const keys = nonIndexKeys(value, false);
  return strict ? keys : keys.filter((key) => typeof key === 'string');
}

// A view's bytes; a detached buffer has none.
function viewBytes(view) {
  return view.byteLength === 0 ? new Uint8Array(0) : new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

function bufferBytes(buffer) {
  const length = isArrayBuffer(buffer) ? arrayBufferByteLength(buffer) : sharedArrayBufferByteLength(buffer);
  return length === 0 ? new Uint8Array(0) : new Uint8Array(buffer);
}

function sameBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// Loose float arrays compare by `==`: 0 equals -0, NaN equals nothing.
function sameFloats(a, b) {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameBoxedPrimitive(a, b) {
  if (isNumberObject(a)) return isNumberObject(b) && Object.is(Number.prototype.valueOf.call(a), Number.prototype.valueOf.call(b));
  if (isStringObject(a)) return isStringObject(b) && String.prototype.valueOf.call(a) === String.prototype.valueOf.call(b);
  if (isBooleanObject(a)) return isBooleanObject(b) && Boolean.prototype.valueOf.call(a) === Boolean.prototype.valueOf.call(b);
  if (isBigIntObject(a)) return isBigIntObject(b) && BigInt.prototype.valueOf.call(a) === BigInt.prototype.valueOf.call(b);
  return isSymbolObject(b) && Symbol.prototype.valueOf.call(a) === Symbol.prototype.valueOf.call(b);
}

// `hiddenKeys`: not enumerable, compared all the same (an error's `cause`).
function compareKeys(a, b, strict, memos, iterationType, keysA, hiddenKeys = []) {
  if (keysA === undefined) {
    keysA = Object.keys(a);
    if (keysA.length !== Object.keys(b).length) return false;
    if (strict) {
      const symbolsA = Object.getOwnPropertySymbols(a).filter((symbol) => isEnumerable(a, symbol));
      const symbolsB = Object.getOwnPropertySymbols(b).filter((symbol) => isEnumerable(b, symbol));
      if (symbolsA.length !== symbolsB.length) return false;
      keysA = keysA.concat(symbolsA);
    }
  }
  for (const key of keysA) if (!isEnumerable(b, key)) return false;
  keysA = keysA.concat(hiddenKeys);

  const size = iterationType === kIsSet ? setSize(a) : iterationType === kIsMap ? mapSize(a) : 0;
  if (keysA.length === 0 && (iterationType === kNoIterator || (iterationType === kIsArray && a.length === 0) ||
      ((iterationType === kIsSet || iterationType === kIsMap) && size === 0))) {
    return true;
  }

  // The pairs being compared further up (each `a` with its `b`s): meeting one again
  // is a cycle, which is equal unless something else along it differs.
  memos ??= new Map();
  let partners = memos.get(a);
  if (partners === undefined) {
    partners = new Set();
    memos.set(a, partners);
  } else if (partners.has(b)) {
    return true;
  }
  partners.add(b);
  const equal = compareEntries(a, b, strict, keysA, memos, iterationType);
  partners.delete(b);
  if (partners.size === 0) memos.delete(a);
  return equal;
}

function compareEntries(a, b, strict, keys, memos, iterationType) {
  if (iterationType === kIsSet) {
    if (!setEquiv(a, b, strict, memos)) return false;
  } else if (iterationType === kIsMap) {
    if (!mapEquiv(a, b, strict, memos)) return false;
  } else if (iterationType === kIsArray) {
    for (let i = 0; i < a.length; i++) {
      if (hasOwn(a, i)) {
        if (!hasOwn(b, i) || !deepEqual(a[i], b[i], strict, memos)) return false;
      } else if (hasOwn(b, i)) {
        return false;
      } else {
        // A hole: from here on compare only the keys that exist.
        const keysA = Object.keys(a);
        for (let k = i; k < keysA.length; k++) {
          const key = keysA[k];
          if (!hasOwn(b, key) || !deepEqual(a[key], b[key], strict, memos)) return false;
        }
        return keysA.length === Object.keys(b).length;
      }
    }
  }
  for (const key of keys) if (!deepEqual(a[key], b[key], strict, memos)) return false;
  return true;
}

// Takes out of `pending` an item deeply equal to `item`.
function takeEqual(pending, item, strict, memos) {
  for (const candidate of pending) {
    if (deepEqual(candidate, item, strict, memos)) {
      pending.delete(candidate);
      return true;
    }
  }
  return false;
}

// Primitives match by identity (loosely: by `==` too); objects each need a deeply
// equal partner.
function setEquiv(a, b, strict, memos) {
  const pending = new Set();
  for (const item of setValues(a)) {
    if (isObjectLike(item)) pending.add(item);
    else if (!setHas(b, item)) {
      if (strict) return false;
      pending.add(item);
    }
  }
  if (pending.size === 0) return true;
  for (const item of setValues(b)) {
    if (isObjectLike(item)) {
      if (!takeEqual(pending, item, strict, memos)) return false;
    } else if (!strict && !setHas(a, item) && !takeEqual(pending, item, false, memos)) {
      return false;
    }
  }
  return pending.size === 0;
}

function takeEqualEntry(pending, map, key, item, strict, memos) {
  for (const candidate of pending) {
    if (deepEqual(candidate, key, strict, memos) && deepEqual(mapGet(map, candidate), item, strict, memos)) {
      pending.delete(candidate);
      return true;
    }
  }
  return false;
}

function mapEquiv(a, b, strict, memos) {
  const pending = new Set();
  for (const [key, itemA] of mapEntries(a)) {
    if (isObjectLike(key)) {
      pending.add(key);
    } else {
      const itemB = mapGet(b, key);
      if ((itemB === undefined && !mapHas(b, key)) || !deepEqual(itemA, itemB, strict, memos)) {
        if (strict) return false;
        pending.add(key);
      }
    }
  }
  if (pending.size === 0) return true;
  for (const [key, itemB] of mapEntries(b)) {
    if (isObjectLike(key)) {
      if (!takeEqualEntry(pending, a, key, itemB, strict, memos)) return false;
    } else if (!strict && (!mapHas(a, key) || !deepEqual(mapGet(a, key), itemB, false, memos)) &&
               !takeEqualEntry(pending, a, key, itemB, false, memos)) {
      return false;
    }
  }
  return pending.size === 0;
}

// ---- functions of functions ---------------------------------------------------------

/**
 * Turns `fn(...args, (err, value) => …)` into a function returning a promise; a
 * function's own `util.promisify.custom` version is used instead when it has one.
 */
export function promisify(original) {
  validateFunction(original, 'original');
  if (original[kPromisifyCustom]) {
    const custom = original[kPromisifyCustom];
    validateFunction(custom, 'util.promisify.custom');
    return Object.defineProperty(custom, kPromisifyCustom, { value: custom, configurable: true });
  }
  function promisified(...args) {
    return new Promise((resolve, reject) => {
      Reflect.apply(original, this, [...args, (err, value) => (err ? reject(err) : resolve(value))]);
    });
  }
  Object.setPrototypeOf(promisified, protoOf(original));
  Object.defineProperty(promisified, kPromisifyCustom, { value: promisified, configurable: true });
  return Object.defineProperties(promisified, Object.getOwnPropertyDescriptors(original));
}

promisify.custom = kPromisifyCustom;

/**
 * Turns an async function into one taking a Node-style callback last. A promise
 * rejected with a falsy reason reports an `ERR_FALSY_VALUE_REJECTION` error instead.
 */
export function callbackify(original) {
  validateFunction(original, 'original');
  function callbackified(...args) {
    const callback = args.pop();
    validateFunction(callback, 'last argument');
    const settle = (...results) => queueMicrotask(() => Reflect.apply(callback, this, results));
    Reflect.apply(original, this, args).then(
      (value) => settle(null, value),
      (reason) => {
        if (!reason) {
          const error = new Error('Promise was rejected with falsy value');
          error.code = 'ERR_FALSY_VALUE_REJECTION';
          error.reason = reason;
          reason = error;
        }
        settle(reason);
      },
    );
  }
  const descriptors = Object.getOwnPropertyDescriptors(original);
  if (typeof descriptors.length?.value === 'number') descriptors.length.value++;
  if (typeof descriptors.name?.value === 'string') descriptors.name.value += 'Callbackified';
  return Object.defineProperties(callbackified, descriptors);
}

/** The pre-class way to subclass: `ctor.prototype` inherits `superCtor.prototype`. */
export function inherits(ctor, superCtor) {
  if (ctor == null) throw invalidArgType('ctor', 'of type function', ctor);
  if (superCtor == null) throw invalidArgType('superCtor', 'of type function', superCtor);
  if (superCtor.prototype === undefined) throw invalidArgType('superCtor.prototype', 'of type object', superCtor.prototype);
  Object.defineProperty(ctor, 'super_', { value: superCtor, writable: true, configurable: true });
  Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
}

// Deprecation codes already warned about: each warns once per job.
const warnedCodes = new Set();

/**
 * Wraps `fn` so that its first call prints a DeprecationWarning (to the job's error
 * log; one per `code`), unless `process.noDeprecation` is set.
 */
export function deprecate(fn, message, code) {
  validateFunction(fn, 'fn');
  let warned = false;
  function deprecated(...args) {
    if (!warned && !(typeof process === 'object' && process?.noDeprecation)) {
      warned = true;
      if (code === undefined || !warnedCodes.has(code)) {
        if (code !== undefined) warnedCodes.add(code);
        console.error(`(node) ${code === undefined ? '' : `[${code}] `}DeprecationWarning: ${message}`);
      }
    }
    return new.target ? Reflect.construct(fn, args, new.target) : Reflect.apply(fn, this, args);
  }
  Object.setPrototypeOf(deprecated, fn);
  if (fn.prototype) deprecated.prototype = fn.prototype;
  return deprecated;
}

/** Node's section debug logger, never enabled: Warren sets no NODE_DEBUG. */
export function debuglog() {
  const logger = () => {};
  Object.defineProperty(logger, 'enabled', { get: () => false, enumerable: true });
  return logger;
}

export const debug = debuglog;

// ---- strings --------------------------------------------------------------------------

/** Replaces lone surrogates with U+FFFD. */
export function toUSVString(string) {
  return `${string}`.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

// ANSI escape sequences: CSI (7- and 8-bit), OSC up to BEL or ST, charset
// designations and the other two-character escapes.
const kAnsiPattern = /\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()#][0-9A-Za-z]|\x1b[@-Z\\-_]/g;

export function stripVTControlCharacters(str) {
  if (typeof str !== 'string') throw invalidArgType('str', 'of type string', str);
  return str.replace(kAnsiPattern, '');
}

// ---- legacy helpers (deprecated in Node, still called by older packages) -------------

export const isArray = Array.isArray;
export const isBoolean = (arg) => typeof arg === 'boolean';
export const isBuffer = (arg) => Buffer.isBuffer(arg);
export const isDate = types.isDate;
export { isError };
export const isFunction = (arg) => typeof arg === 'function';
export const isNull = (arg) => arg === null;
export const isNullOrUndefined = (arg) => arg === null || arg === undefined;
export const isNumber = (arg) => typeof arg === 'number';
export const isObject = isObjectLike;
export const isPrimitive = (arg) => arg === null || (typeof arg !== 'object' && typeof arg !== 'function');
export const isRegExp = types.isRegExp;
export const isString = (arg) => typeof arg === 'string';
export const isSymbol = (arg) => typeof arg === 'symbol';
export const isUndefined = (arg) => arg === undefined;

/** Copies `source`'s own enumerable keys onto `target` (the old `util._extend`). */
export function _extend(target, source) {
  if (source === null || typeof source !== 'object') return target;
  for (const key of Object.keys(source)) target[key] = source[key];
  return target;
}

export const { TextEncoder, TextDecoder } = globalThis;

export default {
  format,
  formatWithOptions,
  inspect,
  isDeepStrictEqual,
  promisify,
  callbackify,
  inherits,
  deprecate,
  debuglog,
  debug,
  types,
  TextEncoder,
  TextDecoder,
  toUSVString,
  stripVTControlCharacters,
  isArray,
  isBoolean,
  isBuffer,
  isDate,
  isError,
  isFunction,
  isNull,
  isNullOrUndefined,
  isNumber,
  isObject,
  isPrimitive,
  isRegExp,
  isString,
  isSymbol,
  isUndefined,
  _extend,
};
