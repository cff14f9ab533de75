//! The Rust client library against a real worker: call, submit, results streams, and
//! its example program.

use std::time::Duration;

use serde_json::json;
use warren_client::client::{Client, ClientError, JobSpec};
use warren_tests::client::TestClient;
use warren_tests::{InProcessWorker, amqp_url, unique_queue};

#[tokio::test]
async fn call_submit_and_stream() {
    let queue = unique_queue("library");
    let worker = InProcessWorker::start(&queue, &[]).await;
    let client = Client::new(&amqp_url()).expect("client");

    let job = JobSpec::new("export default (i) => i.a * i.b", json!({"a": 6, "b": 7}));
    let result = client
        .call(&queue, &job, Duration::from_secs(20))
        .await
        .expect("call");
    assert_eq!(result.value.as_ref().map(|v| v.get()), Some("42"));

    // Concurrent calls on one client each get their own result.
    let client = std::sync::Arc::new(client);
    let mut calls = tokio::task::JoinSet::new();
    for n in 0..20u64 {
        let (client, queue) = (client.clone(), queue.clone());
        calls.spawn(async move {
            let job = JobSpec::new("export default (i) => i * 2", json!(n));
            (n, client.call(&queue, &job, Duration::from_secs(20)).await)
        });
    }
    while let Some(joined) = calls.join_next().await {
        let (n, result) = joined.expect("join");
        let result = result.expect("call");
        assert_eq!(
            result.value.as_ref().map(|v| v.get().to_owned()),
            Some((n * 2).to_string())
        );
    }

    let mut stream = client.results().await.expect("stream");
    let mut ids = std::collections::HashSet::new();
    for n in 0..10 {
        ids.insert(
            stream
                .submit(&queue, &JobSpec::new("export default (i) => i", json!(n)))
                .await
                .expect("submit"),
        );
    }
    for _ in 0..10 {
        let result = stream
            .next(Duration::from_secs(20))
            .await
            .expect("stream")
            .expect("a result");
        assert!(ids.remove(&result.job_id));
    }
    assert!(
        stream
            .next(Duration::from_millis(300))
            .await
            .expect("stream")
            .is_none()
    );

    let job_id = client.submit(&queue, &job).await.expect("submit");
    assert_eq!(job_id.len(), 36);

    let err = client
        .call("warren.test.no.such.queue", &job, Duration::from_secs(5))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::NoRoute(_)), "{err}");
    assert!(!err.is_retryable());
    worker.stop().await;
    let err = client
        .call(&queue, &job, Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::Timeout(_)) && err.is_retryable(),
        "{err}"
    );
    TestClient::connect().await.delete_pool_queues(&queue).await;
}

#[tokio::test]
async fn unreachable_broker_is_a_retryable_connect_error() {
    let client = Client::new("amqp://guest:guest@127.0.0.1:1/%2f").expect("client");
    let err = client
        .submit("q", &JobSpec::new("export default () => 1", json!(null)))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Connect(_)), "{err}");
    assert!(err.is_retryable());
}

/// `client/examples/submit_and_wait.rs`, the program docs/clients.md shows, runs as
/// its comments say: one value, then one error result handled as such.
#[tokio::test]
async fn the_client_example_submits_awaits_and_handles_an_error() {
    let queue = unique_queue("library-example");
    let worker = InProcessWorker::start(&queue, &[]).await;
    let program = warren_tests::process::example("submit_and_wait");
    let args = [amqp_url(), queue.clone()];
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(program)
            .args(args)
            .output()
            .expect("run the example")
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        ["ok 0.25", "error exception: division by zero"]
    );
    worker.stop().await;
    TestClient::connect().await.delete_pool_queues(&queue).await;
}

#[tokio::test]
async fn a_client_given_several_brokers_uses_one_that_answers() {
    let queue = unique_queue("library-brokers");
    let worker = InProcessWorker::start(&queue, &[]).await;
    // Wherever its random start falls, the dead address is passed over.
    let listed = format!("amqp://guest:guest@127.0.0.1:1/%2f, {}", amqp_url());
    let client = Client::new(&listed).expect("client");
    for n in 0..3u64 {
        let job = JobSpec::new("export default (n) => n + 1", json!(n));
        let result = client
            .call(&queue, &job, Duration::from_secs(20))
            .await
            .expect("call through the broker that answers");
        assert_eq!(
            result.value.as_ref().map(|v| v.get().to_owned()),
            Some((n + 1).to_string())
        );
    }
    // With no broker answering, the error is retryable and names no password.
    let client =
        Client::new("amqp://guest:secret@127.0.0.1:1/%2f,amqp://guest:secret@127.0.0.1:2/%2f")
            .expect("client");
    let job = JobSpec::new("export default () => 1", json!(null));
    let err = client
        .submit(&queue, &job)
        .await
        .expect_err("nothing answers");
    assert!(err.is_retryable(), "{err}");
    assert!(!err.to_string().contains("secret"), "{err}");
    worker.stop().await;
    TestClient::connect().await.delete_pool_queues(&queue).await;
}

#[tokio::test]
async fn browsing_the_dead_letter_queue_counts_nothing_against_its_jobs_and_keeps_their_order() {
    use lapin::BasicProperties;
    use lapin::options::{BasicGetOptions, BasicPublishOptions};

    let queue = unique_queue("library-dlq-browse");
    InProcessWorker::start(&queue, &[]).await.stop().await;
    let client = TestClient::connect().await;
    let dead = warren_wire::dead_letter_queue(&queue);
    for id in ["first", "second", "third"] {
        let properties = BasicProperties::default()
            .with_delivery_mode(2)
            .with_message_id(id.into());
        client
            .channel
            .basic_publish(
                "".into(),
                dead.as_str().into(),
                BasicPublishOptions::default(),
                b"{}",
                properties,
            )
            .await
            .expect("publish")
            .await
            .expect("confirm");
    }
    let ids = |jobs: Vec<warren_client::dlq::DeadJob>| -> Vec<String> {
        jobs.into_iter().map(|job| job.job_id).collect()
    };
    let everything = vec!["first", "second", "third"];
    for _ in 0..5 {
        let jobs = warren_client::dlq::list(&client.connection, &queue, 10)
            .await
            .expect("list");
        assert!(jobs.iter().all(|job| job.deliveries == 0), "{jobs:?}");
        assert_eq!(ids(jobs), everything);
    }
    // A shorter listing still passes over every job, so the order holds.
    let first = warren_client::dlq::list(&client.connection, &queue, 1)
        .await
        .expect("list");
    assert_eq!(ids(first), vec!["first"]);
    let again = warren_client::dlq::list(&client.connection, &queue, 10)
        .await
        .expect("list");
    assert_eq!(ids(again), everything);
    // What the broker counts: none of the six looks was a failed delivery (handing the
    // messages back unacknowledged would have made it 6, and RabbitMQ 4.x drops a
    // message of a quorum queue past 20 by default).
    let taken = client
        .channel
        .basic_get(dead.as_str().into(), BasicGetOptions { no_ack: true })
        .await
        .expect("get")
        .expect("a message");
    let headers = taken
        .delivery
        .properties
        .headers()
        .clone()
        .unwrap_or_default();
    let counted = headers
        .inner()
        .get("x-delivery-count")
        .and_then(warren_amqp::headers::count)
        .unwrap_or(0);
    assert_eq!(counted, 0, "counted deliveries: {headers:?}");
    client.delete_pool_queues(&queue).await;
}
