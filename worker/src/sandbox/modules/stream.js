// The `stream` module: Node's streams, as npm packages use them. `Stream` is the legacy
// EventEmitter with `pipe`; `Readable`, `Writable`, `Duplex`, `Transform` and
// `PassThrough` keep Node's buffering, backpressure (`highWaterMark`, 'drain'),
// flowing and paused modes, object mode, string decoding and destroy/'close'
// semantics; `pipeline` and `finished` come as callbacks and (under `promises`) as
// promises.
//
// The classes are functions with prototypes, as Node's are, so both
// `class X extends Transform` and `util.inherits(X, Transform)` with
// `Transform.call(this, options)` work. One difference from Node, on purpose: an
// exception thrown by a stream's own `_write`/`_transform`/`_flush`/`_final` becomes
// its 'error' event rather than an uncaught exception.

import { EventEmitter } from 'events';
import { Buffer } from 'buffer';
import { StringDecoder } from 'string_decoder';
import { codedError, describe } from 'warren:node-errors';

// ---- Helpers ---------------------------------------------------------------------

const nop = () => {};

// Node runs stream callbacks on `process.nextTick`; a microtask is the nearest turn
// here. One that throws fails the job, as an uncaught exception ends a Node process,
// rather than vanishing as an unhandled rejection.
function defer(fn, ...args) {
  queueMicrotask(() => {
    try {
      fn(...args);
    } catch (error) {
      setTimeout(() => { throw error; }, 0);
    }
  });
}

const invalidArgType = (name, expected, value) =>
  codedError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "${name}" argument must be ${expected}. ${describe(value)}`);
const notImplemented = (method) =>
  codedError(Error, 'ERR_METHOD_NOT_IMPLEMENTED', `The ${method} method is not implemented`);
const destroyedError = (method) =>
  codedError(Error, 'ERR_STREAM_DESTROYED', `Cannot call ${method} after a stream was destroyed`);
const prematureClose = () => codedError(Error, 'ERR_STREAM_PREMATURE_CLOSE', 'Premature close');
const multipleCallback = () => codedError(Error, 'ERR_MULTIPLE_CALLBACK', 'Callback called multiple times');

function abortError(cause) {
  const error = new Error('The operation was aborted', cause === undefined ? undefined : { cause });
  error.code = 'ABORT_ERR';
  error.name = 'AbortError';
  return error;
}

// A Uint8Array as a Buffer over the same memory.
const asBuffer = (chunk) => (Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));

function checkEncoding(encoding) {
  if (encoding !== 'buffer' && !Buffer.isEncoding(encoding)) {
    throw codedError(TypeError, 'ERR_UNKNOWN_ENCODING', `Unknown encoding: ${String(encoding)}`);
  }
}

let defaultHighWaterMark = 16 * 1024;
let defaultObjectHighWaterMark = 16;

export function getDefaultHighWaterMark(objectMode) {
  return objectMode ? defaultObjectHighWaterMark : defaultHighWaterMark;
}

export function setDefaultHighWaterMark(objectMode, value) {
  if (!Number.isInteger(value) || value < 0) {
    throw codedError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "value" is out of range. It must be >= 0. Received ${value}`);
  }
  if (objectMode) defaultObjectHighWaterMark = value;
  else defaultHighWaterMark = value;
}

function highWaterMarkOf(options, duplexKey, isDuplex, objectMode) {
  let hwm = options?.highWaterMark;
  let name = 'options.highWaterMark';
  if (hwm == null && isDuplex) {
    hwm = options?.[duplexKey];
    name = `options.${duplexKey}`;
  }
  if (hwm == null) return getDefaultHighWaterMark(objectMode);
  if (!Number.isInteger(hwm) || hwm < 0) {
    const shown = typeof hwm === 'string' ? `'${hwm.slice(0, 25)}'` : String(hwm);
    throw codedError(TypeError, 'ERR_INVALID_ARG_VALUE', `The property '${name}' is invalid. Received ${shown}`);
  }
  return hwm;
}

// A FIFO of chunks that shifts in constant time.
class ChunkQueue {
  #items = [];
  #head = 0;
  get length() { return this.#items.length - this.#head; }
  push(chunk) { this.#items.push(chunk); }
  unshift(chunk) {
    if (this.#head > 0) this.#items[--this.#head] = chunk;
    else this.#items.unshift(chunk);
  }
  first() { return this.#items[this.#head]; }
  replaceFirst(chunk) { this.#items[this.#head] = chunk; }
  shift() {
    const chunk = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head === this.#items.length) this.clear();
    else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return chunk;
  }
  clear() {
    this.#items = [];
    this.#head = 0;
  }
  // Empties the queue, giving its chunks.
  drain() {
    const items = this.#items.slice(this.#head);
    this.clear();
    return items;
  }
  [Symbol.iterator]() { return this.#items.slice(this.#head)[Symbol.iterator](); }
}

// ---- Stream: the legacy base ---------------------------------------------------

export function Stream(options) {
  EventEmitter.call(this, options);
}
Object.setPrototypeOf(Stream.prototype, EventEmitter.prototype);
Object.setPrototypeOf(Stream, EventEmitter);

function prependListener(emitter, event, fn) {
  if (typeof emitter.prependListener === 'function') emitter.prependListener(event, fn);
  else emitter.on(event, fn);
}

// The pipe of old-style streams: 'data' written on, paused while the destination
// is full, ended (or destroyed) with the source.
Stream.prototype.pipe = function pipe(dest, options) {
  const source = this;
  let ended = false;
  const ondata = (chunk) => {
    if (dest.writable && dest.write(chunk) === false && typeof source.pause === 'function') source.pause();
  };
  const ondrain = () => {
    if (source.readable && typeof source.resume === 'function') source.resume();
  };
  const onend = () => {
    if (ended) return;
    ended = true;
    dest.end();
  };
  const onclose = () => {
    if (ended) return;
    ended = true;
    if (typeof dest.destroy === 'function') dest.destroy();
  };
  const cleanup = () => {
    source.removeListener('data', ondata);
    dest.removeListener('drain', ondrain);
    source.removeListener('end', onend);
    source.removeListener('close', onclose);
    source.removeListener('error', onerror);
    dest.removeListener('error', onerror);
    source.removeListener('end', cleanup);
    source.removeListener('close', cleanup);
    dest.removeListener('close', cleanup);
  };
  function onerror(error) {
    cleanup();
    if (this.listenerCount('error') === 0) this.emit('error', error);
  }
  source.on('data', ondata);
  dest.on('drain', ondrain);
  if (options?.end !== false) {
    source.on('end', onend);
    source.on('close', onclose);
  }
  prependListener(source, 'error', onerror);
  prependListener(dest, 'error', onerror);
  source.on('end', cleanup);
  source.on('close', cleanup);
  dest.on('close', cleanup);
  dest.emit('pipe', source);
  return dest;
};

// ---- Destruction, shared by all ------------------------------------------------

function setErrored(stream, error) {
  const r = stream._readableState;
  const w = stream._writableState;
  if (w && !w.errored) w.errored = error;
  if (r && !r.errored) r.errored = error;
}

function emitError(stream, error) {
  const r = stream._readableState;
  const w = stream._writableState;
  if (w?.errorEmitted || r?.errorEmitted) return;
  if (w) w.errorEmitted = true;
  if (r) r.errorEmitted = true;
  stream.emit('error', error);
}

function emitClose(stream) {
  const r = stream._readableState;
  const w = stream._writableState;
  if (w) w.closeEmitted = true;
  if (r) r.closeEmitted = true;
  if (w?.emitClose || r?.emitClose) stream.emit('close');
}

function destroy(error, callback) {
  const r = this._readableState;
  const w = this._writableState;
  if (w?.destroyed || r?.destroyed) {
    if (typeof callback === 'function') callback();
    return this;
  }
  if (error) setErrored(this, error);
  if (w) w.destroyed = true;
  if (r) r.destroyed = true;
  const state = w || r;
  if (state.constructed) runDestroy(this, error, callback);
  else this.once(kConstructed, (constructError) => runDestroy(this, error || constructError, callback));
  return this;
}

function runDestroy(stream, error, callback) {
  let called = false;
  const onDestroyed = (destroyError) => {
    if (called) return;
    called = true;
    const r = stream._readableState;
    const w = stream._writableState;
    if (destroyError) setErrored(stream, destroyError);
    if (w) w.closed = true;
    if (r) r.closed = true;
    if (typeof callback === 'function') callback(destroyError);
    if (destroyError) {
      defer(() => {
        emitError(stream, destroyError);
        emitClose(stream);
      });
    } else {
      defer(emitClose, stream);
    }
  };
  try {
    stream._destroy(error || null, onDestroyed);
  } catch (thrown) {
    onDestroyed(thrown);
  }
}

// An error from inside a stream: destroys it (autoDestroy) or just emits 'error'.
function errorOrDestroy(stream, error, sync) {
  const r = stream._readableState;
  const w = stream._writableState;
  if (w?.destroyed || r?.destroyed) return;
  if (r?.autoDestroy || w?.autoDestroy) {
    stream.destroy(error);
  } else if (error) {
    setErrored(stream, error);
    if (sync) defer(emitError, stream, error);
    else emitError(stream, error);
  }
}

// Destroys any stream-like object, as pipeline and iteration do on failure.
function destroyStream(stream, error) {
  if (!stream || isDestroyed(stream)) return;
  if (typeof stream.destroy === 'function') stream.destroy(error);
  else if (typeof stream.close === 'function') stream.close();
}

const kConstructed = Symbol('constructed');

// Runs `_construct` (when the stream has one) before any read, write or destroy.
function construct(stream) {
  if (typeof stream._construct !== 'function') return;
  const r = stream._readableState;
  const w = stream._writableState;
  if (r) r.constructed = false;
  if (w) w.constructed = false;
  defer(() => {
    let called = false;
    const done = (error) => {
      if (called) {
        errorOrDestroy(stream, error ?? multipleCallback());
        return;
      }
      called = true;
      if (r) r.constructed = true;
      if (w) w.constructed = true;
      stream.emit(kConstructed, error);
      if (error) errorOrDestroy(stream, error, true);
      else {
        if (r?.needReadable) maybeReadMore(stream, r);
        if (w) {
          clearBuffer(stream, w);
          finishMaybe(stream, w);
        }
      }
    };
    try {
      stream._construct(done);
    } catch (error) {
      done(error);
    }
  });
}

function applyStreamOptions(stream, options) {
  if (typeof options.destroy === 'function') stream._destroy = options.destroy;
  if (typeof options.construct === 'function') stream._construct = options.construct;
  if (options.signal) addAbortSignal(options.signal, stream);
}

// ---- Readable ------------------------------------------------------------------

function ReadableState(options, isDuplex) {
  this.objectMode = Boolean(options?.objectMode || (isDuplex && options?.readableObjectMode));
  this.highWaterMark = highWaterMarkOf(options, 'readableHighWaterMark', isDuplex, this.objectMode);
  this.buffer = new ChunkQueue();
  this.length = 0;
  this.pipes = [];
  // null: nobody asked yet; true: 'data' flows; false: paused (or 'readable' mode).
  this.flowing = null;
  this.paused = null;
  this.ended = false;
  this.endEmitted = false;
  this.reading = false;
  this.constructed = true;
  // Whether `push` runs inside `_read` (then 'readable' must wait a tick).
  this.sync = true;
  this.needReadable = false;
  this.emittedReadable = false;
  this.readableListening = false;
  this.resumeScheduled = false;
  this.errorEmitted = false;
  this.emitClose = options?.emitClose !== false;
  this.autoDestroy = options?.autoDestroy !== false;
  this.destroyed = false;
  this.errored = null;
  this.closed = false;
  this.closeEmitted = false;
  this.defaultEncoding = options?.defaultEncoding || 'utf8';
  // The pipe destinations the source waits on for 'drain'.
  this.awaitDrain = new Set();
  this.readingMore = false;
  this.dataEmitted = false;
  this.decoder = null;
  this.encoding = null;
  if (options?.encoding) {
    this.decoder = new StringDecoder(options.encoding);
    this.encoding = this.decoder.encoding;
  }
}

export function Readable(options) {
  if (!(this instanceof Readable)) return new Readable(options);
  const isDuplex = this instanceof Duplex;
  this._readableState = new ReadableState(options, isDuplex);
  Stream.call(this, options);
  if (options) {
    if (typeof options.read === 'function') this._read = options.read;
    applyStreamOptions(this, options);
  }
  if (!isDuplex) construct(this);
}
Object.setPrototypeOf(Readable.prototype, Stream.prototype);
Object.setPrototypeOf(Readable, Stream);

Readable.ReadableState = ReadableState;
Readable.prototype.destroy = destroy;
Readable.prototype._destroy = function _destroy(error, callback) { callback(error); };

Readable.prototype.push = function push(chunk, encoding) {
  return addChunk(this, chunk, encoding, false);
};

Readable.prototype.unshift = function unshift(chunk, encoding) {
  return addChunk(this, chunk, encoding, true);
};

// Bytes as Buffers (or text, once decoded), objects as they are.
function addChunk(stream, chunk, encoding, toFront) {
  const state = stream._readableState;
  if (!state.objectMode && chunk !== null && chunk !== undefined) {
    if (typeof chunk === 'string') {
      encoding = encoding || state.defaultEncoding;
      if (state.encoding !== encoding) {
        if (toFront && state.encoding) {
          chunk = Buffer.from(chunk, encoding).toString(state.encoding);
        } else {
          chunk = Buffer.from(chunk, encoding);
          encoding = '';
        }
      }
    } else if (chunk instanceof Uint8Array) {
      chunk = asBuffer(chunk);
      encoding = '';
    } else {
      errorOrDestroy(stream, invalidArgType('chunk', 'of type string or an instance of Buffer or Uint8Array', chunk));
      return false;
    }
  }
  if (chunk === null) {
    state.reading = false;
    onEndOfChunks(stream, state);
  } else if (state.objectMode || (chunk !== undefined && chunk.length > 0)) {
    if (toFront) {
      if (state.endEmitted) {
        errorOrDestroy(stream, codedError(Error, 'ERR_STREAM_UNSHIFT_AFTER_END_EVENT', 'stream.unshift() after end event'));
      } else if (!state.destroyed && !state.errored) {
        queueChunk(stream, state, chunk, true);
      }
    } else if (state.ended) {
      errorOrDestroy(stream, codedError(Error, 'ERR_STREAM_PUSH_AFTER_EOF', 'stream.push() after EOF'));
    } else if (!state.destroyed && !state.errored) {
      state.reading = false;
      if (state.decoder && !encoding) {
        chunk = state.decoder.write(chunk);
        if (state.objectMode || chunk.length !== 0) queueChunk(stream, state, chunk, false);
        else maybeReadMore(stream, state);
      } else {
        queueChunk(stream, state, chunk, false);
      }
    } else {
      return false;
    }
  } else if (!toFront) {
    state.reading = false;
    maybeReadMore(stream, state);
  }
  return !state.ended && (state.length < state.highWaterMark || state.length === 0);
}

function queueChunk(stream, state, chunk, toFront) {
  if (state.flowing && state.length === 0 && !state.sync && stream.listenerCount('data') > 0) {
    // Flowing with nothing queued: straight to the listeners.
    state.awaitDrain.clear();
    state.dataEmitted = true;
    stream.emit('data', chunk);
  } else {
    state.length += state.objectMode ? 1 : chunk.length;
    if (toFront) state.buffer.unshift(chunk);
    else state.buffer.push(chunk);
    if (state.needReadable) emitReadable(stream);
  }
  maybeReadMore(stream, state);
}

function onEndOfChunks(stream, state) {
  if (state.ended) return;
  if (state.decoder) {
    const rest = state.decoder.end();
    if (rest.length > 0) {
      state.buffer.push(rest);
      state.length += state.objectMode ? 1 : rest.length;
    }
  }
  state.ended = true;
  if (state.sync) {
    emitReadable(stream);
  } else {
    state.needReadable = false;
    state.emittedReadable = true;
    emitReadableNow(stream);
  }
}

// Grows the high-water mark for a large `read(n)`: the next power of two.
function grownHighWaterMark(n) {
  if (n > 2 ** 30) {
    throw codedError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "size" is out of range. It must be <= 1GiB. Received ${n}`);
  }
  let hwm = 1;
  while (hwm < n) hwm *= 2;
  return hwm;
}

// How much a `read(n)` can give now: everything, one object, or `n` when that much
// is queued (less only once the stream has ended).
function howMuchToRead(n, state) {
  if (n <= 0 || (state.length === 0 && state.ended)) return 0;
  if (state.objectMode) return 1;
  if (Number.isNaN(n)) {
    if (state.flowing && state.length > 0) return state.buffer.first().length;
    return state.length;
  }
  if (n <= state.length) return n;
  return state.ended ? state.length : 0;
}

Readable.prototype.read = function read(n) {
  const state = this._readableState;
  if (n === undefined) n = NaN;
  else if (!Number.isInteger(n)) n = Number.parseInt(n, 10);
  const asked = n;
  if (n > state.highWaterMark) state.highWaterMark = grownHighWaterMark(n);
  if (n !== 0) state.emittedReadable = false;

  // read(0) only nudges: it asks for 'readable' or 'end' when there is reason to.
  if (n === 0 && state.needReadable &&
      ((state.highWaterMark !== 0 ? state.length >= state.highWaterMark : state.length > 0) || state.ended)) {
    if (state.length === 0 && state.ended) endReadable(this);
    else emitReadable(this);
    return null;
  }
  n = howMuchToRead(n, state);
  if (n === 0 && state.ended) {
    if (state.length === 0) endReadable(this);
    return null;
  }

  // Ask the implementation for more when the queue is below the mark.
  let doRead = state.needReadable || state.length === 0 || state.length - n < state.highWaterMark;
  if (state.ended || state.reading || state.destroyed || state.errored || !state.constructed) doRead = false;
  if (doRead) {
    state.reading = true;
    state.sync = true;
    if (state.length === 0) state.needReadable = true;
    try {
      this._read(state.highWaterMark);
    } catch (error) {
      errorOrDestroy(this, error);
    }
    state.sync = false;
    // `_read` may have pushed synchronously.
    if (!state.reading) n = howMuchToRead(asked, state);
  }

  const chunk = n > 0 ? takeChunks(n, state) : null;
  if (chunk === null) {
    state.needReadable = state.length <= state.highWaterMark;
    n = 0;
  } else {
    state.length -= n;
    state.awaitDrain.clear();
  }
  if (state.length === 0) {
    if (!state.ended) state.needReadable = true;
    if (asked !== n && state.ended) endReadable(this);
  }
  if (chunk !== null && !state.errorEmitted && !state.closeEmitted) {
    state.dataEmitted = true;
    this.emit('data', chunk);
  }
  return chunk;
};

// Takes `n` units off the queue: one object, or `n` bytes/characters joined.
function takeChunks(n, state) {
  const queue = state.buffer;
  if (queue.length === 0) return null;
  if (state.objectMode) return queue.shift();
  if (n >= state.length) {
    const chunks = queue.drain();
    if (state.decoder) return chunks.join('');
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, state.length);
  }
  const first = queue.first();
  if (n < first.length) {
    queue.replaceFirst(first.slice(n));
    return first.slice(0, n);
  }
  if (n === first.length) return queue.shift();
  if (state.decoder) {
    let text = '';
    while (text.length < n) {
      const next = queue.first();
      const want = n - text.length;
      if (next.length <= want) {
        text += queue.shift();
      } else {
        text += next.slice(0, want);
        queue.replaceFirst(next.slice(want));
      }
    }
    return text;
  }
  const out = Buffer.allocUnsafe(n);
  let filled = 0;
  while (filled < n) {
    const next = queue.first();
    const want = n - filled;
    if (next.length <= want) {
      out.set(queue.shift(), filled);
      filled += next.length;
    } else {
      out.set(next.subarray(0, want), filled);
      queue.replaceFirst(next.slice(want));
      filled = n;
    }
  }
  return out;
}

Readable.prototype._read = function _read() {
  throw notImplemented('_read()');
};

function emitReadable(stream) {
  const state = stream._readableState;
  state.needReadable = false;
  if (!state.emittedReadable) {
    state.emittedReadable = true;
    defer(emitReadableNow, stream);
  }
}

function emitReadableNow(stream) {
  const state = stream._readableState;
  if (!state.destroyed && !state.errored && (state.length > 0 || state.ended)) {
    stream.emit('readable');
    state.emittedReadable = false;
  }
  state.needReadable = !state.flowing && !state.ended && state.length <= state.highWaterMark;
  flow(stream);
}

// Fills the queue up to the mark ahead of demand, a tick later.
function maybeReadMore(stream, state) {
  if (state.readingMore || !state.constructed) return;
  state.readingMore = true;
  defer(() => {
    while (!state.reading && !state.ended &&
           (state.length < state.highWaterMark || (state.flowing && state.length === 0))) {
      const before = state.length;
      stream.read(0);
      if (before === state.length) break;
    }
    state.readingMore = false;
  });
}

function flow(stream) {
  const state = stream._readableState;
  while (state.flowing && stream.read() !== null);
}

function endReadable(stream) {
  const state = stream._readableState;
  if (state.endEmitted) return;
  state.ended = true;
  defer(() => {
    if (state.errored || state.closeEmitted || state.endEmitted || state.length !== 0) return;
    state.endEmitted = true;
    stream.emit('end');
    const w = stream._writableState;
    if (w && stream.allowHalfOpen === false && stream.writable) {
      defer(() => stream.end());
    } else if (state.autoDestroy && (!w || (w.autoDestroy && (w.finished || w.writable === false)))) {
      stream.destroy();
    }
  });
}

// A 'data' listener starts the flow; a 'readable' listener switches to pulling.
function onListenerAdded(stream, event) {
  const state = stream._readableState;
  if (event === 'data') {
    state.readableListening = stream.listenerCount('readable') > 0;
    if (state.flowing !== false) stream.resume();
  } else if (event === 'readable' && !state.endEmitted && !state.readableListening) {
    state.readableListening = state.needReadable = true;
    state.flowing = false;
    state.emittedReadable = false;
    if (state.length > 0) emitReadable(stream);
    else if (!state.reading) defer(() => stream.read(0));
  }
}

for (const method of ['on', 'addListener', 'once', 'prependListener', 'prependOnceListener']) {
  const add = Stream.prototype[method];
  Object.defineProperty(Readable.prototype, method, {
    value: { [method](event, listener) {
      const result = add.call(this, event, listener);
      onListenerAdded(this, event);
      return result;
    } }[method],
    writable: true,
    configurable: true,
    enumerable: true,
  });
}

function updateReadableListening(stream) {
  const state = stream._readableState;
  state.readableListening = stream.listenerCount('readable') > 0;
  if (state.resumeScheduled && state.paused === false) state.flowing = true;
  else if (stream.listenerCount('data') > 0) stream.resume();
  else if (!state.readableListening) state.flowing = null;
}

Readable.prototype.removeListener = function removeListener(event, listener) {
  const result = Stream.prototype.removeListener.call(this, event, listener);
  if (event === 'readable') defer(updateReadableListening, this);
  return result;
};
Readable.prototype.off = Readable.prototype.removeListener;

Readable.prototype.removeAllListeners = function removeAllListeners(event) {
  const result = Stream.prototype.removeAllListeners.call(this, event);
  if (event === 'readable' || event === undefined) defer(updateReadableListening, this);
  return result;
};

Readable.prototype.resume = function resume() {
  const state = this._readableState;
  if (!state.flowing) {
    // In 'readable' mode, resume only un-pauses; 'data' flows once listened for.
    state.flowing = !state.readableListening;
    if (!state.resumeScheduled) {
      state.resumeScheduled = true;
      defer(() => {
        if (!state.reading) this.read(0);
        state.resumeScheduled = false;
        this.emit('resume');
        flow(this);
        if (state.flowing && !state.reading) this.read(0);
      });
    }
  }
  state.paused = false;
  return this;
};

Readable.prototype.pause = function pause() {
  const state = this._readableState;
  if (state.flowing !== false) {
    state.flowing = false;
    this.emit('pause');
  }
  state.paused = true;
  return this;
};

Readable.prototype.isPaused = function isPaused() {
  const state = this._readableState;
  return state.paused === true || state.flowing === false;
};

Readable.prototype.setEncoding = function setEncoding(encoding) {
  const state = this._readableState;
  const decoder = new StringDecoder(encoding);
  state.decoder = decoder;
  state.encoding = decoder.encoding;
  // What is already queued is decoded now.
  let text = '';
  for (const chunk of state.buffer.drain()) text += decoder.write(chunk);
  if (text !== '') state.buffer.push(text);
  state.length = text.length;
  return this;
};

Readable.prototype.pipe = function pipe(dest, options) {
  const src = this;
  const state = this._readableState;
  state.pipes.push(dest);
  const endOnEnd = options?.end !== false;
  let cleanedUp = false;
  let ondrain = null;

  const onend = () => dest.end();
  const unpipe = () => src.unpipe(dest);
  const endFn = endOnEnd ? onend : unpipe;
  if (state.endEmitted) defer(endFn);
  else src.once('end', endFn);

  function onunpipe(readable, info) {
    if (readable === src && info && info.hasUnpiped === false) {
      info.hasUnpiped = true;
      cleanup();
    }
  }
  function cleanup() {
    dest.removeListener('close', onclose);
    dest.removeListener('finish', onfinish);
    if (ondrain) dest.removeListener('drain', ondrain);
    dest.removeListener('error', onerror);
    dest.removeListener('unpipe', onunpipe);
    src.removeListener('end', onend);
    src.removeListener('end', unpipe);
    src.removeListener('data', ondata);
    cleanedUp = true;
    // A destination that goes while full must not keep the source waiting.
    if (ondrain && state.awaitDrain.size > 0 && (!dest._writableState || dest._writableState.needDrain)) ondrain();
  }
  function pauseForDrain() {
    if (!cleanedUp) {
      state.awaitDrain.add(dest);
      src.pause();
    }
    if (!ondrain) {
      ondrain = () => {
        state.awaitDrain.delete(dest);
        if (state.awaitDrain.size === 0 && src.listenerCount('data') > 0) src.resume();
      };
      dest.on('drain', ondrain);
    }
  }
  function ondata(chunk) {
    if (dest.write(chunk) === false) pauseForDrain();
  }
  function onerror(error) {
    unpipe();
    dest.removeListener('error', onerror);
    if (dest.listenerCount('error') === 0) {
      const destState = dest._writableState || dest._readableState;
      if (destState && !destState.errorEmitted) errorOrDestroy(dest, error);
      else dest.emit('error', error);
    }
  }
  function onclose() {
    dest.removeListener('finish', onfinish);
    unpipe();
  }
  function onfinish() {
    dest.removeListener('close', onclose);
    unpipe();
  }

  dest.on('unpipe', onunpipe);
  src.on('data', ondata);
  prependListener(dest, 'error', onerror);
  dest.once('close', onclose);
  dest.once('finish', onfinish);
  dest.emit('pipe', src);
  if (dest.writableNeedDrain === true) pauseForDrain();
  else if (!state.flowing) src.resume();
  return dest;
};

Readable.prototype.unpipe = function unpipe(dest) {
  const state = this._readableState;
  if (state.pipes.length === 0) return this;
  if (!dest) {
    const dests = state.pipes;
    state.pipes = [];
    this.pause();
    for (const each of dests) each.emit('unpipe', this, { hasUnpiped: false });
    return this;
  }
  const index = state.pipes.indexOf(dest);
  if (index < 0) return this;
  state.pipes.splice(index, 1);
  if (state.pipes.length === 0) this.pause();
  dest.emit('unpipe', this, { hasUnpiped: false });
  return this;
};

// Wraps an old-style stream ('data'/'end' events, pause/resume) as a Readable.
Readable.prototype.wrap = function wrap(stream) {
  let paused = false;
  stream.on('data', (chunk) => {
    if (!this.push(chunk) && typeof stream.pause === 'function') {
      paused = true;
      stream.pause();
    }
  });
  stream.on('end', () => this.push(null));
  stream.on('error', (error) => errorOrDestroy(this, error));
  stream.on('close', () => this.destroy());
  stream.on('destroy', () => this.destroy());
  this._read = () => {
    if (paused && typeof stream.resume === 'function') {
      paused = false;
      stream.resume();
    }
  };
  for (const key of Object.keys(stream)) {
    if (this[key] === undefined && typeof stream[key] === 'function') this[key] = stream[key].bind(stream);
  }
  return this;
};

// Chunks as they become readable; the stream is destroyed when the loop ends early
// (unless `destroyOnReturn: false`). A plain iterator object rather than an async
// generator: `return()` then destroys at once, where QuickJS would run a generator's
// cleanup only after the loop has moved on.
function iterate(stream, options) {
  let wake = nop;
  const onReadable = () => {
    const resume = wake;
    wake = nop;
    resume();
  };
  stream.on('readable', onReadable);
  // undefined: still going; null: ended; an error: failed.
  let outcome;
  const stopWatching = finished(stream, { writable: false }, (error) => {
    outcome = error || null;
    onReadable();
  });
  let closed = false;
  const close = (error) => {
    if (closed) return;
    closed = true;
    if ((error || outcome || options?.destroyOnReturn !== false) && (outcome === undefined || stream._readableState.autoDestroy)) {
      destroyStream(stream, null);
    } else {
      stream.off('readable', onReadable);
      stopWatching();
    }
  };
  const pull = async () => {
    for (;;) {
      if (closed) return { value: undefined, done: true };
      const chunk = stream.destroyed ? null : stream.read();
      if (chunk !== null) return { value: chunk, done: false };
      if (outcome) {
        close(outcome);
        throw outcome;
      }
      if (outcome === null) {
        close();
        return { value: undefined, done: true };
      }
      await new Promise((resolve) => { wake = resolve; });
    }
  };
  // Calls to `next` are answered in order, as a generator's are.
  let queue = Promise.resolve();
  return {
    next() {
      const result = queue.then(pull);
      queue = result.catch(nop);
      return result;
    },
    return(value) {
      close();
      return Promise.resolve({ value, done: true });
    },
    throw(error) {
      close(error);
      return Promise.reject(error);
    },
    [Symbol.asyncIterator]() { return this; },
  };
}

Readable.prototype[Symbol.asyncIterator] = function asyncIterator() {
  return iterate(this);
};

Readable.prototype.iterator = function iterator(options) {
  return iterate(this, options);
};

// A Readable over an iterable or async iterable (each value a chunk), a string or a
// Buffer (one chunk).
Readable.from = function from(iterable, options) {
  if (typeof iterable === 'string' || iterable instanceof Buffer) {
    return new Readable({
      objectMode: true,
      ...options,
      read() {
        this.push(iterable);
        this.push(null);
      },
    });
  }
  let iterator;
  let isAsync;
  if (typeof iterable?.[Symbol.asyncIterator] === 'function') {
    isAsync = true;
    iterator = iterable[Symbol.asyncIterator]();
  } else if (typeof iterable?.[Symbol.iterator] === 'function') {
    isAsync = false;
    iterator = iterable[Symbol.iterator]();
  } else {
    throw invalidArgType('iterable', 'an instance of Iterable', iterable);
  }
  const readable = new Readable({ objectMode: true, highWaterMark: 1, ...options });
  let reading = false;
  const pump = async () => {
    try {
      for (;;) {
        const { value, done } = isAsync ? await iterator.next() : iterator.next();
        if (done) {
          readable.push(null);
          return;
        }
        const chunk = value && typeof value.then === 'function' ? await value : value;
        if (chunk === null) {
          reading = false;
          throw codedError(TypeError, 'ERR_STREAM_NULL_VALUES', 'May not write null values to stream');
        }
        if (!readable.push(chunk)) {
          reading = false;
          return;
        }
      }
    } catch (error) {
      readable.destroy(error);
    }
  };
  readable._read = () => {
    if (!reading) {
      reading = true;
      pump();
    }
  };
  readable._destroy = (error, callback) => {
    const close = async () => {
      if (error && typeof iterator.throw === 'function') {
        const { value, done } = await iterator.throw(error);
        await value;
        if (done) return;
      }
      if (typeof iterator.return === 'function') await (await iterator.return()).value;
    };
    close().then(() => defer(callback, error), (closeError) => defer(callback, closeError || error));
  };
  return readable;
};

function defineStateGetters(proto, getters) {
  for (const [name, get] of Object.entries(getters)) {
    const setter = typeof get === 'object' ? get.set : undefined;
    Object.defineProperty(proto, name, {
      get: typeof get === 'object' ? get.get : get,
      set: setter,
      enumerable: false,
      configurable: true,
    });
  }
}

defineStateGetters(Readable.prototype, {
  readable: {
    get() {
      const r = this._readableState;
      return Boolean(r) && r.readable !== false && !r.destroyed && !r.errorEmitted && !r.endEmitted;
    },
    set(value) {
      if (this._readableState) this._readableState.readable = Boolean(value);
    },
  },
  readableDidRead() { return this._readableState.dataEmitted; },
  readableAborted() {
    const r = this._readableState;
    return Boolean(r.readable !== false && (r.destroyed || r.errored) && !r.endEmitted);
  },
  readableHighWaterMark() { return this._readableState.highWaterMark; },
  readableBuffer() { return this._readableState?.buffer; },
  readableFlowing: {
    get() { return this._readableState.flowing; },
    set(value) { if (this._readableState) this._readableState.flowing = value; },
  },
  readableLength() { return this._readableState.length; },
  readableObjectMode() { return this._readableState ? this._readableState.objectMode : false; },
  readableEncoding() { return this._readableState ? this._readableState.encoding : null; },
  readableEnded() { return this._readableState ? this._readableState.endEmitted : false; },
  errored() { return this._readableState ? this._readableState.errored : null; },
  closed() { return this._readableState ? this._readableState.closed : false; },
  destroyed: {
    get() { return this._readableState ? this._readableState.destroyed : false; },
    set(value) { if (this._readableState) this._readableState.destroyed = value; },
  },
});

// ---- Writable ------------------------------------------------------------------

function WritableState(options, stream, isDuplex) {
  this.objectMode = Boolean(options?.objectMode || (isDuplex && options?.writableObjectMode));
  this.highWaterMark = highWaterMarkOf(options, 'writableHighWaterMark', isDuplex, this.objectMode);
  this.finalCalled = false;
  this.needDrain = false;
  this.ending = false;
  this.ended = false;
  this.finished = false;
  this.destroyed = false;
  // Strings written become Buffers unless told otherwise.
  this.decodeStrings = options?.decodeStrings !== false;
  this.defaultEncoding = options?.defaultEncoding || 'utf8';
  this.length = 0;
  this.writing = false;
  this.corked = 0;
  // Whether `_write` is still on the stack (then its callback's work waits a tick).
  this.sync = true;
  this.bufferProcessing = false;
  this.onwrite = (error) => onwrite(stream, error);
  this.writecb = null;
  this.writelen = 0;
  this.afterWriteTick = null;
  this.buffered = [];
  this.bufferedIndex = 0;
  this.allBuffers = true;
  this.allNoop = true;
  this.pendingcb = 0;
  this.constructed = true;
  this.prefinished = false;
  this.errorEmitted = false;
  this.emitClose = options?.emitClose !== false;
  this.autoDestroy = options?.autoDestroy !== false;
  this.errored = null;
  this.closed = false;
  this.closeEmitted = false;
  this.onFinished = [];
}

WritableState.prototype.getBuffer = function getBuffer() {
  return this.buffered.slice(this.bufferedIndex);
};

export function Writable(options) {
  const isDuplex = this instanceof Duplex;
  if (!isDuplex && !Function.prototype[Symbol.hasInstance].call(Writable, this)) return new Writable(options);
  this._writableState = new WritableState(options, this, isDuplex);
  if (!isDuplex) Stream.call(this, options);
  if (options) {
    if (typeof options.write === 'function') this._write = options.write;
    if (typeof options.writev === 'function') this._writev = options.writev;
    if (typeof options.final === 'function') this._final = options.final;
    if (!isDuplex) applyStreamOptions(this, options);
  }
  if (!isDuplex) construct(this);
}
Object.setPrototypeOf(Writable.prototype, Stream.prototype);
Object.setPrototypeOf(Writable, Stream);

Writable.WritableState = WritableState;

// A Duplex is a Writable too, though its prototype chain runs through Readable.
Object.defineProperty(Writable, Symbol.hasInstance, {
  value(object) {
    if (Function.prototype[Symbol.hasInstance].call(this, object)) return true;
    if (this !== Writable) return false;
    return Boolean(object) && object._writableState instanceof WritableState;
  },
});

function writeChunk(stream, chunk, encoding, callback) {
  const state = stream._writableState;
  if (typeof encoding === 'function') {
    callback = encoding;
    encoding = null;
  }
  if (!encoding) encoding = state.defaultEncoding;
  else checkEncoding(encoding);
  if (typeof callback !== 'function') callback = nop;
  if (chunk === null) throw codedError(TypeError, 'ERR_STREAM_NULL_VALUES', 'May not write null values to stream');
  if (!state.objectMode) {
    if (typeof chunk === 'string') {
      if (state.decodeStrings) {
        chunk = Buffer.from(chunk, encoding);
        encoding = 'buffer';
      }
    } else if (chunk instanceof Uint8Array) {
      chunk = asBuffer(chunk);
      encoding = 'buffer';
    } else {
      throw invalidArgType('chunk', 'of type string or an instance of Buffer, TypedArray, or DataView', chunk);
    }
  }
  let error;
  if (state.ending) error = codedError(Error, 'ERR_STREAM_WRITE_AFTER_END', 'write after end');
  else if (state.destroyed) error = destroyedError('write');
  if (error) {
    defer(callback, error);
    errorOrDestroy(stream, error, true);
    return error;
  }
  state.pendingcb++;
  return writeOrBuffer(stream, state, chunk, encoding, callback);
}

Writable.prototype.write = function write(chunk, encoding, callback) {
  return writeChunk(this, chunk, encoding, callback) === true;
};

// Writes now when nothing is in progress, queues otherwise; false once the queue
// reaches the mark (the writer should wait for 'drain').
function writeOrBuffer(stream, state, chunk, encoding, callback) {
  const len = state.objectMode ? 1 : chunk.length;
  state.length += len;
  const belowMark = state.length < state.highWaterMark;
  if (!belowMark) state.needDrain = true;
  if (state.writing || state.corked || state.errored || !state.constructed) {
    state.buffered.push({ chunk, encoding, callback });
    if (encoding !== 'buffer') state.allBuffers = false;
    if (callback !== nop) state.allNoop = false;
  } else {
    doWrite(stream, state, false, len, chunk, encoding, callback);
  }
  return belowMark && !state.errored && !state.destroyed;
}

function doWrite(stream, state, writev, len, chunk, encoding, callback) {
  state.writelen = len;
  state.writecb = callback;
  state.writing = true;
  state.sync = true;
  try {
    if (state.destroyed) state.onwrite(destroyedError('write'));
    else if (writev) stream._writev(chunk, state.onwrite);
    else stream._write(chunk, encoding, state.onwrite);
  } catch (error) {
    // An implementation that throws fails the write (or, past it, the stream).
    if (state.writecb === callback) state.onwrite(error);
    else errorOrDestroy(stream, error);
  }
  state.sync = false;
}

function onwrite(stream, error) {
  const state = stream._writableState;
  const sync = state.sync;
  const callback = state.writecb;
  if (typeof callback !== 'function') {
    errorOrDestroy(stream, multipleCallback());
    return;
  }
  state.writing = false;
  state.writecb = null;
  state.length -= state.writelen;
  state.writelen = 0;
  if (error) {
    setErrored(stream, error);
    const fail = () => {
      state.pendingcb--;
      callback(error);
      failBuffered(state);
      errorOrDestroy(stream, error);
    };
    if (sync) defer(fail);
    else fail();
    return;
  }
  if (state.buffered.length > state.bufferedIndex) clearBuffer(stream, state);
  if (sync) {
    // Writes that complete synchronously share one deferred step per callback.
    if (state.afterWriteTick !== null && state.afterWriteTick.callback === callback) {
      state.afterWriteTick.count++;
    } else {
      const tick = { count: 1, callback };
      state.afterWriteTick = tick;
      defer(() => {
        state.afterWriteTick = null;
        afterWrite(stream, state, tick.count, callback);
      });
    }
  } else {
    afterWrite(stream, state, 1, callback);
  }
}

function afterWrite(stream, state, count, callback) {
  if (!state.ending && !stream.destroyed && state.length === 0 && state.needDrain) {
    state.needDrain = false;
    stream.emit('drain');
  }
  while (count-- > 0) {
    state.pendingcb--;
    callback(null);
  }
  if (state.destroyed) failBuffered(state);
  finishMaybe(stream, state);
}

// Fails every queued write (and `end` callback) once the stream has failed.
function failBuffered(state) {
  if (state.writing) return;
  for (let i = state.bufferedIndex; i < state.buffered.length; i++) {
    const { chunk, callback } = state.buffered[i];
    state.length -= state.objectMode ? 1 : chunk.length;
    callback(state.errored ?? destroyedError('write'));
  }
  for (const callback of state.onFinished.splice(0)) callback(state.errored ?? destroyedError('end'));
  resetBuffer(state);
}

function resetBuffer(state) {
  state.buffered = [];
  state.bufferedIndex = 0;
  state.allBuffers = true;
  state.allNoop = true;
}

// Writes out what queued while a write was in progress (all at once with `_writev`).
function clearBuffer(stream, state) {
  if (state.corked || state.bufferProcessing || state.destroyed || !state.constructed) return;
  const { buffered, objectMode } = state;
  let i = state.bufferedIndex;
  const count = buffered.length - i;
  if (count === 0) return;
  state.bufferProcessing = true;
  if (count > 1 && stream._writev) {
    state.pendingcb -= count - 1;
    const chunks = buffered.slice(i);
    const callback = state.allNoop ? nop : (error) => {
      for (const entry of chunks) entry.callback(error);
    };
    chunks.allBuffers = state.allBuffers;
    doWrite(stream, state, true, state.length, chunks, '', callback);
    resetBuffer(state);
  } else {
    do {
      const { chunk, encoding, callback } = buffered[i];
      buffered[i++] = null;
      doWrite(stream, state, false, objectMode ? 1 : chunk.length, chunk, encoding, callback);
    } while (i < buffered.length && !state.writing);
    if (i === buffered.length) {
      resetBuffer(state);
    } else if (i > 256) {
      buffered.splice(0, i);
      state.bufferedIndex = 0;
    } else {
      state.bufferedIndex = i;
    }
  }
  state.bufferProcessing = false;
}

Writable.prototype._write = function _write(chunk, encoding, callback) {
  if (this._writev) this._writev([{ chunk, encoding }], callback);
  else throw notImplemented('_write()');
};

Writable.prototype._writev = null;

Writable.prototype.cork = function cork() {
  this._writableState.corked++;
};

Writable.prototype.uncork = function uncork() {
  const state = this._writableState;
  if (state.corked) {
    state.corked--;
    if (!state.writing) clearBuffer(this, state);
  }
};

Writable.prototype.setDefaultEncoding = function setDefaultEncoding(encoding) {
  if (typeof encoding === 'string') encoding = encoding.toLowerCase();
  checkEncoding(encoding);
  this._writableState.defaultEncoding = encoding;
  return this;
};

Writable.prototype.end = function end(chunk, encoding, callback) {
  const state = this._writableState;
  if (typeof chunk === 'function') {
    callback = chunk;
    chunk = null;
    encoding = null;
  } else if (typeof encoding === 'function') {
    callback = encoding;
    encoding = null;
  }
  let error;
  if (chunk !== null && chunk !== undefined) {
    const written = writeChunk(this, chunk, encoding);
    if (written instanceof Error) error = written;
  }
  if (state.corked) {
    state.corked = 1;
    this.uncork();
  }
  if (!error) {
    if (!state.errored && !state.ending) {
      state.ending = true;
      finishMaybe(this, state, true);
      state.ended = true;
    } else if (state.finished) {
      error = codedError(Error, 'ERR_STREAM_ALREADY_FINISHED', 'Cannot call end after a stream was finished');
    } else if (state.destroyed) {
      error = destroyedError('end');
    }
  }
  if (typeof callback === 'function') {
    if (error || state.finished) defer(callback, error);
    else state.onFinished.push(callback);
  }
  return this;
};

function needFinish(state) {
  return state.ending && !state.destroyed && state.constructed && state.length === 0 && !state.errored &&
    state.buffered.length === 0 && !state.finished && !state.writing && !state.errorEmitted && !state.closeEmitted;
}

// Runs `_final` (when there is one) before 'prefinish' and 'finish'.
function callFinal(stream, state) {
  let called = false;
  const onFinal = (error) => {
    if (called) {
      errorOrDestroy(stream, error ?? multipleCallback());
      return;
    }
    called = true;
    state.pendingcb--;
    if (error) {
      for (const callback of state.onFinished.splice(0)) callback(error);
      errorOrDestroy(stream, error, state.sync);
    } else if (needFinish(state)) {
      state.prefinished = true;
      stream.emit('prefinish');
      state.pendingcb++;
      defer(finish, stream, state);
    }
  };
  state.sync = true;
  state.pendingcb++;
  try {
    stream._final(onFinal);
  } catch (error) {
    onFinal(error);
  }
  state.sync = false;
}

function prefinish(stream, state) {
  if (state.prefinished || state.finalCalled) return;
  if (typeof stream._final === 'function' && !state.destroyed) {
    state.finalCalled = true;
    callFinal(stream, state);
  } else {
    state.prefinished = true;
    stream.emit('prefinish');
  }
}

function finishMaybe(stream, state, sync) {
  if (!needFinish(state)) return;
  prefinish(stream, state);
  if (state.pendingcb !== 0) return;
  if (sync) {
    state.pendingcb++;
    defer(() => {
      if (needFinish(state)) finish(stream, state);
      else state.pendingcb--;
    });
  } else if (needFinish(state)) {
    state.pendingcb++;
    finish(stream, state);
  }
}

function finish(stream, state) {
  state.pendingcb--;
  state.finished = true;
  for (const callback of state.onFinished.splice(0)) callback();
  stream.emit('finish');
  if (state.autoDestroy) {
    const r = stream._readableState;
    if (!r || (r.autoDestroy && (r.endEmitted || r.readable === false))) stream.destroy();
  }
}

Writable.prototype.destroy = function destroyWritable(error, callback) {
  const state = this._writableState;
  // Queued writes fail now, unless a write is in progress (its end fails them).
  if (!state.destroyed && (state.bufferedIndex < state.buffered.length || state.onFinished.length > 0)) {
    defer(failBuffered, state);
  }
  destroy.call(this, error, callback);
  return this;
};
Writable.prototype._destroy = function _destroy(error, callback) { callback(error); };

defineStateGetters(Writable.prototype, {
  writable: {
    get() {
      const w = this._writableState;
      return Boolean(w) && w.writable !== false && !w.destroyed && !w.errored && !w.ending && !w.ended;
    },
    set(value) {
      if (this._writableState) this._writableState.writable = Boolean(value);
    },
  },
  writableFinished() { return this._writableState ? this._writableState.finished : false; },
  writableObjectMode() { return this._writableState ? this._writableState.objectMode : false; },
  writableBuffer() { return this._writableState?.getBuffer(); },
  writableEnded() { return this._writableState ? this._writableState.ending : false; },
  writableNeedDrain() {
    const w = this._writableState;
    return Boolean(w) && !w.destroyed && !w.ending && w.needDrain;
  },
  writableHighWaterMark() { return this._writableState?.highWaterMark; },
  writableCorked() { return this._writableState ? this._writableState.corked : 0; },
  writableLength() { return this._writableState?.length; },
  writableAborted() {
    const w = this._writableState;
    return Boolean(w.writable !== false && (w.destroyed || w.errored) && !w.finished);
  },
  errored() { return this._writableState ? this._writableState.errored : null; },
  closed() { return this._writableState ? this._writableState.closed : false; },
  destroyed: {
    get() { return this._writableState ? this._writableState.destroyed : false; },
    set(value) { if (this._writableState) this._writableState.destroyed = value; },
  },
});

// ---- Duplex, Transform, PassThrough --------------------------------------------

export function Duplex(options) {
  if (!(this instanceof Duplex)) return new Duplex(options);
  Readable.call(this, options);
  Writable.call(this, options);
  if (options) {
    this.allowHalfOpen = options.allowHalfOpen !== false;
    if (options.readable === false) {
      const r = this._readableState;
      r.readable = false;
      r.ended = r.endEmitted = true;
    }
    if (options.writable === false) {
      const w = this._writableState;
      w.writable = false;
      w.ending = w.ended = w.finished = true;
    }
  } else {
    this.allowHalfOpen = true;
  }
  construct(this);
}
Object.setPrototypeOf(Duplex.prototype, Readable.prototype);
Object.setPrototypeOf(Duplex, Readable);

// The writable half's methods and getters; the shared ones are defined below.
for (const name of Object.getOwnPropertyNames(Writable.prototype)) {
  if (['constructor', 'destroy', 'errored', 'closed', 'destroyed'].includes(name)) continue;
  Object.defineProperty(Duplex.prototype, name, Object.getOwnPropertyDescriptor(Writable.prototype, name));
}
Duplex.prototype.destroy = Writable.prototype.destroy;
defineStateGetters(Duplex.prototype, {
  errored() { return this._readableState.errored || this._writableState.errored; },
  closed() { return this._readableState.closed && this._writableState.closed; },
  destroyed: {
    get() { return this._readableState.destroyed && this._writableState.destroyed; },
    set(value) {
      this._readableState.destroyed = value;
      this._writableState.destroyed = value;
    },
  },
});

const kCallback = Symbol('transformCallback');

export function Transform(options) {
  if (!(this instanceof Transform)) return new Transform(options);
  Duplex.call(this, options);
  // Pushes from `_transform` may be seen at once.
  this._readableState.sync = false;
  this[kCallback] = null;
  if (options) {
    if (typeof options.transform === 'function') this._transform = options.transform;
    if (typeof options.flush === 'function') this._flush = options.flush;
  }
  this.on('prefinish', transformPrefinish);
}
Object.setPrototypeOf(Transform.prototype, Duplex.prototype);
Object.setPrototypeOf(Transform, Duplex);

// Flushes, then ends the readable side; `callback` then lets 'finish' follow.
function transformFinal(callback) {
  if (typeof this._flush === 'function' && !this.destroyed) {
    let called = false;
    const done = (error, data) => {
      if (called) return;
      called = true;
      if (error) {
        if (callback) callback(error);
        else this.destroy(error);
        return;
      }
      if (data != null) this.push(data);
      this.push(null);
      if (callback) callback();
    };
    try {
      this._flush(done);
    } catch (error) {
      if (called) this.destroy(error);
      else done(error);
    }
  } else {
    this.push(null);
    if (callback) callback();
  }
}

function transformPrefinish() {
  if (this._final !== transformFinal) transformFinal.call(this);
}

Transform.prototype._final = transformFinal;

Transform.prototype._transform = function _transform() {
  throw notImplemented('_transform()');
};

Transform.prototype._write = function _write(chunk, encoding, callback) {
  const r = this._readableState;
  const w = this._writableState;
  const before = r.length;
  let called = false;
  const done = (error, data) => {
    if (called) {
      errorOrDestroy(this, error ?? multipleCallback());
      return;
    }
    called = true;
    if (error) {
      callback(error);
      return;
    }
    if (data != null) this.push(data);
    // The next write waits while the readable side is full.
    if (w.ended || before === r.length || r.length < r.highWaterMark) callback();
    else this[kCallback] = callback;
  };
  try {
    this._transform(chunk, encoding, done);
  } catch (error) {
    if (called) errorOrDestroy(this, error);
    else done(error);
  }
};

Transform.prototype._read = function _read() {
  const callback = this[kCallback];
  if (callback) {
    this[kCallback] = null;
    callback();
  }
};

export function PassThrough(options) {
  if (!(this instanceof PassThrough)) return new PassThrough(options);
  Transform.call(this, options);
}
Object.setPrototypeOf(PassThrough.prototype, Transform.prototype);
Object.setPrototypeOf(PassThrough, Transform);

PassThrough.prototype._transform = function _transform(chunk, encoding, callback) {
  callback(null, chunk);
};

// ---- Inspecting streams --------------------------------------------------------

const isNodeStream = (stream) =>
  stream !== null && typeof stream === 'object' &&
  (Boolean(stream._readableState || stream._writableState) ||
   (typeof stream.pipe === 'function' && typeof stream.on === 'function') ||
   (typeof stream.write === 'function' && typeof stream.on === 'function'));

function isReadableNodeStream(stream) {
  return isNodeStream(stream) && typeof stream.pipe === 'function' && typeof stream.on === 'function' &&
    (!stream._writableState || stream._readableState?.readable !== false) &&
    (!stream._writableState || Boolean(stream._readableState));
}

function isWritableNodeStream(stream) {
  return isNodeStream(stream) && typeof stream.write === 'function' && typeof stream.on === 'function' &&
    (!stream._readableState || stream._writableState?.writable !== false);
}

export function isDestroyed(stream) {
  if (!isNodeStream(stream)) return null;
  const state = stream._writableState || stream._readableState;
  return Boolean(stream.destroyed || state?.destroyed);
}

export function isErrored(stream) {
  if (!isNodeStream(stream)) return null;
  const r = stream._readableState;
  const w = stream._writableState;
  return Boolean(r?.errorEmitted || w?.errorEmitted || r?.errored || w?.errored);
}

export function isReadable(stream) {
  if (!isReadableNodeStream(stream)) return null;
  if (isDestroyed(stream)) return false;
  return stream.readable !== false && !stream._readableState?.endEmitted;
}

export function isWritable(stream) {
  if (!isWritableNodeStream(stream)) return null;
  if (isDestroyed(stream)) return false;
  return stream.writable !== false && !stream._writableState?.ending;
}

export function isDisturbed(stream) {
  return Boolean(stream && (stream._readableState?.dataEmitted || stream._readableState?.endEmitted ||
    stream._readableState?.errored || stream.locked));
}

// ---- finished, pipeline, addAbortSignal ----------------------------------------

// Calls `callback` once `stream` is done: ended (readable side), finished (writable
// side), failed, or closed too early (ERR_STREAM_PREMATURE_CLOSE). Its listeners
// stay (so a late 'error' is no uncaught one) until the returned function removes
// them.
export function finished(stream, options, callback) {
  if (typeof options === 'function') {
    callback = options;
    options = {};
  } else if (options === undefined || options === null) {
    options = {};
  } else if (typeof options !== 'object') {
    throw invalidArgType('options', 'of type object', options);
  }
  if (typeof callback !== 'function') throw invalidArgType('callback', 'of type function', callback);
  if (!isNodeStream(stream)) throw invalidArgType('stream', 'an instance of Stream', stream);
  let done = false;
  const report = (error) => {
    if (done) return;
    done = true;
    callback.call(stream, error);
  };
  const r = stream._readableState;
  const w = stream._writableState;
  const readable = options.readable ?? isReadableNodeStream(stream);
  const writable = options.writable ?? isWritableNodeStream(stream);
  // A stream that will emit 'close' (and is watched whole) is done at its 'close'.
  const state = w || r;
  let willEmitClose = Boolean(state?.autoDestroy && state.emitClose && !state.closed) &&
    isReadableNodeStream(stream) === readable && isWritableNodeStream(stream) === writable;
  let readableDone = !readable || Boolean(r?.endEmitted);
  let writableDone = !writable || Boolean(w?.finished);
  const erroredOf = () => w?.errored || r?.errored;
  // Whether a side that did not announce its end had in fact nothing left.
  const readableSpent = () => Boolean(r && (r.endEmitted || (r.ended && r.length === 0)));
  const writableSpent = () => Boolean(w && (w.finished || (w.ending && w.length === 0)));

  const onend = () => {
    readableDone = true;
    if (stream.destroyed) willEmitClose = false;
    if (!willEmitClose && writableDone) report();
  };
  const onfinish = () => {
    writableDone = true;
    if (stream.destroyed) willEmitClose = false;
    if (!willEmitClose && readableDone) report();
  };
  // Old-style writables have no 'finish': 'end' or 'close' once unwritable will do.
  const onlegacyfinish = () => {
    if (!stream.writable) onfinish();
  };
  const onerror = (error) => report(error);
  const onclose = () => {
    const errored = erroredOf();
    if (errored) report(errored);
    else if (readable && !readableDone && !readableSpent()) report(prematureClose());
    else if (writable && !writableDone && !writableSpent()) report(prematureClose());
    else report();
  };

  if (writable && !w) {
    stream.on('end', onlegacyfinish);
    stream.on('close', onlegacyfinish);
  }
  stream.on('end', onend);
  stream.on('finish', onfinish);
  if (options.error !== false) stream.on('error', onerror);
  stream.on('close', onclose);

  const closed = Boolean(w?.closed || r?.closed);
  if (closed) defer(onclose);
  else if (w?.errorEmitted || r?.errorEmitted) {
    if (!willEmitClose) defer(() => report(erroredOf()));
  } else if (readableDone && writableDone && !willEmitClose) {
    defer(report);
  }

  const signal = options.signal;
  let onAbort = null;
  const cleanup = () => {
    done = true;
    stream.removeListener('end', onlegacyfinish);
    stream.removeListener('close', onlegacyfinish);
    stream.removeListener('end', onend);
    stream.removeListener('finish', onfinish);
    stream.removeListener('error', onerror);
    stream.removeListener('close', onclose);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  };
  if (signal && !closed) {
    onAbort = () => {
      const wasDone = done;
      cleanup();
      if (!wasDone) callback.call(stream, abortError(signal.reason));
    };
    if (signal.aborted) defer(onAbort);
    else signal.addEventListener('abort', onAbort, { once: true });
  }
  return cleanup;
}

const isIterable = (value) =>
  value !== null && value !== undefined &&
  (typeof value[Symbol.asyncIterator] === 'function' || typeof value[Symbol.iterator] === 'function');

// Streams joined one into the next; `callback(error, value)` once the last has
// finished or any has failed (all not yet done are then destroyed with the error). A
// stage may also be an iterable (as the source) or a function: `fn(source,
// { signal })` giving an iterable or a stream, or, as the last stage, a promise whose
// value `callback` receives.
function runPipeline(stages, callback, options) {
  let settled = false;
  let controller = null;
  const streams = [];
  const done = new Set();
  let removeOuterAbort = nop;
  const settle = (error, value) => {
    if (settled) return;
    settled = true;
    removeOuterAbort();
    if (error) {
      for (const stream of streams) if (!done.has(stream)) destroyStream(stream, error);
      controller?.abort(error);
    }
    defer(callback, error, value);
  };
  const signal = () => {
    controller ??= new AbortController();
    return controller.signal;
  };
  const outerSignal = options?.signal;
  if (outerSignal) {
    const onAbort = () => settle(abortError(outerSignal.reason));
    if (outerSignal.aborted) {
      defer(onAbort);
    } else {
      outerSignal.addEventListener('abort', onAbort, { once: true });
      removeOuterAbort = () => outerSignal.removeEventListener('abort', onAbort);
    }
  }

  // Each stream, and whether it was fed by a pipe (so its writable side counts).
  const fed = [];
  let result = null;
  try {
    for (let index = 0; index < stages.length; index++) {
      const stage = stages[index];
      const last = index === stages.length - 1;
      const previous = streams[streams.length - 1];
      let current = stage;
      if (typeof stage === 'function') {
        current = index === 0 ? stage({ signal: signal() }) : stage(previous, { signal: signal() });
        if (last && typeof current?.then === 'function') {
          result = current;
          break;
        }
      } else if (index > 0 && !isNodeStream(stage)) {
        throw invalidArgType(`streams[${index}]`, 'a stream or a function', stage);
      }
      if (!isNodeStream(current)) {
        if (!isIterable(current)) {
          throw codedError(TypeError, 'ERR_INVALID_RETURN_VALUE',
            `Expected a stream or an iterable from the pipeline's stage ${index}. ${describe(current)}`);
        }
        current = Readable.from(current);
      }
      const piped = previous !== undefined && typeof stage !== 'function';
      if (piped) previous.pipe(current, { end: !(last && options?.end === false) });
      streams.push(current);
      fed.push(piped);
    }
  } catch (error) {
    settle(error);
    return streams[streams.length - 1];
  }

  streams.forEach((stream, index) => {
    const isLast = index === streams.length - 1 && result === null;
    // The last stream is done once written (or, if nothing writes it, read) to the end.
    const watchReadable = !isLast || !fed[index];
    finished(stream, { readable: watchReadable, writable: fed[index] }, (error) => {
      if (error) settle(error);
      else {
        done.add(stream);
        if (isLast) settle();
      }
    });
  });
  result?.then((value) => settle(undefined, value), (error) => settle(error ?? new Error('pipeline stage failed')));
  return streams[streams.length - 1];
}

export function pipeline(...stages) {
  const callback = stages.pop();
  if (typeof callback !== 'function') throw invalidArgType('callback', 'of type function', callback);
  if (stages.length === 1 && Array.isArray(stages[0])) stages = stages[0];
  if (stages.length < 2) throw codedError(TypeError, 'ERR_MISSING_ARGS', 'The "streams" argument must be specified');
  return runPipeline(stages, callback);
}

// Destroys `stream` with an AbortError once `signal` aborts.
export function addAbortSignal(signal, stream) {
  if (signal === null || typeof signal !== 'object' || !('aborted' in signal)) {
    throw invalidArgType('signal', 'an instance of AbortSignal', signal);
  }
  if (!isNodeStream(stream)) throw invalidArgType('stream', 'an instance of Stream', stream);
  const onAbort = () => stream.destroy(abortError(signal.reason));
  if (signal.aborted) onAbort();
  else {
    signal.addEventListener('abort', onAbort, { once: true });
    finished(stream, () => signal.removeEventListener('abort', onAbort));
  }
  return stream;
}

export const promises = {
  pipeline(...stages) {
    return new Promise((resolve, reject) => {
      let options;
      const lastArg = stages[stages.length - 1];
      if (lastArg && typeof lastArg === 'object' && !isNodeStream(lastArg) && !isIterable(lastArg)) options = stages.pop();
      if (stages.length === 1 && Array.isArray(stages[0])) stages = stages[0];
      if (stages.length < 2) throw codedError(TypeError, 'ERR_MISSING_ARGS', 'The "streams" argument must be specified');
      runPipeline(stages, (error, value) => (error ? reject(error) : resolve(value)), options);
    });
  },
  finished(stream, options) {
    return new Promise((resolve, reject) => {
      finished(stream, options, (error) => (error ? reject(error) : resolve()));
    });
  },
};

// `require('stream')` is `Stream` itself, carrying the rest, as in Node.
Object.assign(Stream, {
  Stream, Readable, Writable, Duplex, Transform, PassThrough,
  pipeline, finished, addAbortSignal, promises,
  isDestroyed, isDisturbed, isErrored, isReadable, isWritable,
  getDefaultHighWaterMark, setDefaultHighWaterMark,
  destroy: destroyStream,
  _isUint8Array: (value) => value instanceof Uint8Array,
  _uint8ArrayToBuffer: asBuffer,
});

export { destroyStream as destroy };
export default Stream;
