//! What the sandbox's parts hand each other about one job: the request, the report
//! of its run, and the task the engine queues. A leaf: it knows nothing of how a job
//! runs or where.

use std::time::Duration;

use serde_json::value::RawValue;
use tokio::sync::oneshot;
use warren_wire::{ErrorKind, JobLimits, JobResult, LogEntry, Outcome, Stats};

/// One job for the engine.
#[derive(Debug, Clone)]
pub struct JobRequest {
    pub job_id: String,
    pub attempt: u32,
    pub code: String,
    pub input: Box<RawValue>,
    pub limits: JobLimits,
}

/// Everything the sandbox reports about one run.
#[derive(Debug)]
pub struct RunReport {
    pub outcome: Outcome,
    pub logs: Vec<LogEntry>,
    pub wall: Duration,
    /// Time the job held its slot (running, not waiting): what it costs the slot,
    /// which the pool's prefetch window follows.
    pub busy: Duration,
    pub memory_peak_bytes: u64,
}

impl RunReport {
    /// The result body a worker publishes for this run of job `job_id`.
    pub fn into_result(self, job_id: String, attempt: u32, worker: &str) -> JobResult {
        JobResult::new(
            job_id,
            self.outcome,
            self.logs,
            Stats::measured(self.wall, Some(self.memory_peak_bytes), attempt),
            worker.to_owned(),
        )
    }
}

/// Whether a job's code was compiled, or found compiled in the slot's cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheUse {
    Hit,
    Miss,
}

/// What the engine reports for a job.
#[derive(Debug)]
pub struct JobReport {
    pub run: RunReport,
    /// Whether the code's bytecode came from the cache (`None` if it never got that far).
    pub cache: Option<CacheUse>,
    /// How the job broke its sandbox, if it did: a strike against its code (see the
    /// pool's quarantine).
    pub broke: Option<SandboxBreak>,
}

/// How a job broke its sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SandboxBreak {
    /// Its sandbox process (or thread) died under it.
    Crash,
    /// The watchdog had to kill its sandbox process (or give up on its thread).
    Watchdog,
}

impl SandboxBreak {
    pub fn as_str(self) -> &'static str {
        match self {
            SandboxBreak::Crash => "crash",
            SandboxBreak::Watchdog => "watchdog",
        }
    }
}

/// A job handed to a slot, with where to send its report.
pub struct Task {
    pub request: JobRequest,
    pub reply: oneshot::Sender<JobReport>,
    /// Sandbox processes that died while holding this job (it is started again).
    pub deaths: u32,
}

/// A report of a job that failed outside its own code.
pub fn failed(kind: ErrorKind, message: impl Into<String>) -> JobReport {
    JobReport {
        run: RunReport {
            outcome: Outcome::error(kind, message),
            logs: Vec::new(),
            wall: Duration::ZERO,
            busy: Duration::ZERO,
            memory_peak_bytes: 0,
        },
        cache: None,
        broke: None,
    }
}

/// A report of a job that broke its sandbox.
pub fn broken(kind: ErrorKind, message: impl Into<String>, how: SandboxBreak) -> JobReport {
    JobReport {
        broke: Some(how),
        ..failed(kind, message)
    }
}

/// The report of a job whose run panicked inside its slot after running for `wall`.
pub fn crash_report(wall: Duration) -> JobReport {
    let mut report = broken(
        ErrorKind::Crash,
        "the sandbox failed while running the job",
        SandboxBreak::Crash,
    );
    report.run.wall = wall;
    report.run.busy = wall;
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_becomes_the_result_body() {
        let run = RunReport {
            outcome: Outcome::Ok(warren_wire::job::null_value()),
            logs: Vec::new(),
            wall: Duration::from_micros(1500),
            busy: Duration::from_micros(1500),
            memory_peak_bytes: 4096,
        };
        let result = run.into_result("j".into(), 3, "w");
        assert_eq!(result.label(), Some("ok"));
        assert_eq!(
            result.stats,
            Stats {
                wall_ms: 1.5,
                memory_peak_bytes: Some(4096),
                attempt: 3
            }
        );
        assert_eq!((result.job_id.as_str(), result.worker.as_str()), ("j", "w"));
    }
}
