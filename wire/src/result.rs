//! The result body a worker publishes to a job's `reply_to`.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::ErrorKind;

/// A job's result, exactly as published. `value` is kept as raw JSON so the worker
/// forwards what the sandbox serialised without parsing it again.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobResult {
    pub job_id: String,
    pub status: Status,
    /// Present (possibly `null`) exactly when `status` is `ok`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present_value"
    )]
    pub value: Option<Box<RawValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<JobError>,
    #[serde(default)]
    pub logs: Vec<LogEntry>,
    pub stats: Stats,
    pub worker: String,
}

/// A `value` that is there, even when it is `null` (serde would read `null` as absent).
fn present_value<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Box<RawValue>>, D::Error> {
    Box::<RawValue>::deserialize(deserializer).map(Some)
}

/// `ok` or `error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Error,
}

/// How a job ended: its JSON value or its error.
#[derive(Debug, Clone)]
pub enum Outcome {
    Ok(Box<RawValue>),
    Error(JobError),
}

impl Outcome {
    /// The metric label for this outcome: `ok` or the error kind.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Ok(_) => "ok",
            Outcome::Error(err) => err.kind.as_str(),
        }
    }

    /// A failure of the given kind with a message and no stack.
    pub fn error(kind: ErrorKind, message: impl Into<String>) -> Outcome {
        Outcome::Error(JobError {
            kind,
            message: message.into(),
            stack: None,
        })
    }
}

/// The `error` object of a failed job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobError {
    pub kind: ErrorKind,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack: Option<String>,
}

/// One `console` call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    pub level: LogLevel,
    pub message: String,
}

/// A `console` method's level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    Debug,
    Log,
    Info,
    Warn,
    Error,
}

impl LogLevel {
    /// Every level, least to most severe.
    pub const ALL: [LogLevel; 5] = [
        LogLevel::Debug,
        LogLevel::Log,
        LogLevel::Info,
        LogLevel::Warn,
        LogLevel::Error,
    ];
}

/// Measurements of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Time in the sandbox, in milliseconds.
    pub wall_ms: f64,
    /// The job's peak JS heap, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_peak_bytes: Option<u64>,
    /// Which delivery of the job this is, from 1.
    pub attempt: u32,
}

impl Stats {
    /// The stats of a run that took `wall` (reported in milliseconds, to the
    /// microsecond).
    pub fn measured(wall: Duration, memory_peak_bytes: Option<u64>, attempt: u32) -> Stats {
        Stats {
            wall_ms: (wall.as_secs_f64() * 1e6).round() / 1000.0,
            memory_peak_bytes,
            attempt,
        }
    }
}

impl JobResult {
    /// Builds a result from an outcome.
    pub fn new(
        job_id: String,
        outcome: Outcome,
        logs: Vec<LogEntry>,
        stats: Stats,
        worker: String,
    ) -> JobResult {
        let (status, value, error) = match outcome {
            Outcome::Ok(value) => (Status::Ok, Some(value), None),
            Outcome::Error(error) => (Status::Error, None, Some(error)),
        };
        JobResult {
            job_id,
            status,
            value,
            error,
            logs,
            stats,
            worker,
        }
    }

    /// The result's outcome, if its fields agree with its status.
    pub fn outcome(&self) -> Option<Outcome> {
        match (self.status, &self.value, &self.error) {
            (Status::Ok, Some(value), _) => Some(Outcome::Ok(value.clone())),
            (Status::Error, _, Some(error)) => Some(Outcome::Error(error.clone())),
            _ => None,
        }
    }

    /// The metric label of the result's outcome (`ok` or the error kind), if its
    /// fields agree with its status.
    pub fn label(&self) -> Option<&'static str> {
        match (self.status, &self.value, &self.error) {
            (Status::Ok, Some(_), _) => Some("ok"),
            (Status::Error, _, Some(error)) => Some(error.kind.as_str()),
            _ => None,
        }
    }

    /// Serialises the result body.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self)
            .unwrap_or_else(|err| unreachable!("results always serialise: {err}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wall_time_is_milliseconds_to_the_microsecond() {
        let stats = Stats::measured(Duration::from_nanos(1_234_567), Some(8), 2);
        assert_eq!(stats.wall_ms, 1.235);
        assert_eq!((stats.memory_peak_bytes, stats.attempt), (Some(8), 2));
    }

    #[test]
    fn ok_result_has_value_and_no_error() {
        let value = RawValue::from_string(r#"{"sum":3}"#.into()).expect("json");
        let result = JobResult::new(
            "j1".into(),
            Outcome::Ok(value),
            vec![LogEntry {
                level: LogLevel::Log,
                message: "hi".into(),
            }],
            Stats {
                wall_ms: 0.5,
                memory_peak_bytes: Some(100),
                attempt: 1,
            },
            "w".into(),
        );
        let json: serde_json::Value = serde_json::from_slice(&result.to_json()).expect("json");
        assert_eq!(
            json,
            serde_json::json!({
                "job_id": "j1", "status": "ok", "value": {"sum": 3},
                "logs": [{"level": "log", "message": "hi"}],
                "stats": {"wall_ms": 0.5, "memory_peak_bytes": 100, "attempt": 1},
                "worker": "w"
            })
        );
        let back: JobResult = serde_json::from_slice(&result.to_json()).expect("parse");
        assert!(matches!(back.outcome(), Some(Outcome::Ok(v)) if v.get() == r#"{"sum":3}"#));
    }

    #[test]
    fn a_null_value_is_a_value() {
        let body = r#"{"job_id":"j","status":"ok","value":null,"logs":[],"stats":{"wall_ms":0,"attempt":1},"worker":"w"}"#;
        let result: JobResult = serde_json::from_str(body).expect("parse");
        assert!(matches!(result.outcome(), Some(Outcome::Ok(v)) if v.get() == "null"));
        let missing =
            r#"{"job_id":"j","status":"ok","stats":{"wall_ms":0,"attempt":1},"worker":"w"}"#;
        let result: JobResult = serde_json::from_str(missing).expect("parse");
        assert!(
            result.outcome().is_none(),
            "an ok result without value is malformed"
        );
    }

    #[test]
    fn error_result_has_error_and_no_value() {
        let result = JobResult::new(
            "j2".into(),
            Outcome::error(ErrorKind::Timeout, "too slow"),
            vec![],
            Stats {
                wall_ms: 1.0,
                memory_peak_bytes: None,
                attempt: 2,
            },
            "w".into(),
        );
        let json: serde_json::Value = serde_json::from_slice(&result.to_json()).expect("json");
        assert_eq!(json["status"], "error");
        assert_eq!(
            json["error"],
            serde_json::json!({"kind": "timeout", "message": "too slow"})
        );
        assert!(json.get("value").is_none());
        assert_eq!(json["logs"], serde_json::json!([]));
    }
}
