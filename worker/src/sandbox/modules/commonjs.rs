//! `warren:commonjs` (`commonjs.js`): CommonJS for jobs and for the operator's
//! packages, over its native half, `warren:native/commonjs`: finding what a
//! `require` names (as the table allows), a CommonJS file's compiled body, a JSON
//! file's value, and waiting synchronously for an ES module `require` loads.
//! Neither is importable by name: the loader lets only Warren's own code reach them.

use crate::sandbox::runtime::pins::host_function;
use rquickjs::function::{Args, Rest};
use rquickjs::module::{Declarations, Declared, Exports, ModuleDef};
use rquickjs::{Ctx, Exception, Function, Module, Object, Promise, Result, Value};

use super::failures::{broken, refuse};
use super::format::Format;
use super::library::LIBRARY_PREFIX;
use super::resolver::AllowlistResolver;
use crate::sandbox::runtime::bytecode;
use crate::sandbox::runtime::settle::settle_now;
use crate::sandbox::runtime::text::Text;

/// The JS half's source, compiled once per engine as
/// [`COMMONJS_MODULE`](super::library_code::COMMONJS_MODULE).
pub const COMMONJS_SOURCE: &str = include_str!("commonjs.js");

pub fn declare_native<'js>(ctx: &Ctx<'js>, name: &str) -> Result<Module<'js, Declared>> {
    Module::declare_def::<CommonJsNative, _>(ctx.clone(), name)
}

struct CommonJsNative;

impl ModuleDef for CommonJsNative {
    fn declare(decl: &Declarations<'_>) -> Result<()> {
        decl.declare("default")?;
        Ok(())
    }

    fn evaluate<'js>(ctx: &Ctx<'js>, exports: &Exports<'js>) -> Result<()> {
        // Without a prototype: job code may have put setters for these names on
        // `Object.prototype` before this module is first evaluated.
        let native = Object::new(ctx.clone())?;
        native.set_prototype(None)?;
        native.set("resolve", host_function(ctx, resolve)?)?;
        native.set("format", host_function(ctx, format)?)?;
        native.set("run", host_function(ctx, run)?)?;
        native.set("define", host_function(ctx, define)?)?;
        native.set("json", host_function(ctx, json)?)?;
        native.set("settle", host_function(ctx, settle)?)?;
        exports.export("default", native)?;
        Ok(())
    }
}

/// The job's resolver (stored in its context at boot).
fn resolver(ctx: &Ctx<'_>) -> Result<AllowlistResolver> {
    match ctx.userdata::<AllowlistResolver>() {
        Some(resolver) => Ok(resolver.clone()),
        None => Err(Exception::throw_internal(
            ctx,
            "module resolution is not set up",
        )),
    }
}

/// `{ kind, id }` (without a prototype, so job code cannot intercept reading it) of
/// what `require(name)` in the code named `base` loads.
fn resolve<'js>(ctx: Ctx<'js>, base: Text, name: Text) -> Result<Object<'js>> {
    let resolver = resolver(&ctx)?;
    let (kind, id) = resolver
        .resolve_require(&base, &name)
        .map_err(|refusal| refuse(&ctx, resolver.failures(), &name, refusal))?;
    let found = Object::new(ctx.clone())?;
    found.set_prototype(None)?;
    found.set("kind", kind)?;
    found.set("id", id)?;
    Ok(found)
}

/// Defines `name` on `target` as an own property (no setter job code put on a
/// prototype sees it).
fn define<'js>(target: Object<'js>, name: Text, value: Value<'js>) -> Result<()> {
    target.prop(
        name.0.as_str(),
        rquickjs::object::Property::from(value)
            .writable()
            .configurable(),
    )
}

/// The library path of engine name `id` (`lib:` + path).
fn path_of<'a>(ctx: &Ctx<'_>, id: &'a str) -> Result<&'a str> {
    id.strip_prefix(LIBRARY_PREFIX)
        .ok_or_else(|| Exception::throw_type(ctx, "not a library file"))
}

/// `json` or `commonjs`: how `load` runs library file `id`.
fn format(ctx: Ctx<'_>, id: Text) -> Result<&'static str> {
    let resolver = resolver(&ctx)?;
    Ok(match resolver.library().format(path_of(&ctx, &id)?) {
        Some(Format::Json) => "json",
        _ => "commonjs",
    })
}

/// Runs CommonJS file `id` in Node's wrapper: `this` is `exports`, the arguments are
/// `exports, require, module, __filename, __dirname`.
fn run<'js>(ctx: Ctx<'js>, id: Text, exports: Value<'js>, rest: Rest<Value<'js>>) -> Result<()> {
    let body = body(&ctx, &id)?;
    let mut args = Args::new(ctx.clone(), rest.0.len() + 1);
    args.this(exports.clone())?;
    args.push_arg(exports)?;
    args.push_args(rest.0)?;
    body.call_arg::<Value>(args).map(|_| ())
}

/// Node's wrapper function around CommonJS file `id`.
fn body<'js>(ctx: &Ctx<'js>, id: &str) -> Result<Function<'js>> {
    let ctx = ctx.clone();
    let resolver = resolver(&ctx)?;
    let code = match resolver.library().commonjs_body(path_of(&ctx, id)?) {
        Ok(code) => code,
        Err(message) => return Err(broken(&ctx, resolver.failures(), &message)),
    };
    // SAFETY: compiled by this process's own engine from the operator's library
    // (`library_code`).
    let wrapper = unsafe { bytecode::run_script(&ctx, &code) }?;
    wrapper
        .into_function()
        .ok_or_else(|| Exception::throw_internal(&ctx, "a CommonJS body is not a function"))
}

/// The value of JSON file `id`.
fn json<'js>(ctx: Ctx<'js>, id: Text) -> Result<Value<'js>> {
    let resolver = resolver(&ctx)?;
    let path = path_of(&ctx, &id)?;
    let Some(source) = resolver.library().library().source(path) else {
        return Err(Exception::throw_internal(&ctx, "no such library file"));
    };
    match ctx.json_parse(source) {
        Ok(value) => Ok(value),
        Err(rquickjs::Error::Exception) => {
            let _ = ctx.catch();
            Err(broken(
                &ctx,
                resolver.failures(),
                &format!("{path}: not valid JSON"),
            ))
        }
        Err(err) => Err(err),
    }
}

/// The value of `promise`, waited for synchronously (`runtime::settle`).
fn settle<'js>(ctx: Ctx<'js>, promise: Promise<'js>) -> Result<Value<'js>> {
    settle_now(&ctx, &promise)
}
