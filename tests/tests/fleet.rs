//! Fleet reliability: real worker processes under load, restarted, killed and fed a
//! poison job, cut off from and restarted under by the broker, fed a hostile mix, and
//! soaked, with every job counted. Each scenario prints its counts.
//!
//! These tests act on the shared broker (closing connections, stopping the app), so
//! they run one at a time and after every other test: `scripts/test.sh` does that.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::json;

use warren_tests::client::{Publish, TestClient};
use warren_tests::fleet::{
    Tally, all_ready_within, bench, job, numbered_jobs, paced_load, quantile, watch_readiness,
};
use warren_tests::process::WorkerProcess;
use warren_tests::{eventually, jobs_done, unique_queue};

/// How long the broker stays down in the broker-restart scenario.
const BROKER_OUTAGE: Duration = Duration::from_secs(2);

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
        // Restart each worker in turn while the load runs: once it is busy, SIGTERM,
        // wait for the exit, start its replacement and wait until it is ready before
        // the next.
        let mut exits = Vec::new();
        for worker in workers.iter_mut() {
            let addr = worker.metrics_addr;
            let queue = &restarter_queue;
            let busy = eventually(Duration::from_secs(30), || async move {
                jobs_done(addr, queue).await >= 200
            })
            .await;
            assert!(busy, "the worker took part in the load before its restart");
            worker.signal(libc::SIGTERM);
            let status = worker.wait_exit(Duration::from_secs(30)).await;
            exits.push(status.is_some_and(|s| s.success()));
            *worker =
                WorkerProcess::spawn(&restarter_queue, &["--concurrency", "2", "--prefetch", "4"]);
            assert!(worker.wait_ready(Duration::from_secs(30)).await);
        }
        (workers, exits)
    });
    let tally = paced_load(
        &mut client,
        &queue,
        numbered_jobs("export default (n) => n + 1", 5000),
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
    // Killed once it is under way: it holds unfinished jobs (its prefetch) then.
    let addr = victim.metrics_addr;
    let under_way = eventually(Duration::from_secs(30), || async {
        jobs_done(addr, &queue).await >= 4
    })
    .await;
    assert!(under_way, "the victim took jobs");
    victim.signal(libc::SIGKILL);
    assert!(victim.wait_exit(Duration::from_secs(10)).await.is_some());
    let (results, duplicates) = client.collect(total, Duration::from_secs(90)).await;
    let tally = Tally {
        sent: total,
        results,
        duplicates,
        ..Tally::default()
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_poison_job_is_dead_lettered_while_others_flow() {
    let binary = tokio::task::spawn_blocking(warren_tests::process::hooks_binary)
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
    // The release binary: 100,000 jobs in reasonable time.
    let queue = unique_queue("fleet-soak");
    let mut worker =
        WorkerProcess::spawn_release(&queue, &["--concurrency", "2", "--prefetch", "8"]);
    let pid = worker.pid();
    assert!(worker.wait_ready(Duration::from_secs(30)).await);
    // The worker's and its sandbox processes' resident memory: a leak in either counts.
    let rss = || {
        let pid = pid as u32;
        std::iter::once(pid)
            .chain(warren_tests::process::child_pids(pid))
            .map(|pid| {
                let status =
                    std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
                status
                    .lines()
                    .find_map(|l| l.strip_prefix("VmRSS:"))
                    .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
                    .expect("VmRSS")
            })
            .sum::<u64>()
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
    worker.signal(libc::SIGTERM);
    let exit = worker.wait_exit(Duration::from_secs(30)).await;
    assert!(exit.is_some_and(|s| s.success()));
    assert_eq!(answered, 100_000);
    assert_eq!(ok, 100_000);
    assert!(
        rss_after * 10 <= rss_first * 11,
        "RSS grew from {rss_first} kB to {rss_after} kB"
    );
    TestClient::connect().await.delete_pool_queues(&queue).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_connection_cut_under_load_loses_nothing() {
    let queue = unique_queue("fleet-cut");
    let name = format!("fleet-cut-{}", std::process::id());
    let flags = [
        "--worker-name",
        &name,
        "--concurrency",
        "2",
        "--prefetch",
        "4",
    ];
    let workers: Vec<WorkerProcess> = (0..2)
        .map(|_| WorkerProcess::spawn(&queue, &flags))
        .collect();
    for worker in &workers {
        assert!(worker.wait_ready(Duration::from_secs(30)).await);
    }
    let addrs: Vec<_> = workers.iter().map(|w| w.metrics_addr).collect();
    let (watching, watcher) = watch_readiness(addrs.clone());
    let (cut_addrs, cut_queue) = (addrs.clone(), queue.clone());
    let cutter = tokio::spawn(async move {
        // Cut once the load is flowing through both workers.
        let flowing = eventually(Duration::from_secs(30), || async {
            for addr in &cut_addrs {
                if jobs_done(*addr, &cut_queue).await < 100 {
                    return false;
                }
            }
            true
        })
        .await;
        assert!(flowing, "both workers took part in the load");
        tokio::task::spawn_blocking(move || warren_tests::broker::close_connections_named(&name))
            .await
            .expect("rabbitmqctl")
    });
    let mut client = TestClient::connect().await;
    let tally = paced_load(
        &mut client,
        &queue,
        numbered_jobs("export default (n) => n * 2", 2000),
        400,
    )
    .await;
    let cut = cutter.await.expect("cutter");
    let recovered = all_ready_within(&addrs, true, Duration::from_secs(30)).await;
    watching.store(false, std::sync::atomic::Ordering::Relaxed);
    let dropped = watcher.await.expect("watcher");
    tally.report("connection cut");
    println!(
        "connection cut: connections_closed={cut} readiness_dropped={dropped} recovered={recovered}"
    );
    assert_eq!(cut, 2, "both workers' connections were cut");
    assert!(dropped, "/readyz reported not ready while disconnected");
    assert!(recovered, "every worker ready again");
    for addr in addrs {
        let metrics = warren_tests::http_get(addr, "/metrics")
            .await
            .expect("metrics")
            .1;
        assert_eq!(
            warren_tests::metric(&metrics, "warren_broker_reconnects_total", &[]),
            Some(1.0),
            "each worker reconnected once"
        );
    }
    assert_eq!(tally.lost(), 0);
    assert_eq!(tally.failed(), 0);
    drop(workers);
    client.delete_pool_queues(&queue).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_broker_restart_completes_every_queued_job() {
    let queue = unique_queue("fleet-restart");
    let results_queue = unique_queue("fleet-restart-results");
    let flags = ["--concurrency", "1", "--prefetch", "2"];
    let workers: Vec<WorkerProcess> = (0..2)
        .map(|_| WorkerProcess::spawn(&queue, &flags))
        .collect();
    for worker in &workers {
        assert!(worker.wait_ready(Duration::from_secs(30)).await);
    }
    let busy = "export default (n) => { const end = Date.now() + 20; while (Date.now() < end) {} return n }";
    let total = 300;
    let mut sent_at = HashMap::new();
    let mut tally = Tally {
        sent: total,
        ..Tally::default()
    };
    {
        // Results go to a durable queue, so those published while the broker is down
        // for us, or before it stops, are still there after it returns.
        let mut client = TestClient::connect_durable(&results_queue).await;
        for job in numbered_jobs(busy, total) {
            sent_at.insert(job.message_id.clone().unwrap_or_default(), Instant::now());
            client.publish(&queue, job).await;
        }
        let until = Instant::now() + Duration::from_millis(800);
        while let Some((value, _)) = client
            .next_result(until.saturating_duration_since(Instant::now()))
            .await
        {
            tally.record(value, &sent_at);
        }
    }
    let answered_before = tally.results.len();
    let stopped = tokio::task::spawn_blocking(warren_tests::broker::StoppedBroker::stop)
        .await
        .expect("stop_app");
    let addrs: Vec<_> = workers.iter().map(|w| w.metrics_addr).collect();
    let went_unready = all_ready_within(&addrs, false, Duration::from_secs(10)).await;
    // The outage itself: the broker stays down while the workers retry with backoff.
    tokio::time::sleep(BROKER_OUTAGE).await;
    tokio::task::spawn_blocking(move || stopped.start())
        .await
        .expect("start_app");
    assert!(
        went_unready,
        "workers reported not ready while the broker was down"
    );
    for worker in &workers {
        assert!(
            worker.wait_ready(Duration::from_secs(60)).await,
            "a worker became ready again after the broker returned"
        );
    }
    let mut client = TestClient::connect_durable(&results_queue).await;
    let deadline = Instant::now() + Duration::from_secs(90);
    while tally.results.len() < total {
        let Some((value, _)) = client
            .next_result(deadline.saturating_duration_since(Instant::now()))
            .await
        else {
            break;
        };
        tally.record(value, &sent_at);
    }
    tally.report("broker restart");
    println!("broker restart: answered_before_stop={answered_before}");
    assert!(
        answered_before < total,
        "jobs were still queued when the broker stopped"
    );
    assert_eq!(tally.lost(), 0);
    assert_eq!(tally.failed(), 0);
    drop(workers);
    client.delete_pool_queues(&queue).await;
    let _ = client
        .channel
        .queue_delete(results_queue.as_str().into(), Default::default())
        .await;
}

/// One hostile job of each kind in turn, with the `error.kind` it must get.
fn hostile_job(id: &str, turn: usize) -> (Publish, &'static str) {
    match turn % 4 {
        0 => (
            Publish::job(
                id,
                &json!({"code": "export default () => { for (;;) {} }", "limits": {"timeout_ms": 50}}),
            ),
            "timeout",
        ),
        1 => (
            Publish::job(
                id,
                &json!({
                    "code": "export default () => { const a = []; for (;;) a.push(new Array(4096).fill(a.length)) }",
                    "limits": {"memory_mb": 8}
                }),
            ),
            "memory",
        ),
        2 => (
            job(
                id,
                "const f = (n) => f(n + 1) + 1; export default () => f(0)",
                json!(null),
            ),
            "stack",
        ),
        _ => (
            Publish {
                body: b"{ this is not json".to_vec(),
                ..Publish::job(id, &json!(null))
            },
            "bad_request",
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_hostile_mix_leaves_good_jobs_fast_and_correct() {
    // The release build: latency is the point here.
    let queue = unique_queue("fleet-hostile");
    let flags = ["--concurrency", "4", "--prefetch", "16"];
    let worker = WorkerProcess::spawn_release(&queue, &flags);
    assert!(worker.wait_ready(Duration::from_secs(30)).await);
    let mut client = TestClient::connect().await;
    let good = "export default (n) => ({ n, twice: n * 2 })";
    let (total, rate) = (2000, 200);

    let clean = paced_load(&mut client, &queue, numbered_jobs(good, total), rate).await;
    clean.report("hostile mix, clean run");
    assert_eq!((clean.lost(), clean.failed()), (0, 0));

    let mut expected_kinds = HashMap::new();
    let mixed_jobs: Vec<Publish> = (0..total)
        .map(|n| {
            let id = format!("mix-{n}");
            if n % 10 == 9 {
                let (job, kind) = hostile_job(&id, n / 10);
                expected_kinds.insert(id, kind);
                job
            } else {
                job(&id, good, json!(n))
            }
        })
        .collect();
    let mixed = paced_load(&mut client, &queue, mixed_jobs, rate).await;
    mixed.report("hostile mix");

    let good_latencies = |tally: &Tally| -> Vec<Duration> {
        tally
            .latency
            .iter()
            .filter(|(id, _)| !expected_kinds.contains_key(*id))
            .map(|(_, l)| *l)
            .collect()
    };
    let clean_p99 = quantile(good_latencies(&clean), 0.99);
    let mixed_p99 = quantile(good_latencies(&mixed), 0.99);
    let good_failed = mixed
        .results
        .iter()
        .filter(|(id, r)| !expected_kinds.contains_key(*id) && r["status"] != "ok")
        .count();
    let wrong_kind: Vec<_> = expected_kinds
        .iter()
        .filter(|(id, kind)| {
            mixed.results.get(*id).map(|r| &r["error"]["kind"]) != Some(&json!(kind))
        })
        .map(|(id, kind)| (id.clone(), *kind, mixed.results.get(id).cloned()))
        .take(3)
        .collect();
    println!(
        "hostile mix: hostile={} good={} good_failed={good_failed} clean_p99={clean_p99:?} mixed_p99={mixed_p99:?}",
        expected_kinds.len(),
        total - expected_kinds.len()
    );
    assert_eq!(mixed.lost(), 0);
    assert_eq!(good_failed, 0, "every good job succeeded");
    assert!(
        wrong_kind.is_empty(),
        "hostile jobs got their error kinds: {wrong_kind:?}"
    );
    // Two cores serve the broker, this client and the worker: a clean p99 of a few ms
    // is mostly scheduling noise, so the bound starts from at least 5 ms.
    let bound = clean_p99.max(Duration::from_millis(5)) * 3;
    assert!(
        mixed_p99 <= bound,
        "good jobs' p99 {mixed_p99:?} within 3x of the clean run's {clean_p99:?}"
    );
    drop(worker);
    client.delete_pool_queues(&queue).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_benchmark_still_runs() {
    // The end-to-end benchmark in its quick mode: every workload and the echo ceiling
    // produce a row (its figures are not checked: no timing assertions in tests).
    let bench = warren_tests::process::release_binary("warren-bench");
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(bench)
            .args(["run", "--quick", "--amqp-url", &warren_tests::amqp_url()])
            .output()
            .expect("run warren-bench")
    })
    .await
    .expect("bench");
    let text = String::from_utf8_lossy(&out.stdout);
    println!("{text}");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for row in [
        "| echo ceiling |",
        "| trivial |",
        "| async, 3 awaits |",
        "| 50 KB body, cached |",
        "| 50 KB body, never seen |",
        "| 5 ms of CPU |",
        "| mix, 10% failing |",
        "| trivial at ",
        "| backlog, trivial, 1 worker(s), default window |",
        "| backlog, 1 ms each, 1 worker(s), --prefetch 64 |",
        "| backlog, 1 s each, workers joining, 3 worker(s), default window |",
        "Long jobs, workers joining: ",
    ] {
        assert!(text.contains(row), "no row {row:?}");
    }
    assert!(
        text.contains("exception=") && text.contains("× echo ceiling"),
        "{text}"
    );
}
