//! The three-node RabbitMQ cluster of `scripts/cluster.sh`, for the cluster scenarios
//! (`tests/tests/cluster.rs`): bringing it up, failing its nodes, and load that
//! outlives them (a publisher and a result reader that move to another node when
//! theirs goes, as a production backend would).

use std::collections::HashMap;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_lite::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Connection};
use serde_json::Value;

use crate::fleet::Tally;

/// The cluster's nodes, numbered as the script numbers them.
pub const NODES: [u8; 3] = [1, 2, 3];

/// Runs `scripts/cluster.sh` with `args`; panics when it fails.
fn script(args: &[&str]) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/cluster.sh");
    let out = Command::new(path)
        .args(args)
        .output()
        .expect("run scripts/cluster.sh");
    assert!(
        out.status.success(),
        "scripts/cluster.sh {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Starts the cluster unless it is up already.
pub fn up() {
    script(&["up"]);
}

/// The AMQP URL of `node`.
pub fn url(node: u8) -> String {
    format!("amqp://guest:guest@127.0.0.1:568{node}/%2f")
}

/// The node listening on `address` ("127.0.0.1:5682"), as `/readyz` names it.
pub fn node_at(address: &str) -> Option<u8> {
    NODES
        .into_iter()
        .find(|node| address.ends_with(&format!(":568{node}")))
}

/// SIGKILLs `node`'s Erlang VM.
pub fn kill(node: u8) {
    script(&["kill", &node.to_string()]);
}

/// Stops `node` cleanly.
pub fn stop(node: u8) {
    script(&["stop", &node.to_string()]);
}

/// Starts `node` and waits until it has booted.
pub fn start(node: u8) {
    script(&["start", &node.to_string()]);
}

/// `rabbitmqctl` (or `rabbitmq-queues`) against `node`: its output, or `None` when it
/// fails (the node is down).
fn ctl(program: &str, node: u8, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(["-q", "-n", &format!("warren-{node}@localhost")])
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The node that leads the quorum queue `queue`, as any running node sees it.
pub fn leader(queue: &str) -> Option<u8> {
    let leader = queue_field(queue, "leader")?;
    NODES
        .into_iter()
        .find(|n| leader == format!("warren-{n}@localhost"))
}

/// One `rabbitmqctl list_queues` column of `queue`, from the first node that answers.
fn queue_field(queue: &str, field: &str) -> Option<String> {
    NODES.into_iter().find_map(|node| {
        ctl(
            "rabbitmqctl",
            node,
            &["list_queues", "--no-table-headers", "name", field],
        )?
        .lines()
        .find_map(|line| {
            let mut fields = line.split_whitespace();
            (fields.next()? == queue).then_some(())?;
            fields.next().map(str::to_owned)
        })
    })
}

/// Waits until stopping `node` would leave every quorum queue a majority (RabbitMQ's
/// own check before a node is taken down in a rolling upgrade).
pub async fn wait_not_quorum_critical(node: u8, within: Duration) -> bool {
    crate::eventually(within, || async move {
        ctl(
            "rabbitmq-queues",
            node,
            &["check_if_node_is_quorum_critical"],
        )
        .is_some()
    })
    .await
}

/// Messages in `queue` (ready and unacknowledged), as whichever node answers sees it.
pub fn messages_in(queue: &str) -> Option<u64> {
    queue_field(queue, "messages")?.parse().ok()
}

/// Deletes `queue` through whichever node answers.
pub fn delete_queue(queue: &str) {
    for node in NODES {
        if ctl("rabbitmqctl", node, &["delete_queue", queue]).is_some() {
            return;
        }
    }
}

/// Declares the durable quorum queue the scenarios' results go to.
pub async fn declare_results_queue(queue: &str) {
    let (_, connection) = connect_any(0, "warren-tests").await;
    let channel = connection.create_channel().await.expect("channel");
    let mut arguments = FieldTable::default();
    arguments.insert(
        "x-queue-type".into(),
        AMQPValue::LongString("quorum".into()),
    );
    let options = QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    };
    channel
        .queue_declare(queue.into(), options, arguments)
        .await
        .expect("results queue");
    let _ = connection.close(200, "OK".into()).await;
}

/// A connection to the first node that answers from `at` on (the index it is at);
/// panics when none has for a minute (the cluster is down: the scenario cannot run).
async fn connect_any(mut at: usize, name: &str) -> (usize, Connection) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let node = NODES[at % NODES.len()];
        if let Ok(connection) = warren_amqp::connect(&url(node), name).await {
            return (at % NODES.len(), connection);
        }
        assert!(
            Instant::now() < deadline,
            "no cluster node answered for a minute"
        );
        at += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The node a worker's `/readyz` body names (its second line: `broker HOST:PORT …`).
pub fn node_in_readyz(body: &str) -> Option<u8> {
    body.split_whitespace()
        .skip_while(|word| *word != "broker")
        .nth(1)
        .and_then(node_at)
}

/// One job to publish: its id and body.
pub struct ClusterJob {
    pub id: String,
    pub body: Vec<u8>,
}

/// Publishes `jobs` to `queue` at about `per_second`, results to `results`, while
/// `faults` runs; a job whose publish fails or goes unconfirmed is published again
/// through another node. Then waits up to a minute for every result.
pub async fn load_through<F>(
    queue: &str,
    results: &str,
    jobs: Vec<ClusterJob>,
    per_second: usize,
    faults: F,
) -> Tally
where
    F: std::future::Future<Output = ()>,
{
    let tally = Arc::new(Mutex::new(Tally {
        sent: jobs.len(),
        ..Tally::default()
    }));
    let sent_at = Arc::new(Mutex::new(HashMap::new()));
    let reading = Arc::new(AtomicBool::new(true));
    let reader = tokio::spawn(read_results(
        results.to_owned(),
        tally.clone(),
        sent_at.clone(),
        reading.clone(),
    ));
    let publisher = tokio::spawn(publish_all(
        queue.to_owned(),
        results.to_owned(),
        jobs,
        per_second,
        sent_at,
    ));
    faults.await;
    publisher.await.expect("publisher");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let done = {
            let tally = tally.lock().expect("tally");
            tally.results.len() >= tally.sent
        };
        if done {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Late duplicates still count: give them a moment.
    tokio::time::sleep(Duration::from_millis(500)).await;
    reading.store(false, Ordering::Relaxed);
    reader.abort();
    std::mem::take(&mut *tally.lock().expect("tally"))
}

async fn publish_all(
    queue: String,
    results: String,
    jobs: Vec<ClusterJob>,
    per_second: usize,
    sent_at: Arc<Mutex<HashMap<String, Instant>>>,
) {
    let started = tokio::time::Instant::now();
    let mut at = 0;
    let mut open: Option<(Connection, Channel)> = None;
    for (n, job) in jobs.into_iter().enumerate() {
        sent_at
            .lock()
            .expect("sent_at")
            .insert(job.id.clone(), Instant::now());
        loop {
            if open.as_ref().is_none_or(|(c, _)| !c.status().connected()) {
                let (reached, connection) = connect_any(at, "warren-tests-publisher").await;
                at = reached;
                let Ok(channel) = connection.create_channel().await else {
                    at += 1;
                    continue;
                };
                if channel
                    .confirm_select(ConfirmSelectOptions::default())
                    .await
                    .is_err()
                {
                    at += 1;
                    continue;
                }
                open = Some((connection, channel));
            }
            let Some((_, channel)) = open.as_ref() else {
                continue;
            };
            if publish_confirmed(channel, &queue, &results, &job).await {
                break;
            }
            // Through another node next time.
            open = None;
            at += 1;
        }
        tokio::time::sleep_until(
            started + Duration::from_secs_f64((n + 1) as f64 / per_second as f64),
        )
        .await;
    }
    if let Some((connection, _)) = open {
        let _ = connection.close(200, "OK".into()).await;
    }
}

/// Publishes one job (persistent, mandatory) and waits up to 5 s for its confirm.
async fn publish_confirmed(
    channel: &Channel,
    queue: &str,
    results: &str,
    job: &ClusterJob,
) -> bool {
    let properties = BasicProperties::default()
        .with_delivery_mode(2)
        .with_content_type("application/json".into())
        .with_message_id(job.id.as_str().into())
        .with_correlation_id(job.id.as_str().into())
        .with_reply_to(results.into());
    let options = BasicPublishOptions {
        mandatory: true,
        ..BasicPublishOptions::default()
    };
    let Ok(confirm) = channel
        .basic_publish("".into(), queue.into(), options, &job.body, properties)
        .await
    else {
        return false;
    };
    match tokio::time::timeout(Duration::from_secs(5), confirm).await {
        Ok(Ok(confirmation)) => confirmation.is_ack() && confirmation.take_message().is_none(),
        _ => false,
    }
}

/// Reads results off `results` (acking each once counted) through any node, moving to
/// the next node whenever the connection drops, until `reading` turns false.
async fn read_results(
    results: String,
    tally: Arc<Mutex<Tally>>,
    sent_at: Arc<Mutex<HashMap<String, Instant>>>,
    reading: Arc<AtomicBool>,
) {
    let mut at = 0;
    while reading.load(Ordering::Relaxed) {
        let (reached, connection) = connect_any(at, "warren-tests-reader").await;
        at = reached;
        if let Ok(channel) = connection.create_channel().await
            && channel
                .basic_qos(200, BasicQosOptions::default())
                .await
                .is_ok()
            && let Ok(mut consumer) = channel
                .basic_consume(
                    results.as_str().into(),
                    "".into(),
                    BasicConsumeOptions::default(),
                    FieldTable::default(),
                )
                .await
        {
            while let Some(Ok(delivery)) = consumer.next().await {
                if let Ok(value) = serde_json::from_slice::<Value>(&delivery.data) {
                    let sent = sent_at.lock().expect("sent_at");
                    tally.lock().expect("tally").record(value, &sent);
                }
                let _ = delivery.ack(BasicAckOptions::default()).await;
            }
        }
        let _ = connection.close(200, "OK".into()).await;
        at += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What a readiness watcher saw of one worker: the longest time it was not ready,
/// and the nodes it was on.
#[derive(Debug, Default, Clone)]
pub struct Readiness {
    pub longest_not_ready: Duration,
    pub nodes: Vec<u8>,
}

/// Watches `/readyz` of each worker every 50 ms until told to stop.
pub fn watch_readiness(
    addrs: Vec<std::net::SocketAddr>,
) -> (Arc<AtomicBool>, tokio::task::JoinHandle<Vec<Readiness>>) {
    let watching = Arc::new(AtomicBool::new(true));
    let flag = watching.clone();
    let watcher = tokio::spawn(async move {
        let mut seen = vec![Readiness::default(); addrs.len()];
        let mut down_since: Vec<Option<Instant>> = vec![None; addrs.len()];
        while flag.load(Ordering::Relaxed) {
            for (i, addr) in addrs.iter().enumerate() {
                let answer = crate::http_get(*addr, "/readyz").await;
                let ready = matches!(answer, Ok((200, _)));
                if let Ok((_, body)) = &answer
                    && let Some(node) = node_in_readyz(body)
                    && ready
                    && seen[i].nodes.last() != Some(&node)
                {
                    seen[i].nodes.push(node);
                }
                match (ready, down_since[i]) {
                    (false, None) => down_since[i] = Some(Instant::now()),
                    (true, Some(since)) => {
                        seen[i].longest_not_ready = seen[i].longest_not_ready.max(since.elapsed());
                        down_since[i] = None;
                    }
                    _ => {}
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        for (i, since) in down_since.into_iter().enumerate() {
            if let Some(since) = since {
                seen[i].longest_not_ready = seen[i].longest_not_ready.max(since.elapsed());
            }
        }
        seen
    });
    (watching, watcher)
}
