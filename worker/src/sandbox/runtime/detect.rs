//! Tells an ES module from a CommonJS-style script without parsing: code with a
//! top-level `import`/`export` statement (or `import.meta`) is a module. Dynamic
//! `import(...)` is allowed in scripts and does not count.
//!
//! The scan skips strings, template literals, comments and regular expression
//! literals. It is a first guess: the compiler retries the other form when the
//! guessed one does not compile.

/// The two shapes customer code can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodeForm {
    /// An ES module with a default export.
    Module,
    /// A script that assigns `module.exports`.
    Script,
}

impl CodeForm {
    pub fn other(self) -> CodeForm {
        match self {
            CodeForm::Module => CodeForm::Script,
            CodeForm::Script => CodeForm::Module,
        }
    }
}

/// Guesses the form of `code`.
pub fn detect(code: &str) -> CodeForm {
    let bytes = code.as_bytes();
    let mut i = 0;
    // Whether a `/` here would start a regular expression (no value precedes it).
    let mut regex_allowed = true;
    // The previous significant byte, to tell `x.import` from `import`.
    let mut previous = b';';
    while i < bytes.len() {
        let byte = bytes[i];
        match byte {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'/' if let Some(end) = skip_comment(bytes, i) => i = end,
            b'/' if regex_allowed => {
                i = skip_regex(bytes, i + 1);
                regex_allowed = false;
                previous = b'/';
            }
            b'\'' | b'"' => {
                i = skip_string(bytes, i + 1, byte);
                regex_allowed = false;
                previous = byte;
            }
            b'`' => {
                i = skip_template(bytes, i + 1, 0);
                regex_allowed = false;
                previous = byte;
            }
            _ if is_ident_start(byte) => {
                let start = i;
                while i < bytes.len() && is_ident_part(bytes[i]) {
                    i += 1;
                }
                let word = &bytes[start..i];
                if previous != b'.' {
                    if word == b"export" {
                        return CodeForm::Module;
                    }
                    if word == b"import" {
                        let next = next_significant(bytes, i);
                        if next != Some(b'(') {
                            return CodeForm::Module;
                        }
                    }
                }
                regex_allowed = regex_may_follow(word);
                previous = b'a';
            }
            _ => {
                regex_allowed = !matches!(byte, b')' | b']' | b'}') && !byte.is_ascii_digit();
                previous = byte;
                i += 1;
            }
        }
    }
    CodeForm::Script
}

/// Whether a `/` after the keyword `word` starts a regular expression (no value
/// precedes it).
fn regex_may_follow(word: &[u8]) -> bool {
    matches!(
        word,
        b"return"
            | b"typeof"
            | b"instanceof"
            | b"in"
            | b"of"
            | b"new"
            | b"delete"
            | b"void"
            | b"throw"
            | b"case"
            | b"do"
            | b"else"
            | b"yield"
            | b"await"
    )
}

/// Where the comment starting at `i` ends, if one starts there.
fn skip_comment(bytes: &[u8], i: usize) -> Option<usize> {
    match bytes.get(i + 1) {
        Some(b'/') if bytes[i] == b'/' => Some(memchr(b'\n', bytes, i).unwrap_or(bytes.len())),
        Some(b'*') if bytes[i] == b'/' => {
            Some(find(b"*/", bytes, i + 2).map_or(bytes.len(), |end| end + 2))
        }
        _ => None,
    }
}

fn is_ident_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_' || byte == b'$' || byte >= 0x80
}

fn is_ident_part(byte: u8) -> bool {
    is_ident_start(byte) || byte.is_ascii_digit()
}

fn memchr(needle: u8, bytes: &[u8], from: usize) -> Option<usize> {
    bytes[from..]
        .iter()
        .position(|&b| b == needle)
        .map(|p| p + from)
}

fn find(needle: &[u8], bytes: &[u8], from: usize) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn next_significant(bytes: &[u8], mut i: usize) -> Option<u8> {
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    bytes.get(i).copied()
}

fn skip_string(bytes: &[u8], mut i: usize, quote: u8) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\n' => return i + 1,
            b if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

fn skip_regex(bytes: &[u8], mut i: usize) -> usize {
    let mut in_class = false;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\n' => return i + 1,
            b'[' => {
                in_class = true;
                i += 1;
            }
            b']' => {
                in_class = false;
                i += 1;
            }
            b'/' if !in_class => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Templates nested deeper than this end the scan (the rest counts as template text):
/// the scan's own stack stays small whatever the code, and the compiler still tries
/// the other form if the guess is wrong.
const MAX_TEMPLATE_NESTING: usize = 64;

/// Skips a template literal, including `${ ... }` substitutions (which may nest, to
/// `nesting` levels already).
fn skip_template(bytes: &[u8], mut i: usize, nesting: usize) -> usize {
    if nesting > MAX_TEMPLATE_NESTING {
        return bytes.len();
    }
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'`' => return i + 1,
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                i += 2;
                let mut depth = 1usize;
                while i < bytes.len() && depth > 0 {
                    match bytes[i] {
                        b'{' => depth += 1,
                        b'}' => depth -= 1,
                        b'\'' | b'"' => {
                            i = skip_string(bytes, i + 1, bytes[i]);
                            continue;
                        }
                        b'`' => {
                            i = skip_template(bytes, i + 1, nesting + 1);
                            continue;
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules() {
        for code in [
            "export default function (x) { return x }",
            "import x from 'crypto'; export default () => x",
            "// a comment\nexport default async () => 1",
            "/* import */ import { createHash } from 'crypto'\nexport default 1",
            "const a = 1;\nexport { a as default }",
            "const u = import.meta.url; module.exports = () => u",
            "import 'crypto'",
        ] {
            assert_eq!(detect(code), CodeForm::Module, "{code}");
        }
    }

    #[test]
    fn deeply_nested_templates_end_the_scan_not_the_stack() {
        let nested = "`${".repeat(500_000);
        assert_eq!(detect(&nested), CodeForm::Script);
        let module = format!("export default 1; {nested}");
        assert_eq!(detect(&module), CodeForm::Module);
    }

    #[test]
    fn scripts() {
        for code in [
            "module.exports = function (x) { return x }",
            "exports.default = async () => 1",
            "module.exports = async () => (await import('crypto')).randomUUID()",
            "// export default\nmodule.exports = () => 'export default'",
            "module.exports = () => `import ${ 'x' } export`",
            "const re = /export default/; module.exports = () => re.source",
            "module.exports = () => a.export + b.import",
            "const s = \"import x from 'y'\"; module.exports = () => s",
            "let x = 4 / 2; let y = x / 1; module.exports = () => y // export",
        ] {
            assert_eq!(detect(code), CodeForm::Script, "{code}");
        }
    }
}
