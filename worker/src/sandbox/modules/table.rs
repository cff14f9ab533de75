//! A pool's allowed-module table: the exact names its jobs may import, and the
//! operator's library those names may come from besides the built-ins.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::library::Library;
use super::registry::{BUILTINS, builtin};
use super::resolution::{Importer, Kind, resolve, split_package};

/// The default allowed-module table.
pub const DEFAULT_ALLOWED: &[&str] = &["crypto", "url"];

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
    "unknown module {0:?} in the allowed-module table (known: the built-ins {known}, their node: aliases, and the packages in --modules-dir, by package name)",
    known = builtin_names()
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

    pub fn library(&self) -> &Arc<Library> {
        &self.library
    }

    /// Checks that every listed name is a module Warren can load: a built-in, or a
    /// package of the library that `import` or `require` finds.
    pub fn validate(&self) -> Result<(), UnknownModule> {
        let is_builtin = |name: &str| builtin(name).is_some();
        let found = |name: &str| {
            [Kind::Import, Kind::Require]
                .into_iter()
                .any(|kind| resolve(&self.library, Importer::Job, name, kind, &is_builtin).is_ok())
        };
        // A package, not a file in one: `lodash`, never `lodash/fp`.
        let package = |name: &str| split_package(name).is_some_and(|(_, rest)| rest.is_empty());
        match self
            .allowed
            .iter()
            .find(|name| builtin(name).is_none() && !(package(name) && found(name)))
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

    /// The allowed names that are the library's packages (not built-ins).
    pub fn packages(&self) -> impl Iterator<Item = &str> {
        self.names().filter(|name| builtin(name).is_none())
    }

    /// Whether job code's `import` (or `require`) of `name` finds a file.
    pub fn finds(&self, name: &str, kind: Kind) -> bool {
        let is_builtin = |name: &str| builtin(name).is_some();
        resolve(&self.library, Importer::Job, name, kind, &is_builtin).is_ok()
    }
}

/// The built-ins' names, for errors: `assert, assert/strict, buffer, ...`.
fn builtin_names() -> String {
    let names: Vec<&str> = BUILTINS.iter().map(|module| module.names[0]).collect();
    names.join(", ")
}
