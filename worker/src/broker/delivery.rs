//! What the worker reads off a delivery besides its body.

use lapin::message::Delivery;
use lapin::types::AMQPValue;

use crate::trace_context::TraceParent;

/// A job's envelope: identity, routing for its result, and timing.
#[derive(Debug, Clone)]
pub struct Envelope {
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
}

impl Envelope {
    pub fn of(delivery: &Delivery) -> Envelope {
        let props = &delivery.properties;
        let correlation_id = props
            .correlation_id()
            .as_ref()
            .map(|s| s.as_str().to_owned());
        let message_id = props
            .message_id()
            .as_ref()
            .map(|s| s.as_str().to_owned())
            .filter(|s| !s.is_empty());
        let job_id = message_id
            .or_else(|| correlation_id.clone().filter(|s| !s.is_empty()))
            .unwrap_or_else(generated_id);
        let reply_to = props
            .reply_to()
            .as_ref()
            .map(|s| s.as_str().to_owned())
            .filter(|s| !s.is_empty());
        // Quorum queues count earlier deliveries in `x-delivery-count`.
        let earlier = header(delivery, "x-delivery-count").and_then(as_count);
        let attempt = match earlier {
            Some(count) => u32::try_from(count.saturating_add(1)).unwrap_or(u32::MAX),
            None if delivery.redelivered => 2,
            None => 1,
        };
        let trace_parent = header(delivery, "traceparent")
            .and_then(|v| match v {
                AMQPValue::LongString(s) => {
                    std::str::from_utf8(s.as_bytes()).ok().map(str::to_owned)
                }
                AMQPValue::ShortString(s) => Some(s.as_str().to_owned()),
                _ => None,
            })
            .and_then(|text| TraceParent::parse(&text));
        let trace = trace_parent.as_ref().map(TraceParent::child);
        Envelope {
            job_id,
            correlation_id,
            reply_to,
            content_type: props.content_type().as_ref().map(|s| s.as_str().to_owned()),
            attempt,
            redelivered: delivery.redelivered || earlier.is_some_and(|n| n > 0),
            timestamp: *props.timestamp(),
            trace_parent,
            trace,
        }
    }
}

fn header<'a>(delivery: &'a Delivery, name: &str) -> Option<&'a AMQPValue> {
    delivery.properties.headers().as_ref()?.inner().get(name)
}

fn as_count(value: &AMQPValue) -> Option<u64> {
    match value {
        AMQPValue::LongLongInt(n) => u64::try_from(*n).ok(),
        AMQPValue::LongInt(n) => u64::try_from(*n).ok(),
        AMQPValue::LongUInt(n) => Some(u64::from(*n)),
        AMQPValue::ShortInt(n) => u64::try_from(*n).ok(),
        AMQPValue::ShortUInt(n) => Some(u64::from(*n)),
        AMQPValue::Timestamp(n) => Some(*n),
        _ => None,
    }
}

/// A random job id (UUID v4 form) for jobs that carry neither id.
pub fn generated_id() -> String {
    crate::ids::uuid_v4().unwrap_or_else(|_| {
        // No OS randomness: the clock still makes ids unique enough to tell jobs apart.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        crate::ids::format_uuid_v4(nanos.to_le_bytes())
    })
}
