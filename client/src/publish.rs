//! How a job is published: persistent, `mandatory` (a missing jobs queue is an error,
//! not a silent loss) and confirmed by the broker, with the job id as both
//! `message_id` and `correlation_id`.

use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel};
use warren_amqp::publish::{Published, publish_mandatory, timestamp_now};

use crate::error::ClientError;

/// Publishes one job body to `queue` and checks the broker's confirm. The channel must
/// be in confirm mode.
pub async fn publish_job(
    channel: &Channel,
    queue: &str,
    job_id: &str,
    body: &[u8],
    reply_to: Option<&str>,
    tenant: Option<&str>,
) -> Result<(), ClientError> {
    let mut properties = BasicProperties::default()
        .with_content_type(warren_wire::JSON_CONTENT_TYPE.into())
        .with_delivery_mode(2)
        .with_message_id(short(job_id)?)
        .with_correlation_id(short(job_id)?)
        .with_timestamp(timestamp_now());
    if let Some(reply_to) = reply_to {
        properties = properties.with_reply_to(short(reply_to)?);
    }
    if let Some(tenant) = tenant {
        if tenant.len() > warren_wire::MAX_TENANT_BYTES {
            return Err(ClientError::InvalidName(tenant.to_owned()));
        }
        let mut headers = FieldTable::default();
        headers.insert(
            warren_wire::TENANT_HEADER.into(),
            AMQPValue::LongString(tenant.into()),
        );
        properties = properties.with_headers(headers);
    }
    match publish_mandatory(channel, short(queue)?, body, properties).await? {
        Published::Confirmed => Ok(()),
        Published::Returned(_) => Err(ClientError::NoRoute(queue.to_owned())),
        Published::Nacked => Err(ClientError::Refused),
    }
}

fn short(value: &str) -> Result<ShortString, ClientError> {
    ShortString::try_new(value.to_owned()).map_err(|_| ClientError::InvalidName(value.to_owned()))
}
