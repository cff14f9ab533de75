//! Module specifiers written in customer code: the string literal of every static
//! `import`/`export … from` and of every `import('…')` with a literal argument. The
//! engine hands module names to the host as C strings, so it would see
//! `import 'crypto\0x'` as `crypto`; a specifier written with a control character is
//! found here, in the source, and denied whole before the engine compiles it.
//!
//! The scan skips comments, strings, regular expression literals and template text,
//! and looks into template substitutions, as `detect` does. A specifier computed at
//! run time (`import('crypto' + suffix)`) is not in the source: `require` checks its
//! argument itself, and `docs/protocol.md` says what the engine does with the rest.

use super::detect::{
    is_ident_part, is_ident_start, regex_may_follow, skip_comment, skip_regex, skip_string,
};

/// Every specifier literal in `code`, decoded (escapes applied), in order.
pub fn specifiers(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    scan(code.as_bytes(), 0, false, &mut found);
    found
}

/// Scans from `i` to the end, or (`in_substitution`) to the `}` that closes a template
/// substitution; returns where it stopped.
fn scan(bytes: &[u8], mut i: usize, in_substitution: bool, found: &mut Vec<String>) -> usize {
    let mut regex_allowed = true;
    let mut previous = b';';
    // Set by `import`, `import (` or `from`: the next string literal is a specifier.
    let mut expect_specifier = false;
    let mut depth = 0usize;
    while i < bytes.len() {
        let byte = bytes[i];
        match byte {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'/' if let Some(end) = skip_comment(bytes, i) => i = end,
            b'/' if regex_allowed => {
                i = skip_regex(bytes, i + 1);
                regex_allowed = false;
                previous = b'/';
                expect_specifier = false;
            }
            b'\'' | b'"' => {
                let end = skip_string(bytes, i + 1, byte);
                if expect_specifier {
                    found.push(decode(&bytes[i + 1..end.saturating_sub(1).max(i + 1)]));
                }
                i = end;
                regex_allowed = false;
                previous = byte;
                expect_specifier = false;
            }
            b'`' => {
                let end = scan_template(bytes, i + 1, found);
                let body = &bytes[i + 1..end.saturating_sub(1).max(i + 1)];
                // ``import(`x`)``: a template with no substitution is a literal too.
                if expect_specifier && !body.windows(2).any(|w| w == b"${") {
                    found.push(decode(body));
                }
                i = end;
                regex_allowed = false;
                previous = byte;
                expect_specifier = false;
            }
            b'(' if previous == b'i' => {
                // `import (`: a dynamic import; its argument may be a literal.
                i += 1;
                regex_allowed = true;
                previous = byte;
                expect_specifier = true;
            }
            _ if is_ident_start(byte) => {
                let start = i;
                while i < bytes.len() && is_ident_part(bytes[i]) {
                    i += 1;
                }
                let word = &bytes[start..i];
                let member = previous == b'.';
                expect_specifier = !member && (word == b"import" || word == b"from");
                regex_allowed = !member && regex_may_follow(word);
                // `i` marks an `import` that a `(` may follow.
                previous = if !member && word == b"import" {
                    b'i'
                } else {
                    b'a'
                };
            }
            b'{' => {
                depth += 1;
                i += 1;
                regex_allowed = true;
                previous = byte;
                expect_specifier = false;
            }
            b'}' if in_substitution && depth == 0 => return i + 1,
            _ => {
                if byte == b'}' {
                    depth = depth.saturating_sub(1);
                }
                regex_allowed = !matches!(byte, b')' | b']' | b'}') && !byte.is_ascii_digit();
                // A `{ … }` or `*` import clause keeps looking for its `from`.
                expect_specifier = false;
                previous = byte;
                i += 1;
            }
        }
    }
    bytes.len()
}

/// Scans a template literal's substitutions (its text holds no specifier); returns
/// where the template ends.
fn scan_template(bytes: &[u8], mut i: usize, found: &mut Vec<String>) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'`' => return i + 1,
            b'$' if bytes.get(i + 1) == Some(&b'{') => i = scan(bytes, i + 2, true, found),
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The text of a string literal's body, its escapes applied (an escape that does not
/// decode is kept as written; a lone surrogate becomes U+FFFD).
fn decode(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(escaped) = chars.next() else {
            break;
        };
        let code = match escaped {
            'n' => Some(0x0A),
            'r' => Some(0x0D),
            't' => Some(0x09),
            'b' => Some(0x08),
            'f' => Some(0x0C),
            'v' => Some(0x0B),
            '0'..='7' => {
                // `\0`, and the legacy octal escapes of scripts.
                let mut value = escaped.to_digit(8).unwrap_or(0);
                while value < 32
                    && let Some(digit) = chars.peek().and_then(|d| d.to_digit(8))
                {
                    value = value * 8 + digit;
                    chars.next();
                }
                Some(value)
            }
            'x' => hex(&mut chars, 2),
            'u' if chars.peek() == Some(&'{') => {
                chars.next();
                let mut value = 0u32;
                for digit in chars.by_ref() {
                    match digit.to_digit(16) {
                        Some(d) => value = value.saturating_mul(16).saturating_add(d),
                        None => break,
                    }
                }
                Some(value)
            }
            'u' => hex(&mut chars, 4),
            '\n' | '\r' | '\u{2028}' | '\u{2029}' => None,
            other => {
                out.push(other);
                None
            }
        };
        if let Some(code) = code {
            out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
        }
    }
    out
}

fn hex(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, digits: usize) -> Option<u32> {
    let mut value = 0;
    for _ in 0..digits {
        value = value * 16 + chars.next()?.to_digit(16)?;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_written_specifier_is_found_and_decoded() {
        let code = r#"
            import a from 'crypto\0';
            import { b } from "url\x00x";
            import * as c from 'p\u0001';
            import 'side\u{0}';
            export { d } from 'again\n';
            const e = await import('dyn\0amic');
            const f = `${await import("in\ttemplate")}`;
            const h = await import(`back\0tick`);
            // import 'commented\0';
            const g = "import 'quoted\0'";
            x.import('member\0');
            export default () => 1;
        "#;
        assert_eq!(
            specifiers(code),
            [
                "crypto\0",
                "url\0x",
                "p\u{1}",
                "side\0",
                "again\n",
                "dyn\0amic",
                "in\ttemplate",
                "back\0tick"
            ]
        );
    }

    #[test]
    fn plain_specifiers_read_as_written() {
        let code = "import x from 'lodash/fp';\nmodule.exports = async () => import('url');";
        assert_eq!(specifiers(code), ["lodash/fp", "url"]);
    }
}
