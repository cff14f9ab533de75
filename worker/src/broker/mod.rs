//! The worker's connection to the broker: reconnecting with backoff and declaring each
//! pool's topology on a fresh connection. The AMQP conventions themselves (topology,
//! publishing, envelopes, acks) are `warren-amqp`'s; nothing here knows the sandbox.

use std::time::Duration;

use lapin::Connection;
use lapin::protocol::AMQPSoftError;
use tracing::warn;
use warren_amqp::topology;

/// Capped exponential backoff with jitter: 100 ms, 200 ms, ... up to 10 s, each ±25 %.
pub fn backoff(attempt: u32) -> Duration {
    let base = 100u64.saturating_mul(1u64 << attempt.min(7)).min(10_000);
    let mut byte = [0u8; 1];
    let jitter = match getrandom::fill(&mut byte) {
        Ok(()) => f64::from(byte[0]) / 255.0 * 0.5 - 0.25,
        Err(_) => 0.0,
    };
    Duration::from_millis((base as f64 * (1.0 + jitter)) as u64)
}

/// Declares a pool's topology on its own channel, with its backlog queues (when it
/// has them). A jobs
/// queue that already exists with other arguments is used as it is (with a warning)
/// rather than refused.
pub async fn declare_topology(
    connection: &Connection,
    queue: &str,
    backlogs: &[String],
) -> lapin::Result<()> {
    if !backlogs.is_empty() {
        let channel = connection.create_channel().await?;
        topology::declare_backlogs(&channel, queue, backlogs).await?;
        let _ = channel.close(200, "OK".into()).await;
    }
    let channel = connection.create_channel().await?;
    match topology::declare(&channel, queue).await {
        Ok(()) => {
            let _ = channel.close(200, "OK".into()).await;
            Ok(())
        }
        Err(err) if warren_amqp::is_channel_error(&err, AMQPSoftError::PRECONDITIONFAILED) => {
            warn!(queue, cause = %err, "Jobs queue exists with other arguments; using it as it is.");
            match topology::inspect(connection, queue).await? {
                Some(_) => Ok(()),
                None => Err(err),
            }
        }
        Err(err) => Err(err),
    }
}

/// Declares a pool's quarantine stream on its own channel.
pub async fn declare_quarantine_stream(connection: &Connection, queue: &str) -> lapin::Result<()> {
    let channel = connection.create_channel().await?;
    topology::declare_quarantine_stream(&channel, queue).await?;
    let _ = channel.close(200, "OK".into()).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!(backoff(0) <= Duration::from_millis(125));
        assert!(backoff(3) >= Duration::from_millis(600));
        for attempt in 0..100 {
            assert!(backoff(attempt) <= Duration::from_millis(12_500));
        }
    }
}
