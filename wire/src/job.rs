//! The job body and its validation. Every way a message can fail to be a job is a
//! [`RejectedJob`], which the worker turns into a `bad_request` result.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::content_type::{self, ContentTypeError};

/// Deepest JSON nesting a job body may have (the top-level object is level 1).
pub const MAX_NESTING: usize = 128;

/// A validated job, ready to run.
#[derive(Debug, Clone)]
pub struct Job {
    /// The customer's module or script.
    pub code: String,
    /// The JSON given to the function as its first argument (`null` when absent).
    pub input: Box<RawValue>,
    /// Limits requested by the producer; they can only lower the pool's.
    pub limits: JobLimits,
}

/// Per-job limits from the job body. `None` means "the pool's maximum".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobLimits {
    pub timeout_ms: Option<u64>,
    pub memory_mb: Option<u64>,
}

/// Why a message is not a job (`bad_request`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RejectedJob {
    #[error(transparent)]
    ContentType(#[from] ContentTypeError),
    #[error("body is {size} bytes, over the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("body starts with a byte order mark")]
    ByteOrderMark,
    #[error("body is not valid UTF-8 (at byte {0})")]
    NotUtf8(usize),
    #[error("body nests deeper than {MAX_NESTING} levels")]
    TooDeep,
    #[error("body is not a JSON object: {0}")]
    NotAnObject(String),
    #[error("body is not valid JSON: {0}")]
    InvalidJson(String),
    #[error("body has no \"code\" field")]
    MissingCode,
    #[error("\"code\" must be a string")]
    CodeNotString,
    #[error("\"limits\" must be an object")]
    LimitsNotObject,
    #[error("\"limits.{0}\" must be a positive integer")]
    BadLimit(&'static str),
}

#[derive(Deserialize)]
struct RawJob {
    code: Option<Box<RawValue>>,
    input: Option<Box<RawValue>>,
    limits: Option<Box<RawValue>>,
}

impl Job {
    /// Validates a delivery's content type and body into a job, applying every
    /// `bad_request` rule of the protocol.
    pub fn from_message(
        content_type: Option<&str>,
        body: &[u8],
        max_job_bytes: usize,
    ) -> Result<Job, RejectedJob> {
        if body.len() > max_job_bytes {
            return Err(RejectedJob::TooLarge {
                size: body.len(),
                limit: max_job_bytes,
            });
        }
        content_type::check(content_type)?;
        Job::from_body(body)
    }

    /// Validates a body alone (no content type, no size limit), as `warren run` does.
    pub fn from_body(body: &[u8]) -> Result<Job, RejectedJob> {
        if body.starts_with(&[0xEF, 0xBB, 0xBF]) {
            return Err(RejectedJob::ByteOrderMark);
        }
        let text =
            std::str::from_utf8(body).map_err(|err| RejectedJob::NotUtf8(err.valid_up_to()))?;
        if nesting_depth(text.as_bytes()) > MAX_NESTING {
            return Err(RejectedJob::TooDeep);
        }
        let raw: RawJob = serde_json::from_str(text).map_err(|err| {
            if err.is_data() {
                RejectedJob::NotAnObject(err.to_string())
            } else {
                RejectedJob::InvalidJson(err.to_string())
            }
        })?;
        let code = raw.code.ok_or(RejectedJob::MissingCode)?;
        let code: String =
            serde_json::from_str(code.get()).map_err(|_| RejectedJob::CodeNotString)?;
        let input = match raw.input {
            Some(input) => input,
            None => null_value(),
        };
        let limits = match raw.limits {
            Some(limits) => JobLimits::from_json(limits.get())?,
            None => JobLimits::default(),
        };
        Ok(Job {
            code,
            input,
            limits,
        })
    }
}

impl Job {
    /// The job body as PROTOCOL.md defines it: `code`, `input`, and `limits` when any
    /// is set.
    pub fn to_body(&self) -> Vec<u8> {
        body(&self.code, &self.input, &self.limits)
    }
}

/// The body of a job of `code` with `input` (JSON text) and `limits`.
pub fn body(code: &str, input: &RawValue, limits: &JobLimits) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct Body<'a> {
        code: &'a str,
        input: &'a RawValue,
        #[serde(skip_serializing_if = "Limits::is_empty")]
        limits: Limits,
    }
    #[derive(serde::Serialize)]
    struct Limits {
        #[serde(skip_serializing_if = "Option::is_none")]
        timeout_ms: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        memory_mb: Option<u64>,
    }
    impl Limits {
        fn is_empty(&self) -> bool {
            self.timeout_ms.is_none() && self.memory_mb.is_none()
        }
    }
    let body = Body {
        code,
        input,
        limits: Limits {
            timeout_ms: limits.timeout_ms,
            memory_mb: limits.memory_mb,
        },
    };
    serde_json::to_vec(&body).unwrap_or_else(|err| unreachable!("job bodies serialise: {err}"))
}

impl JobLimits {
    fn from_json(text: &str) -> Result<JobLimits, RejectedJob> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|_| RejectedJob::LimitsNotObject)?;
        let map = match value {
            serde_json::Value::Null => return Ok(JobLimits::default()),
            serde_json::Value::Object(map) => map,
            _ => return Err(RejectedJob::LimitsNotObject),
        };
        let field = |name: &'static str| -> Result<Option<u64>, RejectedJob> {
            match map.get(name) {
                None => Ok(None),
                Some(value) => match value.as_u64() {
                    Some(n) if n > 0 => Ok(Some(n)),
                    _ => Err(RejectedJob::BadLimit(name)),
                },
            }
        };
        Ok(JobLimits {
            timeout_ms: field("timeout_ms")?,
            memory_mb: field("memory_mb")?,
        })
    }
}

/// JSON `null`, as a raw value.
pub fn null_value() -> Box<RawValue> {
    RawValue::from_string("null".to_owned()).unwrap_or_else(|_| unreachable!("null is JSON"))
}

/// The deepest nesting of arrays and objects in a JSON text, ignoring brackets inside
/// strings. Runs before parsing so a hostile body cannot make the parser recurse deeply.
fn nesting_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for &byte in bytes {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<Job, RejectedJob> {
        Job::from_message(Some("application/json"), body.as_bytes(), 1 << 20)
    }

    #[test]
    fn parses_a_full_job() {
        let job = parse(r#"{"code":"x","input":{"a":[1,2]},"limits":{"timeout_ms":10,"memory_mb":2},"extra":1}"#)
            .expect("valid job");
        assert_eq!(job.code, "x");
        assert_eq!(job.input.get(), r#"{"a":[1,2]}"#);
        assert_eq!(
            job.limits,
            JobLimits {
                timeout_ms: Some(10),
                memory_mb: Some(2)
            }
        );
    }

    #[test]
    fn bodies_read_back_as_the_same_job() {
        let job = parse(r#"{"code":"x","input":{"a":[1,2]},"limits":{"memory_mb":2}}"#)
            .expect("valid job");
        assert_eq!(
            String::from_utf8(job.to_body()).expect("utf8"),
            r#"{"code":"x","input":{"a":[1,2]},"limits":{"memory_mb":2}}"#
        );
        let plain = body("y", &null_value(), &JobLimits::default());
        assert_eq!(plain, br#"{"code":"y","input":null}"#);
        let back = Job::from_body(&plain).expect("valid job");
        assert_eq!((back.code.as_str(), back.input.get()), ("y", "null"));
    }

    #[test]
    fn input_defaults_to_null_and_limits_to_pool() {
        let job = parse(r#"{"code":"x"}"#).expect("valid job");
        assert_eq!(job.input.get(), "null");
        assert_eq!(job.limits, JobLimits::default());
        let job = parse(r#"{"code":"x","limits":null}"#).expect("valid job");
        assert_eq!(job.limits, JobLimits::default());
    }

    #[test]
    fn rejects_every_bad_request_case() {
        assert_eq!(
            parse(r#"{"input":1}"#).unwrap_err(),
            RejectedJob::MissingCode
        );
        assert_eq!(
            parse(r#"{"code":1}"#).unwrap_err(),
            RejectedJob::CodeNotString
        );
        assert!(matches!(
            parse("[1]").unwrap_err(),
            RejectedJob::NotAnObject(_)
        ));
        assert!(matches!(
            parse("\"code\"").unwrap_err(),
            RejectedJob::NotAnObject(_)
        ));
        assert!(matches!(
            parse("{\"code\":").unwrap_err(),
            RejectedJob::InvalidJson(_)
        ));
        assert!(matches!(
            parse("").unwrap_err(),
            RejectedJob::InvalidJson(_)
        ));
        assert_eq!(
            parse(r#"{"code":"x","limits":5}"#).unwrap_err(),
            RejectedJob::LimitsNotObject
        );
        for bad in ["0", "-1", "1.5", "\"10\"", "true", "null"] {
            let body = format!(r#"{{"code":"x","limits":{{"timeout_ms":{bad}}}}}"#);
            assert_eq!(
                parse(&body).unwrap_err(),
                RejectedJob::BadLimit("timeout_ms"),
                "{bad}"
            );
            let body = format!(r#"{{"code":"x","limits":{{"memory_mb":{bad}}}}}"#);
            assert_eq!(
                parse(&body).unwrap_err(),
                RejectedJob::BadLimit("memory_mb"),
                "{bad}"
            );
        }
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(br#"{"code":"x"}"#);
        assert_eq!(
            Job::from_message(Some("application/json"), &bom, 1 << 20).unwrap_err(),
            RejectedJob::ByteOrderMark
        );
        let latin1 = b"{\"code\":\"\xe9\"}";
        assert!(matches!(
            Job::from_message(Some("application/json"), latin1, 1 << 20).unwrap_err(),
            RejectedJob::NotUtf8(9)
        ));
        assert!(matches!(
            Job::from_message(Some("application/json"), br#"{"code":"x"}"#, 5).unwrap_err(),
            RejectedJob::TooLarge { size: 12, limit: 5 }
        ));
        assert!(matches!(
            Job::from_message(Some("text/plain"), br#"{"code":"x"}"#, 100).unwrap_err(),
            RejectedJob::ContentType(_)
        ));
    }

    #[test]
    fn nesting_limit_is_exactly_128_levels() {
        let nest = |levels: usize| {
            // The job object itself is level 1; `input` adds the rest.
            let inner = levels - 1;
            format!(
                r#"{{"code":"x","input":{}{}}}"#,
                "[".repeat(inner),
                "]".repeat(inner)
            )
        };
        assert!(parse(&nest(MAX_NESTING)).is_ok());
        assert_eq!(
            parse(&nest(MAX_NESTING + 1)).unwrap_err(),
            RejectedJob::TooDeep
        );
        assert_eq!(parse(&nest(100_000)).unwrap_err(), RejectedJob::TooDeep);
        // Brackets inside strings do not count.
        let body = format!(r#"{{"code":"{}\"\\"}}"#, "[".repeat(500));
        assert!(parse(&body).is_ok());
    }
}

/// Property tests of the job parser: whatever a message holds, parsing ends in a job
/// or a clean rejection, never a panic; a job read back from its own body is the same.
#[cfg(test)]
mod fuzz {
    use proptest::prelude::*;
    use serde_json::Value;
    use warren_testkit::alloc::largest_during;

    use super::*;

    /// JSON values, nested a little, of every kind.
    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            ".{0,16}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                proptest::collection::btree_map("[a-z_]{0,10}", inner, 0..8)
                    .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    /// Job-shaped objects: the known fields, often of the wrong type, and others.
    fn job_like() -> impl Strategy<Value = Value> {
        (
            proptest::option::of(prop_oneof![".{0,32}".prop_map(Value::String), json()]),
            proptest::option::of(json()),
            proptest::option::of(prop_oneof![
                (
                    proptest::option::of(any::<i64>()),
                    proptest::option::of(any::<i64>())
                )
                    .prop_map(|(timeout, memory)| {
                        let mut limits = serde_json::Map::new();
                        if let Some(t) = timeout {
                            limits.insert("timeout_ms".into(), t.into());
                        }
                        if let Some(m) = memory {
                            limits.insert("memory_mb".into(), m.into());
                        }
                        Value::Object(limits)
                    }),
                json(),
            ]),
        )
            .prop_map(|(code, input, limits)| {
                let mut job = serde_json::Map::new();
                for (name, value) in [("code", code), ("input", input), ("limits", limits)] {
                    if let Some(value) = value {
                        job.insert(name.into(), value);
                    }
                }
                Value::Object(job)
            })
    }

    fn same_job_when_read_back(job: &Job) -> Result<(), TestCaseError> {
        let again = Job::from_body(&job.to_body()).expect("a job's own body parses");
        prop_assert_eq!(&again.code, &job.code);
        prop_assert_eq!(again.input.get(), job.input.get());
        prop_assert_eq!(again.limits, job.limits);
        Ok(())
    }

    /// Reads a message as a job, checking that no single allocation on the way grows
    /// past a small multiple of the body (a count or length in it is never trusted).
    fn read(
        content_type: Option<&str>,
        body: &[u8],
        limit: usize,
    ) -> Result<Result<Job, RejectedJob>, TestCaseError> {
        let (read, largest) = largest_during(|| Job::from_message(content_type, body, limit));
        prop_assert!(
            largest <= 16 * body.len() + (16 << 10),
            "{largest} bytes at once for a body of {}",
            body.len()
        );
        Ok(read)
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_are_a_job_or_a_rejection(
            body in proptest::collection::vec(any::<u8>(), 0..512),
            content_type in proptest::option::of("[ -~]{0,40}"),
            limit in 0usize..1024,
        ) {
            if let Ok(job) = read(content_type.as_deref(), &body, limit)? {
                same_job_when_read_back(&job)?;
            }
        }

        #[test]
        fn job_shaped_json_is_a_job_or_a_rejection(value in job_like()) {
            let body = serde_json::to_vec(&value).expect("json");
            if let Ok(job) = read(Some("application/json"), &body, usize::MAX)? {
                same_job_when_read_back(&job)?;
            }
        }
    }
}
