//! The operator's library compiled on first use, once per engine (all the slots of a
//! thread engine, or one sandbox process): a file costs nothing until a job loads
//! it, and a file that does not compile fails only the jobs that load it.
//!
//! An ES module file compiles to itself. A CommonJS or JSON file compiles twice: its
//! body, as the function Node wraps it in (run by `warren:commonjs`), and an ES
//! module facade whose default export is its `module.exports` and whose named
//! exports are the names its text shows (see [`cjs_names`](super::cjs_names)).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use rquickjs::CatchResultExt;

use super::cjs_names::cjs_exports;
use super::format::{Format, format_of};
use super::graph::reporting_evaluation;
use super::library::{LIBRARY_PREFIX, Library};
use super::registry::builtin;
use super::resolution::{Importer, Kind, Target, resolve};
use crate::sandbox::runtime::bytecode::{self, Keep};
use crate::sandbox::runtime::throwaway::{AnyName, StubLoader, with_compiler};

/// The name of the module that runs CommonJS files (`commonjs.js`).
pub const COMMONJS_MODULE: &str = "warren:commonjs";
/// The name of its native half (`commonjs.rs`).
pub const COMMONJS_NATIVE: &str = "warren:native/commonjs";

/// Node's CommonJS wrapper, on one line so that a file's line numbers stay true.
pub const COMMONJS_HEAD: &str = "(function (exports, require, module, __filename, __dirname) {";
pub const COMMONJS_TAIL: &str = "\n})";

/// Prefix of the names CommonJS bodies are compiled under (their stack traces show
/// it); a body's own `import()` resolves from its file as the facade's would.
pub const COMMONJS_BODY_PREFIX: &str = "cjs:";

/// How deep re-exports are followed to find a CommonJS file's names.
const MAX_REEXPORT_DEPTH: usize = 8;

/// Compiled bytecode, or why the file does not compile.
pub type Compiled = Result<Arc<[u8]>, String>;

/// The library and what of it has been compiled.
#[derive(Debug)]
pub struct LibraryCode {
    library: Arc<Library>,
    compiled: Mutex<HashMap<(Part, String), Compiled>>,
    /// Each file's form, told once (telling it may scan the whole file).
    formats: Mutex<HashMap<String, Format>>,
}

/// Which compilation of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Part {
    /// What `import` loads: the file itself or its facade.
    Module,
    /// A CommonJS file's body.
    Body,
}

impl LibraryCode {
    pub fn new(library: Arc<Library>) -> LibraryCode {
        LibraryCode {
            library,
            compiled: Mutex::new(HashMap::new()),
            formats: Mutex::new(HashMap::new()),
        }
    }

    pub fn library(&self) -> &Library {
        &self.library
    }

    /// The form of library file `path`, if there is one.
    pub fn format(&self, path: &str) -> Option<Format> {
        let lock = || self.formats.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(format) = lock().get(path) {
            return Some(*format);
        }
        let source = self.library.source(path)?;
        let format = format_of(&self.library, path, source);
        lock().insert(path.to_owned(), format);
        Some(format)
    }

    /// The ES module `import` loads for library file `path` (named `lib:` + path).
    pub fn module(&self, path: &str) -> Compiled {
        self.compiled(Part::Module, path, |library, source| {
            let name = format!("{LIBRARY_PREFIX}{path}");
            let module_source = match format_of(library, path, source) {
                Format::EsModule => reporting_evaluation(source, &name),
                Format::CommonJs => reporting_evaluation(
                    &facade_source(&name, &exported_names(library, path)),
                    &name,
                ),
                Format::Json => {
                    reporting_evaluation(&facade_source(&name, &BTreeSet::new()), &name)
                }
            };
            with_compiler(AnyName, StubLoader, |ctx| {
                bytecode::compile_module(ctx, &module_source, &name)
                    .catch(ctx)
                    .map_err(|err| err.to_string())
            })
            .map_err(|err| err.to_string())?
        })
    }

    /// The body of CommonJS file `path`: a script whose value is Node's wrapper
    /// function around the file.
    pub fn commonjs_body(&self, path: &str) -> Compiled {
        self.compiled(Part::Body, path, |_, source| {
            // A `#!` line is allowed at the start of a file, not inside the wrapper.
            let source = match source.strip_prefix("#!") {
                Some(rest) => format!("//{rest}"),
                None => source.to_owned(),
            };
            let wrapped = [COMMONJS_HEAD, &source, COMMONJS_TAIL].concat();
            let name = format!("{COMMONJS_BODY_PREFIX}{path}");
            with_compiler(AnyName, StubLoader, |ctx| {
                bytecode::compile_script(ctx, &wrapped, &name, Keep::Debug)
                    .catch(ctx)
                    .map_err(|err| err.to_string())
            })
            .map_err(|err| err.to_string())?
        })
    }

    fn compiled(
        &self,
        part: Part,
        path: &str,
        compile: impl FnOnce(&Library, &str) -> Result<Vec<u8>, String>,
    ) -> Compiled {
        let key = (part, path.to_owned());
        if let Some(done) = self.lock().get(&key) {
            return done.clone();
        }
        let Some(source) = self.library.source(path) else {
            return Err(format!("{path}: no such file"));
        };
        // Compiled without the lock: another slot may compile the same file meanwhile,
        // and the first to finish is kept.
        let result = compile(&self.library, source)
            .map(Arc::from)
            .map_err(|err| format!("{path}: {err}"));
        self.lock().entry(key).or_insert(result).clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(Part, String), Compiled>> {
        // Entries are inserted whole: a panic elsewhere leaves nothing half-written.
        self.compiled.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The names CommonJS file `path` exports, re-exports followed.
fn exported_names(library: &Library, path: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut pending = vec![(path.to_owned(), 0)];
    let mut seen = BTreeSet::new();
    while let Some((file, depth)) = pending.pop() {
        if !seen.insert(file.clone()) {
            continue;
        }
        let Some(source) = library.source(&file) else {
            continue;
        };
        if format_of(library, &file, source) != Format::CommonJs {
            continue;
        }
        let found = cjs_exports(source);
        names.extend(found.names);
        if depth >= MAX_REEXPORT_DEPTH {
            continue;
        }
        for specifier in found.reexports {
            let is_builtin = |name: &str| builtin(name).is_some();
            if let Ok(Target::File(target)) = resolve(
                library,
                Importer::File(&file),
                &specifier,
                Kind::Require,
                &is_builtin,
            ) {
                pending.push((target, depth + 1));
            }
        }
    }
    names
}

/// An ES module whose default export is `module.exports` of the CommonJS (or JSON)
/// file `name`, and whose named exports are `names` read from it.
fn facade_source(name: &str, names: &BTreeSet<String>) -> String {
    let literal = serde_json::to_string(name).unwrap_or_else(|_| "\"\"".into());
    let mut source = format!(
        "import {{ load as __warren_load }} from '{COMMONJS_MODULE}';\n\
         const __warren_exports = __warren_load({literal});\n\
         export default __warren_exports;\n"
    );
    let names: Vec<&String> = names.iter().filter(|n| is_plain_identifier(n)).collect();
    if !names.is_empty() {
        source.push_str(
            "const __warren_named = __warren_exports == null ? {} : Object(__warren_exports);\nexport const ",
        );
        let bindings: Vec<String> = names
            .iter()
            .map(|n| format!("{n} = __warren_named.{n}"))
            .collect();
        source.push_str(&bindings.join(", "));
        source.push_str(";\n");
    }
    source
}

/// Whether `name` can be a `const` binding: an ASCII identifier, not reserved, not
/// one of the facade's own.
fn is_plain_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    let starts = bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'$');
    starts
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
        && !name.starts_with("__warren_")
        && !RESERVED.contains(&name)
}

/// Words that cannot name a binding in a module.
const RESERVED: &[&str] = &[
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "let",
    "new",
    "null",
    "package",
    "private",
    "protected",
    "public",
    "return",
    "static",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "yield",
    "arguments",
    "eval",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_compile_on_first_use_and_failures_stay_with_their_file() {
        let code = LibraryCode::new(Arc::new(Library::from_files([
            ("ok.mjs", "export const x = 1;"),
            (
                "cjs.js",
                "exports.a = 1; exports['class'] = 2; exports.b = 3;",
            ),
            ("broken.js", "this is ( not js"),
            ("broken.mjs", "export default (;"),
        ])));
        assert!(code.module("ok.mjs").is_ok());
        assert!(code.module("cjs.js").is_ok());
        assert!(code.commonjs_body("cjs.js").is_ok());
        // A CommonJS file's facade compiles; its body is what fails.
        assert!(code.module("broken.js").is_ok());
        let err = code
            .commonjs_body("broken.js")
            .expect_err("does not compile");
        assert!(err.starts_with("broken.js: "), "{err}");
        assert_eq!(
            code.commonjs_body("broken.js"),
            Err(err),
            "kept, not retried"
        );
        let err = code.module("broken.mjs").expect_err("does not compile");
        assert!(err.starts_with("broken.mjs: "), "{err}");
        assert!(code.module("missing.js").is_err());
    }

    #[test]
    fn facades_export_the_plain_names() {
        let names: BTreeSet<String> = ["a", "class", "b-c", "__warren_load", "Z$"]
            .into_iter()
            .map(String::from)
            .collect();
        let source = facade_source("lib:x.js", &names);
        assert!(source.contains("__warren_load(\"lib:x.js\")"), "{source}");
        assert!(
            source.contains("export const Z$ = __warren_named.Z$, a = __warren_named.a;"),
            "{source}"
        );
    }
}
