//! `warren`: run a function locally, or submit it to a Warren fleet.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use warren_client::local::{LocalPool, run_locally};
use warren_client::submit::{SubmitOptions, submit};
use warren_client::{input, render};
use warren_wire::JobLimits;
use warren_worker::sandbox::JobRequest;

/// Run JavaScript functions in Warren's sandbox, locally or on a worker fleet.
#[derive(Debug, Parser)]
#[command(name = "warren", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a function locally, with no broker, and print its result body exactly as a
    /// worker would publish it. Exit 0 for ok, 1 for an error result, 2 for usage errors.
    #[command(
        after_help = "Examples:\n  warren run examples/hello.js --input '{\"name\":\"Ada\"}'\n  warren run fn.js --input @input.json --timeout-ms 200 --allow-module crypto\n  echo 'export default () => 42' | warren run -"
    )]
    Run(RunArgs),
    /// Submit a job to a queue and (by default) wait for its result.
    /// Exit 0 for ok, 1 for an error result, 3 for no answer in time, 2 for usage or connection errors.
    #[command(
        after_help = "Examples:\n  warren submit examples/hello.js --input '{\"name\":\"Ada\"}'\n  warren submit fn.js --queue jobs.fast --timeout-ms 200 --json\n  warren submit fn.js --no-wait"
    )]
    Submit(SubmitArgs),
    /// Keep jobs in flight against a queue and report throughput, latency percentiles
    /// (p50/p90/p99/max) and outcomes. Exit 0 when every result arrived, 3 otherwise.
    #[command(
        after_help = "Examples:\n  warren bench examples/hello.js --jobs 10000 --concurrency 64\n  warren bench fn.js --input '{\"n\":5}' --jobs 2000 --json"
    )]
    Bench(BenchArgs),
    /// Inspect a pool's dead-letter queue, put jobs back, or replay one locally.
    #[command(subcommand)]
    Dlq(DlqCommand),
    /// Depth and consumers of jobs queues and their dead-letter queues.
    #[command(
        after_help = "Examples:\n  warren status\n  warren status --queue jobs.fast --queue jobs.slow --json"
    )]
    Status(StatusArgs),
}

#[derive(Debug, clap::Args)]
struct BrokerArgs {
    /// AMQP URL of the broker.
    #[arg(
        long,
        env = "WARREN_AMQP_URL",
        default_value = "amqp://guest:guest@127.0.0.1:5672/%2f"
    )]
    amqp_url: String,
}

#[derive(Debug, clap::Args)]
struct BenchArgs {
    /// The function's file, or `-` for standard input.
    file: String,
    /// The function's input: JSON text, or @path to a JSON file.
    #[arg(long)]
    input: Option<String>,
    /// Jobs queue to publish to.
    #[arg(long, env = "WARREN_QUEUE", default_value = warren_wire::DEFAULT_JOBS_QUEUE)]
    queue: String,
    /// Jobs to run in all.
    #[arg(long, default_value_t = 1000)]
    jobs: usize,
    /// Jobs in flight at once.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Submit at this many jobs per second (open loop) instead of as fast as results
    /// return; --concurrency still caps the jobs in flight.
    #[arg(long)]
    rate: Option<f64>,
    #[command(flatten)]
    limits: LimitArgs,
    /// Seconds to wait for the next result before counting the rest as missing.
    #[arg(long, default_value_t = 30.0)]
    reply_timeout: f64,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    broker: BrokerArgs,
}

#[derive(Debug, Subcommand)]
enum DlqCommand {
    /// List dead-lettered jobs: id, first reason, deliveries, age.
    #[command(after_help = "Example:\n  warren dlq list --queue warren.jobs")]
    List(DlqArgs),
    /// Print one dead-lettered job's details and body.
    #[command(after_help = "Example:\n  warren dlq show 7f0c2a9e-... --queue warren.jobs")]
    Show(DlqIdArgs),
    /// Put a dead-lettered job (or all with --all) back on the jobs queue.
    #[command(after_help = "Examples:\n  warren dlq requeue 7f0c...\n  warren dlq requeue --all")]
    Requeue(DlqRequeueArgs),
    /// Delete every dead-lettered job of the queue.
    #[command(after_help = "Example:\n  warren dlq purge --queue warren.jobs")]
    Purge(DlqArgs),
    /// Run a dead-lettered job locally in the same sandbox with its limits, and print
    /// the result, without touching the fleet.
    #[command(
        after_help = "Examples:\n  warren dlq replay 7f0c2a9e-...\n  warren dlq replay 7f0c2a9e-... --timeout-ms 200 --allow-module crypto"
    )]
    Replay(DlqReplayArgs),
}

#[derive(Debug, clap::Args)]
struct DlqArgs {
    /// The jobs queue whose dead letters to use.
    #[arg(long, env = "WARREN_QUEUE", default_value = warren_wire::DEFAULT_JOBS_QUEUE)]
    queue: String,
    /// Most jobs to list.
    #[arg(long, default_value_t = 1000)]
    limit: usize,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    broker: BrokerArgs,
}

#[derive(Debug, clap::Args)]
struct DlqIdArgs {
    /// The job id.
    id: String,
    #[command(flatten)]
    dlq: DlqArgs,
}

#[derive(Debug, clap::Args)]
struct DlqRequeueArgs {
    /// The job id (or use --all).
    #[arg(required_unless_present = "all")]
    id: Option<String>,
    /// Requeue every dead-lettered job.
    #[arg(long, conflicts_with = "id")]
    all: bool,
    #[command(flatten)]
    dlq: DlqArgs,
}

#[derive(Debug, clap::Args)]
struct DlqReplayArgs {
    /// The job id.
    id: String,
    /// Pool limits to replay under (the job's own limits can only lower them).
    #[command(flatten)]
    limits: LimitArgs,
    /// Modules the pool allows (repeatable). Default: crypto and url.
    #[arg(long = "allow-module")]
    allow_modules: Vec<String>,
    #[command(flatten)]
    dlq: DlqArgs,
}

#[derive(Debug, clap::Args)]
struct StatusArgs {
    /// Jobs queues to report (repeatable).
    #[arg(long = "queue", env = "WARREN_QUEUE", default_value = warren_wire::DEFAULT_JOBS_QUEUE)]
    queues: Vec<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    broker: BrokerArgs,
}

#[derive(Debug, clap::Args)]
struct LimitArgs {
    /// Wall-clock limit of the job, in milliseconds.
    #[arg(long)]
    timeout_ms: Option<u64>,
    /// Memory limit of the job, in MiB.
    #[arg(long)]
    memory_mb: Option<u64>,
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    /// The function's file (an ES module or CommonJS script), or `-` for standard input.
    file: String,
    /// The function's input: JSON text, or @path to a JSON file.
    #[arg(long)]
    input: Option<String>,
    #[command(flatten)]
    limits: LimitArgs,
    /// A module the function may import (repeatable). Default: crypto and url.
    #[arg(long = "allow-module")]
    allow_modules: Vec<String>,
    /// Folder of operator modules (as `warren-worker --modules-dir`).
    #[arg(long)]
    modules_dir: Option<std::path::PathBuf>,
    /// Grants `fetch` to this host (repeatable; as `warren-worker --allow-host`).
    #[arg(long = "allow-host")]
    allow_hosts: Vec<String>,
    /// Pretty-print the result body.
    #[arg(long)]
    pretty: bool,
}

#[derive(Debug, clap::Args)]
struct SubmitArgs {
    /// The function's file, or `-` for standard input.
    file: String,
    /// The function's input: JSON text, or @path to a JSON file.
    #[arg(long)]
    input: Option<String>,
    /// Jobs queue to publish to.
    #[arg(long, env = "WARREN_QUEUE", default_value = warren_wire::DEFAULT_JOBS_QUEUE)]
    queue: String,
    #[command(flatten)]
    limits: LimitArgs,
    /// AMQP URL of the broker.
    #[arg(
        long,
        env = "WARREN_AMQP_URL",
        default_value = "amqp://guest:guest@127.0.0.1:5672/%2f"
    )]
    amqp_url: String,
    /// Wait for the result (the default).
    #[arg(long, overrides_with = "no_wait")]
    wait: bool,
    /// Publish and print the job id without waiting.
    #[arg(long)]
    no_wait: bool,
    /// Seconds to wait for the result.
    #[arg(long, default_value_t = 30.0)]
    reply_timeout: f64,
    /// Print the raw result body instead of a readable summary.
    #[arg(long)]
    json: bool,
    /// Job id (message_id and correlation_id); a random UUID by default.
    #[arg(long)]
    job_id: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Run(args) => run(args),
        Command::Submit(args) => submit_command(args),
        Command::Bench(args) => with_runtime(bench_command(args)),
        Command::Dlq(command) => with_runtime(dlq_command(command)),
        Command::Status(args) => with_runtime(status_command(args)),
    };
    ExitCode::from(code)
}

fn usage_error(err: impl std::fmt::Display) -> u8 {
    eprintln!("warren: {err:#}");
    2
}

fn limits(args: &LimitArgs) -> Result<JobLimits, String> {
    for (name, value) in [
        ("--timeout-ms", args.timeout_ms),
        ("--memory-mb", args.memory_mb),
    ] {
        if value == Some(0) {
            return Err(format!("{name} must be a positive integer"));
        }
    }
    Ok(JobLimits {
        timeout_ms: args.timeout_ms,
        memory_mb: args.memory_mb,
    })
}

/// The code, input and limits of a job given on the command line, or the exit code of
/// a usage error (already reported).
fn job_parts(
    file: &str,
    input_arg: Option<&str>,
    limit_args: &LimitArgs,
) -> Result<(String, Box<serde_json::value::RawValue>, JobLimits), u8> {
    let code = input::read_code(file).map_err(usage_error)?;
    let input = input::parse_input(input_arg).map_err(usage_error)?;
    let job_limits = limits(limit_args).map_err(usage_error)?;
    Ok((code, input, job_limits))
}

fn run(args: RunArgs) -> u8 {
    let (code, input, job_limits) = match job_parts(&args.file, args.input.as_deref(), &args.limits)
    {
        Ok(parts) => parts,
        Err(code) => return code,
    };
    // Locally the requested limits are the pool's maxima.
    let pool = LocalPool {
        timeout_ms: job_limits.timeout_ms,
        memory_mb: job_limits.memory_mb,
        allow_modules: args.allow_modules,
        modules_dir: args.modules_dir,
        allow_hosts: args.allow_hosts,
    };
    let request = JobRequest {
        job_id: warren_worker::broker::delivery::generated_id(),
        attempt: 1,
        code,
        input,
        limits: job_limits,
    };
    let result = match run_locally(request, pool, "warren-run") {
        Ok(result) => result,
        Err(err) => return usage_error(err),
    };
    let text = if args.pretty {
        serde_json::to_string_pretty(&result).unwrap_or_default()
    } else {
        String::from_utf8(result.to_json()).unwrap_or_default()
    };
    println!("{text}");
    render::exit_code(&result)
}

fn submit_command(args: SubmitArgs) -> u8 {
    let (code, input, job_limits) = match job_parts(&args.file, args.input.as_deref(), &args.limits)
    {
        Ok(parts) => parts,
        Err(code) => return code,
    };
    if !(args.reply_timeout.is_finite() && args.reply_timeout > 0.0) {
        return usage_error("--reply-timeout must be a positive number of seconds");
    }
    let mut body = serde_json::json!({ "code": code, "input": serde_json::Value::Null });
    body["input"] = serde_json::from_str(input.get()).unwrap_or(serde_json::Value::Null);
    let mut limits_json = serde_json::Map::new();
    if let Some(t) = job_limits.timeout_ms {
        limits_json.insert("timeout_ms".into(), t.into());
    }
    if let Some(m) = job_limits.memory_mb {
        limits_json.insert("memory_mb".into(), m.into());
    }
    if !limits_json.is_empty() {
        body["limits"] = limits_json.into();
    }
    let body = serde_json::to_vec(&body).unwrap_or_default();
    let job_id = args
        .job_id
        .unwrap_or_else(warren_worker::broker::delivery::generated_id);
    let options = SubmitOptions {
        amqp_url: args.amqp_url,
        queue: args.queue,
        job_id: job_id.clone(),
        wait: (!args.no_wait).then(|| Duration::from_secs_f64(args.reply_timeout)),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => return usage_error(err),
    };
    match runtime.block_on(submit(&body, &options)) {
        Ok(None) => {
            println!("{job_id}");
            0
        }
        Ok(Some(result)) => {
            if args.json {
                println!(
                    "{}",
                    String::from_utf8(result.to_json()).unwrap_or_default()
                );
            } else {
                print!("{}", render::human(&result));
            }
            render::exit_code(&result)
        }
        Err(err) => {
            eprintln!("warren: {err}");
            err.exit_code()
        }
    }
}

fn with_runtime(future: impl std::future::Future<Output = u8>) -> u8 {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(future),
        Err(err) => usage_error(err),
    }
}

async fn connect(broker: &BrokerArgs) -> Result<lapin::Connection, u8> {
    lapin::Connection::connect(&broker.amqp_url, lapin::ConnectionProperties::default())
        .await
        .map_err(|err| {
            usage_error(format!(
                "cannot reach the broker at {}: {err}",
                warren_client::submit::redact(&broker.amqp_url)
            ))
        })
}

async fn bench_command(args: BenchArgs) -> u8 {
    use warren_client::bench::{self, BenchOptions};
    use warren_client::client::{Client, JobSpec};
    let (code, input, job_limits) = match job_parts(&args.file, args.input.as_deref(), &args.limits)
    {
        Ok(parts) => parts,
        Err(code) => return code,
    };
    let input: serde_json::Value =
        serde_json::from_str(input.get()).unwrap_or(serde_json::Value::Null);
    if args.jobs == 0 || args.concurrency == 0 {
        return usage_error("--jobs and --concurrency must be positive");
    }
    if !(args.reply_timeout.is_finite() && args.reply_timeout > 0.0) {
        return usage_error("--reply-timeout must be a positive number of seconds");
    }
    let client = match Client::new(&args.broker.amqp_url) {
        Ok(client) => client,
        Err(err) => return usage_error(err),
    };
    let mut job = JobSpec::new(code, input);
    job.limits = job_limits;
    let options = BenchOptions {
        queue: args.queue,
        job,
        jobs: args.jobs,
        concurrency: args.concurrency,
        rate: args.rate,
        vary: None,
        reply_timeout: Duration::from_secs_f64(args.reply_timeout),
    };
    let bar = if args.json || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(args.jobs as u64)
    };
    let result = bench::run(&client, &options, |done| bar.set_position(done)).await;
    bar.finish_and_clear();
    match result {
        Ok(report) => {
            if args.json {
                println!("{}", report.to_json());
            } else {
                print!("{}", report.to_text());
            }
            if report.missing() == 0 { 0 } else { 3 }
        }
        Err(err) => {
            eprintln!("warren: {err}");
            2
        }
    }
}

fn format_age(age: Option<Duration>) -> String {
    match age.map(|a| a.as_secs()) {
        None => "-".into(),
        Some(s) if s < 120 => format!("{s}s"),
        Some(s) if s < 7200 => format!("{}m", s / 60),
        Some(s) if s < 172_800 => format!("{}h", s / 3600),
        Some(s) => format!("{}d", s / 86_400),
    }
}

fn dead_job_json(job: &warren_client::dlq::DeadJob) -> serde_json::Value {
    serde_json::json!({
        "job_id": job.job_id,
        "reason": job.reason,
        "deliveries": job.deliveries,
        "age_s": job.age.map(|a| a.as_secs()),
        "content_type": job.content_type,
        "body": String::from_utf8_lossy(&job.body),
    })
}

async fn dlq_command(command: DlqCommand) -> u8 {
    use warren_client::dlq;
    let dlq_args = match &command {
        DlqCommand::List(a) | DlqCommand::Purge(a) => a,
        DlqCommand::Show(a) => &a.dlq,
        DlqCommand::Requeue(a) => &a.dlq,
        DlqCommand::Replay(a) => &a.dlq,
    };
    let connection = match connect(&dlq_args.broker).await {
        Ok(connection) => connection,
        Err(code) => return code,
    };
    let queue = dlq_args.queue.clone();
    let code = match command {
        DlqCommand::List(args) => match dlq::list(&connection, &queue, args.limit).await {
            Ok(jobs) if args.json => {
                let jobs: Vec<_> = jobs.iter().map(dead_job_json).collect();
                println!("{}", serde_json::Value::from(jobs));
                0
            }
            Ok(jobs) => {
                println!(
                    "{:<38} {:<16} {:>10} {:>6}",
                    "JOB ID", "REASON", "DELIVERIES", "AGE"
                );
                for job in &jobs {
                    println!(
                        "{:<38} {:<16} {:>10} {:>6}",
                        job.job_id,
                        job.reason,
                        job.deliveries,
                        format_age(job.age)
                    );
                }
                eprintln!(
                    "{} dead-lettered job(s) in {}",
                    jobs.len(),
                    warren_wire::dead_letter_queue(&queue)
                );
                0
            }
            Err(err) => usage_error(err),
        },
        DlqCommand::Show(args) => match dlq::list(&connection, &queue, args.dlq.limit).await {
            Ok(jobs) => match jobs.iter().find(|j| j.job_id == args.id) {
                Some(job) => {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&dead_job_json(job)).unwrap_or_default()
                    );
                    0
                }
                None => not_found(args.id, &queue),
            },
            Err(err) => usage_error(err),
        },
        DlqCommand::Requeue(args) => {
            match dlq::requeue(&connection, &queue, args.id.as_deref()).await {
                Ok(0) if args.id.is_some() => not_found(args.id.unwrap_or_default(), &queue),
                Ok(moved) => {
                    println!("requeued {moved} job(s) onto {queue}");
                    0
                }
                Err(err) => usage_error(err),
            }
        }
        DlqCommand::Purge(_) => match dlq::purge(&connection, &queue).await {
            Ok(count) => {
                println!(
                    "purged {count} job(s) from {}",
                    warren_wire::dead_letter_queue(&queue)
                );
                0
            }
            Err(err) => usage_error(err),
        },
        DlqCommand::Replay(args) => match dlq::list(&connection, &queue, args.dlq.limit).await {
            Ok(jobs) => match jobs.into_iter().find(|j| j.job_id == args.id) {
                // The sandbox engine blocks: keep it off the async workers.
                Some(job) => {
                    tokio::task::block_in_place(|| replay(job, &args.limits, args.allow_modules))
                }
                None => not_found(args.id, &queue),
            },
            Err(err) => usage_error(err),
        },
    };
    let _ = connection.close(200, "OK".into()).await;
    code
}

/// Reports a job id missing from the dead-letter queue; exit code 1.
fn not_found(id: impl std::fmt::Display, queue: &str) -> u8 {
    eprintln!(
        "warren: no dead-lettered job {id} in {}",
        warren_wire::dead_letter_queue(queue)
    );
    1
}

/// Runs a dead-lettered job in a local sandbox, as a worker would, and prints the result.
fn replay(job: warren_client::dlq::DeadJob, pool: &LimitArgs, allow_modules: Vec<String>) -> u8 {
    let parsed =
        match warren_wire::Job::from_message(job.content_type.as_deref(), &job.body, usize::MAX) {
            Ok(parsed) => parsed,
            Err(err) => {
                eprintln!("warren: the dead-lettered message is not a valid job: {err}");
                return 1;
            }
        };
    let attempt = u32::try_from(job.deliveries.saturating_add(1)).unwrap_or(u32::MAX);
    let request = JobRequest {
        job_id: job.job_id.clone(),
        attempt,
        code: parsed.code,
        input: parsed.input,
        limits: parsed.limits,
    };
    let pool = LocalPool {
        timeout_ms: pool.timeout_ms,
        memory_mb: pool.memory_mb,
        allow_modules,
        ..LocalPool::default()
    };
    let result = match run_locally(request, pool, "warren-replay") {
        Ok(result) => result,
        Err(err) => return usage_error(err),
    };
    print!("{}", render::human(&result));
    render::exit_code(&result)
}

async fn status_command(args: StatusArgs) -> u8 {
    let connection = match connect(&args.broker).await {
        Ok(connection) => connection,
        Err(code) => return code,
    };
    let mut rows = Vec::new();
    for queue in &args.queues {
        for name in [queue.clone(), warren_wire::dead_letter_queue(queue)] {
            // A passive declare fails (and closes its channel) when the queue is missing.
            let Ok(channel) = connection.create_channel().await else {
                return usage_error("cannot open a channel");
            };
            let declared = channel
                .queue_declare(
                    name.as_str().into(),
                    lapin::options::QueueDeclareOptions {
                        passive: true,
                        ..Default::default()
                    },
                    lapin::types::FieldTable::default(),
                )
                .await;
            let _ = channel.close(200, "OK".into()).await;
            rows.push(match declared {
                Ok(q) => serde_json::json!({"queue": name, "exists": true, "ready": q.message_count(), "consumers": q.consumer_count()}),
                Err(_) => serde_json::json!({"queue": name, "exists": false}),
            });
        }
    }
    let _ = connection.close(200, "OK".into()).await;
    if args.json {
        println!("{}", serde_json::Value::from(rows));
    } else {
        println!("{:<50} {:>10} {:>10}", "QUEUE", "READY", "CONSUMERS");
        for row in &rows {
            if row["exists"] == true {
                println!(
                    "{:<50} {:>10} {:>10}",
                    row["queue"].as_str().unwrap_or(""),
                    row["ready"].to_string(),
                    row["consumers"].to_string()
                );
            } else {
                println!(
                    "{:<50} {:>10} {:>10}",
                    row["queue"].as_str().unwrap_or(""),
                    "missing",
                    "-"
                );
            }
        }
        println!(
            "(message rates need RabbitMQ's management plugin: rabbitmq-plugins enable rabbitmq_management)"
        );
    }
    0
}
