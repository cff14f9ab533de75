//! `warren quarantine`: the codes a pool refuses, read from its quarantine stream, and
//! releasing one. The rules are `warren_wire::quarantine`'s.
//!
//! A stream does not say where it ends, so a listing first appends a `mark` event of
//! its own, then reads the stream from its start until it meets that mark.

use std::time::Duration;

use futures_lite::StreamExt;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicQosOptions, ConfirmSelectOptions};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel, Connection};
use warren_amqp::publish::{Published, publish_mandatory};
use warren_amqp::topology;
use warren_wire::ids::new_job_id;
use warren_wire::quarantine::{Ledger, Quarantine, QuarantineEvent, now_ms};
use warren_wire::quarantine_stream;

use crate::error::ClientError;

/// How long a listing reads before it gives up on meeting its mark.
const READ_WITHIN: Duration = Duration::from_secs(60);

/// The codes the pool of `jobs_queue` refuses now, the longest-lasting first.
pub async fn list(
    connection: &Connection,
    jobs_queue: &str,
) -> Result<Vec<(String, Quarantine)>, ClientError> {
    let stream = existing_stream(connection, jobs_queue).await?;
    let channel = connection.create_channel().await?;
    let listed = read_to_mark(&channel, &stream).await;
    let _ = channel.close(200, "OK".into()).await;
    Ok(listed?.list(now_ms()))
}

/// Releases `code` (a fingerprint: 64 hex digits): every worker of the pool runs it
/// again. Says whether it was quarantined.
pub async fn release(
    connection: &Connection,
    jobs_queue: &str,
    code: &str,
) -> Result<bool, ClientError> {
    if code.len() != 64 || !code.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ClientError::InvalidName(format!(
            "{code} is not a code fingerprint (64 hex digits, as `warren quarantine list` shows)"
        )));
    }
    let code = code.to_ascii_lowercase();
    let quarantined = list(connection, jobs_queue)
        .await?
        .iter()
        .any(|(listed, _)| *listed == code);
    let channel = connection.create_channel().await?;
    let released = append(
        &channel,
        &quarantine_stream(jobs_queue),
        &QuarantineEvent::Release {
            code,
            at_ms: now_ms(),
        },
    )
    .await;
    let _ = channel.close(200, "OK".into()).await;
    released.map(|()| quarantined)
}

/// The pool's stream, if a worker with quarantine on declared it.
async fn existing_stream(connection: &Connection, jobs_queue: &str) -> Result<String, ClientError> {
    let stream = quarantine_stream(jobs_queue);
    match topology::inspect(connection, &stream).await? {
        Some(_) => Ok(stream),
        None => Err(ClientError::NoRoute(stream)),
    }
}

/// Reads `stream` from its start into a ledger, up to a mark appended first.
async fn read_to_mark(channel: &Channel, stream: &str) -> Result<Ledger, ClientError> {
    let mark = new_job_id();
    append(channel, stream, &QuarantineEvent::Mark { id: mark.clone() }).await?;
    channel.basic_qos(512, BasicQosOptions::default()).await?;
    let mut args = FieldTable::default();
    args.insert(
        "x-stream-offset".into(),
        AMQPValue::LongString("first".into()),
    );
    let mut consumer = channel
        .basic_consume(
            stream.into(),
            ShortString::from(""),
            BasicConsumeOptions::default(),
            args,
        )
        .await?;
    let mut ledger = Ledger::new(None);
    let reading = async {
        while let Some(delivery) = consumer.next().await {
            let delivery = delivery?;
            delivery.ack(BasicAckOptions::default()).await?;
            match serde_json::from_slice::<QuarantineEvent>(&delivery.data) {
                Ok(QuarantineEvent::Mark { id }) if id == mark => return Ok(()),
                Ok(event) => {
                    ledger.apply(event, now_ms());
                }
                Err(_) => {}
            }
        }
        Ok::<(), ClientError>(())
    };
    match tokio::time::timeout(READ_WITHIN, reading).await {
        Ok(read) => read.map(|()| ledger),
        Err(_) => Err(ClientError::Timeout(READ_WITHIN)),
    }
}

/// Appends `event` to `stream`, confirmed.
async fn append(
    channel: &Channel,
    stream: &str,
    event: &QuarantineEvent,
) -> Result<(), ClientError> {
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    let body = serde_json::to_vec(event).map_err(ClientError::BadResult)?;
    let properties = BasicProperties::default()
        .with_content_type(warren_wire::JSON_CONTENT_TYPE.into())
        .with_delivery_mode(2);
    match publish_mandatory(channel, stream.into(), &body, properties).await? {
        Published::Confirmed => Ok(()),
        Published::Returned(_) => Err(ClientError::NoRoute(stream.to_owned())),
        Published::Nacked => Err(ClientError::Refused),
    }
}
