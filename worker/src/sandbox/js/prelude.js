// Warren's job prelude: the globals every job sees. Compiled once per slot and run in
// every fresh context before the job's own code. `host` holds the native helpers; it
// is captured here and never reachable from job code.
(function (host) {
  'use strict';
  const g = globalThis;
  const define = (name, value) =>
    Object.defineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });

  // ---- console -------------------------------------------------------------------
  function inspect(value, depth, seen) {
    switch (typeof value) {
      case 'string': return depth === 0 ? value : JSON.stringify(value);
      case 'number': return Object.is(value, -0) ? '-0' : String(value);
      case 'bigint': return `${value}n`;
      case 'undefined': return 'undefined';
      case 'boolean': return String(value);
      case 'symbol': return value.toString();
      case 'function': return `[Function: ${value.name || '(anonymous)'}]`;
    }
    if (value === null) return 'null';
    if (value instanceof Error) {
      const head = `${value.name}: ${value.message}`;
      return value.stack ? `${head}\n${value.stack}`.trimEnd() : head;
    }
    if (seen.includes(value)) return '[Circular]';
    if (depth > 2) return Array.isArray(value) ? '[Array]' : '[Object]';
    seen.push(value);
    try {
      if (Array.isArray(value)) {
        const items = value.slice(0, 100).map((v) => inspect(v, depth + 1, seen));
        if (value.length > 100) items.push(`... ${value.length - 100} more items`);
        return `[ ${items.join(', ')} ]`.replace('[  ]', '[]');
      }
      if (value instanceof Date) return isNaN(value) ? 'Invalid Date' : value.toISOString();
      if (value instanceof RegExp) return String(value);
      if (value instanceof Map) {
        const items = [...value].slice(0, 100).map(([k, v]) => `${inspect(k, depth + 1, seen)} => ${inspect(v, depth + 1, seen)}`);
        return `Map(${value.size}) { ${items.join(', ')} }`;
      }
      if (value instanceof Set) {
        const items = [...value].slice(0, 100).map((v) => inspect(v, depth + 1, seen));
        return `Set(${value.size}) { ${items.join(', ')} }`;
      }
      if (ArrayBuffer.isView(value)) {
        return `${value.constructor.name}(${value.length}) [ ${Array.prototype.slice.call(value, 0, 100).join(', ')} ]`;
      }
      if (typeof value.then === 'function') return 'Promise { <pending> }';
      const keys = Object.keys(value);
      const entries = keys.slice(0, 100).map((k) => {
        const key = /^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k);
        return `${key}: ${inspect(value[k], depth + 1, seen)}`;
      });
      if (keys.length > 100) entries.push(`... ${keys.length - 100} more`);
      return entries.length ? `{ ${entries.join(', ')} }` : '{}';
    } catch (err) {
      return '[Uninspectable]';
    } finally {
      seen.pop();
    }
  }

  function format(args) {
    let first = args[0];
    let rest = 1;
    let out;
    if (typeof first === 'string' && first.includes('%')) {
      out = first.replace(/%[sdifjoOc%]/g, (spec) => {
        if (spec === '%%') return '%';
        if (rest >= args.length) return spec;
        const arg = args[rest++];
        switch (spec) {
          case '%s': return typeof arg === 'string' ? arg : inspect(arg, 1, []);
          case '%d': case '%i': return String(spec === '%i' ? parseInt(arg) : Number(arg));
          case '%f': return String(parseFloat(arg));
          case '%j': try { return JSON.stringify(arg); } catch (e) { return '[Circular]'; }
          case '%c': return '';
          default: return inspect(arg, 1, []);
        }
      });
    } else {
      out = inspect(first, 0, []);
      if (args.length === 0) out = '';
    }
    for (; rest < args.length; rest++) out += ' ' + inspect(args[rest], 0, []);
    return out;
  }

  const console = {};
  ['debug', 'log', 'info', 'warn', 'error'].forEach((level, index) => {
    console[level] = function (...args) {
      if (host.logOpen()) host.log(index, format(args));
    };
  });
  console.trace = console.debug;
  console.dir = (value) => console.log(value);
  console.table = console.log;
  console.assert = (ok, ...args) => { if (!ok) console.error('Assertion failed', ...args); };
  define('console', console);

  // ---- base64 ----------------------------------------------------------------------
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const domError = (name, message) => {
    const err = new Error(message);
    err.name = name;
    return err;
  };
  define('btoa', function btoa(data) {
    const s = String(data);
    let out = '';
    for (let i = 0; i < s.length; i += 3) {
      const a = s.charCodeAt(i), b = s.charCodeAt(i + 1), c = s.charCodeAt(i + 2);
      if (a > 255 || b > 255 || c > 255) throw domError('InvalidCharacterError', 'btoa: character outside Latin1');
      out += B64[a >> 2] + B64[((a & 3) << 4) | (b >> 4 || 0)];
      out += i + 1 < s.length ? B64[((b & 15) << 2) | (c >> 6 || 0)] : '=';
      out += i + 2 < s.length ? B64[c & 63] : '=';
    }
    return out;
  });
  define('atob', function atob(data) {
    let s = String(data).replace(/[\t\n\f\r ]/g, '');
    if (s.length % 4 === 0) s = s.replace(/==?$/, '');
    if (s.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(s)) {
      throw domError('InvalidCharacterError', 'atob: not valid base64');
    }
    let out = '', bits = 0, acc = 0;
    for (let i = 0; i < s.length; i++) {
      acc = (acc << 6) | B64.indexOf(s[i]);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out += String.fromCharCode((acc >> bits) & 255);
      }
    }
    return out;
  });

  // ---- TextEncoder / TextDecoder ---------------------------------------------------
  const toBytes = (input) => {
    if (input instanceof Uint8Array) return input;
    if (input instanceof ArrayBuffer) return new Uint8Array(input);
    if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    throw new TypeError('expected an ArrayBuffer or a view of one');
  };
  class TextEncoder {
    get encoding() { return 'utf-8'; }
    encode(input = '') { return host.utf8Encode(String(input)); }
    encodeInto(input, dest) {
      const bytes = host.utf8Encode(String(input));
      const n = Math.min(bytes.length, dest.length);
      dest.set(bytes.subarray(0, n));
      return { read: String(input).length, written: n };
    }
  }
  class TextDecoder {
    #fatal; #ignoreBOM;
    constructor(label = 'utf-8', options = {}) {
      const l = String(label).trim().toLowerCase();
      if (l !== 'utf-8' && l !== 'utf8' && l !== 'unicode-1-1-utf-8') {
        throw new RangeError(`TextDecoder: unsupported encoding ${label}`);
      }
      this.#fatal = !!options.fatal;
      this.#ignoreBOM = !!options.ignoreBOM;
    }
    get encoding() { return 'utf-8'; }
    get fatal() { return this.#fatal; }
    get ignoreBOM() { return this.#ignoreBOM; }
    decode(input) {
      if (input === undefined) return '';
      let bytes = toBytes(input);
      if (!this.#ignoreBOM && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
      return host.utf8Decode(bytes, this.#fatal);
    }
  }
  define('TextEncoder', TextEncoder);
  define('TextDecoder', TextDecoder);

  // ---- URLSearchParams / URL -------------------------------------------------------
  const encodeParam = (s) =>
    encodeURIComponent(s).replace(/%20/g, '+').replace(/[!'()~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  const decodeParam = (s) => {
    const t = s.replace(/\+/g, ' ');
    try { return decodeURIComponent(t); } catch (e) { return t; }
  };
  class URLSearchParams {
    #list = [];
    #onChange = null;
    constructor(init = '') {
      if (typeof init === 'object' && init !== null) {
        if (typeof init[Symbol.iterator] === 'function') {
          for (const pair of init) {
            const p = [...pair];
            if (p.length !== 2) throw new TypeError('URLSearchParams: each pair must have two items');
            this.#list.push([String(p[0]), String(p[1])]);
          }
        } else {
          for (const k of Object.keys(init)) this.#list.push([k, String(init[k])]);
        }
      } else {
        this.#parse(String(init));
      }
    }
    #parse(s) {
      this.#list = [];
      if (s.startsWith('?')) s = s.slice(1);
      for (const part of s.split('&')) {
        if (!part) continue;
        const eq = part.indexOf('=');
        const k = eq < 0 ? part : part.slice(0, eq);
        const v = eq < 0 ? '' : part.slice(eq + 1);
        this.#list.push([decodeParam(k), decodeParam(v)]);
      }
    }
    static _link(params, search, onChange) { params.#parse(search); params.#onChange = onChange; }
    static _reset(params, search) { params.#parse(search); }
    #update() { if (this.#onChange) this.#onChange(this.toString()); }
    get size() { return this.#list.length; }
    append(k, v) { this.#list.push([String(k), String(v)]); this.#update(); }
    delete(k, v) {
      k = String(k);
      this.#list = this.#list.filter(([a, b]) => a !== k || (v !== undefined && b !== String(v)));
      this.#update();
    }
    get(k) { k = String(k); const e = this.#list.find(([a]) => a === k); return e ? e[1] : null; }
    getAll(k) { k = String(k); return this.#list.filter(([a]) => a === k).map(([, b]) => b); }
    has(k, v) { k = String(k); return this.#list.some(([a, b]) => a === k && (v === undefined || b === String(v))); }
    set(k, v) {
      k = String(k); v = String(v);
      const i = this.#list.findIndex(([a]) => a === k);
      if (i < 0) this.#list.push([k, v]);
      else {
        this.#list[i][1] = v;
        this.#list = this.#list.filter(([a], j) => a !== k || j === i);
      }
      this.#update();
    }
    sort() { this.#list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)); this.#update(); }
    forEach(fn, thisArg) { for (const [k, v] of this.#list) fn.call(thisArg, v, k, this); }
    keys() { return this.#list.map(([k]) => k)[Symbol.iterator](); }
    values() { return this.#list.map(([, v]) => v)[Symbol.iterator](); }
    entries() { return this.#list.map(([k, v]) => [k, v])[Symbol.iterator](); }
    [Symbol.iterator]() { return this.entries(); }
    toString() { return this.#list.map(([k, v]) => encodeParam(k) + '=' + encodeParam(v)).join('&'); }
    get [Symbol.toStringTag]() { return 'URLSearchParams'; }
  }
  const linkParams = URLSearchParams._link;
  const resetParams = URLSearchParams._reset;
  delete URLSearchParams._link;
  delete URLSearchParams._reset;

  const parseUrl = (input, base) =>
    base === undefined ? host.urlParse(String(input)) : host.urlParse(String(input), String(base));
  // Component order shared with the native parser.
  const FIELDS = ['href', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash', 'origin'];
  class URL {
    #parts;
    #params;
    constructor(input, base) {
      const parts = parseUrl(input, base);
      if (parts === null) throw new TypeError(`Invalid URL: ${input}`);
      this.#parts = parts;
      this.#params = new URLSearchParams();
      linkParams(this.#params, parts[8], (query) => {
        this.#set('search', query);
      });
    }
    static canParse(input, base) {
      return parseUrl(input, base) !== null;
    }
    static parse(input, base) {
      try { return new URL(input, base); } catch (e) { return null; }
    }
    #set(field, value) {
      const parts = host.urlSet(this.#parts[0], field, String(value));
      if (parts === null) {
        if (field === 'href') throw new TypeError(`Invalid URL: ${value}`);
        return;
      }
      this.#parts = parts;
      resetParams(this.#params, parts[8]);
    }
    get searchParams() { return this.#params; }
    toString() { return this.#parts[0]; }
    toJSON() { return this.#parts[0]; }
    get [Symbol.toStringTag]() { return 'URL'; }
    static {
      FIELDS.forEach((field, index) => {
        const desc = { get() { return this.#parts[index]; }, configurable: true, enumerable: true };
        if (field !== 'origin') desc.set = function (value) { this.#set(field, value); };
        Object.defineProperty(URL.prototype, field, desc);
      });
    }
  }
  define('URL', URL);
  define('URLSearchParams', URLSearchParams);

  // ---- timers ----------------------------------------------------------------------
  const timers = new Map();
  let nextTimerId = 1;
  const addTimer = (fn, delay, args, repeat) => {
    if (typeof fn !== 'function') throw new TypeError('timer callback must be a function');
    const id = nextTimerId++;
    const ms = Math.max(0, Number(delay) || 0);
    timers.set(id, { due: host.clock() + ms, fn, args, repeat: repeat ? Math.max(1, ms) : 0 });
    return id;
  };
  define('setTimeout', (fn, delay, ...args) => addTimer(fn, delay, args, false));
  define('setInterval', (fn, delay, ...args) => addTimer(fn, delay, args, true));
  define('clearTimeout', (id) => { timers.delete(id); });
  define('clearInterval', (id) => { timers.delete(id); });
  define('queueMicrotask', (fn) => {
    if (typeof fn !== 'function') throw new TypeError('queueMicrotask: callback must be a function');
    Promise.resolve().then(fn);
  });
  define('structuredClone', (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value))));

  // Hooks for the host: call the job, and run its timers.
  return {
    invoke: async (fn, input, ctx) => fn(input, ctx),
    // Milliseconds (job clock) of the earliest timer, or -1 when none is pending.
    nextTimer() {
      let due = -1;
      for (const t of timers.values()) if (due < 0 || t.due < due) due = t.due;
      return due;
    },
    // Runs the earliest due timer; a throw propagates as the job's failure.
    runTimer(now) {
      let id = -1, best = null;
      for (const [k, t] of timers) if (t.due <= now && (best === null || t.due < best.due)) { id = k; best = t; }
      if (best === null) return;
      if (best.repeat) best.due = now + best.repeat; else timers.delete(id);
      best.fn(...best.args);
    },
  };
})
