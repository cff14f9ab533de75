//! What Warren reads of a package's `package.json`: how its files are found
//! (`exports`, `imports`, `browser`, `module`, `main`) and which form its `.js` files
//! take (`type`). A manifest that does not parse is treated as absent, as a package
//! without one: a broken file nothing loads must not stop the worker.

use serde::Deserialize;

use super::ordered_json::OrderedJson;

/// The fields of a `package.json` that resolution and loading use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// `"type": "module"`: its `.js` files are ES modules.
    pub esm: bool,
    /// `"type": "commonjs"`, said explicitly.
    pub commonjs: bool,
    pub main: Option<String>,
    /// The ES module entry bundlers use (`"module"`).
    pub module: Option<String>,
    pub browser: Browser,
    pub exports: Option<OrderedJson>,
    pub imports: Option<OrderedJson>,
}

/// The `browser` field: the browser entry point, or replacements of files and
/// packages (`false` for none) that a package wants wherever `fs` and `http` are not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Browser {
    #[default]
    None,
    Entry(String),
    /// (what is replaced, by what: `None` for an empty module).
    Replacements(Vec<(String, Option<String>)>),
}

impl Manifest {
    /// Reads a manifest; `None` if it is not a JSON object.
    pub fn parse(text: &str) -> Option<Manifest> {
        let raw: RawManifest = serde_json::from_str(text).ok()?;
        let string = |value: Option<OrderedJson>| match value {
            Some(OrderedJson::String(s)) if !s.is_empty() => Some(s),
            _ => None,
        };
        let kind = string(raw.kind);
        let browser = match raw.browser {
            Some(OrderedJson::String(entry)) if !entry.is_empty() => Browser::Entry(entry),
            Some(OrderedJson::Object(entries)) => Browser::Replacements(
                entries
                    .into_iter()
                    .filter_map(|(from, to)| match to {
                        OrderedJson::String(to) => Some((from, Some(to))),
                        OrderedJson::Bool(false) => Some((from, None)),
                        _ => None,
                    })
                    .collect(),
            ),
            _ => Browser::None,
        };
        Some(Manifest {
            esm: kind.as_deref() == Some("module"),
            commonjs: kind.as_deref() == Some("commonjs"),
            main: string(raw.main),
            module: string(raw.module),
            browser,
            exports: raw.exports.filter(|e| *e != OrderedJson::Null),
            imports: raw.imports.filter(|e| *e != OrderedJson::Null),
        })
    }

    /// The replacement the `browser` field names for `key` (a `./`-relative path or
    /// a package name): `Some(None)` for an empty module.
    pub fn browser_replacement(&self, key: &str) -> Option<Option<&str>> {
        let Browser::Replacements(entries) = &self.browser else {
            return None;
        };
        entries
            .iter()
            .find(|(from, _)| from == key)
            .map(|(_, to)| to.as_deref())
    }
}

/// `package.json` as written; every field optional and of any type.
#[derive(Deserialize)]
struct RawManifest {
    #[serde(rename = "type")]
    kind: Option<OrderedJson>,
    main: Option<OrderedJson>,
    module: Option<OrderedJson>,
    browser: Option<OrderedJson>,
    exports: Option<OrderedJson>,
    imports: Option<OrderedJson>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_read_whatever_else_the_file_holds() {
        let manifest = Manifest::parse(
            r#"{"name": "x", "type": "module", "main": "./lib/x.js", "module": 7,
                "browser": {"./lib/node.js": "./lib/web.js", "fs": false, "bad": 1},
                "exports": {".": "./x.js"}, "scripts": {"test": "jest"}}"#,
        )
        .expect("parses");
        assert!(manifest.esm && !manifest.commonjs);
        assert_eq!(manifest.main.as_deref(), Some("./lib/x.js"));
        assert_eq!(manifest.module, None);
        assert_eq!(
            manifest.browser_replacement("./lib/node.js"),
            Some(Some("./lib/web.js"))
        );
        assert_eq!(manifest.browser_replacement("fs"), Some(None));
        assert_eq!(manifest.browser_replacement("bad"), None);
        assert!(manifest.exports.is_some() && manifest.imports.is_none());
    }

    #[test]
    fn what_is_not_an_object_is_no_manifest() {
        assert_eq!(Manifest::parse("[1]"), None);
        assert_eq!(Manifest::parse("{"), None);
        assert_eq!(Manifest::parse("{}"), Some(Manifest::default()));
    }
}
