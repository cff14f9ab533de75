//! The `events` module (`events.js`): Node's EventEmitter, in JavaScript.

use super::builtin::BuiltinModule;

pub const MODULE: BuiltinModule = BuiltinModule {
    names: &["events", "node:events"],
    source: include_str!("events.js"),
    native: None,
};
