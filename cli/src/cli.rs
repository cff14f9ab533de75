//! The `warren` command line: its subcommands and the arguments they share. Each
//! subcommand's own arguments live with it, in [`crate::commands`].

use clap::{Parser, Subcommand};
use warren_wire::{Job, JobLimits};

use crate::commands::{bench, dlq, run, status, submit};
use crate::input;

/// Run JavaScript functions in Warren's sandbox, locally or on a worker fleet.
#[derive(Debug, Parser)]
#[command(name = "warren", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a function locally, with no broker, and print its result body exactly as a
    /// worker would publish it. Exit 0 for ok, 1 for an error result, 2 for usage errors.
    #[command(
        after_help = "Examples:\n  warren run examples/hello.js --input '{\"name\":\"Ada\"}'\n  warren run fn.js --input @input.json --timeout-ms 200 --allow-module crypto\n  echo 'export default () => 42' | warren run -"
    )]
    Run(run::Args),
    /// Submit a job to a queue and (by default) wait for its result.
    /// Exit 0 for ok, 1 for an error result, 3 for no answer in time, 2 for usage or connection errors.
    #[command(
        after_help = "Examples:\n  warren submit examples/hello.js --input '{\"name\":\"Ada\"}'\n  warren submit fn.js --queue jobs.fast --timeout-ms 200 --json\n  warren submit fn.js --no-wait"
    )]
    Submit(submit::Args),
    /// Keep jobs in flight against a queue and report throughput, latency percentiles
    /// (p50/p90/p99/max) and outcomes. Exit 0 when every result arrived, 3 otherwise.
    #[command(
        after_help = "Examples:\n  warren bench examples/hello.js --jobs 10000 --concurrency 64\n  warren bench fn.js --input '{\"n\":5}' --jobs 2000 --json"
    )]
    Bench(bench::Args),
    /// Inspect a pool's dead-letter queue, put jobs back, or replay one locally.
    #[command(subcommand)]
    Dlq(dlq::Command),
    /// Depth and consumers of jobs queues and their dead-letter queues.
    #[command(
        after_help = "Examples:\n  warren status\n  warren status --queue jobs.fast --queue jobs.slow --json"
    )]
    Status(status::Args),
}

/// Where the broker is.
#[derive(Debug, clap::Args)]
pub struct BrokerArgs {
    /// AMQP URL of the broker.
    #[arg(long, env = "WARREN_AMQP_URL", default_value = warren_amqp::DEFAULT_URL)]
    pub amqp_url: String,
}

/// Which pool: its jobs queue.
#[derive(Debug, clap::Args)]
pub struct QueueArgs {
    /// The pool's jobs queue.
    #[arg(long, env = "WARREN_QUEUE", default_value = warren_wire::DEFAULT_JOBS_QUEUE)]
    pub queue: String,
}

/// A job's own limits.
#[derive(Debug, clap::Args)]
pub struct LimitArgs {
    /// Wall-clock limit of the job, in milliseconds.
    #[arg(long)]
    pub timeout_ms: Option<u64>,
    /// Memory limit of the job, in MiB.
    #[arg(long)]
    pub memory_mb: Option<u64>,
}

impl LimitArgs {
    /// The limits, refusing zeros.
    pub fn limits(&self) -> Result<JobLimits, String> {
        for (name, value) in [
            ("--timeout-ms", self.timeout_ms),
            ("--memory-mb", self.memory_mb),
        ] {
            if value == Some(0) {
                return Err(format!("{name} must be a positive integer"));
            }
        }
        Ok(JobLimits {
            timeout_ms: self.timeout_ms,
            memory_mb: self.memory_mb,
        })
    }
}

/// A job given on the command line: its function's file and its input.
#[derive(Debug, clap::Args)]
pub struct JobArgs {
    /// The function's file (an ES module or CommonJS script), or `-` for standard input.
    pub file: String,
    /// The function's input: JSON text, or @path to a JSON file.
    #[arg(long)]
    pub input: Option<String>,
    #[command(flatten)]
    pub limits: LimitArgs,
}

impl JobArgs {
    /// Reads the code and input and checks the limits; a usage error says what is wrong.
    pub fn parts(&self) -> anyhow::Result<Job> {
        Ok(Job {
            code: input::read_code(&self.file)?,
            input: input::parse_input(self.input.as_deref())?,
            limits: self.limits.limits().map_err(anyhow::Error::msg)?,
        })
    }
}

/// A positive, finite number of seconds, for `--reply-timeout`.
pub fn reply_timeout(seconds: f64) -> Result<std::time::Duration, String> {
    if seconds.is_finite() && seconds > 0.0 {
        Ok(std::time::Duration::from_secs_f64(seconds))
    } else {
        Err("--reply-timeout must be a positive number of seconds".into())
    }
}
