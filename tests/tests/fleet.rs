//! Fleet reliability: real worker processes under load, restarted, killed and fed a
//! poison job, with every job counted. Each scenario prints its counts.
//! (Broker restarts and a hostile mix under load are still to come.)

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use warren_tests::client::{Publish, TestClient};
use warren_tests::process::{WorkerProcess, cargo};
use warren_tests::unique_queue;

/// Counts of one scenario: what came back, against what was sent.
struct Tally {
    sent: usize,
    results: HashMap<String, Value>,
    duplicates: usize,
}

impl Tally {
    fn lost(&self) -> usize {
        self.sent - self.results.len()
    }

    fn failed(&self) -> usize {
        self.results
            .values()
            .filter(|r| r["status"] != "ok")
            .count()
    }

    fn report(&self, scenario: &str) {
        let redelivered = self
            .results
            .values()
            .filter(|r| r["stats"]["attempt"].as_u64() > Some(1))
            .count();
        println!(
            "{scenario}: sent={} answered={} lost={} duplicated={} failed={} redelivered={redelivered}",
            self.sent,
            self.results.len(),
            self.lost(),
            self.duplicates,
            self.failed()
        );
    }
}

/// Publishes `total` jobs at about `per_second`, collecting results meanwhile.
async fn steady_load(
    client: &mut TestClient,
    queue: &str,
    code: &str,
    total: usize,
    per_second: usize,
) -> Tally {
    let started = Instant::now();
    let body = |n: usize| json!({"code": code, "input": n});
    let mut results = HashMap::new();
    let mut duplicates = 0;
    for n in 0..total {
        client
            .publish(queue, Publish::job(&format!("job-{n}"), &body(n)))
            .await;
        let due = started + Duration::from_secs_f64((n + 1) as f64 / per_second as f64);
        // Drain results while waiting for the next send slot.
        while Instant::now() < due {
            let left = due.saturating_duration_since(Instant::now());
            match client.next_result(left).await {
                Some((value, _)) => {
                    let id = value["job_id"].as_str().unwrap_or_default().to_owned();
                    if results.insert(id, value).is_some() {
                        duplicates += 1;
                    }
                }
                None => break,
            }
        }
    }
    let (rest, more_duplicates) = client
        .collect(total - results.len(), Duration::from_secs(60))
        .await;
    for (id, value) in rest {
        if results.insert(id, value).is_some() {
            duplicates += 1;
        }
    }
    Tally {
        sent: total,
        results,
        duplicates: duplicates + more_duplicates,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_rolling_restart_loses_and_fails_nothing() {
    let queue = unique_queue("fleet-roll");
    let flags = ["--concurrency", "2", "--prefetch", "4"];
    let mut workers: Vec<WorkerProcess> = (0..3)
        .map(|_| WorkerProcess::spawn(&queue, &flags))
        .collect();
    for worker in &workers {
        assert!(worker.wait_ready(Duration::from_secs(30)).await);
    }
    let mut client = TestClient::connect().await;
    let restarter_queue = queue.clone();
    let restarter = tokio::spawn(async move {
        // Restart each worker in turn while the load runs: SIGTERM, wait for the exit,
        // start its replacement and wait until it is ready before the next.
        let mut exits = Vec::new();
        for worker in workers.iter_mut() {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            worker.signal(libc::SIGTERM);
            let status = worker.wait_exit(Duration::from_secs(30)).await;
            exits.push(status.is_some_and(|s| s.success()));
            *worker =
                WorkerProcess::spawn(&restarter_queue, &["--concurrency", "2", "--prefetch", "4"]);
            assert!(worker.wait_ready(Duration::from_secs(30)).await);
        }
        (workers, exits)
    });
    let tally = steady_load(
        &mut client,
        &queue,
        "export default (n) => n + 1",
        5000,
        700,
    )
    .await;
    let (workers, exits) = restarter.await.expect("restarter");
    tally.report("rolling restart");
    assert_eq!(exits, vec![true; 3], "every stopped worker exited 0");
    assert_eq!(tally.lost(), 0);
    assert_eq!(tally.failed(), 0);
    assert_eq!(tally.duplicates, 0);
    drop(workers);
    client.delete_pool_queues(&queue).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_kill_9_mid_flight_loses_nothing() {
    let queue = unique_queue("fleet-kill");
    let flags = ["--concurrency", "2", "--prefetch", "4"];
    let mut victim = WorkerProcess::spawn(&queue, &flags);
    let survivor = WorkerProcess::spawn(&queue, &flags);
    assert!(
        victim.wait_ready(Duration::from_secs(30)).await
            && survivor.wait_ready(Duration::from_secs(30)).await
    );
    let mut client = TestClient::connect().await;
    let busy = "export default (n) => { const end = Date.now() + 50; while (Date.now() < end) {} return n }";
    let total = 200;
    for n in 0..total {
        client
            .publish(
                &queue,
                Publish::job(&format!("job-{n}"), &json!({"code": busy, "input": n})),
            )
            .await;
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    victim.signal(libc::SIGKILL);
    assert!(victim.wait_exit(Duration::from_secs(10)).await.is_some());
    let (results, duplicates) = client.collect(total, Duration::from_secs(90)).await;
    let tally = Tally {
        sent: total,
        results,
        duplicates,
    };
    tally.report("kill -9");
    assert_eq!(tally.lost(), 0);
    assert_eq!(tally.failed(), 0);
    let redelivered = tally
        .results
        .values()
        .filter(|r| r["stats"]["attempt"].as_u64() > Some(1))
        .count();
    assert!(
        redelivered > 0,
        "the killed worker's jobs came back with attempt > 1"
    );
    drop(survivor);
    client.delete_pool_queues(&queue).await;
}

/// The worker binary with test hooks, built on demand.
fn hooks_binary() -> PathBuf {
    let status = cargo()
        .args([
            "build",
            "--quiet",
            "-p",
            "warren-worker",
            "--features",
            "test-hooks",
            "--bin",
            "warren-worker-test-hooks",
        ])
        .status()
        .expect("cargo");
    assert!(status.success(), "building warren-worker-test-hooks");
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../target/debug/warren-worker-test-hooks"
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_poison_job_is_dead_lettered_while_others_flow() {
    let binary = tokio::task::spawn_blocking(hooks_binary)
        .await
        .expect("build");
    let queue = unique_queue("fleet-poison");
    let mut client = TestClient::connect().await;
    let spawn = |queue: &str| {
        let args = warren_tests::worker_args(queue, &["--concurrency", "1", "--prefetch", "1"]);
        let metrics: std::net::SocketAddr = args[args
            .iter()
            .position(|a| a == "--metrics-addr")
            .expect("addr")
            + 1]
        .parse()
        .expect("addr");
        let child = std::process::Command::new(&binary)
            .args(&args[1..])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        (child, metrics)
    };
    let ready = |metrics: std::net::SocketAddr| async move {
        warren_tests::eventually(Duration::from_secs(30), || async move {
            matches!(
                warren_tests::http_get(metrics, "/readyz").await,
                Ok((200, _))
            )
        })
        .await
    };
    let (mut worker, metrics) = spawn(&queue);
    // Queue the poison job first, once the worker consumes.
    let dead = warren_wire::dead_letter_queue(&queue);
    assert!(
        ready(metrics).await,
        "the worker with test hooks became ready"
    );
    client
        .publish(
            &queue,
            Publish::job(
                "warren-test-abort-1",
                &json!({"code": "export default () => 1"}),
            ),
        )
        .await;
    for n in 0..20 {
        client
            .submit(
                &queue,
                &format!("good-{n}"),
                "export default (n) => n",
                json!(n),
            )
            .await;
    }
    // Keep a worker running: whenever the poison job kills it, start another.
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut crashes = 0;
    let mut results = HashMap::new();
    while (results.len() < 20 || client.ready_count(&dead).await == 0) && Instant::now() < deadline
    {
        if let Ok(Some(_)) = worker.try_wait() {
            crashes += 1;
            worker = spawn(&queue).0;
        }
        if let Some((value, _)) = client.next_result(Duration::from_millis(200)).await {
            results.insert(
                value["job_id"].as_str().unwrap_or_default().to_owned(),
                value,
            );
        }
    }
    let _ = worker.kill();
    let _ = worker.wait();
    let dead_letters = client.ready_count(&dead).await;
    println!(
        "poison job: crashes={crashes} dead_lettered={dead_letters} good_answered={} lost={}",
        results.len(),
        20 - results.len().min(20)
    );
    assert_eq!(dead_letters, 1, "the poison job was dead-lettered");
    assert!(
        crashes >= 5,
        "it crashed the worker until the delivery limit ({crashes})"
    );
    assert!(!results.contains_key("warren-test-abort-1"));
    assert_eq!(results.len(), 20, "every good job answered");
    client.delete_pool_queues(&queue).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_soak_has_no_leak_and_balances() {
    // The release binary (scripts/test.sh builds it): 100,000 jobs in reasonable time.
    let release = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../target/release/warren-worker"
    ));
    assert!(
        release.exists(),
        "run scripts/test.sh (it builds target/release/warren-worker)"
    );
    let queue = unique_queue("fleet-soak");
    let args = warren_tests::worker_args(&queue, &["--concurrency", "2", "--prefetch", "8"]);
    let metrics: std::net::SocketAddr = args[args
        .iter()
        .position(|a| a == "--metrics-addr")
        .expect("addr")
        + 1]
    .parse()
    .expect("addr");
    let mut child = std::process::Command::new(&release)
        .args(&args[1..])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let pid = child.id();
    assert!(
        warren_tests::eventually(Duration::from_secs(30), || async move {
            matches!(
                warren_tests::http_get(metrics, "/readyz").await,
                Ok((200, _))
            )
        })
        .await
    );
    let rss = || {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
            .expect("VmRSS")
    };
    let client = warren_client::client::Client::new(&warren_tests::amqp_url()).expect("client");
    let job = warren_client::client::JobSpec::new(
        "export default (n) => ({ n, s: String(n).repeat(3) })",
        json!(7),
    );
    let first = bench(&client, &queue, &job, 10_000).await;
    let rss_first = rss();
    let rest = bench(&client, &queue, &job, 90_000).await;
    let rss_after = rss();
    let answered = first.received + rest.received;
    let ok = first.outcomes.get("ok").copied().unwrap_or(0)
        + rest.outcomes.get("ok").copied().unwrap_or(0);
    println!(
        "soak: sent=100000 answered={answered} ok={ok} lost={} rss_after_10k={rss_first}kB rss_after_100k={rss_after}kB",
        100_000 - answered
    );
    // SAFETY: signalling our own child.
    unsafe { libc::kill(i32::try_from(pid).expect("pid"), libc::SIGTERM) };
    assert!(child.wait().expect("wait").success());
    assert_eq!(answered, 100_000);
    assert_eq!(ok, 100_000);
    assert!(
        rss_after * 10 <= rss_first * 11,
        "RSS grew from {rss_first} kB to {rss_after} kB"
    );
    TestClient::connect().await.delete_pool_queues(&queue).await;
}

async fn bench(
    client: &warren_client::client::Client,
    queue: &str,
    job: &warren_client::client::JobSpec,
    jobs: usize,
) -> warren_client::bench::BenchReport {
    let options = warren_client::bench::BenchOptions {
        queue: queue.to_owned(),
        job: job.clone(),
        jobs,
        concurrency: 32,
        reply_timeout: Duration::from_secs(30),
    };
    warren_client::bench::run(client, &options, |_| {})
        .await
        .expect("bench")
}
