//! A pool's quarantine: code whose jobs keep crashing their sandbox or being killed by
//! the watchdog is refused across the fleet for a cool-down (`quarantined`), so
//! broken code stops costing sandboxes and an attacker hunting for an engine bug
//! gets a few tries, not thousands.
//!
//! Workers share nothing but the pool's quarantine stream: each appends a strike when
//! a job breaks its sandbox, and each reads the stream into a [`Ledger`] that decides
//! the same as every other reader's. The rules are in `warren_wire::quarantine`.
//!
//! A worker reads the stream from a cool-down back when it starts, so it knows every
//! quarantine in force; what it reads before a mark it appended first is the past:
//! applied, but neither logged nor recorded again. After a lost connection it resumes
//! after the last offset it read, so no event is applied twice.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_lite::StreamExt;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicQosOptions};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel, Connection};
use sha2::{Digest, Sha256};
use tracing::warn;
use warren_amqp::publish::publish_mandatory;
pub use warren_wire::quarantine::now_ms;
use warren_wire::quarantine::{Decision, Ledger, QuarantineEvent, QuarantinePolicy};

use super::lock::lock;
use crate::events::{CodeQuarantined, QuarantineUnread};
use crate::metrics::Metrics;
use crate::sandbox::SandboxBreak;

/// The pool's view of its quarantine stream.
pub struct Quarantine {
    queue: String,
    stream: String,
    worker: String,
    policy: QuarantinePolicy,
    ledger: Mutex<Ledger>,
    /// The stream offset of the last event read, to resume after.
    read_up_to: Mutex<Option<u64>>,
    /// Whether the worker has read up to the present (its own first mark).
    caught_up: AtomicBool,
    /// False when the stream could not be declared: quarantine is off for this pool.
    available: AtomicBool,
    metrics: Arc<Metrics>,
}

/// How long a reader waits before it reads the stream again after losing it.
const REREAD_AFTER: Duration = Duration::from_secs(1);

impl Quarantine {
    pub fn new(
        queue: &str,
        worker: &str,
        policy: QuarantinePolicy,
        metrics: Arc<Metrics>,
    ) -> Quarantine {
        Quarantine {
            queue: queue.to_owned(),
            stream: warren_wire::quarantine_stream(queue),
            worker: worker.to_owned(),
            policy,
            ledger: Mutex::new(Ledger::new(Some(policy))),
            read_up_to: Mutex::new(None),
            caught_up: AtomicBool::new(false),
            available: AtomicBool::new(true),
            metrics,
        }
    }

    /// Until when (ms since the epoch) the code with fingerprint `code` is refused.
    pub fn refuses(&self, code: &str) -> Option<u64> {
        let now = now_ms();
        let (until, in_force) = {
            let ledger = lock(&self.ledger);
            (ledger.quarantined_until(code, now), ledger.in_force(now))
        };
        let queue = self.queue.as_str();
        self.metrics
            .quarantined_codes
            .with_label_values(&[queue])
            .set(in_force as i64);
        if until.is_some() {
            self.metrics
                .quarantined_jobs
                .with_label_values(&[queue])
                .inc();
        }
        until
    }

    /// Whether the stream could be declared: without it the pool runs without
    /// quarantine.
    pub fn set_available(&self, available: bool) {
        self.available.store(available, Ordering::Relaxed);
    }

    /// The policy's threshold, for the refusal's message.
    pub fn policy(&self) -> QuarantinePolicy {
        self.policy
    }

    /// Records on the stream that a job of `code` broke its sandbox.
    pub async fn strike(&self, channel: &Channel, code: &str, how: SandboxBreak) {
        if !self.available.load(Ordering::Relaxed) {
            return;
        }
        let event = QuarantineEvent::Strike {
            id: warren_wire::ids::new_job_id(),
            code: code.to_owned(),
            how: how.as_str().to_owned(),
            worker: self.worker.clone(),
            at_ms: now_ms(),
        };
        self.append(channel, &event).await;
    }

    async fn append(&self, channel: &Channel, event: &QuarantineEvent) {
        let Ok(body) = serde_json::to_vec(event) else {
            return;
        };
        let properties = BasicProperties::default()
            .with_content_type(warren_wire::JSON_CONTENT_TYPE.into())
            .with_delivery_mode(2);
        let routing_key = ShortString::try_new(self.stream.clone()).unwrap_or_else(|_| "".into());
        if let Err(err) = publish_mandatory(channel, routing_key, &body, properties).await {
            warn!(stream = %self.stream, cause = %err, "Cannot append to the quarantine stream.");
        }
    }

    /// Reads the stream for as long as the session polls it, from a cool-down back;
    /// decisions are logged and counted, and the decider records them. Never ends.
    pub async fn follow(&self, connection: &Connection, publish: &Channel) {
        if !self.available.load(Ordering::Relaxed) {
            return std::future::pending().await;
        }
        loop {
            if let Err(err) = self.read(connection, publish, false).await {
                QuarantineUnread {
                    stream: &self.stream,
                    cause: &err,
                }
                .emit();
            }
            tokio::time::sleep(REREAD_AFTER).await;
        }
    }

    /// Before the pool takes its first jobs: reads the stream up to the present (for at
    /// most `within`), so that a starting worker refuses what the others refuse from
    /// its first job. Past `within`, [`Quarantine::follow`] goes on from there.
    pub async fn catch_up(&self, connection: &Connection, publish: &Channel, within: Duration) {
        if !self.available.load(Ordering::Relaxed) || self.caught_up.load(Ordering::Relaxed) {
            return;
        }
        match tokio::time::timeout(within, self.read(connection, publish, true)).await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => QuarantineUnread {
                stream: &self.stream,
                cause: &err,
            }
            .emit(),
            Err(_) => {
                warn!(stream = %self.stream, "The quarantine stream is still being read; taking jobs meanwhile.")
            }
        }
    }

    async fn read(
        &self,
        connection: &Connection,
        publish: &Channel,
        until_caught_up: bool,
    ) -> lapin::Result<()> {
        let channel = connection.create_channel().await?;
        channel.basic_qos(256, BasicQosOptions::default()).await?;
        let read = self.read_on(&channel, publish, until_caught_up).await;
        let _ = channel.close(200, "OK".into()).await;
        read
    }

    async fn read_on(
        &self,
        channel: &Channel,
        publish: &Channel,
        until_caught_up: bool,
    ) -> lapin::Result<()> {
        let resume = *lock(&self.read_up_to);
        let offset = match resume {
            Some(last) => {
                AMQPValue::LongLongInt(i64::try_from(last.saturating_add(1)).unwrap_or(i64::MAX))
            }
            None => {
                let back = self.policy.window_ms.max(self.policy.cooldown_ms) / 1000 + 1;
                AMQPValue::Timestamp((now_ms() / 1000).saturating_sub(back))
            }
        };
        // On the first read, a mark says where the past ends.
        let mark = if self.caught_up.load(Ordering::Relaxed) {
            None
        } else {
            let id = warren_wire::ids::new_job_id();
            self.append(publish, &QuarantineEvent::Mark { id: id.clone() })
                .await;
            Some(id)
        };
        let mut args = FieldTable::default();
        args.insert("x-stream-offset".into(), offset);
        let tag = format!("{}/{}", self.worker, self.stream);
        let tag = ShortString::try_new(tag).unwrap_or_else(|_| "".into());
        let mut consumer = channel
            .basic_consume(
                self.stream.as_str().into(),
                tag,
                BasicConsumeOptions::default(),
                args,
            )
            .await?;
        while let Some(delivery) = consumer.next().await {
            let delivery = delivery?;
            if let Some(offset) = stream_offset(&delivery.properties) {
                *lock(&self.read_up_to) = Some(offset);
            }
            // Anything that is not an event is skipped.
            let event = serde_json::from_slice::<QuarantineEvent>(&delivery.data).ok();
            match event {
                Some(QuarantineEvent::Mark { id }) if Some(&id) == mark.as_ref() => {
                    self.caught_up.store(true, Ordering::Relaxed);
                    if until_caught_up {
                        delivery.ack(BasicAckOptions::default()).await?;
                        return Ok(());
                    }
                }
                Some(event) => {
                    let now = now_ms();
                    let (decided, in_force) = {
                        let mut ledger = lock(&self.ledger);
                        (ledger.apply(event, now), ledger.in_force(now))
                    };
                    self.metrics
                        .quarantined_codes
                        .with_label_values(&[self.queue.as_str()])
                        .set(in_force as i64);
                    if let Some(decision) = decided
                        && self.caught_up.load(Ordering::Relaxed)
                    {
                        self.decided(decision, publish).await;
                    }
                }
                None => {}
            }
            delivery.ack(BasicAckOptions::default()).await?;
        }
        Ok(())
    }

    async fn decided(&self, decision: Decision, publish: &Channel) {
        CodeQuarantined {
            queue: &self.queue,
            decision: &decision,
            policy: self.policy,
        }
        .emit(&self.metrics);
        if decision.worker == self.worker {
            let event = QuarantineEvent::Quarantined {
                code: decision.code,
                until_ms: decision.quarantine.until_ms,
                strikes: decision.quarantine.strikes,
                worker: decision.worker,
                at_ms: decision.at_ms,
            };
            self.append(publish, &event).await;
        }
    }
}

/// The offset the broker gives a message read from a stream.
fn stream_offset(properties: &BasicProperties) -> Option<u64> {
    warren_amqp::headers::get(properties, "x-stream-offset").and_then(warren_amqp::headers::count)
}

/// A code's fingerprint: the SHA-256 of its source, in hex.
pub fn fingerprint(code: &str) -> String {
    Sha256::digest(code.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fingerprint_is_the_sha256_of_the_source() {
        assert_eq!(
            fingerprint("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
