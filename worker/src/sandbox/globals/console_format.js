// Lazily loaded part of the prelude: Node-like formatting of console arguments.
(function (host) {
  'use strict';
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
      const tag = Object.prototype.toString.call(value).slice(8, -1);
      if (tag === 'Date') return isNaN(value) ? 'Invalid Date' : value.toISOString();
      if (tag === 'RegExp') return String(value);
      if (tag === 'Map') {
        const items = [...value].slice(0, 100).map(([k, v]) => `${inspect(k, depth + 1, seen)} => ${inspect(v, depth + 1, seen)}`);
        return `Map(${value.size}) { ${items.join(', ')} }`;
      }
      if (tag === 'Set') {
        const items = [...value].slice(0, 100).map((v) => inspect(v, depth + 1, seen));
        return `Set(${value.size}) { ${items.join(', ')} }`;
      }
      if (/^(Big)?(Ui|I)nt(8|16|32|64)(Clamped)?Array$|^Float(16|32|64)Array$/.test(tag)) {
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

  return format;
})
