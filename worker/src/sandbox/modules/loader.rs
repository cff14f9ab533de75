//! Loading what the resolver named: Warren's own modules from their bytecode,
//! native halves from Rust, library files from the library's code, compiled on first
//! use (`library_code`); one that does not compile fails the job as `compile`.

use std::collections::HashMap;
use std::sync::Arc;

use rquickjs::loader::{ImportAttributes, Loader};
use rquickjs::{Ctx, Exception, Module, Result, Value, module::Declared};

use super::commonjs::declare_native;
use super::failures::{LoadFailures, broken};
use super::graph::{self, EVALUATED_NATIVE, Failure, JobModules};
use super::library::LIBRARY_PREFIX;
use super::library_code::{COMMONJS_NATIVE, LibraryCode};
use super::registry::{BUILTINS, native};
use crate::sandbox::runtime::settle::Waits;

/// Compiled bytecode of Warren's own JS modules, by their canonical names.
pub type ModuleBytecode = Arc<HashMap<String, Vec<u8>>>;

/// Loads resolved names: Warren's modules from their bytecode, native halves from
/// Rust, library files from the library's code (compiled on first use).
pub struct BuiltinLoader {
    bytecode: ModuleBytecode,
    library: Arc<LibraryCode>,
    failures: LoadFailures,
    modules: JobModules,
}

impl BuiltinLoader {
    pub fn new(
        bytecode: ModuleBytecode,
        library: Arc<LibraryCode>,
        failures: LoadFailures,
        modules: JobModules,
    ) -> BuiltinLoader {
        BuiltinLoader {
            bytecode,
            library,
            failures,
            modules,
        }
    }
}

impl Loader for BuiltinLoader {
    fn load<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> Result<Module<'js, Declared>> {
        // Native modules have nothing to evaluate; every JS module reports when it
        // has evaluated (`graph`).
        let native_module = name == COMMONJS_NATIVE || name == EVALUATED_NATIVE;
        self.modules.record_loaded(
            name,
            native_module || native(name).is_some(),
            Waits::current(ctx),
        );
        if let Some(declared) = declare_native_module(ctx, name) {
            return declared;
        }
        if let Some(path) = name.strip_prefix(LIBRARY_PREFIX) {
            return match self.library.module(path) {
                // SAFETY: this bytecode was compiled by this process's own engine from
                // the operator's library (`library_code`).
                Ok(bytecode) => unsafe { Module::load(ctx.clone(), &bytecode) },
                Err(message) => {
                    self.modules
                        .record_failed_load(name, Failure::Error(message.clone()));
                    Err(broken(ctx, &self.failures, &message))
                }
            };
        }
        match self.bytecode.get(name) {
            // SAFETY: this bytecode was produced by this process's own engine from
            // Warren's own module sources, at start-up (see `code::host`).
            Some(bytecode) => unsafe { Module::load(ctx.clone(), bytecode) },
            None => Err(Exception::throw_reference(
                ctx,
                &format!("module '{name}' is not available"),
            )),
        }
    }
}

/// Declares native module `name`, if it is one.
fn declare_native_module<'js>(ctx: &Ctx<'js>, name: &str) -> Option<Result<Module<'js, Declared>>> {
    if name == COMMONJS_NATIVE {
        return Some(declare_native(ctx, name));
    }
    if name == EVALUATED_NATIVE {
        return Some(graph::declare_native(ctx, name));
    }
    native(name).map(|native| (native.declare)(ctx, name))
}

/// Declares and evaluates every native module now, as the loader would on its first
/// import, so that no job makes their host functions: for a runtime that is restored
/// from a snapshot (see `runtime::pins`). Imports then find them loaded.
pub fn preload_natives(ctx: &Ctx<'_>, modules: &JobModules) -> Result<()> {
    let natives = BUILTINS.iter().filter_map(|module| module.native.as_ref());
    let names = [COMMONJS_NATIVE, EVALUATED_NATIVE]
        .into_iter()
        .chain(natives.map(|native| native.name));
    for name in names {
        let Some(declared) = declare_native_module(ctx, name) else {
            continue;
        };
        modules.record_loaded(name, true, 0);
        let (_, evaluated) = declared?.eval()?;
        evaluated.finish::<Value>()?;
    }
    Ok(())
}
