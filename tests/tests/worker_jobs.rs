//! The job loop against the real broker: results, bad messages, missing reply queues.

use std::time::Duration;

use serde_json::json;
use warren_tests::client::{Publish, TestClient};
use warren_tests::{InProcessWorker, unique_queue};

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test]
async fn happy_path_echoes_ids_and_properties() {
    let queue = unique_queue("happy");
    let worker = InProcessWorker::start(&queue, &[]).await;
    let mut client = TestClient::connect().await;
    client
        .submit(&queue, "job-a", "export default async (input, ctx) => { console.log('hi'); return { sum: input.a + input.b, id: ctx.jobId, attempt: ctx.attempt } }", json!({"a": 1, "b": 2}))
        .await;
    let (result, props) = client.next_result(WAIT).await.expect("a result");
    assert_eq!(result["job_id"], "job-a");
    assert_eq!(result["status"], "ok");
    assert_eq!(
        result["value"],
        json!({"sum": 3, "id": "job-a", "attempt": 1})
    );
    assert_eq!(result["logs"], json!([{"level": "log", "message": "hi"}]));
    assert_eq!(result["stats"]["attempt"], 1);
    assert!(result["stats"]["wall_ms"].as_f64().expect("wall_ms") > 0.0);
    assert_eq!(result["worker"], worker.config.worker_name.as_str());
    assert_eq!(
        props.correlation_id().as_ref().map(|s| s.as_str()),
        Some("corr-job-a")
    );
    assert_eq!(
        props.message_id().as_ref().map(|s| s.as_str()),
        Some("job-a")
    );
    assert_eq!(
        props.content_type().as_ref().map(|s| s.as_str()),
        Some("application/json")
    );
    assert_eq!(*props.delivery_mode(), Some(2));

    // Job id falls back to correlation_id, then to a generated one.
    let mut job = Publish::job("unused", &json!({"code": "export default () => 1"}));
    job.message_id = None;
    client.publish(&queue, job.clone()).await;
    let (result, _) = client.next_result(WAIT).await.expect("a result");
    assert_eq!(result["job_id"], "corr-unused");
    job.correlation_id = None;
    client.publish(&queue, job).await;
    let (result, props) = client.next_result(WAIT).await.expect("a result");
    assert_eq!(result["job_id"].as_str().expect("id").len(), 36);
    assert!(props.correlation_id().is_none());

    worker.stop().await;
    client.delete_pool_queues(&queue).await;
}

#[tokio::test]
async fn every_bad_request_gets_an_error_result_and_the_worker_goes_on() {
    let queue = unique_queue("bad");
    let worker = InProcessWorker::start(&queue, &["--max-job-bytes", "10000"]).await;
    let mut client = TestClient::connect().await;
    let good = br#"{"code":"export default () => 1"}"#.to_vec();
    let deep = format!(
        r#"{{"code":"x","input":{}{}}}"#,
        "[".repeat(200),
        "]".repeat(200)
    )
    .into_bytes();
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(&good);
    let cases: Vec<(&str, Vec<u8>, Option<&str>)> = vec![
        ("wrong-type", good.clone(), Some("text/plain")),
        ("no-type", good.clone(), None),
        (
            "charset",
            good.clone(),
            Some("application/json; charset=iso-8859-1"),
        ),
        ("not-json", b"not json".to_vec(), Some("application/json")),
        ("not-object", b"[1,2]".to_vec(), Some("application/json")),
        (
            "no-code",
            br#"{"input":1}"#.to_vec(),
            Some("application/json"),
        ),
        (
            "code-not-string",
            br#"{"code":5}"#.to_vec(),
            Some("application/json"),
        ),
        (
            "bad-limit",
            br#"{"code":"x","limits":{"timeout_ms":0}}"#.to_vec(),
            Some("application/json"),
        ),
        (
            "bad-limit-type",
            br#"{"code":"x","limits":{"memory_mb":"big"}}"#.to_vec(),
            Some("application/json"),
        ),
        (
            "negative-limit",
            br#"{"code":"x","limits":{"timeout_ms":-5}}"#.to_vec(),
            Some("application/json"),
        ),
        ("bom", bom, Some("application/json")),
        (
            "latin1",
            b"{\"code\":\"\xe9\"}".to_vec(),
            Some("application/json"),
        ),
        ("deep", deep, Some("application/json")),
        ("huge", vec![b' '; 20_000], Some("application/json")),
        ("empty", Vec::new(), Some("application/json")),
    ];
    for (id, body, content_type) in &cases {
        let job = Publish {
            body: body.clone(),
            content_type: content_type.map(str::to_owned),
            message_id: Some((*id).to_owned()),
            ..Publish::default()
        };
        client.publish(&queue, job).await;
    }
    // Duplicate message ids are separate jobs.
    client
        .submit(&queue, "dup", "export default () => 'one'", json!(null))
        .await;
    client
        .submit(&queue, "dup", "export default () => 'two'", json!(null))
        .await;
    let mut seen = std::collections::HashMap::new();
    let mut dups = Vec::new();
    for _ in 0..cases.len() + 2 {
        let (result, _) = client
            .next_result(WAIT)
            .await
            .expect("a result for every message");
        let id = result["job_id"].as_str().expect("id").to_owned();
        if id == "dup" {
            dups.push(result["value"].clone());
            continue;
        }
        seen.insert(id, result);
    }
    for (id, _, _) in &cases {
        let result = &seen[*id];
        assert_eq!(result["status"], "error", "{id}");
        assert_eq!(result["error"]["kind"], "bad_request", "{id}: {result}");
        assert_eq!(result["logs"], json!([]), "{id}");
        assert!(result["stats"]["wall_ms"].is_number(), "{id}");
    }
    dups.sort_by_key(|v| v.to_string());
    assert_eq!(dups, vec![json!("one"), json!("two")]);
    worker.stop().await;
    assert_eq!(
        client.pool_ready_count(&queue).await,
        0,
        "every message was acked"
    );
    client.delete_pool_queues(&queue).await;
}

#[tokio::test]
async fn jobs_without_reply_to_or_with_a_missing_reply_queue_are_acked() {
    let queue = unique_queue("noreply");
    let worker = InProcessWorker::start(&queue, &[]).await;
    let mut client = TestClient::connect().await;
    let mut silent = Publish::job("silent", &json!({"code": "export default () => 1"}));
    silent.reply_to = Some(String::new());
    client.publish(&queue, silent).await;
    let mut lost = Publish::job("lost", &json!({"code": "export default () => 2"}));
    lost.reply_to = Some("warren.test.no-such-queue".into());
    client.publish(&queue, lost).await;
    client
        .submit(&queue, "after", "export default () => 3", json!(null))
        .await;
    let (result, _) = client
        .next_result(WAIT)
        .await
        .expect("the next job still runs");
    assert_eq!(result["job_id"], "after");
    assert_eq!(result["value"], 3);
    // The returned result is counted when its confirm arrives, which may be after the
    // next job's result reached us.
    let addr = worker.config.metrics_addr;
    let counted = warren_tests::eventually(WAIT, || async move {
        let metrics = warren_tests::http_get(addr, "/metrics")
            .await
            .map(|r| r.1)
            .unwrap_or_default();
        metrics.contains(r#"warren_results_published_total{result="returned"} 1"#)
    })
    .await;
    assert!(counted, "the returned result was counted");
    worker.stop().await;
    // Stopping closed the worker's channels: anything unacked would be ready again.
    assert_eq!(client.pool_ready_count(&queue).await, 0);
    client.delete_pool_queues(&queue).await;
}

#[tokio::test]
async fn job_errors_are_final_results() {
    let queue = unique_queue("errors");
    let worker = InProcessWorker::start(&queue, &["--timeout-ms", "200"]).await;
    let mut client = TestClient::connect().await;
    let jobs = [
        (
            "exception",
            "export default () => { throw new Error('boom') }",
        ),
        ("timeout", "export default () => { for (;;) {} }"),
        (
            "memory",
            "export default () => { const a = []; for (;;) a.push(new Array(1e4).fill(0)) }",
        ),
        ("stack", "export default function f() { return f() + 1 }"),
        ("compile", "export default ("),
        (
            "module_denied",
            "import fs from 'fs'; export default () => 1",
        ),
        ("output", "export default () => 1n"),
    ];
    for (id, code) in jobs {
        let body = json!({"code": code, "limits": {"memory_mb": 8}});
        client.publish(&queue, Publish::job(id, &body)).await;
    }
    let (results, duplicates) = client.collect(jobs.len(), WAIT).await;
    assert_eq!(duplicates, 0);
    for (id, _) in jobs {
        assert_eq!(results[id]["error"]["kind"], id, "{}", results[id]);
        assert_eq!(results[id]["stats"]["attempt"], 1);
    }
    worker.stop().await;
    assert_eq!(
        client.pool_ready_count(&queue).await,
        0,
        "failed jobs are acked, never retried"
    );
    client.delete_pool_queues(&queue).await;
}
