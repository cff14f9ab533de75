//! `warren submit`: one job published to a queue and, by default, its result awaited
//! (over direct reply-to) and printed.

use warren_client::ClientError;

use crate::args::{BrokerArgs, JobArgs, QueueArgs, reply_timeout};
use crate::commands::usage_error;
use crate::render;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub job: JobArgs,
    #[command(flatten)]
    pub pool: QueueArgs,
    #[command(flatten)]
    pub broker: BrokerArgs,
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
    /// The tenant the job runs for (the x-warren-tenant header); the default tenant
    /// when left out.
    #[arg(long, env = "WARREN_TENANT")]
    pub tenant: Option<String>,
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
    let submitted = warren_client::direct::submit(
        &args.broker.joined(),
        &args.pool.queue,
        &job_id,
        &body,
        wait,
        args.tenant.as_deref(),
    )
    .await;
    match submitted {
        Ok(None) => {
            crate::sayln!("{job_id}");
            0
        }
        Ok(Some(result)) => {
            if args.json {
                crate::sayln!(
                    "{}",
                    String::from_utf8(result.to_json()).unwrap_or_default()
                );
            } else {
                crate::say!("{}", render::human(&result));
            }
            render::exit_code(&result)
        }
        Err(err) => {
            match &err {
                ClientError::Timeout(_) => {
                    eprintln!("warren: {err} (is a worker consuming the queue?)");
                }
                _ => eprintln!("warren: {err}"),
            }
            exit_code(&err)
        }
    }
}

/// The exit code of a submission that failed: 3 when no answer came in time (the job
/// may still run), 2 for everything else (usage, connection, refusal).
fn exit_code(err: &ClientError) -> u8 {
    match err {
        ClientError::Timeout(_) => 3,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn no_answer_in_time_is_3_and_any_other_failure_2() {
        assert_eq!(exit_code(&ClientError::Timeout(Duration::from_secs(1))), 3);
        assert_eq!(exit_code(&ClientError::Refused), 2);
        assert_eq!(exit_code(&ClientError::NoRoute("jobs".into())), 2);
    }
}
