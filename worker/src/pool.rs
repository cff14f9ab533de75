//! One pool's job loop, the seam between the broker and the sandbox:
//! delivery → job → outcome → result → confirm → ack.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_lite::StreamExt;
use lapin::message::Delivery;
use lapin::options::{
    BasicCancelOptions, BasicConsumeOptions, BasicQosOptions, ConfirmSelectOptions,
    QueueDeclareOptions,
};
use lapin::protocol::{AMQPErrorKind, AMQPSoftError};
use lapin::types::FieldTable;
use lapin::{Channel, Connection, ErrorKind as LapinErrorKind};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tracing::{Instrument, debug, info, info_span, warn};
use warren_wire::{ErrorKind, Job, JobResult, LogEntry, Outcome, Stats};

use crate::broker::acks::{Settlement, Settler};
use crate::broker::delivery::Envelope;
use crate::broker::publish::{Published, publish_result};
use crate::broker::topology;
use crate::config::PoolConfig;
use crate::metrics::{Metrics, published};
use crate::sandbox::{Engine, JobRequest, compile::CacheUse};

/// A pool's lasting parts: its settings and its engine, shared by every job task.
pub struct Pool {
    pub config: PoolConfig,
    pub engine: Engine,
    pub worker_name: String,
    pub metrics: Arc<Metrics>,
}

/// What a job's task shares with its session.
struct JobLink {
    /// The channel results are published on, in confirm mode.
    publish: Channel,
    settler: Settler,
    /// Notified when `publish` turns out to be closed.
    results_closed: Arc<Notify>,
}

/// Why a session with the broker ended.
#[derive(Debug)]
pub enum SessionEnd {
    /// Shutdown was requested and the pool drained.
    Drained,
    /// The connection or channel failed; reconnect.
    Lost(String),
}

/// How long a draining pool waits for its last acks to be sent (they normally go at
/// once; this bounds a connection that stopped taking frames).
const SETTLE_GRACE: Duration = Duration::from_secs(2);

/// Declares the pool's topology on its own channel. A jobs queue that already exists
/// with other arguments is used as it is (with a warning) rather than refused.
pub async fn declare_topology(connection: &Connection, queue: &str) -> lapin::Result<()> {
    let channel = connection.create_channel().await?;
    match topology::declare(&channel, queue).await {
        Ok(()) => {
            let _ = channel.close(200, "OK".into()).await;
            Ok(())
        }
        Err(err) if is_precondition_failed(&err) => {
            warn!(queue, cause = %err, "Jobs queue exists with other arguments; using it as it is.");
            let channel = connection.create_channel().await?;
            channel
                .queue_declare(
                    queue.into(),
                    QueueDeclareOptions {
                        passive: true,
                        ..QueueDeclareOptions::default()
                    },
                    FieldTable::default(),
                )
                .await?;
            let _ = channel.close(200, "OK".into()).await;
            Ok(())
        }
        Err(err) => Err(err),
    }
}

fn is_precondition_failed(err: &lapin::Error) -> bool {
    matches!(err.kind(), LapinErrorKind::ProtocolError(e)
        if *e.kind() == AMQPErrorKind::Soft(AMQPSoftError::PRECONDITIONFAILED))
}

impl Pool {
    /// Consumes until shutdown (then drains within the grace) or until the connection fails.
    pub async fn session(
        self: &Arc<Self>,
        connection: &Connection,
        mut shutdown: watch::Receiver<bool>,
        grace: Duration,
        consuming: &std::sync::atomic::AtomicBool,
    ) -> SessionEnd {
        let queue = self.config.queue.as_str();
        let setup = async {
            let consume = connection.create_channel().await?;
            consume
                .basic_qos(self.config.prefetch, BasicQosOptions::default())
                .await?;
            let publish = connection.create_channel().await?;
            publish
                .confirm_select(ConfirmSelectOptions::default())
                .await?;
            let tag = format!("{}/{}", self.worker_name, queue);
            let tag = lapin::types::ShortString::try_new(tag).unwrap_or_else(|_| "".into());
            let consumer = consume
                .basic_consume(
                    queue.into(),
                    tag,
                    BasicConsumeOptions::default(),
                    FieldTable::default(),
                )
                .await?;
            Ok::<_, lapin::Error>((consume, publish, consumer))
        };
        let (consume, publish, mut consumer) = match setup.await {
            Ok(parts) => parts,
            Err(err) => return SessionEnd::Lost(format!("cannot start consuming {queue}: {err}")),
        };
        consuming.store(true, std::sync::atomic::Ordering::SeqCst);
        info!(
            queue,
            prefetch = self.config.prefetch,
            slots = self.engine.slots(),
            "Consuming."
        );

        let (settler, settling) = Settler::start(consume.clone());
        // Told when a result cannot be published because its channel closed: every
        // later result would fail too, so the session starts over on a new connection.
        let results_closed = Arc::new(Notify::new());
        let mut tasks = JoinSet::new();
        let mut cancelled = *shutdown.borrow();
        let mut stop_at: Option<Instant> = None;
        if cancelled {
            stop_at = Some(Instant::now() + grace);
            let _ = consume
                .basic_cancel(consumer.tag(), BasicCancelOptions::default())
                .await;
        }
        let end = loop {
            tokio::select! {
                changed = shutdown.changed(), if !cancelled => {
                    if changed.is_err() || *shutdown.borrow() {
                        cancelled = true;
                        consuming.store(false, std::sync::atomic::Ordering::SeqCst);
                        stop_at = Some(Instant::now() + grace);
                        info!(queue, in_flight = tasks.len(), "Stopping: no new jobs; finishing those held.");
                        if let Err(err) = consume.basic_cancel(consumer.tag(), BasicCancelOptions::default()).await {
                            break SessionEnd::Lost(format!("cancel failed: {err}"));
                        }
                    }
                }
                item = consumer.next() => match item {
                    Some(Ok(delivery)) => {
                        settler.received(delivery.delivery_tag);
                        let link = JobLink {
                            publish: publish.clone(),
                            settler: settler.clone(),
                            results_closed: results_closed.clone(),
                        };
                        let pool = self.clone();
                        tasks.spawn(async move { pool.handle(delivery, &link).await });
                    }
                    Some(Err(err)) => break SessionEnd::Lost(format!("consumer failed: {err}")),
                    None if cancelled => break SessionEnd::Drained,
                    None => break SessionEnd::Lost("the broker cancelled the consumer".into()),
                },
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
                () = results_closed.notified() => {
                    break SessionEnd::Lost("the channel results are published on closed".into());
                }
            }
        };
        consuming.store(false, std::sync::atomic::Ordering::SeqCst);
        if let SessionEnd::Drained = end {
            // Finish what this worker holds, within the grace; the rest goes back.
            let deadline = stop_at.unwrap_or_else(Instant::now);
            let drained = tokio::time::timeout_at(deadline.into(), async {
                while tasks.join_next().await.is_some() {}
            })
            .await;
            if drained.is_err() {
                warn!(
                    queue,
                    unfinished = tasks.len(),
                    "Shutdown grace over; returning unfinished jobs to the queue."
                );
                tasks.abort_all();
                while tasks.join_next().await.is_some() {}
            }
            // Every task is over: the settling task sends the last acks, then ends.
            drop(settler);
            let _ = tokio::time::timeout(SETTLE_GRACE, settling).await;
            let _ = publish.close(200, "OK".into()).await;
            let _ = consume.close(200, "OK".into()).await;
            info!(queue, "Drained.");
        } else {
            // The broker redelivers what was in flight; let those tasks end on their own.
            tasks.detach_all();
        }
        end
    }

    /// Runs one delivery to its end: result published and confirmed, then acked.
    async fn handle(self: Arc<Self>, delivery: Delivery, link: &JobLink) {
        let queue = self.config.queue.as_str();
        let envelope = Envelope::of(&delivery);
        // Test builds only: a job that kills the whole worker, as an engine fault would.
        #[cfg(feature = "test-hooks")]
        if envelope.job_id.starts_with("warren-test-abort") {
            std::process::abort();
        }
        // Test builds only: the result channel closes under the job's first attempt.
        #[cfg(feature = "test-hooks")]
        if envelope.job_id.starts_with("warren-test-close-results") && envelope.attempt == 1 {
            let _ = link.publish.close(200, "test hook".into()).await;
        }
        let span = info_span!(
            "job",
            job_id = %envelope.job_id,
            queue,
            attempt = envelope.attempt,
            outcome = tracing::field::Empty,
            wall_ms = tracing::field::Empty,
            trace_id = tracing::field::Empty,
            span_id = tracing::field::Empty,
            parent_span_id = tracing::field::Empty,
        );
        if let (Some(parent), Some(trace)) = (&envelope.trace_parent, &envelope.trace) {
            span.record("trace_id", parent.trace_id.as_str());
            span.record("span_id", trace.span_id.as_str());
            span.record("parent_span_id", parent.span_id.as_str());
        }
        async {
            let metrics = &self.metrics;
            let in_flight = metrics.in_flight.with_label_values(&[queue]);
            in_flight.inc();
            if envelope.redelivered {
                metrics.redelivered.with_label_values(&[queue]).inc();
            }
            if let Some(sent) = envelope.timestamp {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0.0, |d| d.as_secs_f64());
                metrics
                    .queue_wait
                    .with_label_values(&[queue])
                    .observe((now - sent as f64).max(0.0));
            }

            let result = self.run(&delivery, &envelope).await;
            let outcome = result.outcome().map_or("unknown", |o| o.label());
            tracing::Span::current().record("outcome", outcome);
            tracing::Span::current().record("wall_ms", result.stats.wall_ms);
            if self.config.log_job_console {
                for entry in &result.logs {
                    let level = serde_json::to_value(entry.level).unwrap_or_default();
                    info!(target: "job_console", console_level = %level.as_str().unwrap_or("log"), console = %entry.message, "Job console.");
                }
            }

            let settlement = match envelope.reply_to.as_deref() {
                None => Some(Settlement::Ack),
                Some(reply_to) => {
                    self.reply(&link.publish, reply_to, &envelope, &result)
                        .await
                }
            };
            match settlement {
                Some(settlement) => {
                    link.settler.finished(delivery.delivery_tag, settlement);
                    debug!(outcome, wall_ms = result.stats.wall_ms, "Job done.");
                }
                None => {
                    debug!("Job not settled: its result was not published; the broker will redeliver it.");
                    if !link.publish.status().connected() {
                        link.results_closed.notify_one();
                    }
                }
            }
            in_flight.dec();
        }
        .instrument(span)
        .await
    }

    /// Validates and runs the job, producing its result body.
    async fn run(&self, delivery: &Delivery, envelope: &Envelope) -> JobResult {
        let queue = self.config.queue.as_str();
        let (outcome, logs, wall, memory_peak) = match Job::from_message(
            envelope.content_type.as_deref(),
            &delivery.data,
            self.config.max_job_bytes,
        ) {
            Err(rejected) => {
                debug!(cause = %rejected, "Bad request.");
                (
                    Outcome::error(ErrorKind::BadRequest, rejected.to_string()),
                    Vec::<LogEntry>::new(),
                    Duration::ZERO,
                    None,
                )
            }
            Ok(job) => {
                let report = self
                    .engine
                    .run(JobRequest {
                        job_id: envelope.job_id.clone(),
                        attempt: envelope.attempt,
                        code: job.code,
                        input: job.input,
                        limits: job.limits,
                    })
                    .await;
                match report.cache {
                    Some(CacheUse::Hit) => self.metrics.cache_hits.inc(),
                    Some(CacheUse::Miss) => self.metrics.cache_misses.inc(),
                    None => {}
                }
                let run = report.run;
                self.metrics
                    .memory_peak
                    .observe(run.memory_peak_bytes as f64);
                (run.outcome, run.logs, run.wall, Some(run.memory_peak_bytes))
            }
        };
        let label = outcome.label();
        self.metrics.jobs.with_label_values(&[queue, label]).inc();
        self.metrics
            .job_duration
            .with_label_values(&[queue, label])
            .observe(wall.as_secs_f64());
        JobResult::new(
            envelope.job_id.clone(),
            outcome,
            logs,
            Stats {
                wall_ms: (wall.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0,
                memory_peak_bytes: memory_peak,
                attempt: envelope.attempt,
            },
            self.worker_name.clone(),
        )
    }

    async fn reply(
        &self,
        publish: &Channel,
        reply_to: &str,
        envelope: &Envelope,
        result: &JobResult,
    ) -> Option<Settlement> {
        let counter = |label: &str| {
            self.metrics
                .results_published
                .with_label_values(&[label])
                .inc()
        };
        match publish_result(publish, reply_to, envelope, &result.to_json()).await {
            Ok(Published::Confirmed) => {
                counter(published::CONFIRMED);
                Some(Settlement::Ack)
            }
            Ok(Published::Returned(reason)) => {
                counter(published::RETURNED);
                warn!(
                    reply_to,
                    reason, "Result returned by the broker (no such queue); acking the job anyway."
                );
                Some(Settlement::Ack)
            }
            Ok(Published::Nacked) => {
                counter(published::NACKED);
                warn!(
                    reply_to,
                    "Broker refused the result; returning the job to the queue."
                );
                Some(Settlement::Requeue)
            }
            Err(err) => {
                counter(published::FAILED);
                debug!(cause = %err, "Publishing the result failed; the job stays unacked.");
                None
            }
        }
    }
}
