//! One pool: the seam between the broker and the sandbox. Its [`session`] consumes the
//! pool's queue on a connection and drains it on shutdown; each delivery is run to a
//! settled [`job`]: delivery → job → outcome → result → confirm → ack.

mod job;
pub mod session;

use std::sync::Arc;

use crate::config::PoolConfig;
use crate::metrics::Metrics;
use crate::sandbox::Engine;

/// A pool's lasting parts: its settings and its engine, shared by every job task.
pub struct Pool {
    pub config: PoolConfig,
    pub engine: Engine,
    pub worker_name: String,
    pub metrics: Arc<Metrics>,
}
