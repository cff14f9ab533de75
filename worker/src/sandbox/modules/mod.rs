//! The modules a job may import: the built-in host modules, each in a file of its own
//! with its JavaScript beside it, the operator's library, the pool's table of what
//! may be imported, and the loader that enforces it.
//!
//! - [`builtin`]: what a built-in module is; [`registry`]: every one of them.
//! - [`crypto`] (`crypto.js` over a native module), [`url`] (`url.js`): built-ins.
//! - [`library`]: the operator's modules (`--modules-dir`).
//! - [`table`]: the pool's allowed-module table.
//! - [`loader`]: the resolver that only knows allowed names, and the loader.

pub mod builtin;
pub mod crypto;
pub mod library;
pub mod loader;
pub mod registry;
pub mod table;
pub mod url;

pub use library::{Library, LibraryError};
pub use table::{ModuleTable, UnknownModule};
