//! Warren's wire types, shared by the worker, the `warren` CLI and client code.
//!
//! # Layout
//! - [`job`]: the job body a producer publishes, and its validation into a [`job::Job`].
//! - [`result`]: the result body a worker publishes back ([`result::JobResult`]).
//! - [`error_kind`]: the closed set of `error.kind` values.
//! - [`content_type`]: the `content_type` property rules.
//! - [`ids`]: job ids for jobs published without one.
//! - [`quarantine`]: the events of a pool's quarantine stream and what they decide.
//!
//! The wire contract itself is `PROTOCOL.md`, copied into `docs/protocol.md`.

pub mod content_type;
pub mod error_kind;
pub mod ids;
pub mod job;
pub mod quarantine;
pub mod result;

pub use error_kind::ErrorKind;
pub use job::{Job, JobLimits, RejectedJob};
pub use result::{JobError, JobResult, LogEntry, LogLevel, Outcome, Stats, Status};

/// Default name of the jobs queue.
pub const DEFAULT_JOBS_QUEUE: &str = "warren.jobs";
/// The dead-letter exchange shared by all pools.
pub const DEAD_LETTER_EXCHANGE: &str = "warren.dlx";
/// Suffix appended to a jobs queue's name to name its dead-letter queue.
pub const DEAD_LETTER_SUFFIX: &str = ".dead";
/// Deliveries after which the broker dead-letters a job.
pub const DELIVERY_LIMIT: i64 = 5;
/// The only content type a job may have.
pub const JSON_CONTENT_TYPE: &str = "application/json";
/// The AMQP header naming a job's tenant (an extension of PROTOCOL.md): a string of at
/// most [`MAX_TENANT_BYTES`]; a job without one (or with another value) belongs to
/// the default tenant.
pub const TENANT_HEADER: &str = "x-warren-tenant";
/// The longest tenant name a worker takes as one.
pub const MAX_TENANT_BYTES: usize = 255;

/// The header a worker sets on a job it moved to a backlog queue: how many earlier
/// deliveries the job had before it was moved, so its `attempt` keeps counting.
pub const MOVED_HEADER: &str = "x-warren-moved";
/// Suffix of a pool's backlog queues, followed by their number: `warren.jobs.backlog.0`.
pub const BACKLOG_SUFFIX: &str = ".backlog.";

/// Backlog queues of a pool unless its workers are told otherwise.
pub const DEFAULT_BACKLOG_QUEUES: u16 = 4;

/// The backlog queues of a jobs queue, where its workers move the jobs of tenants
/// holding more than their share (see docs/scaling.md).
pub fn backlog_queues(jobs_queue: &str, count: u16) -> Vec<String> {
    (0..count)
        .map(|n| format!("{jobs_queue}{BACKLOG_SUFFIX}{n}"))
        .collect()
}

/// Every queue a pool's workers may declare with their default settings: the jobs
/// queue, its dead-letter queue, its backlog queues and its quarantine stream.
pub fn pool_queues(jobs_queue: &str) -> Vec<String> {
    let mut queues = vec![jobs_queue.to_owned(), dead_letter_queue(jobs_queue)];
    queues.extend(backlog_queues(jobs_queue, DEFAULT_BACKLOG_QUEUES));
    queues.push(quarantine_stream(jobs_queue));
    queues
}

/// The stream where a pool's workers record crashes and quarantines.
pub fn quarantine_stream(jobs_queue: &str) -> String {
    format!("{jobs_queue}.quarantine")
}

/// The dead-letter queue's name for a jobs queue.
pub fn dead_letter_queue(jobs_queue: &str) -> String {
    format!("{jobs_queue}{DEAD_LETTER_SUFFIX}")
}

/// Unit tests measure what reading hostile messages allocates.
#[cfg(test)]
#[global_allocator]
static ALLOCATOR: warren_testkit::alloc::Watching = warren_testkit::alloc::Watching;
