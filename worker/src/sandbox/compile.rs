//! Turning customer code into bytecode, once: a per-slot cache keyed by the code
//! itself, so a function seen before skips the parser entirely.

use std::cell::RefCell;
use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::rc::Rc;
use std::sync::Arc;

use rquickjs::context::intrinsic;
use rquickjs::loader::{ImportAttributes, Loader, Resolver};
use rquickjs::{CatchResultExt, CaughtError, Context, Ctx, Runtime};
use warren_wire::{ErrorKind, JobError};

use super::bytecode::{self, Keep};
use super::detect::{CodeForm, detect};
use super::errors::describe_caught;
use super::loader::{AllowlistResolver, BuiltinLoader, DeniedLog, ModuleBytecode};
use super::modules::{BUILTINS, ModuleTable};

/// The name job modules get; it shows in stack traces.
pub const JOB_MODULE_NAME: &str = "job.js";

/// Node's CommonJS wrapper, on one line so the job's line numbers stay true.
const SCRIPT_HEAD: &str = "(function (exports, require, module, __filename, __dirname) {";
const SCRIPT_TAIL: &str = "\n})";

/// Code compiled to bytecode, in the form it was compiled as.
#[derive(Debug)]
pub struct CompiledCode {
    pub form: CodeForm,
    pub bytecode: Vec<u8>,
}

/// A failure to compile: `compile`, or `module_denied` for a denied static import.
pub type CompileError = JobError;

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

/// Bytecode of Warren's own JS: the prelude, its lazily loaded parts, and the
/// built-in modules.
pub struct HostBytecode {
    pub prelude: Vec<u8>,
    pub parts: PreludeParts,
    pub modules: ModuleBytecode,
}

/// Parts of the prelude compiled separately and loaded on first use.
pub type PreludeParts = Arc<HashMap<&'static str, Vec<u8>>>;

/// The lazily loaded prelude parts: name and source.
const PRELUDE_PARTS: &[(&str, &str)] = &[
    ("console", include_str!("js/console.js")),
    ("console_format", include_str!("js/console_format.js")),
    ("timers", include_str!("js/timers.js")),
    ("structured_clone", include_str!("js/structured_clone.js")),
    ("base64", include_str!("js/base64.js")),
    ("text_encoding", include_str!("js/text_encoding.js")),
    ("url_globals", include_str!("js/url_globals.js")),
    ("fetch", include_str!("js/fetch.js")),
];

/// The `'static` name of a prelude part, for a name read back from elsewhere.
pub fn part_name(name: &str) -> Option<&'static str> {
    PRELUDE_PARTS
        .iter()
        .map(|(part, _)| *part)
        .find(|part| *part == name)
}

/// Compiles the prelude, every built-in module and the operator's library, once per
/// engine: bytecode is plain bytes, shared by every slot (and every replacement slot).
pub fn compile_host(table: &Arc<ModuleTable>) -> anyhow::Result<HostBytecode> {
    let empty: ModuleBytecode = Arc::default();
    // Imports of these modules are checked when a job links them, against the table
    // and relative to the importing file; here any name compiles.
    let compiled = with_compiler(
        AnyName,
        BuiltinLoader::new(empty),
        |ctx| -> Result<HostBytecode, String> {
            let source = include_str!("js/prelude.js");
            let prelude = bytecode::compile_script(ctx, source, "warren:prelude", Keep::CodeOnly)
                .catch(ctx)
                .map_err(|err| format!("prelude: {err}"))?;
            let mut parts = HashMap::new();
            for (name, source) in PRELUDE_PARTS {
                let code = bytecode::compile_script(
                    ctx,
                    source,
                    &format!("warren:{name}"),
                    Keep::CodeOnly,
                )
                .catch(ctx)
                .map_err(|err| format!("prelude part {name}: {err}"))?;
                parts.insert(*name, code);
            }
            let mut modules = HashMap::new();
            for module in BUILTINS {
                for &name in module.names {
                    let code = bytecode::compile_module(ctx, module.source, name)
                        .catch(ctx)
                        .map_err(|err| format!("module {name}: {err}"))?;
                    modules.insert(name.to_owned(), code);
                }
            }
            Ok(HostBytecode {
                prelude,
                parts: Arc::new(parts),
                modules: Arc::new(modules),
            })
        },
    )?;
    let mut compiled =
        compiled.map_err(|err| anyhow::anyhow!("Warren's own JS does not compile: {err}"))?;
    let mut modules = HashMap::clone(&compiled.modules);
    for (name, source) in table.library().modules() {
        // Each in a runtime of its own, its imports stubbed: compiling declares the
        // modules a module imports, and they are only really resolved (against the
        // table, relative to this file) when a job links it.
        let code = with_compiler(AnyName, StubLoader, |ctx| {
            bytecode::compile_module(ctx, source, &name)
                .catch(ctx)
                .map_err(|err| err.to_string())
        })?
        .map_err(|err| anyhow::anyhow!("operator module {name} does not compile: {err}"))?;
        modules.insert(name, code);
    }
    compiled.modules = Arc::new(modules);
    Ok(compiled)
}

/// Declares every import as an empty module (compiling operator modules).
struct StubLoader;

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
struct AnyName;

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

/// A slot's compiler and bytecode cache.
pub struct Compiler {
    table: Arc<ModuleTable>,
    builtins: ModuleBytecode,
    cache: HashMap<u64, CacheEntry>,
    cache_bytes: usize,
    max_cache_bytes: usize,
    clock: u64,
}

struct CacheEntry {
    code: Box<str>,
    compiled: Rc<CompiledCode>,
    last_used: u64,
}

impl CacheEntry {
    fn size(&self) -> usize {
        self.code.len() + self.compiled.bytecode.len()
    }
}

/// Whether a compile was answered from the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheUse {
    Hit,
    Miss,
}

impl Compiler {
    pub fn new(
        table: Arc<ModuleTable>,
        builtins: ModuleBytecode,
        max_cache_bytes: usize,
    ) -> Compiler {
        Compiler {
            table,
            builtins,
            cache: HashMap::new(),
            cache_bytes: 0,
            max_cache_bytes,
            clock: 0,
        }
    }

    /// Bytecode for `code`, from the cache or freshly compiled.
    pub fn compile(&mut self, code: &str) -> (Result<Rc<CompiledCode>, CompileError>, CacheUse) {
        self.clock += 1;
        let key = {
            let mut hasher = DefaultHasher::new();
            code.hash(&mut hasher);
            hasher.finish()
        };
        if let Some(entry) = self.cache.get_mut(&key)
            && *entry.code == *code
        {
            entry.last_used = self.clock;
            return (Ok(entry.compiled.clone()), CacheUse::Hit);
        }
        let compiled = match self.compile_uncached(code) {
            Ok(compiled) => Rc::new(compiled),
            Err(err) => return (Err(err), CacheUse::Miss),
        };
        let entry = CacheEntry {
            code: code.into(),
            compiled: compiled.clone(),
            last_used: self.clock,
        };
        self.cache_bytes += entry.size();
        if let Some(old) = self.cache.insert(key, entry) {
            self.cache_bytes -= old.size();
        }
        self.evict();
        (Ok(compiled), CacheUse::Miss)
    }

    fn evict(&mut self) {
        while self.cache_bytes > self.max_cache_bytes && self.cache.len() > 1 {
            let Some((&oldest, _)) = self.cache.iter().min_by_key(|(_, e)| e.last_used) else {
                return;
            };
            if let Some(entry) = self.cache.remove(&oldest) {
                self.cache_bytes -= entry.size();
            }
        }
    }

    fn compile_uncached(&self, code: &str) -> Result<CompiledCode, CompileError> {
        if code.trim().is_empty() {
            return Err(compile_error("code is empty: it must export a function"));
        }
        let guess = detect(code);
        match self.compile_as(code, guess) {
            Ok(compiled) => Ok(compiled),
            Err(err) if err.kind == ErrorKind::ModuleDenied => Err(err),
            Err(first) => self.compile_as(code, guess.other()).map_err(|_| first),
        }
    }

    fn compile_as(&self, code: &str, form: CodeForm) -> Result<CompiledCode, CompileError> {
        let denied = DeniedLog::default();
        let resolver = AllowlistResolver::new(self.table.clone(), denied.clone());
        let result = with_compiler(resolver, BuiltinLoader::new(self.builtins.clone()), |ctx| {
            let compiled = match form {
                CodeForm::Module => bytecode::compile_module(ctx, code, JOB_MODULE_NAME),
                CodeForm::Script => {
                    let wrapped = [SCRIPT_HEAD, code, SCRIPT_TAIL].concat();
                    bytecode::compile_script(ctx, &wrapped, JOB_MODULE_NAME, Keep::Debug)
                }
            };
            compiled
                .catch(ctx)
                .map_err(|err| describe_compile_failure(err, &denied))
        })
        .map_err(|err| compile_error(format!("cannot start the compiler: {err}")))?;
        let bytecode = result?;
        Ok(CompiledCode { form, bytecode })
    }
}

fn compile_error(message: impl Into<String>) -> CompileError {
    JobError {
        kind: ErrorKind::Compile,
        message: message.into(),
        stack: None,
    }
}

fn describe_compile_failure(err: CaughtError<'_>, denied: &RefCell<Vec<String>>) -> CompileError {
    let described = describe_caught(&err);
    let denied = denied.borrow();
    let kind = if denied.is_empty() {
        ErrorKind::Compile
    } else {
        ErrorKind::ModuleDenied
    };
    JobError {
        kind,
        message: described.message,
        stack: described.stack,
    }
}
