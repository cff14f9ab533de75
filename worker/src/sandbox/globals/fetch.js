// fetch, Headers and Response, for jobs of pools granted egress. Only the WHATWG shape
// lives here: the host checks every request (allowlist, caps) and performs it.
(function (host) {
  'use strict';
  const pending = host.fetchPending;
  const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
  const headerName = (name) => {
    const n = String(name).toLowerCase();
    if (!TOKEN.test(n)) throw new TypeError(`Invalid header name: ${name}`);
    return n;
  };
  const headerValue = (value) => String(value).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');

  class Headers {
    #list = [];
    constructor(init) {
      if (init === undefined || init === null) return;
      if (init instanceof Headers) {
        for (const [k, v] of init.#list) this.#list.push([k, v]);
      } else if (typeof init[Symbol.iterator] === 'function') {
        for (const pair of init) {
          const [k, v, ...rest] = pair;
          if (v === undefined || rest.length) throw new TypeError('Headers: each entry must be a [name, value] pair');
          this.append(k, v);
        }
      } else if (typeof init === 'object') {
        for (const k of Object.keys(init)) this.append(k, init[k]);
      } else {
        throw new TypeError('Headers: init must be an object, a list of pairs or Headers');
      }
    }
    append(name, value) { this.#list.push([headerName(name), headerValue(value)]); }
    set(name, value) {
      const n = headerName(name);
      this.#list = this.#list.filter(([k]) => k !== n);
      this.#list.push([n, headerValue(value)]);
    }
    get(name) {
      const n = headerName(name);
      const values = this.#list.filter(([k]) => k === n).map(([, v]) => v);
      return values.length ? values.join(', ') : null;
    }
    getSetCookie() { return this.#list.filter(([k]) => k === 'set-cookie').map(([, v]) => v); }
    has(name) { const n = headerName(name); return this.#list.some(([k]) => k === n); }
    delete(name) { const n = headerName(name); this.#list = this.#list.filter(([k]) => k !== n); }
    forEach(fn, thisArg) { for (const [k, v] of this) fn.call(thisArg, v, k, this); }
    *entries() {
      const names = this.#list.map(([k]) => k).sort().filter((k, i, all) => i === 0 || all[i - 1] !== k);
      for (const n of names) yield [n, this.get(n)];
    }
    *keys() { for (const [k] of this.entries()) yield k; }
    *values() { for (const [, v] of this.entries()) yield v; }
    [Symbol.iterator]() { return this.entries(); }
    // Every pair as sent: [name, value, name, value, ...].
    static flatten(headers) { const out = []; for (const [k, v] of headers.#list) out.push(k, v); return out; }
  }

  const toBytes = (body) => {
    if (body === undefined || body === null) return null;
    if (typeof body === 'string') return host.utf8Encode(body);
    if (body instanceof ArrayBuffer) return new Uint8Array(body.slice(0));
    if (ArrayBuffer.isView(body)) {
      return new Uint8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
    }
    if (body instanceof globalThis.URLSearchParams) return host.utf8Encode(String(body));
    throw new TypeError('body must be a string, an ArrayBuffer, a typed array or URLSearchParams');
  };

  class Response {
    #bytes;
    #used = false;
    constructor(body = null, init = {}) {
      const status = init.status === undefined ? 200 : Number(init.status);
      if (!(status >= 200 && status <= 599) && !init[INTERNAL]) throw new RangeError(`Response: invalid status ${init.status}`);
      this.#bytes = toBytes(body) || new Uint8Array(0);
      this.status = status;
      this.statusText = init.statusText === undefined ? '' : String(init.statusText);
      this.headers = new Headers(init.headers);
      if (typeof body === 'string' && !this.headers.has('content-type')) this.headers.set('content-type', 'text/plain;charset=UTF-8');
      this.url = init.url || '';
      this.redirected = !!init.redirected;
      this.type = 'basic';
      this.ok = status >= 200 && status < 300;
    }
    get bodyUsed() { return this.#used; }
    #take() {
      if (this.#used) return Promise.reject(new TypeError('Body has already been consumed'));
      this.#used = true;
      return Promise.resolve(this.#bytes);
    }
    text() { return this.#take().then((b) => host.utf8Decode(b)); }
    json() { return this.text().then((t) => JSON.parse(t)); }
    arrayBuffer() { return this.#take().then((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)); }
    bytes() { return this.#take().then((b) => new Uint8Array(b)); }
    clone() {
      if (this.#used) throw new TypeError('Response.clone: the body has already been consumed');
      return new Response(this.#bytes.slice(), { ...this, headers: this.headers, [INTERNAL]: true });
    }
    static json(data, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
      return new Response(JSON.stringify(data), { ...init, headers });
    }
  }
  const INTERNAL = Symbol('internal');

  const METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];
  function fetch(input, init) {
    return new Promise((resolve, reject) => {
      const options = init || {};
      const url = typeof input === 'string' ? input
        : input && typeof input.href === 'string' ? input.href
          : input && typeof input.url === 'string' ? input.url
            : String(input);
      let method = options.method === undefined ? 'GET' : String(options.method);
      if (METHODS.includes(method.toUpperCase())) method = method.toUpperCase();
      const headers = new Headers(options.headers);
      const body = toBytes(options.body);
      if (body && (method === 'GET' || method === 'HEAD')) throw new TypeError('fetch: a GET or HEAD request cannot have a body');
      if (typeof options.body === 'string' && !headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8');
      if (options.body instanceof globalThis.URLSearchParams && !headers.has('content-type')) {
        headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
      }
      const redirect = options.redirect === undefined ? 'follow' : String(options.redirect);
      const signal = options.signal === undefined || options.signal === null ? null : options.signal;
      if (signal !== null && !(host.isAbortSignal && host.isAbortSignal(signal))) {
        throw new TypeError("fetch: the request's signal is not an AbortSignal");
      }
      if (signal !== null && signal.aborted) {
        reject(signal.reason);
        return;
      }
      const id = host.fetchStart(url, method, Headers.flatten(headers), body || undefined, redirect);
      const entry = {
        resolve(r) {
          const pairs = [];
          for (let i = 0; i + 1 < r.headers.length; i += 2) pairs.push([r.headers[i], r.headers[i + 1]]);
          resolve(new Response(r.body, { ...r, headers: pairs, [INTERNAL]: true }));
        },
        reject,
      };
      pending[id] = entry;
      if (signal !== null) {
        // Aborted, the promise rejects with the signal's reason; a response that
        // still arrives is dropped.
        host.onAbort(signal, () => {
          if (pending[id] !== entry) return;
          delete pending[id];
          reject(signal.reason);
        });
      }
    });
  }

  return { fetch, Headers, Response };
})
