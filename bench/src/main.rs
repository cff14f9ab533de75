//! `warren-bench`: Warren end to end on this machine, against the echo ceiling.
//!
//! `warren-bench run` starts real `warren-worker` processes (the release build next
//! to this binary) against the local broker, drives fixed workloads through them with
//! the `warren bench` load generator, and prints one table: jobs/s, latency
//! percentiles, worker CPU per job, worker RSS idle and under load, and time from exec
//! to ready. The echo ceiling (`warren-bench echo`, Warren's delivery semantics with
//! no sandbox) runs the same trivial load; Warren's throughput is given as a share of
//! it. The trivial load and the echo ceiling run alternately three times, as does the
//! latency at half rate, and the medians are reported: the machine is shared and
//! drifts over minutes. `--scaling` adds throughput by slots and workers.
//! `scripts/bench.sh` is the one command.
//!
//! # Layout
//! - this file: the command line, the table, and how runs are paired and repeated.
//! - [`workloads`]: the functions each row runs; [`echo`]: the echo ceiling, a
//!   consumer with the worker's delivery semantics (`warren-amqp`) and no sandbox;
//!   [`process`]: the processes under test and what the kernel says of them.
//!
//! It drives workers through public APIs only: the `warren bench` load generator
//! (`warren_cli::loadgen`), the client library, `warren-amqp`, and the worker's
//! health probe and `children_of`.

mod echo;
mod process;
mod workloads;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::Parser;
use warren_cli::loadgen::{LoadOptions, LoadReport};
use warren_client::Client;

use process::Subject;
use workloads::Workload;

#[derive(Debug, Parser)]
#[command(
    name = "warren-bench",
    about = "Warren end to end, against the echo ceiling"
)]
struct Cli {
    /// The broker (also WARREN_AMQP_URL).
    #[arg(
        long,
        global = true,
        env = "WARREN_AMQP_URL",
        default_value = warren_amqp::DEFAULT_URL
    )]
    amqp_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Run the workloads and print the table.
    Run(RunArgs),
    /// The echo consumer: Warren's delivery semantics without a sandbox.
    Echo(EchoArgs),
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    /// A few hundred jobs per workload: checks the benchmark works, measures nothing.
    #[arg(long)]
    quick: bool,
    /// Also measure throughput with 1, 2, 4 slots and 1, 2, 3 workers.
    #[arg(long)]
    scaling: bool,
    /// Only the backlogs: the default prefetch window against fixed ones.
    #[arg(long)]
    backlogs_only: bool,
    /// Only one tenant's backlog, with fair shares on and off.
    #[arg(long)]
    tenants_only: bool,
    /// Sandbox slots per worker (default: CPU cores).
    #[arg(long)]
    slots: Option<usize>,
    /// Jobs in flight from the load generator.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
}

#[derive(Debug, clap::Args)]
struct EchoArgs {
    #[arg(long)]
    queue: String,
    #[arg(long, default_value_t = 16)]
    prefetch: u16,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("warren-bench: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let outcome = match cli.command {
        Command::Run(args) => runtime.block_on(run(&cli.amqp_url, args)),
        Command::Echo(args) => {
            runtime.block_on(echo::serve(&cli.amqp_url, &args.queue, args.prefetch))
        }
    };
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("warren-bench: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// One row of the table.
struct Row {
    name: String,
    report: LoadReport,
    cpu_per_job: Duration,
    rss_idle: u64,
    rss_load: u64,
    ready: Duration,
}

/// What runs the jobs: `workers` Warren workers of `slots` slots (with the default
/// prefetch window, or a fixed one), or the echo consumer.
#[derive(Debug, Clone, Copy)]
enum Fleet {
    Warren {
        workers: usize,
        slots: usize,
        prefetch: Option<u16>,
        /// `--fair-shares` (on by default).
        fair_shares: bool,
    },
    Echo,
}

impl Fleet {
    fn warren(workers: usize, slots: usize) -> Fleet {
        Fleet::Warren {
            workers,
            slots,
            prefetch: None,
            fair_shares: true,
        }
    }
}

async fn run(amqp_url: &str, args: RunArgs) -> anyhow::Result<()> {
    let bench = Bench {
        amqp_url,
        client: Client::new(amqp_url)?,
        concurrency: args.concurrency,
        scale: if args.quick { 0.05 } else { 1.0 },
    };
    let slots = args
        .slots
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if args.backlogs_only {
        return backlogs(&bench, slots).await;
    }
    if args.tenants_only {
        return one_tenant(&bench, slots).await;
    }
    let warren = Fleet::warren(1, slots);
    // The machine drifts over minutes (it is shared), so the echo ceiling and the
    // trivial workload run alternately, and the pair with the median ratio is reported.
    let repeats = if args.quick { 1 } else { REPEATS };
    let mut pairs: Vec<(Row, Row)> = Vec::with_capacity(repeats);
    for _ in 0..repeats {
        let echo = bench
            .measure(Fleet::Echo, &Workload::trivial(), None)
            .await?;
        let trivial = bench.measure(warren, &Workload::trivial(), None).await?;
        pairs.push((echo, trivial));
    }
    let ratio = |(echo, trivial): &(Row, Row)| {
        trivial.report.jobs_per_second() / echo.report.jobs_per_second().max(f64::EPSILON)
    };
    let ratios: Vec<f64> = pairs.iter().map(ratio).collect();
    let (echo, trivial) = median_by(pairs, ratio);
    let (echo_rate, trivial_rate) = (
        echo.report.jobs_per_second(),
        trivial.report.jobs_per_second(),
    );
    let mut rows = vec![echo, trivial];
    let (mut lodash_rate, mut lodash_idle, mut lodash_ready) = (0.0, 0, Duration::ZERO);
    for workload in Workload::all() {
        if workload.name != Workload::trivial().name {
            let row = bench.measure(warren, &workload, None).await?;
            if workload.name == Workload::lodash().name {
                lodash_rate = row.report.jobs_per_second();
                (lodash_idle, lodash_ready) = (row.rss_idle, row.ready);
            }
            rows.push(row);
        }
    }
    // Latency at half the maximum rate (an open-loop load, not a saturated one), and
    // the same load on the echo consumer for the broker's own share, alternately.
    let (mut warren_halves, mut echo_halves) = (Vec::new(), Vec::new());
    for _ in 0..repeats {
        let rate = Some(trivial_rate / 2.0);
        warren_halves.push(bench.measure(warren, &Workload::trivial(), rate).await?);
        echo_halves.push(
            bench
                .measure(Fleet::Echo, &Workload::trivial(), rate)
                .await?,
        );
    }
    let half_p99s: Vec<f64> = warren_halves.iter().map(|r| p(&r.report, 0.99)).collect();
    let echo_half_p99s: Vec<f64> = echo_halves.iter().map(|r| p(&r.report, 0.99)).collect();
    let (half_p99, echo_half_p99) = (median(&half_p99s), median(&echo_half_p99s));
    let p99 = |run: &Row| p(&run.report, 0.99);
    rows.push(median_by(warren_halves, p99));
    rows.push(median_by(echo_halves, p99));

    println!("{}", table(&rows));
    // Workers without operator packages (the lodash-es row's are told apart below).
    let worker_rows: Vec<&Row> = rows
        .iter()
        .filter(|r| !r.name.starts_with("echo") && r.name != Workload::lodash().name)
        .collect();
    let idle = worker_rows.iter().map(|r| r.rss_idle).max().unwrap_or(0);
    let ready = worker_rows
        .iter()
        .map(|r| r.ready)
        .max()
        .unwrap_or_default();
    println!("Targets (this machine: broker, worker and load generator share it):");
    println!(
        "- trivial throughput {:.0} jobs/s = {:.2} × echo ceiling {:.0} jobs/s (target ≥ 0.80; the median pair of {})",
        trivial_rate,
        trivial_rate / echo_rate.max(f64::EPSILON),
        echo_rate,
        listed(&ratios, "")
    );
    println!(
        "- p99 at half the maximum rate ({:.0} jobs/s): {half_p99:.2} ms (target ≤ 5 ms; the median of {}; the echo consumer at that rate: {echo_half_p99:.2} ms, the median of {})",
        trivial_rate / 2.0,
        listed(&half_p99s, " ms"),
        listed(&echo_half_p99s, " ms")
    );
    println!(
        "- jobs importing lodash-es (preloaded): {lodash_rate:.0} jobs/s = {:.2} × trivial (target ≥ 0.80); that worker's idle RSS {:.1} MB, exec to ready {} ms",
        lodash_rate / trivial_rate.max(f64::EPSILON),
        lodash_idle as f64 / 1e6,
        lodash_ready.as_millis()
    );
    println!(
        "- worker idle RSS without operator packages: {:.1} MB at most (target ≤ 25 MB)",
        idle as f64 / 1e6
    );
    println!(
        "- exec to ready: {} ms at most (target ≤ 200 ms)",
        ready.as_millis()
    );

    backlogs(&bench, slots).await?;

    if args.scaling {
        println!("\nScaling (trivial jobs, jobs/s):\n");
        println!("| workers | slots each | jobs/s |\n|---|---|---|");
        for (workers, slots) in [(1, 1), (1, 2), (1, 4), (2, 2), (3, 2)] {
            let fleet = Fleet::warren(workers, slots);
            let row = bench.measure(fleet, &Workload::trivial(), None).await?;
            println!(
                "| {workers} | {slots} | {:.0} |",
                row.report.jobs_per_second()
            );
        }
        println!("| echo ceiling | – | {echo_rate:.0} |");
    }
    Ok(())
}

/// What fair shares cost a tenant alone: its backlog drained by three workers with
/// fair shares on (its jobs beyond each worker's share moved to its backlog queue)
/// and off (one FIFO queue), alternately, [`REPEATS`] times each; the medians.
async fn one_tenant(bench: &Bench<'_>, slots: usize) -> anyhow::Result<()> {
    let fleet = |fair_shares| Fleet::Warren {
        workers: 3,
        slots,
        prefetch: None,
        fair_shares,
    };
    println!("\nOne tenant's backlog, fair shares on and off (3 workers of {slots} slots):\n");
    let mut rows = Vec::new();
    for workload in [Workload::backlog_1ms(), Workload::backlog_20ms()] {
        let mut runs: (Vec<Row>, Vec<Row>) = (Vec::new(), Vec::new());
        for _ in 0..REPEATS {
            runs.0
                .push(bench.measure(fleet(true), &workload, None).await?);
            runs.1
                .push(bench.measure(fleet(false), &workload, None).await?);
        }
        let rate = |row: &Row| row.report.jobs_per_second();
        let (fair, fifo) = (median_by(runs.0, rate), median_by(runs.1, rate));
        println!(
            "{}: fair shares {:.0} jobs/s, one FIFO queue {:.0} jobs/s: {:.1} %",
            workload.name,
            rate(&fair),
            rate(&fifo),
            (rate(&fair) / rate(&fifo).max(f64::EPSILON) - 1.0) * 100.0
        );
        rows.extend([fair, fifo]);
    }
    println!("{}", table(&rows));
    Ok(())
}

/// Backlogs under the default prefetch window against fixed ones: short jobs should
/// run as fast as under the best fixed window, and a backlog of long jobs found by one
/// worker of three should finish as soon as under a window of one job per slot.
async fn backlogs(bench: &Bench<'_>, slots: usize) -> anyhow::Result<()> {
    let old_default = u16::try_from(2 * slots).unwrap_or(u16::MAX);
    let fixed = |workers, prefetch| Fleet::Warren {
        workers,
        slots,
        prefetch: Some(prefetch),
        fair_shares: true,
    };
    println!("\nBacklogs: the default prefetch window against fixed ones:\n");
    let mut rows = Vec::new();
    for workload in [Workload::backlog_trivial(), Workload::backlog_1ms()] {
        for fleet in [Fleet::warren(1, slots), fixed(1, old_default), fixed(1, 64)] {
            rows.push(bench.measure(fleet, &workload, None).await?);
        }
    }
    let long = Workload::backlog_joining(3 * slots);
    let per_slot = u16::try_from(slots).unwrap_or(u16::MAX);
    for fleet in [
        Fleet::warren(3, slots),
        fixed(3, old_default),
        fixed(3, per_slot),
    ] {
        rows.push(bench.measure(fleet, &long, None).await?);
    }
    println!("{}", table(&rows));
    println!(
        "Long jobs, workers joining: {} jobs of 1 s for 3 workers of {slots} slots, two of them up {} ms late; finished in {}.",
        3 * slots,
        JOIN_AFTER.as_millis(),
        rows.iter()
            .rev()
            .take(3)
            .rev()
            .map(|row| format!("{:.2} s ({})", row.report.elapsed.as_secs_f64(), row.name))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

/// How long after a joining workload's jobs are submitted the rest of the fleet starts.
const JOIN_AFTER: Duration = Duration::from_millis(500);

/// Runs of the throughput pairs and of the half-rate latency, for the median.
const REPEATS: usize = 3;

/// The item whose `key` is the median of `items` (at least one; the upper one of the
/// middle two for an even count).
fn median_by<T>(mut items: Vec<T>, key: impl Fn(&T) -> f64) -> T {
    items.sort_by(|a, b| key(a).total_cmp(&key(b)));
    items.swap_remove(items.len() / 2)
}

fn median(figures: &[f64]) -> f64 {
    median_by(figures.to_vec(), |f| *f)
}

/// `0.52, 0.55, 0.49`, each figure with `unit`.
fn listed(figures: &[f64], unit: &str) -> String {
    let shown: Vec<String> = figures.iter().map(|f| format!("{f:.2}{unit}")).collect();
    shown.join(", ")
}

fn p(report: &LoadReport, quantile: f64) -> f64 {
    report.latency_us.value_at_quantile(quantile) as f64 / 1000.0
}

/// What every measurement shares.
struct Bench<'a> {
    amqp_url: &'a str,
    client: Client,
    /// Jobs in flight in closed-loop runs.
    concurrency: usize,
    /// Share of each workload's full job count to run.
    scale: f64,
}

impl Bench<'_> {
    /// How many jobs of `workload` a run submits: its share, and at least 50 (a
    /// workload of 50 jobs or fewer runs whole).
    fn jobs_of(&self, workload: &Workload) -> usize {
        if workload.jobs <= 50 {
            return workload.jobs;
        }
        ((workload.jobs as f64 * self.scale) as usize).max(50)
    }

    /// Runs one workload on a fresh fleet, sampling the fleet's memory meanwhile.
    async fn measure(
        &self,
        fleet: Fleet,
        workload: &Workload,
        rate: Option<f64>,
    ) -> anyhow::Result<Row> {
        let (amqp_url, client) = (self.amqp_url, &self.client);
        let queue = format!("warren.bench.{}.{}", workload.name, std::process::id());
        let (mut subjects, joining) = match fleet {
            Fleet::Echo => (vec![Subject::echo(amqp_url, &queue, 16).await?], 0),
            Fleet::Warren {
                workers,
                slots,
                prefetch,
                fair_shares,
            } => {
                let now = if workload.joining { 1 } else { workers };
                let spec = WorkerSpec {
                    slots,
                    prefetch,
                    library: workload.library,
                    fair_shares,
                };
                let subjects = workers_on(amqp_url, &queue, now, spec).await?;
                (subjects, workers - now)
            }
        };
        tokio::time::sleep(Duration::from_millis(300)).await;
        let rss_idle = subjects.iter().map(Subject::rss).max().unwrap_or(0);
        let cpu_before: Duration = subjects.iter().map(Subject::cpu).sum();
        let jobs = self.jobs_of(workload);
        let options = LoadOptions {
            queue: queue.clone(),
            job: workload.job.clone(),
            jobs,
            concurrency: if workload.backlog {
                jobs
            } else if rate.is_some() {
                1_000
            } else {
                self.concurrency
            },
            rate,
            vary: workload.vary.clone(),
            reply_timeout: Duration::from_secs(30),
        };
        // Sampled on a thread of its own, from pids found once: scanning /proc on the
        // load generator's runtime delayed its results by ~1 ms every sample.
        let sampler = MemorySampler::start(subjects.iter().map(Subject::processes).collect());
        let load = warren_cli::loadgen::run(client, &options, |_| {});
        let join = async {
            match fleet {
                Fleet::Warren {
                    slots,
                    prefetch,
                    fair_shares,
                    ..
                } if joining > 0 => {
                    tokio::time::sleep(JOIN_AFTER).await;
                    let spec = WorkerSpec {
                        slots,
                        prefetch,
                        library: workload.library,
                        fair_shares,
                    };
                    workers_on(amqp_url, &queue, joining, spec).await
                }
                _ => Ok(Vec::new()),
            }
        };
        let (report, joined) = tokio::join!(load, join);
        let rss_load = sampler.stop();
        subjects.extend(joined?);
        let report = report?;
        let cpu_after: Duration = subjects.iter().map(Subject::cpu).sum();
        let ready = subjects
            .iter()
            .map(|s| s.ready_after)
            .max()
            .unwrap_or_default();
        for subject in subjects {
            subject.stop();
        }
        workloads::delete_queues(amqp_url, &queue).await;
        anyhow::ensure!(
            report.missing() == 0,
            "{}: {} of {jobs} jobs got no result",
            workload.name,
            report.missing()
        );
        let name = match (fleet, rate) {
            (Fleet::Echo, None) => "echo ceiling".to_owned(),
            (Fleet::Echo, Some(rate)) => format!("echo at {rate:.0}/s"),
            (Fleet::Warren { .. }, Some(rate)) => format!("{} at {rate:.0}/s", workload.name),
            (
                Fleet::Warren {
                    workers,
                    prefetch,
                    fair_shares,
                    ..
                },
                None,
            ) if workload.backlog => {
                let window =
                    prefetch.map_or("default window".to_owned(), |p| format!("--prefetch {p}"));
                let fair = if fair_shares {
                    ""
                } else {
                    ", --fair-shares false"
                };
                format!("{}, {workers} worker(s), {window}{fair}", workload.name)
            }
            _ => workload.name.to_owned(),
        };
        Ok(Row {
            name,
            cpu_per_job: (cpu_after.saturating_sub(cpu_before))
                / u32::try_from(report.received.max(1)).unwrap_or(u32::MAX),
            report,
            rss_idle,
            rss_load,
            ready,
        })
    }
}

/// How each worker of a fleet is started.
pub struct WorkerSpec<'a> {
    pub slots: usize,
    pub prefetch: Option<u16>,
    /// A package of the corpus the worker allows and preloads.
    pub library: Option<&'a str>,
    pub fair_shares: bool,
}

/// Starts `count` workers on `queue`, one after another, each ready before the next.
async fn workers_on(
    amqp_url: &str,
    queue: &str,
    count: usize,
    spec: WorkerSpec<'_>,
) -> anyhow::Result<Vec<Subject>> {
    let mut subjects = Vec::with_capacity(count);
    for _ in 0..count {
        subjects.push(Subject::worker(amqp_url, queue, &spec).await?);
    }
    Ok(subjects)
}

/// The most memory a fleet's processes held while a workload ran: each subject's
/// processes summed, the largest subject, sampled every 50 ms. The processes are the
/// ones alive at the start (a sandbox process replaced during the run is not seen).
struct MemorySampler {
    sampling: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<u64>>,
}

impl MemorySampler {
    fn start(subjects: Vec<Vec<u32>>) -> MemorySampler {
        let sampling = Arc::new(AtomicBool::new(true));
        let running = sampling.clone();
        let thread = std::thread::Builder::new()
            .name("memory-sampler".into())
            .spawn(move || {
                let mut most = 0;
                while running.load(Ordering::Relaxed) {
                    let largest = subjects
                        .iter()
                        .map(|pids| pids.iter().map(|pid| process::pss_of(*pid)).sum())
                        .max()
                        .unwrap_or(0);
                    most = most.max(largest);
                    std::thread::sleep(Duration::from_millis(50));
                }
                most
            })
            .ok();
        MemorySampler { sampling, thread }
    }

    /// Stops sampling; the most seen (0 if the thread could not start).
    fn stop(self) -> u64 {
        self.sampling.store(false, Ordering::Relaxed);
        self.thread.and_then(|t| t.join().ok()).unwrap_or(0)
    }
}

fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| workload | jobs | jobs/s | p50 ms | p90 ms | p99 ms | max ms | CPU µs/job | RSS idle MB | RSS load MB | ready ms | outcomes |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for row in rows {
        let r = &row.report;
        let outcomes: Vec<String> = r.outcomes.iter().map(|(k, v)| format!("{k}={v}")).collect();
        out.push_str(&format!(
            "| {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {:.0} | {:.1} | {:.1} | {} | {} |\n",
            row.name,
            r.received,
            r.jobs_per_second(),
            p(r, 0.5),
            p(r, 0.9),
            p(r, 0.99),
            r.latency_us.max() as f64 / 1000.0,
            row.cpu_per_job.as_secs_f64() * 1e6,
            row.rss_idle as f64 / 1e6,
            row.rss_load as f64 / 1e6,
            row.ready.as_millis(),
            outcomes.join(" ")
        ));
    }
    out
}
