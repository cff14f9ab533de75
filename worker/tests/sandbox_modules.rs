//! The allowed-module table and the built-in modules.

mod common;

use common::*;
use serde_json::json;
use warren_wire::ErrorKind;
use warren_worker::sandbox::Library;
use warren_worker::sandbox::PoolLimits;

#[test]
fn denied_imports_of_every_form() {
    let engine = engine();
    for code in [
        "import fs from 'fs'; export default () => 1",
        "import * as std from 'std'; export default () => 1",
        "import { open } from 'os'; export default () => 1",
        "import x from './local.js'; export default () => 1",
        "import x from '/etc/passwd'; export default () => 1",
        "import x from 'https://example.com/x.js'; export default () => 1",
        "import 'node:fs'; export default () => 1",
        "import c from 'Crypto'; export default () => 1",
        "export default async () => (await import('fs')).readFileSync",
        "module.exports = async () => (await import('child_process'))",
        "module.exports = () => require('fs')",
        "module.exports = () => require('process').env",
        "export default () => import('os')",
    ] {
        let message = fails(&engine, code, "null", ErrorKind::ModuleDenied);
        assert!(
            message.contains("allowed-module table"),
            "{code}: {message}"
        );
    }
}

/// Names match byte for byte: a name written with a NUL or another control character
/// is denied whole, in every form, never cut at the NUL to a name that is allowed.
#[test]
fn names_with_control_characters_are_denied_in_every_form() {
    let engine = engine();
    for code in [
        r"import { createHash } from 'crypto\0'; export default () => 1",
        r"import c from 'crypto\u0000'; export default () => 1",
        r"import 'url\x00'; export default () => 1",
        r"export { URL } from 'url\0'; export default () => 1",
        r"import c from 'crypto\n'; export default () => 1",
        r"export default async () => (await import('crypto\0')).createHash",
        r"export default async () => (await import(`crypto\u{0}`)).createHash",
        r"export default async () => `${(await import('url\0x')).URL}`",
        r"module.exports = () => require('crypto\0').randomUUID()",
        r"module.exports = () => require('crypto\0' + 'x').randomUUID()",
        r"module.exports = () => require('url\t').URL",
        // Computed at run time: the engine hands the name over as a C string, read
        // whole all the same.
        r"export default async () => (await import('crypto' + '\0')).createHash",
        r"export default async () => (await import(['url', String.fromCharCode(0), 'x'].join(''))).URL",
        r"await import('crypto' + String.fromCharCode(0)); export default () => 1",
        r"module.exports = async () => (await import('crypto' + '\0')).createHash",
        r"export default async () => (await import('cryp' + 'to\u0001')).createHash",
        r"module.exports = async () => (await import(['crypto', '\x1f'].join(''))).createHash",
    ] {
        let message = fails(&engine, code, "null", ErrorKind::ModuleDenied);
        assert!(
            message.contains("allowed-module table"),
            "{code}: {message}"
        );
    }
    // A string with a NUL elsewhere in the code, or a plain name, is no import.
    assert_eq!(
        ok(
            &engine,
            r"import { createHash } from 'crypto'; export default () => ['a\0b'.length, typeof createHash]",
            "null"
        ),
        json!([3, "function"])
    );
}

/// A module name that is not valid UTF-16 (a lone surrogate) is converted as
/// WHATWG does (U+FFFD), and so is no module: denied, not a failed conversion.
#[test]
fn names_with_lone_surrogates_are_denied() {
    let engine = engine();
    for code in [
        r"export default async () => (await import('crypto' + '\udc00')).createHash",
        r"module.exports = () => require('url\ud800').URL",
    ] {
        let message = fails(&engine, code, "null", ErrorKind::ModuleDenied);
        assert!(
            message.contains("allowed-module table"),
            "{code}: {message}"
        );
    }
}

/// A job may try as many names, as long, as it likes: each denial's message shows at
/// most the start of the name, and the host keeps no list of them.
#[test]
fn many_and_huge_denied_names_cost_the_host_nothing() {
    let engine = engine();
    let code = r"export default async () => {
        const huge = 'n'.repeat(10 << 20);
        let last = '';
        for (let i = 0; i < 20000; i++) {
            try { await import(i % 10000 ? 'no-such-' + i : huge) } catch (e) { last = e.message }
        }
        try { await import(huge) } catch (e) { return [e.name, e.message.length, last.length] }
    }";
    let value = ok(&engine, code, "null");
    assert_eq!(value[0], json!("ModuleDeniedError"), "{value}");
    let (huge, short) = (value[1].as_u64(), value[2].as_u64());
    assert!(huge.is_some_and(|len| len < 400), "{value}");
    assert!(short.is_some_and(|len| len < 80), "{value}");
    let code = format!("import '{}'; export default () => 1", "m".repeat(1 << 20));
    let message = fails(&engine, &code, "null", ErrorKind::ModuleDenied);
    assert!(message.len() < 400, "{} bytes", message.len());
}

#[test]
fn caught_denials_are_ok() {
    let engine = engine();
    assert_eq!(
        ok(
            &engine,
            "export default async () => { try { await import('fs') } catch (e) { return e.name } }",
            "null"
        ),
        json!("ModuleDeniedError")
    );
    assert_eq!(
        ok(
            &engine,
            "module.exports = () => { try { require('fs') } catch (e) { return 'caught' } }",
            "null"
        ),
        json!("caught")
    );
}

#[test]
fn table_is_per_pool() {
    let engine = engine_with(1, PoolLimits::default(), &["url"]);
    fails(
        &engine,
        "import { createHash } from 'crypto'; export default () => 1",
        "null",
        ErrorKind::ModuleDenied,
    );
    assert_eq!(
        ok(
            &engine,
            "import { URL } from 'url'; export default () => new URL('https://a.b/c').pathname",
            "null"
        ),
        json!("/c")
    );
}

#[test]
fn no_filesystem_process_or_environment() {
    let engine = engine();
    let value = ok(
        &engine,
        "export default () => [typeof require, typeof std, typeof os, typeof fetch, typeof Deno, typeof globalThis.scriptArgs, typeof print]",
        "null",
    );
    assert_eq!(value, serde_json::Value::from(vec!["undefined"; 7]));
    // `process` is Node's shape and nothing of the worker's.
    let value = ok(
        &engine,
        "export default () => [typeof process, Object.keys(process.env).length, process.argv.length, process.cwd(),
            process.pid === 1, (() => { try { process.exit(0); return 'ran'; } catch (e) { return 'refused'; } })()]",
        "null",
    );
    assert_eq!(value, json!(["object", 0, 0, "/", true, "refused"]));
}

#[test]
fn crypto_hashes_match_known_vectors() {
    let engine = engine();
    let code = "import { createHash, createHmac } from 'crypto'; export default () => ({
        sha256: createHash('sha256').update('abc').digest('hex'),
        sha1: createHash('sha1').update('abc').digest('hex'),
        md5: createHash('md5').update('a').update('bc').digest('hex'),
        sha512: createHash('sha512').update('abc').digest('base64'),
        hmac: createHmac('sha256', 'key').update('The quick brown fox jumps over the lazy dog').digest('hex'),
        raw: Array.from(createHash('sha256').update(new Uint8Array([97, 98, 99])).digest().slice(0, 4)),
    })";
    assert_eq!(
        ok(&engine, code, "null"),
        json!({
            "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "sha1": "a9993e364706816aba3e25717850c26c9cd0d89d",
            "md5": "900150983cd24fb0d6963f7d28e17f72",
            "sha512": "3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw==",
            "hmac": "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
            "raw": [0xba, 0x78, 0x16, 0xbf],
        })
    );
}

#[test]
fn crypto_randomness() {
    let engine = engine();
    let code = "const crypto = require('crypto'); module.exports = () => {
        const a = crypto.randomUUID(), b = crypto.randomUUID();
        const bytes = crypto.getRandomValues(new Uint8Array(32));
        return [/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(a), a !== b, bytes.some((x) => x !== 0), crypto.default === undefined && typeof crypto.createHash]
    }";
    assert_eq!(
        ok(&engine, code, "null"),
        json!([true, true, true, "function"])
    );
}

#[test]
fn url_module_and_globals() {
    let engine = engine();
    let code = "import url from 'url'; export default () => {
        const u = new URL('/a/b?x=1&y=two#frag', 'https://user:pw@example.com:8080/base');
        u.searchParams.append('z', 'a b');
        const p = new URLSearchParams({ q: 'x&y', n: '1' });
        return [u.href, u.host, u.hostname, u.port, u.pathname, u.search, u.hash, u.origin, u.username,
                url.URL === URL, p.toString(), p.get('q'), URL.canParse('nope'), String(new URL('HTTP://EXAMPLE.com'))];
    }";
    assert_eq!(
        ok(&engine, code, "null"),
        json!([
            "https://user:pw@example.com:8080/a/b?x=1&y=two&z=a+b#frag",
            "example.com:8080",
            "example.com",
            "8080",
            "/a/b",
            "?x=1&y=two&z=a+b",
            "#frag",
            "https://example.com:8080",
            "user",
            true,
            "q=x%26y&n=1",
            "x&y",
            false,
            "http://example.com/"
        ])
    );
    fails(
        &engine,
        "export default () => new URL('not a url')",
        "null",
        ErrorKind::Exception,
    );
}

#[test]
fn text_encoding_and_base64_globals() {
    let engine = engine();
    let code = "export default () => {
        const bytes = new TextEncoder().encode('héllo €');
        return [Array.from(bytes), new TextDecoder().decode(bytes), btoa('hello'), atob('aGVsbG8='),
                new TextDecoder().decode(new Uint8Array([0xff])), (() => { try { new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array([0xff])) } catch (e) { return e.name } })(),
                (() => { try { btoa('€') } catch (e) { return e.name } })()];
    }";
    assert_eq!(
        ok(&engine, code, "null"),
        json!([
            [104, 195, 169, 108, 108, 111, 32, 226, 130, 172],
            "héllo €",
            "aGVsbG8=",
            "hello",
            "\u{fffd}",
            "TypeError",
            "InvalidCharacterError"
        ])
    );
}

fn operator_library() -> Library {
    Library::from_files([
        (
            "counter.js",
            "let count = 0; export const next = () => ++count; export default { next };",
        ),
        (
            "strings/index.js",
            "export { shout } from './shout.js'; export { twice } from './lib/twice.js';",
        ),
        (
            "strings/shout.js",
            "export const shout = (s) => s.toUpperCase() + '!';",
        ),
        (
            "strings/lib/twice.js",
            "import { shout } from '../shout.js'; export const twice = (s) => shout(s) + shout(s);",
        ),
        (
            "hasher.js",
            "import { createHash } from 'crypto'; export const sha = (s) => createHash('sha256').update(s).digest('hex');",
        ),
        ("sneaky.js", "export { x } from '../outside.js';"),
        (
            "native.js",
            "import * as n from 'warren:native/crypto'; export default n;",
        ),
        (
            "internal.js",
            "import * as e from 'warren:node-errors'; export default e;",
        ),
    ])
}

#[test]
fn operator_modules_are_importable_when_listed_and_fresh_for_every_job() {
    let engine = engine_with_library(
        operator_library(),
        &["counter", "strings", "hasher", "crypto"],
    );
    // Module state never outlives a job: every job sees a counter at zero.
    for _ in 0..3 {
        assert_eq!(
            ok(
                &engine,
                "import { next } from 'counter'; export default () => [next(), next()]",
                "null"
            ),
            json!([1, 2])
        );
    }
    assert_eq!(
        ok(
            &engine,
            "import { shout, twice } from 'strings'; export default (s) => [shout(s), twice(s)]",
            r#""hi""#
        ),
        json!(["HI!", "HI!HI!"])
    );
    assert_eq!(
        ok(
            &engine,
            "const c = require('counter'); module.exports = () => c.next()",
            "null"
        ),
        json!(1)
    );
    assert_eq!(
        ok(
            &engine,
            "import { sha } from 'hasher'; export default () => sha('abc')",
            "null"
        ),
        json!("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    );
    assert_eq!(
        ok(
            &engine,
            "export default async () => (await import('strings/shout')).shout('a')",
            "null"
        ),
        json!("A!")
    );
}

#[test]
fn operator_modules_stay_inside_the_table() {
    // `hasher` needs `crypto`, which this pool does not list: that job fails, not the worker.
    let engine = engine_with_library(
        operator_library(),
        &["counter", "hasher", "sneaky", "native", "internal"],
    );
    let denied = fails(
        &engine,
        "import { sha } from 'hasher'; export default () => sha('abc')",
        "null",
        ErrorKind::ModuleDenied,
    );
    assert!(denied.contains("'crypto'"), "{denied}");
    fails(
        &engine,
        "import s from 'strings'; export default () => s",
        "null",
        ErrorKind::ModuleDenied,
    );
    fails(
        &engine,
        "import { x } from 'sneaky'; export default () => x",
        "null",
        ErrorKind::ModuleDenied,
    );
    fails(
        &engine,
        "import n from 'native'; export default () => typeof n",
        "null",
        ErrorKind::ModuleDenied,
    );
    // The built-ins' shared module is theirs alone.
    fails(
        &engine,
        "import e from 'internal'; export default () => typeof e",
        "null",
        ErrorKind::ModuleDenied,
    );
    fails(
        &engine,
        "import c from 'counter.js'; export default () => c",
        "null",
        ErrorKind::ModuleDenied,
    );
    assert_eq!(
        ok(
            &engine,
            "import c from 'counter'; export default () => c.next()",
            "null"
        ),
        json!(1)
    );
}

#[test]
fn path_gives_what_nodes_posix_path_gives() {
    let engine = engine_with(1, PoolLimits::default(), &["path", "node:path/posix"]);
    // Expected values are Node 20's, for the same calls.
    assert_eq!(
        ok(
            &engine,
            "const path = require('path'); module.exports = () => [
                path.join('/foo', 'bar', 'baz/asdf', 'quux', '..'), path.join(), path.join('a', '', '../..', 'b'),
                path.normalize('/foo/bar//baz/asdf/quux/..'), path.normalize(''), path.normalize('a/../'), path.normalize('../../x/'),
                path.resolve('/foo/bar', './baz'), path.resolve('/foo/bar', '/tmp/file/'), path.resolve('www', 'static/png/', '../gif/a.gif'), path.resolve(),
                path.relative('/data/orandea/test/aaa', '/data/orandea/impl/bbb'), path.relative('/a', '/a'),
                path.dirname('/foo/bar/baz'), path.dirname('/a'), path.dirname('a'), path.dirname('a/b/'),
                path.basename('/foo/quux.html'), path.basename('/foo/quux.html', '.html'), path.basename('/a/'),
                path.extname('index.coffee.md'), path.extname('index.'), path.extname('.index'), path.extname('..'),
                path.parse('/home/user/dir/file.txt'), path.format({ root: '/', name: 'file', ext: 'txt' }),
                path.isAbsolute('/x'), path.isAbsolute('x'), path.sep, path.delimiter, path.posix === path,
            ]",
            "null"
        ),
        json!([
            "/foo/bar/baz/asdf", ".", "../b",
            "/foo/bar/baz/asdf", ".", "./", "../../x/",
            "/foo/bar/baz", "/tmp/file", "/www/static/gif/a.gif", "/",
            "../../impl/bbb", "",
            "/foo/bar", "/", ".", "a",
            "quux.html", "quux", "a",
            ".md", ".", "", "",
            { "root": "/", "dir": "/home/user/dir", "base": "file.txt", "ext": ".txt", "name": "file" }, "/file.txt",
            true, false, "/", ":", true
        ])
    );
    assert_eq!(
        ok(
            &engine,
            "import { join } from 'node:path/posix'; export default () => join('a', 'b')",
            "null"
        ),
        json!("a/b")
    );
    // Hostile arguments are the TypeErrors Node throws.
    assert_eq!(
        ok(
            &engine,
            "const path = require('path'); module.exports = () => [() => path.join(1), () => path.resolve({ toString() { return '/x' } }), () => path.format(null), () => path.basename('/a', 5)]
                .map((f) => { try { f(); return 'ok' } catch (e) { return e.name } })",
            "null"
        ),
        json!(["TypeError", "TypeError", "TypeError", "TypeError"])
    );
}

#[test]
fn events_behave_as_nodes_event_emitter() {
    let engine = engine_with(1, PoolLimits::default(), &["events"]);
    assert_eq!(
        ok(
            &engine,
            "const EventEmitter = require('events');
            function Legacy() { EventEmitter.call(this); }
            Object.setPrototypeOf(Legacy.prototype, EventEmitter.prototype);
            module.exports = async () => {
                const seen = [];
                const e = new EventEmitter();
                e.on('newListener', (name) => seen.push('new:' + name));
                const a = (x) => seen.push('a' + x);
                e.on('x', a); e.once('x', (x) => seen.push('once' + x)); e.prependListener('x', (x) => seen.push('first' + x));
                e.emit('x', 1); e.emit('x', 2); e.off('x', a); e.emit('x', 3);
                let thrown; try { e.emit('error', new RangeError('boom')) } catch (err) { thrown = err.name }
                let wrapped; try { e.emit('error', 'text') } catch (err) { wrapped = err.code }
                const l = new Legacy(); l.on('y', function () { seen.push(this === l) }); l.emit('y');
                setTimeout(() => e.emit('later', 7, 8), 1);
                const args = await EventEmitter.once(e, 'later');
                return [seen, e.listenerCount('x'), e.eventNames(), thrown, wrapped, args, e.emit('none'), EventEmitter.EventEmitter === EventEmitter];
            };",
            "null"
        ),
        json!([
            [
                "new:x", "new:x", "new:x", "first1", "a1", "once1", "first2", "a2", "first3", true,
                "new:later", "new:error"
            ],
            1,
            ["newListener", "x"],
            "RangeError",
            "ERR_UNHANDLED_ERROR",
            [7, 8],
            false,
            true
        ])
    );
}
