//! A slot's next runtime and context, made ready while the slot is idle.
//!
//! Creating a job's runtime and context and running the prelude in it is most of what
//! a small job costs, and none of it depends on the job. So a slot keeps prepared
//! jobs ready:
//! - by default, made once each from a snapshot (`run::snapshot`) and restored after
//!   every job, which costs a copy of the snapshot's bytes instead of a build;
//! - with snapshots off (or when one cannot be made), built afresh for every job, the
//!   next one while the slot is idle, so a job that finds its slot idle only pays for
//!   loading and calling its own code.
//!
//! Either way every job starts in a runtime in which no other job ran: this moves
//! work off the job's latency, never state between jobs. A slot holds one prepared job
//! per job it runs or parks at once; it keeps at most [`MAX_SPARE`] idle ones.
//!
//! Preparing on a second thread was tried and dropped: handing a runtime between
//! cores cost more than the overlap saved on these machines (see docs/BENCHMARKS.md).

use warren_wire::JobLimits;

use crate::sandbox::run::snapshot::NoSnapshot;
use crate::sandbox::run::{LiveJob, SlotEnv};
use crate::sandbox::setup::SlotSetup;

/// Idle prepared jobs a slot keeps (more are made while jobs wait on timers and
/// `fetch`, and freed as they come back).
const MAX_SPARE: usize = 4;

/// A slot's spare prepared jobs.
#[derive(Default)]
pub struct Preparer {
    spare: Vec<LiveJob>,
    /// Preparing in an arena failed for a reason that does not pass (the pool's
    /// memory limit is too small for it): every runtime is built afresh.
    no_snapshots: bool,
}

impl Preparer {
    /// A fresh, prepared job runtime for the next job: a spare if there is one.
    pub fn take(&mut self, setup: &SlotSetup) -> LiveJob {
        match self.spare.pop() {
            Some(job) => job,
            None => self.prepare(setup),
        }
    }

    /// Prepares a spare unless one is ready; call when the slot has nothing to do.
    pub fn prepare_ahead(&mut self, setup: &SlotSetup) {
        if self.spare.is_empty() {
            let job = self.prepare(setup);
            self.spare.push(job);
        }
    }

    /// Takes back a finished job (its report sent): restored for another job when it
    /// can be, else freed. `sound` is false when the job's engine state may be
    /// corrupt (a panic unwound through it): such a runtime is only freed.
    pub fn give_back(&mut self, job: LiveJob, sound: bool) {
        if !sound || self.spare.len() >= MAX_SPARE {
            return;
        }
        if let Some(job) = job.recycle() {
            self.spare.push(job);
        }
    }

    /// A new prepared job: from a snapshot unless they are off or cannot be made.
    fn prepare(&mut self, setup: &SlotSetup) -> LiveJob {
        let env = SlotEnv {
            host: &setup.host,
            table: &setup.modules,
            fetch: setup.fetch.as_ref(),
            limits: setup.limits.for_job(&JobLimits::default()),
            allow_eval: setup.allow_eval,
        };
        if setup.snapshots && !self.no_snapshots {
            match LiveJob::snapshot(env) {
                Ok(job) => return job,
                Err(NoSnapshot::Unprepared) => self.no_snapshots = true,
                Err(NoSnapshot::NoRoom) => {}
            }
        }
        LiveJob::prepare(env)
    }
}
