//! The global names a job's context creates only when job code first reads them:
//! the standard library's typed arrays, Map/Set, Date, Proxy and WeakRef, and all of
//! Warren's globals (`console`, timers, `TextEncoder`/`TextDecoder`, `URL`, `btoa`/
//! `atob`, `structuredClone`, and `fetch` in pools granted it).
//!
//! Most jobs touch few of them, and a context pays for everything it is created
//! with (every intrinsic, and every JS function of the prelude). So one object with
//! exotic behaviour is the global object's prototype: QuickJS asks it for a name only
//! when neither the global object nor its own ordinary properties have it, and it
//! answers by creating the name's group as ordinary properties of its own (where
//! later lookups find them without the hook, and assignments on the global object
//! shadow them) or by saying "no such property", so undeclared variables still throw
//! `ReferenceError` and `typeof` still says `"undefined"`. It is a raw QuickJS class because
//! rquickjs's exotic classes also intercept `get`, which cannot answer "not found".
//! The object holds the job's `host` helpers for the prelude parts it loads, out of
//! job code's reach (QuickJS keeps it as the object's opaque value, and this class
//! tells the garbage collector about it).

use std::cell::Cell;
use std::ffi::c_int;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr::NonNull;

use rquickjs::{Ctx, Exception, Object, Result, Value, qjs};

use super::{FETCH_PART, PARTS, PreludeParts};
use crate::sandbox::runtime::intrinsics::{self, LAZY_GLOBALS, Lazy};
use crate::sandbox::runtime::pins;

/// What a lazy name is made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Intrinsic(Lazy),
    Part(&'static str),
}

impl Source {
    /// A bit of its own, for the set of groups being made.
    fn bit(self) -> u32 {
        match self {
            Source::Intrinsic(lazy) => 1 << (lazy as u32),
            Source::Part(part) => {
                let index = PARTS.iter().position(|p| p.name == part);
                1 << (16 + index.unwrap_or(15) as u32)
            }
        }
    }
}

/// The source of a lazy name, and the name as the table spells it.
fn source_of(name: &[u8]) -> Option<(Source, &'static str)> {
    let find = |names: &'static [&'static str]| names.iter().find(|n| n.as_bytes() == name);
    let intrinsic = LAZY_GLOBALS
        .iter()
        .find_map(|(lazy, _, names)| find(names).map(|name| (Source::Intrinsic(*lazy), *name)));
    intrinsic.or_else(|| {
        PARTS
            .iter()
            .find_map(|part| find(part.globals).map(|name| (Source::Part(part.name), *name)))
    })
}

/// What the lookup hook needs besides the host object, kept in the job's runtime.
struct Setup {
    parts: PreludeParts,
    /// Whether the pool grants `fetch` (otherwise its names are not globals at all).
    fetch: bool,
    /// The groups being made right now: while a group is made, the hook does not
    /// answer for its names, so own-property queries on the lazy object (which QuickJS
    /// routes to the hook) see only what is really there, and nothing recurses.
    making: Cell<u32>,
    /// The lazy object's class, to tell it from anything else on the prototype chain.
    class_id: qjs::JSClassID,
}

// SAFETY: `Setup` holds no JS values, so it has no lifetime to change.
unsafe impl<'js> rquickjs::JsLifetime<'js> for Setup {
    type Changed<'to> = Setup;
}

/// QuickJS's hooks for the lazy object: only "own property" lookups are answered, so
/// every other operation behaves as on an ordinary object.
static LOOKUP: qjs::JSClassExoticMethods = qjs::JSClassExoticMethods {
    get_own_property: Some(get_own_property),
    get_own_property_names: None,
    delete_property: None,
    define_own_property: None,
    has_property: None,
    get_property: None,
    set_property: None,
};

/// Puts the lazy object between a fresh context's global object and its prototype,
/// holding `host` for the prelude parts. Call once per context, before any job code
/// runs.
pub fn install<'js>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    parts: PreludeParts,
    fetch: bool,
) -> Result<()> {
    let raw_ctx = ctx.as_raw().as_ptr();
    let globals = ctx.globals();
    let proto = globals.get_prototype();
    let mut class_id: qjs::JSClassID = 0;
    // SAFETY: `raw_ctx` is this live context; the class is registered once in its
    // runtime (one runtime per job) with a static hook table QuickJS only reads; the
    // new object's reference is handed to `Value::from_raw`, which owns it; its opaque
    // value is a boxed new reference to `host`, released by `finalize`.
    let lazy = unsafe {
        let runtime = qjs::JS_GetRuntime(raw_ctx);
        qjs::JS_NewClassID(runtime, &mut class_id);
        let class = qjs::JSClassDef {
            class_name: c"WarrenGlobals".as_ptr(),
            finalizer: Some(finalize),
            gc_mark: Some(mark),
            call: None,
            exotic: (&raw const LOOKUP).cast_mut(),
        };
        if qjs::JS_NewClass(runtime, class_id, &class) != 0 {
            return Err(Exception::throw_internal(
                ctx,
                "cannot register the globals class",
            ));
        }
        let proto = proto.as_ref().map_or(qjs::JS_NULL, |p| p.as_raw());
        let lazy = Value::from_raw(
            ctx.clone(),
            qjs::JS_NewObjectProtoClass(raw_ctx, proto, class_id),
        );
        if lazy.is_object() {
            let held = Box::new(qjs::JS_DupValue(raw_ctx, host.as_raw()));
            qjs::JS_SetOpaque(lazy.as_raw(), Box::into_raw(held).cast());
        }
        lazy
    };
    let lazy = lazy
        .into_object()
        .ok_or_else(|| Exception::throw_internal(ctx, "cannot create the globals object"))?;
    let _ = ctx.store_userdata(Setup {
        parts,
        fetch,
        making: Cell::new(0),
        class_id,
    });
    // Its finalizer frees a Rust box: a restored runtime must never run it.
    pins::pin(ctx, lazy.clone().into_value());
    globals.set_prototype(Some(&lazy))
}

/// The names of Warren's globals this job's pool has (the parts', `fetch`'s only
/// where it is granted), in the order of the parts.
pub fn part_names(ctx: &Ctx<'_>) -> impl Iterator<Item = &'static str> {
    let fetch = ctx.userdata::<Setup>().is_some_and(|setup| setup.fetch);
    PARTS
        .iter()
        .filter(move |part| fetch || part.name != FETCH_PART)
        .flat_map(|part| part.globals.iter().copied())
}

/// Takes the lazy object off the global object's prototype chain (the global object
/// then inherits from what the lazy object did) and returns it, or `None` when it is
/// not the global object's prototype. Names it has not made by then are no longer
/// globals.
pub fn detach<'js>(ctx: &Ctx<'js>) -> Result<Option<Object<'js>>> {
    let globals = ctx.globals();
    let Some(lazy) = globals.get_prototype() else {
        return Ok(None);
    };
    let class_id = ctx.userdata::<Setup>().map(|setup| setup.class_id);
    // SAFETY: a live object of this context.
    if class_id != Some(unsafe { qjs::JS_GetClassID(lazy.as_raw()) }) {
        return Ok(None);
    }
    globals.set_prototype(lazy.get_prototype().as_ref())?;
    Ok(Some(lazy))
}

/// The box `install` put in a lazy object's opaque value (null if none).
///
/// # Safety
/// `obj` must be a live object of the class `install` registered.
unsafe fn held(obj: qjs::JSValueConst) -> *mut qjs::JSValue {
    // SAFETY: per the caller.
    unsafe { qjs::JS_GetOpaque(obj, qjs::JS_GetClassID(obj)).cast() }
}

/// The host object a lazy object holds (a borrowed reference), if any.
///
/// # Safety
/// `obj` must be a live object of the class `install` registered.
unsafe fn held_host(obj: qjs::JSValueConst) -> Option<qjs::JSValue> {
    // SAFETY: per the caller; the box, if set, holds a live JSValue.
    unsafe { held(obj).as_ref().copied() }
}

/// Finalizer of the lazy object: releases the host object it holds.
unsafe extern "C" fn finalize(runtime: *mut qjs::JSRuntime, obj: qjs::JSValue) {
    // SAFETY: QuickJS finalizes an object of this class exactly once; its opaque value
    // is `install`'s box, taken back here.
    unsafe {
        let held = held(obj);
        if !held.is_null() {
            let host = Box::from_raw(held);
            qjs::JS_FreeValueRT(runtime, *host);
        }
    }
}

/// GC marking of the lazy object: the host object it holds is reachable through it.
unsafe extern "C" fn mark(
    runtime: *mut qjs::JSRuntime,
    obj: qjs::JSValueConst,
    mark_func: qjs::JS_MarkFunc,
) {
    // SAFETY: QuickJS marks a live object of this class.
    if let Some(host) = unsafe { held_host(obj) } {
        // SAFETY: `host` is a live value the object holds a reference to.
        unsafe { qjs::JS_MarkValue(runtime, host, mark_func) };
    }
}

/// QuickJS's `get_own_property` hook: 1 and the value when `prop` is a lazy name
/// (created now), 0 when it is not, -1 with an exception pending on failure. `desc`
/// is null when QuickJS only asks whether the property exists.
unsafe extern "C" fn get_own_property(
    ctx: *mut qjs::JSContext,
    desc: *mut qjs::JSPropertyDescriptor,
    obj: qjs::JSValueConst,
    prop: qjs::JSAtom,
) -> c_int {
    let Some(raw_ctx) = NonNull::new(ctx) else {
        return -1;
    };
    // SAFETY: QuickJS calls the hook with the running job's context, under its lock.
    let ctx = unsafe { Ctx::from_raw(raw_ctx) };
    let Some((source, name)) = atom_source(&ctx, prop) else {
        return 0;
    };
    let Some(making) = ctx.userdata::<Setup>().map(|setup| setup.making.get()) else {
        return 0;
    };
    if making & source.bit() != 0 {
        // Asked while making this very group: only what is really there counts.
        return 0;
    }
    if desc.is_null() {
        return 1;
    }
    // SAFETY: QuickJS calls the hook on a live object of this class.
    let host = unsafe { held_host(obj) }.map(|host| {
        // SAFETY: a new reference to the held host, owned by the `Value`.
        unsafe { Value::from_raw(ctx.clone(), qjs::JS_DupValue(raw_ctx.as_ptr(), host)) }
    });
    // SAFETY: a new reference to the lazy object itself, owned by the `Value`.
    let lazy = unsafe { Value::from_raw(ctx.clone(), qjs::JS_DupValue(raw_ctx.as_ptr(), obj)) };
    let Some(lazy) = lazy.into_object() else {
        return 0;
    };
    set_making(&ctx, making | source.bit());
    let created = catch_unwind(AssertUnwindSafe(|| create(&ctx, &lazy, host, source, name)));
    set_making(&ctx, making);
    match created {
        Ok(Ok(None)) => 0,
        Ok(Ok(Some(value))) => {
            // SAFETY: `desc` is QuickJS's descriptor to fill; it takes over the value's
            // new reference.
            unsafe {
                *desc = qjs::JSPropertyDescriptor {
                    flags: (qjs::JS_PROP_WRITABLE | qjs::JS_PROP_CONFIGURABLE) as c_int,
                    value: qjs::JS_DupValue(raw_ctx.as_ptr(), value.as_raw()),
                    getter: qjs::JS_UNDEFINED,
                    setter: qjs::JS_UNDEFINED,
                };
            }
            1
        }
        // The exception is pending in the context.
        Ok(Err(rquickjs::Error::Exception)) => -1,
        Ok(Err(err)) => {
            let _ = Exception::throw_internal(&ctx, &err.to_string());
            -1
        }
        Err(_) => {
            let _ = Exception::throw_internal(&ctx, "a global failed to load");
            -1
        }
    }
}

/// No group being made, as in a fresh runtime.
pub fn reset(ctx: &Ctx<'_>) {
    set_making(ctx, 0);
}

/// Records which groups are being made.
fn set_making(ctx: &Ctx<'_>, making: u32) {
    if let Some(setup) = ctx.userdata::<Setup>() {
        setup.making.set(making);
    }
}

/// What `prop` names, if it is a lazy name in this job's pool (symbols and other names
/// are not).
fn atom_source(ctx: &Ctx<'_>, prop: qjs::JSAtom) -> Option<(Source, &'static str)> {
    let fetch = ctx.userdata::<Setup>().is_some_and(|setup| setup.fetch);
    let raw = ctx.as_raw().as_ptr();
    let mut len = 0;
    // SAFETY: `prop` is a live atom of this context's runtime; the C string is freed
    // right after it is read.
    unsafe {
        let name = qjs::JS_AtomToCStringLen(raw, &mut len, prop);
        if name.is_null() {
            // Out of memory: the lookup goes on as if the name were not lazy.
            qjs::JS_FreeValue(raw, qjs::JS_GetException(raw));
            return None;
        }
        let bytes = std::slice::from_raw_parts(name.cast::<u8>(), len as usize);
        let source = source_of(bytes);
        qjs::JS_FreeCString(raw, name);
        let added = intrinsics::added(ctx);
        source.filter(|(source, _)| match source {
            Source::Part(part) => fetch || *part != FETCH_PART,
            // Added already (in a snapshot, before any job): an ordinary global, which
            // job code may delete like any other.
            Source::Intrinsic(intrinsic) => added & intrinsic.bit() == 0,
        })
    }
}

/// Makes the group `source` and defines its names on the lazy object itself, as
/// ordinary properties: later lookups find them there without this hook, and
/// assignments on the global object shadow them (defining them on the global object
/// from inside a lookup would add a second property of the same name when the lookup
/// is an assignment). Returns the value of `name`, or `None` when it is not there
/// (e.g. the job deleted it, or the global object no longer takes new properties).
fn create<'js>(
    ctx: &Ctx<'js>,
    lazy: &Object<'js>,
    host: Option<Value<'js>>,
    source: Source,
    name: &'static str,
) -> Result<Option<Value<'js>>> {
    let names = match source {
        Source::Intrinsic(intrinsic) => {
            intrinsics::ensure(ctx, intrinsic)?;
            // QuickJS defines an intrinsic's names on the global object: move them here
            // (unless job code made this object non-extensible: then they stay there).
            // Only own properties are read, so no getter runs.
            let globals = ctx.globals();
            if intrinsic == Lazy::Date {
                date_made(ctx, host.as_ref())?;
            }
            if !extensible(ctx, lazy) {
                return own_value(ctx, &globals, name);
            }
            for sibling in intrinsic.globals() {
                if let Some(value) = own_value(ctx, &globals, sibling)? {
                    define(lazy, sibling, value)?;
                    globals.remove(*sibling)?;
                }
            }
            intrinsic.globals()
        }
        Source::Part(part) => {
            let host = host
                .and_then(Value::into_object)
                .ok_or_else(|| Exception::throw_internal(ctx, "the prelude's host is missing"))?;
            let made = load_part(ctx, &host, part)?;
            if !extensible(ctx, lazy) {
                // Job code made this object non-extensible: a fresh part every time.
                return made.get(name).map(Some);
            }
            let names = super::part(part).map_or(&[][..], |part| part.globals);
            for sibling in names {
                if !has_own(ctx, lazy, sibling)? {
                    define(lazy, sibling, made.get(*sibling)?)?;
                }
            }
            names
        }
    };
    debug_assert!(names.contains(&name));
    own_value(ctx, lazy, name)
}

/// Tells the prelude that `Date` was just made, so that it gives `Date.prototype` its
/// locale-sensitive methods (`prelude.js`, `host.dateMade`).
fn date_made<'js>(ctx: &Ctx<'js>, host: Option<&Value<'js>>) -> Result<()> {
    let Some(host) = host.and_then(Value::as_object) else {
        return Err(Exception::throw_internal(
            ctx,
            "the prelude's host is missing",
        ));
    };
    match host.get::<_, Option<rquickjs::Function>>("dateMade")? {
        Some(made) => made.call(()),
        None => Ok(()),
    }
}

/// Whether properties can be added to `object`.
fn extensible<'js>(ctx: &Ctx<'js>, object: &Object<'js>) -> bool {
    // SAFETY: a live object of this context.
    unsafe { qjs::JS_IsExtensible(ctx.as_raw().as_ptr(), object.as_raw()) > 0 }
}

/// Defines a writable, configurable, non-enumerable data property.
fn define<'js>(object: &Object<'js>, name: &str, value: Value<'js>) -> Result<()> {
    object.prop(
        name,
        rquickjs::object::Property::from(value)
            .writable()
            .configurable(),
    )
}

/// `object`'s own property `name`, without looking at its prototype chain (or
/// calling any getter): `None` if it has none, `Some(None)` if it is an accessor,
/// `Some(Some(value))` for a data property.
fn own_property<'js>(
    ctx: &Ctx<'js>,
    object: &Object<'js>,
    name: &str,
) -> Result<Option<Option<Value<'js>>>> {
    let raw = ctx.as_raw().as_ptr();
    // SAFETY: a new atom for `name`, freed after one own-property query on a live
    // object of this context; the descriptor's values are new references, each handed
    // to a `Value` (which frees it) or freed here.
    unsafe {
        let atom = qjs::JS_NewAtomLen(raw, name.as_ptr().cast(), name.len() as _);
        if atom == qjs::JS_ATOM_NULL {
            return Err(rquickjs::Error::Exception);
        }
        let mut desc = qjs::JSPropertyDescriptor {
            flags: 0,
            value: qjs::JS_UNDEFINED,
            getter: qjs::JS_UNDEFINED,
            setter: qjs::JS_UNDEFINED,
        };
        let found = qjs::JS_GetOwnProperty(raw, &mut desc, object.as_raw(), atom);
        qjs::JS_FreeAtom(raw, atom);
        if found < 0 {
            return Err(rquickjs::Error::Exception);
        }
        if found == 0 {
            return Ok(None);
        }
        qjs::JS_FreeValue(raw, desc.getter);
        qjs::JS_FreeValue(raw, desc.setter);
        let value = Value::from_raw(ctx.clone(), desc.value);
        let data = desc.flags & (qjs::JS_PROP_GETSET as i32) == 0;
        Ok(Some(data.then_some(value)))
    }
}

/// The value of `object`'s own data property `name`, if it has one.
pub(super) fn own_value<'js>(
    ctx: &Ctx<'js>,
    object: &Object<'js>,
    name: &str,
) -> Result<Option<Value<'js>>> {
    Ok(own_property(ctx, object, name)?.flatten())
}

/// Whether `object` has `name` as its own property (`contains_key` would also find the
/// lazy names on the prototype chain).
fn has_own<'js>(ctx: &Ctx<'js>, object: &Object<'js>, name: &str) -> Result<bool> {
    Ok(own_property(ctx, object, name)?.is_some())
}

/// Runs a prelude part: its factory, called with the host helpers, returns the object
/// of the names it defines.
fn load_part<'js>(ctx: &Ctx<'js>, host: &Object<'js>, part: &'static str) -> Result<Object<'js>> {
    let parts = ctx
        .userdata::<Setup>()
        .map(|setup| setup.parts.clone())
        .ok_or_else(|| Exception::throw_internal(ctx, "the prelude parts are missing"))?;
    super::factory(ctx, host, &parts, part)?.call((host.clone(),))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every lazy name.
    fn names() -> impl Iterator<Item = &'static str> {
        let intrinsics = LAZY_GLOBALS.iter().flat_map(|(_, _, names)| names.iter());
        let parts = PARTS.iter().flat_map(|part| part.globals.iter());
        intrinsics.chain(parts).copied()
    }

    #[test]
    fn every_name_has_one_source() {
        for name in names() {
            assert_eq!(source_of(name.as_bytes()).map(|(_, n)| n), Some(name));
        }
        assert_eq!(source_of(b"Object"), None);
        assert_eq!(
            source_of(b"Map").map(|(s, _)| s),
            Some(Source::Intrinsic(Lazy::MapSet))
        );
        assert_eq!(
            source_of(b"atob").map(|(s, _)| s),
            Some(Source::Part("base64"))
        );
    }
}
