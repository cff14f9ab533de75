//! A slot's next runtime and context, made ready while the slot is idle.
//!
//! Creating a job's runtime and context and running the prelude in it is most of what
//! a small job costs, and none of it depends on the job. A slot with nothing to do
//! prepares the context its next job will get, so a job that finds its slot idle
//! only pays for loading and calling its own code. Every prepared context serves
//! exactly one job: this moves work off the job's latency, never state between jobs.
//!
//! Preparing on a second thread was tried and dropped: handing a runtime between
//! cores cost more than the overlap saved on these machines (see docs/BENCHMARKS.md).

use warren_wire::JobLimits;

use crate::sandbox::run::{LiveJob, SlotEnv};
use crate::sandbox::setup::SlotSetup;

/// A slot's spare prepared context.
#[derive(Default)]
pub struct Preparer {
    spare: Option<LiveJob>,
}

impl Preparer {
    /// A fresh, prepared job runtime for the next job: the spare if there is one.
    pub fn take(&mut self, setup: &SlotSetup) -> LiveJob {
        self.spare.take().unwrap_or_else(|| prepare(setup))
    }

    /// Prepares the spare unless it is ready; call when the slot has nothing to do.
    pub fn prepare_ahead(&mut self, setup: &SlotSetup) {
        if self.spare.is_none() {
            self.spare = Some(prepare(setup));
        }
    }
}

fn prepare(setup: &SlotSetup) -> LiveJob {
    LiveJob::prepare(SlotEnv {
        host: &setup.host,
        table: &setup.modules,
        fetch: setup.fetch.as_ref(),
        limits: setup.limits.for_job(&JobLimits::default()),
        allow_eval: setup.allow_eval,
    })
}
