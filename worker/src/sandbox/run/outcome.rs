//! How a run ended, turned into the job's outcome: its value as JSON within the
//! result limit, or the error kind that explains its failure.

use rquickjs::{CatchResultExt, CaughtError, Ctx, Value};
use serde_json::value::RawValue;
use warren_wire::{ErrorKind, JobError, Outcome};

use crate::sandbox::globals::host::NO_FUNCTION_ERROR_NAME;
use crate::sandbox::limits::EffectiveLimits;
use crate::sandbox::modules::failures::DENIED_ERROR_NAME;
use crate::sandbox::runtime::allocator::unmetered;
use crate::sandbox::runtime::errors::{Described, bound, describe_caught};
use crate::sandbox::runtime::text::{from_wtf8, json_without_lone_surrogates, read_wtf8};

/// How a run failed, before it is classified into an error kind.
pub(super) enum Failure {
    /// JS threw (or a promise rejected) and nothing caught it.
    Thrown(Described),
    /// The value cannot be sent as JSON.
    Output(String),
    /// Nothing left that could settle the job's promise.
    Stalled,
    /// Past the deadline (noticed by the host, not the interrupt handler).
    Deadline,
}

impl Failure {
    pub(super) fn thrown(err: CaughtError<'_>) -> Failure {
        Failure::Thrown(describe_caught(&err))
    }
}

pub(super) fn plain(message: String) -> Described {
    Described {
        name: String::new(),
        message,
        stack: None,
    }
}

/// What the job's runtime noticed while it ran, beside how it ended.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Signals {
    /// The interrupt handler stopped it at its deadline.
    pub interrupted: bool,
    /// An allocation was refused at the memory limit.
    pub memory_exceeded: bool,
    /// An import was refused by the allowed-module table.
    pub denied: bool,
    /// A library file the job loaded does not compile.
    pub broken_module: bool,
    /// Warren found no function to call (and said so with its own error).
    pub no_function: bool,
}

/// The function's value as JSON text, following `JSON.stringify` except at the top.
pub(super) fn serialize<'js>(
    ctx: &Ctx<'js>,
    value: Value<'js>,
    max_bytes: usize,
) -> Result<Box<RawValue>, Failure> {
    if value.is_undefined() {
        return Ok(warren_wire::job::null_value());
    }
    if value.is_function() || value.is_symbol() {
        return Err(Failure::Output(format!(
            "the function returned a {}, which has no JSON form",
            value.type_name()
        )));
    }
    let json = ctx.json_stringify(value).catch(ctx).map_err(|err| {
        Failure::Output(format!(
            "the return value is not JSON-serialisable: {}",
            describe_caught(&err).message
        ))
    })?;
    let Some(json) = json else {
        return Ok(warren_wire::job::null_value());
    };
    // Read outside the job's memory limit (the job made the text within it), and
    // copied out only when it fits.
    let json = unmetered(ctx, || {
        read_wtf8(&json, |bytes| {
            (bytes.len() <= max_bytes)
                .then(|| from_wtf8(bytes).into_owned())
                .ok_or(bytes.len())
        })
    })
    .map_err(|err| Failure::Output(format!("the return value is not valid text: {err}")))?
    .map_err(|len| {
        Failure::Output(format!(
            "the return value is {len} bytes of JSON, over the limit of {max_bytes} bytes"
        ))
    })?;
    // `JSON.stringify` escapes a lone surrogate; the result carries U+FFFD instead
    // (the same length: both are 6 bytes escaped).
    let json = match json_without_lone_surrogates(&json) {
        std::borrow::Cow::Borrowed(_) => json,
        std::borrow::Cow::Owned(fixed) => fixed,
    };
    RawValue::from_string(json)
        .map_err(|err| Failure::Output(format!("the return value is not valid JSON: {err}")))
}

/// Decides the error kind, and bounds the error to fit the result.
pub(super) fn classify(
    result: Result<Box<RawValue>, Failure>,
    limits: &EffectiveLimits,
    signals: Signals,
) -> Outcome {
    match decide(result, limits, signals) {
        Outcome::Error(mut error) => {
            bound(&mut error, limits.max_result_bytes);
            Outcome::Error(error)
        }
        ok => ok,
    }
}

/// Hitting the memory or time limit wins over whatever JS did afterwards with the
/// error it got.
fn decide(
    result: Result<Box<RawValue>, Failure>,
    limits: &EffectiveLimits,
    signals: Signals,
) -> Outcome {
    let failure = match result {
        Ok(value) => return Outcome::Ok(value),
        Err(failure) => failure,
    };
    let timeout = || {
        Outcome::error(
            ErrorKind::Timeout,
            format!(
                "the job ran past its time limit of {} ms",
                limits.timeout.as_millis()
            ),
        )
    };
    // Memory first: a job refused memory may swallow the error (an out-of-memory
    // error inside a promise reaction only rejects that promise) and then wait or
    // spin until its deadline, but the limit it broke is the cause.
    if signals.memory_exceeded {
        return Outcome::error(
            ErrorKind::Memory,
            format!(
                "the job ran past its memory limit of {} MiB",
                limits.memory_bytes >> 20
            ),
        );
    }
    if signals.interrupted {
        return timeout();
    }
    match failure {
        Failure::Deadline => timeout(),
        Failure::Stalled => Outcome::error(
            ErrorKind::Timeout,
            "the job's promise never settles: nothing is pending that could settle it",
        ),
        Failure::Output(message) => Outcome::error(ErrorKind::Output, message),
        Failure::Thrown(described)
            if described.name == NO_FUNCTION_ERROR_NAME && signals.no_function =>
        {
            Outcome::error(ErrorKind::Compile, described.message)
        }
        Failure::Thrown(described) => {
            let kind = if described.name == DENIED_ERROR_NAME && signals.denied {
                ErrorKind::ModuleDenied
            } else if described.name == "SyntaxError" && signals.broken_module {
                ErrorKind::Compile
            } else if described.name == "RangeError"
                && described.message == "Maximum call stack size exceeded"
            {
                ErrorKind::Stack
            } else {
                ErrorKind::Exception
            };
            Outcome::Error(JobError {
                kind,
                message: described.message,
                stack: described.stack,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::limits::PoolLimits;

    fn limits() -> EffectiveLimits {
        PoolLimits::default().for_job(&warren_wire::JobLimits::default())
    }

    fn thrown(name: &str, message: &str) -> Result<Box<RawValue>, Failure> {
        Err(Failure::Thrown(Described {
            name: name.into(),
            message: message.into(),
            stack: Some(format!("{name}: {message}\n    at f (job.js:1)")),
        }))
    }

    fn kind(result: Result<Box<RawValue>, Failure>, signals: Signals) -> ErrorKind {
        match classify(result, &limits(), signals) {
            Outcome::Error(error) => error.kind,
            Outcome::Ok(value) => panic!("expected an error, got {}", value.get()),
        }
    }

    #[test]
    fn a_value_is_ok() {
        let value = RawValue::from_string("[1]".into()).expect("json");
        match classify(Ok(value), &limits(), Signals::default()) {
            Outcome::Ok(value) => assert_eq!(value.get(), "[1]"),
            Outcome::Error(error) => panic!("{error:?}"),
        }
    }

    #[test]
    fn the_limits_win_over_what_js_made_of_hitting_them() {
        let caught_and_rethrown = || thrown("Error", "out of memory");
        let interrupted = Signals {
            interrupted: true,
            ..Signals::default()
        };
        let memory = Signals {
            memory_exceeded: true,
            ..Signals::default()
        };
        assert_eq!(kind(caught_and_rethrown(), interrupted), ErrorKind::Timeout);
        assert_eq!(kind(caught_and_rethrown(), memory), ErrorKind::Memory);
        let both = Signals {
            interrupted: true,
            memory_exceeded: true,
            ..Signals::default()
        };
        // A job that was refused memory and then ran out its time broke the memory
        // limit first.
        assert_eq!(kind(caught_and_rethrown(), both), ErrorKind::Memory);
        assert_eq!(
            kind(Err(Failure::Output("too big".into())), memory),
            ErrorKind::Memory
        );
    }

    #[test]
    fn names_count_only_when_warren_raised_them() {
        let denied = Signals {
            denied: true,
            ..Signals::default()
        };
        let no_function = Signals {
            no_function: true,
            ..Signals::default()
        };
        let import = || thrown(DENIED_ERROR_NAME, "module 'fs' is not allowed");
        assert_eq!(kind(import(), denied), ErrorKind::ModuleDenied);
        // A job that throws an error of that name itself gets `exception`.
        assert_eq!(kind(import(), Signals::default()), ErrorKind::Exception);
        let missing = || thrown(NO_FUNCTION_ERROR_NAME, "the module has no default export");
        assert_eq!(kind(missing(), no_function), ErrorKind::Compile);
        assert_eq!(kind(missing(), Signals::default()), ErrorKind::Exception);
    }

    #[test]
    fn each_failure_has_its_kind_and_keeps_the_stack() {
        let overflow = thrown("RangeError", "Maximum call stack size exceeded");
        assert_eq!(kind(overflow, Signals::default()), ErrorKind::Stack);
        let other_range = thrown("RangeError", "Invalid array length");
        assert_eq!(kind(other_range, Signals::default()), ErrorKind::Exception);
        assert_eq!(
            kind(
                Err(Failure::Output("no JSON form".into())),
                Signals::default()
            ),
            ErrorKind::Output
        );
        assert_eq!(
            kind(Err(Failure::Deadline), Signals::default()),
            ErrorKind::Timeout
        );
        assert_eq!(
            kind(Err(Failure::Stalled), Signals::default()),
            ErrorKind::Timeout
        );
        match classify(
            thrown("TypeError", "x is not a function"),
            &limits(),
            Signals::default(),
        ) {
            Outcome::Error(error) => {
                assert_eq!(error.message, "x is not a function");
                assert!(error.stack.is_some_and(|s| s.contains("job.js:1")));
            }
            Outcome::Ok(_) => panic!("expected an error"),
        }
    }
}
