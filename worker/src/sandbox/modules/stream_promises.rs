//! The `stream/promises` module (`stream_promises.js`): `stream`'s promise API.

use super::builtin::BuiltinModule;

pub const MODULE: BuiltinModule = BuiltinModule {
    names: &["stream/promises", "node:stream/promises"],
    source: include_str!("stream_promises.js"),
    native: None,
};
