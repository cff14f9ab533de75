//! A fleet on a three-node RabbitMQ cluster (`scripts/cluster.sh`), its jobs queue a
//! quorum queue replicated on every node: broker nodes fail under steady load and no
//! job is lost or failed, and every worker is consuming again within 10 s of losing
//! its node. Duplicates are allowed (results are at-least-once) and counted.
//!
//! The test command runs these alone, one at a time, after the fleet suite: they
//! stop and start the cluster's nodes, which every test here shares.

use std::time::Duration;

use serde_json::json;
use warren_tests::cluster::{self, ClusterJob, Readiness};
use warren_tests::fleet::Tally;
use warren_tests::process::WorkerProcess;
use warren_tests::{http_get, unique_queue};

/// A little CPU per job, so jobs are in flight when a node goes.
const CODE: &str =
    "export default (n) => { let x = 0; for (let i = 0; i < 200000; i++) x += i % 7; return n; }";

/// Jobs per second the scenarios publish.
const RATE: usize = 40;

/// How long a worker may be without its broker.
const BACK_WITHIN: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_a_worker_fails_over_between_two_addresses_when_one_node_stops() {
    cluster::up();
    let queue = unique_queue("cluster-failover");
    let results = format!("{queue}.results");
    cluster::declare_results_queue(&results).await;
    let (one, two) = (cluster::url(1), cluster::url(2));
    let worker = WorkerProcess::spawn(&queue, &["--amqp-url", &one, "--amqp-url", &two]);
    assert!(
        worker.wait_ready(Duration::from_secs(30)).await,
        "worker ready"
    );
    let first = broker_of(&worker).await.expect("/readyz names its broker");
    let other = if first == 1 { 2 } else { 1 };

    cluster::stop(first);
    let moved = warren_tests::eventually(BACK_WITHIN, || async {
        is_ready(&worker).await && broker_of(&worker).await == Some(other)
    })
    .await;
    let tally = cluster::load_through(&queue, &results, jobs("failover", 20), RATE, async {}).await;
    cluster::start(first);
    cluster::delete_queue(&results);
    delete_pool_queues(&queue);

    assert!(
        moved,
        "the worker moved from node {first} to node {other} within {BACK_WITHIN:?}"
    );
    tally.report("failover between two addresses");
    assert_eq!((tally.lost(), tally.failed()), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_fleet_survives_the_jobs_queue_leader_being_killed() {
    let fleet = Fleet::start("cluster-kill-leader").await;
    let queue = fleet.queue.clone();
    let (tally, readiness) = fleet
        .under_load(15, async move {
            tokio::time::sleep(Duration::from_secs(3)).await;
            let leader = cluster::leader(&queue).expect("the jobs queue has a leader");
            println!("killing node {leader}, the jobs queue's leader");
            cluster::kill(leader);
            tokio::time::sleep(Duration::from_secs(4)).await;
            cluster::start(leader);
        })
        .await;
    fleet.finish("kill the leader", &tally, &readiness);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_fleet_survives_a_node_stopped_cleanly() {
    let fleet = Fleet::start("cluster-stop-node").await;
    let node = broker_of(&fleet.workers[0]).await.unwrap_or(1);
    let (tally, readiness) = fleet
        .under_load(15, async move {
            tokio::time::sleep(Duration::from_secs(3)).await;
            println!("stopping node {node} cleanly");
            cluster::stop(node);
            tokio::time::sleep(Duration::from_secs(4)).await;
            cluster::start(node);
        })
        .await;
    fleet.finish("stop a node cleanly", &tally, &readiness);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_fleet_survives_a_rolling_restart_of_every_node() {
    let fleet = Fleet::start("cluster-rolling").await;
    let (tally, readiness) = fleet
        .under_load(35, async {
            tokio::time::sleep(Duration::from_secs(2)).await;
            for node in cluster::NODES {
                // As in a rolling upgrade: never take down a node a quorum depends on.
                assert!(
                    cluster::wait_not_quorum_critical(node, Duration::from_secs(60)).await,
                    "node {node} stayed quorum-critical"
                );
                println!("restarting node {node}");
                cluster::stop(node);
                tokio::time::sleep(Duration::from_secs(1)).await;
                cluster::start(node);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
        .await;
    fleet.finish("rolling restart", &tally, &readiness);
}

/// Three workers of two slots, each given every node's address.
struct Fleet {
    queue: String,
    results: String,
    workers: Vec<WorkerProcess>,
}

impl Fleet {
    async fn start(name: &str) -> Fleet {
        cluster::up();
        let queue = unique_queue(name);
        let results = format!("{queue}.results");
        cluster::declare_results_queue(&results).await;
        let urls: Vec<String> = cluster::NODES.into_iter().map(cluster::url).collect();
        let mut args = Vec::new();
        for url in &urls {
            args.extend(["--amqp-url", url.as_str()]);
        }
        let workers: Vec<WorkerProcess> = (0..3)
            .map(|_| WorkerProcess::spawn(&queue, &args))
            .collect();
        for worker in &workers {
            assert!(
                worker.wait_ready(Duration::from_secs(30)).await,
                "worker ready"
            );
        }
        let mut nodes = Vec::new();
        for worker in &workers {
            nodes.push(broker_of(worker).await);
        }
        println!("{name}: workers on nodes {nodes:?}");
        Fleet {
            queue,
            results,
            workers,
        }
    }

    /// `seconds` of steady load while `faults` runs; readiness watched throughout.
    async fn under_load(
        &self,
        seconds: usize,
        faults: impl std::future::Future<Output = ()>,
    ) -> (Tally, Vec<Readiness>) {
        let (watching, watcher) =
            cluster::watch_readiness(self.workers.iter().map(|w| w.metrics_addr).collect());
        let tally = cluster::load_through(
            &self.queue,
            &self.results,
            jobs(&self.queue, seconds * RATE),
            RATE,
            faults,
        )
        .await;
        watching.store(false, std::sync::atomic::Ordering::Relaxed);
        (tally, watcher.await.expect("watcher"))
    }

    fn finish(self, scenario: &str, tally: &Tally, readiness: &[Readiness]) {
        for (i, worker) in self.workers.iter().enumerate() {
            let metrics = futures_lite::future::block_on(http_get(worker.metrics_addr, "/metrics"))
                .map(|(_, body)| body)
                .unwrap_or_default();
            let count = |name: &str, labels: &[(&str, &str)]| {
                warren_tests::metric(&metrics, name, labels).unwrap_or(0.0)
            };
            println!(
                "{scenario}: worker {i} results nacked {} failed {} returned {}, reconnects {}",
                count("warren_results_published_total", &[("result", "nacked")]),
                count("warren_results_published_total", &[("result", "failed")]),
                count("warren_results_published_total", &[("result", "returned")]),
                count("warren_broker_reconnects_total", &[]),
            );
        }
        tally.report(scenario);
        let dead = cluster::messages_in(&warren_wire::dead_letter_queue(&self.queue));
        let most = tally
            .results
            .values()
            .filter_map(|r| r["stats"]["attempt"].as_u64())
            .max();
        println!("{scenario}: dead-lettered {dead:?}, most attempts {most:?}");
        for (i, seen) in readiness.iter().enumerate() {
            println!(
                "{scenario}: worker {i} on nodes {:?}, longest not ready {:?}",
                seen.nodes, seen.longest_not_ready
            );
        }
        cluster::delete_queue(&self.results);
        delete_pool_queues(&self.queue);
        assert_eq!(tally.lost(), 0, "{scenario}: jobs lost");
        assert_eq!(tally.failed(), 0, "{scenario}: jobs failed");
        for (i, seen) in readiness.iter().enumerate() {
            assert!(
                seen.longest_not_ready <= BACK_WITHIN,
                "{scenario}: worker {i} was not ready for {:?}",
                seen.longest_not_ready
            );
        }
    }
}

fn jobs(prefix: &str, total: usize) -> Vec<ClusterJob> {
    (0..total)
        .map(|n| ClusterJob {
            id: format!("{prefix}-{n}"),
            body: serde_json::to_vec(&json!({"code": CODE, "input": n})).expect("json"),
        })
        .collect()
}

fn delete_pool_queues(queue: &str) {
    for name in warren_wire::pool_queues(queue) {
        cluster::delete_queue(&name);
    }
}

async fn is_ready(worker: &WorkerProcess) -> bool {
    matches!(http_get(worker.metrics_addr, "/readyz").await, Ok((200, _)))
}

/// The node a worker's `/readyz` names.
async fn broker_of(worker: &WorkerProcess) -> Option<u8> {
    let (_, body) = http_get(worker.metrics_addr, "/readyz").await.ok()?;
    cluster::node_in_readyz(&body)
}
