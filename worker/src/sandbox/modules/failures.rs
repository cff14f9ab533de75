//! How a job's module loads fail: an import the allowed-module table refuses
//! (`module_denied`), a name nothing answers to (Node's "cannot find module"), and a
//! library file that does not compile (`compile`). Each is thrown into the job as
//! an ordinary error it may catch, and counted, so that an uncaught one is reported
//! with its kind.

use std::cell::Cell;
use std::rc::Rc;

use rquickjs::{Ctx, Exception};

use super::graph::Failure;
use super::resolution::NotFound;
use crate::sandbox::runtime::errors::cut;

/// Name given to the error thrown for a denied module, so it can be recognised when
/// it reaches the top of a job uncaught.
pub const DENIED_ERROR_NAME: &str = "ModuleDeniedError";

/// What went wrong loading a job's modules: counts, not names, so that a job trying
/// a million names (or one of 10 MB) holds nothing more in the host.
#[derive(Clone, Default)]
pub struct LoadFailures {
    denied: Rc<Cell<u64>>,
    broken: Rc<Cell<u64>>,
}

impl LoadFailures {
    fn record_denial(&self) {
        self.denied.set(self.denied.get().saturating_add(1));
    }

    fn record_broken(&self) {
        self.broken.set(self.broken.get().saturating_add(1));
    }

    /// Nothing refused yet, as in a fresh runtime.
    pub fn reset(&self) {
        self.denied.set(0);
        self.broken.set(0);
    }

    /// Whether any import was refused by the table.
    pub fn any_denied(&self) -> bool {
        self.denied.get() > 0
    }

    /// Whether a library file failed to compile.
    pub fn any_broken(&self) -> bool {
        self.broken.get() > 0
    }
}

/// Why a name does not load.
#[derive(Debug)]
pub enum Refusal {
    /// The table does not allow it: `module_denied`.
    Denied,
    /// Allowed, but nothing by that name is there.
    NotFound(NotFound),
    /// A `require` that would link a module still evaluating (a cycle).
    Cycle,
    /// A module that reaches one that failed to load earlier in the job: what failed.
    Earlier(Failure),
}

/// Throws what a refused name gets: the denial, or Node's "cannot find module".
pub fn refuse(
    ctx: &Ctx<'_>,
    failures: &LoadFailures,
    name: &str,
    refusal: Refusal,
) -> rquickjs::Error {
    let (message, code) = match refusal {
        Refusal::Denied => return deny(ctx, failures, name),
        // The same denial again: its name, its kind.
        Refusal::Earlier(Failure::Denied(denied)) => return deny(ctx, failures, &denied),
        Refusal::Earlier(Failure::Error(message)) => (
            format!(
                "cannot load '{}': a module it needs failed to load earlier in this job: {message}",
                cut(name.to_owned(), MAX_SHOWN_NAME_BYTES).escape_debug()
            ),
            "MODULE_NOT_FOUND",
        ),
        Refusal::NotFound(not_found) => (not_found.to_string(), "MODULE_NOT_FOUND"),
        Refusal::Cycle => (
            format!(
                "cannot require '{}': it is still being evaluated (a require cycle)",
                cut(name.to_owned(), MAX_SHOWN_NAME_BYTES).escape_debug()
            ),
            "ERR_REQUIRE_CYCLE_MODULE",
        ),
    };
    match Exception::from_message(ctx.clone(), &cut(message, MAX_SHOWN_NAME_BYTES * 2)) {
        Ok(error) => match error.set("code", code) {
            Ok(()) => ctx.throw(error.into_value()),
            Err(err) => err,
        },
        Err(err) => err,
    }
}

/// Refuses `name`: records it and throws the error a denied import gets (the
/// caller returns the `Error` this gives).
pub fn deny(ctx: &Ctx<'_>, failures: &LoadFailures, name: &str) -> rquickjs::Error {
    failures.record_denial();
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

/// Throws the error of a library file that does not compile (a `SyntaxError` naming
/// the file), and records it so that, uncaught, it fails the job as `compile`.
pub fn broken(ctx: &Ctx<'_>, failures: &LoadFailures, message: &str) -> rquickjs::Error {
    failures.record_broken();
    Exception::throw_syntax(ctx, message)
}
