//! Warren's worker: consumes invocation jobs from RabbitMQ and runs each in a fresh,
//! resource-limited QuickJS sandbox, then publishes its result to the job's `reply_to`.
//!
//! # Layout
//! - [`sandbox`]: the engine that runs a job and produces its outcome (no AMQP); its
//!   own `//! # Layout` maps its layers.
//! - [`egress`]: `fetch`'s network half: allowlist, address guard, HTTP client.
//! - [`broker`]: (re)connecting and declaring each pool's topology; the AMQP
//!   conventions themselves are `warren-amqp`'s (no sandbox in either).
//! - [`pool`]: the job loop joining them: delivery → job → outcome → result → confirm → ack.
//! - [`worker`]: `run(config, shutdown)`: engines, health endpoints, (re)connection, drain.
//! - [`config`]: flags, environment variables and the pools file, checked at start-up;
//!   [`cli`]: the `warren-worker` command line.
//! - [`events`]: telemetry events, each logging and counting in one place;
//!   [`metrics`], [`health`], [`telemetry`], [`shutdown`]: operating the worker.
//!
//! Dependencies point down: `cli` → `worker` → `pool` → (`broker`, `sandbox`) →
//! `egress`; `config` describes `sandbox` and `egress` settings; `events` (over
//! `metrics` and the sandbox's types) serves `worker` and `pool`.

pub mod broker;
pub mod cli;
pub mod config;
pub mod egress;
pub mod events;
pub mod health;
pub mod metrics;
pub mod pool;
pub mod sandbox;
pub mod shutdown;
pub mod telemetry;
pub mod worker;

/// Unit tests measure what decoding hostile frames allocates.
#[cfg(test)]
#[global_allocator]
static ALLOCATOR: warren_testkit::alloc::Watching = warren_testkit::alloc::Watching;
