//! Host functions a runtime's pictures can keep.
//!
//! rquickjs keeps each host function's Rust closure in a box on the Rust heap, freed by
//! the JS object's finalizer. A runtime restored from a picture of its heap
//! (`runtime::arena`) must never have those boxes freed by a job: the next restore
//! would bring the object back over a freed box. So every host function is made
//! through [`host_function`], which also keeps a reference to it outside the JS heap
//! (a "pin"): an object with a reference QuickJS does not own is never finalized, even
//! when job code drops every path to it. The pins are released, with the runtime,
//! only once it is freed the ordinary way.
//!
//! The pins also tell whether a job made host functions of its own ([`count`]): such a
//! runtime cannot be restored without losing their boxes, so it is freed instead.

use std::cell::RefCell;

use rquickjs::function::IntoJsFunc;
use rquickjs::{Ctx, Function, Persistent, Result, Value};

/// The pinned values of one runtime, kept in its userdata.
struct Pins(RefCell<Vec<Persistent<Value<'static>>>>);

// SAFETY: `Pins` holds only `Persistent`s, which have no lifetime to change.
unsafe impl<'js> rquickjs::JsLifetime<'js> for Pins {
    type Changed<'to> = Pins;
}

/// Starts pinning in `ctx`'s runtime; call once, before its first host function.
pub fn start(ctx: &Ctx<'_>) {
    let _ = ctx.store_userdata(Pins(RefCell::new(Vec::new())));
}

/// A host function, pinned when its runtime pins.
#[allow(clippy::disallowed_methods)]
pub fn host_function<'js, P, F>(ctx: &Ctx<'js>, f: F) -> Result<Function<'js>>
where
    F: IntoJsFunc<'js, P> + 'js,
{
    let function = Function::new(ctx.clone(), f)?;
    pin(ctx, function.clone().into_value());
    Ok(function)
}

/// Pins `value` (any object whose finalizer frees Rust memory).
pub fn pin<'js>(ctx: &Ctx<'js>, value: Value<'js>) {
    if let Some(pins) = ctx.userdata::<Pins>() {
        pins.0.borrow_mut().push(Persistent::save(ctx, value));
    }
}

/// How many values the runtime has pinned.
pub fn count(ctx: &Ctx<'_>) -> usize {
    ctx.userdata::<Pins>()
        .map_or(0, |pins| pins.0.borrow().len())
}

#[cfg(test)]
mod tests {
    use rquickjs::{Context, Runtime};

    use super::*;

    #[test]
    fn pinned_functions_outlive_every_js_reference() {
        let runtime = Runtime::new().expect("runtime");
        let context = Context::full(&runtime).expect("context");
        context.with(|ctx| {
            start(&ctx);
            let f = host_function(&ctx, || 41 + 1).expect("function");
            ctx.globals().set("f", f).expect("set");
            assert_eq!(count(&ctx), 1);
            let _: Value = ctx
                .eval("globalThis.w = new WeakRef(f); delete globalThis.f")
                .expect("weak ref");
        });
        runtime.run_gc();
        context.with(|ctx| {
            let alive: i32 = ctx
                .eval("w.deref()()")
                .expect("the pinned function is still there");
            assert_eq!(alive, 42);
        });
    }
}
