//! The names a CommonJS file visibly exports, found in its text as Node's
//! `cjs-module-lexer` finds them, so that `import { get } from 'cjs-package'` works:
//! `exports.x =`, `module.exports.x =`, `exports['x'] =`,
//! `Object.defineProperty(exports, 'x', …)`, the keys of `module.exports = { … }`,
//! and re-exports (`module.exports = require('./y')`, TypeScript's
//! `__exportStar(require('./y'), exports)`), which the caller follows.
//!
//! A name found by mistake costs nothing (it is exported as `undefined`); a name not
//! found is still reachable through the default export, `module.exports`.

use std::collections::BTreeSet;

/// What a CommonJS file's text shows it exports.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CjsExports {
    pub names: BTreeSet<String>,
    /// Specifiers whose exports this file passes on.
    pub reexports: Vec<String>,
}

/// Reads the exported names and re-exports out of CommonJS `source`.
pub fn cjs_exports(source: &str) -> CjsExports {
    let mut found = CjsExports::default();
    // Object literals are skipped value by value: over a file of many unclosed ones
    // that could take quadratic time, so the scanning they may do is capped.
    let mut budget = source.len().saturating_mul(2).saturating_add(4096);
    let mut at = 0;
    while let Some(offset) = source[at..].find("exports") {
        let start = at + offset;
        at = start + "exports".len();
        let before = source[..start].trim_end_matches(' ');
        let qualified = before.ends_with("module.");
        if !qualified && before.bytes().last().is_some_and(is_ident_byte) {
            continue;
        }
        if !qualified && before.ends_with('.') {
            continue; // `x.exports`, not the module's
        }
        let rest = &source[at..];
        if let Some(name) = member_assignment(rest) {
            found.add(name);
        } else if qualified && let Some(after) = assignment(rest) {
            if let Some(specifier) = required(after) {
                found.reexports.push(specifier);
            } else if let Some(object) = after.strip_prefix('{') {
                object_keys(object, &mut found, &mut budget);
            }
        }
    }
    for (marker, exports_first) in [
        ("Object.defineProperty(", true),
        ("__exportStar(", false),
        ("__export(", false),
    ] {
        let mut at = 0;
        while let Some(offset) = source[at..].find(marker) {
            at += offset + marker.len();
            let args = skip_space(&source[at..]);
            if exports_first {
                let Some(args) = args
                    .strip_prefix("module.exports")
                    .or_else(|| args.strip_prefix("exports"))
                else {
                    continue;
                };
                let Some(args) = skip_space(args).strip_prefix(',') else {
                    continue;
                };
                if let Some((name, _)) = string_literal(skip_space(args)) {
                    found.add(name);
                }
            } else if let Some(specifier) = required(args) {
                found.reexports.push(specifier);
            }
        }
    }
    found
}

impl CjsExports {
    fn add(&mut self, name: String) {
        if name != "default" && name != "__esModule" {
            self.names.insert(name);
        }
    }
}

/// `.name =` or `['name'] =` (not `==`): the name.
fn member_assignment(rest: &str) -> Option<String> {
    let rest = skip_space(rest);
    let (name, after) = if let Some(dotted) = rest.strip_prefix('.') {
        let dotted = skip_space(dotted);
        let end = dotted
            .bytes()
            .position(|b| !is_ident_byte(b))
            .unwrap_or(dotted.len());
        (dotted[..end].to_owned(), &dotted[end..])
    } else if let Some(bracket) = rest.strip_prefix('[') {
        let (name, after) = string_literal(skip_space(bracket))?;
        (name, skip_space(after).strip_prefix(']')?)
    } else {
        return None;
    };
    if name.is_empty() {
        return None;
    }
    assignment(after).map(|_| name)
}

/// What follows ` = ` (not `==` or `=>`), if this is an assignment.
fn assignment(rest: &str) -> Option<&str> {
    let after = skip_space(rest).strip_prefix('=')?;
    if after.starts_with('=') || after.starts_with('>') {
        return None;
    }
    Some(skip_space(after))
}

/// The specifier of `require('x')` at the start of `text`.
fn required(text: &str) -> Option<String> {
    let args = skip_space(skip_space(text).strip_prefix("require")?).strip_prefix('(')?;
    let (specifier, after) = string_literal(skip_space(args))?;
    skip_space(after).starts_with(')').then_some(specifier)
}

/// The top-level keys of an object literal whose `{` was just read: `a`, `b: …`,
/// `'c': …`, `d() {…}`, `...spread` (skipped).
fn object_keys(object: &str, found: &mut CjsExports, budget: &mut usize) {
    let mut rest = object;
    loop {
        rest = skip_space(rest);
        if rest.is_empty() || rest.starts_with('}') {
            return;
        }
        let key = if let Some((name, after)) = string_literal(rest) {
            rest = after;
            Some(name)
        } else {
            let end = rest
                .bytes()
                .position(|b| !is_ident_byte(b))
                .unwrap_or(rest.len());
            let name = &rest[..end];
            rest = &rest[end..];
            (!name.is_empty()).then(|| name.to_owned())
        };
        let Some(key) = key else {
            return; // a spread, a computed key: no more names can be told apart
        };
        let after = skip_space(rest);
        if after.starts_with(',')
            || after.starts_with('}')
            || after.starts_with(':')
            || after.starts_with('(')
        {
            found.add(key);
        } else {
            return;
        }
        // Skip the value (or method body) to the next top-level comma.
        let Some(next) = skip_value(after, budget) else {
            return;
        };
        rest = next;
    }
}

/// From a key's `:`/`,`/`(`, past its value to just after the next top-level comma;
/// `None` at the end of the literal.
fn skip_value<'a>(text: &'a str, budget: &mut usize) -> Option<&'a str> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        *budget = budget.checked_sub(1)?;
        match bytes[i] {
            b'\'' | b'"' | b'`' => {
                let quote = bytes[i];
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    *budget = budget.checked_sub(1)?;
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                if depth == 0 {
                    return None;
                }
                depth -= 1;
            }
            b',' if depth == 0 => return Some(&text[i + 1..]),
            _ => {}
        }
        i += 1;
    }
    None
}

/// A `'…'` or `"…"` literal without escapes at the start of `text`, and the rest.
fn string_literal(text: &str) -> Option<(String, &str)> {
    let quote = text.chars().next().filter(|q| *q == '\'' || *q == '"')?;
    let body = &text[1..];
    let end = body.find(quote)?;
    let name = &body[..end];
    (!name.contains('\\') && !name.contains('\n')).then(|| (name.to_owned(), &body[end + 1..]))
}

fn skip_space(text: &str) -> &str {
    text.trim_start()
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(source: &str) -> Vec<String> {
        cjs_exports(source).names.into_iter().collect()
    }

    #[test]
    fn assignments_and_definitions() {
        let source = r#"
            exports.a = 1; module.exports.b = function () {}; exports['c'] = 3;
            Object.defineProperty(exports, "d", { get() {} });
            exports.__esModule = true; exports.default = 5;
            if (exports.e == 1) {} someone.exports.f = 1; myexports.g = 1;
            const h = (exports.h) => 1;
        "#;
        assert_eq!(names(source), ["a", "b", "c", "d"]);
    }

    #[test]
    fn object_literal_keys() {
        let source = "module.exports = { map, filter: (a, b) => { return [a, b] }, 'sum': 1, reduce(x) { return x }, nested: { inner: 1 }, ...rest, after: 1 }";
        assert_eq!(names(source), ["filter", "map", "nested", "reduce", "sum"]);
    }

    #[test]
    fn reexports_are_reported() {
        let found = cjs_exports(
            "module.exports = require('./lib/index.js');\n__exportStar(require(\"./types\"), exports);",
        );
        assert_eq!(found.reexports, ["./lib/index.js", "./types"]);
        assert!(found.names.is_empty());
    }
}
