//! What a consumer reads off a job's delivery besides its body.

use lapin::BasicProperties;
use lapin::message::Delivery;
use warren_wire::ids::new_job_id;

use crate::headers;
use crate::trace_context::TraceParent;

/// A job's envelope: identity, routing for its result, and timing.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// The job's id; a new one for a job that carries neither id.
    pub job_id: String,
    pub correlation_id: Option<String>,
    /// Where the result goes; `None` when absent or empty.
    pub reply_to: Option<String>,
    pub content_type: Option<String>,
    /// Which delivery of this job this is, from 1.
    pub attempt: u32,
    pub redelivered: bool,
    /// Seconds since the epoch, from the AMQP `timestamp` property.
    pub timestamp: Option<u64>,
    /// The producer's trace context, when the job carries a valid `traceparent`.
    pub trace_parent: Option<TraceParent>,
    /// The job's own span in that trace (a child of `trace_parent`), passed on in the
    /// result's `traceparent` header.
    pub trace: Option<TraceParent>,
    /// The `x-warren-tenant` header; "" for the default tenant (no header, or one
    /// that is not a string of at most 255 bytes).
    pub tenant: String,
    /// Whether a worker moved the job to a backlog queue (it is never moved again).
    pub moved: bool,
}

impl Envelope {
    pub fn of(delivery: &Delivery) -> Envelope {
        let props = &delivery.properties;
        let reply_to = props
            .reply_to()
            .as_ref()
            .map(|s| s.as_str().to_owned())
            .filter(|s| !s.is_empty());
        // A moved job's earlier deliveries, in the queue it was moved from.
        let before_move = headers::get(props, warren_wire::MOVED_HEADER).and_then(headers::count);
        let attempt = attempt(props, delivery.redelivered).saturating_add(
            before_move.map_or(0, |count| u32::try_from(count).unwrap_or(u32::MAX)),
        );
        let trace_parent = headers::get(props, "traceparent")
            .and_then(headers::text)
            .and_then(|text| TraceParent::parse(&text));
        let trace = trace_parent.as_ref().map(TraceParent::child);
        Envelope {
            job_id: headers::job_id(props).unwrap_or_else(new_job_id),
            correlation_id: props
                .correlation_id()
                .as_ref()
                .map(|s| s.as_str().to_owned()),
            reply_to,
            content_type: props.content_type().as_ref().map(|s| s.as_str().to_owned()),
            attempt,
            redelivered: delivery.redelivered || attempt > 1,
            timestamp: *props.timestamp(),
            trace_parent,
            trace,
            tenant: tenant(props),
            moved: before_move.is_some(),
        }
    }
}

/// The job's tenant: its `x-warren-tenant` header when that is a string of at most
/// 255 bytes, else "" (the default tenant).
fn tenant(props: &BasicProperties) -> String {
    headers::get(props, warren_wire::TENANT_HEADER)
        .and_then(headers::text)
        .filter(|name| name.len() <= warren_wire::MAX_TENANT_BYTES)
        .unwrap_or_default()
}

/// Which delivery of its job this is (1 for the first). Quorum queues count earlier
/// deliveries in `x-delivery-count`; from RabbitMQ 4.3 that counts only failed
/// deliveries, and `x-acquired-count` every one.
fn attempt(props: &BasicProperties, redelivered: bool) -> u32 {
    let count = |name| headers::get(props, name).and_then(headers::count);
    let earlier = match (count("x-acquired-count"), count("x-delivery-count")) {
        (Some(acquired), Some(failed)) => Some(acquired.max(failed)),
        (acquired, failed) => acquired.or(failed),
    };
    match earlier {
        Some(count) => u32::try_from(count.saturating_add(1)).unwrap_or(u32::MAX),
        None if redelivered => 2,
        None => 1,
    }
}

#[cfg(test)]
mod tests {
    use lapin::types::{AMQPValue, FieldTable};

    use super::*;

    fn with(headers: &[(&str, i64)]) -> BasicProperties {
        let mut table = FieldTable::default();
        for (name, value) in headers {
            table.insert((*name).into(), AMQPValue::LongLongInt(*value));
        }
        BasicProperties::default().with_headers(table)
    }

    #[test]
    fn the_tenant_is_a_short_string_header_or_the_default() {
        let named = |value: AMQPValue| {
            let mut table = FieldTable::default();
            table.insert(warren_wire::TENANT_HEADER.into(), value);
            tenant(&BasicProperties::default().with_headers(table))
        };
        assert_eq!(tenant(&BasicProperties::default()), "");
        assert_eq!(named(AMQPValue::LongString("acme".into())), "acme");
        assert_eq!(named(AMQPValue::LongLongInt(7)), "");
        assert_eq!(named(AMQPValue::LongString("x".repeat(256).into())), "");
    }

    #[test]
    fn attempts_count_every_earlier_delivery_on_every_broker_line() {
        assert_eq!(attempt(&BasicProperties::default(), false), 1);
        assert_eq!(attempt(&BasicProperties::default(), true), 2);
        // RabbitMQ 3.x and 4.0-4.2.
        assert_eq!(attempt(&with(&[("x-delivery-count", 2)]), true), 3);
        // 4.3: a nacked return is acquired but not a failed delivery.
        assert_eq!(attempt(&with(&[("x-acquired-count", 4)]), true), 5);
        assert_eq!(
            attempt(
                &with(&[("x-acquired-count", 4), ("x-delivery-count", 1)]),
                true
            ),
            5
        );
    }
}
