//! Backends in other languages use Warren from PROTOCOL.md alone: the Python (pika)
//! and Node.js (amqplib) clients shown in docs/clients.md submit a job and read its
//! result.

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

/// Runs a client script with `AMQP_URL QUEUE` against a fresh worker; returns its result.
async fn run_client(program: PathBuf, script: &str, name: &str) -> serde_json::Value {
    let queue = unique_queue(name);
    let worker = InProcessWorker::start(&queue, &[]).await;
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("clients")
        .join(script);
    let (url, q) = (amqp_url(), queue.clone());
    let output = tokio::task::spawn_blocking(move || {
        Command::new(program).arg(script).arg(url).arg(&q).output()
    })
    .await
    .expect("join")
    .expect("run the client");
    assert!(
        output.status.success(),
        "{name} client failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    worker.stop().await;
    TestClient::connect().await.delete_pool_queues(&queue).await;
    serde_json::from_slice(&output.stdout).expect("the client printed the result")
}

#[tokio::test]
async fn node_amqplib_client_gets_its_result() {
    let modules = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("clients/node_modules/amqplib");
    assert!(
        modules.exists(),
        "amqplib is missing: run .ci/run (or scripts/ensure-node.sh)"
    );
    let result = run_client(PathBuf::from("node"), "amqplib_submit.mjs", "amqplib").await;
    assert_eq!(result["status"], "ok");
    assert_eq!(result["value"]["sum"], 42);
    assert_eq!(result["value"]["job"], result["job_id"]);
}

#[tokio::test]
async fn python_pika_client_gets_its_result() {
    let python = python();
    assert!(
        python.exists(),
        "{} is missing: run .ci/run (or python3 -m venv .venv && .venv/bin/pip install pika)",
        python.display()
    );
    let result = run_client(python, "pika_submit.py", "pika").await;
    assert_eq!(result["status"], "ok");
    assert_eq!(result["value"]["sum"], 42);
    assert_eq!(result["value"]["job"], result["job_id"]);
}
