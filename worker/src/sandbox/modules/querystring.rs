//! The `querystring` module (`querystring.js`): Node's query-string parser and
//! serialiser, in JavaScript.

use super::builtin::BuiltinModule;

pub const MODULE: BuiltinModule = BuiltinModule {
    names: &["querystring", "node:querystring"],
    source: include_str!("querystring.js"),
    native: None,
};
