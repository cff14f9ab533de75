//! What a built-in module is: an ES module in JS, over a native module of its own if
//! it needs one. Each module's file (`crypto.rs`, `url.rs`) declares one; the
//! `registry` lists them.

use rquickjs::module::Declared;
use rquickjs::{Ctx, Module, Result};

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

/// Node's argument errors (`node_errors.js`), which the built-in modules share; only
/// they may import it.
pub const NODE_ERRORS: &str = "warren:node-errors";

/// The source of [`NODE_ERRORS`].
pub const NODE_ERRORS_SOURCE: &str = include_str!("node_errors.js");
