//! Warren's worker: consumes invocation jobs from RabbitMQ and runs each in a fresh,
//! resource-limited QuickJS sandbox.
//!
//! # Layout
//! - [`sandbox`]: the engine that runs a job and produces its outcome (no AMQP).

pub mod sandbox;
