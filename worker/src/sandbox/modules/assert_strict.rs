//! The `assert/strict` module (`assert_strict.js`): `assert`'s strict mode.

use super::builtin::BuiltinModule;

pub const MODULE: BuiltinModule = BuiltinModule {
    names: &["assert/strict", "node:assert/strict"],
    source: include_str!("assert_strict.js"),
    native: None,
};
