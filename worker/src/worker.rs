//! The worker's top level: start the pools' engines and the health endpoints, then
//! connect, declare, consume and reconnect until asked to stop.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tracing::info;

use crate::broker::{self, declare_quarantine_stream, declare_topology};
use crate::config::WorkerConfig;
use crate::events::{
    BrokerConnected, BrokerDisconnected, BrokerLost, BrokerUnreachable, ConnectionOpened,
    QuarantineOff, TopologyFailed,
};
use crate::health::{self, Health};
use crate::metrics::Metrics;
use crate::pool::Pool;
use crate::pool::session::SessionEnd;
use crate::sandbox::Engine;
use crate::shutdown;

/// How long a session must have consumed for its end to count as a fresh failure
/// rather than one more in a row.
const STABLE_SESSION: std::time::Duration = std::time::Duration::from_secs(5);

/// Runs a worker until `shutdown` resolves, then drains and returns.
///
/// Tests pass their own trigger; the binary passes SIGTERM/SIGINT.
pub async fn run(
    config: WorkerConfig,
    shutdown_signal: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let metrics = Arc::new(Metrics::new());
    let runtime_threads = tokio::runtime::Handle::current().metrics().num_workers();
    metrics
        .io_threads
        .set(i64::try_from(runtime_threads).unwrap_or(i64::MAX));
    let health = Arc::new(Health::new(config.pools.len()));
    let mut pools = Vec::with_capacity(config.pools.len());
    for pool in &config.pools {
        let engine = Engine::start(pool.engine.clone())
            .map_err(|err| anyhow::anyhow!("pool {:?}: {err}", pool.queue))?;
        metrics.register_queue(&pool.queue);
        pools.push(Arc::new(Pool::new(
            pool.clone(),
            engine,
            config.worker_name.clone(),
            metrics.clone(),
        )));
    }

    let (stop, stopped) = shutdown::channel();
    let listener = TcpListener::bind(config.metrics_addr)
        .await
        .map_err(|err| anyhow::anyhow!("cannot listen on {}: {err}", config.metrics_addr))?;
    info!(addr = %listener.local_addr().unwrap_or(config.metrics_addr), "Serving /metrics, /healthz and /readyz.");
    let slot_pools = pools.clone();
    let slots = move || {
        let total: usize = slot_pools.iter().map(|p| p.engine.slots()).sum();
        let busy: usize = slot_pools.iter().map(|p| p.engine.busy()).sum();
        let waiting: usize = slot_pools
            .iter()
            .map(|p| p.engine.stats().waiting.load(Ordering::Relaxed))
            .sum();
        let overruns: usize = slot_pools
            .iter()
            .map(|p| p.engine.watchdog().overruns.load(Ordering::Relaxed))
            .sum();
        let process_deaths: u64 = slot_pools
            .iter()
            .map(|p| p.engine.stats().process_deaths.load(Ordering::Relaxed))
            .sum();
        health::SlotCounts {
            busy: busy as i64,
            idle: total.saturating_sub(busy) as i64,
            waiting: waiting as i64,
            overruns: overruns as u64,
            process_deaths,
        }
    };
    let http = tokio::spawn(health::serve(
        listener,
        health.clone(),
        metrics.clone(),
        slots,
        stopped.clone(),
    ));
    let watcher_health = health.clone();
    tokio::spawn(async move {
        shutdown_signal.await;
        watcher_health.shutting_down.store(true, Ordering::SeqCst);
        let _ = stop.send(true);
    });

    let brokers = &config.brokers;
    // Where the next connection attempt starts: a random node, then the next one
    // whenever a connection fails or drops.
    let mut at = brokers.random_start();
    let mut failures = 0u32;
    let mut connections = 0u64;
    loop {
        if *stopped.borrow() {
            break;
        }
        health.set_broker(brokers.shown(at));
        let mut stop_watch = stopped.clone();
        let connected = tokio::select! {
            connected = brokers.connect(at, &config.worker_name) => connected,
            _ = stop_watch.changed() => break,
        };
        let connection = match connected {
            Ok((reached, connection)) => {
                at = reached;
                health.set_broker(brokers.shown(at));
                Arc::new(connection)
            }
            Err(err) => {
                let wait = broker::backoff(failures);
                failures = failures.saturating_add(1);
                BrokerUnreachable {
                    cause: &err,
                    retry_in: wait,
                }
                .emit();
                tokio::select! {
                    _ = tokio::time::sleep(wait) => continue,
                    _ = stop_watch.changed() => break,
                }
            }
        };
        connections += 1;
        ConnectionOpened { connections }.emit(&metrics);
        let mut declared = Ok(());
        for pool in &pools {
            declared =
                declare_topology(&connection, &pool.config.queue, pool.backlog_queues()).await;
            if declared.is_err() {
                break;
            }
            if pool.config.quarantine.is_some() {
                let stream = declare_quarantine_stream(&connection, &pool.config.queue).await;
                if let Err(err) = &stream {
                    QuarantineOff {
                        queue: &pool.config.queue,
                        cause: err,
                    }
                    .emit();
                }
                pool.quarantine_available(stream.is_ok());
            }
        }
        if let Err(err) = declared {
            let wait = broker::backoff(failures);
            failures = failures.saturating_add(1);
            TopologyFailed {
                cause: &err,
                broker: &brokers.shown(at),
                retry_in: wait,
            }
            .emit();
            let _ = connection.close(200, "OK".into()).await;
            at = brokers.next(at);
            tokio::select! {
                _ = tokio::time::sleep(wait) => continue,
                _ = stop_watch.changed() => break,
            }
        }
        let consuming_since = tokio::time::Instant::now();
        health.connected.store(true, Ordering::SeqCst);
        BrokerConnected {
            connections,
            broker: &brokers.shown(at),
            brokers: brokers.len(),
        }
        .emit(&metrics);

        let mut sessions = JoinSet::new();
        for (index, pool) in pools.iter().enumerate() {
            let (pool, connection, health, stopped) = (
                pool.clone(),
                connection.clone(),
                health.clone(),
                stopped.clone(),
            );
            let grace = config.shutdown_grace;
            sessions.spawn(async move {
                pool.session(&connection, stopped, grace, &health.consuming[index])
                    .await
            });
        }
        let mut lost = None;
        let mut failover = brokers.next(at);
        while let Some(ended) = sessions.join_next().await {
            let reason = match ended {
                Ok(SessionEnd::Drained) => continue,
                Ok(SessionEnd::Lost(reason)) => reason,
                Err(err) => format!("a pool's job loop failed: {err}"),
            };
            if lost.is_none() {
                health.connected.store(false, Ordering::SeqCst);
                failover = brokers.other_than(at);
                BrokerLost {
                    reason: &reason,
                    broker: &brokers.shown(at),
                    next: &brokers.shown(failover),
                }
                .emit();
                for pool in pools.iter() {
                    pool.connection_lost();
                }
                // One pool's failure restarts them all on a fresh connection.
                let _ = connection.close(200, "reconnecting".into()).await;
                lost = Some(reason);
            }
        }
        health.connected.store(false, Ordering::SeqCst);
        BrokerDisconnected {
            broker: &brokers.shown(at),
        }
        .emit(&metrics);
        if lost.is_none() {
            let _ = connection.close(200, "OK".into()).await;
            break;
        }
        // Fail over to another node, chosen at random (never the one just lost first).
        at = failover;
        // A session that ended soon after it began (consuming refused on every node,
        // say) must not make the worker spin between nodes: back off as after a
        // refused connection. One that ran a while resets the count.
        if consuming_since.elapsed() >= STABLE_SESSION {
            failures = 0;
        } else {
            let wait = broker::backoff(failures);
            failures = failures.saturating_add(1);
            let mut stop_watch = stopped.clone();
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = stop_watch.changed() => break,
            }
        }
    }
    health.shutting_down.store(true, Ordering::SeqCst);
    http.abort();
    info!("Stopped.");
    Ok(())
}
