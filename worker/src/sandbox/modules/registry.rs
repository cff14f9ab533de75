//! Every built-in module, and finding one by the name a job imports it by.

use super::builtin::{BuiltinModule, NativeModule};
use super::{crypto, events, path, url};

/// Every built-in module.
pub const BUILTINS: &[BuiltinModule] = &[crypto::MODULE, events::MODULE, path::MODULE, url::MODULE];

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
            assert!(
                native
                    .name
                    .starts_with(super::super::builtin::NATIVE_PREFIX),
                "{}",
                native.name
            );
            assert_eq!(self::native(native.name).map(|n| n.name), Some(native.name));
        }
        assert!(builtin("node:crypto").is_some() && builtin("fs").is_none());
    }
}
