//! A job's event loop: microtasks, then due timers, until its promise settles, its
//! deadline passes, or it can only wait for a timer or a response.

use std::time::{Duration, Instant};

use rquickjs::promise::PromiseState;
use rquickjs::{CatchResultExt, Ctx, Function, Object, Promise, Value};
use serde_json::value::RawValue;

use super::outcome::{Failure, serialize};
use super::state::JobState;

/// What driving a job came to.
pub(super) enum Progress {
    Done(Box<RawValue>),
    Waiting(Instant),
}

/// Runs microtasks and due timers until `promise` settles, the deadline passes, or the
/// job can only wait; fails when nothing is left that could settle it.
pub(super) fn advance<'js>(
    ctx: &Ctx<'js>,
    state: &JobState,
    hooks: &Object<'js>,
    promise: &Promise<'js>,
) -> Result<Progress, Failure> {
    loop {
        while promise.state() == PromiseState::Pending && ctx.execute_pending_job() {
            if state.interrupted.get() {
                return Err(Failure::Deadline);
            }
        }
        if let Some(result) = promise.result::<Object>() {
            // The prelude's box around the job's value (see `invoke` in prelude.js).
            let settled = result.catch(ctx).map_err(Failure::thrown)?;
            let value: Value = settled.get("value").catch(ctx).map_err(Failure::thrown)?;
            return serialize(ctx, value, state.limits.max_result_bytes).map(Progress::Done);
        }
        let (started, deadline) = (state.started.get(), state.deadline.get());
        if state.interrupted.get() || Instant::now() >= deadline {
            return Err(Failure::Deadline);
        }
        let next_timer: Function = hooks.get("nextTimer").catch(ctx).map_err(Failure::thrown)?;
        let due: f64 = next_timer.call(()).catch(ctx).map_err(Failure::thrown)?;
        let now = started.elapsed().as_secs_f64() * 1000.0;
        if due >= 0.0 && due <= now {
            let run_timer: Function = hooks.get("runTimer").catch(ctx).map_err(Failure::thrown)?;
            let () = run_timer.call((now,)).catch(ctx).map_err(Failure::thrown)?;
            continue;
        }
        let awaiting_io = state
            .fetch
            .as_ref()
            .is_some_and(|fetch| fetch.borrow().waiting());
        if due < 0.0 && !awaiting_io {
            return Err(Failure::Stalled);
        }
        let wake = Duration::try_from_secs_f64(due / 1000.0)
            .ok()
            .and_then(|after| started.checked_add(after))
            .map_or(deadline, |at| at.min(deadline));
        return Ok(Progress::Waiting(wake));
    }
}
