// fetch, Headers, Request and Response, for jobs of pools granted egress. Only the
// WHATWG shape lives here: the host checks every request (allowlist, caps) and
// performs it.
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

  // The Body mixin Request and Response share: bytes read at most once, as text, JSON,
  // an ArrayBuffer or bytes. No body (null) reads as empty and is never used up.
  let bodyBytes, useBody;
  class Body {
    #bytes;
    #used = false;
    constructor(bytes) { this.#bytes = bytes; }
    get bodyUsed() { return this.#used; }
    #take() {
      if (this.#used) return Promise.reject(new TypeError('Body has already been consumed'));
      if (this.#bytes === null) return Promise.resolve(new Uint8Array(0));
      this.#used = true;
      return Promise.resolve(this.#bytes);
    }
    text() { return this.#take().then((b) => host.utf8Decode(b)); }
    json() { return this.text().then((t) => JSON.parse(t)); }
    arrayBuffer() { return this.#take().then((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)); }
    bytes() { return this.#take().then((b) => new Uint8Array(b)); }
    // For copies (`clone`) and for sending (`fetch`, or a Request made from another):
    // a body's bytes as they are, and marking them used.
    static {
      bodyBytes = (body, what) => {
        if (body.#used) throw new TypeError(`${what}: the body has already been consumed`);
        return body.#bytes;
      };
      useBody = (body) => { if (body.#bytes !== null) body.#used = true; };
    }
  }

  class Response extends Body {
    constructor(body = null, init = {}) {
      const status = init.status === undefined ? 200 : Number(init.status);
      if (!(status >= 200 && status <= 599) && !init[INTERNAL]) throw new RangeError(`Response: invalid status ${init.status}`);
      super(toBytes(body));
      this.status = status;
      this.statusText = init.statusText === undefined ? '' : String(init.statusText);
      this.headers = new Headers(init.headers);
      if (typeof body === 'string' && !this.headers.has('content-type')) this.headers.set('content-type', 'text/plain;charset=UTF-8');
      this.url = init.url || '';
      this.redirected = !!init.redirected;
      this.type = 'basic';
      this.ok = status >= 200 && status < 300;
    }
    clone() {
      return new Response(bodyBytes(this, 'Response.clone'), { ...this, headers: this.headers, [INTERNAL]: true });
    }
    static json(data, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
      return new Response(JSON.stringify(data), { ...init, headers });
    }
  }
  const INTERNAL = Symbol('internal');

  // Methods written in any case and sent in upper case (as Node does, PATCH too).
  const METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];
  const REDIRECTS = ['follow', 'error', 'manual'];
  const requestMethod = (value) => {
    const method = String(value);
    if (!TOKEN.test(method.toLowerCase())) throw new TypeError(`'${method}' is not a valid HTTP method.`);
    const upper = method.toUpperCase();
    if (upper === 'CONNECT' || upper === 'TRACE' || upper === 'TRACK') throw new TypeError(`'${method}' HTTP method is unsupported.`);
    return METHODS.includes(upper) ? upper : method;
  };
  const parseUrl = (input) => {
    try {
      return new globalThis.URL(input).href;
    } catch {
      throw new TypeError(`Failed to parse URL from ${input}`);
    }
  };

  // A Request as fetch hands it to the host (set below, where its fields are in reach).
  let partsOf;
  class Request extends Body {
    #url;
    #method;
    #headers;
    #redirect;
    #signal;
    constructor(input, init) {
      if (arguments.length === 0) throw new TypeError('Request: 1 argument required, but 0 found');
      const options = init === undefined || init === null ? {} : init;
      const from = input instanceof Request ? input : null;
      const method = options.method === undefined ? (from ? from.#method : 'GET') : requestMethod(options.method);
      const headers = new Headers(options.headers === undefined && from ? from.#headers : options.headers);
      const given = options.body !== undefined && options.body !== null;
      const inherited = given || from === null ? null : bodyBytes(from, 'Request');
      const bytes = given ? toBytes(options.body) : inherited;
      if (bytes !== null && (method === 'GET' || method === 'HEAD')) throw new TypeError('Request with GET/HEAD method cannot have body.');
      if (typeof options.body === 'string' && !headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8');
      if (options.body instanceof globalThis.URLSearchParams && !headers.has('content-type')) {
        headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
      }
      const redirect = options.redirect === undefined ? (from ? from.#redirect : 'follow') : String(options.redirect);
      if (!REDIRECTS.includes(redirect)) throw new TypeError(`Request: '${redirect}' is not a valid redirect mode`);
      let signal = from ? from.#signal : null;
      if (options.signal !== undefined) {
        signal = options.signal;
        if (signal !== null && !(host.isAbortSignal && host.isAbortSignal(signal))) {
          throw new TypeError('Request: the signal is not an AbortSignal');
        }
      }
      const url = from ? from.#url : parseUrl(String(input));
      // A body taken from another Request moves here: that one is used up.
      if (inherited !== null) useBody(from);
      super(bytes);
      this.#url = url;
      this.#method = method;
      this.#headers = headers;
      this.#redirect = redirect;
      this.#signal = signal;
    }
    get url() { return this.#url; }
    get method() { return this.#method; }
    get headers() { return this.#headers; }
    get redirect() { return this.#redirect; }
    // Always a signal, as the standard has it: one that never aborts when none was given.
    get signal() { return this.#signal || (this.#signal = new globalThis.AbortController().signal); }
    get [Symbol.toStringTag]() { return 'Request'; }
    clone() {
      return new Request(this, { body: bodyBytes(this, 'Request.clone'), headers: this.#headers });
    }
    static {
      partsOf = (request) => ({
        url: request.#url,
        method: request.#method,
        headers: Headers.flatten(request.#headers),
        body: bodyBytes(request, 'fetch'),
        redirect: request.#redirect,
        signal: request.#signal,
      });
    }
  }

  function fetch(input, init) {
    return new Promise((resolve, reject) => {
      // An object with a `url` string stands for a Request of another library's.
      const target = input !== null && typeof input === 'object' && !(input instanceof Request) && typeof input.url === 'string'
        ? input.url
        : input;
      const request = target instanceof Request && init === undefined ? target : new Request(target, init);
      const { url, method, headers, body, redirect, signal } = partsOf(request);
      useBody(request);
      if (signal !== null && signal.aborted) {
        reject(signal.reason);
        return;
      }
      const id = host.fetchStart(url, method, headers, body || undefined, redirect);
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

  return { fetch, Headers, Request, Response };
})
