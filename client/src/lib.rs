//! The Warren client library: what a Rust backend links to run jobs on a Warren fleet.
//! It speaks the wire contract (`docs/protocol.md`) and nothing else: no sandbox, no
//! worker, nothing Linux-only.
//!
//! ```no_run
//! # async fn example() -> Result<(), warren_client::ClientError> {
//! use std::time::Duration;
//! use warren_client::{Client, JobSpec};
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
//! # Layout
//! - [`client`]: [`Client`], the pooled client: `submit`, `call`, `results`.
//! - [`results`]: [`ResultStream`], many jobs answering on one reply queue.
//! - [`direct`]: one job and its result over RabbitMQ's direct reply-to, for tools.
//! - [`dlq`]: what a pool's dead-letter queue holds, and putting jobs back.
//! - [`quarantine`]: the codes a pool refuses, and releasing one.
//! - [`publish`]: how a job is published (persistent, mandatory, confirmed).
//! - [`job`]: [`JobSpec`], a job to submit. [`error`]: [`ClientError`].
//!
//! `examples/submit_and_wait.rs` is a whole program: submit, await, handle an error.
//!
//! Dependencies point down: `client`, `results`, `direct` and `dlq` publish through
//! `publish`; everything returns `error`. Below this crate: `warren-wire` (the
//! bodies) and `warren-amqp` (the broker conventions).

pub mod client;
pub mod direct;
pub mod dlq;
pub mod error;
pub mod job;
pub mod publish;
pub mod quarantine;
pub mod results;

pub use client::Client;
pub use error::ClientError;
pub use job::JobSpec;
pub use results::ResultStream;
pub use warren_amqp::DEFAULT_URL;
pub use warren_wire::{
    DEFAULT_JOBS_QUEUE, ErrorKind, JobError, JobLimits, JobResult, Outcome, Status,
};
