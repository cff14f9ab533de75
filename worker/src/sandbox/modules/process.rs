//! The `process` module (`process.js`): the job's global `process`, as a module.

use super::builtin::BuiltinModule;

pub const MODULE: BuiltinModule = BuiltinModule {
    names: &["process", "node:process"],
    source: include_str!("process.js"),
    native: None,
};
