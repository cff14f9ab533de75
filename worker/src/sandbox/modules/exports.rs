//! A package's `exports` and `imports` maps, read as Node reads them
//! (`PACKAGE_EXPORTS_RESOLVE` and `PACKAGE_IMPORTS_RESOLVE` in Node's ESM resolution
//! algorithm): exact keys, then `*` patterns from the most specific, conditions in
//! the order the package wrote them, arrays as fallbacks, `null` as "not exported".
//! Targets never leave their package: a target with `..`, `node_modules` or an empty
//! segment, or a pattern match holding one, is refused.

use super::ordered_json::OrderedJson;

/// What a map gives for a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// A file of the package, relative to its folder (no leading `./`).
    File(String),
    /// Another package (only `imports` may name one): a bare specifier.
    Package(String),
    /// The key is not exported (no entry, `null`, or no matching condition).
    NotExported,
    /// The map names a target it may not (outside the package, not a path).
    Invalid,
}

/// The target `exports` gives for `subpath` (`.` or `./sub/path`).
pub fn exports_target(exports: &OrderedJson, subpath: &str, conditions: &[&str]) -> Lookup {
    let has_subpath_keys = matches!(exports, OrderedJson::Object(entries)
        if entries.iter().any(|(k, _)| k.starts_with('.')));
    if subpath == "." {
        let main = if has_subpath_keys {
            exports.get(".")
        } else {
            Some(exports)
        };
        return match main {
            Some(target) => {
                target_of(target, None, false, conditions).unwrap_or(Lookup::NotExported)
            }
            None => Lookup::NotExported,
        };
    }
    if !has_subpath_keys {
        return Lookup::NotExported;
    }
    map_lookup(exports, subpath, false, conditions)
}

/// The target the `imports` map gives for `specifier` (`#name...`).
pub fn imports_target(imports: &OrderedJson, specifier: &str, conditions: &[&str]) -> Lookup {
    if specifier == "#" || specifier.starts_with("#/") {
        return Lookup::Invalid;
    }
    map_lookup(imports, specifier, true, conditions)
}

/// `PACKAGE_IMPORTS_EXPORTS_RESOLVE`.
fn map_lookup(map: &OrderedJson, key: &str, imports: bool, conditions: &[&str]) -> Lookup {
    let OrderedJson::Object(entries) = map else {
        return Lookup::NotExported;
    };
    if !key.contains('*')
        && let Some((_, target)) = entries.iter().find(|(k, _)| k == key)
    {
        return target_of(target, None, imports, conditions).unwrap_or(Lookup::NotExported);
    }
    let mut patterns: Vec<&(String, OrderedJson)> = entries
        .iter()
        .filter(|(k, _)| k.matches('*').count() == 1)
        .collect();
    patterns.sort_by(|(a, _), (b, _)| pattern_order(a, b));
    for (pattern, target) in patterns {
        let Some((base, trailer)) = pattern.split_once('*') else {
            continue;
        };
        if key.starts_with(base)
            && key != base
            && (trailer.is_empty() || (key.ends_with(trailer) && key.len() >= pattern.len()))
        {
            let matched = &key[base.len()..key.len() - trailer.len()];
            return target_of(target, Some(matched), imports, conditions)
                .unwrap_or(Lookup::NotExported);
        }
    }
    Lookup::NotExported
}

/// `PATTERN_KEY_COMPARE`: longer bases first, then longer keys.
fn pattern_order(a: &str, b: &str) -> std::cmp::Ordering {
    let base = |k: &str| k.find('*').map_or(k.len(), |i| i + 1);
    base(b).cmp(&base(a)).then_with(|| b.len().cmp(&a.len()))
}

/// `PACKAGE_TARGET_RESOLVE`: `None` when nothing matched (the caller goes on to its
/// next fallback), a [`Lookup`] otherwise.
fn target_of(
    target: &OrderedJson,
    matched: Option<&str>,
    imports: bool,
    conditions: &[&str],
) -> Option<Lookup> {
    match target {
        OrderedJson::String(target) => Some(string_target(target, matched, imports)),
        OrderedJson::Object(entries) => {
            for (condition, value) in entries {
                if (condition == "default" || conditions.contains(&condition.as_str()))
                    && let Some(found) = target_of(value, matched, imports, conditions)
                {
                    return Some(found);
                }
            }
            None
        }
        OrderedJson::Array(items) => {
            let mut last = None;
            for item in items {
                match target_of(item, matched, imports, conditions) {
                    Some(Lookup::Invalid) => last = Some(Lookup::Invalid),
                    Some(found) => return Some(found),
                    None => {}
                }
            }
            Some(last.unwrap_or(Lookup::NotExported))
        }
        OrderedJson::Null => Some(Lookup::NotExported),
        _ => Some(Lookup::Invalid),
    }
}

fn string_target(target: &str, matched: Option<&str>, imports: bool) -> Lookup {
    let substituted = |s: &str| match matched {
        Some(m) => s.replace('*', m),
        None => s.to_owned(),
    };
    let Some(relative) = target.strip_prefix("./") else {
        if imports
            && !target.starts_with("../")
            && !target.starts_with('/')
            && !target.contains(':')
        {
            return Lookup::Package(substituted(target));
        }
        return Lookup::Invalid;
    };
    if !safe_segments(relative) || matched.is_some_and(|m| !safe_segments(m)) {
        return Lookup::Invalid;
    }
    Lookup::File(substituted(relative))
}

/// Whether a path stays where it starts: no empty, `.`, `..` or `node_modules`
/// segment, no backslash.
fn safe_segments(path: &str) -> bool {
    !path.contains('\\')
        && path.split('/').all(|s| {
            !s.is_empty() && s != "." && s != ".." && !s.eq_ignore_ascii_case("node_modules")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const IMPORT: &[&str] = &["worker", "browser", "import"];
    const REQUIRE: &[&str] = &["worker", "browser", "require"];

    fn json(text: &str) -> OrderedJson {
        serde_json::from_str(text).expect("test JSON")
    }

    fn file(path: &str) -> Lookup {
        Lookup::File(path.into())
    }

    #[test]
    fn the_main_export_has_three_spellings() {
        assert_eq!(
            exports_target(&json(r#""./a.js""#), ".", IMPORT),
            file("a.js")
        );
        assert_eq!(
            exports_target(
                &json(r#"{"import": "./a.mjs", "require": "./a.cjs"}"#),
                ".",
                REQUIRE
            ),
            file("a.cjs")
        );
        assert_eq!(
            exports_target(&json(r#"{".": "./a.js", "./b": "./b.js"}"#), ".", IMPORT),
            file("a.js")
        );
        assert_eq!(
            exports_target(&json(r#"{"./b": "./b.js"}"#), ".", IMPORT),
            Lookup::NotExported
        );
    }

    #[test]
    fn conditions_match_in_the_order_written() {
        let exports = json(
            r#"{".": {"types": "./x.d.ts", "node": "./node.js", "browser": {"require": "./web.cjs", "default": "./web.js"}, "default": "./x.js"}}"#,
        );
        assert_eq!(exports_target(&exports, ".", IMPORT), file("web.js"));
        assert_eq!(exports_target(&exports, ".", REQUIRE), file("web.cjs"));
        assert_eq!(exports_target(&exports, ".", &["import"]), file("x.js"));
    }

    #[test]
    fn subpaths_and_patterns() {
        let exports = json(
            r#"{"./*": "./lib/*.js", "./fp/*": "./fp/*/index.js", "./internal/*": null, "./x": ["./nope/../x.js", "./x.js"], "./y/*.js": "./y/*.js"}"#,
        );
        assert_eq!(
            exports_target(&exports, "./map", IMPORT),
            file("lib/map.js")
        );
        assert_eq!(
            exports_target(&exports, "./fp/get", IMPORT),
            file("fp/get/index.js")
        );
        assert_eq!(
            exports_target(&exports, "./internal/a", IMPORT),
            Lookup::NotExported
        );
        assert_eq!(exports_target(&exports, "./x", IMPORT), file("x.js"));
        assert_eq!(exports_target(&exports, "./y/z.js", IMPORT), file("y/z.js"));
        assert_eq!(
            exports_target(&exports, "./nothing/../../etc", IMPORT),
            Lookup::Invalid
        );
    }

    #[test]
    fn targets_never_leave_their_package() {
        for target in [
            r#""../x.js""#,
            r#""/etc/passwd""#,
            r#""./a/../../x""#,
            r#""./node_modules/x""#,
            r#""x""#,
            r#"1"#,
        ] {
            assert_eq!(
                exports_target(&json(target), ".", IMPORT),
                Lookup::Invalid,
                "{target}"
            );
        }
    }

    #[test]
    fn imports_may_name_packages() {
        let imports =
            json(r##"{"#dep": {"browser": "dep-web", "default": "dep"}, "#int/*": "./src/*.js"}"##);
        assert_eq!(
            imports_target(&imports, "#dep", IMPORT),
            Lookup::Package("dep-web".into())
        );
        assert_eq!(imports_target(&imports, "#int/a", IMPORT), file("src/a.js"));
        assert_eq!(
            imports_target(&imports, "#none", IMPORT),
            Lookup::NotExported
        );
    }
}
