//! Fair shares across the fleet: a tenant's jobs beyond its share of a worker are
//! moved from the pool's jobs queue to one of the pool's backlog queues (chosen by a
//! hash of the tenant), which every worker also consumes, a few jobs at a time.
//!
//! The jobs queue therefore stays short however many jobs one tenant enqueues: a job
//! of another tenant is near its head, reaches a worker at once, and is admitted
//! before the flooding tenant's next job (see `admission`). Producers publish as
//! PROTOCOL.md says; only workers know of the backlog queues. A job is moved at most
//! once, keeps its properties and headers, and carries `x-warren-moved` (its earlier
//! deliveries) so its `attempt` keeps counting. See docs/scaling.md.

use lapin::message::Delivery;
use lapin::types::{AMQPValue, ShortString};
use lapin::{BasicProperties, Channel};
use warren_amqp::envelope::Envelope;
use warren_amqp::publish::{Published, publish_mandatory};

/// The pool's backlog queues, and the share of a worker each tenant keeps.
pub struct Backlogs {
    queues: Vec<String>,
    /// Jobs of one tenant a worker holds before it moves the next ones.
    share: usize,
}

impl Backlogs {
    /// `queues` must not be empty.
    pub fn new(queues: Vec<String>, share: usize) -> Backlogs {
        Backlogs {
            queues,
            share: share.max(1),
        }
    }

    pub fn queues(&self) -> &[String] {
        &self.queues
    }

    /// Jobs of one tenant a worker keeps before it moves the next ones.
    pub fn share(&self) -> usize {
        self.share
    }

    /// The backlog queue of `tenant`: the same one in every worker.
    pub fn queue_for(&self, tenant: &str) -> &str {
        let index = fnv1a(tenant.as_bytes()) % self.queues.len().max(1) as u64;
        self.queues
            .get(usize::try_from(index).unwrap_or(0))
            .map_or("", String::as_str)
    }
}

/// Publishes the delivery's job to the backlog queue `to`, with its properties and
/// headers, and waits for the confirm (the channel is in confirm mode).
pub async fn move_job(
    channel: &Channel,
    delivery: &Delivery,
    envelope: &Envelope,
    to: &str,
) -> lapin::Result<Published> {
    let properties = moved_properties(&delivery.properties, envelope.attempt);
    let routing_key = ShortString::try_new(to.to_owned()).unwrap_or_else(|_| "".into());
    publish_mandatory(channel, routing_key, &delivery.data, properties).await
}

/// The job's properties as moved: the broker's delivery counts are dropped (the
/// backlog queue counts its own), and `x-warren-moved` records the deliveries so far
/// but this one, which only moved it.
fn moved_properties(properties: &BasicProperties, attempt: u32) -> BasicProperties {
    let mut headers = properties.headers().clone().unwrap_or_default();
    let mut table = headers.inner().clone();
    table.remove("x-delivery-count");
    table.remove("x-acquired-count");
    table.insert(
        warren_wire::MOVED_HEADER.into(),
        AMQPValue::LongLongInt(i64::from(attempt.saturating_sub(1))),
    );
    headers = table.into();
    properties.clone().with_headers(headers)
}

/// FNV-1a, 64 bits: a stable hash, the same in every build and worker.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use lapin::types::FieldTable;

    use super::*;

    #[test]
    fn a_tenant_has_one_backlog_queue_in_every_worker() {
        let backlogs = Backlogs::new(warren_wire::backlog_queues("q", 4), 2);
        assert_eq!(backlogs.queue_for("acme"), backlogs.queue_for("acme"));
        // The hash is fixed: workers of different builds agree.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        let used: std::collections::HashSet<&str> = (0..64)
            .map(|n| backlogs.queue_for(&format!("tenant-{n}")))
            .collect();
        assert_eq!(used.len(), 4, "tenants spread over every backlog queue");
    }

    #[test]
    fn a_moved_job_counts_its_deliveries_but_not_the_broker_counts() {
        let mut table = FieldTable::default();
        table.insert("x-delivery-count".into(), AMQPValue::LongLongInt(2));
        table.insert("x-warren-tenant".into(), AMQPValue::LongString("t".into()));
        let original = BasicProperties::default()
            .with_message_id("job-1".into())
            .with_headers(table);
        let moved = moved_properties(&original, 3);
        let headers = moved.headers().clone().unwrap_or_default();
        let headers = headers.inner();
        assert!(!headers.contains_key("x-delivery-count"));
        assert_eq!(
            headers.get(warren_wire::MOVED_HEADER),
            Some(&AMQPValue::LongLongInt(2))
        );
        assert!(headers.contains_key("x-warren-tenant"));
        assert_eq!(moved.message_id(), original.message_id());
    }
}
