//! Node's `Buffer`, a global in every job, and the `buffer` module, against the answers
//! Node 20 gives to the same jobs.

mod common;

use common::*;
use serde_json::{Value, json};
use warren_wire::{ErrorKind, Outcome};
use warren_worker::sandbox::PoolLimits;

/// Node 20's answer to a job, as JSON text.
#[track_caller]
fn answer(json: &str) -> Value {
    serde_json::from_str(json).expect("the answer is JSON")
}

/// The global: encodings, identity, species, inspection, the deprecated call forms.
const GLOBAL: &str = r#"export default () => {
  const b = Buffer.from('héllo wörld €😀');
  const inspect = Symbol.for('nodejs.util.inspect.custom');
  return [b.length, b.toString('hex'), b.toString('base64'), b.toString('base64url'), b.toString('latin1'), b.toString(),
    b.toString('utf8', 1, 6), Buffer.isBuffer(b), Buffer.isBuffer(new Uint8Array(2)), b instanceof Uint8Array, b.constructor === Buffer,
    Object.getPrototypeOf(Buffer) === Uint8Array, typeof globalThis.Buffer, Buffer.poolSize, JSON.stringify(Buffer.from('hi')),
    b.subarray(1, 3) instanceof Buffer, b.slice(-2).toString('hex'), b.map((x) => x ^ 1) instanceof Buffer,
    Buffer.from('hi')[inspect](), Buffer.alloc(0)[inspect](), Buffer.alloc(52, 0xab)[inspect](), Buffer.alloc(51)[inspect]().slice(-20),
    Buffer.of(1, 2, 300).toString('hex'), Buffer(3).toString('hex'), new Buffer('ab', 'hex').toString('hex'),
    [...Buffer.from('ab').entries()], Buffer.from('abc').reverse().toString(), Buffer.isEncoding('UTF-16LE'), Buffer.isEncoding('utf-7')];
};"#;

/// Every encoding (and case-insensitive names) both ways, lenient decoding, partial writes.
const ENCODINGS: &str = r#"export default () => {
  const strings = ['', 'hello', 'héllo wörld', '€😀', 'a\ud800b', '\udc00\ud83d', 'YWJj ZA==', 'YW*Jj', 'YQ==YWJj', '-_+/', 'abzz12', 'ABcdEF0', '\u00ff\u0100\u0041', 'YW\u013dJj', '\u0161\u0162'];
  const encodings = ['utf8', 'hex', 'base64', 'base64url', 'latin1', 'binary', 'ascii', 'ucs2', 'utf16le', 'UTF-8', 'Hex', 'BASE64'];
  // Lone surrogates written out: the job's JSON result would replace them.
  const esc = (s) => s.replace(/[\ud800-\udfff]/g, (c) => `<${c.charCodeAt(0).toString(16)}>`);
  const out = {};
  for (const e of encodings) {
    out[e] = strings.map((s) => { const b = Buffer.from(s, e); return [b.toString('hex'), esc(b.toString(e)), Buffer.byteLength(s, e)]; });
  }
  const bytes = [[0xf0, 0x9f, 0x98, 0x41, 0xc0, 0x80, 0xed, 0xa0, 0x80, 0xef, 0xbb, 0xbf], [0xe9, 0xff, 0x41, 0x00], [0x61, 0x00, 0xac, 0x20, 0x3d]];
  out.decoded = bytes.map((b) => encodings.map((e) => esc(Buffer.from(b).toString(e))));
  out.partialWrites = [1, 2, 3, 4, 5].map((n) => { const b = Buffer.alloc(n); return [b.write('a€😀'), b.write('a€😀', 'ucs2'), b.write('zz0102', 'hex'), b.toString('hex')]; });
  out.writeArgs = [[1], [1, 2], [1, 'latin1'], ['base64'], [0, 2, 'hex']].map((args) => { const b = Buffer.alloc(4, '.'); return [b.write('YWJjZA==', ...args), b.toString('latin1')]; });
  return out;
};"#;

/// The integer, BigInt and float readers and writers, and the byte swaps.
const INTEGERS: &str = r#"export default () => {
  const b = Buffer.from([0x01, 0x02, 0x80, 0xff, 0x7f, 0x00, 0x10, 0xfe, 0x33, 0x44]);
  const reads = ['readUInt8', 'readUint8', 'readInt8', 'readUInt16LE', 'readUInt16BE', 'readInt16LE', 'readInt16BE', 'readUInt32LE', 'readUint32BE', 'readInt32LE', 'readInt32BE', 'readFloatLE', 'readFloatBE', 'readDoubleLE', 'readDoubleBE'];
  const out = { reads: reads.map((r) => [0, 1, 2].map((o) => b[r](o))) };
  out.big = ['readBigUInt64LE', 'readBigUInt64BE', 'readBigInt64LE', 'readBigInt64BE', 'readBigUint64LE'].map((r) => [0, 2].map((o) => String(b[r](o))));
  out.variable = ['readUIntLE', 'readUIntBE', 'readIntLE', 'readIntBE', 'readUintBE'].map((r) => [1, 2, 3, 4, 5, 6].map((n) => b[r](1, n)));
  const w = (f) => { const x = Buffer.alloc(8); const end = f(x); return [end, x.toString('hex')]; };
  out.writes = [
    w((x) => x.writeUInt8(255)), w((x) => x.writeInt8(-2, 1)), w((x) => x.writeUInt16LE(0xabcd, 1)), w((x) => x.writeUInt16BE(0xabcd)), w((x) => x.writeInt16LE(-2)),
    w((x) => x.writeInt16BE(-300, 2)), w((x) => x.writeUInt32LE(0xdeadbeef)), w((x) => x.writeUint32BE(0xdeadbeef, 4)), w((x) => x.writeInt32LE(-5)), w((x) => x.writeInt32BE(-(2 ** 31))),
    w((x) => x.writeUIntLE(0x0102030405, 1, 5)), w((x) => x.writeUIntBE(0x010203040506, 0, 6)), w((x) => x.writeIntLE(-2, 0, 6)), w((x) => x.writeIntBE(-(2 ** 40), 2, 6)), w((x) => x.writeUintLE(7, 0, 3)),
    w((x) => x.writeFloatLE(1.5)), w((x) => x.writeFloatBE(-0.1, 4)), w((x) => x.writeDoubleLE(Math.PI)), w((x) => x.writeDoubleBE(-1e300)), w((x) => x.writeFloatLE(NaN)),
    w((x) => x.writeBigUInt64LE(0x0102030405060708n)), w((x) => x.writeBigUInt64BE(2n ** 64n - 1n)), w((x) => x.writeBigInt64LE(-2n)), w((x) => x.writeBigInt64BE(-(2n ** 63n))), w((x) => x.writeBigUint64LE(5n)),
    w((x) => x.writeUInt16LE(1.9)), w((x) => x.writeInt16LE(-1.5)), w((x) => x.writeUInt8('7')), w((x) => x.writeUInt8(NaN)),
  ];
  const s = Buffer.from('0123456789abcdef', 'hex');
  out.swaps = [s.swap16().toString('hex'), s.swap32().toString('hex'), s.swap64().toString('hex')];
  return out;
};"#;

/// Node's errors: class, `code` and message.
const ERRORS: &str = r#"export default () => {
  const b = Buffer.alloc(4);
  const cases = [
    () => Buffer.alloc(-1), () => Buffer.alloc(2 ** 32 + 1), () => Buffer.alloc(NaN), () => Buffer.alloc('1'), () => Buffer.allocUnsafe(-5),
    () => Buffer.from(5), () => Buffer.from(null), () => Buffer.from({}), () => Buffer.from('ab', 'utf-7'), () => Buffer.from(new ArrayBuffer(4), 5),
    () => Buffer.from(new ArrayBuffer(4), 1, 4), () => b.toString('utf-7'), () => b.write('a', 1.5), () => b.write('a', 5), () => b.write('a', 0, 9),
    () => b.write(5, 0), () => b.readUInt8(4), () => b.readUInt32LE(1), () => b.readInt16BE(-1), () => b.readUInt8(1.5),
    () => b.readUInt8('1'), () => Buffer.alloc(2).readUInt32LE(0), () => b.readUIntLE(0, 7), () => b.readIntBE(0), () => b.writeUInt8(256),
    () => b.writeInt16LE(40000), () => b.writeUInt32BE(-1), () => b.writeUIntLE(2 ** 48, 0, 6), () => b.writeIntBE(2 ** 47, 0, 6), () => b.writeBigInt64LE(2n ** 63n),
    () => b.writeBigUInt64LE(1n), () => Buffer.alloc(8).writeBigUInt64LE(1), () => b.fill('zz', 'hex'), () => b.fill('a', 'utf-7'), () => b.fill('a', 0, 5),
    () => Buffer.alloc(3).swap16(), () => Buffer.alloc(6).swap32(), () => Buffer.concat('ab'), () => Buffer.concat([b, 'x']), () => Buffer.compare(b, [1]),
    () => b.equals('x'), () => b.copy({}), () => b.copy(Buffer.alloc(2), -1), () => b.indexOf({}), () => b.indexOf('a', 0, 'utf-7'),
    () => Buffer.byteLength(5), () => b.compare(b, 0, 9), () => b.asciiSlice(-1), () => b.latin1Write('a', 9),
  ];
  return cases.map((f) => { try { f(); return 'no error'; } catch (e) { return [e.name, e.code ?? null, e.message]; } });
};"#;

/// A megabyte through hex, base64 and base64url and back.
const MEGABYTE: &str = r#"export default () => {
  const big = Buffer.alloc(1 << 20);
  for (let i = 0, n = big.length; i < n; i++) big[i] = ((i * 7919) >>> 3) & 255;
  const hex = big.toString('hex');
  const b64 = big.toString('base64');
  const url = big.toString('base64url');
  return [hex.length, hex.slice(0, 24), hex.slice(-24), b64.length, b64.slice(-12), url.length, url.slice(-12),
    Buffer.from(hex, 'hex').equals(big), Buffer.from(b64, 'base64').equals(big), Buffer.from(url, 'base64url').equals(big),
    Buffer.byteLength(b64, 'base64')];
};"#;

/// Searching, comparing, copying, filling, shared memory, `concat`, JSON, `from` of objects.
const MISC: &str = r#"export default () => {
  const hay = Buffer.from('abcabcab€ab');
  const out = {};
  out.indexOf = [['b'], ['b', 2], ['b', -3], ['ab', -100], [98], [98 + 256], [Buffer.from('ca')], ['€'], ['gqw', 0, 'base64'], ['6162', 'hex'], [''], ['', 50], ['zz']].map((a) => hay.indexOf(...a));
  out.lastIndexOf = [['b'], ['b', 5], ['b', -4], ['ab', 100], [97], [Buffer.from('bc')], [''], ['abc', 2]].map((a) => hay.lastIndexOf(...a));
  out.includes = [hay.includes('€'), hay.includes('x'), hay.includes(0x61, 20), Buffer.from('a\u0000b\u0000', 'latin1').indexOf('b', 0, 'ucs2')];
  const x = Buffer.from('abcd');
  out.compare = [Buffer.compare(Buffer.from('a'), Buffer.from('b')), x.compare(Buffer.from('abc')), x.compare(Buffer.from('bcd'), 0, 3, 1), x.equals(Buffer.from('abcd')), x.equals(new Uint8Array([97]))];
  const copies = [[], [2], [0, 2], [1, 1, 3], [0, 0, 9]].map((args) => { const t = Buffer.alloc(5, '.'); const n = x.copy(t, ...args); return [n, t.toString()]; });
  const self = Buffer.from('abcdef'); self.copy(self, 2, 0, 4);
  out.copy = [copies, self.toString()];
  out.fill = [Buffer.alloc(5, 'ab').toString(), Buffer.alloc(4, 257).toString('hex'), Buffer.alloc(6).fill('€', 1).toString('hex'), Buffer.alloc(5).fill('aGk=', 'base64').toString(),
    Buffer.alloc(4).fill(new Uint16Array([0x102])).toString('hex'), Buffer.alloc(4, 'x').fill(0, 1, 3).toString('hex'), Buffer.alloc(3, '').toString('hex')];
  const shared = Buffer.from('hello');
  const part = shared.slice(1, 3); part[0] = 0x45;
  const ab = new ArrayBuffer(6); const over = Buffer.from(ab, 2, 3); new Uint8Array(ab)[2] = 9;
  out.sharing = [shared.toString(), part.buffer === shared.buffer, over[0], over.length, over.byteOffset, (() => { const copy = Buffer.from(shared); copy[0] = 0; return shared[0]; })()];
  out.concat = [Buffer.concat([Buffer.from('ab'), new Uint8Array([99]), Buffer.from('d')]).toString(), Buffer.concat([Buffer.from('ab')], 4).toString('hex'), Buffer.concat([Buffer.from('abc')], 2).toString(), Buffer.concat([]).length];
  out.json = [Buffer.from('hi').toJSON(), Buffer.from(JSON.parse(JSON.stringify(Buffer.from('hey')))).toString(), Buffer.from({ type: 'Buffer', data: [1, 2] }).toString('hex')];
  out.from = [Buffer.from([1, 256, -1, 1.5, 'x']).toString('hex'), Buffer.from(new Uint16Array([1, 258])).toString('hex'), Buffer.from({ length: 2, 0: 7 }).toString('hex'),
    Buffer.from(new String('str')).toString(), Buffer.from({ [Symbol.toPrimitive]: () => 'prim' }).toString(), Buffer.from({ valueOf: () => 'val' }).toString(),
    Buffer.copyBytesFrom(new Uint16Array([1, 2, 3]), 1, 1).toString('hex')];
  return out;
};"#;

/// Proxies, throwing hooks, detached buffers, re-entrant hooks, odd sizes and offsets.
const HOSTILE: &str = r#"export default () => {
  const attempt = (f) => {
    try {
      const r = f();
      return r instanceof Uint8Array ? ['ok', r.toString('hex')] : ['ok', r];
    } catch (e) {
      return [e.name, e.code ?? null];
    }
  };
  const endless = () => ({ valueOf: endless });
  const source = new ArrayBuffer(8);
  const onSource = Buffer.from(source, 2);
  source.transfer();
  const target = new ArrayBuffer(4);
  const onTarget = Buffer.from(target);
  const detachLater = new ArrayBuffer(4);
  const onDetachLater = Buffer.from(detachLater);
  const reentrant = Buffer.alloc(4);
  return {
    proxies: [
      attempt(() => Buffer.from(new Proxy([1, 2, 300], {}))),
      attempt(() => Buffer.from(new Proxy({}, { get() { throw new SyntaxError('trap'); } }))),
      attempt(() => Buffer.from(new Proxy(new Uint8Array(2), {}))),
      attempt(() => Buffer.concat([new Proxy(Buffer.from('a'), {})])),
      attempt(() => Buffer.alloc(2).equals(new Proxy(Buffer.alloc(2), {}))),
      attempt(() => Buffer.byteLength(new Proxy(new ArrayBuffer(2), {}))),
    ],
    throwing: [
      attempt(() => Buffer.from({ valueOf() { throw new EvalError('valueOf'); } })),
      attempt(() => Buffer.from({ get length() { throw new URIError('length'); } })),
      attempt(() => Buffer.alloc(4).fill({ valueOf() { throw new EvalError('fill'); } })),
      attempt(() => Buffer.alloc(4).toString({ toString() { throw new EvalError('encoding'); } })),
      attempt(() => Buffer.alloc(4).indexOf('a', { valueOf() { throw new EvalError('offset'); } })),
      attempt(() => Buffer.from(endless())),
    ],
    detachedSource: [
      onSource.length,
      attempt(() => Buffer.from(source)),
      attempt(() => Buffer.from(onSource)),
      attempt(() => onSource.toString()),
      attempt(() => onSource.toString('base64')),
      attempt(() => onSource.readUInt8(0)),
      attempt(() => onSource.write('abc')),
      attempt(() => onSource.fill(1).length),
      attempt(() => onSource.indexOf(0)),
      attempt(() => onSource.equals(Buffer.alloc(0))),
      attempt(() => onSource.toJSON()),
      attempt(() => Buffer.concat([onSource, Buffer.from('a')])),
      attempt(() => onSource.copy(Buffer.alloc(2))),
    ],
    detachedTarget: [
      attempt(() => { target.transfer(); return Buffer.from('abc').copy(onTarget); }),
      attempt(() => Buffer.from('abc').copy(onTarget, 0)),
      attempt(() => onDetachLater.fill({ valueOf() { detachLater.transfer(); return 1; } })),
    ],
    reentrant: attempt(() => reentrant.fill({ valueOf() { reentrant.fill(2); return 1; } })),
    sizes: [2 ** 32 + 1, 2 ** 53, Infinity, -1, -0, NaN, 1.5, '8', null].map((n) => attempt(() => Buffer.alloc(n))),
    arrayLikes: [{ length: 2 ** 40 }, { length: -5 }, { length: NaN }, { length: 2.5, 0: 1, 1: 2, 2: 3 }].map((o) => attempt(() => Buffer.from(o))),
    offsets: [-1, NaN, 1.5, -0.5, Infinity, -Infinity, 2 ** 53, '0', null].map((o) => [
      attempt(() => Buffer.alloc(4).readUInt16LE(o)),
      attempt(() => Buffer.alloc(4).writeInt8(1, o)),
      attempt(() => Buffer.alloc(4).write('ab', o)),
      attempt(() => Buffer.from('abcd').toString('utf8', o)),
      attempt(() => Buffer.from('abcd').slice(o)),
      attempt(() => Buffer.from('abcd').indexOf('c', o)),
      attempt(() => Buffer.from('abcd').copy(Buffer.alloc(4), o)),
      attempt(() => Buffer.alloc(4).fill(1, o)),
      attempt(() => Buffer.from(new ArrayBuffer(4), o)),
    ]),
  };
};"#;

#[test]
fn buffer_is_a_global_without_a_table_entry() {
    let engine = engine();
    assert_eq!(
        ok(&engine, GLOBAL, "null"),
        answer(
            r#"[
        21, "68c3a96c6c6f2077c3b6726c6420e282acf09f9880", "aMOpbGxvIHfDtnJsZCDigqzwn5iA",
        "aMOpbGxvIHfDtnJsZCDigqzwn5iA", "hÃ©llo wÃ¶rld â\u0082¬ð\u009f\u0098\u0080", "héllo wörld €😀",
        "éllo", true, false, true, true, true, "function", 8192, "{\"type\":\"Buffer\",\"data\":[104,105]}",
        true, "9880", true, "<Buffer 68 69>", "<Buffer >",
        "<Buffer ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ... 2 more bytes>",
        " 00 ... 1 more byte>", "01022c", "000000", "ab", [[0, 97], [1, 98]], "cba", true, false
    ]"#,
        )
    );
    // A returned buffer is serialised through its `toJSON`, as `JSON.stringify` does.
    assert_eq!(
        ok(
            &engine,
            "module.exports = () => ({ bytes: Buffer.from([1, 2, 255]), empty: Buffer.alloc(0) })",
            "null"
        ),
        json!({ "bytes": { "type": "Buffer", "data": [1, 2, 255] }, "empty": { "type": "Buffer", "data": [] } })
    );
}

#[test]
fn buffer_module_by_require_import_and_node_name() {
    let engine = engine_with(1, PoolLimits::default(), &["buffer", "node:buffer"]);
    // Expected values are Node 20's, for the same calls.
    assert_eq!(
        ok(
            &engine,
            "const buffer = require('buffer'); const prefixed = require('node:buffer');
            module.exports = () => [
                buffer.Buffer === Buffer, prefixed.Buffer === Buffer, buffer.kMaxLength, buffer.kStringMaxLength,
                buffer.constants, buffer.INSPECT_MAX_BYTES, buffer.isUtf8(Buffer.from('é')),
                buffer.isUtf8(new Uint8Array([0xed, 0xa0, 0x80])), buffer.isUtf8(new ArrayBuffer(2)),
                buffer.isAscii(Buffer.from('abc')), buffer.isAscii(Buffer.from('é')), buffer.atob('aGk='), buffer.btoa('hi'),
                buffer.SlowBuffer(3).toString('hex'),
                ['Buffer', 'SlowBuffer', 'kMaxLength', 'constants', 'INSPECT_MAX_BYTES', 'atob', 'btoa', 'isUtf8', 'isAscii']
                    .every((name) => name in buffer),
            ]",
            "null"
        ),
        json!([
            true, true, 4294967296_u64, 536870888, { "MAX_LENGTH": 4294967296_u64, "MAX_STRING_LENGTH": 536870888 },
            50, true, false, true, true, false, "hi", "aGk=", "000000", true
        ])
    );
    assert_eq!(
        ok(
            &engine,
            "import { Buffer as B, kMaxLength, constants, isAscii } from 'node:buffer';
            import buffer from 'buffer';
            export default () => [B === Buffer, buffer.Buffer === Buffer, kMaxLength, constants.MAX_STRING_LENGTH,
                isAscii(new Uint8Array([0x7f])), typeof buffer.SlowBuffer, B.from('import').toString('base64')]",
            "null"
        ),
        json!([true, true, 4294967296_u64, 536870888, true, "function", "aW1wb3J0"])
    );
    // Hostile inputs to the module's own functions.
    assert_eq!(
        ok(
            &engine,
            "import { isUtf8, isAscii } from 'buffer';
            export default () => {
                const detached = new ArrayBuffer(4);
                const view = new Uint8Array(detached);
                detached.transfer();
                return [() => isUtf8('text'), () => isAscii({ length: 2 ** 40 }), () => isUtf8(new Proxy(new Uint8Array(1), {})),
                    () => isUtf8(detached), () => isAscii(view)]
                    .map((f) => { try { return f(); } catch (e) { return e.code; } });
            }",
            "null"
        ),
        json!([
            "ERR_INVALID_ARG_TYPE", "ERR_INVALID_ARG_TYPE", "ERR_INVALID_ARG_TYPE", "ERR_INVALID_STATE", true
        ])
    );
}

#[test]
fn encodings_round_trip_as_in_node() {
    let engine = engine();
    assert_eq!(
        ok(&engine, ENCODINGS, "null"),
        answer(
            r#"{
        "utf8": [["", "", 0], ["68656c6c6f", "hello", 5], ["68c3a96c6c6f2077c3b6726c64", "héllo wörld", 13], ["e282acf09f9880", "€<d83d><de00>", 7], ["61efbfbd62", "a�b", 5], ["efbfbdefbfbd", "��", 6], ["59574a6a205a413d3d", "YWJj ZA==", 9], ["59572a4a6a", "YW*Jj", 5], ["59513d3d59574a6a", "YQ==YWJj", 8], ["2d5f2b2f", "-_+/", 4], ["61627a7a3132", "abzz12", 6], ["41426364454630", "ABcdEF0", 7], ["c3bfc48041", "ÿĀA", 5], ["5957c4bd4a6a", "YWĽJj", 6], ["c5a1c5a2", "šŢ", 4]],
        "hex": [["", "", 0], ["", "", 2], ["", "", 5], ["", "", 1], ["", "", 1], ["", "", 1], ["", "", 4], ["", "", 2], ["", "", 4], ["", "", 2], ["ab", "ab", 3], ["abcdef", "abcdef", 3], ["", "", 1], ["", "", 2], ["ab", "ab", 1]],
        "base64": [["", "", 0], ["85e965", "hell", 3], ["865968c2b95d", "hllowrld", 8], ["", "", 2], ["69", "aQ==", 2], ["", "", 1], ["61626364", "YWJjZA==", 5], ["616263", "YWJj", 3], ["61", "YQ==", 6], ["fbffbf", "+/+/", 3], ["69bcf3d7", "abzz1w==", 4], ["00171d105d", "ABcdEF0=", 5], ["", "", 2], ["61", "YQ==", 3], ["69", "aQ==", 1]],
        "base64url": [["", "", 0], ["85e965", "hell", 3], ["865968c2b95d", "hllowrld", 8], ["", "", 2], ["69", "aQ", 2], ["", "", 1], ["61626364", "YWJjZA", 5], ["616263", "YWJj", 3], ["61", "YQ", 6], ["fbffbf", "-_-_", 3], ["69bcf3d7", "abzz1w", 4], ["00171d105d", "ABcdEF0", 5], ["", "", 2], ["61", "YQ", 3], ["69", "aQ", 1]],
        "latin1": [["", "", 0], ["68656c6c6f", "hello", 5], ["68e96c6c6f2077f6726c64", "héllo wörld", 11], ["ac3d00", "¬=\u0000", 3], ["610062", "a\u0000b", 3], ["003d", "\u0000=", 2], ["59574a6a205a413d3d", "YWJj ZA==", 9], ["59572a4a6a", "YW*Jj", 5], ["59513d3d59574a6a", "YQ==YWJj", 8], ["2d5f2b2f", "-_+/", 4], ["61627a7a3132", "abzz12", 6], ["41426364454630", "ABcdEF0", 7], ["ff0041", "ÿ\u0000A", 3], ["59573d4a6a", "YW=Jj", 5], ["6162", "ab", 2]],
        "binary": [["", "", 0], ["68656c6c6f", "hello", 5], ["68e96c6c6f2077f6726c64", "héllo wörld", 11], ["ac3d00", "¬=\u0000", 3], ["610062", "a\u0000b", 3], ["003d", "\u0000=", 2], ["59574a6a205a413d3d", "YWJj ZA==", 9], ["59572a4a6a", "YW*Jj", 5], ["59513d3d59574a6a", "YQ==YWJj", 8], ["2d5f2b2f", "-_+/", 4], ["61627a7a3132", "abzz12", 6], ["41426364454630", "ABcdEF0", 7], ["ff0041", "ÿ\u0000A", 3], ["59573d4a6a", "YW=Jj", 5], ["6162", "ab", 2]],
        "ascii": [["", "", 0], ["68656c6c6f", "hello", 5], ["68e96c6c6f2077f6726c64", "hillo wvrld", 11], ["ac3d00", ",=\u0000", 3], ["610062", "a\u0000b", 3], ["003d", "\u0000=", 2], ["59574a6a205a413d3d", "YWJj ZA==", 9], ["59572a4a6a", "YW*Jj", 5], ["59513d3d59574a6a", "YQ==YWJj", 8], ["2d5f2b2f", "-_+/", 4], ["61627a7a3132", "abzz12", 6], ["41426364454630", "ABcdEF0", 7], ["ff0041", "\u0000A", 3], ["59573d4a6a", "YW=Jj", 5], ["6162", "ab", 2]],
        "ucs2": [["", "", 0], ["680065006c006c006f00", "hello", 10], ["6800e9006c006c006f0020007700f60072006c006400", "héllo wörld", 22], ["ac203dd800de", "€<d83d><de00>", 6], ["610000d86200", "a<d800>b", 6], ["00dc3dd8", "<dc00><d83d>", 4], ["590057004a006a0020005a0041003d003d00", "YWJj ZA==", 18], ["590057002a004a006a00", "YW*Jj", 10], ["590051003d003d00590057004a006a00", "YQ==YWJj", 16], ["2d005f002b002f00", "-_+/", 8], ["610062007a007a0031003200", "abzz12", 12], ["4100420063006400450046003000", "ABcdEF0", 14], ["ff0000014100", "ÿĀA", 6], ["590057003d014a006a00", "YWĽJj", 10], ["61016201", "šŢ", 4]],
        "utf16le": [["", "", 0], ["680065006c006c006f00", "hello", 10], ["6800e9006c006c006f0020007700f60072006c006400", "héllo wörld", 22], ["ac203dd800de", "€<d83d><de00>", 6], ["610000d86200", "a<d800>b", 6], ["00dc3dd8", "<dc00><d83d>", 4], ["590057004a006a0020005a0041003d003d00", "YWJj ZA==", 18], ["590057002a004a006a00", "YW*Jj", 10], ["590051003d003d00590057004a006a00", "YQ==YWJj", 16], ["2d005f002b002f00", "-_+/", 8], ["610062007a007a0031003200", "abzz12", 12], ["4100420063006400450046003000", "ABcdEF0", 14], ["ff0000014100", "ÿĀA", 6], ["590057003d014a006a00", "YWĽJj", 10], ["61016201", "šŢ", 4]],
        "UTF-8": [["", "", 0], ["68656c6c6f", "hello", 5], ["68c3a96c6c6f2077c3b6726c64", "héllo wörld", 13], ["e282acf09f9880", "€<d83d><de00>", 7], ["61efbfbd62", "a�b", 5], ["efbfbdefbfbd", "��", 6], ["59574a6a205a413d3d", "YWJj ZA==", 9], ["59572a4a6a", "YW*Jj", 5], ["59513d3d59574a6a", "YQ==YWJj", 8], ["2d5f2b2f", "-_+/", 4], ["61627a7a3132", "abzz12", 6], ["41426364454630", "ABcdEF0", 7], ["c3bfc48041", "ÿĀA", 5], ["5957c4bd4a6a", "YWĽJj", 6], ["c5a1c5a2", "šŢ", 4]],
        "Hex": [["", "", 0], ["", "", 2], ["", "", 5], ["", "", 1], ["", "", 1], ["", "", 1], ["", "", 4], ["", "", 2], ["", "", 4], ["", "", 2], ["ab", "ab", 3], ["abcdef", "abcdef", 3], ["", "", 1], ["", "", 2], ["ab", "ab", 1]],
        "BASE64": [["", "", 0], ["85e965", "hell", 3], ["865968c2b95d", "hllowrld", 8], ["", "", 2], ["69", "aQ==", 2], ["", "", 1], ["61626364", "YWJjZA==", 5], ["616263", "YWJj", 3], ["61", "YQ==", 6], ["fbffbf", "+/+/", 3], ["69bcf3d7", "abzz1w==", 4], ["00171d105d", "ABcdEF0=", 5], ["", "", 2], ["61", "YQ==", 3], ["69", "aQ==", 1]],
        "decoded": [["�A�����\ufeff", "f09f9841c080eda080efbbbf", "8J+YQcCA7aCA77u/", "8J-YQcCA7aCA77u_", "ð\u009f\u0098AÀ\u0080í \u0080ï»¿", "ð\u009f\u0098AÀ\u0080í \u0080ï»¿", "p\u001f\u0018A@\u0000m \u0000o;?", "鿰䆘胀ꃭ\uef80뾻", "鿰䆘胀ꃭ\uef80뾻", "�A�����\ufeff", "f09f9841c080eda080efbbbf", "8J+YQcCA7aCA77u/"], ["��A\u0000", "e9ff4100", "6f9BAA==", "6f9BAA", "éÿA\u0000", "éÿA\u0000", "iA\u0000", "￩A", "￩A", "��A\u0000", "e9ff4100", "6f9BAA=="], ["a\u0000� =", "6100ac203d", "YQCsID0=", "YQCsID0", "a\u0000¬ =", "a\u0000¬ =", "a\u0000, =", "a€", "a€", "a\u0000� =", "6100ac203d", "YQCsID0="]],
        "partialWrites": [[1, 0, 0, "61"], [1, 2, 0, "6100"], [1, 2, 0, "610000"], [4, 4, 0, "6100ac20"], [4, 4, 0, "6100ac2000"]],
        "writeArgs": [[3, ".YWJ"], [2, ".YW."], [3, ".YWJ"], [4, "abcd"], [0, "...."]]
    }"#,
        )
    );
}

#[test]
fn integer_and_float_accessors_read_and_write_as_in_node() {
    let engine = engine();
    assert_eq!(
        ok(&engine, INTEGERS, "null"),
        answer(
            r#"{
        "reads": [[1, 2, 128], [1, 2, 128], [1, 2, -128], [513, 32770, 65408], [258, 640, 33023], [513, -32766, -128], [258, 640, -32513], [4286579201, 2147450882, 8388480], [16941311, 42008447, 2164227840], [-8388095, 2147450882, 8388480], [16941311, 42008447, -2130739456], [null, null, 1.1754764142019442e-38], [2.396977915945251e-38, 1.895455717900635e-37, -2.3463610535959887e-38], [-1.6744365696579293e+299, 2.9932711082850383e-58, 368795270435490000000], [8.432136390366483e-304, 1.299549757216324e-296, -7.176308439235092e-304]],
        "big": [["18307133035008492033", "4914550963072663424"], ["72762378827075838", "9295287794177815364"], ["-139611038701059583", "4914550963072663424"], ["72762378827075838", "-9151456279531736252"], ["18307133035008492033", "4914550963072663424"]],
        "variable": [[2, 32770, 16744450, 2147450882, 2147450882, 17594333495298], [2, 640, 164095, 42008447, 10754162432, 2753065582608], [2, -32766, -32766, 2147450882, 2147450882, 17594333495298], [2, 640, 164095, 42008447, 10754162432, 2753065582608], [2, 640, 164095, 42008447, 10754162432, 2753065582608]],
        "writes": [[1, "ff00000000000000"], [2, "00fe000000000000"], [3, "00cdab0000000000"], [2, "abcd000000000000"], [2, "feff000000000000"], [4, "0000fed400000000"], [4, "efbeadde00000000"], [8, "00000000deadbeef"], [4, "fbffffff00000000"], [4, "8000000000000000"], [6, "0005040302010000"], [6, "0102030405060000"], [6, "feffffffffff0000"], [8, "0000ff0000000000"], [3, "0700000000000000"], [4, "0000c03f00000000"], [8, "00000000bdcccccd"], [8, "182d4454fb210940"], [8, "fe37e43c8800759c"], [4, "0000c07f00000000"], [8, "0807060504030201"], [8, "ffffffffffffffff"], [8, "feffffffffffffff"], [8, "8000000000000000"], [8, "0500000000000000"], [2, "0100000000000000"], [2, "ffff000000000000"], [1, "0700000000000000"], [1, "0000000000000000"]],
        "swaps": ["23016745ab89efcd", "45670123cdef89ab", "ab89efcd23016745"]
    }"#,
        )
    );
}

#[test]
fn errors_are_nodes_with_their_codes() {
    let engine = engine();
    assert_eq!(
        ok(&engine, ERRORS, "null"),
        answer(
            r#"[
        ["RangeError", "ERR_OUT_OF_RANGE", "The value of \"size\" is out of range. It must be >= 0 && <= 4294967296. Received -1"],
        ["RangeError", "ERR_OUT_OF_RANGE", "The value of \"size\" is out of range. It must be >= 0 && <= 4294967296. Received 4_294_967_297"],
        ["RangeError", "ERR_OUT_OF_RANGE", "The value of \"size\" is out of range. It must be >= 0 && <= 4294967296. Received NaN"],
        ["TypeError", "ERR_INVALID_ARG_TYPE", "The \"size\" argument must be of type number. Received type string ('1')"],
        ["RangeError", "ERR_OUT_OF_RANGE", "The value of \"size\" is out of range. It must be >= 0 && <= 4294967296. Received -5"],
        ["TypeError", "ERR_INVALID_ARG_TYPE", "The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object. Received type number (5)"],
        ["TypeError", "ERR_INVALID_ARG_TYPE", "The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object. Received null"],
        ["TypeError", "ERR_INVALID_ARG_TYPE", "The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object. Received an instance of Object"],
        ["TypeError", "ERR_UNKNOWN_ENCODING", "Unknown encoding: utf-7"],
        ["RangeError", "ERR_BUFFER_OUT_OF_BOUNDS", "\"offset\" is outside of buffer bounds"],
        ["RangeError", "ERR_BUFFER_OUT_OF_BOUNDS", "\"length\" is outside of buffer bounds"],
        ["TypeError", "ERR_UNKNOWN_ENCODING", "Unknown encoding: utf-7"],
        ["RangeError", "ERR_OUT_OF_RANGE", "The value of \"offset\" is out of range. It must be an integer. Received 1.5"],
        ["RangeError", "ERR_OUT_OF_RANGE", "The value of \"offset\" is out of range. It must be >= 0 && <= 4. Received 5"],
        ["RangeError", "ERR_OUT_OF_RANGE", "The value of \"length\" is out of range. It must be >= 0 && <= 4. Received 9"],
        ["TypeError", "ERR_INVALID_ARG_TYPE", "argument must be a string"],
        ["RangeError", "ERR_OUT_OF_RANGE", "The value of \"offset\" is out of range. It must be >= 0 and <= 3. Received 4"],
        ["RangeError", "ERR_OUT_OF_RANGE", "The value of \"offset\" is out of range. It must be >= 0 and <= 0. Received 1"],
        ["RangeError", "ERR_OUT_OF_RANGE", "The value of \"offset\" is out of range. It must be >= 0 and <= 2. Received -1"],
        ["RangeError", "ERR_OUT_OF_RANGE", "The value of \"offset\" is out of range. It must be an integer. Received 1.5"],
        ["TypeError", "ERR_INVALID_ARG_TYPE", "The \"offset\" argument must be of type number. Received type string ('1')"],
        ["RangeError", "ERR_BUFFER_OUT_OF_BOUNDS", "Attempt to access memory outside buffer bounds"],
        ["RangeError", "ERR_OUT_OF_RANGE", "The value of \"byteLength\" is out of range. It must be >= 1 and <= 6. Received 7"],
        ["TypeError", "ERR_INVALID_ARG_TYPE", "The \"byteLength\" argument must be of type number. Received undefined"],
        ["RangeError", "ERR_OUT_OF_RANGE", "The value of \"value\" is out of range. It must be >= 0 and <= 255. Received 256"],
        ["RangeError", "ERR_OUT_OF_RANGE", "The value of \"value\" is out of range. It must be >= -32768 and <= 32767. Received 40000"],
        ["RangeError", "ERR_OUT_OF_RANGE", "The value of \"value\" is out of range. It must be >= 0 and <= 4294967295. Received -1"],
        ["RangeError", "ERR_OUT_OF_RANGE", "The value of \"value\" is out of range. It must be >= 0 and < 2 ** 48. Received 281_474_976_710_656"],
        ["RangeError", "ERR_OUT_OF_RANGE", "The value of \"value\" is out of range. It must be >= -(2 ** 47) and < 2 ** 47. Received 140_737_488_355_328"],
        ["RangeError", "ERR_OUT_OF_RANGE", "The value of \"value\" is out of range. It must be >= -(2n ** 63n) and < 2n ** 63n. Received 9_223_372_036_854_775_808n"],
        ["RangeError", "ERR_BUFFER_OUT_OF_BOUNDS", "Attempt to access memory outside buffer bounds"],
        ["TypeError", null, "Cannot mix BigInt and other types, use explicit conversions"],
        ["TypeError", "ERR_INVALID_ARG_VALUE", "The argument 'value' is invalid. Received 'zz'"],
        ["TypeError", "ERR_UNKNOWN_ENCODING", "Unknown encoding: utf-7"],
        ["RangeError", "ERR_OUT_OF_RANGE", "The value of \"end\" is out of range. It must be >= 0 && <= 4. Received 5"],
        ["RangeError", "ERR_INVALID_BUFFER_SIZE", "Buffer size must be a multiple of 16-bits"],
        ["RangeError", "ERR_INVALID_BUFFER_SIZE", "Buffer size must be a multiple of 32-bits"],
        ["TypeError", "ERR_INVALID_ARG_TYPE", "The \"list\" argument must be an instance of Array. Received type string ('ab')"],
        ["TypeError", "ERR_INVALID_ARG_TYPE", "The \"list[1]\" argument must be an instance of Buffer or Uint8Array. Received type string ('x')"],
        ["TypeError", "ERR_INVALID_ARG_TYPE", "The \"buf2\" argument must be an instance of Buffer or Uint8Array. Received an instance of Array"],
        ["TypeError", "ERR_INVALID_ARG_TYPE", "The \"otherBuffer\" argument must be an instance of Buffer or Uint8Array. Received type string ('x')"],
        ["TypeError", "ERR_INVALID_ARG_TYPE", "The \"target\" argument must be an instance of Buffer or Uint8Array. Received an instance of Object"],
        ["RangeError", "ERR_OUT_OF_RANGE", "The value of \"targetStart\" is out of range. It must be >= 0. Received -1"],
        ["TypeError", "ERR_INVALID_ARG_TYPE", "The \"value\" argument must be one of type number or string or an instance of Buffer or Uint8Array. Received an instance of Object"],
        ["TypeError", "ERR_UNKNOWN_ENCODING", "Unknown encoding: utf-7"],
        ["TypeError", "ERR_INVALID_ARG_TYPE", "The \"string\" argument must be of type string or an instance of Buffer or ArrayBuffer. Received type number (5)"],
        ["RangeError", "ERR_OUT_OF_RANGE", "The value of \"targetEnd\" is out of range. It must be >= 0 && <= 4. Received 9"],
        ["RangeError", "ERR_OUT_OF_RANGE", "Index out of range"],
        ["RangeError", "ERR_BUFFER_OUT_OF_BOUNDS", "\"offset\" is outside of buffer bounds"]
    ]"#,
        )
    );
    // Uncaught, the job fails with the error's message.
    let message = fails(
        &engine,
        "export default () => Buffer.alloc(-1)",
        "null",
        ErrorKind::Exception,
    );
    assert!(
        message.contains("The value of \"size\" is out of range."),
        "{message}"
    );
}

#[test]
fn a_megabyte_round_trips_through_hex_and_base64_quickly() {
    let engine = engine();
    // Well inside the limit: the encodings are linear, with no per-character calls.
    let report = engine.run_blocking(with_timeout(MEGABYTE, 3_000));
    match report.run.outcome {
        Outcome::Ok(value) => assert_eq!(
            serde_json::from_str::<Value>(value.get()).expect("value is JSON"),
            answer(
                r#"[
        2097152, "00ddbb9977553311efccaa88", "9977553311eeccaa88664422", 1398104, "7syqiGZEIg==", 1398102,
        "MR7syqiGZEIg", true, true, true, 1048576
    ]"#,
            )
        ),
        Outcome::Error(err) => panic!("the round trip failed: {err:?}"),
    }
}

#[test]
fn searching_comparing_copying_filling_and_sharing_as_in_node() {
    let engine = engine();
    assert_eq!(
        ok(&engine, MISC, "null"),
        answer(
            r#"{
        "indexOf": [1, 4, 12, 0, 1, 1, 2, 8, 9, 0, 0, 13, -1],
        "lastIndexOf": [12, 4, 7, 11, 11, 4, 13, 0],
        "includes": [true, false, false, 2],
        "compare": [-1, 1, 0, true, false],
        "copy": [[[4, "abcd."], [3, "..abc"], [2, "cd..."], [2, ".bc.."], [4, "abcd."]], "ababcd"],
        "fill": ["ababa", "01010101", "00e282ace282", "hihih", "02010201", "78000078", "000000"],
        "sharing": ["hEllo", true, 9, 3, 2, 104],
        "concat": ["abcd", "61620000", "ab", 0],
        "json": [{"type": "Buffer", "data": [104, 105]}, "hey", "0102"],
        "from": ["0100ff0100", "0102", "0700", "str", "prim", "val", "0200"]
    }"#,
        )
    );
}

#[test]
fn hostile_inputs_fail_cleanly() {
    let engine = engine();
    // Node 20's answers, but for two no-ops on a detached buffer that Node fails with
    // a TypeError (`fill` of it, `concat` with it): it holds no bytes to touch.
    assert_eq!(
        ok(&engine, HOSTILE, "null"),
        answer(
            r#"{
        "proxies": [["ok", "01022c"], ["SyntaxError", null], ["TypeError", null], ["TypeError", null], ["TypeError", "ERR_INVALID_ARG_TYPE"], ["TypeError", "ERR_INVALID_ARG_TYPE"]],
        "throwing": [["EvalError", null], ["URIError", null], ["EvalError", null], ["EvalError", null], ["EvalError", null], ["RangeError", null]],
        "detachedSource": [0, ["TypeError", null], ["ok", ""], ["ok", ""], ["ok", ""], ["RangeError", "ERR_BUFFER_OUT_OF_BOUNDS"], ["ok", 0], ["ok", 0], ["ok", -1], ["ok", true], ["ok", {"type": "Buffer", "data": []}], ["ok", "61"], ["ok", 0]],
        "detachedTarget": [["ok", 0], ["ok", 0], ["ok", ""]],
        "reentrant": ["ok", "01010101"],
        "sizes": [["RangeError", "ERR_OUT_OF_RANGE"], ["RangeError", "ERR_OUT_OF_RANGE"], ["RangeError", "ERR_OUT_OF_RANGE"], ["RangeError", "ERR_OUT_OF_RANGE"], ["ok", ""], ["RangeError", "ERR_OUT_OF_RANGE"], ["ok", "00"], ["TypeError", "ERR_INVALID_ARG_TYPE"], ["TypeError", "ERR_INVALID_ARG_TYPE"]],
        "arrayLikes": [["RangeError", null], ["ok", ""], ["ok", ""], ["ok", "0102"]],
        "offsets": [[["RangeError", "ERR_OUT_OF_RANGE"], ["RangeError", "ERR_OUT_OF_RANGE"], ["RangeError", "ERR_OUT_OF_RANGE"], ["ok", "abcd"], ["ok", "64"], ["ok", -1], ["RangeError", "ERR_OUT_OF_RANGE"], ["RangeError", "ERR_OUT_OF_RANGE"], ["RangeError", null]], [["RangeError", "ERR_OUT_OF_RANGE"], ["RangeError", "ERR_OUT_OF_RANGE"], ["RangeError", "ERR_OUT_OF_RANGE"], ["ok", "abcd"], ["ok", "61626364"], ["ok", 2], ["ok", 4], ["RangeError", "ERR_OUT_OF_RANGE"], ["ok", "00000000"]], [["RangeError", "ERR_OUT_OF_RANGE"], ["RangeError", "ERR_OUT_OF_RANGE"], ["RangeError", "ERR_OUT_OF_RANGE"], ["ok", "bcd"], ["ok", "626364"], ["ok", 2], ["ok", 3], ["RangeError", "ERR_OUT_OF_RANGE"], ["ok", "0000"]], [["RangeError", "ERR_OUT_OF_RANGE"], ["RangeError", "ERR_OUT_OF_RANGE"], ["RangeError", "ERR_OUT_OF_RANGE"], ["ok", "abcd"], ["ok", "61626364"], ["ok", 2], ["RangeError", "ERR_OUT_OF_RANGE"], ["RangeError", "ERR_OUT_OF_RANGE"], ["ok", "00000000"]], [["RangeError", "ERR_OUT_OF_RANGE"], ["RangeError", "ERR_OUT_OF_RANGE"], ["RangeError", "ERR_OUT_OF_RANGE"], ["ok", ""], ["ok", ""], ["ok", -1], ["ok", 4], ["RangeError", "ERR_OUT_OF_RANGE"], ["RangeError", "ERR_BUFFER_OUT_OF_BOUNDS"]], [["RangeError", "ERR_OUT_OF_RANGE"], ["RangeError", "ERR_OUT_OF_RANGE"], ["RangeError", "ERR_OUT_OF_RANGE"], ["ok", "abcd"], ["ok", "61626364"], ["ok", 2], ["ok", 4], ["RangeError", "ERR_OUT_OF_RANGE"], ["RangeError", null]], [["RangeError", "ERR_OUT_OF_RANGE"], ["RangeError", "ERR_OUT_OF_RANGE"], ["RangeError", "ERR_OUT_OF_RANGE"], ["ok", ""], ["ok", ""], ["ok", -1], ["ok", 0], ["RangeError", "ERR_OUT_OF_RANGE"], ["RangeError", "ERR_BUFFER_OUT_OF_BOUNDS"]], [["TypeError", "ERR_INVALID_ARG_TYPE"], ["TypeError", "ERR_INVALID_ARG_TYPE"], ["TypeError", "ERR_UNKNOWN_ENCODING"], ["ok", "abcd"], ["ok", "61626364"], ["TypeError", "ERR_UNKNOWN_ENCODING"], ["ok", 4], ["TypeError", "ERR_INVALID_ARG_TYPE"], ["ok", "00000000"]], [["TypeError", "ERR_INVALID_ARG_TYPE"], ["TypeError", "ERR_INVALID_ARG_TYPE"], ["TypeError", "ERR_INVALID_ARG_TYPE"], ["ok", "abcd"], ["ok", "61626364"], ["ok", 2], ["ok", 4], ["TypeError", "ERR_INVALID_ARG_TYPE"], ["ok", "00000000"]]]
    }"#,
        )
    );
    // Sizes past what QuickJS allocates are RangeErrors; sizes past the job's memory
    // are its memory limit, after which the worker serves the next job.
    assert_eq!(
        ok(
            &engine,
            "export default () => [() => Buffer.alloc(2 ** 32), () => Buffer.allocUnsafe(3 * 2 ** 30),
                () => Buffer.concat(new Array(3000).fill(Buffer.alloc(2 ** 20)))]
                .map((f) => { try { return f().length; } catch (e) { return e.name; } })",
            "null"
        ),
        json!(["RangeError", "RangeError", "RangeError"])
    );
    fails(
        &engine,
        "export default () => Buffer.alloc(1.5e9).length",
        "null",
        ErrorKind::Memory,
    );
    assert_eq!(
        ok(
            &engine,
            "export default () => Buffer.from('still fine').toString('base64')",
            "null"
        ),
        json!("c3RpbGwgZmluZQ==")
    );
}
