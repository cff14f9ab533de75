//! `warren dlq`: what a pool's dead-letter queue holds, putting jobs back, emptying
//! it, and replaying one job locally.

use std::time::Duration;

use warren_client::dlq::{self, DeadJob};

use crate::args::{BrokerArgs, LimitArgs, QueueArgs};
use crate::commands::{connect, usage_error};
use crate::local::{LocalPool, run_locally};
use crate::render;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// List dead-lettered jobs: id, first reason, deliveries, age.
    #[command(after_help = "Example:\n  warren dlq list --queue warren.jobs")]
    List(Args),
    /// Print one dead-lettered job's details and body.
    #[command(after_help = "Example:\n  warren dlq show 7f0c2a9e-... --queue warren.jobs")]
    Show(IdArgs),
    /// Put a dead-lettered job (or all with --all) back on the jobs queue.
    #[command(after_help = "Examples:\n  warren dlq requeue 7f0c...\n  warren dlq requeue --all")]
    Requeue(RequeueArgs),
    /// Delete every dead-lettered job of the queue.
    #[command(after_help = "Example:\n  warren dlq purge --queue warren.jobs")]
    Purge(Args),
    /// Run a dead-lettered job locally in the same sandbox with its limits, and print
    /// the result, without touching the fleet.
    #[command(
        after_help = "Examples:\n  warren dlq replay 7f0c2a9e-...\n  warren dlq replay 7f0c2a9e-... --timeout-ms 200 --allow-module crypto"
    )]
    Replay(ReplayArgs),
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub pool: QueueArgs,
    /// Most jobs to list.
    #[arg(long, default_value_t = 1000)]
    pub limit: usize,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub broker: BrokerArgs,
}

#[derive(Debug, clap::Args)]
pub struct IdArgs {
    /// The job id.
    pub id: String,
    #[command(flatten)]
    pub dlq: Args,
}

#[derive(Debug, clap::Args)]
pub struct RequeueArgs {
    /// The job id (or use --all).
    #[arg(required_unless_present = "all")]
    pub id: Option<String>,
    /// Requeue every dead-lettered job.
    #[arg(long, conflicts_with = "id")]
    pub all: bool,
    #[command(flatten)]
    pub dlq: Args,
}

#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// The job id.
    pub id: String,
    /// Pool limits to replay under (the job's own limits can only lower them).
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Modules the pool allows (repeatable). Default: crypto and url.
    #[arg(long = "allow-module")]
    pub allow_modules: Vec<String>,
    #[command(flatten)]
    pub dlq: Args,
}

pub async fn dlq(command: Command) -> u8 {
    let args = match &command {
        Command::List(a) | Command::Purge(a) => a,
        Command::Show(a) => &a.dlq,
        Command::Requeue(a) => &a.dlq,
        Command::Replay(a) => &a.dlq,
    };
    let connection = match connect(&args.broker).await {
        Ok(connection) => connection,
        Err(code) => return code,
    };
    let queue = args.pool.queue.clone();
    let code = match command {
        Command::List(args) => match dlq::list(&connection, &queue, args.limit).await {
            Ok(jobs) if args.json => {
                let jobs: Vec<_> = jobs.iter().map(dead_job_json).collect();
                crate::sayln!("{}", serde_json::Value::from(jobs));
                0
            }
            Ok(jobs) => {
                print_table(&jobs);
                eprintln!(
                    "{} dead-lettered job(s) in {}",
                    jobs.len(),
                    warren_wire::dead_letter_queue(&queue)
                );
                0
            }
            Err(err) => usage_error(err),
        },
        Command::Show(args) => match dlq::list(&connection, &queue, args.dlq.limit).await {
            Ok(jobs) => match jobs.iter().find(|j| j.job_id == args.id) {
                Some(job) => {
                    crate::sayln!(
                        "{}",
                        serde_json::to_string_pretty(&dead_job_json(job)).unwrap_or_default()
                    );
                    0
                }
                None => not_found(args.id, &queue),
            },
            Err(err) => usage_error(err),
        },
        Command::Requeue(args) => {
            match dlq::requeue(&connection, &queue, args.id.as_deref()).await {
                Ok(0) if args.id.is_some() => not_found(args.id.unwrap_or_default(), &queue),
                Ok(moved) => {
                    crate::sayln!("requeued {moved} job(s) onto {queue}");
                    0
                }
                Err(err) => usage_error(err),
            }
        }
        Command::Purge(_) => match dlq::purge(&connection, &queue).await {
            Ok(count) => {
                crate::sayln!(
                    "purged {count} job(s) from {}",
                    warren_wire::dead_letter_queue(&queue)
                );
                0
            }
            Err(err) => usage_error(err),
        },
        Command::Replay(args) => match dlq::list(&connection, &queue, args.dlq.limit).await {
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

fn print_table(jobs: &[DeadJob]) {
    crate::sayln!(
        "{:<38} {:<16} {:>10} {:>6}",
        "JOB ID",
        "REASON",
        "DELIVERIES",
        "AGE"
    );
    for job in jobs {
        crate::sayln!(
            "{:<38} {:<16} {:>10} {:>6}",
            job.job_id,
            job.reason,
            job.deliveries,
            format_age(job.age)
        );
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

fn dead_job_json(job: &DeadJob) -> serde_json::Value {
    serde_json::json!({
        "job_id": job.job_id,
        "reason": job.reason,
        "deliveries": job.deliveries,
        "age_s": job.age.map(|a| a.as_secs()),
        "content_type": job.content_type,
        "body": String::from_utf8_lossy(&job.body),
    })
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
fn replay(job: DeadJob, pool: &LimitArgs, allow_modules: Vec<String>) -> u8 {
    let parsed =
        match warren_wire::Job::from_message(job.content_type.as_deref(), &job.body, usize::MAX) {
            Ok(parsed) => parsed,
            Err(err) => {
                eprintln!("warren: the dead-lettered message is not a valid job: {err}");
                return 1;
            }
        };
    let attempt = u32::try_from(job.deliveries.saturating_add(1)).unwrap_or(u32::MAX);
    let pool = LocalPool {
        timeout_ms: pool.timeout_ms,
        memory_mb: pool.memory_mb,
        allow_modules,
        ..LocalPool::default()
    };
    let result = match run_locally(job.job_id, attempt, parsed, pool, "warren-replay") {
        Ok(result) => result,
        Err(err) => return usage_error(err),
    };
    crate::say!("{}", render::human(&result));
    render::exit_code(&result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_in_the_largest_whole_unit() {
        let age = |s| format_age(Some(Duration::from_secs(s)));
        assert_eq!(format_age(None), "-");
        assert_eq!(age(59), "59s");
        assert_eq!(age(600), "10m");
        assert_eq!(age(7200), "2h");
        assert_eq!(age(3 * 86_400), "3d");
    }
}
