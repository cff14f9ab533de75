//! Backends in other languages use Warren from PROTOCOL.md alone: the Python (pika)
//! client shown in docs/clients.md submits a job and reads its result.

use std::path::PathBuf;
use std::process::Command;

use warren_tests::client::TestClient;
use warren_tests::{InProcessWorker, amqp_url, unique_queue};

/// Python with pika: `WARREN_TEST_PYTHON`, else the repository's `.venv` (made by `.ci/run`).
fn python() -> PathBuf {
    std::env::var_os("WARREN_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python"))
}

#[tokio::test]
async fn python_pika_client_gets_its_result() {
    let python = python();
    assert!(
        python.exists(),
        "{} is missing: run .ci/run (or python3 -m venv .venv && .venv/bin/pip install pika)",
        python.display()
    );
    let queue = unique_queue("pika");
    let worker = InProcessWorker::start(&queue, &[]).await;
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("clients/pika_submit.py");
    let url = amqp_url();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .arg(url)
            .arg(&queue)
            .output()
    })
    .await
    .expect("join")
    .expect("run python");
    assert!(
        output.status.success(),
        "pika client failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("client printed the result");
    assert_eq!(result["status"], "ok");
    assert_eq!(result["value"]["sum"], 42);
    assert_eq!(result["value"]["job"], result["job_id"]);
    let queue = worker.config.pools[0].queue.clone();
    worker.stop().await;
    TestClient::connect().await.delete_pool_queues(&queue).await;
}
