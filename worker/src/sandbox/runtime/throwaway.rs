//! A throwaway context that can compile: the only place source becomes bytecode.

use rquickjs::context::intrinsic;
use rquickjs::loader::{ImportAttributes, Loader, Resolver};
use rquickjs::{Context, Ctx, Runtime};

/// Runs `f` in a throwaway context that can compile source, with `resolver` and
/// `loader` for the imports compiling a module declares.
pub fn with_compiler<R>(
    resolver: impl Resolver + 'static,
    loader: impl Loader + 'static,
    f: impl FnOnce(&Ctx<'_>) -> R,
) -> Result<R, rquickjs::Error> {
    let runtime = Runtime::new()?;
    runtime.set_loader(resolver, loader);
    let context = Context::custom::<(intrinsic::Eval, intrinsic::RegExpCompiler)>(&runtime)?;
    Ok(context.with(|ctx| f(&ctx)))
}

/// Declares every import as an empty module (compiling a module on its own: its imports
/// are resolved for real only when a job links it).
pub struct StubLoader;

impl Loader for StubLoader {
    fn load<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<rquickjs::Module<'js, rquickjs::module::Declared>> {
        rquickjs::Module::declare(ctx.clone(), name, "")
    }
}

/// Resolves every name as written (compiling Warren's and the operator's modules).
pub struct AnyName;

impl Resolver for AnyName {
    fn resolve<'js>(
        &mut self,
        _ctx: &Ctx<'js>,
        _base: &str,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<String> {
        Ok(name.to_owned())
    }
}
