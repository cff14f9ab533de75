//! The `warren` command against a real worker and broker: outputs and exit codes.

use std::process::{Command, Output};
use std::time::Duration;

use serde_json::{Value, json};
use warren_testkit::pipe::{assert_ended_quietly, closed_pipe};
use warren_tests::client::{Publish, TestClient};
use warren_tests::process::binary;
use warren_tests::{InProcessWorker, amqp_url, unique_queue};

fn warren(args: &[&str]) -> Output {
    Command::new(binary("warren"))
        .args(args)
        .env("WARREN_AMQP_URL", amqp_url())
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("run warren")
}

async fn warren_async(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        warren(&args)
    })
    .await
    .expect("join")
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Asserts the exit code, showing what the command printed on stderr if it differs.
#[track_caller]
fn assert_exit(output: &Output, code: Option<i32>) {
    assert_eq!(
        output.status.code(),
        code,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn submit_waits_prints_and_exits_by_outcome() {
    let queue = unique_queue("cli-submit");
    let worker = InProcessWorker::start(&queue, &[]).await;
    let out = warren_async(args(&[
        "submit",
        "examples/hello.js",
        "--queue",
        &queue,
        "--input",
        r#"{"name":"Ada"}"#,
        "--json",
    ]))
    .await;
    assert_exit(&out, Some(0));
    let result: Value = serde_json::from_str(&stdout(&out)).expect("raw result");
    assert_eq!(result["value"]["greeting"], "Hello, Ada!");

    let out = warren_async(args(&["submit", "examples/hello.js", "--queue", &queue])).await;
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.starts_with("ok  job "), "{text}");
    assert!(text.contains("\"greeting\": \"Hello, world!\""), "{text}");
    assert!(text.contains("logs:\n  [log] job "), "{text}");

    let out = warren_async(args(&[
        "submit",
        "examples/runaway.js",
        "--queue",
        &queue,
        "--timeout-ms",
        "50",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("timeout: the job ran past its time limit of 50 ms"),
        "{}",
        stdout(&out)
    );

    let out = warren_async(args(&[
        "submit",
        "examples/hello.js",
        "--queue",
        &queue,
        "--no-wait",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out).trim().len(), 36, "prints the job id");

    let out = warren_async(args(&[
        "submit",
        "examples/hello.js",
        "--queue",
        &queue,
        "--input",
        "{bad json",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--input is not valid JSON"));
    worker.stop().await;
    TestClient::connect().await.delete_pool_queues(&queue).await;
}

#[tokio::test]
async fn submit_without_a_worker_times_out_or_reports_a_missing_queue() {
    let queue = unique_queue("cli-noworker");
    // A worker declares the queue, then leaves.
    InProcessWorker::start(&queue, &[]).await.stop().await;
    let out = warren_async(args(&[
        "submit",
        "examples/hello.js",
        "--queue",
        &queue,
        "--reply-timeout",
        "1",
    ]))
    .await;
    assert_exit(&out, Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no result within"));
    let out = warren_async(args(&[
        "submit",
        "examples/hello.js",
        "--queue",
        "warren.test.never.declared",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no queue named"));
    let out = warren_async(args(&[
        "submit",
        "examples/hello.js",
        "--amqp-url",
        "amqp://guest:guest@127.0.0.1:1/%2f",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot reach the broker"));
    TestClient::connect().await.delete_pool_queues(&queue).await;
}

#[tokio::test]
async fn bench_and_status_report_counts() {
    let queue = unique_queue("cli-bench");
    let worker = InProcessWorker::start(&queue, &[]).await;
    let out = warren_async(args(&[
        "bench",
        "examples/hello.js",
        "--queue",
        &queue,
        "--jobs",
        "200",
        "--concurrency",
        "16",
        "--json",
    ]))
    .await;
    assert_exit(&out, Some(0));
    let report: Value = serde_json::from_str(&stdout(&out)).expect("bench JSON");
    assert_eq!(report["received"], 200);
    assert_eq!(report["missing"], 0);
    assert_eq!(report["outcomes"], json!({"ok": 200}));
    assert!(report["jobs_per_s"].as_f64().expect("rate") > 0.0);
    assert!(
        report["latency_ms"]["p99"].as_f64().expect("p99")
            >= report["latency_ms"]["p50"].as_f64().expect("p50")
    );

    let out = warren_async(args(&["status", "--queue", &queue, "--json"])).await;
    assert_eq!(out.status.code(), Some(0));
    let rows: Value = serde_json::from_str(&stdout(&out)).expect("status JSON");
    assert_eq!(rows[0]["queue"], queue.as_str());
    // One worker: its steady consumer, and an extra one while its prefetch window is
    // deeper than its slots (docs/scaling.md).
    let consumers = rows[0]["consumers"].as_u64().expect("consumers");
    assert!((1..=3).contains(&consumers), "consumers: {consumers}");
    assert_eq!(rows[0]["ready"], 0);
    assert_eq!(
        rows[1]["queue"],
        warren_wire::dead_letter_queue(&queue).as_str()
    );
    worker.stop().await;
    TestClient::connect().await.delete_pool_queues(&queue).await;
}

#[tokio::test]
async fn dead_lettered_job_can_be_listed_replayed_and_requeued() {
    let queue = unique_queue("cli-dlq");
    InProcessWorker::start(&queue, &[]).await.stop().await;
    let mut client = TestClient::connect().await;
    let body = json!({"code": "export default (i) => i.n * 2", "input": {"n": 21}});
    client
        .publish(&queue, Publish::job("poisoned-job", &body))
        .await;
    client.force_dead_letter(&queue).await;

    let out = warren_async(args(&["dlq", "list", "--queue", &queue, "--json"])).await;
    assert_exit(&out, Some(0));
    let jobs: Value = serde_json::from_str(&stdout(&out)).expect("list JSON");
    assert_eq!(jobs.as_array().map(Vec::len), Some(1), "{jobs}");
    assert_eq!(jobs[0]["job_id"], "poisoned-job");
    assert_eq!(jobs[0]["reason"], "delivery_limit");
    let out = warren_async(args(&["dlq", "list", "--queue", &queue])).await;
    assert!(stdout(&out).contains("poisoned-job"));
    // Browsing puts each job back as it was: why it died survives a second look.
    let out = warren_async(args(&["dlq", "list", "--queue", &queue, "--json"])).await;
    let again: Value = serde_json::from_str(&stdout(&out)).expect("list JSON");
    assert_eq!(again[0]["job_id"], "poisoned-job");
    assert_eq!(again[0]["reason"], "delivery_limit", "{again}");

    let out = warren_async(args(&["dlq", "show", "poisoned-job", "--queue", &queue])).await;
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("i.n * 2"));

    let out = warren_async(args(&["dlq", "replay", "poisoned-job", "--queue", &queue])).await;
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("42"), "{}", stdout(&out));

    // Listing and replaying left it in place; requeueing brings it back to a worker.
    let worker = InProcessWorker::start(&queue, &[]).await;
    let out = warren_async(args(&["dlq", "requeue", "poisoned-job", "--queue", &queue])).await;
    assert_exit(&out, Some(0));
    let (result, _) = client
        .next_result(Duration::from_secs(20))
        .await
        .expect("the requeued job's result");
    assert_eq!(result["job_id"], "poisoned-job");
    assert_eq!(result["status"], "ok");
    assert_eq!(result["value"], 42);
    assert_eq!(
        client
            .ready_count(&warren_wire::dead_letter_queue(&queue))
            .await,
        0
    );

    let out = warren_async(args(&["dlq", "requeue", "no-such-job", "--queue", &queue])).await;
    assert_eq!(out.status.code(), Some(1));
    let out = warren_async(args(&["dlq", "purge", "--queue", &queue])).await;
    assert_eq!(out.status.code(), Some(0));
    worker.stop().await;
    client.delete_pool_queues(&queue).await;
}

/// The subcommands that talk to the broker end quietly too when their reader has gone
/// away (`warren status | head -c 0`), as SIGPIPE ends any Unix tool: with a worker
/// answering, so that `submit` and `bench` get as far as printing their results.
#[tokio::test]
async fn broker_subcommands_end_quietly_on_a_closed_standard_output() {
    let queue = unique_queue("cli-epipe");
    let worker = InProcessWorker::start(&queue, &[]).await;
    let with_queue = |list: &[&str]| {
        let mut all = args(list);
        all.extend(["--queue".to_owned(), queue.clone()]);
        all
    };
    for args in [
        with_queue(&["status"]),
        with_queue(&["dlq", "list"]),
        with_queue(&["dlq", "list", "--json"]),
        with_queue(&["submit", "examples/hello.js", "--json"]),
        with_queue(&["submit", "examples/hello.js"]),
        with_queue(&["bench", "examples/hello.js", "--jobs", "5", "--json"]),
    ] {
        let out = tokio::task::spawn_blocking(move || {
            let out = Command::new(binary("warren"))
                .args(&args)
                .env("WARREN_AMQP_URL", amqp_url())
                .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
                .stdout(closed_pipe())
                .output()
                .expect("run warren");
            (args, out)
        })
        .await
        .expect("join");
        let (args, out) = out;
        assert_ended_quietly(&out, &format!("{args:?}"));
    }
    worker.stop().await;
    TestClient::connect().await.delete_pool_queues(&queue).await;
}

#[tokio::test]
async fn every_command_takes_several_brokers_and_uses_one_that_answers() {
    let queue = unique_queue("cli-brokers");
    let worker = InProcessWorker::start(&queue, &[]).await;
    let dead = "amqp://guest:guest@127.0.0.1:1/%2f";
    // Repeated flags.
    let out = warren_async(args(&[
        "submit",
        "examples/hello.js",
        "--queue",
        &queue,
        "--json",
        "--amqp-url",
        dead,
        "--amqp-url",
        &amqp_url(),
    ]))
    .await;
    assert_exit(&out, Some(0));
    // One comma-separated WARREN_AMQP_URL.
    let listed = format!("{dead},{}", amqp_url());
    let status_queue = queue.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(binary("warren"))
            .args(["status", "--queue", &status_queue])
            .env("WARREN_AMQP_URL", listed)
            .output()
            .expect("run warren")
    })
    .await
    .expect("join");
    assert_exit(&out, Some(0));
    // Something that is not a broker address is a usage error, its password unshown.
    let out = warren_async(args(&[
        "status",
        "--amqp-url",
        "http://user:secret@example/",
    ]))
    .await;
    assert_exit(&out, Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not an amqp://"), "{stderr}");
    assert!(!stderr.contains("secret"), "{stderr}");
    worker.stop().await;
    TestClient::connect().await.delete_pool_queues(&queue).await;
}
