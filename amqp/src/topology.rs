//! The queues and exchange a pool needs, declared idempotently so any number of
//! workers (and restarts) can race to declare them, and looking at a queue without
//! declaring it.

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::protocol::AMQPSoftError;
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Channel, Connection, ExchangeKind};
use warren_wire::{DEAD_LETTER_EXCHANGE, DELIVERY_LIMIT, dead_letter_queue};

/// Arguments of a pool's jobs queue, exactly as PROTOCOL.md lists them.
pub fn jobs_queue_arguments(queue: &str) -> FieldTable {
    let mut args = FieldTable::default();
    args.insert(
        "x-queue-type".into(),
        AMQPValue::LongString("quorum".into()),
    );
    args.insert(
        "x-delivery-limit".into(),
        AMQPValue::LongLongInt(DELIVERY_LIMIT),
    );
    args.insert(
        "x-dead-letter-exchange".into(),
        AMQPValue::LongString(DEAD_LETTER_EXCHANGE.into()),
    );
    args.insert(
        "x-dead-letter-routing-key".into(),
        AMQPValue::LongString(queue.into()),
    );
    args.insert(
        "x-dead-letter-strategy".into(),
        AMQPValue::LongString("at-least-once".into()),
    );
    args.insert(
        "x-overflow".into(),
        AMQPValue::LongString("reject-publish".into()),
    );
    args
}

/// Arguments of a pool's dead-letter queue.
pub fn dead_letter_queue_arguments() -> FieldTable {
    let mut args = FieldTable::default();
    args.insert(
        "x-queue-type".into(),
        AMQPValue::LongString("quorum".into()),
    );
    args
}

/// Declares the dead-letter exchange, the jobs queue and its dead-letter queue.
pub async fn declare(channel: &Channel, queue: &str) -> lapin::Result<()> {
    let durable = QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    };
    channel
        .exchange_declare(
            DEAD_LETTER_EXCHANGE.into(),
            ExchangeKind::Direct,
            ExchangeDeclareOptions {
                durable: true,
                ..ExchangeDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await?;
    channel
        .queue_declare(queue.into(), durable, jobs_queue_arguments(queue))
        .await?;
    let dead = dead_letter_queue(queue);
    channel
        .queue_declare(dead.as_str().into(), durable, dead_letter_queue_arguments())
        .await?;
    channel
        .queue_bind(
            dead.as_str().into(),
            DEAD_LETTER_EXCHANGE.into(),
            queue.into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await?;
    Ok(())
}

/// Declares a pool's backlog queues (fair shares): jobs queues like `queue` itself,
/// whose dead letters go to `queue`'s dead-letter queue.
pub async fn declare_backlogs(
    channel: &Channel,
    queue: &str,
    backlogs: &[String],
) -> lapin::Result<()> {
    let durable = QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    };
    for backlog in backlogs {
        channel
            .queue_declare(
                backlog.as_str().into(),
                durable,
                jobs_queue_arguments(queue),
            )
            .await?;
    }
    Ok(())
}

/// Declares a pool's quarantine stream: a durable stream every worker of the pool
/// reads from a point in time, kept for a week and at most 64 MiB. Every declarer
/// must give these same arguments.
pub async fn declare_quarantine_stream(channel: &Channel, queue: &str) -> lapin::Result<()> {
    let mut args = FieldTable::default();
    args.insert(
        "x-queue-type".into(),
        AMQPValue::LongString("stream".into()),
    );
    args.insert("x-max-age".into(), AMQPValue::LongString("7D".into()));
    args.insert(
        "x-max-length-bytes".into(),
        AMQPValue::LongLongInt(64 << 20),
    );
    args.insert(
        "x-stream-max-segment-size-bytes".into(),
        AMQPValue::LongLongInt(8 << 20),
    );
    channel
        .queue_declare(
            warren_wire::quarantine_stream(queue).as_str().into(),
            QueueDeclareOptions {
                durable: true,
                ..QueueDeclareOptions::default()
            },
            args,
        )
        .await?;
    Ok(())
}

/// A queue as the broker reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueState {
    /// Messages ready for delivery.
    pub messages: u32,
    pub consumers: u32,
}

/// Looks at `queue` with a passive declare on a channel of its own (the broker closes
/// the channel when the queue is missing): its state, or `None` when it does not exist.
pub async fn inspect(connection: &Connection, queue: &str) -> lapin::Result<Option<QueueState>> {
    let channel = connection.create_channel().await?;
    let declared = channel
        .queue_declare(
            queue.into(),
            QueueDeclareOptions {
                passive: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await;
    let _ = channel.close(200, "OK".into()).await;
    match declared {
        Ok(queue) => Ok(Some(QueueState {
            messages: queue.message_count(),
            consumers: queue.consumer_count(),
        })),
        Err(err) if crate::is_channel_error(&err, AMQPSoftError::NOTFOUND) => Ok(None),
        Err(err) => Err(err),
    }
}
