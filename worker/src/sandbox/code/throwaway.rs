//! A throwaway context that can compile: the only place source becomes bytecode.

use rquickjs::context::intrinsic;
use rquickjs::loader::{Loader, Resolver};
use rquickjs::{Context, Ctx, Runtime};

/// Runs `f` in a throwaway context that can compile source, with `resolver` and
/// `loader` for the imports compiling a module declares.
pub(super) fn with_compiler<R>(
    resolver: impl Resolver + 'static,
    loader: impl Loader + 'static,
    f: impl FnOnce(&Ctx<'_>) -> R,
) -> Result<R, rquickjs::Error> {
    let runtime = Runtime::new()?;
    runtime.set_loader(resolver, loader);
    let context = Context::custom::<(intrinsic::Eval, intrinsic::RegExpCompiler)>(&runtime)?;
    Ok(context.with(|ctx| f(&ctx)))
}
