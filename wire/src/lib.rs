//! Warren's wire types, shared by the worker, the `warren` CLI and client code.
//!
//! # Layout
//! - [`job`]: the job body a producer publishes, and its validation into a [`job::Job`].
//! - [`result`]: the result body a worker publishes back ([`result::JobResult`]).
//! - [`error_kind`]: the closed set of `error.kind` values.
//! - [`content_type`]: the `content_type` property rules.
//! - [`ids`]: job ids for jobs published without one.
//!
//! The wire contract itself is `PROTOCOL.md`, copied into `docs/protocol.md`.

pub mod content_type;
pub mod error_kind;
pub mod ids;
pub mod job;
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

/// The dead-letter queue's name for a jobs queue.
pub fn dead_letter_queue(jobs_queue: &str) -> String {
    format!("{jobs_queue}{DEAD_LETTER_SUFFIX}")
}

/// Unit tests measure what reading hostile messages allocates.
#[cfg(test)]
#[global_allocator]
static ALLOCATOR: warren_testkit::alloc::Watching = warren_testkit::alloc::Watching;
