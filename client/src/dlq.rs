//! `warren dlq`: what is in a pool's dead-letter queue, and putting jobs back.
//!
//! Browsing takes messages with `basic.get` without acknowledging them and then closes
//! the channel, which returns them all to the dead-letter queue untouched.

use std::time::Duration;

use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicGetOptions, ConfirmSelectOptions, QueuePurgeOptions};
use lapin::{Channel, Connection};
use warren_amqp::headers;
use warren_wire::dead_letter_queue;
use warren_wire::ids::new_job_id;

use crate::error::ClientError;
use crate::publish::publish_job;

/// One dead-lettered job.
#[derive(Debug, Clone)]
pub struct DeadJob {
    pub job_id: String,
    /// Why it was dead-lettered first (`delivery_limit`, `expired`, `rejected`, ...).
    pub reason: String,
    /// Deliveries it had before it was dead-lettered.
    pub deliveries: u64,
    /// Time since it was published (or first dead-lettered, without a timestamp).
    pub age: Option<Duration>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

impl DeadJob {
    fn of(delivery: &Delivery) -> DeadJob {
        let props = &delivery.properties;
        let death = headers::first_death(props);
        let in_death = |field: &str| death.and_then(|d| d.inner().get(field));
        let reason = headers::get(props, "x-first-death-reason")
            .and_then(headers::text)
            .or_else(|| in_death("reason").and_then(headers::text))
            .unwrap_or_else(|| "unknown".to_owned());
        let deliveries = headers::get(props, "x-delivery-count")
            .and_then(headers::count)
            .or_else(|| in_death("count").and_then(headers::count))
            .unwrap_or(0);
        let now = warren_amqp::publish::timestamp_now();
        let since = props
            .timestamp()
            .or_else(|| in_death("time").and_then(headers::count));
        DeadJob {
            job_id: headers::job_id(props).unwrap_or_default(),
            reason,
            deliveries,
            age: since.map(|t| Duration::from_secs(now.saturating_sub(t))),
            content_type: props.content_type().as_ref().map(|s| s.as_str().to_owned()),
            body: delivery.data.clone(),
        }
    }
}

/// Lists up to `limit` dead-lettered jobs of `jobs_queue`, leaving them in place.
pub async fn list(
    connection: &Connection,
    jobs_queue: &str,
    limit: usize,
) -> Result<Vec<DeadJob>, ClientError> {
    let channel = connection.create_channel().await?;
    let dead = dead_letter_queue(jobs_queue);
    let mut jobs = Vec::new();
    while jobs.len() < limit {
        let Some(message) = channel
            .basic_get(dead.as_str().into(), BasicGetOptions { no_ack: false })
            .await?
        else {
            break;
        };
        jobs.push(DeadJob::of(&message.delivery));
    }
    // Closing the channel hands every unacknowledged message back.
    let _ = channel.close(200, "OK".into()).await;
    Ok(jobs)
}

/// Moves dead-lettered jobs (one id, or all when `id` is `None`) back onto the jobs
/// queue, as new messages with the same body and id. Returns how many moved.
pub async fn requeue(
    connection: &Connection,
    jobs_queue: &str,
    id: Option<&str>,
) -> Result<usize, ClientError> {
    let channel = connection.create_channel().await?;
    let publisher = connection.create_channel().await?;
    publisher
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    let moved = move_matching(&channel, &publisher, jobs_queue, id).await;
    let _ = channel.close(200, "OK".into()).await;
    let _ = publisher.close(200, "OK".into()).await;
    moved
}

async fn move_matching(
    channel: &Channel,
    publisher: &Channel,
    jobs_queue: &str,
    id: Option<&str>,
) -> Result<usize, ClientError> {
    let dead = dead_letter_queue(jobs_queue);
    let mut moved = 0;
    while let Some(message) = channel
        .basic_get(dead.as_str().into(), BasicGetOptions { no_ack: false })
        .await?
    {
        let delivery = message.delivery;
        let job = DeadJob::of(&delivery);
        if id.is_some_and(|id| id != job.job_id) {
            continue; // left unacked: returned when the channel closes
        }
        let job_id = if job.job_id.is_empty() {
            new_job_id()
        } else {
            job.job_id.clone()
        };
        let reply_to = delivery
            .properties
            .reply_to()
            .as_ref()
            .map(|s| s.as_str().to_owned());
        publish_job(
            publisher,
            jobs_queue,
            &job_id,
            &delivery.data,
            reply_to.as_deref(),
        )
        .await?;
        delivery.ack(BasicAckOptions::default()).await?;
        moved += 1;
        if id.is_some() {
            break;
        }
    }
    Ok(moved)
}

/// Deletes every message in the dead-letter queue; returns how many there were.
pub async fn purge(connection: &Connection, jobs_queue: &str) -> Result<u32, ClientError> {
    let channel = connection.create_channel().await?;
    let count = channel
        .queue_purge(
            dead_letter_queue(jobs_queue).as_str().into(),
            QueuePurgeOptions::default(),
        )
        .await?;
    let _ = channel.close(200, "OK".into()).await;
    Ok(count)
}
