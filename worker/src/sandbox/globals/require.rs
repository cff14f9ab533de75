//! Native half of the CommonJS job's `require` (`import.js`): waiting synchronously
//! for the `warren:commonjs` module it is made by.

use crate::sandbox::runtime::pins::host_function;
use rquickjs::{Ctx, Object, Promise, Result};

use crate::sandbox::runtime::settle::settle_now;

/// Adds `settle(promise)` to `host`: the promise's value, waited for synchronously
/// (`runtime::settle`).
pub fn install<'js>(ctx: &Ctx<'js>, host: &Object<'js>) -> Result<()> {
    host.set(
        "settle",
        host_function(ctx, |ctx: Ctx<'js>, promise: Promise<'js>| {
            settle_now(&ctx, &promise)
        })?,
    )
}
