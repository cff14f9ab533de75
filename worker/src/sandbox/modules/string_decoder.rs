//! The `string_decoder` module (`string_decoder.js`): Node's StringDecoder, in JavaScript.

use super::builtin::BuiltinModule;

pub const MODULE: BuiltinModule = BuiltinModule {
    names: &["string_decoder", "node:string_decoder"],
    source: include_str!("string_decoder.js"),
    native: None,
};
