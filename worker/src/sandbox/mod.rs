//! The sandbox: runs one job's code in a fresh, limited QuickJS runtime and reports
//! its outcome exactly as a result body needs it. It knows nothing of AMQP.
//!
//! # Layout
//! Read from the bottom up; each layer uses only those below it.
//!
//! 1. What the parts exchange: `job` (request, report, task), `limits`, `stats`
//!    (counters for metrics) and `events` (telemetry that logs and counts them).
//! 2. `runtime`: QuickJS plumbing with no Warren semantics (metered allocator,
//!    bytecode, lazily added intrinsics, describing thrown values, bytes).
//! 3. `globals` and `modules`: what a job can use. Warren's globals (the prelude
//!    and its lazily made parts) and the importable modules (built-ins, the
//!    operator's library, the allowed-module table and its loader); each host module
//!    keeps its JavaScript beside its native half.
//! 4. `code`: source to bytecode (customer code, cached per slot; Warren's own JS,
//!    once per engine); `setup`: what every slot starts with (limits, module table,
//!    compiled host code, the `fetch` grant).
//! 5. `run`: one job from bytecode to outcome, as a resumable state machine.
//! 6. `slot`: the jobs one slot holds, and its next runtime prepared while idle.
//! 7. `thread` (thread slots and their watchdog) and `process` (sandbox processes:
//!    supervisor, confinement, channel, the process's own `main`).
//! 8. `engine`: N slots fed by a queue, awaited from tokio.
//!
//! Outside the sandbox, only this facade is public: the engine, its configuration
//! and what goes in and out of it. `scripts/check-layers.py` (run by the test
//! command) fails on any import cycle between the sandbox's files or layers.

pub(crate) mod code;
pub(crate) mod engine;
pub(crate) mod events;
pub(crate) mod globals;
pub(crate) mod job;
pub(crate) mod limits;
pub(crate) mod modules;
pub(crate) mod process;
pub(crate) mod run;
pub(crate) mod runtime;
pub(crate) mod setup;
pub(crate) mod slot;
pub(crate) mod stats;
pub(crate) mod thread;

pub use engine::{Engine, EngineConfig, EngineError, Isolation};
pub use job::{CacheUse, JobReport, JobRequest, RunReport, SandboxBreak};
pub use limits::{EffectiveLimits, PoolLimits};
pub use modules::{Library, LibraryError, ModuleTable, UnknownModule};
pub use process::{ProcessIsolation, children_of};
pub use stats::{EngineStats, WatchdogStats};
