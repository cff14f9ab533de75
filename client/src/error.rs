//! Why a client call failed, and whether trying again may help.

use std::time::Duration;

/// Why a client call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The broker cannot be reached. Retry with backoff.
    #[error("cannot reach the broker: {0}")]
    Connect(String),
    /// The broker at `url` (host and port; the last tried of several) cannot be
    /// reached. Retry with backoff.
    #[error("cannot reach the broker at {url}: {cause}")]
    Unreachable {
        url: String,
        cause: warren_amqp::brokers::Attempt,
    },
    /// The broker addresses given are not AMQP URLs. Retrying will not help.
    #[error("bad broker address: {0}")]
    InvalidUrl(warren_amqp::brokers::BrokersError),
    /// The connection or channel failed mid-call. Retry; the job may have been published.
    #[error("broker error: {0}")]
    Broker(#[from] lapin::Error),
    /// No queue of that name exists: no worker has declared it. Retrying will not help
    /// until a worker for that pool starts.
    #[error("no queue named {0:?}: start a worker on it first (workers declare their queue)")]
    NoRoute(String),
    /// The broker refused the job (publisher nack). Retry.
    #[error("the broker refused the job (nack); try again")]
    Refused,
    /// No result in time. The job may still run and answer later.
    #[error("no result within {0:?}")]
    Timeout(Duration),
    /// A queue name or job id over 255 bytes.
    #[error("name too long for AMQP (255 bytes at most): {0:?}")]
    InvalidName(String),
    /// What came back on the reply queue is not a result body.
    #[error("the result is not valid JSON: {0}")]
    BadResult(serde_json::Error),
}

impl ClientError {
    /// Whether the same call may succeed if tried again.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ClientError::Connect(_)
                | ClientError::Unreachable { .. }
                | ClientError::Broker(_)
                | ClientError::Refused
                | ClientError::Timeout(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_may_succeed_when_tried_again() {
        assert!(ClientError::Refused.is_retryable());
        assert!(ClientError::Timeout(Duration::from_secs(1)).is_retryable());
        assert!(ClientError::Connect("refused".into()).is_retryable());
        assert!(!ClientError::NoRoute("jobs".into()).is_retryable());
        assert!(!ClientError::InvalidName("x".repeat(300)).is_retryable());
        let bad = warren_amqp::brokers::BrokersError::Empty;
        assert!(!ClientError::InvalidUrl(bad).is_retryable());
    }
}
