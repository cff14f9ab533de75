//! Turning what JS threw into a name, a message and a stack: as text whatever the
//! strings held (lone surrogates become U+FFFD), and bounded, so a thrown 10 MB
//! message costs the worker, the channel from a sandbox process and the result no
//! more than [`MAX_TEXT_BYTES`] each.

use rquickjs::{CaughtError, Object, Value};

use super::allocator::unmetered;
use super::text::{from_wtf8, read_wtf8};

/// The most bytes of an error's message, and of its stack, kept (the rest is cut and
/// the cut is said in the text). A result's own limit may lower it: see [`cut`].
pub const MAX_TEXT_BYTES: usize = 16 << 10;

/// The fewest bytes of an error's message, and of its stack, [`bound`] keeps.
pub const MIN_TEXT_BYTES: usize = 1 << 10;

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
        let name = text_property(object, "name", MAX_NAME_BYTES).unwrap_or_else(|| "Error".into());
        let message = text_property(object, "message", MAX_TEXT_BYTES).unwrap_or_default();
        let stack = text_property(object, "stack", MAX_TEXT_BYTES).map(|trace| {
            // A long message is cut shorter here, so that the frames still fit.
            let head = if message.is_empty() {
                name.clone()
            } else {
                format!(
                    "{name}: {}",
                    cut(message.clone(), MAX_STACK_HEAD_MESSAGE_BYTES)
                )
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
        message: value_to_string(value),
        stack: None,
    }
}

/// The most bytes of an error's message its stack's first line keeps.
const MAX_STACK_HEAD_MESSAGE_BYTES: usize = 1 << 10;

/// `object[name]` as text cut to `max` bytes, when it is a string.
fn text_property(object: &Object<'_>, name: &str, max: usize) -> Option<String> {
    let value: Value = object.get(name).ok()?;
    bounded_text(value.as_string()?, max).ok()
}

/// A thrown value that is not an Error, as text of at most [`MAX_TEXT_BYTES`].
fn value_to_string(value: &Value<'_>) -> String {
    if let Some(text) = value.as_string() {
        return bounded_text(text, MAX_TEXT_BYTES).unwrap_or_default();
    }
    let ctx = value.ctx();
    // `JSON.stringify` and `String` may run the job's own code (`toJSON`, `toString`):
    // they run under the job's limits, and only reading their text does not.
    if value.is_object()
        && let Ok(Some(json)) = ctx.json_stringify(value.clone())
        && let Ok(json) = bounded_text(&json, MAX_TEXT_BYTES)
    {
        return json;
    }
    // Numbers, booleans, null, undefined, symbols: JS's own String().
    ctx.globals()
        .get::<_, rquickjs::Function>("String")
        .and_then(|string| string.call::<_, rquickjs::String>((value.clone(),)))
        .and_then(|text| bounded_text(&text, MAX_TEXT_BYTES))
        .unwrap_or_else(|_| "uncaught non-error value".to_owned())
}

/// A JS string's text (lone surrogates as U+FFFD) cut to `max` bytes. Only the kept
/// part is copied out, and the engine's own copy is made outside the job's memory
/// limit: a job that threw a string as large as its limit allows still gets
/// `exception`, never `memory` for Warren's reading of it.
fn bounded_text(text: &rquickjs::String<'_>, max: usize) -> rquickjs::Result<String> {
    unmetered(text.ctx(), || {
        read_wtf8(text, |bytes| {
            let mut end = bytes.len().min(max);
            // QuickJS's bytes are UTF-8 but for lone surrogates, each 3 bytes (as is
            // the U+FFFD that replaces it): a character starts at a non-continuation
            // byte, and the lengths agree.
            while end < bytes.len() && end > 0 && bytes[end] & 0xC0 == 0x80 {
                end -= 1;
            }
            cut_from(from_wtf8(&bytes[..end]).into_owned(), bytes.len(), max)
        })
    })
}

/// Bounds a job's error to fit a result of `max_result_bytes`: its message and its
/// stack each keep at most half of that, and [`MAX_TEXT_BYTES`], but never less than
/// [`MIN_TEXT_BYTES`] (a limit that small must not hide Warren's own explanation).
pub fn bound(error: &mut warren_wire::JobError, max_result_bytes: usize) {
    let max = (max_result_bytes / 2).clamp(MIN_TEXT_BYTES, MAX_TEXT_BYTES);
    error.message = cut(std::mem::take(&mut error.message), max);
    error.stack = error.stack.take().map(|stack| cut(stack, max));
}

/// `text` if it fits in `max` bytes; otherwise its start, cut at a character, and a
/// note of the cut, `max` bytes at most in all. Text cut before keeps the size it had
/// first in its note. A `max` too small for a note cuts without one.
pub fn cut(mut text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let total = match earlier_cut(&text) {
        Some((kept, total)) => {
            text.truncate(kept);
            total
        }
        None => text.len(),
    };
    cut_from(text, total, max)
}

/// `start`, the first bytes of a text of `total` bytes, cut to `max` bytes with the
/// note of the cut (or without it, when `max` has no room for it).
fn cut_from(mut start: String, total: usize, max: usize) -> String {
    if total <= max && start.len() == total {
        return start;
    }
    let note = |kept: usize| format!("{CUT_NOTE_START}{total} bytes, the first {kept} kept]");
    let room = note(max).len();
    let mut kept = if room > max {
        max
    } else {
        (max - room).min(start.len())
    };
    while !start.is_char_boundary(kept) {
        kept -= 1;
    }
    start.truncate(kept);
    if room <= max {
        start.push_str(&note(kept));
    }
    start
}

/// How the note of a cut starts.
const CUT_NOTE_START: &str = "… [cut: ";

/// Where the text before a note of an earlier cut ends, and the size the note gives.
fn earlier_cut(text: &str) -> Option<(usize, usize)> {
    let at = text.rfind(CUT_NOTE_START)?;
    let note = text[at + CUT_NOTE_START.len()..].strip_suffix(" kept]")?;
    let (total, kept) = note.split_once(" bytes, the first ")?;
    let (total, kept) = (total.parse().ok()?, kept.parse::<usize>().ok()?);
    (kept == at && total > at).then_some((at, total))
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
        // A limit too small for the note cuts without one.
        assert_eq!(cut("é".repeat(50), 3), "é");
        assert_eq!(cut("x".repeat(50), 0), "");
    }

    #[test]
    fn text_cut_again_keeps_its_first_size() {
        let once = cut("x".repeat(100_000), 1000);
        assert!(
            once.ends_with("… [cut: 100000 bytes, the first 956 kept]"),
            "{once}"
        );
        let twice = cut(once, 100);
        assert!(twice.len() <= 100, "{twice}");
        assert!(
            twice.ends_with("… [cut: 100000 bytes, the first 57 kept]"),
            "{twice}"
        );
        assert!(twice.starts_with("xxx"));
        // A job's own text that only looks like a note is cut as any other.
        let fake = format!("{}… [cut: 9 bytes, the first 2 kept]", "y".repeat(200));
        assert!(cut(fake, 100).ends_with("… [cut: 236 bytes, the first 60 kept]"));
    }
}
