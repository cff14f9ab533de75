//! Loading a started job's code and calling its function: an ES module's default
//! export, or what a CommonJS script leaves in `module.exports`.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use rquickjs::promise::PromiseState;
use rquickjs::{CatchResultExt, CaughtError, Ctx, Function, Object, Promise, Value};
use serde_json::value::RawValue;

use super::outcome::Failure;
use super::state::{JobIdentity, JobState};
use crate::sandbox::code::{CompiledCode, JOB_MODULE_NAME};
use crate::sandbox::globals::host::NO_FUNCTION_ERROR_NAME;
use crate::sandbox::runtime::bytecode;
use crate::sandbox::runtime::detect::CodeForm;
use crate::sandbox::runtime::errors::Described;

/// What loading a job needs.
pub(super) struct Env<'a, 'js> {
    pub ctx: &'a Ctx<'js>,
    pub hooks: Object<'js>,
    pub code: &'a CompiledCode,
    pub input: &'a RawValue,
    pub identity: JobIdentity<'a>,
    pub state: &'a JobState,
}

/// Loads the job and calls its function: the promise of its value.
pub(super) fn execute<'js>(env: &Env<'_, 'js>) -> Result<Promise<'js>, Failure> {
    let ctx = env.ctx;
    let state = env.state;
    let hooks = &env.hooks;

    let input = ctx
        .json_parse(env.input.get())
        .catch(ctx)
        .map_err(Failure::thrown)?;
    let job_ctx = Object::new(ctx.clone())
        .catch(ctx)
        .map_err(Failure::thrown)?;
    let deadline_ms = SystemTime::now()
        .checked_add(
            state
                .deadline
                .get()
                .saturating_duration_since(Instant::now()),
        )
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0.0, |d| d.as_millis() as f64);
    job_ctx
        .set("jobId", env.identity.job_id)
        .and_then(|()| job_ctx.set("attempt", env.identity.attempt))
        .and_then(|()| job_ctx.set("deadline", deadline_ms))
        .catch(ctx)
        .map_err(Failure::thrown)?;

    let promise: Promise = match env.code.form {
        CodeForm::Module => {
            // SAFETY: job bytecode is produced by this process's compiler (`code::compiler`).
            let module = unsafe { bytecode::load_module(ctx, &env.code.bytecode) }
                .catch(ctx)
                .map_err(Failure::thrown)?;
            let (module, evaluated) = module.eval().catch(ctx).map_err(Failure::thrown)?;
            // Most modules finish evaluating at once: their export is called directly.
            // One still waiting (top-level await on a timer or a response) goes through
            // the prelude's `run`, which awaits it, then checks and calls the export.
            while evaluated.state() == PromiseState::Pending && ctx.execute_pending_job() {
                if state.interrupted.get() {
                    return Err(Failure::Deadline);
                }
            }
            let namespace = module.namespace().catch(ctx).map_err(Failure::thrown)?;
            if evaluated.state() == PromiseState::Pending {
                let run: Function = hooks.get("run").catch(ctx).map_err(Failure::thrown)?;
                run.call((evaluated, namespace, input, job_ctx))
                    .catch(ctx)
                    .map_err(Failure::thrown)?
            } else {
                if let Some(Err(err)) = evaluated.result::<Value>() {
                    return Err(Failure::thrown(CaughtError::from_error(ctx, err)));
                }
                let export: Value = namespace
                    .get("default")
                    .catch(ctx)
                    .map_err(Failure::thrown)?;
                if !export.is_function() {
                    state.no_function.set(true);
                    return Err(Failure::Thrown(Described {
                        name: NO_FUNCTION_ERROR_NAME.into(),
                        message: if export.is_undefined() {
                            "the module has no default export".into()
                        } else {
                            format!(
                                "the module's default export is {}, not a function",
                                export.type_name()
                            )
                        },
                        stack: None,
                    }));
                }
                let invoke: Function = hooks.get("invoke").catch(ctx).map_err(Failure::thrown)?;
                invoke
                    .call((export, input, job_ctx))
                    .catch(ctx)
                    .map_err(Failure::thrown)?
            }
        }
        CodeForm::Script => {
            let function = script_function(env)?;
            let invoke: Function = hooks.get("invoke").catch(ctx).map_err(Failure::thrown)?;
            invoke
                .call((function, input, job_ctx))
                .catch(ctx)
                .map_err(Failure::thrown)?
        }
    };
    Ok(promise)
}

/// Runs a CommonJS job inside Node's wrapper and finds its function.
fn script_function<'js>(env: &Env<'_, 'js>) -> Result<Value<'js>, Failure> {
    let ctx = env.ctx;
    let no_function = |message: &str| {
        env.state.no_function.set(true);
        Failure::Thrown(Described {
            name: NO_FUNCTION_ERROR_NAME.into(),
            message: message.into(),
            stack: None,
        })
    };
    // SAFETY: job bytecode is produced by this process's compiler (`code::compiler`).
    let wrapper = unsafe { bytecode::run_script(ctx, &env.code.bytecode) }
        .catch(ctx)
        .map_err(Failure::thrown)?;
    let wrapper = wrapper
        .into_function()
        .ok_or_else(|| no_function("the script did not compile to a function"))?;
    let module = Object::new(ctx.clone())
        .catch(ctx)
        .map_err(Failure::thrown)?;
    let exports = Object::new(ctx.clone())
        .catch(ctx)
        .map_err(Failure::thrown)?;
    module
        .set("exports", exports.clone())
        .catch(ctx)
        .map_err(Failure::thrown)?;
    let job_require: Function = env
        .hooks
        .get("jobRequire")
        .catch(ctx)
        .map_err(Failure::thrown)?;
    let require: Value = job_require
        .call((JOB_MODULE_NAME,))
        .catch(ctx)
        .map_err(Failure::thrown)?;
    let () = wrapper
        .call((exports, require, module.clone(), JOB_MODULE_NAME, "/"))
        .map(|_: Value| ())
        .catch(ctx)
        .map_err(Failure::thrown)?;
    let exported: Value = module.get("exports").catch(ctx).map_err(Failure::thrown)?;
    if exported.is_function() {
        return Ok(exported);
    }
    if let Some(object) = exported.as_object() {
        let default: Value = object.get("default").catch(ctx).map_err(Failure::thrown)?;
        if default.is_function() {
            return Ok(default);
        }
    }
    Err(no_function(
        "module.exports (or module.exports.default) is not a function",
    ))
}
