//! The sandbox: runs one job's code in a fresh, limited QuickJS runtime and reports
//! its outcome exactly as a result body needs it. It knows nothing of AMQP.
//!
//! - [`engine`]: N slots fed by a queue, awaited from tokio.
//! - [`jobs`]: one slot's jobs: compile (cached), run, park jobs that wait, report,
//!   then free. [`slot`] runs it on a thread, [`process`] in a confined process.
//! - [`run`]: one job from bytecode to [`warren_wire::Outcome`], resumable.
//! - [`prepare`]: each slot's next runtime and context, made ready before its job.
//! - [`watchdog`]: answers for a job its slot overran past the deadline and replaces
//!   the slot.
//! - [`fetch`]: the sandbox's half of `fetch` (the network half is [`crate::egress`]).
//! - [`compile`], [`bytecode`], [`detect`]: source to cached bytecode.
//! - [`limits`], [`allocator`]: time, memory, stack, output and log limits.
//! - [`loader`], [`modules`]: the allowed-module table and built-in modules.
//! - [`host`], [`console`]: native helpers behind the prelude's globals (`js/prelude.js`).

pub mod allocator;
pub mod bytecode;
pub mod compile;
pub mod console;
pub mod detect;
pub mod engine;
pub mod errors;
pub mod fetch;
pub mod host;
pub mod intrinsics;
pub mod jobs;
pub mod lazy_globals;
pub mod limits;
pub mod loader;
pub mod modules;
pub mod prepare;
pub mod process;
pub mod run;
pub mod slot;
pub mod watchdog;

pub use engine::{
    EgressConfig, Engine, EngineConfig, EngineError, Isolation, JobReport, JobRequest,
};
pub use limits::{EffectiveLimits, PoolLimits};
pub use modules::ModuleTable;
pub use process::ProcessIsolation;
pub use run::RunReport;
