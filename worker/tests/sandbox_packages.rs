//! npm packages as installed: Node's resolution, CommonJS and ES modules loading each
//! other, and the allowed-module table as the wall around them. The packages here are
//! small stand-ins shaped like real ones (`main`, `exports` with conditions, scoped
//! names, nested versions, `browser` fields, broken files nobody loads).

mod common;

use common::*;
use serde_json::json;
use warren_wire::ErrorKind;
use warren_worker::sandbox::Library;

fn node_modules() -> Library {
    Library::from_files([
        // A CommonJS package: main, relative requires, JSON, a built-in, its own
        // (nested) version of a dependency, and a file that does not compile.
        (
            "cjs-lib/package.json",
            r#"{"name": "cjs-lib", "version": "1.2.3", "main": "./lib/index.js"}"#,
        ),
        (
            "cjs-lib/lib/index.js",
            r#"'use strict';
            const util = require('./util');
            const data = require('./data.json');
            exports.greet = (name) => util.prefix + name;
            exports.version = require('../package.json').version;
            exports.depVersion = require('dep').version;
            exports.hash = (s) => require('crypto').createHash('sha256').update(s).digest('hex');
            exports.colour = data.colour;
            exports.where = [__filename, __dirname, module.id];
            exports.fsFallback = (() => { try { return typeof require('fs'); } catch (e) { return e.name; } })();"#,
        ),
        (
            "cjs-lib/lib/util.js",
            "module.exports = { prefix: 'hello, ' };",
        ),
        ("cjs-lib/lib/data.json", r#"{"colour": "teal"}"#),
        ("cjs-lib/lib/broken.js", "module.exports = (;"),
        ("cjs-lib/test/fixture.js", "this is ( not javascript"),
        (
            "cjs-lib/node_modules/dep/package.json",
            r#"{"version": "1.0.0"}"#,
        ),
        (
            "cjs-lib/node_modules/dep/index.js",
            "exports.version = '1';",
        ),
        ("dep/package.json", r#"{"version": "2.0.0"}"#),
        ("dep/index.js", "exports.version = '2';"),
        // A dual package: `exports` with import/require conditions and subpaths.
        (
            "dual/package.json",
            r#"{"name": "dual", "exports": {".": {"import": "./esm/index.mjs", "require": "./cjs/index.cjs"}, "./feature": {"default": "./esm/feature.mjs"}, "./package.json": "./package.json"}}"#,
        ),
        (
            "dual/esm/index.mjs",
            "export const form = 'esm'; export default function dual() { return 'esm default'; }",
        ),
        (
            "dual/cjs/index.cjs",
            "module.exports = function dual() { return 'cjs'; }; module.exports.form = 'cjs';",
        ),
        ("dual/esm/feature.mjs", "export const feature = 42;"),
        ("dual/esm/hidden.mjs", "export const hidden = true;"),
        // A scoped ES module package (`type: module`) with a `#imports` alias.
        (
            "@scope/tools/package.json",
            r##"{"type": "module", "main": "index.js", "imports": {"#internal": "./src/internal.js"}}"##,
        ),
        (
            "@scope/tools/index.js",
            "import { twice } from '#internal'; export { twice }; export default { twice };",
        ),
        (
            "@scope/tools/src/internal.js",
            "export const twice = (x) => x * 2;",
        ),
        // A package whose `browser` field swaps its Node-only file for nothing.
        (
            "webby/package.json",
            r#"{"main": "index.js", "browser": {"./node-only.js": false}}"#,
        ),
        (
            "webby/index.js",
            "const nodeOnly = require('./node-only.js'); module.exports = { keys: Object.keys(nodeOnly).length };",
        ),
        ("webby/node-only.js", "module.exports = require('fs');"),
        // CommonJS cycles, as Node runs them: b sees a's exports half filled.
        (
            "cycle/index.js",
            "exports.early = 1; const b = require('./b'); exports.late = 2; exports.seenByB = b.seen;",
        ),
        (
            "cycle/b.js",
            "const a = require('./index'); exports.seen = [a.early, a.late];",
        ),
        // An ES module that imports a CommonJS one by name (detected names).
        (
            "mixed/index.mjs",
            "import { greet } from 'cjs-lib'; export const hi = greet('esm');",
        ),
        (
            "mixed/package.json",
            r#"{"main": "index.mjs", "dependencies": {"cjs-lib": "1"}}"#,
        ),
        // An ES module and a CommonJS file that require each other.
        (
            "esm-cycle/index.mjs",
            "import helper from './helper.cjs'; export const value = 1; export default helper;",
        ),
        (
            "esm-cycle/helper.cjs",
            "module.exports = (() => { try { return require('./index.mjs').value } catch (e) { return e.code } })();",
        ),
        // Maps that point at each other, a file that climbs into another package, a
        // built-in by its `node:` name, a `#!` line.
        (
            "loops/package.json",
            r##"{"imports": {"#a": "#b", "#b": "#a"}, "browser": {"x": "y", "y": "x"}}"##,
        ),
        (
            "loops/index.js",
            "const code = (f) => { try { f() } catch (e) { return e.code } }; module.exports = [code(() => require('#a')), code(() => require('x'))];",
        ),
        (
            "climber/index.js",
            "module.exports = (() => { try { return require('../dep') } catch (e) { return e.name } })();",
        ),
        (
            "aliased/index.js",
            "module.exports = typeof require('node:crypto').createHash;",
        ),
        (
            "hashbang/index.js",
            "#!/usr/bin/env node\nmodule.exports = 'ran';",
        ),
        // Imports that fail, tried again: the engine keeps such modules half resolved.
        (
            "needs-fs/index.mjs",
            "import fs from 'fs'; export default fs;",
        ),
        (
            "breaks/index.mjs",
            "import bad from './bad.mjs'; export default bad;",
        ),
        ("breaks/bad.mjs", "export default (;"),
        // ES module → CommonJS → require(ES module) → CommonJS, nested waits.
        (
            "layers/index.mjs",
            "import q from './q.cjs'; export default q;",
        ),
        (
            "layers/q.cjs",
            "module.exports = require('./r.mjs').value + 1;",
        ),
        (
            "layers/r.mjs",
            "import s from './s.cjs'; export const value = s * 10;",
        ),
        ("layers/s.cjs", "module.exports = 4;"),
    ])
}

fn engine() -> warren_worker::sandbox::Engine {
    engine_with_library(
        node_modules(),
        &[
            "cjs-lib",
            "dual",
            "@scope/tools",
            "webby",
            "cycle",
            "mixed",
            "esm-cycle",
            "loops",
            "climber",
            "aliased",
            "hashbang",
            "needs-fs",
            "breaks",
            "layers",
            "crypto",
            "url",
        ],
    )
}

#[test]
fn a_commonjs_package_loads_from_either_form_of_job() {
    let engine = engine();
    let expected = json!([
        "hello, x",
        "1.2.3",
        "1",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "teal",
        [
            "/node_modules/cjs-lib/lib/index.js",
            "/node_modules/cjs-lib/lib",
            "/node_modules/cjs-lib/lib/index.js"
        ],
        "ModuleDeniedError"
    ]);
    let body = "[lib.greet('x'), lib.version, lib.depVersion, lib.hash('abc'), lib.colour, lib.where, lib.fsFallback]";
    let cjs = format!("const lib = require('cjs-lib'); module.exports = () => {body};");
    let esm = format!("import lib from 'cjs-lib'; export default () => {body};");
    let named = format!(
        "import {{ greet, version }} from 'cjs-lib'; import lib from 'cjs-lib'; export default () => [greet === lib.greet, version, {body}]"
    );
    assert_eq!(ok(&engine, &cjs, "null"), expected);
    assert_eq!(ok(&engine, &esm, "null"), expected);
    assert_eq!(
        ok(&engine, &named, "null"),
        json!([true, "1.2.3", expected])
    );
}

#[test]
fn exports_conditions_choose_the_file_for_import_and_require() {
    let engine = engine();
    assert_eq!(
        ok(
            &engine,
            "import dual, { form } from 'dual'; import { feature } from 'dual/feature'; export default () => [dual(), form, feature]",
            "null"
        ),
        json!(["esm default", "esm", 42])
    );
    assert_eq!(
        ok(
            &engine,
            "const dual = require('dual'); module.exports = () => [dual(), dual.form, require('dual/feature').feature, require('dual/package.json').name]",
            "null"
        ),
        json!(["cjs", "cjs", 42, "dual"])
    );
    // A file the package does not export is not found, whoever asks.
    let message = fails(
        &engine,
        "export default async () => (await import('dual/esm/hidden.mjs')).hidden",
        "null",
        ErrorKind::Exception,
    );
    assert!(message.contains("not exported"), "{message}");
    assert_eq!(
        ok(
            &engine,
            "module.exports = () => { try { require('dual/esm/hidden.mjs') } catch (e) { return e.code } }",
            "null"
        ),
        json!("MODULE_NOT_FOUND")
    );
}

#[test]
fn scoped_packages_imports_aliases_browser_fields_and_cycles() {
    let engine = engine();
    assert_eq!(
        ok(
            &engine,
            "import tools, { twice } from '@scope/tools'; export default () => [twice(2), tools.twice(3)]",
            "null"
        ),
        json!([4, 6])
    );
    assert_eq!(
        ok(
            &engine,
            "module.exports = () => require('@scope/tools').twice(5)",
            "null"
        ),
        json!(10)
    );
    assert_eq!(
        ok(&engine, "module.exports = () => require('webby')", "null"),
        json!({ "keys": 0 })
    );
    assert_eq!(
        ok(&engine, "module.exports = () => require('cycle')", "null"),
        json!({ "early": 1, "late": 2, "seenByB": [1, null] })
    );
    assert_eq!(
        ok(
            &engine,
            "import { hi } from 'mixed'; export default () => hi",
            "null"
        ),
        json!("hello, esm")
    );
}

#[test]
fn require_of_a_builtin_is_the_module_itself() {
    let engine = engine();
    assert_eq!(
        ok(
            &engine,
            "const crypto = require('crypto'); module.exports = () => [typeof crypto.createHash, 'default' in crypto]",
            "null"
        ),
        json!(["function", false])
    );
}

#[test]
fn the_table_is_the_wall_around_packages_and_their_dependencies() {
    let engine = engine();
    // A package's dependency loads inside it, never directly from the job.
    for code in [
        "import dep from 'dep'; export default () => dep",
        "module.exports = () => require('dep')",
        "module.exports = () => require('cjs-lib/node_modules/dep')",
        "module.exports = () => require('../dep')",
        "export default async () => import('lib:dep/index.js')",
        "export default async () => import('warren:commonjs')",
        "export default async () => import('warren:native/commonjs')",
        "module.exports = () => require('warren:commonjs')",
        "export default async () => import('warren:node-errors')",
        "module.exports = () => require('warren:node-errors')",
    ] {
        let message = fails(&engine, code, "null", ErrorKind::ModuleDenied);
        assert!(
            message.contains("allowed-module table"),
            "{code}: {message}"
        );
    }
    // A package may not reach built-ins the table does not list.
    let limited = engine_with_library(node_modules(), &["cjs-lib"]);
    let message = fails(
        &limited,
        "const lib = require('cjs-lib'); module.exports = () => lib.hash('abc')",
        "null",
        ErrorKind::ModuleDenied,
    );
    assert!(message.contains("'crypto'"), "{message}");
}

#[test]
fn files_nothing_loads_cost_nothing_and_broken_ones_fail_only_their_jobs() {
    let engine = engine();
    let message = fails(
        &engine,
        "module.exports = () => require('cjs-lib/lib/broken')",
        "null",
        ErrorKind::Compile,
    );
    assert!(message.contains("cjs-lib/lib/broken.js"), "{message}");
    let message = fails(
        &engine,
        "import broken from 'cjs-lib/lib/broken.js'; export default () => broken",
        "null",
        ErrorKind::Compile,
    );
    assert!(message.contains("cjs-lib/lib/broken.js"), "{message}");
    // Caught, it is an ordinary error; and the rest of the package still works.
    assert_eq!(
        ok(
            &engine,
            "module.exports = () => { try { require('cjs-lib/lib/broken') } catch (e) { return [e.name, require('cjs-lib').greet('y')] } }",
            "null"
        ),
        json!(["SyntaxError", "hello, y"])
    );
}

#[test]
fn the_globals_libraries_look_for_are_there() {
    let engine = engine();
    assert_eq!(
        ok(
            &engine,
            "export default () => [global === globalThis, self === globalThis, typeof crypto.getRandomValues,
                /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID()),
                crypto.getRandomValues(new Uint32Array(8)).some((x) => x !== 0)]",
            "null"
        ),
        json!([true, true, "function", true, true])
    );
    // Hostile arguments are refused with the DOMExceptions Node and browsers give,
    // never a crash; a detached view is empty, so there is nothing to fill.
    assert_eq!(
        ok(
            &engine,
            "export default () => {
                const detached = new ArrayBuffer(8); const view = new Uint8Array(detached); detached.transfer();
                const tries = [new Float64Array(2), new DataView(new ArrayBuffer(2)), new Uint8Array(65537),
                    new Proxy(new Uint8Array(2), {}), { length: 2 }, null, view];
                return tries.map((a) => { try { crypto.getRandomValues(a); return 'ok' } catch (e) { return e.name } });
            }",
            "null"
        ),
        json!([
            "TypeMismatchError",
            "TypeMismatchError",
            "QuotaExceededError",
            "TypeMismatchError",
            "TypeMismatchError",
            "TypeMismatchError",
            "ok"
        ])
    );
    // Globals a job replaces stay replaced for it alone.
    assert_eq!(
        ok(
            &engine,
            "export default () => { global = 1; self = 2; crypto = 3; return [global, self, crypto] }",
            "null"
        ),
        json!([1, 2, 3])
    );
    assert_eq!(
        ok(
            &engine,
            "export default () => [typeof global, typeof crypto]",
            "null"
        ),
        json!(["object", "object"])
    );
}

#[test]
fn odd_packages_fail_as_node_fails_them_and_never_crash() {
    let engine = engine();
    assert_eq!(
        ok(
            &engine,
            "import x from 'esm-cycle'; export default () => x",
            "null"
        ),
        json!("ERR_REQUIRE_CYCLE_MODULE")
    );
    assert_eq!(
        ok(&engine, "module.exports = () => require('loops')", "null"),
        json!(["MODULE_NOT_FOUND", "MODULE_NOT_FOUND"])
    );
    assert_eq!(
        ok(&engine, "module.exports = () => require('climber')", "null"),
        json!("ModuleDeniedError")
    );
    assert_eq!(
        ok(&engine, "module.exports = () => require('aliased')", "null"),
        json!("function")
    );
    assert_eq!(
        ok(
            &engine,
            "module.exports = () => require('hashbang')",
            "null"
        ),
        json!("ran")
    );
}

/// Job code may replace any built-in before it first calls `require`: none of that
/// reaches what `require` decides, or hands the job a library's own `require`.
#[test]
fn job_code_that_tampers_with_built_ins_gains_nothing() {
    let engine = engine();
    // A forged resolution: the array iterator turned into one that lies.
    assert_eq!(
        ok(
            &engine,
            "const iterate = Array.prototype[Symbol.iterator];
            Array.prototype[Symbol.iterator] = function () {
                return iterate.call(this[0] === 'builtin' ? ['esm', 'warren:commonjs'] : this);
            };
            module.exports = () => { const c = require('crypto'); return [typeof c.load, typeof c.createHash] };",
            "null"
        ),
        json!(["undefined", "function"])
    );
    // `Function.prototype.call` and setters on prototypes, to catch a library's
    // `require`, its `module` or its wrapper as they are handed over.
    assert_eq!(
        ok(
            &engine,
            "const leaks = [];
            const call = Function.prototype.call;
            Function.prototype.call = function (...args) { if (args.length >= 5) leaks.push('call'); return Reflect.apply(this, args[0], args.slice(1)); };
            Object.defineProperty(Object.prototype, 'require', { set(v) { leaks.push('require') }, configurable: true });
            Object.defineProperty(Function.prototype, 'resolve', { set(v) { leaks.push('resolve') }, configurable: true });
            for (const name of ['format', 'run', 'define', 'json', 'settle', 'kind', 'id']) {
                Object.defineProperty(Object.prototype, name, { set(v) { leaks.push(name) }, get() { leaks.push('get ' + name) }, configurable: true });
            }
            module.exports = () => { const lib = require('cjs-lib'); Function.prototype.call = call;
                return [lib.greet('z'), leaks, typeof require.cache] };",
            "null"
        ),
        json!(["hello, z", [], "undefined"])
    );
}

/// Linking a module that is still evaluating aborts QuickJS: a `require` that would
/// (from a getter run in the middle of a module's top level, or a second `import()`
/// drained meanwhile) is refused instead, and the slot lives on.
#[test]
fn a_require_of_a_module_still_evaluating_is_refused_not_a_crash() {
    let engine = engine();
    assert_eq!(
        ok(
            &engine,
            "Object.defineProperty(globalThis, 'URL', { configurable: true, get() { return require('url'); } });
            module.exports = () => { try { require('url'); return 'loaded' } catch (e) { return e.code } };",
            "null"
        ),
        json!("ERR_REQUIRE_CYCLE_MODULE")
    );
    assert_eq!(
        ok(
            &engine,
            "Object.defineProperty(globalThis, 'URL', { configurable: true, get() { require('cjs-lib'); return 1; } });
            module.exports = async () => {
                const a = import('url'), b = import('url');
                const settled = await Promise.allSettled([a, b]);
                return settled.map((s) => s.status);
            };",
            "null"
        ),
        json!(["fulfilled", "rejected"])
    );
    assert_eq!(
        ok(
            &engine,
            "module.exports = () => require('url').URL === URL",
            "null"
        ),
        json!(true),
        "the slot still serves"
    );
}

/// A module whose import failed may stay half resolved in the engine, which must not
/// be reached again: Warren remembers the failure and gives the same error again
/// (the first denial's kind and name, the broken file's message).
#[test]
fn an_import_that_failed_fails_the_same_way_again() {
    let engine = engine();
    assert_eq!(
        ok(
            &engine,
            "const t = () => { try { require('needs-fs'); return 'loaded' } catch (e) { return e.name } };
            module.exports = () => [t(), t()];",
            "null"
        ),
        json!(["ModuleDeniedError", "ModuleDeniedError"])
    );
    assert_eq!(
        ok(
            &engine,
            "export default async () => {
                const names = [];
                for (const name of ['needs-fs', 'needs-fs', 'breaks', 'breaks']) {
                    names.push(await import(name).then(() => 'loaded', (e) => e.name));
                }
                return names;
            }",
            "null"
        ),
        json!([
            "ModuleDeniedError",
            "ModuleDeniedError",
            "SyntaxError",
            "Error"
        ])
    );
    assert_eq!(
        ok(
            &engine,
            "module.exports = () => require('layers').default",
            "null"
        ),
        json!(41),
        "nested waits that are no cycle"
    );
}
