//! Publishing a result to its `reply_to` queue and learning what the broker did with it.

use lapin::options::BasicPublishOptions;
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Confirmation};
use warren_wire::JSON_CONTENT_TYPE;

use super::delivery::Envelope;

/// What became of a published result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// The broker routed and confirmed it.
    Confirmed,
    /// The broker had no queue for it (mandatory return); it is lost, by design.
    Returned(String),
    /// The broker refused it; the job should be retried.
    Nacked,
}

/// Publishes `body` persistently and mandatorily to `reply_to`, and waits for the confirm.
pub async fn publish_result(
    channel: &Channel,
    reply_to: &str,
    envelope: &Envelope,
    body: &[u8],
) -> lapin::Result<Published> {
    let mut properties = BasicProperties::default()
        .with_content_type(JSON_CONTENT_TYPE.into())
        .with_delivery_mode(2)
        .with_timestamp(now_secs());
    if let Ok(id) = lapin::types::ShortString::try_new(envelope.job_id.clone()) {
        properties = properties.with_message_id(id);
    }
    if let Some(correlation_id) = &envelope.correlation_id
        && let Ok(id) = lapin::types::ShortString::try_new(correlation_id.clone())
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
    let Ok(routing_key) = lapin::types::ShortString::try_new(reply_to.to_owned()) else {
        return Ok(Published::Returned(format!(
            "reply_to {reply_to:?} is not a valid queue name"
        )));
    };
    publish_mandatory(channel, routing_key, body, properties).await
}

/// Publishes `body` through the default exchange to the queue `routing_key`,
/// mandatory, and waits for the broker's answer (the channel must be in confirm mode).
pub async fn publish_mandatory(
    channel: &Channel,
    routing_key: lapin::types::ShortString,
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

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
