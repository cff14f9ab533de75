//! Every built-in module, and finding one by the name a job imports it by.

use super::builtin::{BuiltinModule, NativeModule};
use super::{
    assert, assert_strict, buffer, crypto, events, path, process, querystring, stream,
    stream_promises, string_decoder, timers, timers_promises, url, util,
};

/// Every built-in module.
pub const BUILTINS: &[BuiltinModule] = &[
    assert::MODULE,
    assert_strict::MODULE,
    buffer::MODULE,
    crypto::MODULE,
    events::MODULE,
    path::MODULE,
    process::MODULE,
    querystring::MODULE,
    stream::MODULE,
    stream_promises::MODULE,
    string_decoder::MODULE,
    timers::MODULE,
    timers_promises::MODULE,
    url::MODULE,
    util::MODULE,
];

/// The built-in module known by `name`.
pub fn builtin(name: &str) -> Option<&'static BuiltinModule> {
    BUILTINS.iter().find(|m| m.names.contains(&name))
}

/// The one name the engine knows built-in `name` by, whichever of its names
/// (`crypto`, `node:crypto`) was written: one module instance per job, so that
/// `require('events') === require('node:events')` and classes stay one class.
pub fn canonical(name: &str) -> Option<&'static str> {
    builtin(name).map(|module| module.names[0])
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

    #[test]
    fn every_name_of_a_builtin_has_one_canonical_name() {
        for module in BUILTINS {
            for name in module.names {
                assert_eq!(canonical(name), Some(module.names[0]), "{name}");
            }
            assert!(!module.names[0].starts_with("node:"), "{}", module.names[0]);
        }
        assert_eq!(canonical("node:path/posix"), Some("path"));
        assert_eq!(canonical("fs"), None);
    }
}
