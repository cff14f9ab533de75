//! Prometheus metrics, defined once. Labels stay low-cardinality: queue names and
//! outcomes, never job ids.

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder, exponential_buckets,
};

/// Every metric the worker exports.
pub struct Metrics {
    registry: Registry,
    pub jobs: IntCounterVec,
    pub job_duration: HistogramVec,
    pub queue_wait: HistogramVec,
    pub in_flight: IntGaugeVec,
    pub prefetch: IntGaugeVec,
    pub slots: IntGaugeVec,
    pub waiting: IntGauge,
    pub watchdog_overruns: IntCounter,
    pub process_deaths: IntCounter,
    pub memory_peak: Histogram,
    pub results_published: IntCounterVec,
    pub redelivered: IntCounterVec,
    pub broker_connected: IntGauge,
    /// 1 for the broker address the worker is connected to (host and port).
    pub broker_node: IntGaugeVec,
    pub ready: IntGauge,
    pub io_threads: IntGauge,
    pub broker_reconnects: IntCounter,
    pub cache_hits: IntCounter,
    pub cache_misses: IntCounter,
    /// Jobs moved to a backlog queue (fair shares).
    pub jobs_moved: IntCounterVec,
    /// Held jobs waiting for their tenant's turn, or under its cap.
    pub waiting_turn: IntGaugeVec,
    /// Codes put in quarantine, and jobs answered `quarantined`.
    pub quarantines: IntCounterVec,
    pub quarantined_jobs: IntCounterVec,
    /// Codes in quarantine now.
    pub quarantined_codes: IntGaugeVec,
}

/// Result publication outcomes, as `warren_results_published_total{result}` labels.
pub mod published {
    pub const CONFIRMED: &str = "confirmed";
    pub const NACKED: &str = "nacked";
    pub const RETURNED: &str = "returned";
    pub const FAILED: &str = "failed";
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        // Tens of microseconds (a trivial job) to tens of seconds (a long timeout).
        let job_buckets = vec![
            0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1,
            0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
        ];
        let wait_buckets = vec![
            0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            30.0, 60.0, 300.0, 1800.0,
        ];
        let m = Metrics {
            jobs: IntCounterVec::new(
                Opts::new("warren_jobs_total", "Jobs finished, by queue and outcome (ok or the error kind)."),
                &["queue", "outcome"],
            )
            .unwrap_or_else(|e| unreachable!("{e}")),
            job_duration: HistogramVec::new(
                HistogramOpts::new("warren_job_duration_seconds", "Time a job spent in the sandbox.")
                    .buckets(job_buckets),
                &["queue", "outcome"],
            )
            .unwrap_or_else(|e| unreachable!("{e}")),
            queue_wait: HistogramVec::new(
                HistogramOpts::new(
                    "warren_job_queue_wait_seconds",
                    "Time from the job's AMQP timestamp to the worker receiving it.",
                )
                .buckets(wait_buckets),
                &["queue"],
            )
            .unwrap_or_else(|e| unreachable!("{e}")),
            in_flight: IntGaugeVec::new(
                Opts::new("warren_jobs_in_flight", "Jobs received and not yet settled."),
                &["queue"],
            )
            .unwrap_or_else(|e| unreachable!("{e}")),
            prefetch: IntGaugeVec::new(
                Opts::new(
                    "warren_prefetch_window",
                    "Unacknowledged jobs the broker may hand this worker's pool now (its prefetch window).",
                ),
                &["queue"],
            )
            .unwrap_or_else(|e| unreachable!("{e}")),
            slots: IntGaugeVec::new(
                Opts::new("warren_sandbox_slots", "Sandbox slots by state (busy or idle)."),
                &["state"],
            )
            .unwrap_or_else(|e| unreachable!("{e}")),
            waiting: IntGauge::new(
                "warren_sandbox_waiting_jobs",
                "Jobs parked by their slot while they wait for a fetch response or a timer.",
            )
            .unwrap_or_else(|e| unreachable!("{e}")),
            watchdog_overruns: IntCounter::new(
                "warren_sandbox_watchdog_overruns_total",
                "Jobs stuck in one uninterruptible call that the watchdog answered for (timeout), retiring their slot.",
            )
            .unwrap_or_else(|e| unreachable!("{e}")),
            process_deaths: IntCounter::new(
                "warren_sandbox_process_deaths_total",
                "Sandbox processes that died under a job (crash) or were killed by the watchdog, each replaced at once.",
            )
            .unwrap_or_else(|e| unreachable!("{e}")),
            memory_peak: Histogram::with_opts(
                HistogramOpts::new("warren_sandbox_memory_peak_bytes", "Peak JS heap of each job.")
                    .buckets(exponential_buckets(65_536.0, 2.0, 15).unwrap_or_else(|e| unreachable!("{e}"))),
            )
            .unwrap_or_else(|e| unreachable!("{e}")),
            results_published: IntCounterVec::new(
                Opts::new(
                    "warren_results_published_total",
                    "Results published, by what the broker said (confirmed, nacked, returned, failed).",
                ),
                &["result"],
            )
            .unwrap_or_else(|e| unreachable!("{e}")),
            redelivered: IntCounterVec::new(
                Opts::new("warren_jobs_redelivered_total", "Jobs received that the broker had delivered before."),
                &["queue"],
            )
            .unwrap_or_else(|e| unreachable!("{e}")),
            broker_connected: IntGauge::new("warren_broker_connected", "1 while connected to the broker.")
                .unwrap_or_else(|e| unreachable!("{e}")),
            broker_node: IntGaugeVec::new(
                Opts::new(
                    "warren_broker_node",
                    "1 for the broker node (host:port, one of --amqp-url) the worker is connected to.",
                ),
                &["address"],
            )
            .unwrap_or_else(|e| unreachable!("{e}")),
            io_threads: IntGauge::new(
                "warren_io_threads",
                "Worker threads of the async runtime (--io-threads).",
            )
            .unwrap_or_else(|e| unreachable!("{e}")),
            ready: IntGauge::new(
                "warren_ready",
                "1 while /readyz answers 200 (connected, consuming every pool, not stopping).",
            )
            .unwrap_or_else(|e| unreachable!("{e}")),
            broker_reconnects: IntCounter::new(
                "warren_broker_reconnects_total",
                "Connections made after the first one.",
            )
            .unwrap_or_else(|e| unreachable!("{e}")),
            cache_hits: IntCounter::new(
                "warren_bytecode_cache_hits_total",
                "Jobs whose code was already compiled.",
            )
            .unwrap_or_else(|e| unreachable!("{e}")),
            cache_misses: IntCounter::new(
                "warren_bytecode_cache_misses_total",
                "Jobs whose code had to be compiled.",
            )
            .unwrap_or_else(|e| unreachable!("{e}")),
            jobs_moved: IntCounterVec::new(
                Opts::new(
                    "warren_jobs_moved_total",
                    "Jobs of tenants over their share moved to one of the pool's backlog queues.",
                ),
                &["queue"],
            )
            .unwrap_or_else(|e| unreachable!("{e}")),
            waiting_turn: IntGaugeVec::new(
                Opts::new(
                    "warren_jobs_waiting_turn",
                    "Jobs held by the worker waiting for their tenant's turn or under its --tenant-max-slots cap.",
                ),
                &["queue"],
            )
            .unwrap_or_else(|e| unreachable!("{e}")),
            quarantines: IntCounterVec::new(
                Opts::new(
                    "warren_quarantines_total",
                    "Codes put in quarantine after crashing their sandbox or being killed by the watchdog too often.",
                ),
                &["queue"],
            )
            .unwrap_or_else(|e| unreachable!("{e}")),
            quarantined_jobs: IntCounterVec::new(
                Opts::new(
                    "warren_quarantined_jobs_total",
                    "Jobs answered `quarantined` without running.",
                ),
                &["queue"],
            )
            .unwrap_or_else(|e| unreachable!("{e}")),
            quarantined_codes: IntGaugeVec::new(
                Opts::new("warren_quarantined_codes", "Codes in quarantine now."),
                &["queue"],
            )
            .unwrap_or_else(|e| unreachable!("{e}")),
            registry,
        };
        let build_info = IntGaugeVec::new(
            Opts::new("warren_build_info", "Build information; always 1."),
            &["version", "quickjs"],
        )
        .unwrap_or_else(|e| unreachable!("{e}"));
        build_info
            .with_label_values(&[env!("CARGO_PKG_VERSION"), "quickjs-ng 0.16"])
            .set(1);
        let collectors: Vec<Box<dyn prometheus::core::Collector>> = vec![
            Box::new(m.jobs.clone()),
            Box::new(m.job_duration.clone()),
            Box::new(m.queue_wait.clone()),
            Box::new(m.in_flight.clone()),
            Box::new(m.prefetch.clone()),
            Box::new(m.slots.clone()),
            Box::new(m.waiting.clone()),
            Box::new(m.watchdog_overruns.clone()),
            Box::new(m.process_deaths.clone()),
            Box::new(m.memory_peak.clone()),
            Box::new(m.results_published.clone()),
            Box::new(m.redelivered.clone()),
            Box::new(m.broker_connected.clone()),
            Box::new(m.broker_node.clone()),
            Box::new(m.ready.clone()),
            Box::new(m.io_threads.clone()),
            Box::new(m.broker_reconnects.clone()),
            Box::new(m.cache_hits.clone()),
            Box::new(m.cache_misses.clone()),
            Box::new(m.jobs_moved.clone()),
            Box::new(m.waiting_turn.clone()),
            Box::new(m.quarantines.clone()),
            Box::new(m.quarantined_jobs.clone()),
            Box::new(m.quarantined_codes.clone()),
            Box::new(build_info),
            Box::new(prometheus::process_collector::ProcessCollector::for_self()),
        ];
        for collector in collectors {
            m.registry
                .register(collector)
                .unwrap_or_else(|e| unreachable!("metric names are unique: {e}"));
        }
        m
    }

    /// Creates every series of a pool's queue at zero, so dashboards and alerts see the
    /// queue (and each outcome) before its first job.
    pub fn register_queue(&self, queue: &str) {
        let outcomes =
            std::iter::once("ok").chain(warren_wire::ErrorKind::ALL.iter().map(|k| k.as_str()));
        for outcome in outcomes {
            self.jobs.with_label_values(&[queue, outcome]);
            self.job_duration.with_label_values(&[queue, outcome]);
        }
        self.queue_wait.with_label_values(&[queue]);
        self.in_flight.with_label_values(&[queue]);
        self.prefetch.with_label_values(&[queue]);
        self.redelivered.with_label_values(&[queue]);
        self.jobs_moved.with_label_values(&[queue]);
        self.waiting_turn.with_label_values(&[queue]);
        self.quarantines.with_label_values(&[queue]);
        self.quarantined_jobs.with_label_values(&[queue]);
        self.quarantined_codes.with_label_values(&[queue]);
        for result in [
            published::CONFIRMED,
            published::NACKED,
            published::RETURNED,
            published::FAILED,
        ] {
            self.results_published.with_label_values(&[result]);
        }
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        if let Err(err) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::warn!(cause = %err, "Cannot encode metrics.");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
