//! Source to bytecode. Job contexts have no compiler (no `eval`, no `new Function`):
//! everything they run arrives as bytecode compiled here, in throwaway contexts that
//! can compile.
//!
//! - [`detect`]: an ES module or a CommonJS script?
//! - [`compiler`]: a slot's compiler of customer code, with its cache.
//! - [`host`]: Warren's own JS (the prelude, its parts, built-in modules) and the
//!   operator's library, compiled once per engine.

pub mod compiler;
pub mod detect;
pub mod host;

pub use compiler::{CompiledCode, Compiler, JOB_MODULE_NAME};
pub use host::{HostBytecode, compile_host};

use rquickjs::context::intrinsic;
use rquickjs::loader::{Loader, Resolver};
use rquickjs::{Context, Ctx, Runtime};

/// Runs `f` in a throwaway context that can compile source, with `resolver` and
/// `loader` for the imports compiling a module declares.
fn with_compiler<R>(
    resolver: impl Resolver + 'static,
    loader: impl Loader + 'static,
    f: impl FnOnce(&Ctx<'_>) -> R,
) -> Result<R, rquickjs::Error> {
    let runtime = Runtime::new()?;
    runtime.set_loader(resolver, loader);
    let context = Context::custom::<(intrinsic::Eval, intrinsic::RegExpCompiler)>(&runtime)?;
    Ok(context.with(|ctx| f(&ctx)))
}
