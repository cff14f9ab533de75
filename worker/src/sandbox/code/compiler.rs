//! Turning customer code into bytecode, once: a per-slot cache keyed by the code
//! itself, so a function seen before skips the parser entirely.

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::rc::Rc;
use std::sync::Arc;

use rquickjs::{CatchResultExt, CaughtError};
use warren_wire::{ErrorKind, JobError};

use crate::sandbox::job::CacheUse;
use crate::sandbox::modules::ModuleTable;
use crate::sandbox::modules::failures::LoadFailures;
use crate::sandbox::modules::graph::JobModules;
use crate::sandbox::modules::library_code::{COMMONJS_HEAD, COMMONJS_TAIL, LibraryCode};
use crate::sandbox::modules::loader::{BuiltinLoader, ModuleBytecode};
use crate::sandbox::modules::resolver::AllowlistResolver;
use crate::sandbox::runtime::bytecode::{self, Keep};
use crate::sandbox::runtime::detect::{CodeForm, detect};
use crate::sandbox::runtime::errors::describe_caught;
use crate::sandbox::runtime::throwaway::with_compiler;

/// The name job modules get; it shows in stack traces.
pub const JOB_MODULE_NAME: &str = "job.js";

/// Code compiled to bytecode, in the form it was compiled as.
#[derive(Debug)]
pub struct CompiledCode {
    pub form: CodeForm,
    pub bytecode: Vec<u8>,
}

/// A failure to compile: `compile`, or `module_denied` for a denied static import.
pub type CompileError = JobError;

/// A slot's compiler and bytecode cache.
pub struct Compiler {
    table: Arc<ModuleTable>,
    builtins: ModuleBytecode,
    library: Arc<LibraryCode>,
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

impl Compiler {
    pub fn new(
        table: Arc<ModuleTable>,
        builtins: ModuleBytecode,
        library: Arc<LibraryCode>,
        max_cache_bytes: usize,
    ) -> Compiler {
        Compiler {
            table,
            builtins,
            library,
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
        let failures = LoadFailures::default();
        let modules = JobModules::default();
        let resolver = AllowlistResolver::new(
            self.table.clone(),
            self.library.clone(),
            failures.clone(),
            modules.clone(),
        );
        let names = resolver.clone();
        let loader = BuiltinLoader::new(
            self.builtins.clone(),
            self.library.clone(),
            failures.clone(),
            modules,
        );
        let result = with_compiler(resolver, loader, |ctx| {
            // SAFETY: `names` is the resolver this throwaway runtime was given, and
            // the runtime compiles only: names reach it from `import` statements in
            // the code, never from the host.
            unsafe { names.read_names_as_text(ctx) };
            let compiled = match form {
                CodeForm::Module => bytecode::compile_module(ctx, code, JOB_MODULE_NAME),
                CodeForm::Script => {
                    let wrapped = [COMMONJS_HEAD, code, COMMONJS_TAIL].concat();
                    bytecode::compile_script(ctx, &wrapped, JOB_MODULE_NAME, Keep::Debug)
                }
            };
            compiled
                .catch(ctx)
                .map_err(|err| describe_compile_failure(err, &failures))
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

fn describe_compile_failure(err: CaughtError<'_>, failures: &LoadFailures) -> CompileError {
    let described = describe_caught(&err);
    let kind = if failures.any_denied() {
        ErrorKind::ModuleDenied
    } else {
        ErrorKind::Compile
    };
    JobError {
        kind,
        message: described.message,
        stack: described.stack,
    }
}
