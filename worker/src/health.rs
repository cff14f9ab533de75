//! The worker's HTTP endpoints on `--metrics-addr`: `/metrics` (Prometheus text),
//! `/healthz` (the process and its event loop answer) and `/readyz` (connected,
//! topology declared, consuming every pool, not shutting down; its body names the
//! broker node the worker is on, or is trying).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tracing::debug;

use crate::metrics::Metrics;

/// Readiness inputs, shared with the job loops.
#[derive(Debug, Default)]
pub struct Health {
    pub connected: AtomicBool,
    pub shutting_down: AtomicBool,
    /// One flag per pool: consuming its queue.
    pub consuming: Vec<AtomicBool>,
    /// The broker node (host:port) connected to, or being tried.
    broker: Mutex<String>,
}

impl Health {
    pub fn new(pools: usize) -> Health {
        Health {
            consuming: (0..pools).map(|_| AtomicBool::new(false)).collect(),
            ..Health::default()
        }
    }

    pub fn set_broker(&self, broker: String) {
        if let Ok(mut current) = self.broker.lock() {
            *current = broker;
        }
    }

    /// `/readyz`'s body: the verdict, then the broker node and the state towards it.
    fn readiness(&self) -> (bool, String) {
        let broker = self.broker.lock().map(|b| b.clone()).unwrap_or_default();
        let ready = self.is_ready();
        let state = if ready {
            "consuming"
        } else if self.shutting_down.load(Ordering::SeqCst) {
            "stopping"
        } else if self.connected.load(Ordering::SeqCst) {
            "starting consumers"
        } else {
            "connecting"
        };
        let verdict = if ready { "ready" } else { "not ready" };
        (ready, format!("{verdict}\nbroker {broker} {state}\n"))
    }

    pub fn is_ready(&self) -> bool {
        self.connected.load(Ordering::SeqCst)
            && !self.shutting_down.load(Ordering::SeqCst)
            && self.consuming.iter().all(|c| c.load(Ordering::SeqCst))
    }
}

/// The engines' slots right now, for the gauges.
#[derive(Debug, Clone, Copy, Default)]
pub struct SlotCounts {
    pub busy: i64,
    pub idle: i64,
    /// Jobs parked while they wait for a response or a timer.
    pub waiting: i64,
    /// Jobs the watchdog answered for, since start.
    pub overruns: u64,
    /// Sandbox processes that died (or were killed) and were replaced, since start.
    pub process_deaths: u64,
}

/// Serves the endpoints until `shutdown` turns true.
pub async fn serve(
    listener: TcpListener,
    health: Arc<Health>,
    metrics: Arc<Metrics>,
    slots: impl Fn() -> SlotCounts + Send + Sync + 'static,
    mut shutdown: watch::Receiver<bool>,
) {
    let slots = Arc::new(slots);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let (health, metrics, slots) = (health.clone(), metrics.clone(), slots.clone());
                tokio::spawn(async move {
                    if let Err(err) = answer(stream, &health, &metrics, &*slots).await {
                        debug!(cause = %err, "Health request failed.");
                    }
                });
            }
            _ = shutdown.changed() => {
                if *shutdown.borrow() { return; }
            }
        }
    }
}

async fn answer(
    mut stream: TcpStream,
    health: &Health,
    metrics: &Metrics,
    slots: &(dyn Fn() -> SlotCounts + Send + Sync),
) -> std::io::Result<()> {
    let mut buf = vec![0u8; 4096];
    let mut read = 0;
    // Read the request head (bounded), then answer and close.
    let head = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while read < buf.len() {
            let n = stream.read(&mut buf[read..]).await?;
            if n == 0 {
                break;
            }
            read += n;
            if buf[..read].windows(4).any(|w| w == b"\r\n\r\n") || buf[..read].contains(&b'\n') {
                break;
            }
        }
        Ok::<_, std::io::Error>(())
    })
    .await;
    if !matches!(head, Ok(Ok(()))) {
        return Ok(());
    }
    let line = String::from_utf8_lossy(&buf[..read]);
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = path.split('?').next().unwrap_or("");
    let (status, content_type, body) = match (method, path) {
        ("GET" | "HEAD", "/healthz") => ("200 OK", "text/plain", "ok\n".to_owned()),
        ("GET" | "HEAD", "/readyz") => match health.readiness() {
            (true, body) => ("200 OK", "text/plain", body),
            (false, body) => ("503 Service Unavailable", "text/plain", body),
        },
        ("GET" | "HEAD", "/metrics") => {
            let counts = slots();
            metrics.slots.with_label_values(&["busy"]).set(counts.busy);
            metrics.slots.with_label_values(&["idle"]).set(counts.idle);
            metrics.waiting.set(counts.waiting);
            let counted = metrics.watchdog_overruns.get();
            metrics
                .watchdog_overruns
                .inc_by(counts.overruns.saturating_sub(counted));
            let counted = metrics.process_deaths.get();
            metrics
                .process_deaths
                .inc_by(counts.process_deaths.saturating_sub(counted));
            metrics.ready.set(i64::from(health.is_ready()));
            ("200 OK", "text/plain; version=0.0.4", metrics.render())
        }
        ("GET" | "HEAD", _) => ("404 Not Found", "text/plain", "not found\n".to_owned()),
        _ => (
            "405 Method Not Allowed",
            "text/plain",
            "method not allowed\n".to_owned(),
        ),
    };
    let body = if method == "HEAD" {
        String::new()
    } else {
        body
    };
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

/// `GET path` (`/healthz`, `/readyz`) on the worker at `addr` (an unspecified address
/// means this host): whether it answered 200 within two seconds.
pub async fn probe(addr: std::net::SocketAddr, path: &str) -> bool {
    let mut addr = addr;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let request = async {
        let mut stream = TcpStream::connect(addr).await?;
        stream
            .write_all(format!("GET {path} HTTP/1.0\r\n\r\n").as_bytes())
            .await?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await?;
        Ok::<_, std::io::Error>(response.starts_with(b"HTTP/1.1 200"))
    };
    matches!(
        tokio::time::timeout(std::time::Duration::from_secs(2), request).await,
        Ok(Ok(true))
    )
}
