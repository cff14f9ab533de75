//! Module resolution for jobs. The allowed-module table is the wall:
//!
//! - job code loads only what the table lists: a built-in, or a package of the
//!   operator's library (and files inside it, as its `exports` allow); anything else
//!   (`fs`, `std`, paths, URLs, unlisted packages) fails to resolve, and the attempt
//!   is recorded so the job's failure can be reported as `module_denied`;
//! - a library file loads what Node would find from where it lies (its own files, its
//!   dependencies in `node_modules`), built-ins only as the table lists them.
//!
//! Names are read as text whatever they hold: a lone surrogate becomes U+FFFD (and
//! so no module), never a failed conversion.

use std::ffi::{CStr, c_char, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr::{NonNull, null_mut};
use std::sync::Arc;

use rquickjs::loader::{ImportAttributes, Resolver};
use rquickjs::{Ctx, Exception, qjs};

use super::builtin::{NATIVE_PREFIX, NODE_ERRORS};
use super::failures::{LoadFailures, Refusal, is_possible_name, refuse};
use super::format::Format;
use super::graph::{EVALUATED_NATIVE, Failure, JobModules, Obstacle};
use super::library::LIBRARY_PREFIX;
use super::library_code::{COMMONJS_BODY_PREFIX, COMMONJS_MODULE, COMMONJS_NATIVE, LibraryCode};
use super::registry::{builtin, canonical};
use super::resolution::{Importer, Kind, NotFound, Target, resolve, split_package};
use super::table::ModuleTable;
use crate::sandbox::runtime::cstring;
use crate::sandbox::runtime::settle::Waits;
use crate::sandbox::runtime::text::from_wtf8;

/// The module Warren gives for a file a package's `browser` field replaces with
/// nothing: `export default {}`.
pub const EMPTY_MODULE: &str = "warren:empty";

/// The prelude part that imports `warren:commonjs` for a CommonJS job's `require`.
const IMPORT_PART: &str = "warren:import";

/// Resolves exactly what the table allows (see the module's documentation).
#[derive(Clone)]
pub struct AllowlistResolver {
    table: Arc<ModuleTable>,
    library: Arc<LibraryCode>,
    failures: LoadFailures,
    /// What this job's runtime loaded, and what `require` granted.
    modules: JobModules,
    /// How to read names whole, past any NUL (see `runtime::cstring`); `None`: cut at
    /// the first NUL (the engine refuses to start then, see `code::host`).
    whole_names: Option<cstring::Layout>,
}

// SAFETY: `AllowlistResolver` holds no JS values, so it has no lifetime to change.
unsafe impl<'js> rquickjs::JsLifetime<'js> for AllowlistResolver {
    type Changed<'to> = AllowlistResolver;
}

impl AllowlistResolver {
    pub fn new(
        table: Arc<ModuleTable>,
        library: Arc<LibraryCode>,
        failures: LoadFailures,
        modules: JobModules,
    ) -> AllowlistResolver {
        AllowlistResolver {
            table,
            library,
            failures,
            modules,
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
        Some(
            resolver
                .resolve_linkable(&ctx, &base, &name)
                .map_err(|refusal| (resolver.failures, name, refusal)),
        )
    }));
    match resolved {
        Ok(Some(Ok(resolved))) => {
            // SAFETY: QuickJS takes the copy it allocates here, `len` bytes of `resolved`.
            unsafe { qjs::js_strndup(raw.as_ptr(), resolved.as_ptr().cast(), resolved.len() as _) }
        }
        Ok(Some(Err((failures, name, refusal)))) => {
            let _ = refuse(&ctx, &failures, &name, refusal);
            null_mut()
        }
        Ok(None) | Err(_) => {
            let _ = Exception::throw_internal(&ctx, "module resolution is not set up");
            null_mut()
        }
    }
}

impl AllowlistResolver {
    /// [`resolve_import`](Self::resolve_import), recorded, and refused when going
    /// ahead would crash the engine: when it reaches a module that failed to load
    /// earlier in the job, or (while a `require` waits) one still evaluating; see
    /// `graph`.
    fn resolve_linkable(&self, ctx: &Ctx<'_>, base: &str, name: &str) -> Result<String, Refusal> {
        let checked = self.resolve_import(base, name).and_then(|resolved| {
            self.modules.record_import(base, &resolved);
            match self.modules.obstacle(&resolved, Waits::current(ctx)) {
                None => Ok(resolved),
                Some(Obstacle::Evaluating) => Err(Refusal::Cycle),
                Some(Obstacle::Failed(failure)) => Err(Refusal::Earlier(failure)),
            }
        });
        if let Err(refusal) = &checked {
            let failure = match refusal {
                Refusal::Denied => Failure::Denied(name.to_owned()),
                Refusal::Earlier(failure) => failure.clone(),
                Refusal::NotFound(not_found) => Failure::Error(not_found.to_string()),
                Refusal::Cycle => Failure::Error(format!("'{name}' was still being evaluated")),
            };
            self.modules.record_failed_import(base, failure);
        }
        checked
    }

    /// The engine's name for `name`, `import`ed by the module named `base`.
    fn resolve_import(&self, base: &str, name: &str) -> Result<String, Refusal> {
        if !is_possible_name(name) {
            return Err(Refusal::Denied);
        }
        let allow = |allowed: bool| allowed.then(|| name.to_owned()).ok_or(Refusal::Denied);
        if name == COMMONJS_NATIVE {
            // `warren:commonjs`'s own import. Its `import()`s name only what Rust
            // resolved (handed over in objects job code cannot reach into), and
            // only granted names pass below.
            return allow(base == COMMONJS_MODULE);
        }
        if name == EVALUATED_NATIVE {
            // Every module Warren compiles reports its evaluation; job code does not.
            let compiled = base.starts_with(LIBRARY_PREFIX)
                || builtin(base).is_some()
                || base == COMMONJS_MODULE
                || base == EMPTY_MODULE
                || base == NODE_ERRORS;
            return allow(compiled);
        }
        if name.starts_with(NATIVE_PREFIX) || name == NODE_ERRORS {
            return allow(builtin(base).is_some());
        }
        if builtin(base).is_some() {
            // Warren's own modules build on each other (`stream` on `events`). None
            // holds an authority the table guards: a job reaches only what they export.
            return canonical(name).map(str::to_owned).ok_or(Refusal::Denied);
        }
        if base == IMPORT_PART {
            return allow(name == COMMONJS_MODULE);
        }
        if base == COMMONJS_MODULE {
            // Only what `require` resolved for it, whatever job code did meanwhile.
            return allow(self.modules.is_granted(name));
        }
        if name == COMMONJS_MODULE {
            // Only the facades of CommonJS files import it.
            let facade = base
                .strip_prefix(LIBRARY_PREFIX)
                .and_then(|path| self.library.format(path))
                .is_some_and(|format| format != Format::EsModule);
            return allow(facade);
        }
        Ok(self.locate(base, name, Kind::Import)?.engine_name())
    }

    /// What `require(name)` in the code named `base` loads: its kind
    /// (`builtin`, `esm`, `commonjs`, `empty`) and engine name.
    pub fn resolve_require(
        &self,
        base: &str,
        name: &str,
    ) -> Result<(&'static str, String), Refusal> {
        if !is_possible_name(name) {
            return Err(Refusal::Denied);
        }
        let located = self.locate(base, name, Kind::Require)?;
        let engine_name = located.engine_name();
        self.modules.grant(&engine_name);
        let kind = match &located {
            Located::Builtin(_) => "builtin",
            Located::Empty => "empty",
            Located::File(path) => match self.library.format(path) {
                Some(Format::EsModule) => "esm",
                _ => "commonjs",
            },
        };
        Ok((kind, engine_name))
    }

    /// The library's code.
    pub fn library(&self) -> &LibraryCode {
        &self.library
    }

    /// Where this job's load failures are counted.
    pub fn failures(&self) -> &LoadFailures {
        &self.failures
    }

    /// Finds `name` for the code named `base`, as the table allows.
    fn locate(&self, base: &str, name: &str, kind: Kind) -> Result<Located, Refusal> {
        let file = base
            .strip_prefix(LIBRARY_PREFIX)
            .or_else(|| base.strip_prefix(COMMONJS_BODY_PREFIX));
        let importer = match file {
            Some(path) => Importer::File(path),
            None => {
                // Job code names packages the table lists, and files they export: never
                // a path through them (`pkg/../x`, `pkg/node_modules/dep`).
                let through = name.split('/').any(|segment| {
                    matches!(segment, "" | "." | "..")
                        || segment.eq_ignore_ascii_case("node_modules")
                });
                let builtin_listed = builtin(name).is_some() && self.table.allows(name);
                let package_listed = split_package(name).is_some_and(|(package, _)| {
                    builtin(package).is_none() && self.table.allows(package)
                });
                let listed = !through && (builtin_listed || package_listed);
                if !listed {
                    return Err(Refusal::Denied);
                }
                Importer::Job
            }
        };
        // To a library file every Node built-in name is a built-in, as in Node: one
        // Warren lacks (`fs`, `zlib`) is denied, never a package of the same name
        // (libraries often try one and fall back). `punycode/`, with its slash, is
        // the package. Job code names what the table lists, packages included.
        let is_builtin = |name: &str| match importer {
            Importer::Job => builtin(name).is_some(),
            Importer::File(_) => builtin(name).is_some() || is_node_builtin(name),
        };
        match resolve(self.library.library(), importer, name, kind, &is_builtin) {
            Ok(Target::Builtin(name))
                if builtin(&name).is_some() && self.allows_builtin(importer, &name) =>
            {
                Ok(Located::Builtin(name))
            }
            Ok(Target::Builtin(_)) => Err(Refusal::Denied),
            Ok(Target::File(path)) => Ok(Located::File(path)),
            Ok(Target::Empty) => Ok(Located::Empty),
            // Past the library's wall: denied, whoever asks.
            Err(NotFound::Outside(_)) => Err(Refusal::Denied),
            Err(not_found) => Err(Refusal::NotFound(not_found)),
        }
    }

    /// Whether the table lets `importer` load built-in `name`. A library may use
    /// either spelling of a listed built-in (`crypto`, `node:crypto`): which one a
    /// package's authors wrote is not the operator's choice.
    fn allows_builtin(&self, importer: Importer<'_>, name: &str) -> bool {
        if self.table.allows(name) {
            return true;
        }
        let alias = match name.strip_prefix("node:") {
            Some(bare) => bare.to_owned(),
            None => format!("node:{name}"),
        };
        matches!(importer, Importer::File(_)) && self.table.allows(&alias)
    }
}

/// What a name was found to be.
enum Located {
    Builtin(String),
    File(String),
    Empty,
}

impl Located {
    fn engine_name(&self) -> String {
        match self {
            Located::Builtin(name) => canonical(name).unwrap_or(name).to_owned(),
            Located::File(path) => format!("{LIBRARY_PREFIX}{path}"),
            Located::Empty => EMPTY_MODULE.to_owned(),
        }
    }
}

impl Resolver for AllowlistResolver {
    fn resolve<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        base: &str,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<String> {
        self.resolve_linkable(ctx, base, name)
            .map_err(|refusal| refuse(ctx, &self.failures, name, refusal))
    }
}

/// Whether `name` is one of Node's built-in modules (`fs`, `node:http`, ...).
/// Only the names themselves: `punycode/` and `events/index.js` are packages' files.
fn is_node_builtin(name: &str) -> bool {
    let name = name.strip_prefix("node:").unwrap_or(name);
    NODE_BUILTINS.contains(&name)
}

/// Node's built-in module names (`require('module').builtinModules`).
const NODE_BUILTINS: &[&str] = &[
    "assert",
    "assert/strict",
    "async_hooks",
    "buffer",
    "child_process",
    "cluster",
    "console",
    "constants",
    "crypto",
    "dgram",
    "diagnostics_channel",
    "dns",
    "dns/promises",
    "domain",
    "events",
    "fs",
    "fs/promises",
    "http",
    "http2",
    "https",
    "inspector",
    "inspector/promises",
    "module",
    "net",
    "os",
    "path",
    "path/posix",
    "path/win32",
    "perf_hooks",
    "process",
    "punycode",
    "querystring",
    "readline",
    "readline/promises",
    "repl",
    "stream",
    "stream/consumers",
    "stream/promises",
    "stream/web",
    "string_decoder",
    "sys",
    "timers",
    "timers/promises",
    "tls",
    "trace_events",
    "tty",
    "url",
    "util",
    "util/types",
    "v8",
    "vm",
    "wasi",
    "worker_threads",
    "zlib",
];
