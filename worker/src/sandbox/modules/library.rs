//! The operator's modules (`--modules-dir`): the folder `npm install` ran in (its
//! `node_modules/`), a `node_modules` folder itself, or a folder of hand-placed files
//! and packages, which is read the same way. Every `.js`, `.mjs`, `.cjs` and `.json`
//! file is read at start-up, into one block the worker's sandbox processes share
//! (`library_text`), and nothing is compiled: a file is compiled when a job first
//! loads it, so tests, fixtures and broken files inside packages cost nothing and stop
//! nothing until something imports them.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use super::library_text::{LibraryText, Span, TextWriter};
use super::manifest::Manifest;

/// Prefix of the module names library files get inside the engine.
pub const LIBRARY_PREFIX: &str = "lib:";

/// Largest library file read (larger ones are skipped, as if absent).
const MAX_FILE_BYTES: u64 = 16 << 20;

/// The operator's modules: files by path relative to the packages folder (the
/// `node_modules` folder, or the folder given), where their text lies, and the
/// manifests among them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Library {
    files: BTreeMap<String, Span>,
    /// Parsed `package.json`s, by the folder they describe (`""` for the root).
    manifests: BTreeMap<String, Manifest>,
    text: Arc<LibraryText>,
}

/// Why the modules folder cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    #[error("cannot read the modules folder {path}: {cause}")]
    Read { path: String, cause: std::io::Error },
    #[error("cannot keep the modules folder's files in shared memory: {cause}")]
    Share { cause: std::io::Error },
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
        let mut listed = Vec::new();
        list_dir(&root, &root, &mut listed)?;
        let shared = |cause| LibraryError::Share { cause };
        let mut sink = match TextWriter::new() {
            Ok(writer) => Sink::Shared(writer),
            Err(cause) => {
                tracing::warn!(%cause, "No memfd for the modules folder: each sandbox process gets a copy of its files.");
                Sink::Heap(Vec::new())
            }
        };
        let mut files = BTreeMap::new();
        for round in rounds(&listed) {
            for (file, source) in round.iter().zip(read_round(round)) {
                if let Some(source) = source? {
                    let span = sink.append(source.as_bytes()).map_err(shared)?;
                    files.insert(file.relative.clone(), span);
                }
            }
        }
        let text = match sink {
            Sink::Shared(writer) => writer.finish().map_err(shared)?,
            Sink::Heap(bytes) => LibraryText::Heap(bytes),
        };
        Ok(Library::from_spans(files, text))
    }

    /// A library built from (relative path, source) pairs, its text on the heap.
    pub fn from_files<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Library {
        let mut text = Vec::new();
        let mut spans = BTreeMap::new();
        for (path, source) in files {
            let span = Span {
                start: text.len(),
                len: source.len(),
            };
            text.extend_from_slice(source.as_bytes());
            spans.insert(path.to_owned(), span);
        }
        Library::from_spans(spans, LibraryText::Heap(text))
    }

    /// A library of the files at `files` in `text` (a sandbox process's copy of its
    /// worker's library).
    pub fn from_spans(files: BTreeMap<String, Span>, text: LibraryText) -> Library {
        let mut library = Library {
            files,
            manifests: BTreeMap::new(),
            text: Arc::new(text),
        };
        library.manifests = library
            .files()
            .filter_map(|(path, span)| {
                let folder = match path.strip_suffix("package.json")? {
                    "" => "",
                    folder => folder.strip_suffix('/')?,
                };
                let text = std::str::from_utf8(library.text.get(span)?).ok()?;
                Some((folder.to_owned(), Manifest::parse(text)?))
            })
            .collect();
        library
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Every file: its path relative to the packages folder, and where its text lies.
    pub fn files(&self) -> impl ExactSizeIterator<Item = (&str, Span)> {
        self.files.iter().map(|(p, span)| (p.as_str(), *span))
    }

    /// The block of every file's text.
    pub fn text(&self) -> &LibraryText {
        &self.text
    }

    /// The source of the file at `path` (none for a span outside the text or text that
    /// is not UTF-8, which only a broken set-up could give).
    pub fn source(&self, path: &str) -> Option<&str> {
        let span = *self.files.get(path)?;
        std::str::from_utf8(self.text.get(span)?).ok()
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

/// Files read at once: with the page cache cold, start-up waits on the disk, and
/// several reads in flight finish far sooner than one at a time (a 450 MB
/// `node_modules`: 1.8 s one by one, 0.7 s eight at a time, here).
const READERS: usize = 8;

/// Most files, and most bytes, read per round: what is held before it goes into
/// the shared block.
const ROUND_FILES: usize = 1024;
const ROUND_BYTES: u64 = 64 << 20;

/// Where the files' text goes: a memfd, or the heap where there is none.
enum Sink {
    Shared(TextWriter),
    Heap(Vec<u8>),
}

impl Sink {
    fn append(&mut self, text: &[u8]) -> std::io::Result<Span> {
        match self {
            Sink::Shared(writer) => writer.append(text),
            Sink::Heap(bytes) => {
                let span = Span {
                    start: bytes.len(),
                    len: text.len(),
                };
                bytes.extend_from_slice(text);
                Ok(span)
            }
        }
    }
}

/// A module file found under the folder.
struct Listed {
    /// Its path relative to the folder, `/`-separated.
    relative: String,
    path: PathBuf,
    /// Its size when listed.
    size: u64,
}

/// Lists every module file under `dir`, in path order.
fn list_dir(root: &Path, dir: &Path, listed: &mut Vec<Listed>) -> Result<(), LibraryError> {
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
            list_dir(root, &path, listed)?;
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
        let size = entry.metadata().map_err(read)?.len();
        if size > MAX_FILE_BYTES {
            continue;
        }
        listed.push(Listed {
            relative,
            path,
            size,
        });
    }
    Ok(())
}

/// `listed` cut into rounds of at most [`ROUND_FILES`] files and (but for a single
/// large file) [`ROUND_BYTES`].
fn rounds(listed: &[Listed]) -> Vec<&[Listed]> {
    let mut rounds = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (at, file) in listed.iter().enumerate() {
        let full = at - start == ROUND_FILES || bytes + file.size > ROUND_BYTES;
        if full && at > start {
            rounds.push(&listed[start..at]);
            (start, bytes) = (at, 0);
        }
        bytes += file.size;
    }
    if start < listed.len() {
        rounds.push(&listed[start..]);
    }
    rounds
}

/// The text of each of `files`, in order, read [`READERS`] at a time (in this thread
/// alone if no other can be started).
fn read_round(files: &[Listed]) -> Vec<Result<Option<String>, LibraryError>> {
    let readers = READERS.min(files.len()).max(1);
    let share = |first: usize| {
        let mine = files.iter().enumerate().skip(first).step_by(readers);
        mine.map(|(at, file)| (at, read_module(file)))
            .collect::<Vec<_>>()
    };
    let mut results: Vec<Option<Result<Option<String>, LibraryError>>> =
        std::iter::repeat_with(|| None).take(files.len()).collect();
    std::thread::scope(|scope| {
        let started: Vec<_> = (0..readers)
            .map(|first| {
                let handle = std::thread::Builder::new()
                    .name("warren-library".into())
                    .spawn_scoped(scope, move || share(first));
                (first, handle)
            })
            .collect();
        for (first, handle) in started {
            let read = match handle {
                Ok(handle) => match handle.join() {
                    Ok(read) => read,
                    Err(panic) => std::panic::resume_unwind(panic),
                },
                Err(_) => share(first),
            };
            for (at, result) in read {
                results[at] = Some(result);
            }
        }
    });
    results
        .into_iter()
        .map(|result| result.unwrap_or(Ok(None)))
        .collect()
}

/// The text of `file`: none if it is no longer a regular file within the size limit
/// (it changed since it was listed), or is not UTF-8 (it cannot be a module: skipped,
/// as if absent). A byte order mark is not part of it (Node drops it too).
fn read_module(file: &Listed) -> Result<Option<String>, LibraryError> {
    use std::io::Read as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let failed = |cause| LibraryError::Read {
        path: file.path.display().to_string(),
        cause,
    };
    // Never through a link that replaced the file, never blocked on a FIFO.
    let opened = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(&file.path);
    let mut opened = match opened {
        Ok(opened) => opened,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        // O_NOFOLLOW on a link: not a module file any more.
        Err(err) if err.raw_os_error() == Some(libc::ELOOP) => return Ok(None),
        Err(err) => return Err(failed(err)),
    };
    let metadata = opened.metadata().map_err(failed)?;
    if !metadata.is_file() || metadata.len() > MAX_FILE_BYTES {
        return Ok(None);
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    (&mut opened)
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(failed)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Ok(None);
    }
    Ok(String::from_utf8(bytes).ok().map(|mut source| {
        if source.starts_with('\u{feff}') {
            source.drain(..'\u{feff}'.len_utf8());
        }
        source
    }))
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
    fn rounds_hold_a_bounded_number_of_files_and_bytes() {
        let file = |size: u64| Listed {
            relative: String::new(),
            path: PathBuf::new(),
            size,
        };
        let sizes = |rounds: Vec<&[Listed]>| -> Vec<Vec<u64>> {
            rounds
                .iter()
                .map(|round| round.iter().map(|f| f.size).collect())
                .collect()
        };
        let mb = 1 << 20;
        let big = [
            file(40 * mb),
            file(16 * mb),
            file(16 * mb),
            file(1),
            file(1),
        ];
        assert_eq!(
            sizes(rounds(&big)),
            [vec![40 * mb, 16 * mb], vec![16 * mb, 1, 1]]
        );
        let many: Vec<Listed> = (0..ROUND_FILES * 2 + 1).map(|_| file(1)).collect();
        let lengths: Vec<usize> = rounds(&many).iter().map(|round| round.len()).collect();
        assert_eq!(lengths, [ROUND_FILES, ROUND_FILES, 1]);
        assert!(rounds(&[]).is_empty());
    }

    #[test]
    fn files_that_changed_since_listing_are_skipped_not_followed() {
        let dir =
            std::env::temp_dir().join(format!("warren-library-changed-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tmp");
        let listed = |name: &str| Listed {
            relative: name.to_owned(),
            path: dir.join(name),
            size: 1,
        };
        std::fs::write(dir.join("kept.js"), "1").expect("write");
        assert_eq!(
            read_module(&listed("kept.js")).expect("reads"),
            Some("1".to_owned())
        );
        // Replaced by a link (to a file outside the folder), removed, made a FIFO.
        std::fs::write(dir.join("outside.txt"), "secret").expect("write");
        std::os::unix::fs::symlink(dir.join("outside.txt"), dir.join("linked.js")).expect("link");
        assert_eq!(read_module(&listed("linked.js")).expect("skipped"), None);
        assert_eq!(read_module(&listed("gone.js")).expect("skipped"), None);
        let fifo =
            std::ffi::CString::new(dir.join("fifo.js").to_str().expect("utf-8")).expect("path");
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        assert_eq!(read_module(&listed("fifo.js")).expect("skipped"), None);
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn many_files_read_in_parallel_keep_their_own_text() {
        let dir = std::env::temp_dir().join(format!("warren-library-many-{}", std::process::id()));
        let count = ROUND_FILES * 2 + READERS + 3;
        for i in 0..count {
            let folder = dir.join(format!("p{}", i % 7));
            std::fs::create_dir_all(&folder).expect("tmp");
            std::fs::write(
                folder.join(format!("f{i}.js")),
                format!("export default {i};\n").repeat(i % 5 + 1),
            )
            .expect("write");
        }
        let lib = Library::load(&dir).expect("loads");
        assert_eq!(lib.files().len(), count);
        for i in 0..count {
            let path = format!("p{}/f{i}.js", i % 7);
            let expected = format!("export default {i};\n").repeat(i % 5 + 1);
            assert_eq!(lib.source(&path), Some(expected.as_str()), "{path}");
        }
        std::fs::remove_dir_all(dir).ok();
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
        std::fs::write(modules.join("bom.js"), "\u{feff}export default 2").expect("write");
        std::fs::write(dir.join("node_modules/.bin/pkg"), "").expect("write");
        for folder in [dir.clone(), dir.join("node_modules")] {
            let lib = Library::load(&folder).expect("loads");
            let paths: Vec<&str> = lib.files().map(|(p, _)| p).collect();
            assert_eq!(
                paths,
                ["pkg/bom.js", "pkg/index.js", "pkg/test/broken.js"],
                "{folder:?}"
            );
            // Read into one shared block, sources whole, byte order marks dropped.
            assert!(lib.text().shared_fd().is_some());
            assert_eq!(lib.source("pkg/index.js"), Some("module.exports = 1"));
            assert_eq!(lib.source("pkg/bom.js"), Some("export default 2"));
            assert_eq!(lib.source("pkg/README.md"), None);
        }
        std::fs::remove_dir_all(dir).ok();
    }
}
