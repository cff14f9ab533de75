//! The default prefetch window: one job per slot while jobs are long, deeper while
//! they are short, resized on a live session without losing or repeating a job.

use std::time::Duration;

use serde_json::json;
use warren_tests::client::TestClient;
use warren_tests::{InProcessWorker, eventually, http_get, metric, unique_queue};

const WAIT: Duration = Duration::from_secs(60);

async fn window_of(worker: &InProcessWorker, queue: &str) -> Option<f64> {
    let text = http_get(worker.config.metrics_addr, "/metrics")
        .await
        .ok()?
        .1;
    metric(&text, "warren_prefetch_window", &[("queue", queue)])
}

#[tokio::test]
async fn long_jobs_are_held_one_per_slot() {
    let queue = unique_queue("prefetch-long");
    // One FIFO queue: with fair shares the worker moves the jobs beyond its tenant's
    // share to a backlog queue, through a window kept 32 deep for that.
    let flags = [
        "--concurrency",
        "1",
        "--timeout-ms",
        "5000",
        "--fair-shares",
        "false",
    ];
    let worker = InProcessWorker::start(&queue, &flags).await;
    assert_eq!(window_of(&worker, &queue).await, Some(1.0));
    let mut client = TestClient::connect().await;
    let long = "export default () => { const end = Date.now() + 1500; while (Date.now() < end); return 1 }";
    client.submit_numbered(&queue, "long-", long, 5).await;

    // The worker takes one job for its one slot, and no second one to wait behind it
    // (a fixed window of two slots' worth would take two).
    let took_one = eventually(WAIT, || {
        let (client, queue) = (&client, &queue);
        async move { client.ready_count(queue).await == 4 }
    })
    .await;
    assert!(took_one, "the worker took its first job");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(client.ready_count(&queue).await, 4);

    let (results, duplicates) = client.collect(5, WAIT).await;
    assert_eq!(results.len(), 5);
    assert_eq!(duplicates, 0);
    assert!(results.values().all(|r| r["value"] == json!(1)));
    assert_eq!(window_of(&worker, &queue).await, Some(1.0));
    worker.stop().await;
    client.delete_pool_queues(&queue).await;
}

#[tokio::test]
async fn short_jobs_deepen_the_window_and_a_restart_loses_none() {
    let queue = unique_queue("prefetch-short");
    let worker = InProcessWorker::start(&queue, &["--concurrency", "2"]).await;
    let mut client = TestClient::connect().await;
    // Short jobs, every fifth a little longer: two slots finish them out of order, and
    // the steady and extra consumers share the channel's delivery tags.
    let trivial = "export default (n) => { if (n % 5 === 0) { const end = Date.now() + 3; while (Date.now() < end); } return n * 2 }";
    client.submit_numbered(&queue, "a-", trivial, 400).await;
    let (first, duplicates) = client.collect(400, WAIT).await;
    assert_eq!((first.len(), duplicates), (400, 0));
    let deepened = window_of(&worker, &queue).await.unwrap_or(0.0);
    assert!(deepened >= 3.0, "window after short jobs: {deepened}");

    // Stopped while it holds a deep window of jobs: it finishes them all, and the next
    // worker runs the rest; every job once.
    client.submit_numbered(&queue, "b-", trivial, 600).await;
    let (some, _) = client.collect(50, WAIT).await;
    worker.stop().await;
    let next = InProcessWorker::start(&queue, &["--concurrency", "2"]).await;
    let (rest, duplicates) = client.collect(600 - some.len(), WAIT).await;
    assert_eq!(duplicates, 0);
    let mut ids: Vec<&String> = some.keys().chain(rest.keys()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 600, "every job ran exactly once");
    assert!(
        some.values()
            .chain(rest.values())
            .all(|r| r["value"].is_number())
    );
    next.stop().await;
    client.delete_pool_queues(&queue).await;
}
