//! Submit a job to Warren, await its result, and handle an error result.
//!
//! ```sh
//! cargo run -p warren-client --example submit_and_wait -- [AMQP_URL] [QUEUE]
//! ```
//!
//! It runs one function twice: once with an input it can divide, once with one it
//! throws on. A job that fails is still a result (`status: "error"` with an
//! `error.kind`); only the broker or a missing queue make `call` itself fail.

use std::process::ExitCode;
use std::time::Duration;

use serde_json::json;
use warren_client::{Client, ClientError, DEFAULT_JOBS_QUEUE, DEFAULT_URL, JobSpec, Outcome};

const DIVIDE: &str = "export default ({ a, b }) => {
  if (b === 0) throw new RangeError('division by zero');
  return a / b;
}";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let url = args.next().unwrap_or_else(|| DEFAULT_URL.into());
    let queue = args.next().unwrap_or_else(|| DEFAULT_JOBS_QUEUE.into());
    let client = match Client::new(&url) {
        Ok(client) => client,
        Err(err) => {
            eprintln!("cannot set up the client: {err}");
            return ExitCode::FAILURE;
        }
    };
    for input in [json!({ "a": 1, "b": 4 }), json!({ "a": 1, "b": 0 })] {
        let mut job = JobSpec::new(DIVIDE, input);
        job.limits.timeout_ms = Some(1_000);
        if let Err(err) = divide(&client, &queue, &job).await {
            eprintln!("the call failed: {err}");
            if err.is_retryable() {
                eprintln!("(the broker may be restarting: try again)");
            }
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// Runs one job and prints its value, or its error kind and message.
async fn divide(client: &Client, queue: &str, job: &JobSpec) -> Result<(), ClientError> {
    let result = client.call(queue, job, Duration::from_secs(30)).await?;
    match result.outcome() {
        Some(Outcome::Ok(value)) => println!("ok {}", value.get()),
        Some(Outcome::Error(error)) => println!("error {}: {}", error.kind, error.message),
        None => println!("malformed result from {}", result.worker),
    }
    Ok(())
}
