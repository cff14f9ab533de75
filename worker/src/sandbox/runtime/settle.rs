//! Waiting for a promise synchronously, by running the engine's pending jobs until
//! it settles: what `require` of an ES module needs, where Node's loader finishes a
//! module graph without awaiting. While it waits, the resolver is stricter (see
//! `modules::graph`), and the job's deadline still holds.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Instant;

use rquickjs::promise::PromiseState;
use rquickjs::{Ctx, Exception, Promise, Result, Value};

/// A job's synchronous waits: how deep they are nested, and the deadline they end at
/// (kept in the job's context as userdata).
#[derive(Clone)]
pub struct Waits {
    depth: Rc<Cell<u32>>,
    deadline: Rc<Cell<Instant>>,
    interrupted: Rc<Cell<bool>>,
}

// SAFETY: `Waits` holds no JS values, so it has no lifetime to change.
unsafe impl<'js> rquickjs::JsLifetime<'js> for Waits {
    type Changed<'to> = Waits;
}

impl Waits {
    /// Waits that end at `deadline`, setting `interrupted` (which the job's interrupt
    /// handler then acts on) when they run past it.
    pub fn new(deadline: Rc<Cell<Instant>>, interrupted: Rc<Cell<bool>>) -> Waits {
        Waits {
            depth: Rc::new(Cell::new(0)),
            deadline,
            interrupted,
        }
    }

    /// How many synchronous waits are under way in `ctx` (nested in each other).
    pub fn depth(ctx: &Ctx<'_>) -> u32 {
        ctx.userdata::<Waits>().map_or(0, |waits| waits.depth.get())
    }
}

/// The value of `promise` (or its rejection, thrown), once the pending jobs have run.
/// A promise that waits on a timer or a response cannot settle so: that throws, as
/// Node's `ERR_REQUIRE_ASYNC_MODULE` does; so does one still pending at the deadline.
pub fn settle_now<'js>(ctx: &Ctx<'js>, promise: &Promise<'js>) -> Result<Value<'js>> {
    let waits = ctx.userdata::<Waits>().map(|waits| waits.clone());
    if let Some(waits) = &waits {
        waits.depth.set(waits.depth.get() + 1);
    }
    let mut overran = false;
    while promise.state() == PromiseState::Pending {
        if let Some(waits) = &waits
            && Instant::now() >= waits.deadline.get()
        {
            waits.interrupted.set(true);
            overran = true;
            break;
        }
        if !ctx.execute_pending_job() {
            break;
        }
    }
    if let Some(waits) = &waits {
        waits.depth.set(waits.depth.get().saturating_sub(1));
    }
    if overran {
        return Err(Exception::throw_internal(ctx, "interrupted"));
    }
    promise.result::<Value>().unwrap_or_else(|| {
        Err(Exception::throw_message(
            ctx,
            "require() of an ES module that awaits (top-level await) cannot finish synchronously",
        ))
    })
}
