//! The operator's packages evaluated once, in the snapshot, instead of by every job
//! that imports them.
//!
//! Before its picture is taken, a prepared job imports each package the pool preloads
//! (`--preload-module`) in each form a job may use: `import` (through the prelude's
//! `preloadImport`, whose base the resolver treats as job code's) and `require` (the
//! CommonJS job's own). The engine then holds each package's modules evaluated, under
//! the names a job's import resolves to, and `require`'s cache holds its exports: a
//! job's `import` or `require` of it still goes through the pool's table, and finds it
//! loaded. Whatever a job does to a package's objects is undone with the rest of its
//! heap when the picture is put back.
//!
//! A package is left out (and loaded by each job that imports it, as without a
//! snapshot) when loading it fails, waits for a timer or a response or leaves one
//! pending, goes past the pool's memory limit, or draws `crypto` randomness: a secret
//! made while preparing would be the same in every job restored from the picture,
//! whoever's job it is. (What a package keeps of `Math.random` at load, a hash seed or
//! an id salt, every call a Node process serves shares too; the generator itself is
//! reseeded for each job.)

use std::time::{Duration, Instant};

use rquickjs::promise::PromiseState;
use rquickjs::{CatchResultExt, Ctx, Function, Object, Promise, Value};

use super::live::{LiveJob, UNSTARTED_DEADLINE};
use crate::sandbox::code::JOB_MODULE_NAME;
use crate::sandbox::modules::resolution::Kind;
use crate::sandbox::runtime::random;

/// How long one package may take to load while preparing.
const PRELOAD_TIMEOUT: Duration = Duration::from_secs(60);

impl LiveJob {
    /// Loads `package` in `form` as job code would, or says why it must not be in the
    /// snapshot.
    pub(super) fn preload(&self, package: &str, form: Kind) -> Result<(), String> {
        let (Some(context), Some(handles)) = (&self.context, &self.handles) else {
            return Err("the runtime was not prepared".into());
        };
        let state = &self.state;
        state.deadline.set(Instant::now() + PRELOAD_TIMEOUT);
        let loaded = context.with(|ctx| {
            let draws = random::draws(&ctx);
            let hooks = handles
                .hooks
                .clone()
                .restore(&ctx)
                .map_err(|err| err.to_string())?;
            load(&ctx, &hooks, package, form)?;
            // What the package queued runs now, as it would right after a job's import.
            while ctx.execute_pending_job() {}
            let next_timer: f64 = hooks
                .get::<_, Function>("nextTimer")
                .and_then(|next| next.call(()))
                .map_err(|err| err.to_string())?;
            let fetching = state.fetch.as_ref().is_some_and(|f| f.borrow().waiting());
            if next_timer >= 0.0 || fetching {
                return Err("it leaves a timer or a request pending when loaded".into());
            }
            if random::draws(&ctx) != draws {
                return Err(
                    "it draws crypto randomness while loading (a secret?), which \
                            every job restored from the snapshot would then share"
                        .into(),
                );
            }
            Ok(())
        });
        let loaded = if state.interrupted.get() {
            Err(format!(
                "it took longer than {} s to load",
                PRELOAD_TIMEOUT.as_secs()
            ))
        } else if state.meter.exceeded() {
            Err("it needs more memory than the pool's limit".into())
        } else {
            loaded
        };
        state.deadline.set(Instant::now() + UNSTARTED_DEADLINE);
        loaded
    }
}

/// Imports or requires `package` through the prelude's hooks.
fn load<'js>(ctx: &Ctx<'js>, hooks: &Object<'js>, package: &str, form: Kind) -> Result<(), String> {
    let caught = |err: rquickjs::CaughtError<'js>| first_line(&err.to_string());
    match form {
        Kind::Require => {
            let job_require: Function = hooks.get("jobRequire").catch(ctx).map_err(caught)?;
            let require: Function = job_require
                .call((JOB_MODULE_NAME,))
                .catch(ctx)
                .map_err(caught)?;
            require
                .call::<_, Value>((package,))
                .catch(ctx)
                .map_err(caught)?;
        }
        Kind::Import => {
            let import: Function = hooks.get("preloadImport").catch(ctx).map_err(caught)?;
            let promise: Promise = import.call((package,)).catch(ctx).map_err(caught)?;
            while promise.state() == PromiseState::Pending && ctx.execute_pending_job() {}
            match promise.state() {
                PromiseState::Pending => {
                    return Err("it waits for a timer or a response while loading".into());
                }
                PromiseState::Rejected => {
                    let err = promise
                        .result::<Value>()
                        .and_then(Result::err)
                        .map(|err| caught(rquickjs::CaughtError::from_error(ctx, err)));
                    return Err(err.unwrap_or_else(|| "it failed to load".into()));
                }
                PromiseState::Resolved => {}
            }
        }
    }
    Ok(())
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or_default().to_owned()
}
