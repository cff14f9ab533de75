//! The walls around sandbox processes, seen through a real worker: a process that
//! makes a forbidden system call, aborts or segfaults (test-only hooks in
//! `warren-worker-test-hooks`) fails only the job it was running, as `crash`, while
//! the other jobs flow, and the worker replaces it with a confined process.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use warren_tests::client::{Publish, TestClient};
use warren_tests::process::{WorkerProcess, hooks_binary};
use warren_tests::unique_queue;

/// Seccomp mode of a process: 2 is a filter.
fn seccomp_mode(pid: u32) -> Option<String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("Seccomp:"))
        .map(|mode| mode.trim().to_owned())
}

/// Waits until the worker has `slots` sandbox processes, none of them in `gone`, all
/// under a seccomp filter; returns them.
async fn full_strength(worker: &WorkerProcess, slots: usize, gone: &[u32]) -> Vec<u32> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let pids = worker.sandbox_pids();
        if pids.len() == slots
            && pids.iter().all(|pid| !gone.contains(pid))
            && pids
                .iter()
                .all(|pid| seccomp_mode(*pid).as_deref() == Some("2"))
        {
            return pids;
        }
        assert!(
            Instant::now() < deadline,
            "sandbox processes did not come back to {slots}: {pids:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn error_of(result: &Value) -> (String, String) {
    (
        result["error"]["kind"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        result["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sandbox_process_that_breaks_a_wall_fails_only_its_own_job() {
    let binary = tokio::task::spawn_blocking(hooks_binary)
        .await
        .expect("build");
    let queue = unique_queue("sandbox-walls");
    let mut client = TestClient::connect().await;
    let worker = WorkerProcess::spawn_program(binary, &queue, &["--concurrency", "2"]);
    assert!(
        worker.wait_ready(Duration::from_secs(30)).await,
        "worker ready"
    );
    let mut pids = full_strength(&worker, 2, &[]).await;

    let cases = [
        ("open", "SIGSYS"),
        ("socket", "SIGSYS"),
        ("execve", "SIGSYS"),
        ("abort", "SIGABRT"),
        ("segv", "SIGSEGV"),
    ];
    for (action, signal) in cases {
        // The misbehaving job amid good ones, some of them waiting on timers (held by
        // a process while others run).
        let bad = format!("warren-test-sandbox-{action}-1");
        let mut expected = HashMap::new();
        for i in 0..10 {
            let id = format!("{action}-good-{i}");
            let code = if i % 2 == 0 {
                "export default (n) => n * 2"
            } else {
                "export default async (n) => { await new Promise(r => setTimeout(r, 50)); return n * 2 }"
            };
            client.submit(&queue, &id, code, json!(i)).await;
            expected.insert(id, json!(i * 2));
            if i == 4 {
                client
                    .publish(
                        &queue,
                        // Code of its own: five crashes of one code would quarantine it.
                        Publish::job(
                            &bad,
                            &json!({"code": format!("export default () => 'it ran: {action}'")}),
                        ),
                    )
                    .await;
            }
        }
        let (results, duplicates) = client.collect(11, Duration::from_secs(30)).await;
        assert_eq!(duplicates, 0);
        let (kind, message) = error_of(&results[&bad]);
        assert_eq!(kind, "crash", "{action}: {}", results[&bad]);
        assert!(message.contains(signal), "{action}: {message}");
        for (id, value) in &expected {
            let result = &results[id];
            assert_eq!(result["status"], "ok", "{action}: {id} was hit: {result}");
            assert_eq!(&result["value"], value);
        }
        // Exactly one process was replaced, and the new one is confined.
        let now = full_strength(&worker, 2, &[]).await;
        let replaced: Vec<u32> = pids.iter().copied().filter(|p| !now.contains(p)).collect();
        assert_eq!(replaced.len(), 1, "{action}: {pids:?} -> {now:?}");
        pids = now;
    }
    drop(worker);
    client.delete_pool_queues(&queue).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn normal_builds_have_no_hooks() {
    // The same job id through the normal binary is just a job.
    let queue = unique_queue("sandbox-no-hooks");
    let mut client = TestClient::connect().await;
    let worker = WorkerProcess::spawn(&queue, &["--concurrency", "1"]);
    assert!(
        worker.wait_ready(Duration::from_secs(30)).await,
        "worker ready"
    );
    client
        .publish(
            &queue,
            Publish::job(
                "warren-test-sandbox-open-1",
                &json!({"code": "export default () => 'it ran'"}),
            ),
        )
        .await;
    let (result, _) = client
        .next_result(Duration::from_secs(20))
        .await
        .expect("a result");
    assert_eq!(result["status"], "ok", "{result}");
    assert_eq!(result["value"], "it ran");
    drop(worker);
    client.delete_pool_queues(&queue).await;
}
