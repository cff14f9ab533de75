//! The `timers/promises` module (`timers_promises.js`): Node's promise-returning
//! timers, in JavaScript over the global timers.

use super::builtin::BuiltinModule;

pub const MODULE: BuiltinModule = BuiltinModule {
    names: &["timers/promises", "node:timers/promises"],
    source: include_str!("timers_promises.js"),
    native: None,
};
