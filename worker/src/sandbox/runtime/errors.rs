//! Turning what JS threw into a name, a message and a stack: as text whatever the
//! strings held (lone surrogates become U+FFFD), and bounded, so a thrown 10 MB
//! message costs the worker, the channel from a sandbox process and the result no
//! more than [`MAX_TEXT_BYTES`] each.

use rquickjs::{CaughtError, Object, Value};

use super::text::lossy;

/// The most bytes of an error's message, and of its stack, kept (the rest is cut and
/// the cut is said in the text). A result's own limit may lower it: see [`cut`].
pub const MAX_TEXT_BYTES: usize = 16 << 10;

/// The most bytes of an error's name kept.
const MAX_NAME_BYTES: usize = 256;

/// A thrown value, described for a result's `error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    /// The error's `name` (`Error`, `TypeError`, ...), empty for non-errors.
    pub name: String,
    pub message: String,
    /// `name: message` followed by the JS stack, as V8 prints it.
    pub stack: Option<String>,
}

/// Describes whatever a `catch` produced.
pub fn describe_caught(err: &CaughtError<'_>) -> Described {
    match err {
        CaughtError::Exception(exception) => describe_value(exception.as_value()),
        CaughtError::Value(value) => describe_value(value),
        CaughtError::Error(error) => Described {
            name: String::new(),
            message: cut(error.to_string(), MAX_TEXT_BYTES),
            stack: None,
        },
    }
}

/// Describes a thrown JS value: an Error's parts, or the value itself.
pub fn describe_value(value: &Value<'_>) -> Described {
    if let Some(object) = value.as_object()
        && rquickjs::Exception::from_object(object.clone()).is_some()
    {
        let name = text_property(object, "name")
            .map_or_else(|| "Error".to_owned(), |name| cut(name, MAX_NAME_BYTES));
        let message = text_property(object, "message")
            .map(|message| cut(message, MAX_TEXT_BYTES))
            .unwrap_or_default();
        let stack = text_property(object, "stack").map(|trace| {
            let head = if message.is_empty() {
                name.clone()
            } else {
                format!("{name}: {message}")
            };
            // Frames inside Warren's prelude say nothing to the author.
            let frames: Vec<&str> = trace
                .lines()
                .filter(|line| !line.contains("(warren:"))
                .collect();
            let stack = format!("{head}\n{}", frames.join("\n"));
            cut(stack.trim_end().to_owned(), MAX_TEXT_BYTES)
        });
        return Described {
            name,
            message,
            stack,
        };
    }
    Described {
        name: String::new(),
        message: cut(value_to_string(value), MAX_TEXT_BYTES),
        stack: None,
    }
}

/// `object[name]` as text, when it is a string.
fn text_property(object: &Object<'_>, name: &str) -> Option<String> {
    let value: Value = object.get(name).ok()?;
    lossy(value.as_string()?).ok()
}

fn value_to_string(value: &Value<'_>) -> String {
    if let Some(text) = value.as_string() {
        return lossy(text).unwrap_or_default();
    }
    let ctx = value.ctx();
    if value.is_object()
        && let Ok(Some(json)) = ctx.json_stringify(value.clone())
        && let Ok(json) = lossy(&json)
    {
        return json;
    }
    // Numbers, booleans, null, undefined, symbols: JS's own String().
    ctx.globals()
        .get::<_, rquickjs::Function>("String")
        .and_then(|string| string.call::<_, rquickjs::String>((value.clone(),)))
        .and_then(|text| lossy(&text))
        .unwrap_or_else(|_| "uncaught non-error value".to_owned())
}

/// Bounds a job's error to fit a result of `max_result_bytes`: its message and its
/// stack each keep at most half of that (and [`MAX_TEXT_BYTES`]).
pub fn bound(error: &mut warren_wire::JobError, max_result_bytes: usize) {
    let max = MAX_TEXT_BYTES.min(max_result_bytes / 2);
    error.message = cut(std::mem::take(&mut error.message), max);
    error.stack = error.stack.take().map(|stack| cut(stack, max));
}

/// `text` if it fits in `max` bytes; otherwise its start, cut at a character, and a
/// note of the cut: `max` bytes at most in all, when `max` leaves room for the note.
pub fn cut(mut text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let total = text.len();
    let note = |kept: usize| format!("… [cut: {total} bytes, the first {kept} kept]");
    let mut kept = max.saturating_sub(note(max).len());
    while !text.is_char_boundary(kept) {
        kept -= 1;
    }
    text.truncate(kept);
    text.push_str(&note(kept));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_at_a_character_and_says_so() {
        assert_eq!(cut("short".into(), 100), "short");
        let cut_text = cut("é".repeat(1000), 100);
        assert!(cut_text.len() <= 100, "{}", cut_text.len());
        assert!(
            cut_text.ends_with("… [cut: 2000 bytes, the first 58 kept]"),
            "{cut_text}"
        );
        assert!(cut_text.starts_with("éé"));
        // A limit too small for the note keeps nothing of the text but never panics.
        assert!(cut("x".repeat(50), 3).starts_with('…'));
    }
}
