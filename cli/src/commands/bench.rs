//! `warren bench`: keeps jobs in flight against a queue and reports throughput,
//! latency percentiles and outcomes.

use warren_client::{Client, JobSpec};

use crate::args::{BrokerArgs, JobArgs, QueueArgs, reply_timeout};
use crate::commands::usage_error;
use crate::loadgen::{self, LoadOptions};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub job: JobArgs,
    #[command(flatten)]
    pub pool: QueueArgs,
    /// Jobs to run in all.
    #[arg(long, default_value_t = 1000)]
    pub jobs: usize,
    /// Jobs in flight at once.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Submit at this many jobs per second (open loop) instead of as fast as results
    /// return; --concurrency still caps the jobs in flight.
    #[arg(long)]
    pub rate: Option<f64>,
    /// Seconds to wait for the next result before counting the rest as missing.
    #[arg(long, default_value_t = 30.0)]
    pub reply_timeout: f64,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// The tenant every job runs for (the x-warren-tenant header); the default tenant
    /// when left out.
    #[arg(long, env = "WARREN_TENANT")]
    pub tenant: Option<String>,
    #[command(flatten)]
    pub broker: BrokerArgs,
}

pub async fn bench(args: Args) -> u8 {
    let job = match args.job.parts() {
        Ok(job) => job,
        Err(err) => return usage_error(err),
    };
    let input: serde_json::Value =
        serde_json::from_str(job.input.get()).unwrap_or(serde_json::Value::Null);
    if args.jobs == 0 || args.concurrency == 0 {
        return usage_error("--jobs and --concurrency must be positive");
    }
    let reply_timeout = match reply_timeout(args.reply_timeout) {
        Ok(timeout) => timeout,
        Err(err) => return usage_error(err),
    };
    let client = match Client::new(&args.broker.joined()) {
        Ok(client) => client,
        Err(err) => return usage_error(err),
    };
    let mut spec = JobSpec::new(job.code, input);
    spec.tenant = args.tenant.clone();
    spec.limits = job.limits;
    let options = LoadOptions {
        queue: args.pool.queue,
        job: spec,
        jobs: args.jobs,
        concurrency: args.concurrency,
        rate: args.rate,
        vary: None,
        reply_timeout,
    };
    let bar = if args.json || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(args.jobs as u64)
    };
    let result = loadgen::run(&client, &options, |done| bar.set_position(done)).await;
    bar.finish_and_clear();
    match result {
        Ok(report) => {
            if args.json {
                crate::sayln!("{}", report.to_json());
            } else {
                crate::say!("{}", report.to_text());
            }
            if report.missing() == 0 { 0 } else { 3 }
        }
        Err(err) => {
            eprintln!("warren: {err}");
            2
        }
    }
}
