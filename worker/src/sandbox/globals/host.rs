//! The `host` object: the native helpers the prelude and its parts call, handed to
//! them and never reachable from job code. Helpers every job may need are here from
//! the start; a part's own helpers are added when the part first loads.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Instant;

use crate::sandbox::runtime::pins::host_function;
use rquickjs::function::This;
use rquickjs::{Ctx, Exception, Object, Result, Value};

use super::PreludeParts;
use super::console::LogSink;
use crate::sandbox::runtime::text::Text;

/// Name of the error the prelude throws when a module exports no function; the
/// job's `compile` outcome is recognised by it (and by the flag `noFunction` sets).
pub const NO_FUNCTION_ERROR_NAME: &str = "WarrenNoFunctionError";

/// Builds the `host` object for one job.
pub fn host_object<'js>(
    ctx: &Ctx<'js>,
    logs: Rc<RefCell<LogSink>>,
    started: Rc<Cell<Instant>>,
    parts: PreludeParts,
    no_function: Rc<Cell<bool>>,
) -> Result<Object<'js>> {
    let host = Object::new(ctx.clone())?;
    // No prototype: whatever job code puts on `Object.prototype` (a setter for a name
    // the host later gets) never runs with the host as `this`.
    host.set_prototype(None)?;
    host.set(
        "noFunction",
        host_function(
            ctx,
            move |ctx: Ctx<'js>, message: Text| -> Result<Value<'js>> {
                no_function.set(true);
                let error = Exception::from_message(ctx, &message)?;
                error.set("name", NO_FUNCTION_ERROR_NAME)?;
                Ok(error.into_value())
            },
        )?,
    )?;
    // `host.part(name)`: another part's factory, for a part that loads one itself.
    host.set(
        "part",
        host_function(
            ctx,
            move |ctx: Ctx<'js>, This(host): This<Object<'js>>, name: String| {
                super::factory(&ctx, &host, &parts, &name)
            },
        )?,
    )?;
    let sink = logs.clone();
    host.set(
        "log",
        host_function(ctx, move |level: u32, message: Text| {
            sink.borrow_mut().push(level, message.0);
        })?,
    )?;
    host.set(
        "logOpen",
        host_function(ctx, move || logs.borrow().is_open())?,
    )?;
    host.set(
        "clock",
        host_function(ctx, move || started.get().elapsed().as_millis() as f64)?,
    )?;
    Ok(host)
}
