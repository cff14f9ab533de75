//! Publishing through the default exchange, persistent and mandatory, and learning
//! what the broker did with the message (the channel is in confirm mode).

use lapin::options::BasicPublishOptions;
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel, Confirmation};
use warren_wire::JSON_CONTENT_TYPE;

use crate::envelope::Envelope;

/// What became of a published message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// The broker routed and confirmed it.
    Confirmed,
    /// The broker had no queue for it (mandatory return).
    Returned(String),
    /// The broker refused it.
    Nacked,
}

/// Publishes `body` through the default exchange to the queue `routing_key`,
/// mandatory, and waits for the broker's answer (the channel must be in confirm mode).
pub async fn publish_mandatory(
    channel: &Channel,
    routing_key: ShortString,
    body: &[u8],
    properties: BasicProperties,
) -> lapin::Result<Published> {
    let confirm = channel
        .basic_publish(
            "".into(),
            routing_key,
            BasicPublishOptions {
                mandatory: true,
                ..BasicPublishOptions::default()
            },
            body,
            properties,
        )
        .await?
        .await?;
    Ok(match confirm {
        Confirmation::Ack(None) | Confirmation::NotRequested => Published::Confirmed,
        Confirmation::Ack(Some(returned)) => Published::Returned(returned.reply_text.to_string()),
        Confirmation::Nack(_) => Published::Nacked,
    })
}

/// Publishes a job's result `body` to `reply_to`, persistent and mandatory, with the
/// job's ids and trace, and waits for the confirm. A `reply_to` that cannot be a
/// queue name is reported as returned: no queue could take it.
pub async fn publish_result(
    channel: &Channel,
    reply_to: &str,
    envelope: &Envelope,
    body: &[u8],
) -> lapin::Result<Published> {
    let mut properties = BasicProperties::default()
        .with_content_type(JSON_CONTENT_TYPE.into())
        .with_delivery_mode(2)
        .with_timestamp(timestamp_now());
    if let Ok(id) = ShortString::try_new(envelope.job_id.clone()) {
        properties = properties.with_message_id(id);
    }
    if let Some(correlation_id) = &envelope.correlation_id
        && let Ok(id) = ShortString::try_new(correlation_id.clone())
    {
        properties = properties.with_correlation_id(id);
    }
    if let Some(trace) = &envelope.trace {
        let mut headers = FieldTable::default();
        headers.insert(
            "traceparent".into(),
            AMQPValue::LongString(trace.to_string().into()),
        );
        properties = properties.with_headers(headers);
    }
    let Ok(routing_key) = ShortString::try_new(reply_to.to_owned()) else {
        return Ok(Published::Returned(format!(
            "reply_to {reply_to:?} is not a valid queue name"
        )));
    };
    publish_mandatory(channel, routing_key, body, properties).await
}

/// Now, in seconds since the epoch: the AMQP `timestamp` property.
pub fn timestamp_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
