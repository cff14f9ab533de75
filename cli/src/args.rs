//! Arguments several subcommands share: the broker, the pool's queue, a job's file,
//! input and limits.

use warren_wire::{Job, JobLimits};

use crate::input;

/// Where the broker is.
#[derive(Debug, clap::Args)]
pub struct BrokerArgs {
    /// AMQP URL of the broker. Repeat it, or separate URLs with commas, to give every
    /// node of a cluster: one that answers is used.
    #[arg(long = "amqp-url", env = "WARREN_AMQP_URL", value_delimiter = ',',
        hide_env_values = true,
        default_value = warren_amqp::DEFAULT_URL)]
    pub amqp_urls: Vec<String>,
}

impl BrokerArgs {
    /// The addresses as one comma-separated list, as the client library takes them.
    pub fn joined(&self) -> String {
        self.amqp_urls.join(",")
    }
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
