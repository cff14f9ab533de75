//! Helpers of the fleet scenarios (`tests/tests/fleet.rs`): load that is paced and
//! counted, worker readiness watched from outside, and the benchmark's load generator.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::client::{Publish, TestClient};

/// Counts of one scenario: what came back, against what was sent.
#[derive(Default)]
pub struct Tally {
    pub sent: usize,
    pub results: HashMap<String, Value>,
    pub duplicates: usize,
    /// From publishing a job to receiving its (first) result.
    pub latency: HashMap<String, Duration>,
}

impl Tally {
    pub fn lost(&self) -> usize {
        self.sent - self.results.len()
    }

    pub fn failed(&self) -> usize {
        self.results
            .values()
            .filter(|r| r["status"] != "ok")
            .count()
    }

    pub fn record(&mut self, value: Value, sent_at: &HashMap<String, Instant>) {
        let id = value["job_id"].as_str().unwrap_or_default().to_owned();
        if let Some(at) = sent_at.get(&id) {
            self.latency
                .entry(id.clone())
                .or_insert_with(|| at.elapsed());
        }
        if self.results.insert(id, value).is_some() {
            self.duplicates += 1;
        }
    }

    pub fn report(&self, scenario: &str) {
        let redelivered = self
            .results
            .values()
            .filter(|r| r["stats"]["attempt"].as_u64() > Some(1))
            .count();
        println!(
            "{scenario}: sent={} answered={} lost={} duplicated={} failed={} redelivered={redelivered}",
            self.sent,
            self.results.len(),
            self.lost(),
            self.duplicates,
            self.failed()
        );
    }
}

/// The `q`-quantile of `latencies` (0 when empty).
pub fn quantile(mut latencies: Vec<Duration>, q: f64) -> Duration {
    latencies.sort_unstable();
    let rank = ((latencies.len() as f64 * q).ceil() as usize).saturating_sub(1);
    latencies.get(rank).copied().unwrap_or_default()
}

/// A job with plain code and input, as most scenarios send.
pub fn job(id: &str, code: &str, input: Value) -> Publish {
    Publish::job(id, &json!({"code": code, "input": input}))
}

/// Publishes `jobs` at about `per_second` from a connection of its own while `client`
/// reads the results as they come (so a publisher held up by confirms never delays the
/// reading, nor the latencies measured), then waits up to a minute for the rest.
pub async fn paced_load(
    client: &mut TestClient,
    queue: &str,
    jobs: Vec<Publish>,
    per_second: usize,
) -> Tally {
    let sent_at = Arc::new(Mutex::new(HashMap::new()));
    let mut tally = Tally {
        sent: jobs.len(),
        ..Tally::default()
    };
    let publisher = TestClient::connect().await;
    let publishing = {
        let (queue, reply_to, sent_at) = (
            queue.to_owned(),
            client.reply_queue.clone(),
            sent_at.clone(),
        );
        tokio::spawn(async move {
            let started = tokio::time::Instant::now();
            for (n, mut job) in jobs.into_iter().enumerate() {
                job.reply_to = Some(reply_to.clone());
                let id = job.message_id.clone().unwrap_or_default();
                sent_at.lock().expect("sent_at").insert(id, Instant::now());
                publisher.publish(&queue, job).await;
                tokio::time::sleep_until(
                    started + Duration::from_secs_f64((n + 1) as f64 / per_second as f64),
                )
                .await;
            }
        })
    };
    let deadline =
        Instant::now() + Duration::from_secs_f64(tally.sent as f64 / per_second as f64 + 60.0);
    while tally.results.len() < tally.sent {
        let Some((value, _)) = client
            .next_result(deadline.saturating_duration_since(Instant::now()))
            .await
        else {
            break;
        };
        tally.record(value, &sent_at.lock().expect("sent_at"));
    }
    publishing.await.expect("publisher");
    tally
}

/// `total` numbered jobs running `code` on their number.
pub fn numbered_jobs(code: &str, total: usize) -> Vec<Publish> {
    (0..total)
        .map(|n| job(&format!("job-{n}"), code, json!(n)))
        .collect()
}

pub async fn bench(
    client: &warren_client::client::Client,
    queue: &str,
    job: &warren_client::client::JobSpec,
    jobs: usize,
) -> warren_cli::loadgen::LoadReport {
    let options = warren_cli::loadgen::LoadOptions {
        queue: queue.to_owned(),
        job: job.clone(),
        jobs,
        concurrency: 32,
        rate: None,
        vary: None,
        reply_timeout: Duration::from_secs(30),
    };
    warren_cli::loadgen::run(client, &options, |_| {})
        .await
        .expect("bench")
}

/// Whether, within `within`, every worker at `addrs` answers `/readyz` with 200
/// (`ready`) or every one does not (`!ready`).
pub async fn all_ready_within(
    addrs: &[std::net::SocketAddr],
    ready: bool,
    within: Duration,
) -> bool {
    crate::eventually(within, || async move {
        for addr in addrs {
            let answered = matches!(crate::http_get(*addr, "/readyz").await, Ok((200, _)));
            if answered != ready {
                return false;
            }
        }
        true
    })
    .await
}

/// Watches `/readyz` of each address every 5 ms until told to stop; reports whether any
/// of them answered "not ready" meanwhile.
pub fn watch_readiness(
    addrs: Vec<std::net::SocketAddr>,
) -> (
    std::sync::Arc<std::sync::atomic::AtomicBool>,
    tokio::task::JoinHandle<bool>,
) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let watching = std::sync::Arc::new(AtomicBool::new(true));
    let flag = watching.clone();
    let watcher = tokio::spawn(async move {
        let mut saw_not_ready = false;
        while flag.load(Ordering::Relaxed) {
            for addr in &addrs {
                if !matches!(crate::http_get(*addr, "/readyz").await, Ok((200, _))) {
                    saw_not_ready = true;
                }
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        saw_not_ready
    });
    (watching, watcher)
}
