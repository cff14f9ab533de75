//! Text out of the JS heap. JS strings are UTF-16 and may hold lone surrogates, which
//! no UTF-8 string can; QuickJS hands them over as 3-byte sequences that are not
//! UTF-8 (rquickjs's own conversion then fails). Here each lone surrogate becomes
//! U+FFFD, as the WHATWG encoding standard converts a JS string to a USVString, and
//! everything else is kept as it is.

use std::borrow::Cow;

use rquickjs::{Ctx, FromJs, Result, Value, qjs};

/// A JS string's text, lone surrogates replaced by U+FFFD.
pub fn lossy(value: &rquickjs::String<'_>) -> Result<String> {
    read_wtf8(value, |bytes| from_wtf8(bytes).into_owned())
}

/// Reads a JS string as the bytes QuickJS makes of it (UTF-8 but for lone surrogates,
/// see [`from_wtf8`]), which live only for the call of `read`.
pub fn read_wtf8<T>(value: &rquickjs::String<'_>, read: impl FnOnce(&[u8]) -> T) -> Result<T> {
    let ctx = value.ctx();
    let mut len = 0;
    // SAFETY: `value` is a live string of this context; the C string QuickJS returns
    // is read at once and freed right after.
    unsafe {
        let ptr = qjs::JS_ToCStringLen(ctx.as_raw().as_ptr(), &mut len, value.as_raw());
        if ptr.is_null() {
            return Err(rquickjs::Error::Exception);
        }
        let out = read(std::slice::from_raw_parts(ptr.cast::<u8>(), len));
        qjs::JS_FreeCString(ctx.as_raw().as_ptr(), ptr);
        Ok(out)
    }
}

/// The text of bytes QuickJS produced: UTF-8, except that a lone surrogate is the
/// 3-byte sequence `ED A0..BF 80..BF`; each becomes U+FFFD (anything else invalid
/// does too, which QuickJS never produces).
pub fn from_wtf8(bytes: &[u8]) -> Cow<'_, str> {
    let Err(first) = std::str::from_utf8(bytes) else {
        // SAFETY: just checked to be UTF-8.
        return Cow::Borrowed(unsafe { std::str::from_utf8_unchecked(bytes) });
    };
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    let mut valid = first.valid_up_to();
    loop {
        // SAFETY: `from_utf8` said the first `valid` bytes are UTF-8.
        out.push_str(unsafe { std::str::from_utf8_unchecked(&rest[..valid]) });
        rest = &rest[valid..];
        if rest.is_empty() {
            return Cow::Owned(out);
        }
        let skip = match rest {
            [0xED, 0xA0..=0xBF, 0x80..=0xBF, ..] => 3,
            _ => std::str::from_utf8(rest)
                .err()
                .and_then(|err| err.error_len())
                .unwrap_or(rest.len()),
        };
        out.push(char::REPLACEMENT_CHARACTER);
        rest = &rest[skip..];
        valid = match std::str::from_utf8(rest) {
            Ok(_) => rest.len(),
            Err(err) => err.valid_up_to(),
        };
    }
}

/// JSON text with every escaped lone surrogate (`\udc00`, which `JSON.stringify`
/// writes for one) replaced by `\ufffd`, so that the text decodes to valid Unicode
/// in every JSON parser; escaped pairs and everything else are kept as they are.
pub fn json_without_lone_surrogates(json: &str) -> Cow<'_, str> {
    if !json.contains("\\u") {
        return Cow::Borrowed(json);
    }
    let bytes = json.as_bytes();
    let mut out = String::with_capacity(json.len());
    let mut kept = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        let unit = escaped_unit(bytes, i);
        match unit {
            // A pair: the character it encodes, kept as escaped.
            Some(0xD800..=0xDBFF)
                if escaped_unit(bytes, i + 6)
                    .is_some_and(|low| (0xDC00..=0xDFFF).contains(&low)) =>
            {
                i += 12;
            }
            Some(0xD800..=0xDFFF) => {
                out.push_str(&json[kept..i]);
                out.push_str("\\ufffd");
                i += 6;
                kept = i;
            }
            Some(_) => i += 6,
            // Any other escape is two characters (`\\`, `\"`, `\n`, ...).
            None => i += 2,
        }
    }
    if kept == 0 {
        return Cow::Borrowed(json);
    }
    out.push_str(&json[kept..]);
    Cow::Owned(out)
}

/// The UTF-16 unit of the `\uXXXX` escape at `at`, if there is one.
fn escaped_unit(bytes: &[u8], at: usize) -> Option<u32> {
    let escape = bytes.get(at..at + 6)?;
    if escape[0] != b'\\' || escape[1] != b'u' {
        return None;
    }
    let hex = std::str::from_utf8(&escape[2..]).ok()?;
    u32::from_str_radix(hex, 16).ok()
}

/// A string argument of a host function, converted as [`lossy`] does: job code that
/// passes a lone surrogate gets U+FFFD in its place, never a failed call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(pub String);

impl<'js> FromJs<'js> for Text {
    fn from_js(ctx: &Ctx<'js>, value: Value<'js>) -> Result<Self> {
        let string = rquickjs::String::from_js(ctx, value)?;
        lossy(&string).map(Text)
    }
}

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_lone_surrogates_in_json_become_replacement_characters() {
        assert_eq!(json_without_lone_surrogates(r#"["a"]"#), r#"["a"]"#);
        assert_eq!(
            json_without_lone_surrogates(r#"["\udc00","a\ud800b","\ud83d\ude00"]"#),
            r#"["\ufffd","a\ufffdb","\ud83d\ude00"]"#
        );
        // An escaped backslash followed by text that looks like an escape is text.
        assert_eq!(
            json_without_lone_surrogates(r#""\\ud800 \u0041""#),
            r#""\\ud800 \u0041""#
        );
        // A high surrogate at the very end, or followed by another high one.
        assert_eq!(
            json_without_lone_surrogates(r#""\ud800\ud800""#),
            r#""\ufffd\ufffd""#
        );
    }

    #[test]
    fn lone_surrogates_become_one_replacement_character_each() {
        assert_eq!(from_wtf8(b"plain"), "plain");
        assert!(matches!(from_wtf8("é€😀".as_bytes()), Cow::Borrowed(_)));
        // U+DC00 alone, between text; then U+D800 at the end.
        assert_eq!(
            from_wtf8(b"a\xED\xB0\x80b\xED\xA0\x80"),
            "a\u{FFFD}b\u{FFFD}"
        );
        // Two lone surrogates in a row (a high and a low one the wrong way round).
        assert_eq!(from_wtf8(b"\xED\xB0\x80\xED\xA0\x80"), "\u{FFFD}\u{FFFD}");
        // Bytes QuickJS never makes are replaced too, never kept.
        assert_eq!(from_wtf8(b"x\xFFy"), "x\u{FFFD}y");
        assert_eq!(from_wtf8(b"\xE2\x82"), "\u{FFFD}");
    }
}
