//! `warren-bench`: Warren end to end on this machine, against the echo ceiling.
//!
//! `warren-bench run` starts real `warren-worker` processes (the release build next
//! to this binary) against the local broker, drives fixed workloads through them with
//! the `warren bench` load generator, and prints one table: jobs/s, latency
//! percentiles, worker CPU per job, worker RSS idle and under load, and time from exec
//! to ready. The echo ceiling (`warren-bench echo`, Warren's delivery semantics with
//! no sandbox) runs the same trivial load; Warren's throughput is given as a share of
//! it. `--scaling` adds throughput by slots and workers. `scripts/bench.sh` is the
//! one command.

mod echo;
mod process;
mod workloads;

use std::time::Duration;

use clap::Parser;
use warren_client::bench::{BenchOptions, BenchReport};
use warren_client::client::Client;

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
        default_value = "amqp://guest:guest@127.0.0.1:5672/%2f"
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
    report: BenchReport,
    cpu_per_job: Duration,
    rss_idle: u64,
    rss_load: u64,
    ready: Duration,
}

/// What runs the jobs: `workers` Warren workers of `slots` slots, or the echo consumer.
#[derive(Debug, Clone, Copy)]
enum Fleet {
    Warren { workers: usize, slots: usize },
    Echo,
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
    let warren = Fleet::Warren { workers: 1, slots };
    let mut rows = Vec::new();
    let echo = bench
        .measure(Fleet::Echo, &Workload::trivial(), None)
        .await?;
    let echo_rate = echo.report.jobs_per_second();
    rows.push(echo);
    let mut trivial_rate = 0.0;
    for workload in Workload::all() {
        let row = bench.measure(warren, &workload, None).await?;
        if workload.name == "trivial" {
            trivial_rate = row.report.jobs_per_second();
        }
        rows.push(row);
    }
    // Latency at half the maximum rate: an open-loop load, not a saturated one.
    let half = bench
        .measure(warren, &Workload::trivial(), Some(trivial_rate / 2.0))
        .await?;
    let half_p99 = p(&half.report, 0.99);
    rows.push(half);
    // The same open-loop load on the echo consumer: the broker's own share of latency.
    let echo_half = bench
        .measure(Fleet::Echo, &Workload::trivial(), Some(trivial_rate / 2.0))
        .await?;
    let echo_half_p99 = p(&echo_half.report, 0.99);
    rows.push(echo_half);

    println!("{}", table(&rows));
    let worker_rows: Vec<&Row> = rows
        .iter()
        .filter(|r| !r.name.starts_with("echo"))
        .collect();
    let idle = worker_rows.iter().map(|r| r.rss_idle).max().unwrap_or(0);
    let ready = worker_rows
        .iter()
        .map(|r| r.ready)
        .max()
        .unwrap_or_default();
    println!("Targets (this machine: broker, worker and load generator share it):");
    println!(
        "- trivial throughput {:.0} jobs/s = {:.2} × echo ceiling {:.0} jobs/s (target ≥ 0.80)",
        trivial_rate,
        trivial_rate / echo_rate.max(f64::EPSILON),
        echo_rate
    );
    println!(
        "- p99 at half the maximum rate ({:.0} jobs/s): {half_p99:.2} ms (target ≤ 5 ms; the echo consumer at that rate: {echo_half_p99:.2} ms)",
        trivial_rate / 2.0
    );
    println!(
        "- worker idle RSS: {:.1} MB at most (target ≤ 25 MB)",
        idle as f64 / 1e6
    );
    println!(
        "- exec to ready: {} ms at most (target ≤ 200 ms)",
        ready.as_millis()
    );

    if args.scaling {
        println!("\nScaling (trivial jobs, jobs/s):\n");
        println!("| workers | slots each | jobs/s |\n|---|---|---|");
        for (workers, slots) in [(1, 1), (1, 2), (1, 4), (2, 2), (3, 2)] {
            let fleet = Fleet::Warren { workers, slots };
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

fn p(report: &BenchReport, quantile: f64) -> f64 {
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
    /// Runs one workload on a fresh fleet, sampling the fleet's memory meanwhile.
    async fn measure(
        &self,
        fleet: Fleet,
        workload: &Workload,
        rate: Option<f64>,
    ) -> anyhow::Result<Row> {
        let (amqp_url, client, scale) = (self.amqp_url, &self.client, self.scale);
        let queue = format!("warren.bench.{}.{}", workload.name, std::process::id());
        let subjects = match fleet {
            Fleet::Echo => vec![Subject::echo(amqp_url, &queue, 16).await?],
            Fleet::Warren { workers, slots } => {
                let mut subjects = Vec::new();
                for _ in 0..workers {
                    subjects.push(Subject::worker(amqp_url, &queue, slots).await?);
                }
                subjects
            }
        };
        tokio::time::sleep(Duration::from_millis(300)).await;
        let rss_idle = subjects.iter().map(Subject::rss).max().unwrap_or(0);
        let cpu_before: Duration = subjects.iter().map(Subject::cpu).sum();
        let jobs = ((workload.jobs as f64 * scale) as usize).max(50);
        let options = BenchOptions {
            queue: queue.clone(),
            job: workload.job.clone(),
            jobs,
            concurrency: if rate.is_some() {
                1_000
            } else {
                self.concurrency
            },
            rate,
            vary: workload.vary.clone(),
            reply_timeout: Duration::from_secs(30),
        };
        let pids: Vec<u32> = subjects.iter().map(Subject::pid).collect();
        let sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let sampler = {
            let sampling = sampling.clone();
            tokio::spawn(async move {
                let mut most = 0u64;
                while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                    let rss = pids
                        .iter()
                        .map(|pid| process::rss_of(*pid))
                        .max()
                        .unwrap_or(0);
                    most = most.max(rss);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                most
            })
        };
        let report = warren_client::bench::run(client, &options, |_| {}).await;
        sampling.store(false, std::sync::atomic::Ordering::Relaxed);
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
        let rss_load = sampler.await.unwrap_or(0);
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
