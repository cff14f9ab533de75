//! What one job's runtime has loaded, for the decisions only Rust can make safely:
//!
//! - which names `warren:commonjs` may `import()`: exactly those `require` resolved
//!   for it (granted here), so job code that tampers with built-ins cannot forge a
//!   name on the way;
//! - whether an import may go ahead without crashing the engine. QuickJS aborts when
//!   a graph being linked reaches a module that is still evaluating (a `require`
//!   cycle, or job code run from a getter in the middle of a module's top level),
//!   and dereferences null when a graph reaches a module whose own imports failed
//!   to load (it stays loaded, half resolved). So:
//!   - every module Warren compiles reports, as its last statement, that it finished
//!     evaluating (`warren:native/evaluated`); each synchronous wait of `require`
//!     has an epoch of its own (`runtime::settle`); while one is under way, an import
//!     that reaches an unfinished module loaded outside it (one the wait may have
//!     interrupted) is refused, as Node refuses `require` of a cycle
//!     (`ERR_REQUIRE_CYCLE_MODULE`), whatever the depth of waits it was loaded at.
//!     What the wait itself loads is linked as usual (the engine asks for those
//!     names again while it links them);
//!   - a module whose static import was refused, and a name that failed to load,
//!     are remembered with why; any later import that reaches them fails with that
//!     reason instead of reaching the half-resolved module.
//!
//!   Only unfinished modules' imports are recorded as links: a finished module's
//!   imports are `import()`s, which link nothing of it.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use crate::sandbox::runtime::pins::host_function;
use rquickjs::module::{Declarations, Declared, Exports, ModuleDef};
use rquickjs::{Ctx, Module, Result};

use crate::sandbox::runtime::text::Text;

/// The name of the native module compiled modules report their evaluation to.
pub const EVALUATED_NATIVE: &str = "warren:native/evaluated";

/// The binding compiled modules import the report under.
const EVALUATED_BINDING: &str = "__warren_evaluated";

/// One job's loaded modules and grants (shared by its resolver's clones).
#[derive(Clone, Default)]
pub struct JobModules(Rc<RefCell<Layers>>);

#[derive(Clone, Copy)]
struct Loaded {
    evaluated: bool,
    /// The synchronous wait under way when it was loaded (0: none).
    epoch: u64,
}

#[derive(Default, Clone)]
struct Graph {
    granted: HashSet<String>,
    loaded: HashMap<String, Loaded>,
    /// What each unfinished module imports.
    imports: HashMap<String, Vec<String>>,
    /// Modules and names that failed to load, and why.
    failed: HashMap<String, Failure>,
}

/// What a runtime restored from a snapshot had recorded when the picture was taken
/// (shared, never changed), under what the job recorded since: a restore drops only
/// the job's records, however many modules the snapshot holds.
#[derive(Default)]
struct Layers {
    snapshot: Rc<Graph>,
    job: Graph,
}

impl Layers {
    fn granted(&self, name: &str) -> bool {
        self.job.granted.contains(name) || self.snapshot.granted.contains(name)
    }

    fn loaded(&self, name: &str) -> Option<Loaded> {
        self.job
            .loaded
            .get(name)
            .or_else(|| self.snapshot.loaded.get(name))
            .copied()
    }

    fn imports(&self, name: &str) -> Option<&Vec<String>> {
        self.job
            .imports
            .get(name)
            .or_else(|| self.snapshot.imports.get(name))
    }

    fn failed(&self, name: &str) -> Option<&Failure> {
        self.job
            .failed
            .get(name)
            .or_else(|| self.snapshot.failed.get(name))
    }

    /// Records that `name` failed, unless it is known to have already.
    fn fail(&mut self, name: &str, failure: Failure) {
        if self.failed(name).is_none() {
            self.job.failed.insert(name.to_owned(), failure);
        }
    }

    /// Whether `name` is loaded and has not finished evaluating.
    fn unfinished(&self, name: &str) -> bool {
        self.loaded(name).is_some_and(|loaded| !loaded.evaluated)
    }
}

/// Why a module cannot load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// An import the table refused (the name refused).
    Denied(String),
    /// Anything else, as its message says.
    Error(String),
}

impl JobModules {
    /// What is recorded now, to [`restore`](JobModules::restore) later.
    pub fn copy(&self) -> JobModules {
        let layers = self.0.borrow();
        let mut merged = (*layers.snapshot).clone();
        let job = layers.job.clone();
        merged.granted.extend(job.granted);
        merged.loaded.extend(job.loaded);
        merged.imports.extend(job.imports);
        merged.failed.extend(job.failed);
        // A finished module's static imports all finished before it, so nothing an
        // import can be stopped by lies past it: lookups from a job need not walk the
        // snapshot's modules (thousands, with large packages preloaded).
        let finished = |name: &String| merged.loaded.get(name).is_some_and(|l| l.evaluated);
        let walked: HashMap<String, Vec<String>> = merged
            .imports
            .iter()
            .filter(|(name, _)| !finished(name))
            .map(|(name, imports)| (name.clone(), imports.clone()))
            .collect();
        merged.imports = walked;
        JobModules(Rc::new(RefCell::new(Layers {
            snapshot: Rc::new(merged),
            job: Graph::default(),
        })))
    }

    /// Puts back what `copy` recorded (as the heap it describes is restored).
    pub fn restore(&self, copy: &JobModules) {
        let snapshot = copy.0.borrow().snapshot.clone();
        let mut layers = self.0.borrow_mut();
        layers.snapshot = snapshot;
        layers.job = Graph::default();
    }

    /// Lets `warren:commonjs` import `name` (what `require` resolved).
    pub fn grant(&self, name: &str) {
        let mut layers = self.0.borrow_mut();
        if !layers.granted(name) {
            layers.job.granted.insert(name.to_owned());
        }
    }

    pub fn is_granted(&self, name: &str) -> bool {
        self.0.borrow().granted(name)
    }

    /// Records that `base` imports `name`, if that links them (see the module's
    /// documentation).
    pub fn record_import(&self, base: &str, name: &str) {
        let mut layers = self.0.borrow_mut();
        if !layers.unfinished(base) {
            return;
        }
        if layers
            .imports(base)
            .is_some_and(|imports| imports.iter().any(|n| n == name))
        {
            return;
        }
        let known = layers.imports(base).cloned().unwrap_or_default();
        layers
            .job
            .imports
            .entry(base.to_owned())
            .or_insert(known)
            .push(name.to_owned());
    }

    /// Records that an import by `base` failed: if it was a static one (`base` has not
    /// finished), `base` is left half resolved.
    pub fn record_failed_import(&self, base: &str, failure: Failure) {
        let mut layers = self.0.borrow_mut();
        if layers.unfinished(base) {
            layers.fail(base, failure);
        }
    }

    /// Records that loading `name` failed.
    pub fn record_failed_load(&self, name: &str, failure: Failure) {
        self.0.borrow_mut().fail(name, failure);
    }

    /// Records that `name` was loaded during wait `epoch` (0: none; `evaluated`: it has
    /// nothing to evaluate).
    pub fn record_loaded(&self, name: &str, evaluated: bool, epoch: u64) {
        let mut layers = self.0.borrow_mut();
        if layers.loaded(name).is_none() {
            layers
                .job
                .loaded
                .insert(name.to_owned(), Loaded { evaluated, epoch });
        }
    }

    fn record_evaluated(&self, name: &str) {
        let mut layers = self.0.borrow_mut();
        if let Some(mut loaded) = layers.loaded(name) {
            loaded.evaluated = true;
            layers.job.loaded.insert(name.to_owned(), loaded);
        }
    }

    /// Why importing `name` now cannot go ahead, if it cannot: something it reaches
    /// failed to load, or (inside wait `epoch`, when not 0) is unfinished and was
    /// loaded outside that wait.
    pub fn obstacle(&self, name: &str, epoch: u64) -> Option<Obstacle> {
        let graph = self.0.borrow();
        let mut pending = vec![name];
        let mut seen = HashSet::new();
        let mut evaluating = false;
        while let Some(next) = pending.pop() {
            if !seen.insert(next) {
                continue;
            }
            if let Some(failure) = graph.failed(next) {
                return Some(Obstacle::Failed(failure.clone()));
            }
            if let Some(loaded) = graph.loaded(next)
                && epoch != 0
                && !loaded.evaluated
                && loaded.epoch != epoch
            {
                evaluating = true;
            }
            if let Some(imports) = graph.imports(next) {
                pending.extend(imports.iter().map(String::as_str));
            }
        }
        evaluating.then_some(Obstacle::Evaluating)
    }
}

/// Why an import cannot go ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Obstacle {
    /// It reaches a module that failed to load.
    Failed(Failure),
    /// It reaches a module that may still be evaluating.
    Evaluating,
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
        let report = host_function(ctx, |ctx: Ctx<'js>, name: Text| {
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
    fn unfinished_modules_loaded_outside_the_wait_are_obstacles() {
        let modules = JobModules::default();
        assert_eq!(modules.obstacle("a", 1), None, "not loaded: a fresh load");
        modules.record_loaded("a", false, 0);
        modules.record_loaded("b", false, 0);
        modules.record_import("a", "b");
        modules.record_import("b", "a");
        assert_eq!(
            modules.obstacle("a", 0),
            None,
            "no wait, nothing interrupted"
        );
        assert_eq!(modules.obstacle("a", 1), Some(Obstacle::Evaluating));
        modules.record_evaluated("b");
        assert_eq!(
            modules.obstacle("b", 1),
            Some(Obstacle::Evaluating),
            "a cycle through a"
        );
        modules.record_evaluated("a");
        assert_eq!(modules.obstacle("a", 1), None);
        // What a wait loads is linked by it; a later wait sees it as loaded outside.
        modules.record_loaded("c", false, 3);
        modules.record_import("c", "d");
        assert_eq!(modules.obstacle("c", 3), None);
        assert_eq!(modules.obstacle("c", 4), Some(Obstacle::Evaluating));
        // A finished module's imports are dynamic: they link nothing.
        modules.record_import("a", "c");
        assert_eq!(modules.obstacle("a", 1), None);
    }

    #[test]
    fn failures_are_remembered_for_whatever_reaches_them() {
        let modules = JobModules::default();
        modules.record_loaded("top", false, 0);
        modules.record_loaded("mid", false, 0);
        modules.record_import("top", "mid");
        modules.record_failed_import("mid", Failure::Denied("fs".into()));
        assert_eq!(
            modules.obstacle("top", 0),
            Some(Obstacle::Failed(Failure::Denied("fs".into())))
        );
        modules.record_failed_load("broken", Failure::Error("broken.js: x".into()));
        assert!(matches!(
            modules.obstacle("broken", 0),
            Some(Obstacle::Failed(_))
        ));
        // A finished module's failed import() leaves nothing half resolved.
        modules.record_loaded("done", true, 0);
        modules.record_failed_import("done", Failure::Denied("os".into()));
        assert_eq!(modules.obstacle("done", 0), None);
    }

    #[test]
    fn a_restore_forgets_what_the_job_recorded_and_keeps_the_snapshot() {
        let modules = JobModules::default();
        modules.record_loaded("lib", false, 0);
        modules.record_import("lib", "dep");
        modules.grant("lib");
        let snapshot = modules.copy();
        modules.record_evaluated("lib");
        modules.record_loaded("job", false, 0);
        modules.record_import("job", "lib");
        modules.record_failed_load("bad", Failure::Error("x".into()));
        modules.record_failed_import("dep", Failure::Denied("fs".into()));
        modules.grant("other");
        assert_eq!(modules.obstacle("lib", 1), None, "evaluated in the job");
        assert!(modules.obstacle("bad", 0).is_some());
        modules.restore(&snapshot);
        assert!(modules.is_granted("lib") && !modules.is_granted("other"));
        assert_eq!(modules.obstacle("bad", 0), None);
        assert_eq!(
            modules.obstacle("lib", 1),
            Some(Obstacle::Evaluating),
            "unfinished again, as in the snapshot"
        );
        // The job's additions to a snapshot's record are its own.
        modules.record_loaded("dep", false, 0);
        modules.record_failed_import("dep", Failure::Denied("fs".into()));
        assert!(matches!(
            modules.obstacle("lib", 0),
            Some(Obstacle::Failed(_))
        ));
        modules.restore(&snapshot);
        assert_eq!(modules.obstacle("lib", 0), None);
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
