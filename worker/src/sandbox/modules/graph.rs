//! What one job's runtime has loaded, for the two decisions only Rust can make safely:
//!
//! - which names `warren:commonjs` may `import()`: exactly those `require` resolved
//!   for it (granted here), so job code that tampers with built-ins cannot forge a
//!   name on the way;
//! - whether a module is safe to link while `require` waits synchronously: QuickJS
//!   aborts the process when a graph being linked reaches a module that is still
//!   evaluating (a `require` cycle, or job code run from a getter in the middle of a
//!   module's top level). Every module Warren compiles reports, as its last
//!   statement, that it finished evaluating (`warren:native/evaluated`). While a
//!   `require` waits, an import that reaches a module loaded *before* that wait
//!   began that has not finished evaluating (one the wait may have interrupted) is
//!   refused, as Node refuses `require` of a cycle (`ERR_REQUIRE_CYCLE_MODULE`).
//!   Modules the wait itself loads are linked as usual: the engine asks for their
//!   names again while it links them.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use rquickjs::module::{Declarations, Declared, Exports, ModuleDef};
use rquickjs::{Ctx, Function, Module, Result};

use crate::sandbox::runtime::text::Text;

/// The name of the native module compiled modules report their evaluation to.
pub const EVALUATED_NATIVE: &str = "warren:native/evaluated";

/// The binding compiled modules import the report under.
const EVALUATED_BINDING: &str = "__warren_evaluated";

/// One job's loaded modules and grants (shared by its resolver's clones).
#[derive(Clone, Default)]
pub struct JobModules(Rc<RefCell<Graph>>);

#[derive(Clone, Copy)]
struct Loaded {
    evaluated: bool,
    depth: u32,
}

#[derive(Default)]
struct Graph {
    granted: HashSet<String>,
    /// Loaded modules: whether each finished evaluating, and how many synchronous
    /// waits were under way when it was loaded.
    loaded: HashMap<String, Loaded>,
    /// What each module imports.
    imports: HashMap<String, Vec<String>>,
}

impl JobModules {
    /// Lets `warren:commonjs` import `name` (what `require` resolved).
    pub fn grant(&self, name: &str) {
        self.0.borrow_mut().granted.insert(name.to_owned());
    }

    pub fn is_granted(&self, name: &str) -> bool {
        self.0.borrow().granted.contains(name)
    }

    /// Records that `base` imports `name`.
    pub fn record_import(&self, base: &str, name: &str) {
        let mut graph = self.0.borrow_mut();
        let imports = graph.imports.entry(base.to_owned()).or_default();
        if !imports.iter().any(|n| n == name) {
            imports.push(name.to_owned());
        }
    }

    /// Records that `name` was loaded while `depth` synchronous waits were under way
    /// (`evaluated`: it has nothing to evaluate).
    pub fn record_loaded(&self, name: &str, evaluated: bool, depth: u32) {
        self.0
            .borrow_mut()
            .loaded
            .entry(name.to_owned())
            .or_insert(Loaded { evaluated, depth });
    }

    fn record_evaluated(&self, name: &str) {
        if let Some(loaded) = self.0.borrow_mut().loaded.get_mut(name) {
            loaded.evaluated = true;
        }
    }

    /// Whether linking `name` is safe inside `depth` synchronous waits: nothing it
    /// reaches was loaded outside the innermost wait and is still unevaluated.
    pub fn safe_to_link(&self, name: &str, depth: u32) -> bool {
        let graph = self.0.borrow();
        let mut pending = vec![name];
        let mut seen = HashSet::new();
        while let Some(next) = pending.pop() {
            if !seen.insert(next) {
                continue;
            }
            if let Some(loaded) = graph.loaded.get(next)
                && !loaded.evaluated
                && loaded.depth < depth
            {
                return false;
            }
            if let Some(imports) = graph.imports.get(next) {
                pending.extend(imports.iter().map(String::as_str));
            }
        }
        true
    }
}

/// `source` with its evaluation reported at the end, as module `name`. The import
/// joins the first line (after a `#!` line, if any), so line numbers stay true.
pub fn reporting_evaluation(source: &str, name: &str) -> String {
    let literal = serde_json::to_string(name).unwrap_or_else(|_| "\"\"".into());
    let import =
        format!("import {{ evaluated as {EVALUATED_BINDING} }} from '{EVALUATED_NATIVE}';");
    let (hashbang, body) = match source.strip_prefix("#!") {
        Some(_) => match source.find('\n') {
            Some(end) => source.split_at(end + 1),
            None => (source, ""),
        },
        None => ("", source),
    };
    format!("{hashbang}{import}{body}\n;{EVALUATED_BINDING}({literal});\n")
}

pub fn declare_native<'js>(ctx: &Ctx<'js>, name: &str) -> Result<Module<'js, Declared>> {
    Module::declare_def::<EvaluatedNative, _>(ctx.clone(), name)
}

struct EvaluatedNative;

impl ModuleDef for EvaluatedNative {
    fn declare(decl: &Declarations<'_>) -> Result<()> {
        decl.declare("evaluated")?;
        Ok(())
    }

    fn evaluate<'js>(ctx: &Ctx<'js>, exports: &Exports<'js>) -> Result<()> {
        let report = Function::new(ctx.clone(), |ctx: Ctx<'js>, name: Text| {
            if let Some(modules) = ctx.userdata::<JobModules>() {
                modules.record_evaluated(&name);
            }
        })?;
        exports.export("evaluated", report)?;
        Ok(())
    }
}

// SAFETY: `JobModules` holds no JS values, so it has no lifetime to change.
unsafe impl<'js> rquickjs::JsLifetime<'js> for JobModules {
    type Changed<'to> = JobModules;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_loaded_before_a_wait_is_safe_once_it_and_its_imports_evaluated() {
        let modules = JobModules::default();
        assert!(modules.safe_to_link("a", 1), "not loaded: a fresh load");
        modules.record_loaded("a", false, 0);
        modules.record_loaded("b", false, 0);
        modules.record_import("a", "b");
        modules.record_import("b", "a");
        assert!(!modules.safe_to_link("a", 1));
        modules.record_evaluated("b");
        assert!(
            !modules.safe_to_link("b", 1),
            "its import a is still evaluating"
        );
        modules.record_evaluated("a");
        assert!(modules.safe_to_link("a", 1) && modules.safe_to_link("b", 1));
        // What the wait itself loaded is being linked by it, not interrupted.
        modules.record_loaded("c", false, 1);
        modules.record_import("c", "a");
        assert!(modules.safe_to_link("c", 1));
        assert!(!modules.safe_to_link("c", 2));
    }

    #[test]
    fn grants_are_shared_by_clones() {
        let modules = JobModules::default();
        assert!(!modules.is_granted("lib:x.js"));
        modules.grant("lib:x.js");
        assert!(modules.clone().is_granted("lib:x.js"));
    }

    #[test]
    fn the_report_keeps_lines_and_hashbangs() {
        let source = reporting_evaluation("#!/usr/bin/env node\nexport default 1", "lib:x.js");
        assert!(
            source.starts_with("#!/usr/bin/env node\nimport { evaluated as __warren_evaluated }")
        );
        assert_eq!(source.lines().count(), 3);
        assert!(source.ends_with("__warren_evaluated(\"lib:x.js\");\n"));
    }
}
