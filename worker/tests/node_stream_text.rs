//! Node's `string_decoder`, `querystring`, `timers`, `timers/promises`, legacy `url` and
//! `stream` built-ins, loaded by `require`, `import` and their `node:` names, each job's
//! value compared with what Node 20 gives for the same job (the `*_NODE` constants
//! below are Node's output, one top-level element a line).

mod common;

use common::*;
use serde_json::{Value, json};
use warren_wire::ErrorKind;
use warren_worker::sandbox::PoolLimits;

/// Node's answer, parsed.
#[track_caller]
fn node(answer: &str) -> Value {
    serde_json::from_str(answer).expect("Node's answer is JSON")
}

#[test]
fn string_decoder_decodes_as_nodes_does() {
    let engine = engine_with(
        1,
        PoolLimits::default(),
        &["string_decoder", "node:string_decoder"],
    );
    assert_eq!(ok(&engine, SD_JOB, "null"), node(SD_NODE));
    assert_eq!(ok(&engine, SD_ESM_JOB, "null"), node(SD_ESM_NODE));
}

#[test]
fn querystring_parses_and_stringifies_as_nodes_does() {
    let engine = engine_with(
        1,
        PoolLimits::default(),
        &["querystring", "node:querystring"],
    );
    assert_eq!(ok(&engine, QS_JOB, "null"), node(QS_NODE));
    assert_eq!(
        ok(&engine, QS_ESM_JOB, r#"{"q":"a=1&b=x+y&a=%C3%A9"}"#),
        node(QS_ESM_NODE)
    );
}

#[test]
fn timers_and_timer_promises_behave_as_nodes() {
    let engine = engine_with(
        1,
        PoolLimits::default(),
        &[
            "timers",
            "node:timers",
            "timers/promises",
            "node:timers/promises",
        ],
    );
    assert_eq!(ok(&engine, TIMERS_JOB, "null"), node(TIMERS_NODE));
    assert_eq!(ok(&engine, TIMERS_ESM_JOB, "null"), node(TIMERS_ESM_NODE));
}

#[test]
fn url_parse_gives_what_nodes_legacy_parser_gives() {
    let engine = engine_with(1, PoolLimits::default(), &["url"]);
    assert_eq!(ok(&engine, URLPARSE_JOB, "null"), node(URLPARSE_NODE));
    assert_eq!(ok(&engine, URLPARSE2_JOB, "null"), node(URLPARSE2_NODE));
}

#[test]
fn url_format_resolve_and_file_urls_match_node() {
    let engine = engine_with(1, PoolLimits::default(), &["url", "node:url"]);
    assert_eq!(ok(&engine, URLMISC_JOB, "null"), node(URLMISC_NODE));
    assert_eq!(
        ok(
            &engine,
            URL_ESM_JOB,
            r#""HTTP://Example.com/a/b/c?x=1&x=2#frag""#
        ),
        node(URL_ESM_NODE)
    );
}

#[test]
fn stream_transform_pipelines_in_object_and_byte_mode() {
    let engine = engine_with(1, PoolLimits::default(), &["stream"]);
    assert_eq!(ok(&engine, STREAM1_JOB, "null"), node(STREAM1_NODE));
}

#[test]
fn stream_backpressure_drain_and_writev() {
    let engine = engine_with(1, PoolLimits::default(), &["stream"]);
    assert_eq!(ok(&engine, STREAM2_JOB, "null"), node(STREAM2_NODE));
}

/// sax's stream is an old-style `Stream` subclass (`Stream.apply(this)`, a prototype
/// from `Object.create`); many packages chain prototypes as `util.inherits` does and
/// call `Transform.call(this)`.
#[test]
fn stream_old_style_subclasses_work_as_sax_writes_them() {
    let engine = engine_with(1, PoolLimits::default(), &["stream"]);
    assert_eq!(ok(&engine, STREAM3_JOB, "null"), node(STREAM3_NODE));
}

#[test]
fn stream_async_iteration_and_readable_from() {
    let engine = engine_with(1, PoolLimits::default(), &["stream", "node:stream"]);
    assert_eq!(ok(&engine, STREAM4_ESM_JOB, "null"), node(STREAM4_ESM_NODE));
}

#[test]
fn stream_pipeline_and_finished_with_callbacks_and_promises() {
    let engine = engine_with(1, PoolLimits::default(), &["node:stream"]);
    assert_eq!(ok(&engine, STREAM5_JOB, "null"), node(STREAM5_NODE));
}

#[test]
fn stream_promises_module() {
    let engine = engine_with(
        1,
        PoolLimits::default(),
        &[
            "stream",
            "node:stream",
            "stream/promises",
            "node:stream/promises",
        ],
    );
    assert_eq!(
        ok(&engine, STREAMPROMISES_JOB, "null"),
        node(STREAMPROMISES_NODE)
    );
    assert_eq!(
        ok(&engine, STREAMPROMISES_ESM_JOB, "null"),
        node(STREAMPROMISES_ESM_NODE)
    );
}

/// Hostile inputs give clean errors or Node's answers. One difference from Node, on
/// purpose: a `_transform` that throws becomes the stream's 'error' (Node lets the
/// exception escape `write`, which in a pipeline ends the process); Node's answer here
/// is for a `_transform` that fails through its callback instead.
#[test]
fn hostile_inputs() {
    let engine = engine_with(
        1,
        PoolLimits::default(),
        &["querystring", "url", "string_decoder", "stream"],
    );
    assert_eq!(ok(&engine, HOSTILE_JOB, "null"), node(HOSTILE_NODE));
    // A detached buffer is empty; a number, a plain object or a Proxy is no buffer.
    assert_eq!(
        ok(&engine, DETACHED_JOB, "null"),
        json!([
            "",
            "",
            [
                "ERR_INVALID_ARG_TYPE",
                "ERR_INVALID_ARG_TYPE",
                "ERR_INVALID_ARG_TYPE"
            ]
        ])
    );
    // A stream 'error' nobody listens for fails the job, as it ends a Node process.
    let message = fails(&engine, UNCAUGHT_JOB, "null", ErrorKind::Exception);
    assert!(message.contains("nobody listens"), "{message}");
}

const DETACHED_JOB: &str = r#"const { StringDecoder } = require('string_decoder');
module.exports = () => {
  const bytes = new Uint8Array([0x61, 0x62]);
  bytes.buffer.transfer();
  const d = new StringDecoder('utf8');
  const bad = [5, {}, new Proxy([], {})].map((v) => {
    try { d.write(v); return 'no error'; } catch (e) { return e.code; }
  });
  return [d.write(bytes), d.end(bytes), bad];
};"#;

const SD_JOB: &str = r#"const { StringDecoder } = require('string_decoder');
module.exports = () => {
  const codes = (s) => Array.from({ length: s.length }, (_, i) => s.charCodeAt(i));
  const run = (enc, chunks) => {
    const d = new StringDecoder(enc);
    const out = chunks.map((c) => d.write(new Uint8Array(c)));
    out.push(d.end());
    return out;
  };
  return [
    run('utf8', [[0xe2], [0x82], [0xac, 0x41]]),
    run('utf8', [[0xf0, 0x9f], [0x98, 0x80]]),
    run('utf8', [[0xe2], [0x41]]),
    run('utf8', [[0xe0, 0x80], [0x80]]),
    run('utf8', [[0xf0, 0x9f]]),
    run('utf8', [[0xff, 0x41, 0xc3]]),
    run('utf8', [[0xef, 0xbb, 0xbf, 0x68, 0x69]]),
    run('utf16le', [[0x3d], [0xd8, 0x00], [0xde, 0x41]]).map(codes),
    run('ucs2', [[0x3d, 0xd8]]).map(codes),
    run('utf-16le', [[0x41, 0x00, 0x42]]),
    run('base64', [[1], [2], [3, 4]]),
    run('base64url', [[0xfb, 0xff], [0xfe]]),
    run('hex', [[0, 15, 255]]),
    run('latin1', [[0xe9, 0x41]]),
    run('ascii', [[0xe9, 0x41]]),
    [new StringDecoder().encoding, new StringDecoder('UTF-8').encoding, new StringDecoder('binary').encoding, new StringDecoder('UCS-2').encoding],
    new StringDecoder('utf8').write('already text'),
    new StringDecoder('hex').end(new Uint8Array([1, 2])),
    new StringDecoder('utf8').write(new Uint16Array([0x4241])),
    new StringDecoder('utf8').write(new DataView(new Uint8Array([0xe2, 0x82, 0xac]).buffer)),
  ];
};"#;

const SD_NODE: &str = r#"[
["","","€A",""],
["","😀",""],
["","�A",""],
["","���",""],
["","�"],
["�A","�"],
["\ufeffhi",""],
[[],[55357],[56832],[]],
[[],[55357]],
["A",""],
["","","AQID","BA=="],
["","-__-",""],
["000fff",""],
["éA",""],
["iA",""],
["utf8","utf8","latin1","utf16le"],
"already text",
"0102",
"AB",
"€"
]"#;

const SD_ESM_JOB: &str = r#"import { StringDecoder } from 'node:string_decoder';
import sd from 'string_decoder';
export default () => {
  const d = new StringDecoder('utf8');
  const euro = [0xe2, 0x82, 0xac];
  return [euro.map((b) => d.write(new Uint8Array([b]))).join('|'), d.end(), sd.StringDecoder === StringDecoder];
};"#;

const SD_ESM_NODE: &str = r#"["||€","",true]"#;

const QS_JOB: &str = r#"const qs = require('querystring');
module.exports = () => [
  [Object.getPrototypeOf(qs.parse('a=1')) === null, qs.parse('a=1&b=2&a=3&c&d=&=e&&f=g=h')],
  qs.parse('a+b=c+d&%zz=%E4%zz&x=%41%42'),
  qs.parse('a:1;b:2', ';', ':'),
  qs.parse('a=1&&b=2&c=3', null, null, { maxKeys: 2 }),
  qs.parse('x=1&y=2', '&', '=', { maxKeys: 0 }),
  qs.parse('__proto__=1&constructor=2&hasOwnProperty=3&hasOwnProperty=4'),
  qs.parse('a=%F0%9F%98%80&b=%uD83D&c=%&d=%E4%B8%AD%41%zz&e=%zz中'),
  qs.parse('a=1&b=%41&c+d=x', null, null, { decodeURIComponent: (s) => s.toUpperCase() }),
  qs.parse('a=%zz', null, null, { decodeURIComponent }),
  [qs.parse(''), qs.parse(5), qs.parse('a51b52', 5, 6)],
  qs.stringify({ a: [1, 2], b: 'x y', c: true, d: null, e: undefined, f: {}, g: NaN, i: -0, j: 10n, k: "é!*()'~", l: 1.5e21 }),
  qs.stringify({ a: 1, b: [2, 3] }, ';', ':'),
  qs.stringify({ a: 'b c', n: 1 }, null, null, { encodeURIComponent: (s) => '<' + s + '>' }),
  [qs.stringify('x'), qs.stringify(null), qs.stringify([1, 2]), qs.stringify({ a: [] })],
  [qs.escape('a b&c/é😀'), qs.escape(123), qs.escape({ toString() { return 'x y'; } })],
  [qs.unescape('a+b%20c%zz%e4'), qs.unescape('%E4%B8%AD'), qs.unescape('%'), qs.unescape('%41%')],
  Array.from(qs.unescapeBuffer('a%20b+c', true)),
  [qs.decode === qs.parse, qs.encode === qs.stringify],
];"#;

const QS_NODE: &str = r#"[
[true,{"a":["1","3"],"b":"2","c":"","d":"","":"e","f":"g=h"}],
{"a b":"c d","%zz":"�%zz","x":"AB"},
{"a":"1","b":"2"},
{"a":"1"},
{"x":"1","y":"2"},
{"__proto__":"1","constructor":"2","hasOwnProperty":["3","4"]},
{"a":"😀","b":"%uD83D","c":"%","d":"中A%zz","e":"%zz中"},
{"A":"1","B":"%41","C%20D":"X"},
{"a":"%zz"},
[{},{},{"2":"","a":"","1b":""}],
"a=1&a=2&b=x%20y&c=true&d=&e=&f=&g=&i=0&j=10&k=%C3%A9!*()'~&l=1.5e%2B21",
"a:1;b:2;b:3",
"<a>=<b c>&<n>=<1>",
["","","0=1&1=2",""],
["a%20b%26c%2F%C3%A9%F0%9F%98%80","123","x%20y"],
["a+b c%zz�","中","%","A%"],
[97,32,98,32,99],
[true,true]
]"#;

const QS_ESM_JOB: &str = r#"import { parse, stringify, escape } from 'node:querystring';
import qs from 'querystring';
export default (input) => [parse(input.q), stringify(parse(input.q)), escape('?&='), qs.parse === parse];"#;

const QS_ESM_NODE: &str = r#"[{"a":["1","é"],"b":"x y"},"a=1&a=%C3%A9&b=x%20y","%3F%26%3D",true]"#;

const TIMERS_JOB: &str = r#"const timers = require('timers');
const tp = require('timers/promises');
module.exports = async () => {
  const out = [timers.setTimeout === setTimeout, timers.clearInterval === clearInterval, typeof timers.setImmediate, typeof timers.clearImmediate, timers.promises === tp];
  out.push(await tp.setTimeout(5, 'v'), await tp.setImmediate('i'), await tp.setTimeout(1) === undefined);
  const ac = new AbortController();
  ac.abort();
  try { await tp.setTimeout(10, 'x', { signal: ac.signal }); } catch (e) { out.push([e.name, e.code, e.message, e instanceof Error]); }
  try { await tp.setImmediate('x', { signal: ac.signal }); } catch (e) { out.push(e.name); }
  const ac2 = new AbortController();
  setTimeout(() => ac2.abort('why'), 5);
  try { await tp.setTimeout(60000, 'x', { signal: ac2.signal }); } catch (e) { out.push([e.name, e.code, e.cause]); }
  for (const bad of [5, { signal: 5 }, { ref: 5 }, null, []]) {
    try { await tp.setTimeout(1, 'x', bad); } catch (e) { out.push(e.code); }
  }
  try { await tp.setTimeout('abc'); } catch (e) { out.push(e.code); }
  const ticks = [];
  for await (const v of tp.setInterval(2, 'tick')) { ticks.push(v); if (ticks.length === 3) break; }
  out.push(ticks);
  const ac3 = new AbortController();
  setTimeout(() => ac3.abort(), 12);
  let seen = 0;
  try { for await (const v of tp.setInterval(4, 't', { signal: ac3.signal })) seen++; } catch (e) { out.push([e.name, seen > 0]); }
  out.push(await tp.scheduler.wait(2), await tp.scheduler.yield());
  let fired = false;
  const handle = timers.setImmediate(() => { fired = true; });
  timers.clearImmediate(handle);
  await tp.setTimeout(3);
  out.push(fired);
  return out;
};"#;

const TIMERS_NODE: &str = r#"[
true,
true,
"function",
"function",
true,
"v",
"i",
true,
["AbortError","ABORT_ERR","The operation was aborted",true],
"AbortError",
["AbortError","ABORT_ERR","why"],
"ERR_INVALID_ARG_TYPE",
"ERR_INVALID_ARG_TYPE",
"ERR_INVALID_ARG_TYPE",
"ERR_INVALID_ARG_TYPE",
"ERR_INVALID_ARG_TYPE",
"ERR_INVALID_ARG_TYPE",
["tick","tick","tick"],
["AbortError",true],
null,
null,
false
]"#;

const TIMERS_ESM_JOB: &str = r#"import { setTimeout as sleep, setInterval as every } from 'node:timers/promises';
import { setTimeout as later } from 'node:timers';
import timers from 'timers';
export default async () => {
  const order = [];
  later(() => order.push('timer'), 1);
  order.push(await sleep(5, 'slept'));
  const it = every(1, 'x');
  order.push((await it.next()).value, (await it.return()).done);
  return [order, typeof timers.promises.setTimeout];
};"#;

const TIMERS_ESM_NODE: &str = r#"[["timer","slept","x",true],"function"]"#;

const URLPARSE_JOB: &str = r#"const url = require('url');
const inputs = [
  'http://user:pa%20ss@Host.COM:8080/p/a/t/h?query=string#hash', 'https://example.com', 'HTTP://EXAMPLE.com:80/A/b?c#D',
  '/a/b?x=1&y=2', '//host/path', 'relative/path.html', '?just=query', '#just-hash', '', '  \t http://trim.me/  \n',
  'mailto:User@Example.COM', 'mailto:a@b.com?subject=hi%20there', 'javascript:alert("x y")', 'tel:+1-555-0100', 'urn:isbn:0451450523',
  'file:///etc/passwd', 'file://host/share/x', 'ftp://ftp.example.org/pub/', 'data:text/plain,hi there', 'git+ssh://git@github.com:npm/cli.git',
  'http://[::1]:3000/x?y', 'http://[2001:db8::7]/c=GB?objectClass?one', 'http://a@b@c.com/', 'http://@a.com', 'http://:80/',
  'http://a.com:b/', 'http://a b.com/c d', 'http://a.com/p"q<r>s`t{u|v}w^x\'y', 'http:\\\\evil.com\\path\\x?q\\1#h\\2', 'http://münchen.de/straße',
  'http://xn--mnchen-3ya.de/', 'redis://:secret@localhost:6379/0', 'postgres://u:p@db:5432/app?ssl=true', 'x://y', 'x:y', 'http://a.com#x?y',
  'http://a.com?q#h', 'http://user@', 'HTTPS://A.COM:443/X?Y=1#Z', 'www.example.com/path', 'localhost:3000/api', 'http://a.com/%7e/%zz',
];
module.exports = () => inputs.map((u) => url.parse(u));"#;

const URLPARSE_NODE: &str = r##"[
{"protocol":"http:","slashes":true,"auth":"user:pa ss","host":"host.com:8080","port":"8080","hostname":"host.com","hash":"#hash","search":"?query=string","query":"query=string","pathname":"/p/a/t/h","path":"/p/a/t/h?query=string","href":"http://user:pa%20ss@host.com:8080/p/a/t/h?query=string#hash"},
{"protocol":"https:","slashes":true,"auth":null,"host":"example.com","port":null,"hostname":"example.com","hash":null,"search":null,"query":null,"pathname":"/","path":"/","href":"https://example.com/"},
{"protocol":"http:","slashes":true,"auth":null,"host":"example.com:80","port":"80","hostname":"example.com","hash":"#D","search":"?c","query":"c","pathname":"/A/b","path":"/A/b?c","href":"http://example.com:80/A/b?c#D"},
{"protocol":null,"slashes":null,"auth":null,"host":null,"port":null,"hostname":null,"hash":null,"search":"?x=1&y=2","query":"x=1&y=2","pathname":"/a/b","path":"/a/b?x=1&y=2","href":"/a/b?x=1&y=2"},
{"protocol":null,"slashes":null,"auth":null,"host":null,"port":null,"hostname":null,"hash":null,"search":null,"query":null,"pathname":"//host/path","path":"//host/path","href":"//host/path"},
{"protocol":null,"slashes":null,"auth":null,"host":null,"port":null,"hostname":null,"hash":null,"search":null,"query":null,"pathname":"relative/path.html","path":"relative/path.html","href":"relative/path.html"},
{"protocol":null,"slashes":null,"auth":null,"host":null,"port":null,"hostname":null,"hash":null,"search":"?just=query","query":"just=query","pathname":null,"path":"?just=query","href":"?just=query"},
{"protocol":null,"slashes":null,"auth":null,"host":null,"port":null,"hostname":null,"hash":"#just-hash","search":null,"query":null,"pathname":null,"path":null,"href":"#just-hash"},
{"protocol":null,"slashes":null,"auth":null,"host":null,"port":null,"hostname":null,"hash":null,"search":null,"query":null,"pathname":null,"path":null,"href":""},
{"protocol":"http:","slashes":true,"auth":null,"host":"trim.me","port":null,"hostname":"trim.me","hash":null,"search":null,"query":null,"pathname":"/","path":"/","href":"http://trim.me/"},
{"protocol":"mailto:","slashes":null,"auth":"User","host":"example.com","port":null,"hostname":"example.com","hash":null,"search":null,"query":null,"pathname":null,"path":null,"href":"mailto:User@example.com"},
{"protocol":"mailto:","slashes":null,"auth":"a","host":"b.com","port":null,"hostname":"b.com","hash":null,"search":"?subject=hi%20there","query":"subject=hi%20there","pathname":null,"path":"?subject=hi%20there","href":"mailto:a@b.com?subject=hi%20there"},
{"protocol":"javascript:","slashes":null,"auth":null,"host":null,"port":null,"hostname":null,"hash":null,"search":null,"query":null,"pathname":"alert(\"x y\")","path":"alert(\"x y\")","href":"javascript:alert(\"x y\")"},
{"protocol":"tel:","slashes":null,"auth":null,"host":"+1-555-0100","port":null,"hostname":"+1-555-0100","hash":null,"search":null,"query":null,"pathname":null,"path":null,"href":"tel:+1-555-0100"},
{"protocol":"urn:","slashes":null,"auth":null,"host":"isbn:0451450523","port":"0451450523","hostname":"isbn","hash":null,"search":null,"query":null,"pathname":null,"path":null,"href":"urn:isbn:0451450523"},
{"protocol":"file:","slashes":true,"auth":null,"host":"","port":null,"hostname":"","hash":null,"search":null,"query":null,"pathname":"/etc/passwd","path":"/etc/passwd","href":"file:///etc/passwd"},
{"protocol":"file:","slashes":true,"auth":null,"host":"host","port":null,"hostname":"host","hash":null,"search":null,"query":null,"pathname":"/share/x","path":"/share/x","href":"file://host/share/x"},
{"protocol":"ftp:","slashes":true,"auth":null,"host":"ftp.example.org","port":null,"hostname":"ftp.example.org","hash":null,"search":null,"query":null,"pathname":"/pub/","path":"/pub/","href":"ftp://ftp.example.org/pub/"},
{"protocol":"data:","slashes":null,"auth":null,"host":"text","port":null,"hostname":"text","hash":null,"search":null,"query":null,"pathname":"/plain,hi%20there","path":"/plain,hi%20there","href":"data:text/plain,hi%20there"},
{"protocol":"git+ssh:","slashes":true,"auth":"git","host":"github.com","port":null,"hostname":"github.com","hash":null,"search":null,"query":null,"pathname":"/:npm/cli.git","path":"/:npm/cli.git","href":"git+ssh://git@github.com/:npm/cli.git"},
{"protocol":"http:","slashes":true,"auth":null,"host":"[::1]:3000","port":"3000","hostname":"::1","hash":null,"search":"?y","query":"y","pathname":"/x","path":"/x?y","href":"http://[::1]:3000/x?y"},
{"protocol":"http:","slashes":true,"auth":null,"host":"[2001:db8::7]","port":null,"hostname":"2001:db8::7","hash":null,"search":"?objectClass?one","query":"objectClass?one","pathname":"/c=GB","path":"/c=GB?objectClass?one","href":"http://[2001:db8::7]/c=GB?objectClass?one"},
{"protocol":"http:","slashes":true,"auth":"a@b","host":"c.com","port":null,"hostname":"c.com","hash":null,"search":null,"query":null,"pathname":"/","path":"/","href":"http://a%40b@c.com/"},
{"protocol":"http:","slashes":true,"auth":"","host":"a.com","port":null,"hostname":"a.com","hash":null,"search":null,"query":null,"pathname":"/","path":"/","href":"http://a.com/"},
{"protocol":"http:","slashes":true,"auth":null,"host":":80","port":"80","hostname":"","hash":null,"search":null,"query":null,"pathname":"/","path":"/","href":"http://:80/"},
{"protocol":"http:","slashes":true,"auth":null,"host":"a.com","port":null,"hostname":"a.com","hash":null,"search":null,"query":null,"pathname":"/:b/","path":"/:b/","href":"http://a.com/:b/"},
{"protocol":"http:","slashes":true,"auth":null,"host":"a","port":null,"hostname":"a","hash":null,"search":null,"query":null,"pathname":"%20b.com/c%20d","path":"%20b.com/c%20d","href":"http://a/%20b.com/c%20d"},
{"protocol":"http:","slashes":true,"auth":null,"host":"a.com","port":null,"hostname":"a.com","hash":null,"search":null,"query":null,"pathname":"/p%22q%3Cr%3Es%60t%7Bu%7Cv%7Dw%5Ex%27y","path":"/p%22q%3Cr%3Es%60t%7Bu%7Cv%7Dw%5Ex%27y","href":"http://a.com/p%22q%3Cr%3Es%60t%7Bu%7Cv%7Dw%5Ex%27y"},
{"protocol":"http:","slashes":true,"auth":null,"host":"evil.com","port":null,"hostname":"evil.com","hash":"#h%5C2","search":"?q%5C1","query":"q%5C1","pathname":"/path/x","path":"/path/x?q%5C1","href":"http://evil.com/path/x?q%5C1#h%5C2"},
{"protocol":"http:","slashes":true,"auth":null,"host":"xn--mnchen-3ya.de","port":null,"hostname":"xn--mnchen-3ya.de","hash":null,"search":null,"query":null,"pathname":"/straße","path":"/straße","href":"http://xn--mnchen-3ya.de/straße"},
{"protocol":"http:","slashes":true,"auth":null,"host":"xn--mnchen-3ya.de","port":null,"hostname":"xn--mnchen-3ya.de","hash":null,"search":null,"query":null,"pathname":"/","path":"/","href":"http://xn--mnchen-3ya.de/"},
{"protocol":"redis:","slashes":true,"auth":":secret","host":"localhost:6379","port":"6379","hostname":"localhost","hash":null,"search":null,"query":null,"pathname":"/0","path":"/0","href":"redis://:secret@localhost:6379/0"},
{"protocol":"postgres:","slashes":true,"auth":"u:p","host":"db:5432","port":"5432","hostname":"db","hash":null,"search":"?ssl=true","query":"ssl=true","pathname":"/app","path":"/app?ssl=true","href":"postgres://u:p@db:5432/app?ssl=true"},
{"protocol":"x:","slashes":true,"auth":null,"host":"y","port":null,"hostname":"y","hash":null,"search":null,"query":null,"pathname":null,"path":null,"href":"x://y"},
{"protocol":"x:","slashes":null,"auth":null,"host":"y","port":null,"hostname":"y","hash":null,"search":null,"query":null,"pathname":null,"path":null,"href":"x:y"},
{"protocol":"http:","slashes":true,"auth":null,"host":"a.com","port":null,"hostname":"a.com","hash":"#x?y","search":null,"query":null,"pathname":"/","path":"/","href":"http://a.com/#x?y"},
{"protocol":"http:","slashes":true,"auth":null,"host":"a.com","port":null,"hostname":"a.com","hash":"#h","search":"?q","query":"q","pathname":"/","path":"/?q","href":"http://a.com/?q#h"},
{"protocol":"http:","slashes":true,"auth":"user","host":"","port":null,"hostname":"","hash":null,"search":null,"query":null,"pathname":null,"path":null,"href":"http://"},
{"protocol":"https:","slashes":true,"auth":null,"host":"a.com:443","port":"443","hostname":"a.com","hash":"#Z","search":"?Y=1","query":"Y=1","pathname":"/X","path":"/X?Y=1","href":"https://a.com:443/X?Y=1#Z"},
{"protocol":null,"slashes":null,"auth":null,"host":null,"port":null,"hostname":null,"hash":null,"search":null,"query":null,"pathname":"www.example.com/path","path":"www.example.com/path","href":"www.example.com/path"},
{"protocol":"localhost:","slashes":null,"auth":null,"host":"3000","port":null,"hostname":"3000","hash":null,"search":null,"query":null,"pathname":"/api","path":"/api","href":"localhost:3000/api"},
{"protocol":"http:","slashes":true,"auth":null,"host":"a.com","port":null,"hostname":"a.com","hash":null,"search":null,"query":null,"pathname":"/%7e/%zz","path":"/%7e/%zz","href":"http://a.com/%7e/%zz"}
]"##;

const URLPARSE2_JOB: &str = r#"const url = require('url');
module.exports = () => [
  url.parse('http://x.com/p?a=1&a=2&b=%20c', true),
  url.parse('/only/path', true),
  url.parse('//host/p?q=1', false, true),
  url.parse('//host/p?q=1', true, true).query,
  Object.getPrototypeOf(url.parse('/p?x', true).query) === null,
  url.parse('http://a.com') instanceof url.Url,
  url.parse(url.parse('http://same.com')) instanceof url.Url,
];"#;

const URLPARSE2_NODE: &str = r#"[
{"protocol":"http:","slashes":true,"auth":null,"host":"x.com","port":null,"hostname":"x.com","hash":null,"search":"?a=1&a=2&b=%20c","query":{"a":["1","2"],"b":" c"},"pathname":"/p","path":"/p?a=1&a=2&b=%20c","href":"http://x.com/p?a=1&a=2&b=%20c"},
{"protocol":null,"slashes":null,"auth":null,"host":null,"port":null,"hostname":null,"hash":null,"search":null,"query":{},"pathname":"/only/path","path":"/only/path","href":"/only/path"},
{"protocol":null,"slashes":true,"auth":null,"host":"host","port":null,"hostname":"host","hash":null,"search":"?q=1","query":"q=1","pathname":"/p","path":"/p?q=1","href":"//host/p?q=1"},
{"q":"1"},
true,
true,
true
]"#;

const URLMISC_JOB: &str = r#"const url = require('url');
const err = (f) => { try { f(); return 'no error'; } catch (e) { return [e.name, e.code]; } };
module.exports = () => [
  url.format({ protocol: 'http', host: 'a.com', pathname: 'x?y#z', query: { a: [1, 2] }, hash: 'h' }),
  url.format({ protocol: 'http:', hostname: '::1', port: 80, search: 'a#b' }),
  url.format({ protocol: 'mailto', auth: 'a:b:c', hostname: 'x.com' }),
  url.format({ protocol: 'file', pathname: '/x' }),
  url.format({ protocol: 'https', hostname: 'example.com', pathname: '/a b', query: { q: 'c d', e: 'é' } }),
  url.format({ slashes: true, hostname: 'h', port: 8 }),
  url.format({}),
  url.format('HTTP://A.com/x y'),
  url.format(url.parse('http://u:p@h.com:1/p?q#f')),
  url.format(new URL('https://user:pw@xn--mnchen-3ya.de:81/p?q=1#h'), { fragment: false, search: false, unicode: true }),
  url.format(new URL('https://user:pw@a.com/p?q#h'), { auth: false }),
  url.format(new URL('mailto:x@y.com')),
  ['g', './g', 'g/', '/g', '//g', '?y', 'g?y', '#s', 'g#s', ';x', '', '.', '..', '../', '../g', '../..', '../../g', '../../../g', '/./g', '/../g', 'g.', '..g', './../g', 'g/./h', 'g/../h', 'http:g', 'https://x/y', 'mailto:z@w']
    .map((rel) => url.resolve('http://a/b/c/d;p?q', rel)),
  [url.resolve('/one/two/three', 'four'), url.resolve('http://example.com/', '/one'), url.resolve('http://example.com/one', '/two'),
    url.resolve('http://u:p@a.com/x/y', '../z'), url.resolve('mailto:a@b.com', 'c@d.com'), url.resolve('file:///a/b', '../c'), url.resolve('http://a.com/x', 'ftp://b.com/y')],
  url.resolveObject('mailto:local1@domain1', 'local2@domain2').href,
  [url.domainToASCII('español.com'), url.domainToASCII('xn--iñvalid.com'), url.domainToASCII('EXAMPLE.com'), url.domainToASCII('a b'), url.domainToUnicode('xn--espaol-zwa.com'), url.domainToUnicode('xn--fiq228c.xn--fiqs8s')],
  [url.fileURLToPath('file:///a%20b/c'), url.fileURLToPath(new URL('file://localhost/x/y#z')), url.pathToFileURL('/foo#1 b?c').href, url.pathToFileURL('/a%b/c/').href, url.pathToFileURL('/x/../y').href],
  url.urlToHttpOptions(new URL('https://u:p%20q@[::1]:8080/a/b?c=d#e')),
  [url.URL === URL, url.URLSearchParams === URLSearchParams, typeof url.Url, new url.Url().protocol],
  [err(() => url.fileURLToPath('http://x/y')), err(() => url.fileURLToPath('file://host/x')), err(() => url.fileURLToPath('file:///a%2Fb')), err(() => url.fileURLToPath(5)),
    err(() => url.parse(5)), err(() => url.parse('http://[::1')), err(() => url.format(5)), err(() => url.format({ auth: '\ud800', host: 'x' })), err(() => url.parse('http://%zz@a.com')), err(() => url.pathToFileURL(5))],
];"#;

const URLMISC_NODE: &str = r##"[
"http://a.com/x%3Fy%23z?a=1&a=2#h",
"http://[::1]:80?a%23b",
"mailto:a:b:c@x.com",
"file:///x",
"https://example.com/a b?q=c%20d&e=%C3%A9",
"//h:8",
"",
"http://a.com/x%20y",
"http://u:p@h.com:1/p?q#f",
"https://user:pw@münchen.de:81/p",
"https://a.com/p?q#h",
"mailto:x@y.com",
["http://a/b/c/g","http://a/b/c/g","http://a/b/c/g/","http://a/g","http://g/","http://a/b/c/d;p?y","http://a/b/c/g?y","http://a/b/c/d;p?q#s","http://a/b/c/g#s","http://a/b/c/;x","http://a/b/c/d;p?q","http://a/b/c/","http://a/b/","http://a/b/","http://a/b/g","http://a/","http://a/g","http://a/g","http://a/g","http://a/g","http://a/b/c/g.","http://a/b/c/..g","http://a/b/g","http://a/b/c/g/h","http://a/b/c/h","http://a/b/c/g","https://x/y","mailto:z@w"],
["/one/two/four","http://example.com/one","http://example.com/two","http://u:p@a.com/z","mailto:c@d.com","file:///c","ftp://b.com/y"],
"mailto:local2@domain2",
["xn--espaol-zwa.com","","example.com","","español.com","中文.中国"],
["/a b/c","/x/y","file:///foo%231%20b%3Fc","file:///a%25b/c/","file:///y"],
{"protocol":"https:","hostname":"::1","hash":"#e","search":"?c=d","pathname":"/a/b","path":"/a/b?c=d","href":"https://u:p%20q@[::1]:8080/a/b?c=d#e","port":8080,"auth":"u:p q"},
[true,true,"function",null],
[["TypeError","ERR_INVALID_URL_SCHEME"],["TypeError","ERR_INVALID_FILE_URL_HOST"],["TypeError","ERR_INVALID_FILE_URL_PATH"],["TypeError","ERR_INVALID_ARG_TYPE"],["TypeError","ERR_INVALID_ARG_TYPE"],["TypeError","ERR_INVALID_URL"],["TypeError","ERR_INVALID_ARG_TYPE"],["URIError","ERR_INVALID_URI"],["URIError",null],["TypeError","ERR_INVALID_ARG_TYPE"]]
]"##;

const URL_ESM_JOB: &str = r#"import { parse, format, resolve, fileURLToPath, pathToFileURL } from 'node:url';
import url from 'url';
export default (input) => [parse(input, true).query, format(parse(input)), resolve(input, '../up'), fileURLToPath(pathToFileURL('/tmp/x y')), url.parse === parse];"#;

const URL_ESM_NODE: &str = r#"[
{"x":["1","2"]},
"http://example.com/a/b/c?x=1&x=2#frag",
"http://example.com/a/up",
"/tmp/x y",
true
]"#;

const STREAM1_JOB: &str = r#"const { Readable, Writable, Transform, PassThrough, pipeline } = require('stream');
module.exports = async () => {
  const evens = new Transform({
    objectMode: true,
    transform(o, enc, cb) { if (o.n % 2 === 0) this.push({ ...o, sq: o.n * o.n }); cb(); },
    flush(cb) { cb(null, { done: true }); },
  });
  const rows = [];
  const sink = new Writable({ objectMode: true, write(o, e, cb) { rows.push(o); cb(); } });
  await new Promise((res, rej) => pipeline(Readable.from([1, 2, 3, 4, 5, 6].map((n) => ({ n }))), evens, sink, (err) => (err ? rej(err) : res())));
  class Lines extends Transform {
    constructor() { super({ readableObjectMode: true }); this.rest = ''; }
    _transform(chunk, enc, cb) {
      const parts = (this.rest + chunk.toString('utf8')).split('\n');
      this.rest = parts.pop();
      for (const p of parts) this.push(p);
      cb();
    }
    _flush(cb) { if (this.rest) this.push(this.rest); cb(); }
  }
  const lines = [];
  const upper = new Transform({ transform(c, e, cb) { cb(null, c.toString().toUpperCase()); } });
  const collect = new Writable({ objectMode: true, write(l, e, cb) { lines.push(l); cb(); } });
  await new Promise((res, rej) => pipeline(Readable.from(['al', 'pha\nbé', 'ta\n', 'gamma']), upper, new Lines(), collect, (err) => (err ? rej(err) : res())));
  const bytes = new PassThrough();
  bytes.setEncoding('utf8');
  let text = '';
  bytes.on('data', (s) => { text += s; });
  const euro = Buffer.from('€uro');
  bytes.write(euro.subarray(0, 1));
  bytes.write(euro.subarray(1, 2));
  bytes.end(euro.subarray(2));
  await new Promise((res) => bytes.on('end', res));
  const hex = new PassThrough({ encoding: 'hex' });
  hex.end('hi');
  return [rows, lines, text, hex.read(), bytes.readableEncoding];
};"#;

const STREAM1_NODE: &str = r#"[
[{"n":2,"sq":4},{"n":4,"sq":16},{"n":6,"sq":36},{"done":true}],
["ALPHA","BÉTA","GAMMA"],
"€uro",
"6869",
"utf8"
]"#;

const STREAM2_JOB: &str = r#"const { Readable, Writable } = require('stream');
module.exports = async () => {
  const log = [];
  const w = new Writable({ highWaterMark: 4, write(c, e, cb) { log.push('write:' + c); setTimeout(cb, 1); } });
  w.on('drain', () => log.push('drain'));
  log.push(w.write('ab'), w.write('cd'), w.writableLength, w.writableNeedDrain);
  await new Promise((res) => w.once('drain', res));
  log.push(w.write('e'));
  w.end('f', () => log.push('end callback'));
  await new Promise((res) => w.on('finish', res));
  log.push(w.writableFinished);
  let produced = 0;
  let maxQueued = 0;
  const src = new Readable({
    highWaterMark: 8,
    read() { if (produced < 40) { produced++; this.push('xxxx'); } else this.push(null); },
  });
  const slow = new Writable({
    highWaterMark: 8,
    write(c, e, cb) { maxQueued = Math.max(maxQueued, src.readableLength + slow.writableLength); setTimeout(cb, 0); },
  });
  src.pipe(slow);
  await new Promise((res) => slow.on('finish', res));
  const corked = [];
  const batch = new Writable({ writev(chunks, cb) { corked.push(chunks.map((c) => String(c.chunk)).join('+')); cb(); } });
  batch.cork(); batch.write('a'); batch.write('b'); batch.write('c'); batch.uncork(); batch.end();
  await new Promise((res) => batch.on('finish', res));
  return [log, produced, maxQueued <= 24, corked];
};"#;

const STREAM2_NODE: &str = r#"[
["write:ab",true,false,4,true,"write:cd","drain","write:e",true,"write:f","end callback",true],
40,
true,
["a+b+c"]
]"#;

const STREAM3_JOB: &str = r#"const Stream = require('stream');
const { Transform, Readable } = Stream;
// A SAX-style tokenizer written the way sax writes its stream: an old-style Stream
// subclass with write/end that emits events.
function TagStream() {
  if (!(this instanceof TagStream)) return new TagStream();
  Stream.apply(this);
  this.writable = true;
  this.readable = true;
  this.buffer = '';
}
TagStream.prototype = Object.create(Stream.prototype, { constructor: { value: TagStream } });
TagStream.prototype.write = function (chunk) {
  this.buffer += String(chunk);
  let m;
  while ((m = /^([^<]*)<(\/?)([a-z]+)[^>]*>/.exec(this.buffer))) {
    if (m[1].trim()) this.emit('text', m[1].trim());
    this.emit(m[2] ? 'closetag' : 'opentag', m[3]);
    this.buffer = this.buffer.slice(m[0].length);
  }
  return true;
};
TagStream.prototype.end = function (chunk) {
  if (chunk) this.write(chunk);
  this.emit('end');
};
// util.inherits-style: Transform.call(this) and the prototype chained by hand.
function Counter(options) {
  if (!(this instanceof Counter)) return new Counter(options);
  Transform.call(this, { ...options, readableObjectMode: true });
  this.count = 0;
}
Object.setPrototypeOf(Counter.prototype, Transform.prototype);
Object.setPrototypeOf(Counter, Transform);
Counter.prototype._transform = function (tag, enc, cb) {
  this.count++;
  cb(null, this.count + ':' + tag);
};
module.exports = async () => {
  const events = [];
  const tags = TagStream();
  tags.on('opentag', (n) => events.push('<' + n));
  tags.on('closetag', (n) => events.push('/' + n));
  tags.on('text', (t) => events.push('"' + t + '"'));
  const done = new Promise((res) => tags.on('end', res));
  Readable.from(['<root><it', 'em id="1">one</item><item>t', 'wo</item></root>']).pipe(tags);
  await done;
  const counter = Counter();
  const counted = [];
  counter.on('data', (c) => counted.push(c));
  for (const e of events.filter((x) => x.startsWith('<'))) counter.write(e.slice(1));
  counter.end();
  await new Promise((res) => counter.on('end', res));
  const legacyOut = [];
  const source = new Stream();
  source.readable = true;
  source.pipe(new Stream.Writable({ write(c, e, cb) { legacyOut.push(String(c)); cb(); } }));
  source.emit('data', 'old');
  source.emit('data', 'style');
  source.emit('end');
  await new Promise((res) => setTimeout(res, 5));
  return [events, counted, legacyOut, tags instanceof Stream, counter instanceof Transform, counter instanceof Stream.Writable, Stream.Stream === Stream];
};"#;

const STREAM3_NODE: &str = r#"[
["<root","<item","\"one\"","/item","<item","\"two\"","/item","/root"],
["1:root","2:item","3:item"],
["old","style"],
true,
true,
true,
true
]"#;

const STREAM4_ESM_JOB: &str = r#"import { Readable, PassThrough } from 'node:stream';
import stream from 'stream';
export default async () => {
  const out = [];
  for await (const chunk of Readable.from(['a', 'b', 'c'])) out.push(chunk);
  async function* gen() {
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 1));
      yield i;
    }
  }
  for await (const n of Readable.from(gen())) out.push(n);
  const p = new PassThrough();
  setTimeout(() => { p.write('x'); p.end('y'); }, 2);
  const chunks = [];
  for await (const c of p) chunks.push(c.toString());
  out.push(chunks.join(''));
  const early = Readable.from([1, 2, 3, 4]);
  for await (const n of early) if (n === 2) break;
  out.push(early.destroyed);
  const failing = new Readable({ read() { this.destroy(new Error('broken')); } });
  try {
    for await (const c of failing) out.push(c);
  } catch (e) {
    out.push(e.message);
  }
  const r = new Readable({ read() {} });
  r.push('pull');
  r.push(null);
  const pulled = await new Promise((res) => r.once('readable', () => res(String(r.read()))));
  out.push(pulled, stream.Readable === Readable, typeof stream.promises.pipeline);
  return out;
};"#;

const STREAM4_ESM_NODE: &str = r#"["a","b","c",0,1,2,"xy",true,"broken","pull",true,"function"]"#;

const STREAM5_JOB: &str = r#"const stream = require('node:stream');
const { Readable, Writable, Transform, PassThrough, pipeline, finished, promises } = stream;
module.exports = async () => {
  const out = [];
  const collected = [];
  const value = await promises.pipeline(
    Readable.from(['a', 'b']),
    async function* (source) { for await (const c of source) yield c.toUpperCase(); },
    new Writable({ objectMode: true, write(c, e, cb) { collected.push(c); cb(); } }),
  );
  out.push(collected, value === undefined);
  out.push(await promises.pipeline(['x', 'yy'], async (source) => { let n = 0; for await (const c of source) n += c.length; return n; }));
  const a = Readable.from(['1', '2', '3']);
  const b = new Transform({ transform(c, e, cb) { cb(String(c) === '2' ? new Error('bad row') : null, c); } });
  const c = new PassThrough();
  const err = await new Promise((res) => pipeline(a, b, c, res));
  out.push(err.message, a.destroyed, b.destroyed, c.destroyed);
  const w = new Writable({ write(chunk, e, cb) { cb(); } });
  const fin = new Promise((res) => finished(w, res));
  w.end('z');
  out.push((await fin) === undefined);
  const p = new PassThrough();
  const premature = new Promise((res) => finished(p, res));
  p.destroy();
  out.push((await premature).code);
  await promises.finished(Readable.from([1]).resume());
  out.push('finished ok');
  try { pipeline(new PassThrough(), () => {}); } catch (e) { out.push(e.code); }
  return out;
};"#;

const STREAM5_NODE: &str = r#"[
["A","B"],
true,
3,
"bad row",
true,
true,
true,
true,
"ERR_STREAM_PREMATURE_CLOSE",
"finished ok",
"ERR_MISSING_ARGS"
]"#;

const STREAMPROMISES_JOB: &str = r#"const { pipeline, finished } = require('stream/promises');
const { Readable, Writable } = require('stream');
module.exports = async () => {
  const got = [];
  await pipeline(Readable.from(['p', 'q']), new Writable({ objectMode: true, write(c, e, cb) { got.push(c); cb(); } }));
  const r = Readable.from(['z']).resume();
  await finished(r);
  return [got, r.readableEnded, typeof pipeline];
};"#;

const STREAMPROMISES_NODE: &str = r#"[["p","q"],true,"function"]"#;

const STREAMPROMISES_ESM_JOB: &str = r#"import { pipeline } from 'node:stream/promises';
import { Readable, PassThrough } from 'node:stream';
export default async () => {
  const sink = new PassThrough({ objectMode: true });
  const read = [];
  sink.on('data', (c) => read.push(c));
  await pipeline(Readable.from([1, 2]), async function* (src) { for await (const n of src) yield n * 10; }, sink);
  return read;
};"#;

const STREAMPROMISES_ESM_NODE: &str = r#"[10,20]"#;

const HOSTILE_JOB: &str = r#"const qs = require('querystring');
const url = require('url');
const { StringDecoder } = require('string_decoder');
const { Readable, Writable, Transform, PassThrough } = require('stream');
module.exports = async () => {
  const out = [];
  const thrown = (f) => { try { f(); return 'no error'; } catch (e) { return e.message; } };
  // A million pairs stop at maxKeys; long values and escapes are handled whole.
  out.push(qs.parse('k=v&'.repeat(1e6)).k.length);
  const distinct = Array.from({ length: 2000 }, (_, i) => 'k' + i + '=' + i).join('&');
  out.push(Object.keys(qs.parse(distinct)).length, Object.keys(qs.parse(distinct, null, null, { maxKeys: 0 })).length);
  out.push(qs.parse('a=' + 'x'.repeat(1e6)).a.length, qs.escape('é'.repeat(1e5)).length, qs.unescape('%zz'.repeat(1e5)).length);
  // Throwing getters and Proxies give their own errors.
  const trap = new Proxy({}, { get() { throw new Error('trap'); }, ownKeys() { throw new Error('keys'); } });
  out.push(thrown(() => url.format({ get protocol() { throw new Error('getter'); } })), thrown(() => url.format(trap)),
    thrown(() => qs.stringify(trap)), thrown(() => qs.parse('a=1', null, null, trap)));
  out.push(thrown(() => new StringDecoder(trap)), thrown(() => new StringDecoder('utf8').write(new Proxy(new Uint8Array(2), {}))));
  // Long URLs.
  out.push(url.parse('http://' + 'a'.repeat(1e5) + '/').hostname, url.parse('http://h/' + 'p'.repeat(1e6)).pathname.length,
    url.parse('/' + ' '.repeat(1e5)).pathname.length, url.resolve('http://a/' + 'b/'.repeat(1e4), '../'.repeat(2e4)));
  out.push(new StringDecoder('utf8').write(new Uint8Array(1e6).fill(0xe2)).length);
  // A Transform whose _transform throws emits 'error' rather than crashing.
  const t = new Transform({ transform() { throw new Error('transform failed'); } });
  const failed = new Promise((res) => t.on('error', (e) => res(e.message)));
  t.write('x');
  out.push(await failed, t.destroyed);
  // Writes made from inside a 'data' handler.
  const echo = new PassThrough({ objectMode: true });
  const seen = [];
  echo.on('data', (n) => { seen.push(n); if (n < 100) echo.write(n + 1); else echo.end(); });
  echo.write(0);
  await new Promise((res) => echo.on('end', res));
  out.push(seen.length);
  out.push(thrown(() => new Readable({ read() {} }).read(2 ** 31)));
  const w = new Writable({ write(c, e, cb) { cb(); } });
  out.push(thrown(() => w.write(new Proxy({}, {}))), thrown(() => w.write(null)));
  let total = 0;
  await new Promise((res) => Readable.from(Array.from({ length: 1e4 }, (_, i) => String(i % 10)))
    .pipe(new Writable({ write(c, e, cb) { total += c.length; cb(); } })).on('finish', res));
  out.push(total);
  return out;
};"#;

const HOSTILE_NODE: &str = r#"[
1000,
1000,
2000,
1000000,
600000,
300000,
"getter",
"trap",
"keys",
"trap",
"trap",
"The \"buf\" argument must be an instance of Buffer, TypedArray, or DataView. Received an instance of Uint8Array",
"",
1000001,
1,
"http://a/",
999999,
"transform failed",
true,
101,
"The value of \"size\" is out of range. It must be <= 1GiB. Received 2147483648",
"The \"chunk\" argument must be of type string or an instance of Buffer, TypedArray, or DataView. Received an instance of Object",
"May not write null values to stream",
10000
]"#;

const UNCAUGHT_JOB: &str = r#"const { Readable } = require('stream');
module.exports = async () => {
  const r = new Readable({ read() {} });
  r.destroy(new Error('nobody listens'));
  await new Promise((res) => setTimeout(res, 50));
  return 'finished';
};"#;
