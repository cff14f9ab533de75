//! The `assert` module (`assert.js`): Node's assertions and `AssertionError`, in
//! JavaScript over `util`.

use super::builtin::BuiltinModule;

pub const MODULE: BuiltinModule = BuiltinModule {
    names: &["assert", "node:assert"],
    source: include_str!("assert.js"),
    native: None,
};
