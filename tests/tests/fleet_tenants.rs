//! Many tenants on one fleet: fair shares (a flooding tenant does not hold up another)
//! and quarantine of code that keeps breaking its sandbox, with real worker processes.
//!
//! Like the other fleet scenarios these load the machine on purpose, so they run one
//! at a time and after every other test: `scripts/test.sh` does that.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use warren_wire::quarantine::now_ms;

use warren_tests::client::{Publish, TestClient};
use warren_tests::fleet::quantile;
use warren_tests::process::WorkerProcess;
use warren_tests::{jobs_done, unique_queue};

/// 20 ms of CPU; says when it started, in ms since the epoch.
const CPU_20MS: &str = "export default () => { const start = Date.now(); \
    while (Date.now() - start < 20) {} return start; }";

/// Tenant A's flood.
const FLOOD: usize = 10_000;
/// Tenant B's jobs, sent at [`TRICKLE_RATE`] a second once A's flood is enqueued.
const TRICKLE: usize = 200;
const TRICKLE_RATE: f64 = 10.0;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_fair_shares_keep_a_small_tenant_waiting_little_behind_a_flood() {
    let fair = flood_and_trickle(&[]).await;
    let fifo = flood_and_trickle(&["--fair-shares", "false"]).await;
    fair.report("fair shares");
    fifo.report("one FIFO queue");
    let p99 = quantile(fair.b_waits.clone(), 0.99);
    assert!(
        p99 <= Duration::from_millis(250),
        "tenant b's p99 wait with fair shares: {p99:?}"
    );
    assert_eq!(fair.b_unanswered, 0);
    // Without fair shares, tenant b's jobs sit behind tenant a's whole backlog.
    assert!(
        fifo.b_unanswered > TRICKLE / 2 || quantile(fifo.b_waits.clone(), 0.99) > p99 * 10,
        "without fair shares tenant b should wait behind the flood"
    );
}

/// What one run of the scenario measured.
struct FloodAndTrickle {
    /// From publishing each of tenant b's jobs to its start.
    b_waits: Vec<Duration>,
    b_unanswered: usize,
    /// Jobs done per second while tenant b sent its jobs, all tenants together.
    throughput: f64,
}

impl FloodAndTrickle {
    fn report(&self, scenario: &str) {
        println!(
            "{scenario}: tenant b p50={:?} p99={:?} max={:?} unanswered={}; {:.0} jobs/s",
            quantile(self.b_waits.clone(), 0.5),
            quantile(self.b_waits.clone(), 0.99),
            quantile(self.b_waits.clone(), 1.0),
            self.b_unanswered,
            self.throughput
        );
    }
}

/// Three workers of two slots: tenant a enqueues [`FLOOD`] jobs of 20 ms, then tenant b
/// sends [`TRICKLE`] at [`TRICKLE_RATE`] a second.
async fn flood_and_trickle(flags: &[&str]) -> FloodAndTrickle {
    let queue = unique_queue("fleet-fair");
    let mut args = vec!["--concurrency", "2"];
    args.extend_from_slice(flags);
    let workers: Vec<WorkerProcess> = (0..3)
        .map(|_| WorkerProcess::spawn_release(&queue, &args))
        .collect();
    for worker in &workers {
        assert!(worker.wait_ready(Duration::from_secs(30)).await);
    }
    let flooder = TestClient::connect().await;
    let flood = (0..FLOOD)
        .map(|n| {
            let mut job = tenant_job("a", &format!("a-{n}"));
            job.reply_to = Some(String::new());
            job
        })
        .collect();
    flooder.publish_many(&queue, flood).await;

    let mut client = TestClient::connect().await;
    let done_before = done(&workers, &queue).await;
    let started = Instant::now();
    let mut sent_at = std::collections::HashMap::new();
    let mut b_waits = Vec::new();
    let deadline = started + Duration::from_secs_f64(TRICKLE as f64 / TRICKLE_RATE + 5.0);
    let mut next = 0;
    while b_waits.len() < TRICKLE && Instant::now() < deadline {
        let due = started + Duration::from_secs_f64(next as f64 / TRICKLE_RATE);
        if next < TRICKLE && Instant::now() >= due {
            let id = format!("b-{next}");
            sent_at.insert(id.clone(), now_ms());
            client.publish(&queue, tenant_job("b", &id)).await;
            next += 1;
            continue;
        }
        let wait = if next < TRICKLE {
            due.saturating_duration_since(Instant::now())
        } else {
            deadline.saturating_duration_since(Instant::now())
        };
        if let Some((result, _)) = client.next_result(wait).await {
            b_waits.push(wait_of(&result, &sent_at));
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let throughput = (done(&workers, &queue).await - done_before) as f64 / elapsed;
    drop(workers);
    flooder.delete_pool_queues(&queue).await;
    FloodAndTrickle {
        b_unanswered: TRICKLE - b_waits.len(),
        b_waits,
        throughput,
    }
}

fn tenant_job(tenant: &str, id: &str) -> Publish {
    let mut job = Publish::job(id, &json!({"code": CPU_20MS, "input": null}));
    job.headers.push(("x-warren-tenant".into(), tenant.into()));
    job
}

/// From a job's publishing to its start, from its result.
fn wait_of(result: &Value, sent_at: &std::collections::HashMap<String, u64>) -> Duration {
    assert_eq!(result["status"], "ok", "{result}");
    let id = result["job_id"].as_str().unwrap_or_default();
    let sent = sent_at.get(id).copied().expect("a job of tenant b");
    let start = result["value"].as_u64().expect("start time");
    Duration::from_millis(start.saturating_sub(sent))
}

/// Jobs done by every worker of `queue`.
async fn done(workers: &[WorkerProcess], queue: &str) -> u64 {
    let mut total = 0;
    for worker in workers {
        total += jobs_done(worker.metrics_addr, queue).await;
    }
    total
}

/// The code of the job that kills its sandbox process (through the test-hooks worker:
/// a job whose id starts `warren-test-sandbox-abort-` aborts its process).
const CRASHING: &str = "export default () => 'ran'";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_code_that_keeps_crashing_is_quarantined_everywhere_until_released() {
    let queue = unique_queue("fleet-quarantine");
    let flags = ["--concurrency", "2", "--quarantine-strikes", "3"];
    let hooks = warren_tests::process::hooks_binary();
    let mut workers: Vec<WorkerProcess> = (0..3)
        .map(|_| WorkerProcess::spawn_program(hooks.clone(), &queue, &flags))
        .collect();
    for worker in &workers {
        assert!(worker.wait_ready(Duration::from_secs(60)).await);
    }
    // Two producers send the crashing job, each every 20 ms, for up to 20 s.
    let mut client = TestClient::connect().await;
    let reply_to = client.reply_queue.clone();
    let sending = {
        let queue = queue.clone();
        tokio::spawn(async move {
            let producers = [TestClient::connect().await, TestClient::connect().await];
            for n in 0..500 {
                for (p, producer) in producers.iter().enumerate() {
                    let mut job = crashing_job(&format!("{p}-{n}"));
                    job.reply_to = Some(reply_to.clone());
                    producer.publish(&queue, job).await;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    // When the third crash was answered, and when each worker first answered
    // `quarantined`.
    let mut crashes = Vec::new();
    let mut first_refusal: std::collections::HashMap<String, Instant> = Default::default();
    let mut refusal = Value::Null;
    let deadline = Instant::now() + Duration::from_secs(20);
    while first_refusal.len() < 3 && Instant::now() < deadline {
        let Some((result, _)) = client.next_result(Duration::from_secs(5)).await else {
            break;
        };
        match result["error"]["kind"].as_str() {
            Some("crash") => crashes.push(Instant::now()),
            Some("quarantined") => {
                let worker = result["worker"].as_str().unwrap_or_default().to_owned();
                first_refusal.entry(worker).or_insert_with(Instant::now);
                refusal = result;
            }
            other => panic!("unexpected result {other:?}: {result}"),
        }
    }
    sending.abort();
    println!(
        "quarantine: {} crashes before every worker refused; workers refusing: {}",
        crashes.len(),
        first_refusal.len()
    );
    assert!(crashes.len() >= 3, "three strikes before the quarantine");
    assert_eq!(first_refusal.len(), 3, "every worker answers quarantined");
    let third = crashes[2];
    for (worker, at) in &first_refusal {
        assert!(
            at.saturating_duration_since(third) <= Duration::from_secs(1),
            "{worker} refused {:?} after the third crash",
            at.saturating_duration_since(third)
        );
    }
    // The refusal names the code; the CLI lists it.
    let message = refusal["error"]["message"].as_str().unwrap_or_default();
    let listed = warren(&["quarantine", "list", "--queue", &queue, "--json"]);
    let listed: Value = serde_json::from_str(&listed).expect("list is JSON");
    let code = listed[0]["code"]
        .as_str()
        .expect("one code listed")
        .to_owned();
    assert_eq!(listed[0]["strikes"], 3, "{listed}");
    assert!(message.contains(&code), "{message}");

    // A worker started now reads the quarantine from the stream.
    for worker in &mut workers {
        worker.signal(libc::SIGTERM);
        worker.wait_exit(Duration::from_secs(30)).await;
    }
    drain(&mut client).await;
    let fresh = WorkerProcess::spawn_program(hooks.clone(), &queue, &flags);
    assert!(fresh.wait_ready(Duration::from_secs(60)).await);
    client.publish(&queue, crashing_job("after-restart")).await;
    let (result, _) = client
        .next_result(Duration::from_secs(20))
        .await
        .expect("a result");
    assert_eq!(result["error"]["kind"], "quarantined", "{result}");

    // Released, it runs again (and crashes again).
    let released = warren(&["quarantine", "release", &code, "--queue", &queue]);
    assert!(released.contains("released"), "{released}");
    let mut ran = None;
    for n in 0..20 {
        client
            .publish(&queue, crashing_job(&format!("released-{n}")))
            .await;
        let (result, _) = client
            .next_result(Duration::from_secs(20))
            .await
            .expect("a result");
        if result["error"]["kind"] == "crash" {
            ran = Some(n);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ran.is_some(), "the released code ran again");
    drop(fresh);
    client.delete_pool_queues(&queue).await;
}

fn crashing_job(id: &str) -> Publish {
    Publish::job(
        &format!("warren-test-sandbox-abort-{id}"),
        &json!({"code": CRASHING, "input": null}),
    )
}

/// Reads the results still coming, until none for a moment.
async fn drain(client: &mut TestClient) {
    while client
        .next_result(Duration::from_millis(500))
        .await
        .is_some()
    {}
}

/// Runs the `warren` CLI against the test broker; its standard output.
fn warren(args: &[&str]) -> String {
    let out = std::process::Command::new(warren_tests::process::binary("warren"))
        .args(args)
        .args(["--amqp-url", &warren_tests::amqp_url()])
        .output()
        .expect("run warren");
    assert_eq!(
        out.status.code(),
        Some(0),
        "warren {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
