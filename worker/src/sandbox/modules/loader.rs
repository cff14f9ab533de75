//! Module resolution for jobs. The resolver only knows the pool's allowed names, so
//! the allowlist *is* the resolver: anything else (`fs`, `std`, `os`, paths, URLs)
//! fails to resolve, and the attempt is recorded so the job's failure can be
//! reported as `module_denied`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use rquickjs::loader::{ImportAttributes, Loader, Resolver};
use rquickjs::{Ctx, Exception, Module, Result, module::Declared};

use super::builtin::NATIVE_PREFIX;
use super::library::LIBRARY_PREFIX;
use super::registry::{builtin, native};
use super::table::ModuleTable;

/// Name given to the error thrown for a denied module, so it can be recognised when
/// it reaches the top of a job uncaught.
pub const DENIED_ERROR_NAME: &str = "ModuleDeniedError";

/// Names a job tried to import and was refused, in order.
pub type DeniedLog = Rc<RefCell<Vec<String>>>;

/// Resolves exactly the allowed names: built-ins (and, for them only, their native
/// halves), the operator's packages listed in the table (and files inside them), and
/// relative imports between files of one package.
pub struct AllowlistResolver {
    table: Arc<ModuleTable>,
    denied: DeniedLog,
}

impl AllowlistResolver {
    pub fn new(table: Arc<ModuleTable>, denied: DeniedLog) -> AllowlistResolver {
        AllowlistResolver { table, denied }
    }
}

impl AllowlistResolver {
    /// The engine's name for `name` imported from `base`, if the pool allows it.
    fn resolve_allowed(&self, base: &str, name: &str) -> Option<String> {
        if name.starts_with(NATIVE_PREFIX) {
            return builtin(base).is_some().then(|| name.to_owned());
        }
        let library = self.table.library();
        let in_library = |file: &str| format!("{LIBRARY_PREFIX}{file}");
        if let Some(base_file) = base.strip_prefix(LIBRARY_PREFIX)
            && (name.starts_with("./") || name.starts_with("../"))
        {
            return library.resolve_relative(base_file, name).map(in_library);
        }
        let package = name.split('/').next().unwrap_or(name);
        if !self.table.allows(package) {
            return None;
        }
        if builtin(name).is_some() {
            return Some(name.to_owned());
        }
        library.file_for(name).map(in_library)
    }
}

impl Resolver for AllowlistResolver {
    fn resolve<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        base: &str,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> Result<String> {
        if let Some(resolved) = self.resolve_allowed(base, name) {
            return Ok(resolved);
        }
        self.denied.borrow_mut().push(name.to_owned());
        let error = Exception::from_message(
            ctx.clone(),
            &format!("module '{name}' is not in this pool's allowed-module table"),
        )?;
        error.set("name", DENIED_ERROR_NAME)?;
        Err(ctx.throw(error.into_value()))
    }
}

/// Compiled bytecode of the built-in JS modules, by every name they answer to, and of
/// the operator's library files (`lib:` + path).
pub type ModuleBytecode = Arc<HashMap<String, Vec<u8>>>;

/// Loads resolved names: built-ins from their bytecode, native halves from Rust.
pub struct BuiltinLoader {
    bytecode: ModuleBytecode,
}

impl BuiltinLoader {
    pub fn new(bytecode: ModuleBytecode) -> BuiltinLoader {
        BuiltinLoader { bytecode }
    }
}

impl Loader for BuiltinLoader {
    fn load<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> Result<Module<'js, Declared>> {
        if let Some(native) = native(name) {
            return (native.declare)(ctx, name);
        }
        match self.bytecode.get(name) {
            // SAFETY: this bytecode was produced by this process's own engine from
            // Warren's own module sources and the operator's library, at start-up
            // (see `code::host`).
            Some(bytecode) => unsafe { Module::load(ctx.clone(), bytecode) },
            None => Err(Exception::throw_reference(
                ctx,
                &format!("module '{name}' is not available"),
            )),
        }
    }
}
