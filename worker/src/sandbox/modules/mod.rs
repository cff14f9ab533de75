//! The modules a job may import: the built-in host modules, each in a file of its own
//! with its JavaScript beside it, the operator's library (npm packages as installed),
//! CommonJS, the pool's table of what may be imported, and the resolver and loader
//! that enforce it. From the bottom up:
//!
//! - [`builtin`]: what a built-in module is; [`registry`]: every one of them:
//!   [`crypto`] (`crypto.js` over a native module and its Rust in `crypto/`), and in
//!   JavaScript only [`assert`], [`assert_strict`], [`buffer`], [`events`], [`path`],
//!   [`process`], [`querystring`], [`stream`], [`stream_promises`],
//!   [`string_decoder`], [`timers`], [`timers_promises`], [`url`] and [`util`].
//! - [`ordered_json`], [`manifest`]: what Warren reads of a `package.json`.
//! - [`library_text`]: one block of the operator's files' text, shared with the
//!   sandbox processes; [`library`]: those files (`--modules-dir`); [`format`]: ES module,
//!   CommonJS or JSON; [`cjs_names`]: the names a CommonJS file exports.
//! - [`exports`]: `exports`/`imports` maps; [`resolution`]: Node's algorithm.
//! - [`graph`]: what a job's runtime loaded, and what `require` may import.
//! - [`library_code`]: library files compiled on first use, CommonJS facades.
//! - [`table`]: the pool's allowed-module table.
//! - [`failures`]: denied, missing and broken modules, as a job sees them.
//! - [`resolver`]: the resolver that only knows what the table allows.
//! - [`commonjs`] (`commonjs.js`): `require`, `module.exports` and their cache.
//! - [`loader`]: the loader.

pub mod assert;
pub mod assert_strict;
pub mod buffer;
pub mod builtin;
pub mod cjs_names;
pub mod commonjs;
pub mod crypto;
pub mod events;
pub mod exports;
pub mod failures;
pub mod format;
pub mod graph;
pub mod library;
pub mod library_code;
pub mod library_text;
pub mod loader;
pub mod manifest;
pub mod ordered_json;
pub mod path;
pub mod process;
pub mod querystring;
pub mod registry;
pub mod resolution;
pub mod resolver;
pub mod stream;
pub mod stream_promises;
pub mod string_decoder;
pub mod table;
pub mod timers;
pub mod timers_promises;
pub mod url;
pub mod util;

pub use library::{Library, LibraryError};
pub use table::{ModuleTable, UnknownModule};
