//! Running one job in a fresh runtime and context: load the prelude and the job's
//! bytecode, call the exported function, drive its promise and timers to the end,
//! and turn whatever happened into an [`Outcome`].

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rquickjs::context::intrinsic;
use rquickjs::promise::PromiseState;
use rquickjs::{
    CatchResultExt, CaughtError, Context, Ctx, Function, Module, Object, Promise, Runtime, Value,
};
use serde_json::value::RawValue;
use warren_wire::{ErrorKind, JobError, LogEntry, Outcome};

use super::allocator::{MemoryMeter, MeteredAllocator};
use super::bytecode;
use super::compile::{CompiledCode, HostBytecode, JOB_MODULE_NAME};
use super::console::LogSink;
use super::detect::CodeForm;
use super::errors::{Described, describe_caught};
use super::host::host_object;
use super::limits::EffectiveLimits;
use super::loader::{AllowlistResolver, BuiltinLoader, DENIED_ERROR_NAME, DeniedLog};
use super::modules::ModuleTable;

/// The intrinsics every job context starts with: what the engine itself needs
/// (RegExp for literals, Promise for async functions) and JSON. `Eval` is never
/// added (jobs run bytecode; no `eval` or `new Function`); the rest of the standard
/// library is added on first use (see `intrinsics`).
type JobIntrinsics = (
    intrinsic::RegExpCompiler,
    intrinsic::RegExp,
    intrinsic::Json,
    intrinsic::Promise,
);

/// Allocation volume between garbage collections in a job's runtime: most jobs end
/// (and free everything at once) before the first one.
const GC_THRESHOLD: usize = 4 << 20;

/// Everything the sandbox reports about one run.
#[derive(Debug)]
pub struct RunReport {
    pub outcome: Outcome,
    pub logs: Vec<LogEntry>,
    pub wall: Duration,
    pub memory_peak_bytes: u64,
}

/// What identifies a job to its own code (`ctx` in `f(input, ctx)`).
#[derive(Debug, Clone, Copy)]
pub struct JobIdentity<'a> {
    pub job_id: &'a str,
    pub attempt: u32,
}

/// The job's runtime and context, returned so the caller can free them after the
/// result is on its way rather than before.
pub struct Leftovers {
    context: Option<Context>,
    runtime: Option<Runtime>,
}

impl Drop for Leftovers {
    fn drop(&mut self) {
        // A context must go before its runtime.
        drop(self.context.take());
        drop(self.runtime.take());
    }
}

/// How a run failed, before it is classified into an error kind.
enum Failure {
    /// JS threw (or a promise rejected) and nothing caught it.
    Thrown(Described),
    /// The code compiled but exports no function.
    NoFunction(String),
    /// The value cannot be sent as JSON.
    Output(String),
    /// Nothing left that could settle the job's promise.
    Stalled,
    /// Past the deadline (noticed by the host, not the interrupt handler).
    Deadline,
}

impl Failure {
    fn thrown(err: CaughtError<'_>) -> Failure {
        Failure::Thrown(describe_caught(&err))
    }
}

/// Runs one compiled job under `limits`.
pub fn run_job(
    host: &HostBytecode,
    table: &Arc<ModuleTable>,
    code: &CompiledCode,
    input: &RawValue,
    identity: JobIdentity<'_>,
    limits: &EffectiveLimits,
) -> (RunReport, Leftovers) {
    let started = Instant::now();
    let deadline = started + limits.timeout;
    let meter = MemoryMeter::new(limits.memory_bytes);
    let interrupted = Rc::new(Cell::new(false));
    let denied = DeniedLog::default();
    let logs = Rc::new(RefCell::new(LogSink::new(
        limits.max_log_entries,
        limits.max_log_bytes,
    )));
    let mut leftovers = Leftovers {
        context: None,
        runtime: None,
    };

    let result = (|| {
        let runtime = Runtime::new_with_alloc(MeteredAllocator::new(meter.clone()))
            .map_err(|err| Failure::Thrown(plain(format!("cannot create the runtime: {err}"))))?;
        runtime.set_max_stack_size(limits.stack_bytes);
        runtime.set_gc_threshold(GC_THRESHOLD);
        super::intrinsics::reset();
        let flag = interrupted.clone();
        runtime.set_interrupt_handler(Some(Box::new(move || {
            if Instant::now() >= deadline {
                flag.set(true);
            }
            flag.get()
        })));
        runtime.set_loader(
            AllowlistResolver::new(table.clone(), denied.clone()),
            BuiltinLoader::new(host.modules.clone()),
        );
        let context = Context::custom::<JobIntrinsics>(&runtime)
            .map_err(|err| Failure::Thrown(plain(format!("cannot create the context: {err}"))));
        leftovers.runtime = Some(runtime);
        let context = context?;
        let result = context.with(|ctx| {
            let env = Env {
                ctx: &ctx,
                host,
                code,
                input,
                identity,
                limits,
                started,
                deadline,
                logs: &logs,
                interrupted: &interrupted,
            };
            execute(&env)
        });
        leftovers.context = Some(context);
        result
    })();

    let outcome = classify(result, limits, &meter, &interrupted, &denied);
    // Host functions in the (not yet freed) context still share the sink: take its entries.
    let logs = std::mem::replace(&mut *logs.borrow_mut(), LogSink::new(0, 0));
    let report = RunReport {
        outcome,
        logs: logs.into_entries(),
        wall: started.elapsed(),
        memory_peak_bytes: meter.peak() as u64,
    };
    (report, leftovers)
}

fn plain(message: String) -> Described {
    Described {
        name: String::new(),
        message,
        stack: None,
    }
}

struct Env<'a, 'js> {
    ctx: &'a Ctx<'js>,
    host: &'a HostBytecode,
    code: &'a CompiledCode,
    input: &'a RawValue,
    identity: JobIdentity<'a>,
    limits: &'a EffectiveLimits,
    started: Instant,
    deadline: Instant,
    logs: &'a Rc<RefCell<LogSink>>,
    interrupted: &'a Rc<Cell<bool>>,
}

fn execute(env: &Env<'_, '_>) -> Result<Box<RawValue>, Failure> {
    let ctx = env.ctx;
    // SAFETY: the prelude's bytecode was compiled by this process (`compile_host`).
    let prelude = unsafe { bytecode::run_script(ctx, &env.host.prelude) }
        .catch(ctx)
        .map_err(Failure::thrown)?;
    let prelude = prelude
        .into_function()
        .ok_or_else(|| Failure::Thrown(plain("the prelude is not a function".into())))?;
    let host = host_object(ctx, env.logs.clone(), env.started, env.host.parts.clone())
        .catch(ctx)
        .map_err(Failure::thrown)?;
    let hooks: Object = prelude.call((host,)).catch(ctx).map_err(Failure::thrown)?;

    let function = load_function(env, &hooks)?;

    let input = ctx
        .json_parse(env.input.get())
        .catch(ctx)
        .map_err(Failure::thrown)?;
    let job_ctx = Object::new(ctx.clone())
        .catch(ctx)
        .map_err(Failure::thrown)?;
    let deadline_ms = SystemTime::now()
        .checked_add(env.deadline.saturating_duration_since(Instant::now()))
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0.0, |d| d.as_millis() as f64);
    job_ctx
        .set("jobId", env.identity.job_id)
        .and_then(|()| job_ctx.set("attempt", env.identity.attempt))
        .and_then(|()| job_ctx.set("deadline", deadline_ms))
        .catch(ctx)
        .map_err(Failure::thrown)?;

    let invoke: Function = hooks.get("invoke").catch(ctx).map_err(Failure::thrown)?;
    let promise: Promise = invoke
        .call((function, input, job_ctx))
        .catch(ctx)
        .map_err(Failure::thrown)?;
    let value = settle(env, &hooks, &promise)?;
    serialize(ctx, value, env.limits.max_result_bytes)
}

/// Loads the job's bytecode and finds its function.
fn load_function<'js>(env: &Env<'_, 'js>, hooks: &Object<'js>) -> Result<Value<'js>, Failure> {
    let ctx = env.ctx;
    match env.code.form {
        CodeForm::Module => {
            // SAFETY: job bytecode is produced by this process's compiler (`compile.rs`).
            let module = unsafe { bytecode::load_module(ctx, &env.code.bytecode) }
                .catch(ctx)
                .map_err(Failure::thrown)?;
            let (module, evaluated) = module.eval().catch(ctx).map_err(Failure::thrown)?;
            settle(env, hooks, &evaluated)?;
            let namespace = module.namespace().catch(ctx).map_err(Failure::thrown)?;
            let export: Value = namespace
                .get("default")
                .catch(ctx)
                .map_err(Failure::thrown)?;
            if export.is_function() {
                Ok(export)
            } else if export.is_undefined() {
                Err(Failure::NoFunction(
                    "the module has no default export".into(),
                ))
            } else {
                Err(Failure::NoFunction(format!(
                    "the module's default export is {}, not a function",
                    export.type_name()
                )))
            }
        }
        CodeForm::Script => {
            // SAFETY: as above.
            let wrapper = unsafe { bytecode::run_script(ctx, &env.code.bytecode) }
                .catch(ctx)
                .map_err(Failure::thrown)?;
            let wrapper = wrapper.into_function().ok_or_else(|| {
                Failure::NoFunction("the script did not compile to a function".into())
            })?;
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
            let require = Function::new(ctx.clone(), require)
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
            Err(Failure::NoFunction(
                "module.exports (or module.exports.default) is not a function".into(),
            ))
        }
    }
}

/// `require(name)` for scripts: imports the module and waits for it synchronously.
fn require<'js>(ctx: Ctx<'js>, name: String) -> rquickjs::Result<Value<'js>> {
    let promise = Module::import(&ctx, name.as_str())?;
    while promise.state() == PromiseState::Pending && ctx.execute_pending_job() {}
    // A rejection comes back as `Err(Exception)` with the reason thrown: rethrown as is.
    promise.result::<Value>().unwrap_or_else(|| {
        Err(rquickjs::Exception::throw_message(
            &ctx,
            &format!("require('{name}'): the module did not finish loading synchronously"),
        ))
    })
}

/// Drives microtasks and timers until `promise` settles, the deadline passes, or
/// nothing is left that could settle it.
fn settle<'js>(
    env: &Env<'_, 'js>,
    hooks: &Object<'js>,
    promise: &Promise<'js>,
) -> Result<Value<'js>, Failure> {
    let ctx = env.ctx;
    loop {
        while promise.state() == PromiseState::Pending && ctx.execute_pending_job() {
            if env.interrupted.get() {
                return Err(Failure::Deadline);
            }
        }
        if let Some(result) = promise.result::<Value>() {
            return result.catch(ctx).map_err(Failure::thrown);
        }
        if env.interrupted.get() || Instant::now() >= env.deadline {
            return Err(Failure::Deadline);
        }
        let next_timer: Function = hooks.get("nextTimer").catch(ctx).map_err(Failure::thrown)?;
        let due: f64 = next_timer.call(()).catch(ctx).map_err(Failure::thrown)?;
        if due < 0.0 {
            return Err(Failure::Stalled);
        }
        let now = env.started.elapsed().as_secs_f64() * 1000.0;
        if due > now {
            let until_due = Duration::from_secs_f64((due - now) / 1000.0);
            let until_deadline = env.deadline.saturating_duration_since(Instant::now());
            std::thread::sleep(until_due.min(until_deadline));
            if Instant::now() >= env.deadline {
                return Err(Failure::Deadline);
            }
        }
        let now = env.started.elapsed().as_millis() as f64;
        let run_timer: Function = hooks.get("runTimer").catch(ctx).map_err(Failure::thrown)?;
        let () = run_timer.call((now,)).catch(ctx).map_err(Failure::thrown)?;
    }
}

/// The function's value as JSON text, following `JSON.stringify` except at the top.
fn serialize<'js>(
    ctx: &Ctx<'js>,
    value: Value<'js>,
    max_bytes: usize,
) -> Result<Box<RawValue>, Failure> {
    if value.is_undefined() {
        return Ok(warren_wire::job::null_value());
    }
    if value.is_function() || value.is_symbol() {
        return Err(Failure::Output(format!(
            "the function returned a {}, which has no JSON form",
            value.type_name()
        )));
    }
    let json = ctx.json_stringify(value).catch(ctx).map_err(|err| {
        Failure::Output(format!(
            "the return value is not JSON-serialisable: {}",
            describe_caught(&err).message
        ))
    })?;
    let Some(json) = json else {
        return Ok(warren_wire::job::null_value());
    };
    let json = json
        .to_string()
        .map_err(|err| Failure::Output(format!("the return value is not valid text: {err}")))?;
    if json.len() > max_bytes {
        return Err(Failure::Output(format!(
            "the return value is {} bytes of JSON, over the limit of {max_bytes} bytes",
            json.len()
        )));
    }
    RawValue::from_string(json)
        .map_err(|err| Failure::Output(format!("the return value is not valid JSON: {err}")))
}

/// Decides the error kind. Hitting the memory or time limit wins over whatever JS did
/// afterwards with the error it got.
fn classify(
    result: Result<Box<RawValue>, Failure>,
    limits: &EffectiveLimits,
    meter: &MemoryMeter,
    interrupted: &Cell<bool>,
    denied: &DeniedLog,
) -> Outcome {
    let failure = match result {
        Ok(value) => return Outcome::Ok(value),
        Err(failure) => failure,
    };
    let timeout = || {
        Outcome::error(
            ErrorKind::Timeout,
            format!(
                "the job ran past its time limit of {} ms",
                limits.timeout.as_millis()
            ),
        )
    };
    if interrupted.get() {
        return timeout();
    }
    if meter.exceeded() {
        return Outcome::error(
            ErrorKind::Memory,
            format!(
                "the job ran past its memory limit of {} MiB",
                limits.memory_bytes >> 20
            ),
        );
    }
    match failure {
        Failure::Deadline => timeout(),
        Failure::Stalled => Outcome::error(
            ErrorKind::Timeout,
            "the job's promise never settles: nothing is pending that could settle it",
        ),
        Failure::NoFunction(message) => Outcome::error(ErrorKind::Compile, message),
        Failure::Output(message) => Outcome::error(ErrorKind::Output, message),
        Failure::Thrown(described) => {
            let kind = if described.name == DENIED_ERROR_NAME && !denied.borrow().is_empty() {
                ErrorKind::ModuleDenied
            } else if described.name == "RangeError"
                && described.message == "Maximum call stack size exceeded"
            {
                ErrorKind::Stack
            } else {
                ErrorKind::Exception
            };
            Outcome::Error(JobError {
                kind,
                message: described.message,
                stack: described.stack,
            })
        }
    }
}
