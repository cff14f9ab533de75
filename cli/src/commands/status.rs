//! `warren status`: depth and consumers of jobs queues and their dead-letter queues.

use warren_amqp::topology;

use crate::args::BrokerArgs;
use crate::commands::{connect, usage_error};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Jobs queues to report (repeatable).
    #[arg(long = "queue", env = "WARREN_QUEUE", default_value = warren_wire::DEFAULT_JOBS_QUEUE)]
    pub queues: Vec<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub broker: BrokerArgs,
}

pub async fn status(args: Args) -> u8 {
    let connection = match connect(&args.broker).await {
        Ok(connection) => connection,
        Err(code) => return code,
    };
    let rows = inspect_all(&connection, &args.queues).await;
    let _ = connection.close(200, "OK".into()).await;
    let rows = match rows {
        Ok(rows) => rows,
        Err(err) => return usage_error(err),
    };
    if args.json {
        crate::sayln!("{}", serde_json::Value::from(rows));
        return 0;
    }
    crate::sayln!("{:<50} {:>10} {:>10}", "QUEUE", "READY", "CONSUMERS");
    for row in &rows {
        let queue = row["queue"].as_str().unwrap_or("");
        if row["exists"] == true {
            crate::sayln!(
                "{queue:<50} {:>10} {:>10}",
                row["ready"].to_string(),
                row["consumers"].to_string()
            );
        } else {
            crate::sayln!("{queue:<50} {:>10} {:>10}", "missing", "-");
        }
    }
    crate::sayln!(
        "(message rates need RabbitMQ's management plugin: rabbitmq-plugins enable rabbitmq_management)"
    );
    0
}

/// Each jobs queue and its dead-letter queue, as the broker reports them, then its
/// backlog queues (fair shares) that exist.
async fn inspect_all(
    connection: &lapin::Connection,
    queues: &[String],
) -> Result<Vec<serde_json::Value>, String> {
    let mut rows = Vec::new();
    for queue in queues {
        let backlogs = warren_wire::backlog_queues(queue, warren_wire::DEFAULT_BACKLOG_QUEUES);
        let names = [queue.clone(), warren_wire::dead_letter_queue(queue)];
        for (optional, name) in names
            .into_iter()
            .map(|name| (false, name))
            .chain(backlogs.into_iter().map(|name| (true, name)))
        {
            match topology::inspect(connection, &name).await {
                Ok(Some(state)) => rows.push(serde_json::json!({"queue": name, "exists": true, "ready": state.messages, "consumers": state.consumers})),
                Ok(None) if optional => {}
                Ok(None) => rows.push(serde_json::json!({"queue": name, "exists": false})),
                Err(err) => return Err(format!("cannot look at {name}: {err}")),
            }
        }
    }
    Ok(rows)
}
