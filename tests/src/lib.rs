//! Helpers for end-to-end tests against the real broker at `WARREN_TEST_AMQP_URL`
//! (default: the local RabbitMQ). Every test uses its own queues and deletes them.
//!
//! # Layout
//! - this file: queue names, worker flags, a worker inside the test process
//!   ([`InProcessWorker`]), HTTP probes of its endpoints, metrics, waiting on a
//!   condition ([`eventually`]).
//! - [`process`]: the real binaries as processes (workers, `warren`, examples).
//! - [`client`]: a minimal producer that speaks the protocol on its own.
//! - [`broker`]: acting on the broker itself (`rabbitmqctl`).
//! - [`fleet`]: the fleet scenarios' paced, counted load and readiness watching.
//! - [`cluster`]: the three-node cluster of `scripts/cluster.sh`, its nodes failed on
//!   purpose, and load that outlives them.
//!
//! Tests that need no broker live beside their crate (`worker/tests`, `cli/tests`);
//! the stand-in HTTP server is `warren-testkit`'s.
#![allow(clippy::unwrap_used)]

pub mod broker;
pub mod client;
pub mod cluster;
pub mod fleet;
pub mod process;

use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use warren_worker::config::{Args, WorkerConfig};

/// The broker the tests use.
pub fn amqp_url() -> String {
    std::env::var("WARREN_TEST_AMQP_URL").unwrap_or_else(|_| warren_amqp::DEFAULT_URL.to_owned())
}

/// A queue name no other test (or test run) uses.
pub fn unique_queue(test: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "warren.test.{test}.{}.{}.{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Worker flags for a test: this queue, loopback metrics on a free port, short grace,
/// two slots, 2 s job timeout; `extra` flags replace these defaults.
pub fn worker_args(queue: &str, extra: &[&str]) -> Vec<String> {
    let defaults = [
        ("--amqp-url", amqp_url()),
        ("--queue", queue.to_owned()),
        ("--metrics-addr", format!("127.0.0.1:{}", free_port())),
        ("--concurrency", "2".to_owned()),
        ("--shutdown-grace", "10".to_owned()),
        ("--timeout-ms", "2000".to_owned()),
    ];
    let mut args = vec!["warren-worker".to_owned()];
    for (flag, value) in defaults {
        if !extra.contains(&flag) {
            args.push(flag.to_owned());
            args.push(value);
        }
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// Logs of in-process workers go to the test's output when `WARREN_TEST_LOG` is set.
pub fn init_test_logging() {
    if std::env::var_os("WARREN_TEST_LOG").is_some() {
        warren_worker::telemetry::init(Some(warren_worker::config::LogFormat::Pretty));
    }
}

/// A worker running inside the test process, stopped by [`InProcessWorker::stop`].
pub struct InProcessWorker {
    pub config: WorkerConfig,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl InProcessWorker {
    /// Starts a worker and waits until it reports ready (its queue declared and consumed).
    pub async fn start(queue: &str, extra: &[&str]) -> InProcessWorker {
        let worker = InProcessWorker::spawn(queue, extra);
        let addr = worker.config.metrics_addr;
        let ready = eventually(Duration::from_secs(20), || async move {
            matches!(http_get(addr, "/readyz").await, Ok((200, _)))
        })
        .await;
        assert!(ready, "worker became ready");
        worker
    }

    /// Starts a worker without waiting for it to become ready.
    pub fn spawn(queue: &str, extra: &[&str]) -> InProcessWorker {
        use clap::Parser;
        init_test_logging();
        // Sandbox processes run the real worker binary, not this test binary.
        let mut args = worker_args(queue, extra);
        if !extra.contains(&"--isolation") {
            args.push("--sandbox-program".into());
            args.push(process::binary("warren-worker").display().to_string());
        }
        let args = Args::try_parse_from(args).expect("worker flags");
        let config = args.resolve().expect("worker config");
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(warren_worker::worker::run(config.clone(), async move {
            let _ = stopped.await;
        }));
        InProcessWorker {
            config,
            stop: Some(stop),
            task,
        }
    }

    pub fn metrics_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.config.metrics_addr)
    }

    /// Stops the worker and waits for it to drain.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(Duration::from_secs(30), &mut self.task)
            .await
            .expect("worker stops within 30 s")
            .expect("worker task")
            .expect("worker exits cleanly");
    }
}

/// A plain HTTP GET on loopback: (status, body).
pub async fn http_get(addr: std::net::SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    stream
        .write_all(format!("GET {path} HTTP/1.1\r\nhost: x\r\n\r\n").as_bytes())
        .await?;
    let mut out = String::new();
    stream.read_to_string(&mut out).await?;
    let status = out
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

/// Waits until `check` holds, polling every 50 ms, for at most `within`.
pub async fn eventually<F, Fut>(within: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The value of one sample in a Prometheus text exposition: `name` with exactly these
/// labels (in any order). `None` when the series is absent.
pub fn metric(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (series_name, series_labels) = match series.split_once('{') {
                Some((n, rest)) => (n, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            if series_name != name {
                return None;
            }
            let found: Vec<(&str, &str)> = if series_labels.is_empty() {
                Vec::new()
            } else {
                series_labels
                    .split(',')
                    .filter_map(|kv| kv.split_once('='))
                    .map(|(k, v)| (k, v.trim_matches('"')))
                    .collect()
            };
            let same = found.len() == labels.len() && labels.iter().all(|l| found.contains(l));
            same.then(|| value.parse().ok()).flatten()
        })
}

/// Jobs the worker with metrics at `addr` has finished on `queue`, by any outcome (0
/// when it does not answer).
pub async fn jobs_done(addr: std::net::SocketAddr, queue: &str) -> u64 {
    let Ok((200, text)) = http_get(addr, "/metrics").await else {
        return 0;
    };
    let label = format!("queue=\"{queue}\"");
    text.lines()
        .filter(|line| line.starts_with("warren_jobs_total{") && line.contains(&label))
        .filter_map(|line| line.rsplit_once(' ')?.1.parse::<f64>().ok())
        .sum::<f64>() as u64
}
