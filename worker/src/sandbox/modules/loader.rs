//! Module resolution for jobs. The resolver only knows the pool's allowed names, so
//! the allowlist *is* the resolver: anything else (`fs`, `std`, `os`, paths, URLs)
//! fails to resolve, and the attempt is recorded so the job's failure can be
//! reported as `module_denied`. Names are read as text whatever they hold: a lone
//! surrogate becomes U+FFFD (and so no module), never a failed conversion.

use std::cell::Cell;
use std::collections::HashMap;
use std::ffi::{CStr, c_char, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr::{NonNull, null_mut};
use std::rc::Rc;
use std::sync::Arc;

use rquickjs::loader::{ImportAttributes, Loader, Resolver};
use rquickjs::{Ctx, Exception, Module, Result, module::Declared, qjs};

use super::builtin::NATIVE_PREFIX;
use super::library::LIBRARY_PREFIX;
use super::registry::{builtin, native};
use super::table::ModuleTable;
use crate::sandbox::runtime::cstring;
use crate::sandbox::runtime::errors::cut;
use crate::sandbox::runtime::text::from_wtf8;

/// Name given to the error thrown for a denied module, so it can be recognised when
/// it reaches the top of a job uncaught.
pub const DENIED_ERROR_NAME: &str = "ModuleDeniedError";

/// Whether a job tried an import it was refused: a count, not the names, so that a
/// job trying a million names (or one of 10 MB) holds nothing more in the host.
#[derive(Clone, Default)]
pub struct Denials(Rc<Cell<u64>>);

impl Denials {
    fn record(&self) {
        self.0.set(self.0.get().saturating_add(1));
    }

    /// Whether any import was refused.
    pub fn any(&self) -> bool {
        self.0.get() > 0
    }
}

/// Resolves exactly the allowed names: built-ins (and, for them only, their native
/// halves), the operator's packages listed in the table (and files inside them), and
/// relative imports between files of one package.
#[derive(Clone)]
pub struct AllowlistResolver {
    table: Arc<ModuleTable>,
    denied: Denials,
    /// How to read names whole, past any NUL (see `runtime::cstring`); `None`: cut at
    /// the first NUL (the engine refuses to start then, see `code::host`).
    whole_names: Option<cstring::Layout>,
}

// SAFETY: `AllowlistResolver` holds no JS values, so it has no lifetime to change.
unsafe impl<'js> rquickjs::JsLifetime<'js> for AllowlistResolver {
    type Changed<'to> = AllowlistResolver;
}

impl AllowlistResolver {
    pub fn new(table: Arc<ModuleTable>, denied: Denials) -> AllowlistResolver {
        AllowlistResolver {
            table,
            denied,
            whole_names: None,
        }
    }

    /// Makes the engine of `ctx` read module names through this resolver whole and as
    /// text, whatever they hold. QuickJS hands names to the host as C strings: cut at a
    /// NUL unless read whole (`runtime::cstring`), and refused by rquickjs's own
    /// normalizer when they are not UTF-8 (a lone surrogate), so that such an import
    /// would fail as something other than a denial.
    ///
    /// # Safety
    ///
    /// Call with the resolver the runtime was given (`set_loader`), on a context of
    /// that runtime. From then on the runtime must be given module names only by the
    /// engine itself (`import`, `import()`), never by the host (rquickjs's
    /// `Module::import`, `JS_LoadModule`): a host's C string has no QuickJS string
    /// header in front of it, and reading one whole would read memory that is not a
    /// string's.
    pub unsafe fn read_names_as_text(&self, ctx: &Ctx<'_>) {
        let resolver = AllowlistResolver {
            whole_names: cstring::layout(ctx),
            ..self.clone()
        };
        let _ = ctx.store_userdata(resolver);
        // SAFETY: `ctx` is live; the normalizer is a plain function QuickJS calls with
        // a context of this runtime, whose userdata holds the resolver.
        unsafe {
            qjs::JS_SetModuleNormalizeFunc2(
                qjs::JS_GetRuntime(ctx.as_raw().as_ptr()),
                Some(normalize),
            );
        }
    }
}

/// QuickJS's module normalizer: the resolved name (allocated by QuickJS), or null with
/// the denial thrown.
unsafe extern "C" fn normalize(
    ctx: *mut qjs::JSContext,
    base: *const c_char,
    name: *const c_char,
    _attributes: qjs::JSValue,
    _opaque: *mut c_void,
) -> *mut c_char {
    let Some(raw) = NonNull::new(ctx) else {
        return null_mut();
    };
    // SAFETY: QuickJS calls the normalizer with a live context.
    let ctx = unsafe { Ctx::from_raw(raw) };
    let resolved = catch_unwind(AssertUnwindSafe(|| {
        let resolver = ctx.userdata::<AllowlistResolver>()?.clone();
        let read = |ptr: *const c_char| {
            if let Some(layout) = resolver.whole_names {
                // SAFETY: the engine made these names from JS strings (the resolver's
                // contract), and the layout was checked.
                from_wtf8(unsafe { layout.whole(ptr) }).into_owned()
            } else {
                // SAFETY: QuickJS passes NUL-terminated names.
                from_wtf8(unsafe { CStr::from_ptr(ptr) }.to_bytes()).into_owned()
            }
        };
        let (base, name) = (read(base), read(name));
        Some(match resolver.resolve_allowed(&base, &name) {
            Some(resolved) => Ok(resolved),
            None => Err((resolver.denied, name)),
        })
    }));
    match resolved {
        Ok(Some(Ok(resolved))) => {
            // SAFETY: QuickJS takes the copy it allocates here, `len` bytes of `resolved`.
            unsafe { qjs::js_strndup(raw.as_ptr(), resolved.as_ptr().cast(), resolved.len() as _) }
        }
        Ok(Some(Err((denied, name)))) => {
            let _ = deny(&ctx, &denied, &name);
            null_mut()
        }
        Ok(None) | Err(_) => {
            let _ = Exception::throw_internal(&ctx, "module resolution is not set up");
            null_mut()
        }
    }
}

impl AllowlistResolver {
    /// The engine's name for `name` imported from `base`, if the pool allows it.
    fn resolve_allowed(&self, base: &str, name: &str) -> Option<String> {
        if !is_possible_name(name) {
            return None;
        }
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
        Err(deny(ctx, &self.denied, name))
    }
}

/// Refuses `name`: records it and throws the error a denied import gets (the
/// caller returns the `Error` this gives).
pub fn deny(ctx: &Ctx<'_>, denied: &Denials, name: &str) -> rquickjs::Error {
    denied.record();
    match Exception::from_message(ctx.clone(), &denied_message(name)) {
        Ok(error) => match error.set("name", DENIED_ERROR_NAME) {
            Ok(()) => ctx.throw(error.into_value()),
            Err(err) => err,
        },
        Err(err) => err,
    }
}

/// What a job is told of a module it may not import (a long name cut, see
/// [`MAX_SHOWN_NAME_BYTES`]).
pub fn denied_message(name: &str) -> String {
    format!(
        "module '{}' is not in this pool's allowed-module table",
        cut(name.to_owned(), MAX_SHOWN_NAME_BYTES).escape_debug()
    )
}

/// The most bytes of a denied name its error message shows.
const MAX_SHOWN_NAME_BYTES: usize = 256;

/// Whether `name` could name a module at all: names match byte for byte, and no
/// module's name holds a control character (QuickJS would cut a name at a NUL).
pub fn is_possible_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(char::is_control)
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
