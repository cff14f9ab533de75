//! `fetch` end to end: the seed example (`examples/fetch-field.js`) through a worker
//! granted a local stand-in server. The sandbox's side of every outcome is
//! `worker/tests/sandbox_fetch.rs`.

use serde_json::json;
use warren_testkit::http_stub::HttpStub;

/// The seed example, read from `examples/`.
fn seed_example() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/fetch-field.js"
    ))
    .expect("examples/fetch-field.js")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_example_runs_through_a_worker() {
    let stub = HttpStub::start().await;
    let queue = warren_tests::unique_queue("fetch-seed");
    let allowed = stub.addr.to_string();
    let worker = warren_tests::InProcessWorker::start(&queue, &["--allow-host", &allowed]).await;
    let mut client = warren_tests::client::TestClient::connect().await;
    let code = seed_example();
    client
        .submit(
            &queue,
            "seed",
            &code,
            json!({"url": stub.url("/json"), "field": "name"}),
        )
        .await;
    client
        .submit(
            &queue,
            "seed-missing",
            &code,
            json!({"url": stub.url("/nothing"), "field": "name"}),
        )
        .await;
    let (results, _) = client.collect(2, std::time::Duration::from_secs(30)).await;
    assert_eq!(results["seed"]["status"], "ok", "{:?}", results["seed"]);
    assert_eq!(results["seed"]["value"], "warren");
    assert_eq!(results["seed-missing"]["error"]["kind"], "exception");
    assert!(
        results["seed-missing"]["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("answered 404")),
        "{:?}",
        results["seed-missing"]
    );
    worker.stop().await;
    client.delete_pool_queues(&queue).await;
}
