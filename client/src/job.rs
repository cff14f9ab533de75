//! A job to submit.

use serde_json::Value;
use warren_wire::JobLimits;

/// A job to submit: code, input and optional limits.
#[derive(Debug, Clone)]
pub struct JobSpec {
    pub code: String,
    pub input: Value,
    pub limits: JobLimits,
    /// The job id (`message_id`); a random UUID when `None`.
    pub job_id: Option<String>,
    /// The tenant it runs for (the `x-warren-tenant` header); the default tenant when
    /// `None`.
    pub tenant: Option<String>,
}

impl JobSpec {
    pub fn new(code: impl Into<String>, input: Value) -> JobSpec {
        JobSpec {
            code: code.into(),
            input,
            limits: JobLimits::default(),
            job_id: None,
            tenant: None,
        }
    }

    /// The job body as PROTOCOL.md defines it.
    pub fn body(&self) -> Vec<u8> {
        let input = serde_json::value::to_raw_value(&self.input)
            .unwrap_or_else(|_| warren_wire::job::null_value());
        warren_wire::job::body(&self.code, &input, &self.limits)
    }

    /// The id to publish the job under: its own, or a new one.
    pub(crate) fn id(&self) -> String {
        self.job_id
            .clone()
            .unwrap_or_else(warren_wire::ids::new_job_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_carries_code_input_and_set_limits() {
        let mut job = JobSpec::new("export default (i) => i", serde_json::json!({"a": 1}));
        assert_eq!(
            job.body(),
            br#"{"code":"export default (i) => i","input":{"a":1}}"#
        );
        job.limits.timeout_ms = Some(5);
        let body: Value = serde_json::from_slice(&job.body()).expect("json");
        assert_eq!(body["limits"], serde_json::json!({"timeout_ms": 5}));
    }
}
