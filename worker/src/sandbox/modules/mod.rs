//! The modules a job may import: built-in host modules, each in its own file, and the
//! pool's allowed-module table that decides which of them a job can see.

pub mod crypto;
pub mod library;

use std::collections::BTreeSet;
use std::sync::Arc;

pub use library::{LIBRARY_PREFIX, Library, LibraryError};

/// A module Warren ships, written in JS over native helpers.
pub struct BuiltinModule {
    /// The names it answers to (`node:` aliases included).
    pub names: &'static [&'static str],
    /// Its ES module source, compiled once per slot.
    pub source: &'static str,
}

/// Every built-in module.
pub const BUILTINS: &[BuiltinModule] = &[
    BuiltinModule {
        names: &["crypto", "node:crypto"],
        source: include_str!("../js/crypto.js"),
    },
    BuiltinModule {
        names: &["url", "node:url"],
        source: include_str!("../js/url.js"),
    },
];

/// Prefix of the native halves of built-in modules; only built-ins may import them.
pub const NATIVE_PREFIX: &str = "warren:native/";

/// The default allowed-module table.
pub const DEFAULT_ALLOWED: &[&str] = &["crypto", "url"];

/// The source of a built-in module known by `name`.
pub fn builtin_source(name: &str) -> Option<&'static str> {
    BUILTINS
        .iter()
        .find(|m| m.names.contains(&name))
        .map(|m| m.source)
}

/// A pool's allowed-module table (exact names, byte for byte) and the operator's
/// library those names may come from besides the built-ins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleTable {
    allowed: BTreeSet<String>,
    library: Arc<Library>,
}

impl Default for ModuleTable {
    fn default() -> Self {
        ModuleTable::new(DEFAULT_ALLOWED.iter().map(|s| s.to_string()))
    }
}

/// A name in the table that Warren cannot provide.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown module {0:?} in the allowed-module table (known: crypto, url, their node: aliases, and the packages in --modules-dir)"
)]
pub struct UnknownModule(pub String);

impl ModuleTable {
    pub fn new(names: impl IntoIterator<Item = String>) -> ModuleTable {
        ModuleTable {
            allowed: names.into_iter().collect(),
            library: Arc::default(),
        }
    }

    /// The same table, with operator modules to draw from.
    pub fn with_library(mut self, library: Arc<Library>) -> ModuleTable {
        self.library = library;
        self
    }

    pub fn library(&self) -> &Library {
        &self.library
    }

    /// Checks that every listed name is a module Warren can load.
    pub fn validate(&self) -> Result<(), UnknownModule> {
        match self
            .allowed
            .iter()
            .find(|name| builtin_source(name).is_none() && self.library.file_for(name).is_none())
        {
            Some(name) => Err(UnknownModule(name.clone())),
            None => Ok(()),
        }
    }

    pub fn allows(&self, name: &str) -> bool {
        self.allowed.contains(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.allowed.iter().map(String::as_str)
    }
}
