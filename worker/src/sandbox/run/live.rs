//! The live job: its runtime and context, from preparation to report.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rquickjs::context::intrinsic;
use rquickjs::{CatchResultExt, Context, Ctx, Object, Persistent, Promise, Runtime};
use serde_json::value::RawValue;
use warren_wire::{ErrorKind, Outcome};

use super::drive::{Progress, advance};
use super::load::{Env, execute};
use super::outcome::{Failure, Signals, classify, plain};
use super::picture::Snapshot;
use super::state::{JobIdentity, JobState};
use crate::egress::{FetchError, FetchRequest, FetchResponse};
use crate::sandbox::code::{CompiledCode, HostBytecode};
use crate::sandbox::globals::console::LogSink;
use crate::sandbox::globals::fetch::{FetchGrant, JobFetch};
use crate::sandbox::globals::host::host_object;
use crate::sandbox::job::RunReport;
use crate::sandbox::limits::EffectiveLimits;
use crate::sandbox::modules::ModuleTable;
use crate::sandbox::modules::failures::LoadFailures;
use crate::sandbox::modules::graph::JobModules;
use crate::sandbox::modules::loader::{BuiltinLoader, preload_natives};
use crate::sandbox::modules::resolver::AllowlistResolver;
use crate::sandbox::runtime::allocator::{ArenaAllocator, JobMeter, MemoryMeter, MeteredAllocator};
use crate::sandbox::runtime::arena::Arena;
use crate::sandbox::runtime::intrinsics;
use crate::sandbox::runtime::settle::Waits;
use crate::sandbox::runtime::{bytecode, pins, random};

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

/// The same, with the compiler, for pools that allow `eval` and `new Function`.
type EvalJobIntrinsics = (
    intrinsic::RegExpCompiler,
    intrinsic::RegExp,
    intrinsic::Json,
    intrinsic::Promise,
    intrinsic::Eval,
);

/// Allocation volume between garbage collections in a job's runtime: most jobs end
/// (and free everything at once) before the first one.
pub(super) const GC_THRESHOLD: usize = 4 << 20;

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
    /// Whether job code may compile code at run time (`eval`, `new Function`).
    pub allow_eval: bool,
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
pub(super) struct Handles {
    /// The prelude's hooks (from preparation on).
    pub hooks: Persistent<Object<'static>>,
    /// The promise of the job's value (once started).
    pub promise: Option<Persistent<Promise<'static>>>,
}

/// How long a prepared context may wait for its job before its interrupt handler
/// would stop it: never, in practice (the real deadline is set when the job starts).
pub(super) const UNSTARTED_DEADLINE: Duration = Duration::from_secs(365 * 24 * 3600);

/// One job from start to outcome. The slot hands it back (to be restored, or dropped,
/// which frees its context and runtime) only once the report is on its way.
pub struct LiveJob {
    // Field order is drop order: JS values before their context, the context before
    // its runtime, the runtime before the arena it lives in.
    pub(super) handles: Option<Handles>,
    pub(super) context: Option<Context>,
    pub(super) runtime: Option<Runtime>,
    /// What restores the runtime for the next job, if it lives in an arena.
    pub(super) snapshot: Option<Snapshot>,
    pub(super) state: JobState,
    /// Why preparation failed, reported as the job's outcome when it starts.
    pub(super) unprepared: Option<Failure>,
    pub(super) outcome: Option<Outcome>,
}

impl LiveJob {
    /// Creates a runtime and context for a job not yet known and runs the prelude in
    /// it, under the pool's maximum limits. Nothing job-specific happens here: every
    /// prepared context is alike, and each serves exactly one job.
    pub fn prepare(slot: SlotEnv<'_>) -> LiveJob {
        LiveJob::build(slot, None)
    }

    /// Like [`prepare`](LiveJob::prepare), with every allocation of the runtime in
    /// `arena` when one is given, and what a snapshot needs made ahead.
    pub(super) fn build(slot: SlotEnv<'_>, arena: Option<Rc<Arena>>) -> LiveJob {
        let limits = slot.limits;
        let now = Instant::now();
        let deadline = now + UNSTARTED_DEADLINE;
        let deadline_cell = Rc::new(Cell::new(deadline));
        let interrupted = Rc::new(Cell::new(false));
        let mut job = LiveJob {
            handles: None,
            context: None,
            runtime: None,
            snapshot: None,
            state: JobState {
                meter: MemoryMeter::new(limits.memory_bytes),
                interrupted: interrupted.clone(),
                loads: LoadFailures::default(),
                no_function: Rc::new(Cell::new(false)),
                logs: Rc::new(RefCell::new(LogSink::new(
                    limits.max_log_entries,
                    limits.max_log_bytes,
                ))),
                fetch: slot
                    .fetch
                    .map(|grant| Rc::new(RefCell::new(JobFetch::new(grant, deadline)))),
                started: Rc::new(Cell::new(now)),
                waits: Waits::new(deadline_cell.clone(), interrupted),
                deadline: deadline_cell,
                modules: JobModules::default(),
                limits,
            },
            unprepared: None,
            outcome: None,
        };
        if let Err(failure) = job.boot(slot.host, slot.table, slot.allow_eval, arena) {
            job.unprepared = Some(failure);
        }
        job
    }

    fn boot(
        &mut self,
        host: &HostBytecode,
        table: &Arc<ModuleTable>,
        allow_eval: bool,
        arena: Option<Rc<Arena>>,
    ) -> Result<(), Failure> {
        let state = &self.state;
        let snapshot = arena.is_some();
        let runtime = match arena {
            Some(arena) => Runtime::new_with_alloc(ArenaAllocator::new(arena, state.meter.clone())),
            None => Runtime::new_with_alloc(MeteredAllocator::new(state.meter.clone())),
        }
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
        let modules = state.modules.clone();
        let resolver = AllowlistResolver::new(
            table.clone(),
            host.library.clone(),
            state.loads.clone(),
            modules.clone(),
        );
        let loader = BuiltinLoader::new(
            host.modules.clone(),
            host.library.clone(),
            state.loads.clone(),
            modules.clone(),
        );
        runtime.set_loader(resolver.clone(), loader);
        let context = if allow_eval {
            Context::custom::<EvalJobIntrinsics>(&runtime)
        } else {
            Context::custom::<JobIntrinsics>(&runtime)
        };
        let context = context
            .map_err(|err| Failure::Thrown(plain(format!("cannot create the context: {err}"))));
        self.runtime = Some(runtime);
        let context = self.context.insert(context?);
        let hooks = context.with(|ctx| {
            // SAFETY: `resolver` is the one `set_loader` was given above; the job's
            // runtime loads modules only through the engine's `import` and `import()`
            // (`require` calls `import()`), never `Module::import`.
            unsafe { resolver.read_names_as_text(&ctx) };
            let _ = ctx.store_userdata(JobMeter(state.meter.clone()));
            let _ = ctx.store_userdata(modules);
            let _ = ctx.store_userdata(state.waits.clone());
            if snapshot {
                pins::start(&ctx);
            }
            run_prelude(&ctx, host, state, snapshot).map(|hooks| Persistent::save(&ctx, hooks))
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
            random::reseed(&ctx);
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

    /// How long the job has run (from when its slot took it).
    pub fn elapsed(&self) -> Duration {
        self.state.started.get().elapsed()
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
            crate::sandbox::globals::fetch::deliver(&ctx, &hooks, id, result)
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
        let signals = Signals {
            interrupted: state.interrupted.get(),
            memory_exceeded: state.meter.exceeded(),
            denied: state.loads.any_denied(),
            broken_module: state.loads.any_broken(),
            no_function: state.no_function.get(),
        };
        self.outcome = Some(classify(result, &state.limits, signals));
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
            // The slot knows when the job ran: it fills this in.
            busy: Duration::ZERO,
            memory_peak_bytes: self.state.meter.peak() as u64,
        }
    }
}

/// Runs the prelude in a fresh context: Warren's globals, and the hooks the host
/// drives the job with.
///
/// For a runtime that will be restored from a snapshot (`ahead`), it also makes every
/// host function jobs could otherwise make later (see `runtime::pins`), and every
/// global (`globals::own`).
fn run_prelude<'js>(
    ctx: &Ctx<'js>,
    bytecode: &HostBytecode,
    state: &JobState,
    ahead: bool,
) -> Result<Object<'js>, Failure> {
    intrinsics::reset(ctx);
    random::install(ctx).catch(ctx).map_err(Failure::thrown)?;
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
        crate::sandbox::globals::fetch::install(ctx, &host, fetch.clone())
            .catch(ctx)
            .map_err(Failure::thrown)?;
    }
    crate::sandbox::globals::lazy::install(
        ctx,
        &host,
        bytecode.parts.clone(),
        state.fetch.is_some(),
    )
    .catch(ctx)
    .map_err(Failure::thrown)?;
    // SAFETY: the prelude's bytecode was compiled by this process (`code::host`).
    let prelude = unsafe { bytecode::run_script(ctx, &bytecode.prelude) }
        .catch(ctx)
        .map_err(Failure::thrown)?;
    let prelude = prelude
        .into_function()
        .ok_or_else(|| Failure::Thrown(plain("the prelude is not a function".into())))?;
    if ahead {
        crate::sandbox::globals::install_natives(ctx, &host)
            .and_then(|()| preload_natives(ctx, &state.modules))
            .catch(ctx)
            .map_err(Failure::thrown)?;
    }
    let hooks = prelude.call((host,)).catch(ctx).map_err(Failure::thrown)?;
    if ahead {
        // Made once, in the snapshot: every global is the global object's own
        // property, as in Node, at no cost per job.
        crate::sandbox::globals::own::make_all(ctx)
            .catch(ctx)
            .map_err(Failure::thrown)?;
    }
    Ok(hooks)
}
