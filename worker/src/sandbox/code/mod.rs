//! Source to bytecode. Job contexts have no compiler (no `eval`, no `new Function`):
//! everything they run arrives as bytecode compiled here, in throwaway contexts that
//! can compile.
//!
//! - [`compiler`]: a slot's compiler of customer code, with its cache.
//! - [`host`]: Warren's own JS (the prelude, its parts, built-in modules) and the
//!   operator's library, compiled once per engine.
//!
//! Both compile in `runtime::throwaway`'s short-lived contexts.

pub mod compiler;
pub mod host;

pub use compiler::{CompiledCode, Compiler, JOB_MODULE_NAME};
pub use host::{HostBytecode, compile_host};
