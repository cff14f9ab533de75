//! Tenants on a shared pool: the `x-warren-tenant` header, the cap on one tenant's
//! running jobs per worker (`--tenant-max-slots`), jobs moved to backlog queues (fair
//! shares), and quarantine of code the watchdog keeps killing.

use std::time::Duration;

use serde_json::{Value, json};
use warren_tests::client::{Publish, TestClient};
use warren_tests::{InProcessWorker, eventually, http_get, metric, unique_queue};

/// Holds its slot for 600 ms of CPU, and says when it ran.
const BUSY: &str = "export default () => { const start = Date.now(); \
    while (Date.now() - start < 600) {} return [start, Date.now()]; }";

fn job_for(tenant: &str, id: &str) -> Publish {
    let mut job = Publish::job(id, &json!({"code": BUSY, "input": null}));
    job.headers.push(("x-warren-tenant".into(), tenant.into()));
    job
}

/// When a job ran, from its result: (start, end) in ms since the epoch.
fn ran(result: &Value) -> (u64, u64) {
    let times = &result["value"];
    (
        times[0].as_u64().expect("start"),
        times[1].as_u64().expect("end"),
    )
}

#[tokio::test]
async fn one_tenant_never_holds_more_slots_than_its_cap() {
    let queue = unique_queue("tenant-cap");
    let worker = InProcessWorker::start(
        &queue,
        &[
            "--concurrency",
            "2",
            "--tenant-max-slots",
            "1",
            "--prefetch",
            "4",
        ],
    )
    .await;
    let mut client = TestClient::connect().await;
    for (tenant, id) in [("a", "a-1"), ("a", "a-2"), ("b", "b-1")] {
        client.publish(&queue, job_for(tenant, id)).await;
    }
    let (results, _) = client.collect(3, Duration::from_secs(20)).await;
    worker.stop().await;
    client.delete_pool_queues(&queue).await;
    assert_eq!(results.len(), 3, "{results:?}");
    let (a1, a2, b1) = (
        ran(&results["a-1"]),
        ran(&results["a-2"]),
        ran(&results["b-1"]),
    );
    // Tenant a's two jobs ran one after the other, though two slots were there...
    let (first, second) = if a1.0 <= a2.0 { (a1, a2) } else { (a2, a1) };
    assert!(
        second.0 >= first.1,
        "tenant a ran two jobs at once: {a1:?} {a2:?}"
    );
    // ...and tenant b's job took the other slot beside tenant a's first.
    assert!(
        b1.0 < first.1,
        "tenant b waited behind tenant a: {b1:?} {first:?}"
    );
}

#[tokio::test]
async fn the_client_and_the_cli_name_the_tenant_in_its_header() {
    use lapin::options::BasicGetOptions;
    use warren_client::client::{Client, JobSpec};

    let queue = unique_queue("tenant-header");
    InProcessWorker::start(&queue, &[]).await.stop().await;
    let client = Client::new(&warren_tests::amqp_url()).expect("client");
    let mut job = JobSpec::new("export default () => 1", json!(null));
    job.tenant = Some("acme".into());
    client.submit(&queue, &job).await.expect("submit");
    let out = std::process::Command::new(warren_tests::process::binary("warren"))
        .args([
            "submit",
            "examples/hello.js",
            "--no-wait",
            "--tenant",
            "globex",
        ])
        .args(["--queue", &queue, "--amqp-url", &warren_tests::amqp_url()])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("run warren");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reader = TestClient::connect().await;
    let mut tenants = Vec::new();
    for _ in 0..2 {
        let message = reader
            .channel
            .basic_get(queue.as_str().into(), BasicGetOptions { no_ack: true })
            .await
            .expect("get")
            .expect("a job");
        let headers = message
            .delivery
            .properties
            .headers()
            .clone()
            .unwrap_or_default();
        tenants.push(
            headers
                .inner()
                .get("x-warren-tenant")
                .and_then(warren_amqp::headers::text),
        );
    }
    reader.delete_pool_queues(&queue).await;
    assert_eq!(
        tenants,
        [Some("acme".to_owned()), Some("globex".to_owned())]
    );
}

#[tokio::test]
async fn jobs_over_their_tenants_share_are_moved_and_keep_their_envelope() {
    let queue = unique_queue("tenant-moved");
    let worker = InProcessWorker::start(&queue, &["--concurrency", "1"]).await;
    let mut client = TestClient::connect().await;
    let code = "export default (n, ctx) => ({ n, attempt: ctx.attempt })";
    for n in 0..30 {
        let mut job = Publish::job(&format!("m-{n}"), &json!({"code": code, "input": n}));
        job.headers.push(("x-warren-tenant".into(), "flood".into()));
        client.publish(&queue, job).await;
    }
    let (results, duplicates) = client.collect(30, Duration::from_secs(30)).await;
    let text = http_get(worker.config.metrics_addr, "/metrics")
        .await
        .map(|r| r.1)
        .unwrap_or_default();
    worker.stop().await;
    client.delete_pool_queues(&queue).await;
    assert_eq!((results.len(), duplicates), (30, 0));
    for n in 0..30 {
        let result = &results[&format!("m-{n}")];
        // Moved or not, a job keeps its input, its ids and its first attempt.
        assert_eq!(result["value"], json!({"n": n, "attempt": 1}), "{result}");
        assert_eq!(result["stats"]["attempt"], 1);
    }
    let moved = metric(&text, "warren_jobs_moved_total", &[("queue", &queue)]).unwrap_or(0.0);
    assert!(
        moved >= 1.0,
        "a tenant over its share of one slot had jobs moved: {moved}"
    );
}

#[tokio::test]
async fn code_the_watchdog_keeps_killing_is_quarantined() {
    let queue = unique_queue("tenant-quarantine");
    let worker = InProcessWorker::start(
        &queue,
        &[
            "--timeout-ms",
            "100",
            "--concurrency",
            "1",
            "--quarantine-strikes",
            "2",
        ],
    )
    .await;
    let mut client = TestClient::connect().await;
    // Seconds inside one BigInt toString: only the watchdog can stop it.
    let stuck = "export default () => (3n ** 600000n).toString().length";
    let mut kinds = Vec::new();
    for n in 0..2 {
        client
            .submit(&queue, &format!("stuck-{n}"), stuck, json!(null))
            .await;
        let (result, _) = client
            .next_result(Duration::from_secs(30))
            .await
            .expect("a result");
        kinds.push(result["error"]["kind"].clone());
    }
    assert_eq!(kinds, [json!("timeout"), json!("timeout")]);
    let (addr, pool) = (worker.config.metrics_addr, queue.as_str());
    let decided = eventually(Duration::from_secs(10), || async move {
        let text = http_get(addr, "/metrics")
            .await
            .map(|r| r.1)
            .unwrap_or_default();
        metric(&text, "warren_quarantined_codes", &[("queue", pool)]) == Some(1.0)
            && metric(&text, "warren_quarantines_total", &[("queue", pool)]) == Some(1.0)
    })
    .await;
    assert!(decided, "two watchdog kills quarantined the code");
    client.submit(&queue, "stuck-2", stuck, json!(null)).await;
    client
        .submit(&queue, "other", "export default () => 'fine'", json!(null))
        .await;
    let (results, _) = client.collect(2, Duration::from_secs(30)).await;
    worker.stop().await;
    client.delete_pool_queues(&queue).await;
    assert_eq!(
        results["stuck-2"]["error"]["kind"], "quarantined",
        "{results:?}"
    );
    assert_eq!(results["stuck-2"]["stats"]["wall_ms"], 0.0);
    assert_eq!(results["other"]["value"], "fine", "other code runs");
}

#[tokio::test]
async fn a_moved_job_past_the_delivery_limit_is_dead_lettered() {
    use lapin::options::BasicPublishOptions;
    use lapin::types::{AMQPValue, FieldTable};

    let queue = unique_queue("tenant-moved-limit");
    let worker = InProcessWorker::start(&queue, &["--concurrency", "1"]).await;
    let client = TestClient::connect().await;
    // A job moved after six deliveries: the jobs queue's limit (5) is past.
    let mut headers = FieldTable::default();
    headers.insert(warren_wire::MOVED_HEADER.into(), AMQPValue::LongLongInt(6));
    let properties = lapin::BasicProperties::default()
        .with_content_type("application/json".into())
        .with_message_id("worn-out".into())
        .with_reply_to(client.reply_queue.as_str().into())
        .with_headers(headers);
    let backlog = warren_wire::backlog_queues(&queue, 1).remove(0);
    client
        .channel
        .basic_publish(
            "".into(),
            backlog.as_str().into(),
            BasicPublishOptions::default(),
            br#"{"code": "export default () => 1"}"#,
            properties,
        )
        .await
        .expect("publish")
        .await
        .expect("confirm");
    let dead = warren_wire::dead_letter_queue(&queue);
    let dead_lettered = eventually(Duration::from_secs(20), || {
        let (client, dead) = (&client, &dead);
        async move { client.ready_count(dead).await == 1 }
    })
    .await;
    worker.stop().await;
    client.delete_pool_queues(&queue).await;
    assert!(
        dead_lettered,
        "the worn-out job went to the dead-letter queue"
    );
}
