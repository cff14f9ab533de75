// Lazily loaded part of the prelude: btoa and atob.
(function (host) {
  'use strict';
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const domError = (name, message) => {
    const err = new Error(message);
    err.name = name;
    return err;
  };
  function btoa(data) {
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
  }
  function atob(data) {
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
  }

  return { btoa, atob };
})
