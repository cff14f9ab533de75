//! The modules a job may import: the built-in host modules, each in a file of its own
//! with its JavaScript beside it, the operator's library, the pool's table of what
//! may be imported, and the loader that enforces it.
//!
//! - [`crypto`] (`crypto.js` over a native module), [`url`] (`url.js`): built-ins.
//! - [`library`]: the operator's modules (`--modules-dir`).
//! - [`table`]: the pool's allowed-module table.
//! - [`loader`]: the resolver that only knows allowed names, and the loader.

pub mod crypto;
pub mod library;
pub mod loader;
pub mod table;
pub mod url;

use rquickjs::module::Declared;
use rquickjs::{Ctx, Module, Result};

pub use library::{LIBRARY_PREFIX, Library, LibraryError};
pub use table::{ModuleTable, UnknownModule};

/// A module Warren ships: an ES module in JS, over a native module of its own if it
/// needs one.
pub struct BuiltinModule {
    /// The names it answers to (`node:` aliases included).
    pub names: &'static [&'static str],
    /// Its ES module source, compiled once per engine.
    pub source: &'static str,
    /// Its native half, which only it may import.
    pub native: Option<NativeModule>,
}

/// A module written in Rust, importable by built-in modules only.
pub struct NativeModule {
    /// Its name, under [`NATIVE_PREFIX`].
    pub name: &'static str,
    /// Declares it in a job's runtime under the name it was imported by.
    pub declare: for<'js> fn(&Ctx<'js>, &str) -> Result<Module<'js, Declared>>,
}

/// Prefix of the native halves of built-in modules; only built-ins may import them.
pub const NATIVE_PREFIX: &str = "warren:native/";

/// Every built-in module.
pub const BUILTINS: &[BuiltinModule] = &[crypto::MODULE, url::MODULE];

/// The built-in module known by `name`.
pub fn builtin(name: &str) -> Option<&'static BuiltinModule> {
    BUILTINS.iter().find(|m| m.names.contains(&name))
}

/// The native module called `name`.
pub fn native(name: &str) -> Option<&'static NativeModule> {
    BUILTINS
        .iter()
        .filter_map(|m| m.native.as_ref())
        .find(|native| native.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natives_are_named_under_their_prefix() {
        for native in BUILTINS.iter().filter_map(|m| m.native.as_ref()) {
            assert!(native.name.starts_with(NATIVE_PREFIX), "{}", native.name);
            assert_eq!(self::native(native.name).map(|n| n.name), Some(native.name));
        }
        assert!(builtin("node:crypto").is_some() && builtin("fs").is_none());
    }
}
