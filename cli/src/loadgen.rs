//! Load generation: keeps jobs in flight against a queue and measures throughput,
//! latency percentiles and outcomes (`warren bench`, `warren-bench`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde_json::json;
use tokio::task::JoinSet;

use warren_client::publish::publish_job;
use warren_client::{Client, ClientError, JobSpec};
use warren_wire::ids::new_job_id;

/// What to run and how hard.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub queue: String,
    pub job: JobSpec,
    pub jobs: usize,
    /// Most jobs in flight at once (closed loop).
    pub concurrency: usize,
    /// Jobs per second to submit at (open loop, still capped by `concurrency`);
    /// `None`: as fast as results come back.
    pub rate: Option<f64>,
    /// Builds job `n` instead of repeating `job` (varied code, a mix of outcomes).
    pub vary: Option<JobMaker>,
    /// Give up on the remaining results after this long without any.
    pub reply_timeout: Duration,
}

/// Makes the `n`th job of a benchmark.
#[derive(Clone)]
pub struct JobMaker(pub Arc<dyn Fn(usize) -> JobSpec + Send + Sync>);

impl std::fmt::Debug for JobMaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JobMaker")
    }
}

/// What a run measured.
#[derive(Debug)]
pub struct LoadReport {
    pub jobs: usize,
    pub received: usize,
    pub elapsed: Duration,
    pub outcomes: BTreeMap<String, u64>,
    /// Submit-to-result latency, in microseconds.
    pub latency_us: Histogram<u64>,
}

impl LoadReport {
    pub fn jobs_per_second(&self) -> f64 {
        self.received as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    pub fn missing(&self) -> usize {
        self.jobs - self.received
    }

    fn ms(&self, quantile: f64) -> f64 {
        self.latency_us.value_at_quantile(quantile) as f64 / 1000.0
    }

    /// The report as JSON, for machines (`--json`).
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "jobs": self.jobs,
            "received": self.received,
            "missing": self.missing(),
            "elapsed_s": self.elapsed.as_secs_f64(),
            "jobs_per_s": self.jobs_per_second(),
            "latency_ms": {
                "p50": self.ms(0.5), "p90": self.ms(0.9), "p99": self.ms(0.99),
                "max": self.latency_us.max() as f64 / 1000.0,
            },
            "outcomes": self.outcomes,
        })
    }

    /// The report for people.
    pub fn to_text(&self) -> String {
        let outcomes: Vec<String> = self
            .outcomes
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        format!(
            "jobs {} received {} missing {} in {:.2} s: {:.0} jobs/s\nlatency ms: p50 {:.2}  p90 {:.2}  p99 {:.2}  max {:.2}\noutcomes: {}\n",
            self.jobs,
            self.received,
            self.missing(),
            self.elapsed.as_secs_f64(),
            self.jobs_per_second(),
            self.ms(0.5),
            self.ms(0.9),
            self.ms(0.99),
            self.latency_us.max() as f64 / 1000.0,
            outcomes.join(" ")
        )
    }
}

/// Runs the benchmark; `progress` is told how many results have arrived.
pub async fn run(
    client: &Client,
    options: &LoadOptions,
    progress: impl Fn(u64),
) -> Result<LoadReport, ClientError> {
    let mut stream = client.results().await?;
    let (channel, reply_queue) = stream.publisher();
    let body: Arc<[u8]> = options.job.body().into();
    let queue: Arc<str> = options.queue.as_str().into();
    let reply_queue: Arc<str> = reply_queue.into();
    let mut latency =
        Histogram::<u64>::new(3).map_err(|err| ClientError::Connect(err.to_string()))?;
    let mut outcomes = BTreeMap::new();
    let mut sent_at: HashMap<String, Instant> = HashMap::new();
    let mut publishes = JoinSet::new();
    let (mut submitted, mut received) = (0usize, 0usize);
    let started = Instant::now();
    let mut finished = started;
    let concurrency = options.concurrency.max(1);
    let due = |n: usize| match options.rate {
        Some(rate) if rate > 0.0 => started + Duration::from_secs_f64(n as f64 / rate),
        _ => started,
    };
    while received < options.jobs {
        while submitted < options.jobs
            && submitted - received < concurrency
            && due(submitted) <= Instant::now()
        {
            let body = match &options.vary {
                Some(maker) => Arc::<[u8]>::from(maker.0(submitted).body()),
                None => body.clone(),
            };
            let job_id = new_job_id();
            sent_at.insert(job_id.clone(), Instant::now());
            let (channel, queue, reply_queue, body, tenant) = (
                channel.clone(),
                queue.clone(),
                reply_queue.clone(),
                body.clone(),
                options.job.tenant.clone(),
            );
            publishes.spawn(async move {
                publish_job(
                    &channel,
                    &queue,
                    &job_id,
                    &body,
                    Some(&reply_queue),
                    tenant.as_deref(),
                )
                .await
            });
            submitted += 1;
        }
        let next_due = tokio::time::Instant::from_std(due(submitted));
        let pacing = options.rate.is_some() && submitted < options.jobs;
        tokio::select! {
            () = tokio::time::sleep_until(next_due), if pacing => {}
            next = stream.next(options.reply_timeout) => match next? {
                Some(result) => {
                    if let Some(sent) = sent_at.remove(&result.job_id) {
                        let micros = u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX);
                        let _ = latency.record(micros.max(1));
                        let label = result.label().unwrap_or("invalid");
                        *outcomes.entry(label.to_owned()).or_insert(0) += 1;
                        received += 1;
                        finished = Instant::now();
                        progress(received as u64);
                    }
                }
                None => break,
            },
            Some(published) = publishes.join_next(), if !publishes.is_empty() => {
                match published {
                    Ok(Ok(())) => {}
                    Ok(Err(err)) => return Err(err),
                    Err(err) => return Err(ClientError::Connect(err.to_string())),
                }
            }
        }
    }
    Ok(LoadReport {
        jobs: options.jobs,
        received,
        elapsed: finished.duration_since(started),
        outcomes,
        latency_us: latency,
    })
}
