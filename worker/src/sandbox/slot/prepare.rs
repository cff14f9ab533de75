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

use crate::sandbox::run::{LiveJob, SlotEnv};
use crate::sandbox::setup::SlotSetup;

/// Idle prepared jobs a slot keeps (more are made while jobs wait on timers and
/// `fetch`, and freed as they come back).
const MAX_SPARE: usize = 4;

/// A slot's spare prepared jobs.
#[derive(Default)]
pub struct Preparer {
    spare: Vec<LiveJob>,
}

impl Preparer {
    /// A fresh, prepared job runtime for the next job: a spare if there is one.
    pub fn take(&mut self, setup: &SlotSetup) -> LiveJob {
        self.spare.pop().unwrap_or_else(|| prepare(setup))
    }

    /// Prepares a spare unless one is ready; call when the slot has nothing to do.
    pub fn prepare_ahead(&mut self, setup: &SlotSetup) {
        if self.spare.is_empty() {
            self.spare.push(prepare(setup));
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
}

fn prepare(setup: &SlotSetup) -> LiveJob {
    let env = SlotEnv {
        host: &setup.host,
        table: &setup.modules,
        fetch: setup.fetch.as_ref(),
        limits: setup.limits.for_job(&JobLimits::default()),
        allow_eval: setup.allow_eval,
    };
    let snapshot = if setup.snapshots {
        LiveJob::snapshot(env)
    } else {
        None
    };
    snapshot.unwrap_or_else(|| LiveJob::prepare(env))
}
