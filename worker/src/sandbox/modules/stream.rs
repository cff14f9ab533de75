//! The `stream` module (`stream.js`): Node's streams, in JavaScript over `events`,
//! `buffer` and `string_decoder`.

use super::builtin::BuiltinModule;

pub const MODULE: BuiltinModule = BuiltinModule {
    names: &["stream", "node:stream"],
    source: include_str!("stream.js"),
    native: None,
};
