//! The pooled client.
//!
//! Connections come from a `deadpool-lapin` pool; jobs are published as
//! [`crate::publish`] says. Results are at-least-once: [`Client::call`] and
//! [`ResultStream`] drop duplicates by `job_id`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use deadpool_lapin::{Config, Pool, PoolConfig, Runtime, Timeouts};
use futures_lite::StreamExt;
use lapin::Channel;
use lapin::options::ConfirmSelectOptions;
use tokio::sync::{Mutex as AsyncMutex, oneshot};
use warren_amqp::brokers::Brokers;
use warren_wire::JobResult;

pub use crate::error::ClientError;
pub use crate::job::JobSpec;
use crate::publish::publish_job;
pub use crate::results::ResultStream;
use crate::results::reply_queue;

/// Waiters for `call` results, by job id.
type Waiters = Arc<Mutex<HashMap<String, oneshot::Sender<JobResult>>>>;

/// A pooled client. Cheap to share behind an `Arc`; every method takes `&self`.
pub struct Client {
    /// A connection pool per broker address (every node of a cluster).
    pools: Vec<Pool>,
    brokers: Brokers,
    /// The address connections come from, until it fails.
    current: AtomicUsize,
    publisher: AsyncMutex<Option<Channel>>,
    calls: AsyncMutex<Option<CallReplies>>,
}

/// The reply queue behind `call`, and the task that routes its results.
struct CallReplies {
    queue: String,
    waiters: Waiters,
    // Keeps the connection (and so the exclusive queue) alive.
    connection: deadpool_lapin::Connection,
}

impl Client {
    /// A client for the broker at `amqp_url` (connections are opened on first use).
    /// Several brokers (a cluster's nodes) are separated by commas: connections come
    /// from one chosen at random, and from the next when it cannot be reached.
    pub fn new(amqp_url: &str) -> Result<Client, ClientError> {
        let brokers = Brokers::parse(&[amqp_url]).map_err(ClientError::InvalidUrl)?;
        let mut pools = Vec::with_capacity(brokers.len());
        for at in 0..brokers.len() {
            // Without timeouts deadpool waits on a silent node for as long as the
            // kernel does (minutes), holding every call that needs a connection.
            let pool = PoolConfig {
                timeouts: Timeouts {
                    wait: Some(warren_amqp::brokers::CONNECT_TIMEOUT),
                    create: Some(warren_amqp::brokers::CONNECT_TIMEOUT),
                    recycle: Some(warren_amqp::brokers::CONNECT_TIMEOUT),
                },
                ..PoolConfig::default()
            };
            let config = Config {
                url: Some(warren_amqp::with_defaults(brokers.url(at))),
                pool: Some(pool),
            };
            let pool = config
                .create_pool(lapin::ConnectionProperties::default, Runtime::Tokio1)
                .map_err(|err| ClientError::Connect(err.to_string()))?;
            pools.push(pool);
        }
        Ok(Client {
            pools,
            current: AtomicUsize::new(brokers.random_start()),
            brokers,
            publisher: AsyncMutex::new(None),
            calls: AsyncMutex::new(None),
        })
    }

    /// A connection from the current broker, or from the next ones if it fails.
    async fn connection(&self) -> Result<deadpool_lapin::Connection, ClientError> {
        let start = self.current.load(Ordering::Relaxed);
        let mut failures = Vec::new();
        for step in 0..self.pools.len() {
            let at = (start + step) % self.pools.len();
            match self.pools[at].get().await {
                Ok(connection) => {
                    self.current.store(at, Ordering::Relaxed);
                    return Ok(connection);
                }
                Err(err) => failures.push(format!("{}: {err}", self.brokers.shown(at))),
            }
        }
        Err(ClientError::Connect(failures.join("; ")))
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
        let job_id = job.id();
        let channel = self.publisher().await?;
        publish_job(
            &channel,
            queue,
            &job_id,
            &job.body(),
            None,
            job.tenant.as_deref(),
        )
        .await?;
        Ok(job_id)
    }

    /// Runs a job and waits for its result on the client's own reply queue.
    pub async fn call(
        &self,
        queue: &str,
        job: &JobSpec,
        timeout: Duration,
    ) -> Result<JobResult, ClientError> {
        let job_id = job.id();
        let (reply_queue, waiters) = self.call_replies().await?;
        let (sender, receiver) = oneshot::channel();
        lock(&waiters).insert(job_id.clone(), sender);
        let channel = self.publisher().await?;
        if let Err(err) = publish_job(
            &channel,
            queue,
            &job_id,
            &job.body(),
            Some(&reply_queue),
            job.tenant.as_deref(),
        )
        .await
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
            && replies.connection.status().connected()
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
            // The reply queue went with its connection: the calls waiting on it fail
            // now (retryably) rather than at their timeouts.
            lock(&routes).clear();
        });
        *slot = Some(CallReplies {
            queue: queue.clone(),
            waiters: waiters.clone(),
            connection,
        });
        Ok((queue, waiters))
    }

    /// A stream of results on a fresh reply queue, for many jobs in flight.
    pub async fn results(&self) -> Result<ResultStream, ClientError> {
        ResultStream::open(self.connection().await?).await
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
