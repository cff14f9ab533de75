//! Waiting for a promise synchronously, by running the engine's pending jobs until
//! it settles: what `require` of an ES module needs, where Node's loader finishes a
//! module graph without awaiting.

use rquickjs::promise::PromiseState;
use rquickjs::{Ctx, Exception, Promise, Result, Value};

/// The value of `promise` (or its rejection, thrown), once the pending jobs have run.
/// A promise that waits on a timer or a response cannot settle so: that throws, as
/// Node's `ERR_REQUIRE_ASYNC_MODULE` does.
pub fn settle_now<'js>(ctx: &Ctx<'js>, promise: &Promise<'js>) -> Result<Value<'js>> {
    while promise.state() == PromiseState::Pending && ctx.execute_pending_job() {}
    promise.result::<Value>().unwrap_or_else(|| {
        Err(Exception::throw_message(
            ctx,
            "require() of an ES module that awaits (top-level await) cannot finish synchronously",
        ))
    })
}
