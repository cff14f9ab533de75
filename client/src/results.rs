//! Many jobs in flight, their results on one reply queue of their own.

use std::collections::HashSet;
use std::time::Duration;

use futures_lite::StreamExt;
use lapin::options::{BasicConsumeOptions, ConfirmSelectOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::{Channel, Consumer};
use warren_wire::JobResult;

use crate::error::ClientError;
use crate::job::JobSpec;
use crate::publish::publish_job;

/// Jobs submitted through the stream answer on its own reply queue; `next` yields each
/// job's first result once.
pub struct ResultStream {
    queue: String,
    consumer: Consumer,
    channel: Channel,
    seen: HashSet<String>,
    _connection: deadpool_lapin::Connection,
}

impl ResultStream {
    /// A stream on a new reply queue of `connection`, which it keeps.
    pub(crate) async fn open(
        connection: deadpool_lapin::Connection,
    ) -> Result<ResultStream, ClientError> {
        let (queue, consumer) = reply_queue(&connection).await?;
        let channel = connection.create_channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        Ok(ResultStream {
            queue,
            consumer,
            channel,
            seen: HashSet::new(),
            _connection: connection,
        })
    }

    /// The reply queue's name.
    pub fn reply_queue(&self) -> &str {
        &self.queue
    }

    /// Publishes a job whose result will come out of this stream; returns its id.
    pub async fn submit(&self, queue: &str, job: &JobSpec) -> Result<String, ClientError> {
        let job_id = job.id();
        publish_job(
            &self.channel,
            queue,
            &job_id,
            &job.body(),
            Some(&self.queue),
            job.tenant.as_deref(),
        )
        .await?;
        Ok(job_id)
    }

    /// The confirm-mode channel and reply queue to publish with, for callers that keep
    /// many publishes in flight at once (each one awaits its own confirm).
    pub fn publisher(&self) -> (Channel, String) {
        (self.channel.clone(), self.queue.clone())
    }

    /// The next new result, or `None` if none arrives within `timeout`.
    pub async fn next(&mut self, timeout: Duration) -> Result<Option<JobResult>, ClientError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let delivery = match tokio::time::timeout_at(deadline, self.consumer.next()).await {
                Err(_) => return Ok(None),
                Ok(None) => {
                    return Err(ClientError::Connect(
                        "the reply queue's consumer ended".into(),
                    ));
                }
                Ok(Some(delivery)) => delivery?,
            };
            let Ok(result) = serde_json::from_slice::<JobResult>(&delivery.data) else {
                continue;
            };
            if self.seen.insert(result.job_id.clone()) {
                return Ok(Some(result));
            }
        }
    }
}

/// Declares an exclusive, server-named reply queue and consumes it (auto-ack).
pub(crate) async fn reply_queue(
    connection: &lapin::Connection,
) -> Result<(String, Consumer), ClientError> {
    let channel = connection.create_channel().await?;
    let queue = channel
        .queue_declare(
            "".into(),
            QueueDeclareOptions {
                exclusive: true,
                auto_delete: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await?;
    let name = queue.name().as_str().to_owned();
    let consumer = consume_replies(&channel, &name).await?;
    Ok((name, consumer))
}

/// Consumes the reply queue `queue` on `channel`, acknowledged on delivery: a result
/// is a notification, and a lost one is the caller's timeout, never a retry.
pub(crate) async fn consume_replies(
    channel: &Channel,
    queue: &str,
) -> Result<Consumer, ClientError> {
    let consumer = channel
        .basic_consume(
            queue.into(),
            "".into(),
            BasicConsumeOptions {
                no_ack: true,
                ..BasicConsumeOptions::default()
            },
            FieldTable::default(),
        )
        .await?;
    Ok(consumer)
}
