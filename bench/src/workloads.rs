//! The fixed workloads, and cleaning up after them.

use std::sync::Arc;

use serde_json::json;
use warren_cli::loadgen::JobMaker;
use warren_client::JobSpec;

/// One workload: a job (or a job per index) and how many to run at full scale.
pub struct Workload {
    pub name: &'static str,
    pub job: JobSpec,
    pub vary: Option<JobMaker>,
    pub jobs: usize,
    /// Every job is submitted at once (a backlog), not a few in flight at a time.
    pub backlog: bool,
    /// Only the first worker of the fleet is up when the jobs are submitted; the
    /// others start half a second later.
    pub joining: bool,
    /// A package of the corpus (`tests/packages`) the workers allow and preload.
    pub library: Option<&'static str>,
}

/// A function of about 50 KB: many small helpers, one of them called.
fn body_50kb() -> String {
    let mut code = String::from("const helpers = {\n");
    let mut n = 0;
    while code.len() < 50_000 {
        code.push_str(&format!(
            "  h{n}(x) {{ const y = x * {n} + 1; return y % 7 === 0 ? 'seven' : String(y).padStart(8, '0'); }},\n"
        ));
        n += 1;
    }
    code.push_str("};\nexport default (x) => helpers.h3(x);\n");
    code
}

impl Workload {
    pub fn trivial() -> Workload {
        Workload {
            name: "trivial",
            job: JobSpec::new("export default (n) => n + 1", json!(1)),
            vary: None,
            jobs: 20_000,
            backlog: false,
            joining: false,
            library: None,
        }
    }

    /// Jobs that import lodash-es (about 650 modules), which the workers preload.
    pub fn lodash() -> Workload {
        Workload {
            name: "lodash-es import",
            job: JobSpec::new(
                "import { chunk } from 'lodash-es'; export default (n) => chunk([n, n + 1, n + 2], 2).length",
                json!(1),
            ),
            library: Some("lodash-es"),
            ..Workload::trivial()
        }
    }

    pub fn all() -> Vec<Workload> {
        let body = body_50kb();
        let uncached = body.clone();
        vec![
            Workload::trivial(),
            Workload::lodash(),
            Workload {
                name: "async, 3 awaits",
                job: JobSpec::new(
                    "export default async (n) => { let x = n; for (let i = 0; i < 3; i++) x = await Promise.resolve(x + 1); return x }",
                    json!(1),
                ),
                vary: None,
                jobs: 10_000,
                backlog: false,
                joining: false,
                library: None,
            },
            Workload {
                name: "50 KB body, cached",
                job: JobSpec::new(&body, json!(5)),
                vary: None,
                jobs: 5_000,
                backlog: false,
                joining: false,
                library: None,
            },
            Workload {
                name: "50 KB body, never seen",
                job: JobSpec::new(&body, json!(5)),
                // A different comment per job: a different hash, a cache miss.
                vary: Some(JobMaker(Arc::new(move |n| {
                    JobSpec::new(format!("// job {n}\n{uncached}"), json!(5))
                }))),
                jobs: 2_000,
                backlog: false,
                joining: false,
                library: None,
            },
            Workload {
                name: "5 ms of CPU",
                job: JobSpec::new(
                    "export default () => { const end = Date.now() + 5; let n = 0; while (Date.now() < end) n++; return n > 0 }",
                    json!(null),
                ),
                vary: None,
                jobs: 2_000,
                backlog: false,
                joining: false,
                library: None,
            },
            Workload {
                name: "mix, 10% failing",
                job: JobSpec::new("export default (n) => n + 1", json!(1)),
                vary: Some(JobMaker(Arc::new(|n| {
                    if n % 10 == 9 {
                        JobSpec::new(
                            "export default (n) => { throw new Error('failed ' + n) }",
                            json!(n),
                        )
                    } else {
                        JobSpec::new("export default (n) => n + 1", json!(n))
                    }
                }))),
                jobs: 10_000,
                backlog: false,
                joining: false,
                library: None,
            },
        ]
    }
}

/// A job that computes for `ms` milliseconds (by the clock, so jobs sharing a core
/// still take that long).
const COMPUTE_FOR: &str = "export default (ms) => { const end = Date.now() + ms; let n = 0; while (Date.now() < end) n++; return ms }";

impl Workload {
    /// A backlog of jobs of 1 ms each.
    pub fn backlog_1ms() -> Workload {
        Workload {
            name: "backlog, 1 ms each",
            job: JobSpec::new(COMPUTE_FOR, json!(1)),
            vary: None,
            jobs: 5_000,
            backlog: true,
            joining: false,
            library: None,
        }
    }

    /// A backlog of jobs of 20 ms each, all of one tenant.
    pub fn backlog_20ms() -> Workload {
        let mut job = JobSpec::new(COMPUTE_FOR, json!(20));
        job.tenant = Some("a".into());
        Workload {
            name: "backlog, 20 ms each",
            job,
            jobs: 2_000,
            ..Workload::backlog_1ms()
        }
    }

    /// A backlog of trivial jobs.
    pub fn backlog_trivial() -> Workload {
        Workload {
            name: "backlog, trivial",
            backlog: true,
            ..Workload::trivial()
        }
    }

    /// A backlog of `jobs` jobs of a second each, one per slot of the fleet, found by
    /// one worker while the others are still starting (a scale-up, a rolling
    /// restart). A worker that takes more jobs than it has slots makes them wait for
    /// its slots while the others, once up, find nothing to do.
    pub fn backlog_joining(jobs: usize) -> Workload {
        Workload {
            name: "backlog, 1 s each, workers joining",
            job: JobSpec::new(COMPUTE_FOR, json!(1000)),
            vary: None,
            jobs,
            backlog: true,
            joining: true,
            library: None,
        }
    }
}

/// Deletes a workload's queues (jobs and dead letters).
pub async fn delete_queues(amqp_url: &str, queue: &str) {
    let Ok(connection) = warren_amqp::connect(amqp_url, "warren-bench").await else {
        return;
    };
    if let Ok(channel) = connection.create_channel().await {
        for name in warren_wire::pool_queues(queue) {
            let _ = channel
                .queue_delete(
                    name.as_str().into(),
                    lapin::options::QueueDeleteOptions::default(),
                )
                .await;
        }
    }
    let _ = connection.close(200, "OK".into()).await;
}
