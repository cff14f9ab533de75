//! `warren submit`: one job published to a queue and, by default, its result awaited
//! (over direct reply-to) and printed.

use std::time::Duration;

use warren_client::ClientError;

use crate::cli::{JobArgs, QueueArgs, reply_timeout};
use crate::commands::usage_error;
use crate::render;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub job: JobArgs,
    #[command(flatten)]
    pub pool: QueueArgs,
    /// AMQP URL of the broker.
    #[arg(long, env = "WARREN_AMQP_URL", default_value = warren_amqp::DEFAULT_URL)]
    pub amqp_url: String,
    /// Wait for the result (the default).
    #[arg(long, overrides_with = "no_wait")]
    pub wait: bool,
    /// Publish and print the job id without waiting.
    #[arg(long)]
    pub no_wait: bool,
    /// Seconds to wait for the result.
    #[arg(long, default_value_t = 30.0)]
    pub reply_timeout: f64,
    /// Print the raw result body instead of a readable summary.
    #[arg(long)]
    pub json: bool,
    /// Job id (message_id and correlation_id); a random UUID by default.
    #[arg(long)]
    pub job_id: Option<String>,
}

pub async fn submit(args: Args) -> u8 {
    let job = match args.job.parts() {
        Ok(job) => job,
        Err(err) => return usage_error(err),
    };
    let wait = match reply_timeout(args.reply_timeout) {
        Ok(wait) => (!args.no_wait).then_some(wait),
        Err(err) => return usage_error(err),
    };
    let body = warren_wire::job::body(&job.code, &job.input, &job.limits);
    let job_id = args.job_id.unwrap_or_else(warren_wire::ids::new_job_id);
    let submitted =
        warren_client::direct::submit(&args.amqp_url, &args.pool.queue, &job_id, &body, wait).await;
    match submitted {
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
        Err(ClientError::Timeout(wait)) => no_answer(wait),
        Err(err) => usage_error(err),
    }
}

/// No result in time: exit code 3.
fn no_answer(wait: Duration) -> u8 {
    eprintln!("warren: no result within {wait:?} (is a worker consuming the queue?)");
    3
}
