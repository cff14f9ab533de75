//! Operator-shipped JS modules (`--modules-dir`): pure-JS ES modules, such as a
//! vendored `dayjs` or `lodash-es` build, importable by name when the pool's table
//! lists them. A file `NAME.js` (or `.mjs`) is the package `NAME`; a folder `NAME/`
//! with an `index.js` is one too, and its files may import each other with relative
//! paths that stay inside the folder. Read once at start-up; each job instantiates
//! the modules it imports afresh, so no module state outlives a job.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path};

/// Prefix of the module names library files get inside the engine.
pub const LIBRARY_PREFIX: &str = "lib:";

/// Largest library file accepted.
const MAX_FILE_BYTES: u64 = 16 << 20;

/// The modules a pool's operator ships, by path relative to the modules folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Library {
    files: BTreeMap<String, String>,
}

/// Why the modules folder cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    #[error("cannot read the modules folder {path}: {cause}")]
    Read { path: String, cause: std::io::Error },
    #[error("module file {0}: its name or its contents are not valid UTF-8")]
    NotText(String),
    #[error("module file {0} is larger than 16 MiB")]
    TooLarge(String),
}

impl Library {
    /// Reads every `.js` and `.mjs` file under `dir`.
    pub fn load(dir: &Path) -> Result<Library, LibraryError> {
        let mut library = Library::default();
        library.read_dir(dir, dir)?;
        Ok(library)
    }

    /// A library built from (relative path, source) pairs.
    pub fn from_files<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Library {
        Library {
            files: files
                .into_iter()
                .map(|(p, s)| (p.to_owned(), s.to_owned()))
                .collect(),
        }
    }

    fn read_dir(&mut self, root: &Path, dir: &Path) -> Result<(), LibraryError> {
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
            let path = entry.path();
            let kind = entry.file_type().map_err(read)?;
            if kind.is_dir() {
                self.read_dir(root, &path)?;
                continue;
            }
            let is_js = matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("js" | "mjs")
            );
            if !is_js || !kind.is_file() {
                continue;
            }
            let parts: Option<Vec<&str>> = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .components()
                .filter(|c| matches!(c, Component::Normal(_)))
                .map(|c| c.as_os_str().to_str())
                .collect();
            let relative = parts
                .ok_or_else(|| LibraryError::NotText(path.display().to_string()))?
                .join("/");
            let size = entry.metadata().map_err(read)?.len();
            if size > MAX_FILE_BYTES {
                return Err(LibraryError::TooLarge(relative));
            }
            let bytes = std::fs::read(&path).map_err(read)?;
            let source =
                String::from_utf8(bytes).map_err(|_| LibraryError::NotText(relative.clone()))?;
            self.files.insert(relative, source);
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Every file: (path relative to the modules folder, source).
    pub fn files(&self) -> impl ExactSizeIterator<Item = (&str, &str)> {
        self.files.iter().map(|(p, s)| (p.as_str(), s.as_str()))
    }

    /// Every file: (engine module name, source).
    pub fn modules(&self) -> impl Iterator<Item = (String, &str)> {
        self.files
            .iter()
            .map(|(path, source)| (format!("{LIBRARY_PREFIX}{path}"), source.as_str()))
    }

    /// Names a pool's table may list: every top-level file and folder with an entry.
    pub fn packages(&self) -> BTreeSet<String> {
        self.files
            .keys()
            .filter_map(|path| {
                let package = path.split('/').next()?;
                let name = package
                    .strip_suffix(".mjs")
                    .or_else(|| package.strip_suffix(".js"))
                    .unwrap_or(package);
                self.file_for(name).map(|_| name.to_owned())
            })
            .collect()
    }

    /// The file an import specifier names: `pkg`, `pkg/sub` (with or without
    /// extension) or `pkg/sub/index`.
    pub fn file_for(&self, specifier: &str) -> Option<&str> {
        let candidates = [
            specifier.to_owned(),
            format!("{specifier}.js"),
            format!("{specifier}.mjs"),
            format!("{specifier}/index.js"),
            format!("{specifier}/index.mjs"),
        ];
        candidates
            .into_iter()
            .find_map(|c| self.files.get_key_value(&c).map(|(k, _)| k.as_str()))
    }

    /// A relative import (`./x.js`, `../y`) from library file `base`, resolved inside
    /// `base`'s own package folder; `None` if it leaves it or names no file.
    pub fn resolve_relative(&self, base: &str, specifier: &str) -> Option<&str> {
        let package = base.split('/').next()?;
        if !base.contains('/') {
            return None; // a single-file package has no neighbours to import
        }
        let mut parts: Vec<&str> = base.split('/').collect();
        parts.pop();
        for segment in specifier.split('/') {
            match segment {
                "." | "" => {}
                ".." => {
                    parts.pop();
                }
                other => parts.push(other),
            }
        }
        if parts.first() != Some(&package) {
            return None;
        }
        self.file_for(&parts.join("/"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn library() -> Library {
        Library::from_files([
            ("dayjs.js", "export default 1"),
            ("lodash-es/index.js", "export * from './map.js'"),
            ("lodash-es/map.js", "export const map = 1"),
            ("lodash-es/internal/base.js", "export default 2"),
            ("loose/util.js", "export default 3"),
        ])
    }

    #[test]
    fn packages_are_files_and_folders_with_an_index() {
        let names: Vec<_> = library().packages().into_iter().collect();
        assert_eq!(names, ["dayjs", "lodash-es"]);
    }

    #[test]
    fn specifiers_find_their_files() {
        let lib = library();
        assert_eq!(lib.file_for("dayjs"), Some("dayjs.js"));
        assert_eq!(lib.file_for("lodash-es"), Some("lodash-es/index.js"));
        assert_eq!(lib.file_for("lodash-es/map"), Some("lodash-es/map.js"));
        assert_eq!(lib.file_for("nothing"), None);
    }

    #[test]
    fn relative_imports_stay_inside_their_package() {
        let lib = library();
        assert_eq!(
            lib.resolve_relative("lodash-es/index.js", "./map.js"),
            Some("lodash-es/map.js")
        );
        assert_eq!(
            lib.resolve_relative("lodash-es/internal/base.js", "../map"),
            Some("lodash-es/map.js")
        );
        assert_eq!(
            lib.resolve_relative("lodash-es/index.js", "../dayjs.js"),
            None
        );
        assert_eq!(
            lib.resolve_relative("lodash-es/index.js", "../loose/util.js"),
            None
        );
        assert_eq!(lib.resolve_relative("dayjs.js", "./lodash-es/map.js"), None);
    }
}
