//! One job in its own fresh runtime and context, as a resumable state machine:
//! [`LiveJob::prepare`] creates the runtime and context and runs the prelude (before
//! the job is known, so a slot can have the next one ready); [`LiveJob::start`] loads
//! the job's bytecode and calls the exported function; [`LiveJob::drive`] runs
//! microtasks and due timers until the job's promise settles or it can only wait
//! (for a timer or a `fetch` response). A waiting job holds no thread: its slot parks
//! it and runs other jobs meanwhile, then hands it what it waited for
//! ([`LiveJob::fetch_settled`]) and drives it again.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rquickjs::context::intrinsic;
use rquickjs::promise::PromiseState;
use rquickjs::{
    CatchResultExt, CaughtError, Context, Ctx, Function, Module, Object, Persistent, Promise,
    Runtime, Value,
};
use serde_json::value::RawValue;
use warren_wire::{ErrorKind, JobError, LogEntry, Outcome};

use super::allocator::{MemoryMeter, MeteredAllocator};
use super::bytecode;
use super::compile::{CompiledCode, HostBytecode, JOB_MODULE_NAME};
use super::console::LogSink;
use super::detect::CodeForm;
use super::errors::{Described, describe_caught};
use super::fetch::{FetchGrant, JobFetch};
use super::host::{NO_FUNCTION_ERROR_NAME, host_object};
use super::limits::EffectiveLimits;
use super::loader::{AllowlistResolver, BuiltinLoader, DENIED_ERROR_NAME, DeniedLog};
use super::modules::ModuleTable;
use crate::egress::{FetchError, FetchRequest, FetchResponse};

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

/// What a slot gives every job it starts.
#[derive(Clone, Copy)]
pub struct SlotEnv<'a> {
    /// Warren's own compiled JS and the operator's modules.
    pub host: &'a HostBytecode,
    pub table: &'a Arc<ModuleTable>,
    /// The pool's `fetch`, if it grants one.
    pub fetch: Option<&'a FetchGrant>,
    /// The pool's maxima, which a prepared context runs under until its job starts.
    pub limits: EffectiveLimits,
}

/// What identifies a job to its own code (`ctx` in `f(input, ctx)`).
#[derive(Debug, Clone, Copy)]
pub struct JobIdentity<'a> {
    pub job_id: &'a str,
    pub attempt: u32,
}

/// How a run failed, before it is classified into an error kind.
enum Failure {
    /// JS threw (or a promise rejected) and nothing caught it.
    Thrown(Described),
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

/// Where a job stands after [`LiveJob::drive`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Its outcome is known: take it with [`LiveJob::report`].
    Finished,
    /// It waits for a timer or a response; drive it again at `wake` at the latest
    /// (its next timer, or its deadline) or when a response arrives.
    Waiting { wake: Instant },
}

/// The JS values a waiting job is resumed with.
struct Handles {
    /// The prelude's hooks (from preparation on).
    hooks: Persistent<Object<'static>>,
    /// The promise of the job's value (once started).
    promise: Option<Persistent<Promise<'static>>>,
}

/// How long a prepared context may wait for its job before its interrupt handler
/// would stop it: never, in practice (the real deadline is set when the job starts).
const UNSTARTED_DEADLINE: Duration = Duration::from_secs(365 * 24 * 3600);

/// What is shared between a job's host functions and its driver.
struct JobState {
    meter: Rc<MemoryMeter>,
    interrupted: Rc<Cell<bool>>,
    denied: DeniedLog,
    no_function: Rc<Cell<bool>>,
    logs: Rc<RefCell<LogSink>>,
    fetch: Option<Rc<RefCell<JobFetch>>>,
    /// When the slot took the job: the zero of its clock (`host.clock()`).
    started: Rc<Cell<Instant>>,
    /// Read by the interrupt handler.
    deadline: Rc<Cell<Instant>>,
    limits: EffectiveLimits,
}

/// One job from start to outcome. Dropping it frees its context and runtime, so the
/// slot drops it only once the report is on its way.
pub struct LiveJob {
    // Field order is drop order: JS values before their context, the context before
    // its runtime.
    handles: Option<Handles>,
    context: Option<Context>,
    runtime: Option<Runtime>,
    state: JobState,
    /// Why preparation failed, reported as the job's outcome when it starts.
    unprepared: Option<Failure>,
    outcome: Option<Outcome>,
}

impl LiveJob {
    /// Creates a runtime and context for a job not yet known and runs the prelude in
    /// it, under the pool's maximum limits. Nothing job-specific happens here: every
    /// prepared context is alike, and each serves exactly one job.
    pub fn prepare(slot: SlotEnv<'_>) -> LiveJob {
        let limits = slot.limits;
        let now = Instant::now();
        let deadline = now + UNSTARTED_DEADLINE;
        let mut job = LiveJob {
            handles: None,
            context: None,
            runtime: None,
            state: JobState {
                meter: MemoryMeter::new(limits.memory_bytes),
                interrupted: Rc::new(Cell::new(false)),
                denied: DeniedLog::default(),
                no_function: Rc::new(Cell::new(false)),
                logs: Rc::new(RefCell::new(LogSink::new(
                    limits.max_log_entries,
                    limits.max_log_bytes,
                ))),
                fetch: slot
                    .fetch
                    .map(|grant| Rc::new(RefCell::new(JobFetch::new(grant, deadline)))),
                started: Rc::new(Cell::new(now)),
                deadline: Rc::new(Cell::new(deadline)),
                limits,
            },
            unprepared: None,
            outcome: None,
        };
        if let Err(failure) = job.boot(slot.host, slot.table) {
            job.unprepared = Some(failure);
        }
        job
    }

    fn boot(&mut self, host: &HostBytecode, table: &Arc<ModuleTable>) -> Result<(), Failure> {
        let state = &self.state;
        let runtime = Runtime::new_with_alloc(MeteredAllocator::new(state.meter.clone()))
            .map_err(|err| Failure::Thrown(plain(format!("cannot create the runtime: {err}"))))?;
        runtime.set_max_stack_size(state.limits.stack_bytes);
        runtime.set_gc_threshold(GC_THRESHOLD);
        let (flag, deadline) = (state.interrupted.clone(), state.deadline.clone());
        runtime.set_interrupt_handler(Some(Box::new(move || {
            if Instant::now() >= deadline.get() {
                flag.set(true);
            }
            flag.get()
        })));
        runtime.set_loader(
            AllowlistResolver::new(table.clone(), state.denied.clone()),
            BuiltinLoader::new(host.modules.clone()),
        );
        let context = Context::custom::<JobIntrinsics>(&runtime)
            .map_err(|err| Failure::Thrown(plain(format!("cannot create the context: {err}"))));
        self.runtime = Some(runtime);
        let context = self.context.insert(context?);
        let hooks = context.with(|ctx| {
            run_prelude(&ctx, host, state).map(|hooks| Persistent::save(&ctx, hooks))
        })?;
        self.handles = Some(Handles {
            hooks,
            promise: None,
        });
        Ok(())
    }

    /// Gives a prepared job its code, input and limits, and calls its function; the
    /// job then either has its outcome or waits to be driven. Its clock (wall time,
    /// deadline) starts at `started`, when the slot took it. Call on the thread that
    /// will drive the job.
    pub fn start(
        mut self,
        code: &CompiledCode,
        input: &RawValue,
        identity: JobIdentity<'_>,
        limits: &EffectiveLimits,
        started: Instant,
    ) -> LiveJob {
        let deadline = started + limits.timeout;
        let state = &mut self.state;
        state.limits = *limits;
        state.started.set(started);
        state.deadline.set(deadline);
        state.meter.set_limit(limits.memory_bytes);
        if let Some(fetch) = &state.fetch {
            fetch.borrow_mut().set_deadline(deadline);
        }
        if let Some(failure) = self.unprepared.take() {
            self.finish(Err(failure));
            return self;
        }
        let (Some(context), Some(handles)) = (&self.context, &mut self.handles) else {
            self.finish(Err(Failure::Stalled));
            return self;
        };
        let state = &self.state;
        let called = context.with(|ctx| {
            // QuickJS measures the stack limit from where the runtime was created (in
            // the slot's idle loop, perhaps): measure it from where the job runs.
            // SAFETY: `ctx` is the live context of this job's runtime, on the thread
            // that runs the job.
            unsafe {
                rquickjs::qjs::JS_UpdateStackTop(rquickjs::qjs::JS_GetRuntime(
                    ctx.as_raw().as_ptr(),
                ))
            };
            let hooks = handles
                .hooks
                .clone()
                .restore(&ctx)
                .map_err(|err| Failure::Thrown(plain(err.to_string())))?;
            let env = Env {
                ctx: &ctx,
                hooks,
                code,
                input,
                identity,
                state,
            };
            execute(&env).map(|promise| Persistent::save(&ctx, promise))
        });
        match called {
            Ok(promise) => handles.promise = Some(promise),
            Err(failure) => self.finish(Err(failure)),
        }
        self
    }

    /// Runs the job until it finishes or can only wait.
    pub fn drive(&mut self) -> Step {
        if self.outcome.is_some() {
            return Step::Finished;
        }
        let (
            Some(context),
            Some(Handles {
                hooks,
                promise: Some(promise),
            }),
        ) = (&self.context, &self.handles)
        else {
            self.finish(Err(Failure::Stalled));
            return Step::Finished;
        };
        let state = &self.state;
        let progress = context.with(|ctx| {
            let restore = |err: rquickjs::Error| Failure::Thrown(plain(err.to_string()));
            let hooks = hooks.clone().restore(&ctx).map_err(restore)?;
            let promise = promise.clone().restore(&ctx).map_err(restore)?;
            advance(&ctx, state, &hooks, &promise)
        });
        match progress {
            Ok(Progress::Waiting(wake)) => Step::Waiting { wake },
            Ok(Progress::Done(value)) => {
                self.finish(Ok(value));
                Step::Finished
            }
            Err(failure) => {
                self.finish(Err(failure));
                Step::Finished
            }
        }
    }

    /// Ends a waiting job whose deadline has passed.
    pub fn expire(&mut self) {
        if self.outcome.is_none() {
            self.finish(Err(Failure::Deadline));
        }
    }

    /// The deadline the job runs against.
    pub fn deadline(&self) -> Instant {
        self.state.deadline.get()
    }

    /// Requests the job made since last asked, to be performed by the host.
    pub fn take_requests(&mut self) -> Vec<(u32, FetchRequest)> {
        match &self.state.fetch {
            Some(fetch) if self.outcome.is_none() => fetch.borrow_mut().take_outbox(),
            _ => Vec::new(),
        }
    }

    /// Hands the job the outcome of its request `id`; drive it afterwards.
    pub fn fetch_settled(&mut self, id: u32, result: Result<FetchResponse, FetchError>) {
        if let Some(fetch) = &self.state.fetch {
            fetch.borrow_mut().settled();
        }
        if self.outcome.is_some() {
            return;
        }
        let (Some(context), Some(handles)) = (&self.context, &self.handles) else {
            return;
        };
        let delivered = context.with(|ctx| {
            let hooks = handles
                .hooks
                .clone()
                .restore(&ctx)
                .map_err(|err| Failure::Thrown(plain(err.to_string())))?;
            super::fetch::deliver(&ctx, &hooks, id, result)
                .catch(&ctx)
                .map_err(Failure::thrown)
        });
        if let Err(failure) = delivered {
            self.finish(Err(failure));
        }
    }

    fn finish(&mut self, result: Result<Box<RawValue>, Failure>) {
        let state = &self.state;
        // A job that ends past its deadline overran it, whatever it returned: one long
        // builtin call (a huge BigInt's toString) runs between two interrupt checks.
        let result = if Instant::now() >= state.deadline.get() {
            Err(Failure::Deadline)
        } else {
            result
        };
        self.outcome = Some(classify(
            result,
            &state.limits,
            &state.meter,
            &state.interrupted,
            &state.denied,
            &state.no_function,
        ));
    }

    /// The finished job's report (its logs are taken; call once).
    pub fn report(&mut self) -> RunReport {
        let outcome = self.outcome.take().unwrap_or_else(|| {
            Outcome::error(ErrorKind::Crash, "the job was reported before it finished")
        });
        // Host functions in the (not yet freed) context still share the sink.
        let logs = std::mem::replace(&mut *self.state.logs.borrow_mut(), LogSink::new(0, 0));
        RunReport {
            outcome,
            logs: logs.into_entries(),
            wall: self.state.started.get().elapsed(),
            memory_peak_bytes: self.state.meter.peak() as u64,
        }
    }
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
    hooks: Object<'js>,
    code: &'a CompiledCode,
    input: &'a RawValue,
    identity: JobIdentity<'a>,
    state: &'a JobState,
}

/// Runs the prelude in a fresh context: Warren's globals, and the hooks the host
/// drives the job with.
fn run_prelude<'js>(
    ctx: &Ctx<'js>,
    bytecode: &HostBytecode,
    state: &JobState,
) -> Result<Object<'js>, Failure> {
    super::intrinsics::reset(ctx);
    let host = host_object(
        ctx,
        state.logs.clone(),
        state.started.clone(),
        bytecode.parts.clone(),
        state.no_function.clone(),
    )
    .catch(ctx)
    .map_err(Failure::thrown)?;
    if let Some(fetch) = &state.fetch {
        super::fetch::install(ctx, &host, fetch.clone())
            .catch(ctx)
            .map_err(Failure::thrown)?;
    }
    super::lazy_globals::install(ctx, &host, bytecode.parts.clone(), state.fetch.is_some())
        .catch(ctx)
        .map_err(Failure::thrown)?;
    // SAFETY: the prelude's bytecode was compiled by this process (`compile_host`).
    let prelude = unsafe { bytecode::run_script(ctx, &bytecode.prelude) }
        .catch(ctx)
        .map_err(Failure::thrown)?;
    let prelude = prelude
        .into_function()
        .ok_or_else(|| Failure::Thrown(plain("the prelude is not a function".into())))?;
    prelude.call((host,)).catch(ctx).map_err(Failure::thrown)
}

/// Loads the job and calls its function: the promise of its value.
fn execute<'js>(env: &Env<'_, 'js>) -> Result<Promise<'js>, Failure> {
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
            // SAFETY: job bytecode is produced by this process's compiler (`compile.rs`).
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
    // SAFETY: job bytecode is produced by this process's compiler (`compile.rs`).
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
    Err(no_function(
        "module.exports (or module.exports.default) is not a function",
    ))
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

/// What driving a job came to.
enum Progress {
    Done(Box<RawValue>),
    Waiting(Instant),
}

/// Runs microtasks and due timers until `promise` settles, the deadline passes, or the
/// job can only wait; fails when nothing is left that could settle it.
fn advance<'js>(
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
        if let Some(result) = promise.result::<Value>() {
            let value = result.catch(ctx).map_err(Failure::thrown)?;
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
    no_function: &Cell<bool>,
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
        Failure::Output(message) => Outcome::error(ErrorKind::Output, message),
        Failure::Thrown(described)
            if described.name == NO_FUNCTION_ERROR_NAME && no_function.get() =>
        {
            Outcome::error(ErrorKind::Compile, described.message)
        }
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
