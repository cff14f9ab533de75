//! Turning what JS threw into a name, a message and a stack.

use rquickjs::{CaughtError, Value};

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
            message: error.to_string(),
            stack: None,
        },
    }
}

/// Describes a thrown JS value: an Error's parts, or the value itself.
pub fn describe_value(value: &Value<'_>) -> Described {
    if let Some(object) = value.as_object()
        && let Some(exception) = rquickjs::Exception::from_object(object.clone())
    {
        let name: String = object
            .get::<_, Option<String>>("name")
            .ok()
            .flatten()
            .unwrap_or_else(|| "Error".to_owned());
        let message = exception.message().unwrap_or_default();
        let stack = exception.stack().map(|trace| {
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
            format!("{head}\n{}", frames.join("\n"))
                .trim_end()
                .to_owned()
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

fn value_to_string(value: &Value<'_>) -> String {
    if let Some(text) = value.as_string() {
        return text.to_string().unwrap_or_default();
    }
    let ctx = value.ctx();
    if value.is_object()
        && let Ok(Some(json)) = ctx.json_stringify(value.clone())
        && let Ok(json) = json.to_string()
    {
        return json;
    }
    // Numbers, booleans, null, undefined, symbols: JS's own String().
    ctx.globals()
        .get::<_, rquickjs::Function>("String")
        .and_then(|string| string.call::<_, String>((value.clone(),)))
        .unwrap_or_else(|_| "uncaught non-error value".to_owned())
}
