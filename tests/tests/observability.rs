//! Metrics, health endpoints, trace context, alert rules and the dashboard.

use std::collections::BTreeSet;
use std::time::Duration;

use lapin::types::AMQPValue;
use serde_json::json;
use warren_tests::client::{Publish, TestClient};
use warren_tests::process::WorkerProcess;
use warren_tests::{InProcessWorker, eventually, http_get, metric, unique_queue};

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test]
async fn metrics_count_jobs_by_outcome_exactly() {
    let queue = unique_queue("metrics");
    let worker = InProcessWorker::start(&queue, &["--timeout-ms", "200"]).await;
    let addr = worker.config.metrics_addr;
    let before = http_get(addr, "/metrics").await.expect("scrape").1;
    let q = queue.as_str();
    assert_eq!(
        metric(
            &before,
            "warren_jobs_total",
            &[("queue", q), ("outcome", "timeout")]
        ),
        Some(0.0)
    );
    assert_eq!(metric(&before, "warren_ready", &[]), Some(1.0));
    assert_eq!(metric(&before, "warren_broker_connected", &[]), Some(1.0));

    let mut client = TestClient::connect().await;
    client
        .submit(
            &queue,
            "slow",
            "export default () => { for (;;) {} }",
            json!(null),
        )
        .await;
    client
        .submit(&queue, "fine-1", "export default () => 1", json!(null))
        .await;
    client
        .submit(&queue, "fine-2", "export default () => 2", json!(null))
        .await;
    let (results, _) = client.collect(3, WAIT).await;
    assert_eq!(results["slow"]["error"]["kind"], "timeout");

    // A result can reach us before its publisher confirm reaches the worker.
    let confirmed = eventually(WAIT, || async move {
        let text = http_get(addr, "/metrics")
            .await
            .map(|r| r.1)
            .unwrap_or_default();
        metric(
            &text,
            "warren_results_published_total",
            &[("result", "confirmed")],
        ) == Some(3.0)
            && metric(&text, "warren_jobs_in_flight", &[("queue", q)]) == Some(0.0)
            // A slot counts as busy until it has freed its job's runtime.
            && metric(&text, "warren_sandbox_slots", &[("state", "idle")]) == Some(2.0)
            && metric(&text, "warren_sandbox_waiting_jobs", &[]) == Some(0.0)
            && metric(&text, "warren_sandbox_watchdog_overruns_total", &[]) == Some(0.0)
            && metric(&text, "warren_sandbox_process_deaths_total", &[]) == Some(0.0)
    })
    .await;
    assert!(confirmed, "three confirmed results counted");
    let after = http_get(addr, "/metrics").await.expect("scrape").1;
    assert_eq!(
        metric(
            &after,
            "warren_jobs_total",
            &[("queue", q), ("outcome", "timeout")]
        ),
        Some(1.0)
    );
    assert_eq!(
        metric(
            &after,
            "warren_jobs_total",
            &[("queue", q), ("outcome", "ok")]
        ),
        Some(2.0)
    );
    assert_eq!(
        metric(
            &after,
            "warren_job_duration_seconds_count",
            &[("queue", q), ("outcome", "ok")]
        ),
        Some(2.0)
    );
    assert_eq!(
        metric(
            &after,
            "warren_results_published_total",
            &[("result", "confirmed")]
        ),
        Some(3.0)
    );
    assert_eq!(
        metric(
            &after,
            "warren_results_published_total",
            &[("result", "returned")]
        ),
        Some(0.0)
    );
    assert_eq!(
        metric(
            &after,
            "warren_jobs_total",
            &[("queue", q), ("outcome", "memory")]
        ),
        Some(0.0)
    );
    assert_eq!(
        metric(&after, "warren_jobs_in_flight", &[("queue", q)]),
        Some(0.0)
    );
    assert_eq!(
        metric(&after, "warren_sandbox_slots", &[("state", "idle")]),
        Some(2.0)
    );
    assert_eq!(
        metric(&after, "warren_sandbox_memory_peak_bytes_count", &[]),
        Some(3.0)
    );
    let hits = metric(&after, "warren_bytecode_cache_hits_total", &[]).expect("hits");
    let misses = metric(&after, "warren_bytecode_cache_misses_total", &[]).expect("misses");
    assert_eq!(hits + misses, 3.0);
    assert!(after.contains("warren_build_info{"), "build info");
    assert!(metric(&after, "process_resident_memory_bytes", &[]).expect("process metrics") > 0.0);
    assert!(
        metric(
            &after,
            "warren_job_queue_wait_seconds_count",
            &[("queue", q)]
        )
        .is_none_or(|n| n <= 3.0)
    );

    let (status, body) = http_get(addr, "/healthz").await.expect("healthz");
    assert_eq!((status, body.as_str()), (200, "ok\n"));
    assert_eq!(http_get(addr, "/nope").await.expect("404").0, 404);
    worker.stop().await;
    client.delete_pool_queues(&queue).await;
}

#[tokio::test]
async fn not_ready_without_a_broker_but_healthy() {
    let queue = unique_queue("nobroker");
    let worker = InProcessWorker::spawn(
        &queue,
        &["--amqp-url", "amqp://guest:guest@127.0.0.1:1/%2f"],
    );
    let addr = worker.config.metrics_addr;
    assert!(
        eventually(WAIT, || async move {
            matches!(http_get(addr, "/healthz").await, Ok((200, _)))
        })
        .await
    );
    assert_eq!(http_get(addr, "/readyz").await.expect("readyz").0, 503);
    let text = http_get(addr, "/metrics").await.expect("metrics").1;
    assert_eq!(metric(&text, "warren_broker_connected", &[]), Some(0.0));
    assert_eq!(metric(&text, "warren_ready", &[]), Some(0.0));
    worker.stop().await;
}

#[tokio::test]
async fn traceparent_is_continued_into_the_result() {
    let queue = unique_queue("trace");
    let worker = InProcessWorker::start(&queue, &[]).await;
    let mut client = TestClient::connect().await;
    let mut job = Publish::job("traced", &json!({"code": "export default () => 1"}));
    job.headers = vec![(
        "traceparent".into(),
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into(),
    )];
    client.publish(&queue, job).await;
    let (result, props) = client.next_result(WAIT).await.expect("result");
    assert_eq!(result["status"], "ok");
    let header = props
        .headers()
        .as_ref()
        .and_then(|h| h.inner().get("traceparent").cloned())
        .expect("traceparent on the result");
    let AMQPValue::LongString(value) = header else {
        panic!("traceparent is a string")
    };
    let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
    let parts: Vec<&str> = value.split('-').collect();
    assert_eq!(parts.len(), 4, "{value}");
    assert_eq!(parts[1], "4bf92f3577b34da6a3ce929d0e0e4736", "same trace");
    assert_ne!(parts[2], "00f067aa0ba902b7", "the job's own span");
    assert_eq!(parts[3], "01");
    // An invalid traceparent is ignored, not echoed.
    let mut job = Publish::job("badtrace", &json!({"code": "export default () => 1"}));
    job.headers = vec![("traceparent".into(), "garbage".into())];
    client.publish(&queue, job).await;
    let (_, props) = client.next_result(WAIT).await.expect("result");
    assert!(
        props
            .headers()
            .as_ref()
            .is_none_or(|h| h.inner().get("traceparent").is_none())
    );
    worker.stop().await;
    client.delete_pool_queues(&queue).await;
}

/// Every `warren_*` metric name an alert rule or the dashboard uses is one the worker exports.
#[tokio::test]
async fn alert_rules_and_dashboard_use_real_metrics() {
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let rules = root.join("deploy/prometheus/alerts.yml");
    let promtool = std::process::Command::new("promtool")
        .arg("check")
        .arg("rules")
        .arg(&rules)
        .output();
    match promtool {
        Ok(out) => assert!(
            out.status.success(),
            "promtool: {}",
            String::from_utf8_lossy(&out.stdout)
        ),
        Err(err) => panic!(
            "promtool is needed (scripts/test.sh installs Debian's prometheus package): {err}"
        ),
    }
    let dashboard: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("deploy/grafana/warren.json")).expect("dashboard"),
    )
    .expect("dashboard is JSON");
    assert!(dashboard["panels"].as_array().is_some_and(|p| p.len() >= 6));

    let queue = unique_queue("names");
    let worker = InProcessWorker::start(&queue, &[]).await;
    let exported = http_get(worker.config.metrics_addr, "/metrics")
        .await
        .expect("metrics")
        .1;
    worker.stop().await;
    TestClient::connect().await.delete_pool_queues(&queue).await;

    let text = std::fs::read_to_string(&rules).expect("rules") + &dashboard.to_string();
    let used: BTreeSet<String> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with("warren_") && w.len() > "warren_".len())
        .map(|w| w.trim_end_matches("_bucket").to_owned())
        .collect();
    assert!(!used.is_empty());
    for name in used {
        assert!(
            exported.contains(&format!("# TYPE {name} ")),
            "{name} is used by an alert or the dashboard but not exported"
        );
    }
}

/// Customer console output stays out of the worker's logs unless `--log-job-console`.
#[tokio::test]
async fn job_console_reaches_worker_logs_only_when_asked() {
    for (flag, expected) in [(None, false), (Some("--log-job-console"), true)] {
        let queue = unique_queue("console");
        let log = std::env::temp_dir().join(format!("{queue}.log"));
        let extra: Vec<&str> = flag.into_iter().collect();
        let mut worker = WorkerProcess::spawn_logging_to(&queue, &extra, Some(&log));
        assert!(worker.wait_ready(WAIT).await);
        let mut client = TestClient::connect().await;
        client
            .submit(
                &queue,
                "talker",
                "export default () => { console.warn('customer-secret-output'); return 1 }",
                json!(null),
            )
            .await;
        client.next_result(WAIT).await.expect("result");
        worker.signal(libc::SIGTERM);
        assert!(worker.wait_exit(WAIT).await.is_some_and(|s| s.success()));
        let logged = std::fs::read_to_string(&log).expect("log");
        assert_eq!(
            logged.contains("customer-secret-output"),
            expected,
            "{logged}"
        );
        if expected {
            let line = logged
                .lines()
                .find(|l| l.contains("customer-secret-output"))
                .expect("line");
            let entry: serde_json::Value = serde_json::from_str(line).expect("JSON log line");
            assert_eq!(entry["target"], "job_console");
            assert_eq!(entry["level"], "INFO");
            assert_eq!(entry["console_level"], "warn");
            assert_eq!(entry["console"], "customer-secret-output");
            assert!(line.contains("talker"), "the job id is on the line: {line}");
        }
        std::fs::remove_file(&log).ok();
        client.delete_pool_queues(&queue).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_the_watchdog_answers_for_is_a_timeout_and_is_counted() {
    let queue = unique_queue("watchdog");
    let worker =
        InProcessWorker::start(&queue, &["--timeout-ms", "100", "--concurrency", "1"]).await;
    let mut client = TestClient::connect().await;
    // Seconds inside one BigInt toString: the interrupt handler cannot stop it.
    client
        .submit(
            &queue,
            "stuck",
            "export default () => (3n ** 600000n).toString().length",
            json!(null),
        )
        .await;
    client
        .submit(&queue, "next", "export default () => 'served'", json!(null))
        .await;
    let (results, _) = client.collect(2, WAIT).await;
    assert_eq!(
        results["stuck"]["error"]["kind"], "timeout",
        "{:?}",
        results["stuck"]
    );
    assert_eq!(
        results["next"]["value"], "served",
        "the replacement slot served the next job"
    );
    let addr = worker.config.metrics_addr;
    let counted = eventually(WAIT, || async move {
        let text = http_get(addr, "/metrics")
            .await
            .map(|r| r.1)
            .unwrap_or_default();
        // The stuck job's sandbox process was killed and replaced.
        metric(&text, "warren_sandbox_watchdog_overruns_total", &[]) == Some(1.0)
            && metric(&text, "warren_sandbox_process_deaths_total", &[]) == Some(1.0)
    })
    .await;
    assert!(counted, "the overrun and the killed process are counted");
    worker.stop().await;
    client.delete_pool_queues(&queue).await;
}
