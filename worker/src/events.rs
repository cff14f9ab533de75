//! The worker's telemetry events. Each is a struct whose `emit` writes its log line
//! and updates its metrics together, so what the logs say and what the metrics count
//! cannot drift apart. Metric names and labels are defined once, in [`crate::metrics`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tracing::{debug, error, info, warn};
use warren_amqp::envelope::Envelope;
use warren_amqp::publish::Published;
use warren_wire::{JobResult, LogEntry, RejectedJob};

use crate::metrics::{Metrics, published};
use crate::sandbox::CacheUse;

/// A delivery arrived and its job is in flight.
pub struct JobReceived<'a> {
    pub queue: &'a str,
    pub envelope: &'a Envelope,
}

impl JobReceived<'_> {
    pub fn emit(self, metrics: &Metrics) {
        let queue = self.queue;
        metrics.in_flight.with_label_values(&[queue]).inc();
        if self.envelope.redelivered {
            metrics.redelivered.with_label_values(&[queue]).inc();
        }
        if let Some(sent) = self.envelope.timestamp {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64());
            metrics
                .queue_wait
                .with_label_values(&[queue])
                .observe((now - sent as f64).max(0.0));
        }
    }
}

/// A delivery is not a job: it gets a `bad_request` result.
pub struct JobRejected<'a> {
    pub cause: &'a RejectedJob,
}

impl JobRejected<'_> {
    pub fn emit(self) {
        debug!(cause = %self.cause, "Bad request.");
    }
}

/// A job has its result (yet to be published).
pub struct JobFinished<'a> {
    pub queue: &'a str,
    pub result: &'a JobResult,
    /// Whether its bytecode came from the slot's cache, when it got that far.
    pub cache: Option<CacheUse>,
}

impl JobFinished<'_> {
    pub fn emit(self, metrics: &Metrics) {
        let stats = &self.result.stats;
        let outcome = self.result.label().unwrap_or("unknown");
        let span = tracing::Span::current();
        span.record("outcome", outcome);
        span.record("wall_ms", stats.wall_ms);
        let labels = [self.queue, outcome];
        metrics.jobs.with_label_values(&labels).inc();
        metrics
            .job_duration
            .with_label_values(&labels)
            .observe(stats.wall_ms / 1000.0);
        // Jobs that never reached the sandbox have no peak.
        if let Some(peak) = stats.memory_peak_bytes {
            metrics.memory_peak.observe(peak as f64);
        }
        match self.cache {
            Some(CacheUse::Hit) => metrics.cache_hits.inc(),
            Some(CacheUse::Miss) => metrics.cache_misses.inc(),
            None => {}
        }
    }
}

/// A job was dropped before it started because its session with the broker was lost:
/// the broker hands it out again.
pub struct JobDropped<'a> {
    pub queue: &'a str,
}

impl JobDropped<'_> {
    pub fn emit(self, metrics: &Metrics) {
        metrics.in_flight.with_label_values(&[self.queue]).dec();
        debug!(
            "Job dropped before it started: the session was lost; the broker will redeliver it."
        );
    }
}

/// A moved job was delivered more often than the jobs queue allows: dead-lettered.
pub struct JobDeadLettered<'a> {
    pub job_id: &'a str,
    pub attempt: u32,
}

impl JobDeadLettered<'_> {
    pub fn emit(self) {
        warn!(
            job_id = self.job_id,
            attempt = self.attempt,
            "Moved job past the delivery limit; dead-lettering it."
        );
    }
}

/// A job of a tenant over its share went (or did not go) to a backlog queue.
pub struct JobMoved<'a> {
    pub queue: &'a str,
    pub job_id: &'a str,
    pub to: &'a str,
    pub moved: &'a lapin::Result<Published>,
}

impl JobMoved<'_> {
    pub fn emit(self, metrics: &Metrics) {
        let (job_id, to) = (self.job_id, self.to);
        match self.moved {
            Ok(Published::Confirmed) => {
                metrics.jobs_moved.with_label_values(&[self.queue]).inc();
                debug!(job_id, to, "Job moved to its tenant's backlog queue.");
            }
            Ok(Published::Returned(reason)) => {
                warn!(
                    job_id,
                    to, reason, "No backlog queue took the job; running it here."
                );
            }
            Ok(Published::Nacked) => {
                warn!(
                    job_id,
                    to, "The broker refused the moved job; running it here."
                );
            }
            Err(err) => {
                debug!(job_id, to, cause = %err, "Moving the job failed; the broker will hand it out again.");
            }
        }
    }
}

/// Strikes of a code crossed the pool's threshold: it is refused until the cool-down
/// ends or an operator releases it.
pub struct CodeQuarantined<'a> {
    pub queue: &'a str,
    pub decision: &'a warren_wire::quarantine::Decision,
    pub policy: warren_wire::quarantine::QuarantinePolicy,
}

impl CodeQuarantined<'_> {
    pub fn emit(self, metrics: &Metrics) {
        metrics.quarantines.with_label_values(&[self.queue]).inc();
        warn!(
            queue = self.queue,
            code = %self.decision.code,
            strikes = self.decision.quarantine.strikes,
            window_ms = self.policy.window_ms,
            until_ms = self.decision.quarantine.until_ms,
            "Code quarantined: its jobs broke their sandbox too often."
        );
    }
}

/// A pool's quarantine stream could not be declared: the pool runs without quarantine.
pub struct QuarantineOff<'a> {
    pub queue: &'a str,
    pub cause: &'a lapin::Error,
}

impl QuarantineOff<'_> {
    pub fn emit(self) {
        error!(queue = self.queue, cause = %self.cause, "Cannot declare the quarantine stream (RabbitMQ 3.9 or later, same arguments); running this pool without quarantine.");
    }
}

/// The quarantine stream could not be read (it is read again shortly).
pub struct QuarantineUnread<'a> {
    pub stream: &'a str,
    pub cause: &'a lapin::Error,
}

impl QuarantineUnread<'_> {
    pub fn emit(self) {
        debug!(stream = self.stream, cause = %self.cause, "Cannot read the quarantine stream; reading it again shortly.");
    }
}

/// A job's console output, copied into the worker's logs (`--log-job-console`).
pub struct JobConsole<'a> {
    pub logs: &'a [LogEntry],
}

impl JobConsole<'_> {
    pub fn emit(self) {
        for entry in self.logs {
            let level = serde_json::to_value(entry.level).unwrap_or_default();
            info!(target: "job_console", console_level = %level.as_str().unwrap_or("log"), console = %entry.message, "Job console.");
        }
    }
}

/// What the broker did with a job's result.
pub struct ResultPublished<'a> {
    pub reply_to: &'a str,
    pub published: &'a lapin::Result<Published>,
}

impl ResultPublished<'_> {
    pub fn emit(self, metrics: &Metrics) {
        let reply_to = self.reply_to;
        let label = match self.published {
            Ok(Published::Confirmed) => published::CONFIRMED,
            Ok(Published::Returned(reason)) => {
                warn!(
                    reply_to,
                    reason, "Result returned by the broker (no such queue); acking the job anyway."
                );
                published::RETURNED
            }
            Ok(Published::Nacked) => {
                warn!(
                    reply_to,
                    "Broker refused the result; returning the job to the queue."
                );
                published::NACKED
            }
            Err(err) => {
                debug!(cause = %err, "Publishing the result failed; the job stays unacked.");
                published::FAILED
            }
        };
        metrics.results_published.with_label_values(&[label]).inc();
    }
}

/// A job is over for this worker: settled (acked or requeued), or left unsettled for
/// the broker to redeliver.
pub struct JobSettled<'a> {
    pub queue: &'a str,
    pub result: &'a JobResult,
    pub settled: bool,
}

impl JobSettled<'_> {
    pub fn emit(self, metrics: &Metrics) {
        if self.settled {
            let outcome = self.result.label().unwrap_or("unknown");
            debug!(outcome, wall_ms = self.result.stats.wall_ms, "Job done.");
        } else {
            debug!("Job not settled: its result was not published; the broker will redeliver it.");
        }
        metrics.in_flight.with_label_values(&[self.queue]).dec();
    }
}

/// A connection to the broker opened (its topology is yet to be declared).
pub struct ConnectionOpened {
    /// Connections made since start, this one included.
    pub connections: u64,
}

impl ConnectionOpened {
    pub fn emit(self, metrics: &Metrics) {
        if self.connections > 1 {
            metrics.broker_reconnects.inc();
        }
    }
}

/// The worker is connected and has declared every pool's topology.
pub struct BrokerConnected<'a> {
    /// Connections made since start, this one included.
    pub connections: u64,
    /// The node connected to, as host and port.
    pub broker: &'a str,
    /// How many broker addresses the worker has.
    pub brokers: usize,
}

impl BrokerConnected<'_> {
    pub fn emit(self, metrics: &Metrics) {
        metrics.broker_connected.set(1);
        metrics.broker_node.with_label_values(&[self.broker]).set(1);
        info!(
            connections = self.connections,
            broker = self.broker,
            of = self.brokers,
            "Connected to the broker."
        );
    }
}

/// No broker address answered.
pub struct BrokerUnreachable<'a> {
    pub cause: &'a warren_amqp::brokers::Failed,
    pub retry_in: Duration,
}

impl BrokerUnreachable<'_> {
    pub fn emit(self) {
        warn!(cause = %self.cause, retry_in_ms = self.retry_in.as_millis() as u64, "Cannot reach the broker.");
    }
}

/// The topology could not be declared on a fresh connection.
pub struct TopologyFailed<'a> {
    pub cause: &'a lapin::Error,
    pub broker: &'a str,
    pub retry_in: Duration,
}

impl TopologyFailed<'_> {
    pub fn emit(self) {
        error!(cause = %self.cause, broker = self.broker, retry_in_ms = self.retry_in.as_millis() as u64, "Cannot declare the topology.");
    }
}

/// A pool's session ended with the connection lost (the first such reason is logged).
pub struct BrokerLost<'a> {
    pub reason: &'a str,
    /// The node lost, and the one tried first now.
    pub broker: &'a str,
    pub next: &'a str,
}

impl BrokerLost<'_> {
    pub fn emit(self) {
        if self.broker == self.next {
            warn!(
                reason = self.reason,
                broker = self.broker,
                "Lost the broker; reconnecting."
            );
        } else {
            warn!(
                reason = self.reason,
                broker = self.broker,
                next = self.next,
                "Lost the broker; moving to the next node."
            );
        }
    }
}

/// The connection is over, lost or closed on shutdown.
pub struct BrokerDisconnected<'a> {
    pub broker: &'a str,
}

impl BrokerDisconnected<'_> {
    pub fn emit(self, metrics: &Metrics) {
        metrics.broker_connected.set(0);
        metrics.broker_node.with_label_values(&[self.broker]).set(0);
    }
}
