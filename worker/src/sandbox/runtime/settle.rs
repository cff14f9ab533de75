//! Waiting for a promise synchronously, by running the engine's pending jobs until
//! it settles: what `require` of an ES module needs, where Node's loader finishes a
//! module graph without awaiting. While it waits, the resolver is stricter (see
//! `modules::graph`), and the job's deadline still holds.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Instant;

use rquickjs::promise::PromiseState;
use rquickjs::{Ctx, Exception, Promise, Result, Value};

/// A job's synchronous waits: each has an epoch of its own (so what one loaded can
/// be told from what was loaded before it), and they end at the job's deadline
/// (kept in the job's context as userdata).
#[derive(Clone)]
pub struct Waits {
    /// The innermost wait under way (0: none).
    current: Rc<Cell<u64>>,
    /// The last epoch given out.
    last: Rc<Cell<u64>>,
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
            current: Rc::new(Cell::new(0)),
            last: Rc::new(Cell::new(0)),
            deadline,
            interrupted,
        }
    }

    /// No wait under way and none counted, as in a fresh runtime.
    pub fn reset(&self) {
        self.current.set(0);
        self.last.set(0);
    }

    /// The epoch of the innermost synchronous wait under way in `ctx` (0: none).
    pub fn current(ctx: &Ctx<'_>) -> u64 {
        ctx.userdata::<Waits>()
            .map_or(0, |waits| waits.current.get())
    }
}

/// The value of `promise` (or its rejection, thrown), once the pending jobs have run.
/// A promise that waits on a timer or a response cannot settle so: that throws, as
/// Node's `ERR_REQUIRE_ASYNC_MODULE` does; so does one still pending at the deadline.
pub fn settle_now<'js>(ctx: &Ctx<'js>, promise: &Promise<'js>) -> Result<Value<'js>> {
    let waits = ctx.userdata::<Waits>().map(|waits| waits.clone());
    let outer = waits.as_ref().map(|waits| {
        let outer = waits.current.get();
        waits.last.set(waits.last.get() + 1);
        waits.current.set(waits.last.get());
        outer
    });
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
    if let (Some(waits), Some(outer)) = (&waits, outer) {
        waits.current.set(outer);
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
