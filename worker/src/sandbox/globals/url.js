// Lazily loaded part of the prelude: URL and URLSearchParams.
(function (host) {
  'use strict';
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
  return { URL, URLSearchParams };

})
