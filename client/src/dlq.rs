//! `warren dlq`: what is in a pool's dead-letter queue, and putting jobs back.
//!
//! A quorum queue cannot be read without taking what is read, and every message taken
//! and handed back unacknowledged counts towards the queue's delivery limit; from
//! RabbitMQ 4.0 a quorum queue without one has 20, and the dead-letter queue has no
//! dead-letter target of its own, so browsing that way would, after enough looks,
//! drop dead jobs. Browsing here takes each message that was in the queue when it
//! began, publishes it again behind the others (same body and properties, confirmed)
//! and only then acknowledges it (a batch at a time): one full pass leaves the queue
//! in its order, with nothing counted against any job, for the cost of a pass over
//! the whole queue. A browse cut short leaves at most a batch twice, never none.

use std::time::Duration;

use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicGetOptions, BasicPublishOptions, ConfirmSelectOptions, QueuePurgeOptions,
};
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
    /// Its `x-warren-tenant`, kept when it is requeued.
    pub tenant: Option<String>,
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
            tenant: headers::get(props, warren_wire::TENANT_HEADER).and_then(headers::text),
            body: delivery.data.clone(),
        }
    }
}

/// Lists up to `limit` dead-lettered jobs of `jobs_queue`, leaving every job in the
/// queue, in its order (a full pass: see the module's notes).
pub async fn list(
    connection: &Connection,
    jobs_queue: &str,
    limit: usize,
) -> Result<Vec<DeadJob>, ClientError> {
    let channel = connection.create_channel().await?;
    let publisher = confirming(connection).await?;
    let dead = dead_letter_queue(jobs_queue);
    let mut jobs = Vec::new();
    let mut pass = Pass::default();
    let mut taken = Vec::new();
    while let Some(delivery) = pass.next(&channel, &dead).await? {
        if jobs.len() < limit {
            jobs.push(DeadJob::of(&delivery));
        }
        taken.push(delivery);
        if taken.len() == BATCH {
            put_back(&publisher, &dead, &mut taken).await?;
        }
    }
    put_back(&publisher, &dead, &mut taken).await?;
    let _ = channel.close(200, "OK".into()).await;
    let _ = publisher.close(200, "OK".into()).await;
    Ok(jobs)
}

/// One pass over the messages a queue held when the pass began.
#[derive(Default)]
struct Pass {
    /// Messages still to take (known from the first `basic.get`).
    left: Option<u32>,
}

impl Pass {
    async fn next(
        &mut self,
        channel: &Channel,
        queue: &str,
    ) -> Result<Option<Delivery>, ClientError> {
        if self.left == Some(0) {
            return Ok(None);
        }
        let Some(message) = channel
            .basic_get(queue.into(), BasicGetOptions { no_ack: false })
            .await?
        else {
            return Ok(None);
        };
        let left = self
            .left
            .get_or_insert(message.message_count.saturating_add(1));
        *left -= 1;
        Ok(Some(message.delivery))
    }
}

/// How many browsed messages are put back at once: their copies are published
/// together and confirmed before the originals are acknowledged, so a pass costs a
/// round trip per batch rather than per message.
const BATCH: usize = 256;

/// Publishes each of `taken` again to the back of `queue` and, once the broker has
/// confirmed every copy, acknowledges the originals. A copy's priority is cleared:
/// on a queue that orders by priority (RabbitMQ 4.x quorum queues) it would otherwise
/// overtake originals the pass has yet to take.
async fn put_back(
    publisher: &Channel,
    queue: &str,
    taken: &mut Vec<Delivery>,
) -> Result<(), ClientError> {
    let options = BasicPublishOptions {
        mandatory: true,
        ..BasicPublishOptions::default()
    };
    let mut confirms = Vec::with_capacity(taken.len());
    for delivery in taken.iter() {
        let properties = delivery
            .properties
            .clone()
            .with_delivery_mode(2)
            .with_priority(0);
        confirms.push(
            publisher
                .basic_publish("".into(), queue.into(), options, &delivery.data, properties)
                .await?,
        );
    }
    for confirm in confirms {
        let confirmation = confirm.await?;
        if !confirmation.is_ack() {
            return Err(ClientError::Refused);
        }
        if confirmation.take_message().is_some() {
            return Err(ClientError::NoRoute(queue.to_owned()));
        }
    }
    for delivery in taken.drain(..) {
        delivery.ack(BasicAckOptions::default()).await?;
    }
    Ok(())
}

async fn confirming(connection: &Connection) -> Result<Channel, ClientError> {
    let channel = connection.create_channel().await?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    Ok(channel)
}

/// Moves dead-lettered jobs (one id, or all when `id` is `None`) back onto the jobs
/// queue, as new messages with the same body and id. Returns how many moved.
pub async fn requeue(
    connection: &Connection,
    jobs_queue: &str,
    id: Option<&str>,
) -> Result<usize, ClientError> {
    let channel = connection.create_channel().await?;
    let publisher = confirming(connection).await?;
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
    let mut pass = Pass::default();
    let mut taken = Vec::new();
    while let Some(delivery) = pass.next(channel, &dead).await? {
        let job = DeadJob::of(&delivery);
        // One id moves once; the others stay, put back in their order.
        if id.is_some_and(|id| id != job.job_id || moved > 0) {
            taken.push(delivery);
            if taken.len() == BATCH {
                put_back(publisher, &dead, &mut taken).await?;
            }
            continue;
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
            job.tenant.as_deref(),
        )
        .await?;
        delivery.ack(BasicAckOptions::default()).await?;
        moved += 1;
    }
    put_back(publisher, &dead, &mut taken).await?;
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
