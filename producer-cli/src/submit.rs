//! Publishing one job and, if asked, waiting for its result.
//!
//! Waiting uses RabbitMQ's direct reply-to (`amq.rabbitmq.reply-to`): no queue to
//! declare or delete, at the price of at-most-once replies (a result is dropped if
//! this process disconnects first), which suits an interactive `warren submit`.

use std::time::Duration;

use futures_lite::StreamExt;
use lapin::options::{BasicConsumeOptions, ConfirmSelectOptions};
use lapin::types::FieldTable;
use lapin::{Connection, ConnectionProperties};
use warren_wire::JobResult;

use crate::client::{ClientError, publish_job};

const DIRECT_REPLY_TO: &str = "amq.rabbitmq.reply-to";

/// What to submit and how.
#[derive(Debug, Clone)]
pub struct SubmitOptions {
    pub amqp_url: String,
    pub queue: String,
    pub job_id: String,
    /// Wait for the result at most this long; `None` publishes and returns.
    pub wait: Option<Duration>,
}

/// Why a submission failed. Connection and broker errors are worth retrying;
/// `NoRoute` means no queue of that name exists (no worker ever started on it).
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("cannot reach the broker at {url}: {source}")]
    Connect { url: String, source: lapin::Error },
    #[error("broker error: {0}")]
    Broker(#[from] lapin::Error),
    #[error("no queue named {0:?}: start a worker on it first (workers declare their queue)")]
    NoRoute(String),
    #[error("the broker refused the job (nack); try again")]
    Refused,
    #[error("no result within {0:?} (is a worker consuming the queue?)")]
    NoAnswer(Duration),
    #[error("the result is not valid JSON: {0}")]
    BadResult(serde_json::Error),
    #[error("queue or job id too long: {0}")]
    Name(String),
}

impl SubmitError {
    /// The `warren` exit code for this failure: 3 when no answer came in time, else 2.
    pub fn exit_code(&self) -> u8 {
        match self {
            SubmitError::NoAnswer(_) => 3,
            _ => 2,
        }
    }
}

/// Publishes `body` as a job and waits for its result if `options.wait` says so.
pub async fn submit(
    body: &[u8],
    options: &SubmitOptions,
) -> Result<Option<JobResult>, SubmitError> {
    let connection = Connection::connect(&options.amqp_url, ConnectionProperties::default())
        .await
        .map_err(|source| SubmitError::Connect {
            url: redact(&options.amqp_url),
            source,
        })?;
    let result = submit_on(&connection, body, options).await;
    let _ = connection.close(200, "OK".into()).await;
    result
}

async fn submit_on(
    connection: &Connection,
    body: &[u8],
    options: &SubmitOptions,
) -> Result<Option<JobResult>, SubmitError> {
    let channel = connection.create_channel().await?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    let mut replies = None;
    if options.wait.is_some() {
        // Direct reply-to needs the consumer first, on the publishing channel.
        replies = Some(
            channel
                .basic_consume(
                    DIRECT_REPLY_TO.into(),
                    "".into(),
                    BasicConsumeOptions {
                        no_ack: true,
                        ..BasicConsumeOptions::default()
                    },
                    FieldTable::default(),
                )
                .await?,
        );
    }
    let reply_to = options.wait.map(|_| DIRECT_REPLY_TO);
    publish_job(&channel, &options.queue, &options.job_id, body, reply_to)
        .await
        .map_err(|err| match err {
            ClientError::NoRoute(queue) => SubmitError::NoRoute(queue),
            ClientError::Refused => SubmitError::Refused,
            ClientError::Broker(err) => SubmitError::Broker(err),
            ClientError::InvalidName(name) => SubmitError::Name(name),
            other => SubmitError::Name(other.to_string()),
        })?;
    let (Some(wait), Some(mut replies)) = (options.wait, replies) else {
        return Ok(None);
    };
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let next = tokio::time::timeout_at(deadline, replies.next()).await;
        let delivery = match next {
            Err(_) | Ok(None) => return Err(SubmitError::NoAnswer(wait)),
            Ok(Some(delivery)) => delivery?,
        };
        let result: JobResult =
            serde_json::from_slice(&delivery.data).map_err(SubmitError::BadResult)?;
        // Results are at-least-once: ignore anything that is not ours.
        if result.job_id == options.job_id {
            return Ok(Some(result));
        }
    }
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("amqp://guest:guest@127.0.0.1:5672/%2f"),
            "amqp://guest:***@127.0.0.1:5672/%2f"
        );
        assert_eq!(redact("amqp://127.0.0.1"), "amqp://127.0.0.1");
    }

    #[test]
    fn exit_codes() {
        assert_eq!(SubmitError::NoAnswer(Duration::from_secs(1)).exit_code(), 3);
        assert_eq!(SubmitError::Refused.exit_code(), 2);
    }
}
