//! The `util` module (`util.js`): Node's `inspect`, `format`, `isDeepStrictEqual`,
//! `types`, `promisify` and the rest, in JavaScript.

use super::builtin::BuiltinModule;

pub const MODULE: BuiltinModule = BuiltinModule {
    names: &["util", "node:util"],
    source: include_str!("util.js"),
    native: None,
};
