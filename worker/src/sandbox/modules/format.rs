//! Which form a library file takes, as Node decides it: `.mjs` is an ES module,
//! `.cjs` CommonJS, `.json` data; a `.js` file follows its package's `"type"`, and
//! without one its syntax decides (Node's module syntax detection), so the ES builds
//! that bundlers' `module` fields and `import` conditions point at load as modules.

use super::library::Library;
use crate::sandbox::runtime::detect::{CodeForm, detect};

/// The form of a library file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    EsModule,
    CommonJs,
    Json,
}

/// The form of library file `path` (which holds `source`).
pub fn format_of(library: &Library, path: &str, source: &str) -> Format {
    let extension = path.rsplit_once('.').map_or("", |(_, ext)| ext);
    match extension {
        "mjs" => Format::EsModule,
        "cjs" => Format::CommonJs,
        "json" => Format::Json,
        _ => {
            let folder = path.rsplit_once('/').map_or("", |(folder, _)| folder);
            match library.package_of(folder) {
                Some((_, manifest)) if manifest.esm => Format::EsModule,
                Some((_, manifest)) if manifest.commonjs => Format::CommonJs,
                _ => match detect(source) {
                    CodeForm::Module => Format::EsModule,
                    CodeForm::Script => Format::CommonJs,
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_then_type_then_syntax() {
        let lib = Library::from_files([
            ("m/package.json", r#"{"type": "module"}"#),
            ("c/package.json", r#"{"type": "commonjs"}"#),
        ]);
        let esm = "export default 1";
        let cjs = "module.exports = 1";
        assert_eq!(format_of(&lib, "x.mjs", cjs), Format::EsModule);
        assert_eq!(format_of(&lib, "x.cjs", esm), Format::CommonJs);
        assert_eq!(format_of(&lib, "x.json", esm), Format::Json);
        assert_eq!(format_of(&lib, "m/lib/x.js", cjs), Format::EsModule);
        assert_eq!(format_of(&lib, "c/x.js", esm), Format::CommonJs);
        assert_eq!(format_of(&lib, "n/x.js", esm), Format::EsModule);
        assert_eq!(format_of(&lib, "n/x.js", cjs), Format::CommonJs);
    }
}
