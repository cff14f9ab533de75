//! The `path` module (`path.js`): Node's POSIX path functions, in JavaScript.

use super::builtin::BuiltinModule;

pub const MODULE: BuiltinModule = BuiltinModule {
    names: &["path", "node:path", "path/posix", "node:path/posix"],
    source: include_str!("path.js"),
    native: None,
};
