//! Everything AMQP: connecting, declaring the topology, reading deliveries and
//! publishing results with confirms. It knows nothing of the sandbox.

pub mod acks;
pub mod delivery;
pub mod publish;
pub mod topology;

use std::time::Duration;

use lapin::{Connection, ConnectionProperties};

/// Opens a connection named after the worker (lapin sets TCP_NODELAY on its socket).
pub async fn connect(url: &str, name: &str) -> lapin::Result<Connection> {
    let properties = ConnectionProperties::default().with_connection_name(name.into());
    Connection::connect(url, properties).await
}

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
