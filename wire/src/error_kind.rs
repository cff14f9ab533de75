use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a job failed: the `error.kind` field of a result.
///
/// Every kind is final: the job is acknowledged once its result is confirmed and never retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The message is not a valid job (content type, encoding, shape, size, limits).
    BadRequest,
    /// Syntax error, empty code, or no function exported.
    Compile,
    /// An import or require of a module outside the pool's allowed-module table.
    ModuleDenied,
    /// The function threw or its promise rejected.
    Exception,
    /// The job ran past its wall-clock limit.
    Timeout,
    /// The job ran past its memory limit.
    Memory,
    /// Stack overflow.
    Stack,
    /// The return value is not JSON-serialisable or is too large.
    Output,
    /// The sandbox that ran the job died under it.
    Crash,
    /// The job's code is quarantined: jobs carrying it crashed their sandbox or were
    /// killed by the watchdog too often (an extension of PROTOCOL.md).
    Quarantined,
}

impl ErrorKind {
    /// Every kind, in the order PROTOCOL.md lists them, then Warren's own.
    pub const ALL: [ErrorKind; 10] = [
        ErrorKind::BadRequest,
        ErrorKind::Compile,
        ErrorKind::ModuleDenied,
        ErrorKind::Exception,
        ErrorKind::Timeout,
        ErrorKind::Memory,
        ErrorKind::Stack,
        ErrorKind::Output,
        ErrorKind::Crash,
        ErrorKind::Quarantined,
    ];

    /// The wire name, as in `error.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::BadRequest => "bad_request",
            ErrorKind::Compile => "compile",
            ErrorKind::ModuleDenied => "module_denied",
            ErrorKind::Exception => "exception",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Memory => "memory",
            ErrorKind::Stack => "stack",
            ErrorKind::Output => "output",
            ErrorKind::Crash => "crash",
            ErrorKind::Quarantined => "quarantined",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
