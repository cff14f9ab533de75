//! The operator's modules (`--modules-dir`): the folder `npm install` ran in (its
//! `node_modules/`), a `node_modules` folder itself, or a folder of hand-placed files
//! and packages, which is read the same way. Every `.js`, `.mjs`, `.cjs` and `.json`
//! file is read at start-up and nothing is compiled: a file is compiled when a job
//! first loads it, so tests, fixtures and broken files inside packages cost nothing
//! and stop nothing until something imports them.

use std::collections::BTreeMap;
use std::path::{Component, Path};

use super::manifest::Manifest;

/// Prefix of the module names library files get inside the engine.
pub const LIBRARY_PREFIX: &str = "lib:";

/// Largest library file read (larger ones are skipped, as if absent).
const MAX_FILE_BYTES: u64 = 16 << 20;

/// The operator's modules: files by path relative to the packages folder (the
/// `node_modules` folder, or the folder given), and the manifests among them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Library {
    files: BTreeMap<String, String>,
    /// Parsed `package.json`s, by the folder they describe (`""` for the root).
    manifests: BTreeMap<String, Manifest>,
}

/// Why the modules folder cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    #[error("cannot read the modules folder {path}: {cause}")]
    Read { path: String, cause: std::io::Error },
}

impl Library {
    /// Reads the modules under `dir`: `dir/node_modules` when there is one (the
    /// folder npm ran in), `dir` itself otherwise.
    pub fn load(dir: &Path) -> Result<Library, LibraryError> {
        let installed = dir.join("node_modules");
        let root = if installed.is_dir() {
            installed
        } else {
            dir.to_path_buf()
        };
        let mut files = Vec::new();
        read_dir(&root, &root, &mut files)?;
        Ok(Library::from_owned(files))
    }

    /// A library built from (relative path, source) pairs.
    pub fn from_files<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Library {
        Library::from_owned(files.into_iter().map(|(p, s)| (p.to_owned(), s.to_owned())))
    }

    fn from_owned(files: impl IntoIterator<Item = (String, String)>) -> Library {
        let files: BTreeMap<String, String> = files.into_iter().collect();
        let manifests = files
            .iter()
            .filter_map(|(path, text)| {
                let folder = match path.strip_suffix("package.json")? {
                    "" => "",
                    folder => folder.strip_suffix('/')?,
                };
                Some((folder.to_owned(), Manifest::parse(text)?))
            })
            .collect();
        Library { files, manifests }
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Every file: (path relative to the packages folder, source).
    pub fn files(&self) -> impl ExactSizeIterator<Item = (&str, &str)> {
        self.files.iter().map(|(p, s)| (p.as_str(), s.as_str()))
    }

    /// The source of the file at `path`.
    pub fn source(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }

    pub fn is_file(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    /// Whether some file lies under folder `path` (`""`: the root).
    pub fn is_dir(&self, path: &str) -> bool {
        if path.is_empty() {
            return !self.files.is_empty();
        }
        let prefix = format!("{path}/");
        self.files
            .range(prefix.clone()..)
            .next()
            .is_some_and(|(k, _)| k.starts_with(&prefix))
    }

    /// The manifest of folder `path`, if it has one that parses.
    pub fn manifest(&self, path: &str) -> Option<&Manifest> {
        self.manifests.get(path)
    }

    /// The nearest folder at or above `folder` with a manifest, and that manifest,
    /// looking no higher than a `node_modules` folder (one package never takes
    /// another's manifest).
    pub fn package_of<'a>(&'a self, folder: &'a str) -> Option<(&'a str, &'a Manifest)> {
        let mut folder = folder;
        loop {
            if folder.is_empty() || folder == "node_modules" || folder.ends_with("/node_modules") {
                return None;
            }
            if let Some(manifest) = self.manifests.get(folder) {
                return Some((folder, manifest));
            }
            folder = folder.rsplit_once('/').map_or("", |(parent, _)| parent);
        }
    }
}

fn read_dir(
    root: &Path,
    dir: &Path,
    files: &mut Vec<(String, String)>,
) -> Result<(), LibraryError> {
    let read = |cause| LibraryError::Read {
        path: dir.display().to_string(),
        cause,
    };
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(read)?
        .collect::<Result<_, _>>()
        .map_err(read)?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        // Hidden entries (npm's `.bin`, `.cache`, `.package-lock.json`) are npm's own.
        if name.to_str().is_none_or(|n| n.starts_with('.')) {
            continue;
        }
        let path = entry.path();
        // Symbolic links are neither: skipped, so nothing outside the folder is read.
        let kind = entry.file_type().map_err(read)?;
        if kind.is_dir() {
            read_dir(root, &path, files)?;
            continue;
        }
        let is_module = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("js" | "mjs" | "cjs" | "json")
        );
        if !is_module || !kind.is_file() {
            continue;
        }
        let Some(relative) = relative_path(root, &path) else {
            continue;
        };
        if entry.metadata().map_err(read)?.len() > MAX_FILE_BYTES {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(read)?;
        // A file that is not UTF-8 cannot be a module: skipped, as if absent.
        if let Ok(mut source) = String::from_utf8(bytes) {
            // A byte order mark is not part of the module (Node drops it too).
            if source.starts_with('\u{feff}') {
                source.drain(..'\u{feff}'.len_utf8());
            }
            files.push((relative, source));
        }
    }
    Ok(())
}

/// `path` relative to `root`, `/`-separated; `None` if a part is not UTF-8.
fn relative_path(root: &Path, path: &Path) -> Option<String> {
    let parts: Option<Vec<&str>> = path
        .strip_prefix(root)
        .unwrap_or(path)
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .map(|c| c.as_os_str().to_str())
        .collect();
    Some(parts?.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_and_manifests_are_known_from_the_files() {
        let lib = Library::from_files([
            ("a/package.json", r#"{"main": "lib/a.js"}"#),
            ("a/lib/a.js", ""),
            ("@s/b/package.json", "not json"),
            ("@s/b/index.js", ""),
        ]);
        assert!(lib.is_dir("a") && lib.is_dir("a/lib") && lib.is_dir("@s") && !lib.is_dir("a/li"));
        assert!(lib.is_file("a/lib/a.js") && !lib.is_file("a/lib"));
        assert_eq!(
            lib.manifest("a").and_then(|m| m.main.as_deref()),
            Some("lib/a.js")
        );
        assert!(lib.manifest("@s/b").is_none(), "a broken manifest is none");
        assert_eq!(lib.package_of("a/lib").map(|(dir, _)| dir), Some("a"));
        assert_eq!(lib.package_of("@s/b").map(|(dir, _)| dir), None);
    }

    #[test]
    fn an_npm_folder_is_read_from_its_node_modules() {
        let dir = std::env::temp_dir().join(format!("warren-library-{}", std::process::id()));
        let modules = dir.join("node_modules/pkg");
        std::fs::create_dir_all(modules.join("test")).expect("tmp");
        std::fs::create_dir_all(dir.join("node_modules/.bin")).expect("tmp");
        std::fs::write(dir.join("package.json"), "{}").expect("write");
        std::fs::write(modules.join("index.js"), "module.exports = 1").expect("write");
        std::fs::write(modules.join("test/broken.js"), "this is ( not js").expect("write");
        std::fs::write(modules.join("README.md"), "# pkg").expect("write");
        std::fs::write(modules.join("latin1.js"), b"\xff\xfe").expect("write");
        std::fs::write(dir.join("node_modules/.bin/pkg"), "").expect("write");
        for folder in [dir.clone(), dir.join("node_modules")] {
            let lib = Library::load(&folder).expect("loads");
            let paths: Vec<&str> = lib.files().map(|(p, _)| p).collect();
            assert_eq!(paths, ["pkg/index.js", "pkg/test/broken.js"], "{folder:?}");
        }
        std::fs::remove_dir_all(dir).ok();
    }
}
