// The `url` module: the WHATWG URL classes, also present as globals.
export const URL = globalThis.URL;
export const URLSearchParams = globalThis.URLSearchParams;
export default { URL, URLSearchParams };
