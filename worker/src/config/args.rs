//! The `warren-worker` command line: worker-wide flags, and the flags of the pool it
//! runs when no pools file is given (the defaults of every pool when one is).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

use super::pool::PoolSettings;

/// RabbitMQ's default `consumer_timeout`: a delivery unacked for longer is fatal to
/// the channel, so no job may be allowed to run that long.
pub const DEFAULT_CONSUMER_TIMEOUT_MS: u64 = 30 * 60 * 1000;

/// Run untrusted JavaScript jobs from RabbitMQ in fresh, limited QuickJS sandboxes.
///
/// Every flag has an environment variable. With `--config`, the pools come from the
/// TOML file and these flags are the defaults for what a pool leaves out.
#[derive(Debug, Clone, Parser)]
#[command(name = "warren-worker", version, about, long_about = None,
    after_help = "Examples:\n  warren-worker\n  warren-worker --queue jobs.fast --concurrency 4 --timeout-ms 500 --allow-module crypto\n  warren-worker --config /etc/warren/pools.toml --metrics-addr 0.0.0.0:9464")]
pub struct Args {
    /// AMQP URL of the broker. Repeat it, or separate URLs with commas, to give every
    /// node of a cluster: the worker connects to one at random and fails over to the
    /// next.
    #[arg(long = "amqp-url", env = "WARREN_AMQP_URL", value_delimiter = ',',
        hide_env_values = true,
        default_value = warren_amqp::DEFAULT_URL)]
    pub amqp_urls: Vec<String>,

    #[command(flatten)]
    pub pool: PoolSettings,

    /// Allow no modules at all (overrides the default table and --allow-module).
    #[arg(long, env = "WARREN_NO_MODULES")]
    pub no_modules: bool,

    /// Async threads for AMQP, JSON, sandbox reports and `fetch` (jobs run in the
    /// sandbox slots, not here); defaults to 1, or one per core when a pool grants
    /// `fetch` (TLS handshakes are CPU work). One thread keeps each job's hand-offs on
    /// one core.
    #[arg(long, env = "WARREN_IO_THREADS")]
    pub io_threads: Option<usize>,

    /// Seconds a stopping worker waits for in-flight jobs before returning them to the queue.
    #[arg(long, env = "WARREN_SHUTDOWN_GRACE", default_value_t = 25.0)]
    pub shutdown_grace: f64,

    /// Native stack of each sandbox thread, in MiB; must be at least twice the JS stack limit.
    #[arg(long, env = "WARREN_SLOT_STACK_MB", default_value_t = 8)]
    pub slot_stack_mb: u64,

    /// Where jobs run: `process` (confined sandbox processes, killed and replaced when
    /// they misbehave) or `thread` (threads of the worker: for trusted code only).
    #[arg(long, env = "WARREN_ISOLATION", value_enum, default_value_t = IsolationMode::Process)]
    pub isolation: IsolationMode,

    /// Virtual memory each sandbox process may map, in MiB (its RLIMIT_AS): a backstop
    /// behind the per-job memory limit.
    #[arg(long, env = "WARREN_SANDBOX_ADDRESS_SPACE_MB", default_value_t = 4096)]
    pub sandbox_address_space_mb: u64,

    /// The executable started as a sandbox process (default: this worker's own, even
    /// if its file is replaced while it runs). For embedding the worker in another
    /// program, such as a test harness.
    #[arg(long, env = "WARREN_SANDBOX_PROGRAM", hide = true)]
    pub sandbox_program: Option<PathBuf>,

    /// Address of the metrics and health endpoints (/metrics, /healthz, /readyz).
    #[arg(long, env = "WARREN_METRICS_ADDR", default_value = "0.0.0.0:9464")]
    pub metrics_addr: SocketAddr,

    /// The broker's `consumer_timeout` in milliseconds; job timeouts must stay below it.
    #[arg(long, env = "WARREN_CONSUMER_TIMEOUT_MS", default_value_t = DEFAULT_CONSUMER_TIMEOUT_MS)]
    pub consumer_timeout_ms: u64,

    /// Name this worker reports in results and to the broker; defaults to host and pid.
    #[arg(long, env = "WARREN_WORKER_NAME")]
    pub worker_name: Option<String>,

    /// TOML file with `[[pool]]` tables: several pools (queue + limits + modules) in one
    /// process. A table takes the keys of the pool flags above, in snake case.
    #[arg(long, env = "WARREN_CONFIG")]
    pub config: Option<PathBuf>,

    /// Copy each job's console output into the worker's own logs (target `job_console`).
    /// Off by default: customer output stays in the result.
    #[arg(long, env = "WARREN_LOG_JOB_CONSOLE")]
    pub log_job_console: bool,

    /// Instead of running: ask the worker listening on --metrics-addr for /healthz and
    /// exit 0 if it answers 200, 1 otherwise (for container health checks, which have
    /// no shell or curl in Warren's image).
    #[arg(long)]
    pub check_health: bool,

    /// Log format: `json` (the default when stdout is not a terminal) or `pretty`.
    #[arg(long, env = "WARREN_LOG_FORMAT")]
    pub log_format: Option<LogFormat>,
}

/// Where a worker runs its jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum IsolationMode {
    Process,
    Thread,
}

/// How the worker writes its logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Json,
    Pretty,
}
