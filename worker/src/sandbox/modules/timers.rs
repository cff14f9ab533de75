//! The `timers` module (`timers.js`): the global timers, as Node's module exports them.

use super::builtin::BuiltinModule;

pub const MODULE: BuiltinModule = BuiltinModule {
    names: &["timers", "node:timers"],
    source: include_str!("timers.js"),
    native: None,
};
