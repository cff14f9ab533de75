// The `events` module: Node's EventEmitter (listeners in order, `once`, `prepend…`,
// `'newListener'`/`'removeListener'`, an `'error'` event with no listener thrown),
// and `once(emitter, name)` as a promise.

const kListeners = Symbol('listeners');
let defaultMaxListeners = 10;

function checkListener(listener) {
  if (typeof listener !== 'function') {
    throw new TypeError(`The "listener" argument must be of type function. Received ${listener === null ? 'null' : typeof listener}`);
  }
}

function table(emitter) {
  if (!Object.prototype.hasOwnProperty.call(emitter, kListeners) || emitter[kListeners] === undefined) {
    Object.defineProperty(emitter, kListeners, { value: new Map(), writable: true, configurable: true });
  }
  return emitter[kListeners];
}

function add(emitter, name, listener, prepend, once) {
  checkListener(listener);
  const listeners = table(emitter);
  if (listeners.has('newListener')) emitter.emit('newListener', name, listener);
  const entry = { listener, once };
  const list = listeners.get(name);
  if (list === undefined) listeners.set(name, [entry]);
  else if (prepend) list.unshift(entry);
  else list.push(entry);
  return emitter;
}

// A function, not a class: libraries still write `EventEmitter.call(this)` in their
// constructors and `util.inherits(Ctor, EventEmitter)`.
export function EventEmitter(options) {
  EventEmitter.init.call(this, options);
}

EventEmitter.init = function init() {
  table(this);
  if (this._maxListeners === undefined) this._maxListeners = undefined;
};

Object.defineProperty(EventEmitter, 'defaultMaxListeners', {
  enumerable: true,
  get() { return defaultMaxListeners; },
  set(n) { defaultMaxListeners = n; },
});

const methods = {
  setMaxListeners(n) {
    if (typeof n !== 'number' || n < 0 || Number.isNaN(n)) throw new RangeError('The value of "n" is out of range.');
    this._maxListeners = n;
    return this;
  },
  getMaxListeners() { return this._maxListeners === undefined ? defaultMaxListeners : this._maxListeners; },
  on(name, listener) { return add(this, name, listener, false, false); },
  addListener(name, listener) { return add(this, name, listener, false, false); },
  prependListener(name, listener) { return add(this, name, listener, true, false); },
  once(name, listener) { return add(this, name, listener, false, true); },
  prependOnceListener(name, listener) { return add(this, name, listener, true, true); },
  off(name, listener) { return this.removeListener(name, listener); },
  removeListener(name, listener) {
    checkListener(listener);
    const listeners = table(this);
    const list = listeners.get(name);
    if (list === undefined) return this;
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i].listener === listener) {
        list.splice(i, 1);
        if (list.length === 0) listeners.delete(name);
        if (listeners.has('removeListener')) this.emit('removeListener', name, listener);
        break;
      }
    }
    return this;
  },
  removeAllListeners(name) {
    const listeners = table(this);
    if (name === undefined) listeners.clear();
    else listeners.delete(name);
    return this;
  },
  emit(name, ...args) {
    const list = table(this).get(name);
    if (list === undefined || list.length === 0) {
      if (name === 'error') {
        const error = args[0];
        if (error instanceof Error) throw error;
        const wrapped = new Error(`Unhandled error. (${String(error)})`);
        wrapped.context = error;
        wrapped.code = 'ERR_UNHANDLED_ERROR';
        throw wrapped;
      }
      return false;
    }
    for (const entry of list.slice()) {
      if (entry.once) this.removeListener(name, entry.listener);
      Reflect.apply(entry.listener, this, args);
    }
    return true;
  },
  listenerCount(name) {
    const list = table(this).get(name);
    return list === undefined ? 0 : list.length;
  },
  listeners(name) {
    const list = table(this).get(name);
    return list === undefined ? [] : list.map((entry) => entry.listener);
  },
  rawListeners(name) { return this.listeners(name); },
  eventNames() { return [...table(this).keys()]; },
};
// Enumerable, as Node's are: mixins copy them with `Object.assign`.
for (const [name, method] of Object.entries(methods)) {
  Object.defineProperty(EventEmitter.prototype, name, {
    value: method, writable: true, configurable: true, enumerable: true,
  });
}

export function once(emitter, name) {
  return new Promise((resolve, reject) => {
    const onError = (error) => {
      emitter.removeListener(name, onEvent);
      reject(error);
    };
    const onEvent = (...args) => {
      if (name !== 'error') emitter.removeListener('error', onError);
      resolve(args);
    };
    emitter.once(name, onEvent);
    if (name !== 'error') emitter.once('error', onError);
  });
}

export function listenerCount(emitter, name) { return emitter.listenerCount(name); }

EventEmitter.EventEmitter = EventEmitter;
EventEmitter.once = once;
EventEmitter.listenerCount = listenerCount;
export default EventEmitter;
