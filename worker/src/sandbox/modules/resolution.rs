//! Finding the file a specifier names in the operator's library, as Node does
//! (`require.resolve` and the ESM resolver): `node_modules` lookup from the importing
//! file's folder upwards (nested versions first), a package's `exports` (with
//! Warren's conditions), `imports` (`#name`), the `browser` field, `module` and
//! `main`, folder `index` files, and extension search. Nothing outside the library
//! is ever named: `..` stops at its root and links were never read.
//!
//! This is mechanism only. What a job may load (the allowed-module table) is the
//! loader's decision, made on what this finds.

use super::exports::{Lookup, exports_target, imports_target};
use super::library::Library;

/// The `exports` conditions Warren matches for `import` (besides `default`): it is
/// a worker-like runtime without Node's `fs` or `net`, so builds for workers and
/// browsers fit it better than Node's own.
pub const IMPORT_CONDITIONS: &[&str] = &["warren", "worker", "browser", "import", "module"];
/// The conditions for `require`.
pub const REQUIRE_CONDITIONS: &[&str] = &["warren", "worker", "browser", "require"];

/// Extensions tried after a specifier, in order (`.mjs` and `.cjs` too, for files an
/// operator placed by hand).
const EXTENSIONS: &[&str] = &["js", "mjs", "cjs", "json"];

/// Who imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Importer<'a> {
    /// The job's own code: bare names only, looked up in the root.
    Job,
    /// A library file (its path in the library).
    File(&'a str),
}

/// How the specifier is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Import,
    Require,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::Import, Kind::Require];
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Kind::Import => "import",
            Kind::Require => "require",
        })
    }
}

impl Kind {
    fn conditions(self) -> &'static [&'static str] {
        match self {
            Kind::Import => IMPORT_CONDITIONS,
            Kind::Require => REQUIRE_CONDITIONS,
        }
    }
}

/// What a specifier names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A built-in module, by the name written (the table decides whether it loads).
    Builtin(String),
    /// A file of the library.
    File(String),
    /// Nothing: a `browser` field replaced it with `false`.
    Empty,
}

/// Why nothing was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotFound {
    #[error("cannot find module '{0}'")]
    Missing(String),
    #[error("package subpath '{subpath}' is not exported by '{package}'")]
    NotExported { package: String, subpath: String },
    #[error("package '{0}' names a target outside itself")]
    InvalidTarget(String),
    /// A path that would leave the library (`..` past its root, an absolute path).
    #[error("module '{0}' is outside the modules folder")]
    Outside(String),
}

/// Finds what `specifier`, imported by `importer` as `kind`, names. `is_builtin` says
/// which names are Warren's built-ins (they win over packages of the same name).
pub fn resolve(
    library: &Library,
    importer: Importer<'_>,
    specifier: &str,
    kind: Kind,
    is_builtin: &dyn Fn(&str) -> bool,
) -> Result<Target, NotFound> {
    resolve_within(library, importer, specifier, kind, is_builtin, 0)
}

/// How many `imports` aliases and `browser` replacements one resolution follows: a
/// package whose maps point at each other fails to resolve instead of recursing.
const MAX_REDIRECTIONS: usize = 16;

fn resolve_within(
    library: &Library,
    importer: Importer<'_>,
    specifier: &str,
    kind: Kind,
    is_builtin: &dyn Fn(&str) -> bool,
    redirections: usize,
) -> Result<Target, NotFound> {
    let missing = || NotFound::Missing(specifier.to_owned());
    if redirections > MAX_REDIRECTIONS {
        return Err(missing());
    }
    let again = |specifier: &str| {
        resolve_within(
            library,
            importer,
            specifier,
            kind,
            is_builtin,
            redirections + 1,
        )
    };
    let folder = match importer {
        Importer::Job => None,
        Importer::File(path) => Some(parent(path)),
    };
    if specifier.starts_with("./")
        || specifier.starts_with("../")
        || specifier == "."
        || specifier == ".."
    {
        let outside = || NotFound::Outside(specifier.to_owned());
        let (Importer::File(file), Some(folder)) = (importer, folder) else {
            return Err(missing());
        };
        let path = join(folder, specifier).ok_or_else(outside)?;
        // A file's relative imports stay inside its own package.
        let root = package_root(file);
        if path != root && !path.starts_with(&format!("{root}/")) {
            return Err(outside());
        }
        let file = load_path(library, &path, kind).ok_or_else(missing)?;
        return Ok(replaced(library, file, kind));
    }
    if specifier.starts_with('/')
        || specifier.contains('\\')
        || (specifier.contains(':') && !specifier.starts_with("node:"))
    {
        return Err(NotFound::Outside(specifier.to_owned()));
    }
    if let Some(folder) = folder
        && let Some((package_dir, manifest)) = library.package_of(folder)
    {
        if specifier.starts_with('#') {
            let imports = manifest.imports.as_ref().ok_or_else(missing)?;
            return match imports_target(imports, specifier, kind.conditions()) {
                Lookup::File(relative) => {
                    let path = join(package_dir, &format!("./{relative}")).ok_or_else(missing)?;
                    library
                        .is_file(&path)
                        .then_some(Target::File(path))
                        .ok_or_else(missing)
                }
                Lookup::Package(bare) if !bare.starts_with('#') => again(&bare),
                Lookup::Package(_) => Err(NotFound::InvalidTarget(package_dir.to_owned())),
                Lookup::NotExported => Err(missing()),
                Lookup::Invalid => Err(NotFound::InvalidTarget(package_dir.to_owned())),
            };
        }
        match manifest.browser_replacement(specifier) {
            Some(None) => return Ok(Target::Empty),
            Some(Some(to)) if to != specifier => {
                let to = if to.starts_with("./") || to.starts_with("../") {
                    let path = join(package_dir, to).ok_or_else(missing)?;
                    let file = load_path(library, &path, kind).ok_or_else(missing)?;
                    return Ok(Target::File(file));
                } else {
                    to.to_owned()
                };
                return again(&to);
            }
            _ => {}
        }
    }
    if is_builtin(specifier) {
        return Ok(Target::Builtin(specifier.to_owned()));
    }
    if specifier.starts_with("node:") || specifier.starts_with('#') {
        return Err(missing());
    }
    let (package, subpath) = split_package(specifier).ok_or_else(missing)?;
    for modules in node_modules_folders(folder) {
        let package_dir = within(&modules, package);
        if !library.is_dir(&package_dir) && !any_file(library, &package_dir) {
            continue;
        }
        if let Some(exports) = library
            .manifest(&package_dir)
            .and_then(|m| m.exports.as_ref())
        {
            let key = if subpath.is_empty() {
                ".".to_owned()
            } else {
                format!("./{subpath}")
            };
            return match exports_target(exports, &key, kind.conditions()) {
                Lookup::File(relative) => {
                    let path = within(&package_dir, &relative);
                    library
                        .is_file(&path)
                        .then(|| replaced(library, path, kind))
                        .ok_or_else(missing)
                }
                Lookup::NotExported | Lookup::Package(_) => Err(NotFound::NotExported {
                    package: package.to_owned(),
                    subpath: key,
                }),
                Lookup::Invalid => Err(NotFound::InvalidTarget(package.to_owned())),
            };
        }
        let path = within(&modules, specifier);
        // `require('b/')` names b's folder, never a file (nor a built-in called b).
        let found = match path.strip_suffix('/') {
            Some(folder) => as_folder(library, folder, kind),
            None => load_path(library, &path, kind),
        };
        if let Some(file) = found {
            return Ok(replaced(library, file, kind));
        }
    }
    Err(missing())
}

/// The folder of the package file `path` belongs to: the `name` or `@scope/name`
/// folder after the last `node_modules` segment (or at the root). A file at the root
/// itself (`dayjs.js`) is a package of its own, with nothing beside it.
pub fn package_root(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').collect();
    let start = parts
        .iter()
        .rposition(|part| *part == "node_modules")
        .map_or(0, |at| at + 1);
    let len = if parts.get(start).is_some_and(|p| p.starts_with('@')) {
        2
    } else {
        1
    };
    parts[..(start + len).min(parts.len())].join("/")
}

/// `@scope/name` or `name`, and the rest (`""` for none).
pub fn split_package(specifier: &str) -> Option<(&str, &str)> {
    let end = if specifier.starts_with('@') {
        let slash = specifier.find('/')?;
        specifier[slash + 1..].find('/').map(|i| slash + 1 + i)
    } else {
        specifier.find('/')
    };
    let (package, rest) = match end {
        Some(end) => (&specifier[..end], &specifier[end + 1..]),
        None => (specifier, ""),
    };
    let valid = !package.is_empty()
        && !package.starts_with('.')
        && package
            .split('/')
            .all(|s| !s.is_empty() && s != "." && s != "..");
    valid.then_some((package, rest))
}

/// The file a path names as a file (with extension search) or as a folder.
fn load_path(library: &Library, path: &str, kind: Kind) -> Option<String> {
    as_file(library, path).or_else(|| as_folder(library, path, kind))
}

fn as_file(library: &Library, path: &str) -> Option<String> {
    if !path.is_empty() && library.is_file(path) {
        return Some(path.to_owned());
    }
    EXTENSIONS
        .iter()
        .map(|ext| format!("{path}.{ext}"))
        .find(|candidate| library.is_file(candidate))
}

fn as_folder(library: &Library, path: &str, kind: Kind) -> Option<String> {
    if let Some(manifest) = library.manifest(path) {
        let browser = match &manifest.browser {
            super::manifest::Browser::Entry(entry) => Some(entry),
            _ => None,
        };
        let module = match kind {
            Kind::Import => manifest.module.as_ref(),
            Kind::Require => None,
        };
        for entry in [browser, module, manifest.main.as_ref()]
            .into_iter()
            .flatten()
        {
            let Some(entry) = join(path, &format!("./{}", entry.trim_start_matches("./"))) else {
                continue;
            };
            if let Some(found) = as_file(library, &entry).or_else(|| index_of(library, &entry)) {
                return Some(found);
            }
        }
    }
    index_of(library, path)
}

fn index_of(library: &Library, path: &str) -> Option<String> {
    EXTENSIONS
        .iter()
        .map(|ext| within(path, &format!("index.{ext}")))
        .find(|candidate| library.is_file(candidate))
}

/// `file`, or what its package's `browser` field replaces it with.
fn replaced(library: &Library, file: String, kind: Kind) -> Target {
    let Some((package_dir, manifest)) = library.package_of(parent(&file)) else {
        return Target::File(file);
    };
    let relative = if package_dir.is_empty() {
        file.as_str()
    } else {
        &file[package_dir.len() + 1..]
    };
    let key = format!("./{relative}");
    let bare = key.strip_suffix(".js").map(str::to_owned);
    let replacement = manifest.browser_replacement(&key).or_else(|| {
        bare.as_deref()
            .and_then(|b| manifest.browser_replacement(b))
    });
    match replacement {
        None => Target::File(file),
        Some(None) => Target::Empty,
        Some(Some(to)) => join(package_dir, &format!("./{}", to.trim_start_matches("./")))
            .and_then(|path| load_path(library, &path, kind))
            .map_or(Target::File(file), Target::File),
    }
}

/// The `node_modules` folders a bare name is looked up in, nearest first; the
/// library's root (itself a `node_modules` folder) last.
fn node_modules_folders(from: Option<&str>) -> Vec<String> {
    let mut folders = Vec::new();
    if let Some(from) = from.filter(|f| !f.is_empty()) {
        let parts: Vec<&str> = from.split('/').collect();
        for end in (1..=parts.len()).rev() {
            if parts[end - 1] == "node_modules" {
                continue;
            }
            folders.push(format!("{}/node_modules", parts[..end].join("/")));
        }
    }
    folders.push(String::new());
    folders
}

fn any_file(library: &Library, path: &str) -> bool {
    EXTENSIONS
        .iter()
        .any(|ext| library.is_file(&format!("{path}.{ext}")))
}

/// The folder of a library path (`""`: the root).
fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(folder, _)| folder)
}

/// `child` under folder `folder`.
fn within(folder: &str, child: &str) -> String {
    if folder.is_empty() {
        child.to_owned()
    } else {
        format!("{folder}/{child}")
    }
}

/// A relative path (`./x`, `../y/z`) from folder `folder`, normalised; `None` if it
/// climbs out of the library.
fn join(folder: &str, relative: &str) -> Option<String> {
    let mut parts: Vec<&str> = folder.split('/').filter(|s| !s.is_empty()).collect();
    for segment in relative.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn library() -> Library {
        Library::from_files([
            // A hand-placed file and folder (the older layout).
            ("dayjs.js", ""),
            ("strings/index.mjs", ""),
            // main, extension search, JSON, nested node_modules.
            ("a/package.json", r#"{"main": "lib/main"}"#),
            ("a/lib/main.js", ""),
            ("a/lib/data.json", "{}"),
            ("a/node_modules/b/index.js", ""),
            ("b/index.js", ""),
            ("b/package.json", r#"{"version": "2"}"#),
            // exports with conditions, patterns and imports.
            (
                "@scope/c/package.json",
                r##"{"exports": {".": {"import": "./esm/index.js", "require": "./cjs/index.js"}, "./feature/*": "./esm/features/*.js", "./package.json": "./package.json"}, "imports": {"#util": "./esm/util.js"}}"##,
            ),
            ("@scope/c/esm/index.js", ""),
            ("@scope/c/cjs/index.js", ""),
            ("@scope/c/esm/util.js", ""),
            ("@scope/c/esm/features/x.js", ""),
            ("@scope/c/esm/hidden.js", ""),
            // browser field and module field.
            (
                "d/package.json",
                r#"{"main": "node.js", "module": "esm.js", "browser": {"./node.js": "./web.js", "./lib/http.js": false, "fs": false, "stream": "readable-stream"}}"#,
            ),
            ("d/node.js", ""),
            ("d/web.js", ""),
            ("d/esm.js", ""),
            ("d/lib/http.js", ""),
            ("readable-stream/index.js", ""),
        ])
    }

    fn find(importer: Importer<'_>, specifier: &str, kind: Kind) -> Result<Target, NotFound> {
        resolve(&library(), importer, specifier, kind, &|name| {
            name == "crypto" || name == "node:crypto"
        })
    }

    fn file(path: &str) -> Result<Target, NotFound> {
        Ok(Target::File(path.into()))
    }

    #[test]
    fn hand_placed_files_and_folders_still_resolve() {
        assert_eq!(find(Importer::Job, "dayjs", Kind::Import), file("dayjs.js"));
        assert_eq!(
            find(Importer::Job, "strings", Kind::Import),
            file("strings/index.mjs")
        );
    }

    #[test]
    fn main_extensions_json_and_nested_versions() {
        assert_eq!(
            find(Importer::Job, "a", Kind::Require),
            file("a/lib/main.js")
        );
        assert_eq!(
            find(Importer::Job, "a/lib/data", Kind::Require),
            file("a/lib/data.json")
        );
        assert_eq!(
            find(Importer::File("a/lib/main.js"), "b", Kind::Require),
            file("a/node_modules/b/index.js"),
            "a's own version of b"
        );
        assert_eq!(
            find(Importer::File("dayjs.js"), "b", Kind::Require),
            file("b/index.js")
        );
        assert_eq!(
            find(Importer::File("a/lib/main.js"), "./data.json", Kind::Import),
            file("a/lib/data.json")
        );
    }

    #[test]
    fn a_trailing_slash_names_the_package_folder() {
        assert_eq!(
            find(Importer::File("a/lib/main.js"), "b/", Kind::Require),
            file("a/node_modules/b/index.js")
        );
        assert_eq!(
            find(Importer::Job, "a/", Kind::Import),
            file("a/lib/main.js")
        );
        assert_eq!(
            find(Importer::Job, "dayjs/", Kind::Import),
            Err(NotFound::Missing("dayjs/".into())),
            "a file is not a folder"
        );
    }

    #[test]
    fn exports_conditions_subpaths_and_imports() {
        assert_eq!(
            find(Importer::Job, "@scope/c", Kind::Import),
            file("@scope/c/esm/index.js")
        );
        assert_eq!(
            find(Importer::Job, "@scope/c", Kind::Require),
            file("@scope/c/cjs/index.js")
        );
        assert_eq!(
            find(Importer::Job, "@scope/c/feature/x", Kind::Import),
            file("@scope/c/esm/features/x.js")
        );
        assert!(matches!(
            find(Importer::Job, "@scope/c/esm/hidden.js", Kind::Import),
            Err(NotFound::NotExported { .. })
        ));
        assert_eq!(
            find(
                Importer::File("@scope/c/esm/index.js"),
                "#util",
                Kind::Import
            ),
            file("@scope/c/esm/util.js")
        );
        assert!(find(Importer::Job, "#util", Kind::Import).is_err());
    }

    #[test]
    fn browser_and_module_fields() {
        assert_eq!(find(Importer::Job, "d", Kind::Import), file("d/esm.js"));
        assert_eq!(find(Importer::Job, "d", Kind::Require), file("d/web.js"));
        assert_eq!(
            find(Importer::File("d/esm.js"), "./lib/http.js", Kind::Import),
            Ok(Target::Empty)
        );
        assert_eq!(
            find(Importer::File("d/esm.js"), "fs", Kind::Import),
            Ok(Target::Empty)
        );
        assert_eq!(
            find(Importer::File("d/esm.js"), "stream", Kind::Import),
            file("readable-stream/index.js")
        );
    }

    #[test]
    fn builtins_win_and_nothing_leaves_the_library() {
        assert_eq!(
            find(Importer::File("a/lib/main.js"), "crypto", Kind::Require),
            Ok(Target::Builtin("crypto".into()))
        );
        for specifier in [
            "../../etc/passwd",
            "/etc/passwd",
            "./x",
            "node:fs",
            "file:///etc",
            "..",
            "a/../../x",
            "@scope",
        ] {
            assert!(
                find(Importer::Job, specifier, Kind::Import).is_err(),
                "{specifier}"
            );
        }
        assert!(find(Importer::File("dayjs.js"), "../x", Kind::Import).is_err());
        assert!(find(Importer::File("a/lib/main.js"), "../../../x", Kind::Import).is_err());
    }

    #[test]
    fn package_names_are_split_as_npm_names_them() {
        assert_eq!(split_package("lodash"), Some(("lodash", "")));
        assert_eq!(split_package("lodash/fp/map"), Some(("lodash", "fp/map")));
        assert_eq!(split_package("@s/p/x"), Some(("@s/p", "x")));
        assert_eq!(split_package("@s"), None);
        assert_eq!(split_package("../x"), None);
    }
}
