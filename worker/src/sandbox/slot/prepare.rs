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
//! per job it runs or parks at once; it keeps at most [`MAX_SPARE`] idle ones, and
//! past the first no more than [`SPARE_BYTES`] of pictures.
//!
//! A snapshot with the pool's packages in it (`run::preload`) can take long to make:
//! it is made before the slot's first job (a sandbox process says it is ready only
//! then), and later only while the slot has no other job, before a new job's clock
//! starts, and then only if none took a quarter of the job's
//! timeout. A job that finds no spare otherwise gets one made at once from a snapshot
//! without the packages (quick, and the same global object every job sees; it loads
//! what it imports itself, as without snapshots), freed after its job rather than
//! kept. A package that cannot be preloaded is left out from then on, with a warning.
//!
//! Preparing on a second thread was tried and dropped: handing a runtime between
//! cores cost more than the overlap saved on these machines (see docs/BENCHMARKS.md).

use std::time::{Duration, Instant};

use warren_wire::JobLimits;

use crate::sandbox::modules::resolution::Kind;
use crate::sandbox::run::snapshot::NoSnapshot;
use crate::sandbox::run::{LiveJob, SlotEnv};
use crate::sandbox::setup::SlotSetup;

/// Idle prepared jobs a slot keeps (more are made while jobs wait on timers and
/// `fetch`, and freed as they come back).
const MAX_SPARE: usize = 4;

/// The most bytes of pictures a slot's idle prepared jobs hold, the first one aside.
/// Each also keeps about as much of its arena in memory.
const SPARE_BYTES: usize = 64 << 20;

/// A slot's spare prepared jobs.
#[derive(Default)]
pub struct Preparer {
    spare: Vec<LiveJob>,
    /// Preparing in an arena failed for a reason that does not pass (the pool's
    /// memory limit is too small for it): every runtime is built afresh.
    no_snapshots: bool,
    /// The pool's packages, in each form job code can load them in, less those that
    /// could not be preloaded (made on first use).
    packages: Option<Vec<(String, Kind)>>,
    /// How long the slowest prepared job took to make.
    took: Duration,
}

impl Preparer {
    /// A fresh, prepared job runtime for the next job: a spare if there is one.
    pub fn take(&mut self, setup: &SlotSetup) -> LiveJob {
        if let Some(job) = self.spare.pop() {
            return job;
        }
        if self.packages(setup).is_empty() {
            self.prepare(setup)
        } else {
            // Preloading may take long: not while a job waits. A snapshot without the
            // packages is quick, and gives the job the global object every other job
            // sees; it is freed after the job, not kept as a spare.
            self.make(setup, false)
        }
    }

    /// Prepares a spare unless one is ready; call when the slot has nothing to do.
    /// `idle`: no job waits on the slot either, so preloading packages delays none.
    pub fn prepare_ahead(&mut self, setup: &SlotSetup, idle: bool) {
        if !self.spare.is_empty() || !(idle || self.packages(setup).is_empty()) {
            return;
        }
        let job = self.prepare(setup);
        self.spare.push(job);
    }

    /// Takes back a finished job (its report sent): restored for another job when it
    /// can be, else freed. `sound` is false when the job's engine state may be
    /// corrupt (a panic unwound through it): such a runtime is only freed.
    pub fn give_back(&mut self, job: LiveJob, sound: bool) {
        if !sound || self.spare.len() >= MAX_SPARE {
            return;
        }
        // One made without the pool's packages, for a job that could not wait for them.
        if !job.preloaded() && self.packages.as_ref().is_some_and(|left| !left.is_empty()) {
            return;
        }
        let held: usize = self.spare.iter().map(LiveJob::picture_bytes).sum();
        if !self.spare.is_empty() && held + job.picture_bytes() > SPARE_BYTES {
            return;
        }
        if let Some(job) = job.recycle() {
            self.spare.push(job);
        }
    }

    /// How long the slowest prepared job took to make.
    pub fn took(&self) -> Duration {
        self.took
    }

    /// A new prepared job: from a snapshot unless they are off or cannot be made.
    fn prepare(&mut self, setup: &SlotSetup) -> LiveJob {
        let started = Instant::now();
        let job = self.make(setup, true);
        // The slowest so far: one quick fallback says nothing of the next snapshot.
        self.took = self.took.max(started.elapsed());
        job
    }

    /// A prepared job from a snapshot, with the pool's packages if `preload`; built
    /// afresh when snapshots are off or cannot be made.
    fn make(&mut self, setup: &SlotSetup, preload: bool) -> LiveJob {
        while setup.snapshots && !self.no_snapshots {
            let packages = if preload { self.packages(setup) } else { &[] };
            match LiveJob::snapshot(env(setup), packages) {
                Ok(job) => return job,
                Err(NoSnapshot::Unprepared) => self.no_snapshots = true,
                Err(NoSnapshot::NoRoom) => break,
                Err(NoSnapshot::Package { package, form, why }) => {
                    tracing::warn!(
                        package,
                        %form,
                        "the package is not preloaded into the snapshot, so every job that loads it this way evaluates it: {why}"
                    );
                    if let Some(packages) = &mut self.packages {
                        packages.retain(|left| *left != (package.clone(), form));
                    }
                }
            }
        }
        LiveJob::prepare(env(setup))
    }

    /// The packages to preload, in the forms job code finds them in.
    fn packages(&mut self, setup: &SlotSetup) -> &[(String, Kind)] {
        self.packages.get_or_insert_with(|| {
            let mut packages = Vec::new();
            for package in setup.preload.iter() {
                for kind in Kind::ALL {
                    if setup.modules.finds(package, kind) {
                        packages.push((package.clone(), kind));
                    }
                }
            }
            packages
        })
    }
}

/// What a prepared job of the slot is made with.
fn env(setup: &SlotSetup) -> SlotEnv<'_> {
    SlotEnv {
        host: &setup.host,
        table: &setup.modules,
        fetch: setup.fetch.as_ref(),
        limits: setup.limits.for_job(&JobLimits::default()),
        allow_eval: setup.allow_eval,
    }
}
