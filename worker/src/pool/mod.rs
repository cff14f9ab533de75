//! One pool: the seam between the broker and the sandbox. Its [`session`] consumes the
//! pool's queue on a connection (through its [`consumers`], sized by its prefetch
//! [`window`]) and drains it on shutdown; each delivery is run to a settled [`job`]:
//! delivery → job → outcome → result → confirm → ack.
//!
//! Many tenants share a pool: a tenant's jobs beyond its share are moved to the
//! pool's [`backlog`] queues, held jobs enter the engine through the [`admission`]
//! gate (round robin by tenant), code that keeps breaking its sandbox is refused
//! through the [`quarantine`] stream, and [`tenant_figures`] logs who used the slots.

mod admission;
mod backlog;
mod consumers;
mod job;
mod lock;
mod quarantine;
pub mod session;
mod tenant_figures;
pub mod window;

use std::sync::Arc;

use crate::config::{PoolConfig, Prefetch};
use crate::metrics::Metrics;
use crate::sandbox::Engine;
use admission::Admission;
use backlog::Backlogs;
use quarantine::Quarantine;
use tenant_figures::TenantFigures;
use window::PrefetchWindow;

/// A pool's lasting parts: its settings and its engine, shared by every job task.
pub struct Pool {
    pub config: PoolConfig,
    pub engine: Engine,
    pub worker_name: String,
    pub metrics: Arc<Metrics>,
    /// The window that follows the jobs, unless the operator fixed the prefetch. It
    /// outlives sessions: a reconnected pool starts where it was.
    window: Option<PrefetchWindow>,
    /// Which held job goes into the engine next: round robin across tenants, each
    /// under its cap.
    admission: Admission,
    /// Where jobs of tenants over their share go, unless fair shares are off.
    backlogs: Option<Backlogs>,
    /// Code refused for breaking its sandbox too often, unless quarantine is off.
    quarantine: Option<Arc<Quarantine>>,
    /// This minute's jobs of each tenant, for the minute's log line.
    tenant_figures: TenantFigures,
}

impl Pool {
    /// After a lost connection: start the next session with a shallow window.
    pub fn connection_lost(&self) {
        if let Some(window) = &self.window {
            window.restart();
        }
    }

    /// Whether the quarantine stream could be declared on this connection; without it
    /// (a broker without streams, or a stream declared with other arguments) the pool
    /// runs without quarantine.
    pub fn quarantine_available(&self, available: bool) {
        if let Some(quarantine) = &self.quarantine {
            quarantine.set_available(available);
        }
    }

    /// The backlog queues the pool's workers also consume (none with fair shares off).
    pub fn backlog_queues(&self) -> &[String] {
        self.backlogs.as_ref().map_or(&[], Backlogs::queues)
    }

    pub fn new(
        config: PoolConfig,
        engine: Engine,
        worker_name: String,
        metrics: Arc<Metrics>,
    ) -> Pool {
        let slots = u16::try_from(engine.slots()).unwrap_or(u16::MAX);
        // With a cap per tenant, jobs over their tenant's share wait in the worker:
        // the adaptive window keeps room for twice the slots, so other tenants' jobs
        // still reach the free slots.
        let window_slots = match config.tenant_max_slots {
            Some(_) => slots.saturating_mul(2),
            None => slots,
        };
        let window = match config.prefetch {
            Prefetch::Fixed(_) => None,
            Prefetch::Adaptive { max } => Some(PrefetchWindow::new(window_slots, max)),
        };
        let admission = Admission::new(
            engine.slots(),
            config.tenant_max_slots,
            metrics
                .waiting_turn
                .with_label_values(&[config.queue.as_str()]),
        );
        // A tenant keeps as many jobs in a worker as it may run there; the next ones
        // go to its backlog queue.
        let share = config.tenant_max_slots.unwrap_or(engine.slots());
        let backlogs = config
            .backlog_queues
            .filter(|count| *count > 0)
            .map(|count| Backlogs::new(warren_wire::backlog_queues(&config.queue, count), share));
        let quarantine = config.quarantine.map(|policy| {
            Arc::new(Quarantine::new(
                &config.queue,
                &worker_name,
                policy,
                metrics.clone(),
            ))
        });
        Pool {
            config,
            engine,
            worker_name,
            metrics,
            window,
            admission,
            backlogs,
            quarantine,
            tenant_figures: TenantFigures::default(),
        }
    }
}
