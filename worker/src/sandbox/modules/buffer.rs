//! The `buffer` module (`buffer.js`): the global `Buffer` and the rest of Node's module.

use super::builtin::BuiltinModule;

pub const MODULE: BuiltinModule = BuiltinModule {
    names: &["buffer", "node:buffer"],
    source: include_str!("buffer.js"),
    native: None,
};
