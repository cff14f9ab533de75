//! Warren's worker: consumes invocation jobs from RabbitMQ and runs each in a fresh,
//! resource-limited QuickJS sandbox, then publishes its result to the job's `reply_to`.
//!
//! # Layout
//! - [`sandbox`]: the engine that runs a job and produces its outcome (no AMQP).
//! - [`egress`]: `fetch`'s network half: allowlist, address guard, HTTP client.
//! - [`broker`]: connecting, topology, deliveries, publishing with confirms (no sandbox).
//! - [`pool`]: the job loop joining them: delivery → job → outcome → result → confirm → ack.
//! - [`worker`]: `run(config, shutdown)`: engines, health endpoints, (re)connection, drain.
//! - [`config`]: flags, environment variables and the pools file, checked at start-up;
//!   [`cli`]: the `warren-worker` command line.
//! - [`metrics`], [`health`], [`telemetry`], [`trace_context`], [`shutdown`]: operating the worker.

pub mod broker;
pub mod cli;
pub mod config;
pub mod egress;
pub mod health;
pub mod ids;
pub mod metrics;
pub mod pool;
pub mod sandbox;
pub mod shutdown;
pub mod telemetry;
pub mod trace_context;
pub mod worker;
