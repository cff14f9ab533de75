//! The `url` module (`url.js`): the WHATWG URL classes, also present as globals
//! (whose native half is `globals::url`), and Node's legacy `parse`/`format`/`resolve`
//! with the file-URL and domain helpers, in JavaScript.

use super::builtin::BuiltinModule;

pub const MODULE: BuiltinModule = BuiltinModule {
    names: &["url", "node:url"],
    source: include_str!("url.js"),
    native: None,
};
