//! `warren quarantine`: the codes a pool refuses for breaking their sandbox too often,
//! and releasing one so its jobs run again.

use warren_client::quarantine;
use warren_wire::quarantine::now_ms;

use crate::args::{BrokerArgs, QueueArgs};
use crate::commands::{connect, usage_error};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// List the codes in quarantine: fingerprint (SHA-256 of the source), strikes, and
    /// how long the quarantine lasts.
    #[command(after_help = "Example:\n  warren quarantine list --queue warren.jobs")]
    List(Args),
    /// Let a quarantined code run again, on every worker of the pool.
    #[command(
        after_help = "Example:\n  warren quarantine release 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    )]
    Release(ReleaseArgs),
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub pool: QueueArgs,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub broker: BrokerArgs,
}

#[derive(Debug, clap::Args)]
pub struct ReleaseArgs {
    /// The code's fingerprint, as `warren quarantine list` shows it.
    pub hash: String,
    #[command(flatten)]
    pub quarantine: Args,
}

pub async fn quarantine(command: Command) -> u8 {
    let args = match &command {
        Command::List(args) => args,
        Command::Release(args) => &args.quarantine,
    };
    let connection = match connect(&args.broker).await {
        Ok(connection) => connection,
        Err(code) => return code,
    };
    let queue = args.pool.queue.clone();
    let code = match command {
        Command::List(args) => match quarantine::list(&connection, &queue).await {
            Ok(codes) if args.json => {
                let codes: Vec<_> = codes
                    .iter()
                    .map(|(code, q)| serde_json::json!({"code": code, "strikes": q.strikes, "until_ms": q.until_ms}))
                    .collect();
                crate::sayln!("{}", serde_json::Value::from(codes));
                0
            }
            Ok(codes) => {
                crate::sayln!(
                    "{:<64} {:>7} {:>12}",
                    "CODE (sha256)",
                    "STRIKES",
                    "ENDS IN (s)"
                );
                let now = now_ms();
                for (code, q) in &codes {
                    crate::sayln!(
                        "{code:<64} {:>7} {:>12}",
                        q.strikes,
                        q.until_ms.saturating_sub(now).div_ceil(1000)
                    );
                }
                eprintln!("{} code(s) in quarantine on {queue}", codes.len());
                0
            }
            Err(err) => usage_error(err),
        },
        Command::Release(args) => {
            match quarantine::release(&connection, &queue, &args.hash).await {
                Ok(true) => {
                    crate::sayln!("released {} on {queue}", args.hash);
                    0
                }
                Ok(false) => {
                    crate::sayln!(
                        "{} was not in quarantine on {queue}; released anyway (its strikes are forgotten)",
                        args.hash
                    );
                    0
                }
                Err(err) => usage_error(err),
            }
        }
    };
    let _ = connection.close(200, "OK".into()).await;
    code
}
