//! Shutdown, reconnection, sharing a queue and dead-lettering, with real processes.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::json;
use warren_tests::broker::queue_counts;
use warren_tests::client::{Publish, TestClient};
use warren_tests::process::WorkerProcess;
use warren_tests::{InProcessWorker, eventually, unique_queue};

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn sigterm_finishes_in_flight_jobs_and_exits_zero() {
    let queue = unique_queue("sigterm");
    let mut worker = WorkerProcess::spawn(&queue, &["--concurrency", "2", "--prefetch", "4"]);
    assert!(worker.wait_ready(WAIT).await, "worker ready");
    let mut client = TestClient::connect().await;
    let slow = "export default (i) => new Promise((r) => setTimeout(() => r(i), 300))";
    client.submit_numbered(&queue, "slow-", slow, 6).await;
    // Once the worker holds what its prefetch allows, ask it to stop.
    let holding = eventually(Duration::from_secs(10), || {
        let (client, queue) = (&client, &queue);
        async move { client.ready_count(queue).await <= 2 }
    })
    .await;
    assert!(holding, "the worker took its jobs");
    worker.signal(libc::SIGTERM);
    // It reports not-ready while draining.
    let addr = worker.metrics_addr;
    let not_ready = eventually(Duration::from_secs(5), || async move {
        !matches!(warren_tests::http_get(addr, "/readyz").await, Ok((200, _)))
    })
    .await;
    assert!(not_ready, "not ready while stopping");
    let status = worker.wait_exit(WAIT).await.expect("worker exits");
    assert!(status.success(), "exit status {status:?}");
    // What it held got answered; anything it never took is still queued, nothing is lost.
    let (answered, duplicates) = client.collect(6, Duration::from_secs(3)).await;
    assert_eq!(duplicates, 0);
    let left = client.pool_ready_count(&queue).await as usize;
    assert_eq!(
        answered.len() + left,
        6,
        "answered {} + queued {left}",
        answered.len()
    );
    assert!(
        answered.len() >= 2,
        "in-flight jobs were finished, not dropped"
    );
    for result in answered.values() {
        assert_eq!(result["status"], "ok", "{result}");
    }
    // A new worker takes the rest.
    let worker = InProcessWorker::start(&queue, &[]).await;
    let (rest, _) = client.collect(left, WAIT).await;
    assert_eq!(rest.len(), left);
    worker.stop().await;
    client.delete_pool_queues(&queue).await;
}

#[tokio::test]
async fn two_workers_share_a_queue() {
    let queue = unique_queue("share");
    let a = InProcessWorker::start(
        &queue,
        &[
            "--concurrency",
            "1",
            "--prefetch",
            "1",
            "--worker-name",
            "worker-a",
        ],
    )
    .await;
    let b = InProcessWorker::start(
        &queue,
        &[
            "--concurrency",
            "1",
            "--prefetch",
            "1",
            "--worker-name",
            "worker-b",
        ],
    )
    .await;
    let mut client = TestClient::connect().await;
    let code = "export default (i) => new Promise((r) => setTimeout(() => r(i), 20))";
    client.submit_numbered(&queue, "j", code, 40).await;
    let (results, duplicates) = client.collect(40, WAIT).await;
    assert_eq!(results.len(), 40);
    assert_eq!(duplicates, 0);
    let workers: HashSet<&str> = results
        .values()
        .filter_map(|r| r["worker"].as_str())
        .collect();
    assert_eq!(workers, HashSet::from(["worker-a", "worker-b"]));
    a.stop().await;
    b.stop().await;
    client.delete_pool_queues(&queue).await;
}

#[tokio::test]
async fn forced_connection_close_recovers_without_losing_jobs() {
    let queue = unique_queue("reconnect");
    let name = format!("reconnect-{}", std::process::id());
    let worker = InProcessWorker::start(&queue, &["--worker-name", &name]).await;
    let mut client = TestClient::connect().await;
    let code = "export default (i) => new Promise((r) => setTimeout(() => r(i), 50))";
    client.submit_numbered(&queue, "before-", code, 20).await;
    // Watch readiness closely while the connection is cut: it must drop, then recover.
    let addr = worker.config.metrics_addr;
    let watching = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let watcher = {
        let watching = watching.clone();
        tokio::spawn(async move {
            let mut saw_not_ready = false;
            while watching.load(std::sync::atomic::Ordering::Relaxed) {
                if !matches!(warren_tests::http_get(addr, "/readyz").await, Ok((200, _))) {
                    saw_not_ready = true;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            saw_not_ready
        })
    };
    assert!(
        warren_tests::broker::close_connections_named(&name) > 0,
        "found the worker's connection"
    );
    client.submit_numbered(&queue, "after-", code, 20).await;
    let (results, duplicates) = client.collect(40, WAIT).await;
    assert_eq!(results.len(), 40, "no job lost (duplicates: {duplicates})");
    assert!(results.values().all(|r| r["status"] == "ok"));
    let ready = eventually(WAIT, || async move {
        matches!(warren_tests::http_get(addr, "/readyz").await, Ok((200, _)))
    })
    .await;
    assert!(ready, "ready again after reconnecting");
    watching.store(false, std::sync::atomic::Ordering::Relaxed);
    assert!(
        watcher.await.expect("watcher"),
        "/readyz reported not ready during the outage"
    );
    let metrics = warren_tests::http_get(addr, "/metrics")
        .await
        .expect("metrics")
        .1;
    assert!(
        metrics.contains("warren_broker_reconnects_total 1"),
        "{metrics}"
    );
    worker.stop().await;
    client.delete_pool_queues(&queue).await;
}

/// A worker merges the acks of jobs that finished together, but never over a job
/// still running, and acks jobs that finished behind a running one at once: killed,
/// it hands back exactly the job it had not finished.
#[tokio::test]
async fn acks_cover_every_finished_job_and_no_running_one() {
    let queue = unique_queue("acks");
    let flags = [
        "--concurrency",
        "2",
        "--prefetch",
        "64",
        "--timeout-ms",
        "25000",
        "--shutdown-grace",
        "30",
    ];
    let mut worker = WorkerProcess::spawn(&queue, &flags);
    assert!(worker.wait_ready(WAIT).await, "worker ready");
    let mut client = TestClient::connect().await;
    // Delivered first, so it is at the front of the worker's outstanding deliveries
    // for the whole test.
    let slow = "export default (i) => new Promise((r) => setTimeout(() => r(i), 20000))";
    client.submit(&queue, "slow", slow, json!(0)).await;
    let fast = "export default (i) => i";
    client.submit_numbered(&queue, "fast-", fast, 40).await;
    let (results, duplicates) = client.collect(40, WAIT).await;
    assert_eq!((results.len(), duplicates), (40, 0));
    assert!(!results.contains_key("slow"));
    // Acks go out after results: the broker must come to hold exactly the running job
    // unacknowledged (a merged ack over it leaves none; deferred acks leave more).
    let counts = || {
        let queue = queue.clone();
        async move {
            tokio::task::spawn_blocking(move || queue_counts(&queue))
                .await
                .expect("rabbitmqctl")
        }
    };
    let only_the_running_one = eventually(Duration::from_secs(10), || async {
        counts().await == Some((0, 1))
    })
    .await;
    assert!(
        only_the_running_one,
        "ready and unacked: {:?}",
        counts().await
    );
    worker.signal(libc::SIGKILL);
    assert!(worker.wait_exit(WAIT).await.is_some(), "worker killed");
    let returned = eventually(Duration::from_secs(10), || async {
        counts().await == Some((1, 0))
    })
    .await;
    assert!(
        returned,
        "only the unfinished job is handed back: ready and unacked {:?}",
        counts().await
    );
    client.delete_pool_queues(&queue).await;
}

/// A worker whose result channel closes under it starts over on a new connection:
/// the job whose result could not be published is delivered again and answered, and
/// so are the jobs behind it (before, the worker kept its dead channel and stalled).
#[tokio::test]
async fn a_closed_result_channel_reconnects_and_loses_nothing() {
    let queue = unique_queue("results-closed");
    let binary = tokio::task::spawn_blocking(warren_tests::process::hooks_binary)
        .await
        .expect("hooks binary");
    let flags = ["--concurrency", "1", "--prefetch", "1"];
    let worker = WorkerProcess::spawn_program(binary, &queue, &flags);
    assert!(worker.wait_ready(WAIT).await, "worker ready");
    let mut client = TestClient::connect().await;
    let code = "export default (i) => i";
    // The hook closes the result channel under this job's first attempt.
    let hooked = "warren-test-close-results-1";
    client.submit(&queue, hooked, code, json!(0)).await;
    client.submit_numbered(&queue, "after-", code, 5).await;
    let (results, _) = client.collect(6, WAIT).await;
    assert_eq!(results.len(), 6, "answered: {:?}", results.keys());
    assert!(results.values().all(|r| r["status"] == "ok"));
    assert_eq!(
        results[hooked]["stats"]["attempt"], 2,
        "{}",
        results[hooked]
    );
    let (_, metrics) = warren_tests::http_get(worker.metrics_addr, "/metrics")
        .await
        .expect("metrics");
    assert_eq!(
        warren_tests::metric(&metrics, "warren_broker_reconnects_total", &[]),
        Some(1.0)
    );
    drop(worker);
    client.delete_pool_queues(&queue).await;
}

/// The worker's async runtime has the threads `--io-threads` asks for, one by default.
#[tokio::test]
async fn io_threads_sets_the_async_runtime_threads() {
    let client = TestClient::connect().await;
    for (flags, expected) in [(&[][..], 1.0), (&["--io-threads", "3"][..], 3.0)] {
        let queue = unique_queue("io-threads");
        let worker = WorkerProcess::spawn(&queue, flags);
        assert!(worker.wait_ready(WAIT).await, "worker ready");
        let (_, metrics) = warren_tests::http_get(worker.metrics_addr, "/metrics")
            .await
            .expect("metrics");
        let threads = warren_tests::metric(&metrics, "warren_io_threads", &[]);
        assert_eq!(threads, Some(expected), "with {flags:?}");
        drop(worker);
        client.delete_pool_queues(&queue).await;
    }
}

#[tokio::test]
async fn a_job_redelivered_past_the_limit_is_dead_lettered() {
    let queue = unique_queue("dlq");
    // A worker declares the topology, then leaves.
    InProcessWorker::start(&queue, &[]).await.stop().await;
    let client = TestClient::connect().await;
    client
        .publish(
            &queue,
            Publish::job("poison", &json!({"code": "export default () => 1"})),
        )
        .await;
    // Play a worker that dies on this job every time: take it and hand it back.
    let deliveries = client.force_dead_letter(&queue).await;
    let dead = warren_wire::dead_letter_queue(&queue);
    assert!(
        eventually(Duration::from_secs(10), || async {
            client.ready_count(&dead).await == 1
        })
        .await,
        "dead-lettered after {deliveries} deliveries"
    );
    assert_eq!(
        deliveries, 6,
        "delivery limit 5: the sixth delivery's requeue dead-letters it"
    );
    assert_eq!(client.ready_count(&queue).await, 0);
    client.delete_pool_queues(&queue).await;
}

/// A worker whose output goes to files still starts, and serves jobs, when its sandbox
/// processes have a warning (a package the snapshot leaves out), and the warning is in
/// the worker's own log: sandbox processes may not grow files, so they must not write
/// to the worker's stderr themselves.
#[tokio::test]
async fn a_worker_logging_to_files_starts_and_logs_what_its_sandboxes_warn() {
    let queue = unique_queue("stderr-file");
    let dir = std::env::temp_dir().join(&queue);
    let package = dir.join("node_modules").join("salty");
    std::fs::create_dir_all(&package).expect("package dir");
    std::fs::write(
        package.join("package.json"),
        r#"{ "name": "salty", "version": "1.0.0", "main": "index.js" }"#,
    )
    .expect("package.json");
    // Drawing crypto randomness while loading keeps it out of the snapshot, with a
    // warning from each sandbox process.
    std::fs::write(
        package.join("index.js"),
        "module.exports = { salt: crypto.getRandomValues(new Uint8Array(8)).length };",
    )
    .expect("index.js");
    let (log, stderr) = (dir.join("worker.log"), dir.join("stderr.log"));
    let modules = dir.to_str().expect("a UTF-8 path");
    let worker = WorkerProcess::spawn_logging_to_files(
        &queue,
        &[
            "--modules-dir",
            modules,
            "--allow-module",
            "salty",
            "--preload-module",
            "salty",
        ],
        &log,
        &stderr,
    );
    assert!(worker.wait_ready(WAIT).await, "worker ready");
    let warned = eventually(Duration::from_secs(10), || {
        let log = &log;
        async move {
            std::fs::read_to_string(log).is_ok_and(|text| {
                text.lines().any(|line| {
                    line.contains(r#""target":"warren_sandbox""#)
                        && line.contains("salty")
                        && line.contains("not preloaded")
                })
            })
        }
    })
    .await;
    assert!(
        warned,
        "{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    let mut client = TestClient::connect().await;
    let code = "import salty from 'salty'; export default () => salty.salt";
    client.submit(&queue, "salty-1", code, json!(null)).await;
    let (result, _) = client.next_result(WAIT).await.expect("a result");
    assert_eq!(result["status"], "ok", "{result}");
    assert_eq!(result["value"], 8);
    drop(worker);
    client.delete_pool_queues(&queue).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_worker_given_several_brokers_consumes_through_one_that_answers() {
    let queue = unique_queue("several-brokers");
    let dead = "amqp://guest:guest@127.0.0.1:1/%2f";
    let real = warren_tests::amqp_url();
    // Wherever its random start falls, the dead address is passed over at once.
    let worker = InProcessWorker::start(&queue, &["--amqp-url", dead, "--amqp-url", &real]).await;
    let (status, body) = warren_tests::http_get(worker.config.metrics_addr, "/readyz")
        .await
        .expect("/readyz answers");
    let shown = warren_amqp::brokers::Brokers::parse(&[real.as_str()])
        .expect("the test broker's URL")
        .shown(0);
    assert_eq!(status, 200);
    assert!(
        body.contains(&format!("broker {shown} consuming")),
        "{body}"
    );
    assert!(!body.contains("guest"), "no credentials in /readyz: {body}");
    let metrics = metrics_text(&worker).await;
    assert_eq!(
        warren_tests::metric(&metrics, "warren_broker_node", &[("address", &shown)]),
        Some(1.0)
    );
    let mut client = TestClient::connect().await;
    client
        .submit(&queue, "through-one", "export default () => 7", json!(null))
        .await;
    let (results, _) = client.collect(1, WAIT).await;
    assert_eq!(results["through-one"]["value"], json!(7));
    worker.stop().await;
    client.delete_pool_queues(&queue).await;
}

async fn metrics_text(worker: &InProcessWorker) -> String {
    let (_, text) = warren_tests::http_get(worker.config.metrics_addr, "/metrics")
        .await
        .expect("/metrics answers");
    text
}
