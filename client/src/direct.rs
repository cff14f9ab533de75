//! One job, and (if asked) its result, over a connection of its own: what a tool such
//! as `warren submit` needs.
//!
//! Waiting uses RabbitMQ's direct reply-to (`amq.rabbitmq.reply-to`): no queue to
//! declare or delete, at the price of at-most-once replies (a result is dropped if
//! this process disconnects first), which suits an interactive wait. Backends use
//! [`crate::Client::call`], whose reply queue they own.

use std::time::Duration;

use futures_lite::StreamExt;
use lapin::Connection;
use lapin::options::ConfirmSelectOptions;
use warren_amqp::brokers::Brokers;
use warren_wire::JobResult;

use crate::error::ClientError;
use crate::publish::publish_job;
use crate::results::consume_replies;

const DIRECT_REPLY_TO: &str = "amq.rabbitmq.reply-to";

/// Publishes `body` to `queue` as job `job_id` and, with `wait`, waits that long for
/// its result (`None` without `wait`), for `tenant` (the default tenant when `None`). `amqp_url` may list several brokers, separated
/// by commas: the first that answers, from a random one on, is used.
pub async fn submit(
    amqp_url: &str,
    queue: &str,
    job_id: &str,
    body: &[u8],
    wait: Option<Duration>,
    tenant: Option<&str>,
) -> Result<Option<JobResult>, ClientError> {
    let brokers = Brokers::parse(&[amqp_url]).map_err(ClientError::InvalidUrl)?;
    let (_, connection) = brokers
        .connect(brokers.random_start(), "warren")
        .await
        .map_err(|failed| ClientError::Unreachable {
            url: failed.address,
            cause: failed.error,
        })?;
    let result = submit_on(&connection, queue, job_id, body, wait, tenant).await;
    let _ = connection.close(200, "OK".into()).await;
    result
}

async fn submit_on(
    connection: &Connection,
    queue: &str,
    job_id: &str,
    body: &[u8],
    wait: Option<Duration>,
    tenant: Option<&str>,
) -> Result<Option<JobResult>, ClientError> {
    let channel = connection.create_channel().await?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    let Some(wait) = wait else {
        publish_job(&channel, queue, job_id, body, None, tenant).await?;
        return Ok(None);
    };
    // Direct reply-to needs the consumer first, on the publishing channel.
    let mut replies = consume_replies(&channel, DIRECT_REPLY_TO).await?;
    publish_job(&channel, queue, job_id, body, Some(DIRECT_REPLY_TO), tenant).await?;
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let next = tokio::time::timeout_at(deadline, replies.next()).await;
        let delivery = match next {
            Err(_) | Ok(None) => return Err(ClientError::Timeout(wait)),
            Ok(Some(delivery)) => delivery?,
        };
        let result: JobResult =
            serde_json::from_slice(&delivery.data).map_err(ClientError::BadResult)?;
        // Results are at-least-once: ignore anything that is not ours.
        if result.job_id == job_id {
            return Ok(Some(result));
        }
    }
}
