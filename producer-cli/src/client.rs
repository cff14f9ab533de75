//! A pooled Warren client for Rust backends.
//!
//! ```no_run
//! # async fn example() -> Result<(), warren_client::client::ClientError> {
//! use std::time::Duration;
//! use warren_client::client::{Client, JobSpec};
//!
//! let client = Client::new("amqp://guest:guest@127.0.0.1:5672/%2f")?;
//! let job = JobSpec::new("export default (i) => i.a + i.b", serde_json::json!({"a": 1, "b": 2}));
//! // Request/response on a reply queue the client owns:
//! let result = client.call("warren.jobs", &job, Duration::from_secs(10)).await?;
//! // Fire and forget (the job runs; only logs and metrics see its outcome):
//! let job_id = client.submit("warren.jobs", &job).await?;
//! # Ok(()) }
//! ```
//!
//! Connections come from a `deadpool-lapin` pool; jobs are published persistent,
//! `mandatory` (a missing jobs queue is an error, not a silent loss) and with publisher
//! confirms. Results are at-least-once: [`Client::call`] and [`ResultStream`] drop
//! duplicates by `job_id`.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use deadpool_lapin::{Config, Pool, Runtime};
use futures_lite::StreamExt;
use lapin::options::{BasicConsumeOptions, ConfirmSelectOptions, QueueDeclareOptions};
use lapin::types::{FieldTable, ShortString};
use lapin::{BasicProperties, Channel, Consumer};
use serde_json::Value;
use tokio::sync::{Mutex as AsyncMutex, oneshot};
use warren_wire::{JobLimits, JobResult};
use warren_worker::broker::publish::{Published, publish_mandatory};

/// Why a client call failed, and whether trying again may help.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The broker cannot be reached. Retry with backoff.
    #[error("cannot reach the broker: {0}")]
    Connect(String),
    /// The connection or channel failed mid-call. Retry; the job may have been published.
    #[error("broker error: {0}")]
    Broker(#[from] lapin::Error),
    /// No queue of that name exists: no worker has declared it. Retrying will not help
    /// until a worker for that pool starts.
    #[error("no queue named {0:?}: start a worker on it first (workers declare their queue)")]
    NoRoute(String),
    /// The broker refused the job (publisher nack). Retry.
    #[error("the broker refused the job (nack)")]
    Refused,
    /// No result in time. The job may still run and answer later.
    #[error("no result within {0:?}")]
    Timeout(Duration),
    /// A queue name or job id over 255 bytes.
    #[error("name too long for AMQP (255 bytes at most): {0:?}")]
    InvalidName(String),
}

impl ClientError {
    /// Whether the same call may succeed if tried again.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ClientError::Connect(_)
                | ClientError::Broker(_)
                | ClientError::Refused
                | ClientError::Timeout(_)
        )
    }
}

/// A job to submit: code, input and optional limits.
#[derive(Debug, Clone)]
pub struct JobSpec {
    pub code: String,
    pub input: Value,
    pub limits: JobLimits,
    /// The job id (`message_id`); a random UUID when `None`.
    pub job_id: Option<String>,
}

impl JobSpec {
    pub fn new(code: impl Into<String>, input: Value) -> JobSpec {
        JobSpec {
            code: code.into(),
            input,
            limits: JobLimits::default(),
            job_id: None,
        }
    }

    /// The job body as PROTOCOL.md defines it.
    pub fn body(&self) -> Vec<u8> {
        let mut body = serde_json::json!({ "code": self.code, "input": self.input });
        let mut limits = serde_json::Map::new();
        if let Some(t) = self.limits.timeout_ms {
            limits.insert("timeout_ms".into(), t.into());
        }
        if let Some(m) = self.limits.memory_mb {
            limits.insert("memory_mb".into(), m.into());
        }
        if !limits.is_empty() {
            body["limits"] = limits.into();
        }
        serde_json::to_vec(&body).unwrap_or_default()
    }
}

fn short(value: &str) -> Result<ShortString, ClientError> {
    ShortString::try_new(value.to_owned()).map_err(|_| ClientError::InvalidName(value.to_owned()))
}

/// A new random job id (UUID v4 form).
pub fn new_job_id() -> String {
    warren_worker::broker::delivery::generated_id()
}

/// Publishes one job body (persistent, mandatory, confirmed) and checks the confirm.
pub async fn publish_job(
    channel: &Channel,
    queue: &str,
    job_id: &str,
    body: &[u8],
    reply_to: Option<&str>,
) -> Result<(), ClientError> {
    let mut properties = BasicProperties::default()
        .with_content_type(warren_wire::JSON_CONTENT_TYPE.into())
        .with_delivery_mode(2)
        .with_message_id(short(job_id)?)
        .with_correlation_id(short(job_id)?)
        .with_timestamp(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        );
    if let Some(reply_to) = reply_to {
        properties = properties.with_reply_to(short(reply_to)?);
    }
    match publish_mandatory(channel, short(queue)?, body, properties).await? {
        Published::Confirmed => Ok(()),
        Published::Returned(_) => Err(ClientError::NoRoute(queue.to_owned())),
        Published::Nacked => Err(ClientError::Refused),
    }
}

/// Waiters for `call` results, by job id.
type Waiters = Arc<Mutex<HashMap<String, oneshot::Sender<JobResult>>>>;

/// A pooled client. Cheap to share behind an `Arc`; every method takes `&self`.
pub struct Client {
    pool: Pool,
    publisher: AsyncMutex<Option<Channel>>,
    calls: AsyncMutex<Option<CallReplies>>,
}

/// The reply queue behind `call`, and the task that routes its results.
struct CallReplies {
    queue: String,
    waiters: Waiters,
    // Keeps the connection (and so the exclusive queue) alive.
    _connection: deadpool_lapin::Connection,
}

impl Client {
    /// A client for the broker at `amqp_url` (connections are opened on first use).
    pub fn new(amqp_url: &str) -> Result<Client, ClientError> {
        let config = Config {
            url: Some(amqp_url.to_owned()),
            ..Config::default()
        };
        let pool = config
            .create_pool(lapin::ConnectionProperties::default, Runtime::Tokio1)
            .map_err(|err| ClientError::Connect(err.to_string()))?;
        Ok(Client {
            pool,
            publisher: AsyncMutex::new(None),
            calls: AsyncMutex::new(None),
        })
    }

    async fn connection(&self) -> Result<deadpool_lapin::Connection, ClientError> {
        self.pool
            .get()
            .await
            .map_err(|err| ClientError::Connect(err.to_string()))
    }

    /// A confirm-mode channel for publishing, reopened after failures.
    async fn publisher(&self) -> Result<Channel, ClientError> {
        let mut slot = self.publisher.lock().await;
        if let Some(channel) = slot.as_ref()
            && channel.status().connected()
        {
            return Ok(channel.clone());
        }
        let connection = self.connection().await?;
        let channel = connection.create_channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        *slot = Some(channel.clone());
        Ok(channel)
    }

    /// Publishes a job without a `reply_to` and returns its id once the broker confirms it.
    pub async fn submit(&self, queue: &str, job: &JobSpec) -> Result<String, ClientError> {
        let job_id = job.job_id.clone().unwrap_or_else(new_job_id);
        let channel = self.publisher().await?;
        publish_job(&channel, queue, &job_id, &job.body(), None).await?;
        Ok(job_id)
    }

    /// Runs a job and waits for its result on the client's own reply queue.
    pub async fn call(
        &self,
        queue: &str,
        job: &JobSpec,
        timeout: Duration,
    ) -> Result<JobResult, ClientError> {
        let job_id = job.job_id.clone().unwrap_or_else(new_job_id);
        let (reply_queue, waiters) = self.call_replies().await?;
        let (sender, receiver) = oneshot::channel();
        lock(&waiters).insert(job_id.clone(), sender);
        let channel = self.publisher().await?;
        if let Err(err) =
            publish_job(&channel, queue, &job_id, &job.body(), Some(&reply_queue)).await
        {
            lock(&waiters).remove(&job_id);
            return Err(err);
        }
        match tokio::time::timeout(timeout, receiver).await {
            Ok(Ok(result)) => Ok(result),
            Ok(Err(_)) => Err(ClientError::Connect(
                "the reply queue's connection closed".into(),
            )),
            Err(_) => {
                lock(&waiters).remove(&job_id);
                Err(ClientError::Timeout(timeout))
            }
        }
    }

    async fn call_replies(&self) -> Result<(String, Waiters), ClientError> {
        let mut slot = self.calls.lock().await;
        if let Some(replies) = slot.as_ref()
            && replies._connection.status().connected()
        {
            return Ok((replies.queue.clone(), replies.waiters.clone()));
        }
        let connection = self.connection().await?;
        let (queue, mut consumer) = reply_queue(&connection).await?;
        let waiters: Waiters = Arc::default();
        let routes = waiters.clone();
        tokio::spawn(async move {
            while let Some(Ok(delivery)) = consumer.next().await {
                let Ok(result) = serde_json::from_slice::<JobResult>(&delivery.data) else {
                    continue;
                };
                // A result nobody waits for is a duplicate or too late: dropped.
                if let Some(waiter) = lock(&routes).remove(&result.job_id) {
                    let _ = waiter.send(result);
                }
            }
        });
        *slot = Some(CallReplies {
            queue: queue.clone(),
            waiters: waiters.clone(),
            _connection: connection,
        });
        Ok((queue, waiters))
    }

    /// A stream of results on a fresh reply queue, for many jobs in flight.
    pub async fn results(&self) -> Result<ResultStream, ClientError> {
        let connection = self.connection().await?;
        let (queue, consumer) = reply_queue(&connection).await?;
        let channel = connection.create_channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        Ok(ResultStream {
            queue,
            consumer,
            channel,
            seen: HashSet::new(),
            _connection: connection,
        })
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Declares an exclusive, server-named reply queue and consumes it (auto-ack).
async fn reply_queue(connection: &lapin::Connection) -> Result<(String, Consumer), ClientError> {
    let channel = connection.create_channel().await?;
    let queue = channel
        .queue_declare(
            "".into(),
            QueueDeclareOptions {
                exclusive: true,
                auto_delete: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await?;
    let name = queue.name().as_str().to_owned();
    let consumer = channel
        .basic_consume(
            name.as_str().into(),
            "".into(),
            BasicConsumeOptions {
                no_ack: true,
                ..BasicConsumeOptions::default()
            },
            FieldTable::default(),
        )
        .await?;
    Ok((name, consumer))
}

/// Jobs submitted through the stream answer on its own reply queue; `next` yields each
/// job's first result once.
pub struct ResultStream {
    queue: String,
    consumer: Consumer,
    channel: Channel,
    seen: HashSet<String>,
    _connection: deadpool_lapin::Connection,
}

impl ResultStream {
    /// The reply queue's name.
    pub fn reply_queue(&self) -> &str {
        &self.queue
    }

    /// Publishes a job whose result will come out of this stream; returns its id.
    pub async fn submit(&self, queue: &str, job: &JobSpec) -> Result<String, ClientError> {
        let job_id = job.job_id.clone().unwrap_or_else(new_job_id);
        publish_job(
            &self.channel,
            queue,
            &job_id,
            &job.body(),
            Some(&self.queue),
        )
        .await?;
        Ok(job_id)
    }

    /// The confirm-mode channel and reply queue to publish with, for callers that keep
    /// many publishes in flight at once (each one awaits its own confirm).
    pub fn publisher(&self) -> (Channel, String) {
        (self.channel.clone(), self.queue.clone())
    }

    /// The next new result, or `None` if none arrives within `timeout`.
    pub async fn next(&mut self, timeout: Duration) -> Result<Option<JobResult>, ClientError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let delivery = match tokio::time::timeout_at(deadline, self.consumer.next()).await {
                Err(_) => return Ok(None),
                Ok(None) => {
                    return Err(ClientError::Connect(
                        "the reply queue's consumer ended".into(),
                    ));
                }
                Ok(Some(delivery)) => delivery?,
            };
            let Ok(result) = serde_json::from_slice::<JobResult>(&delivery.data) else {
                continue;
            };
            if self.seen.insert(result.job_id.clone()) {
                return Ok(Some(result));
            }
        }
    }
}
