//! A job's runtime restored from a snapshot instead of built afresh.
//!
//! [`LiveJob::snapshot`] builds a prepared job (runtime, context, prelude, every host
//! function and native module, and the operator's packages the pool preloads:
//! `preload`) with all of its runtime's memory in one [`Arena`], and takes a picture
//! of that memory. After the job has run and its report is sent,
//! [`LiveJob::recycle`] puts the picture back: the heap is again, byte for byte, what
//! it was before any job ran (everything the job allocated after it is cleared), and
//! the Rust state the heap's host functions share is reset to match. The same prepared
//! job then serves the next job, for the cost of copying the picture.
//!
//! What lives outside the arena, and why a restored runtime is still fresh:
//! - Host functions' closures (Rust heap): made only while preparing, never freed by
//!   a job (`runtime::pins`); a job that made one anyway is freed, not recycled.
//! - The state they share (logs, deadline, clock, limits, meter, module graph, fetch
//!   book, waits, lazily added intrinsics): reset here, to the values it had when the
//!   picture was taken.
//! - `Math.random`: a generator kept in the runtime's Rust state and reseeded as each
//!   job starts (`runtime::random`), not the context's seeded-once state.
//! - Nothing else of rquickjs's per-runtime bookkeeping changes after preparation.
//!
//! A prepared job that is not recycled (a panic went through it, it made host
//! functions of its own, the slot has spares enough, or the slot ends) is freed the
//! ordinary way, by QuickJS, from whatever state it is in: every Rust box its heap
//! reaches is still alive then (the pins are released, with the runtime's userdata,
//! before QuickJS frees the heap), and the arena is unmapped after the runtime.

use std::rc::Rc;
use std::time::Instant;

use super::live::{GC_THRESHOLD, LiveJob, SlotEnv, UNSTARTED_DEADLINE};
use super::picture::Snapshot;
use crate::sandbox::globals::console::LogSink;
use crate::sandbox::globals::lazy;
use crate::sandbox::modules::resolution::Kind;
use crate::sandbox::runtime::arena::Arena;
use crate::sandbox::runtime::{intrinsics, pins};

/// Room in an arena beyond twice the job's memory limit (a block being moved by a
/// `realloc` is held twice for a moment): the prepared runtime itself and the
/// allocator's own overhead. Reserved, not committed: only what is written costs.
const ARENA_SLACK: usize = 16 << 20;

impl LiveJob {
    /// A prepared job whose runtime can be restored after each job, with `packages`
    /// loaded in each of their forms, or why none was made (a job prepared the ordinary
    /// way then serves, and reports any failure).
    pub fn snapshot(slot: SlotEnv<'_>, packages: &[(String, Kind)]) -> Result<LiveJob, NoSnapshot> {
        // The job's memory (twice: a block being moved by a `realloc` is held twice
        // for a moment), on top of packages that may take as much again.
        let times = if packages.is_empty() { 2 } else { 3 };
        let len = slot.limits.memory_bytes.saturating_mul(times);
        let arena = Arena::new(len.saturating_add(ARENA_SLACK)).map_err(|_| NoSnapshot::NoRoom)?;
        let arena = Rc::new(arena);
        let mut job = LiveJob::build(slot, Some(arena.clone()));
        // Preparation that hit the memory limit (even if QuickJS got over it) is not
        // a state to start every job from.
        if job.unprepared.is_some() || job.state.meter.exceeded() {
            return Err(NoSnapshot::Unprepared);
        }
        for (package, form) in packages {
            job.preload(package, *form)
                .map_err(|why| NoSnapshot::Package {
                    package: package.clone(),
                    form: *form,
                    why,
                })?;
        }
        let context = job.context.as_ref().ok_or(NoSnapshot::Unprepared)?;
        let (intrinsics, pins) = context.with(|ctx| (intrinsics::added(&ctx), pins::count(&ctx)));
        if let Some(runtime) = &job.runtime {
            // What preparing and loading left behind, not kept in every job's heap.
            runtime.run_gc();
            // QuickJS collects once it holds more than the threshold, which preparing
            // left at whatever it was: every job may allocate the same before its
            // first collection (which touches the whole heap), whatever the picture.
            let used = job.state.meter.used();
            runtime.set_gc_threshold(used + GC_THRESHOLD.max(used / 2));
        }
        job.state.meter.set_baseline();
        arena.plug_holes();
        job.snapshot = Some(Snapshot {
            image: arena.capture(),
            arena,
            modules: job.state.modules.copy(),
            intrinsics,
            pins,
            limits: slot.limits,
            packages: !packages.is_empty(),
        });
        // What preloading logged or recorded is not the first job's.
        job.reset_host_state();
        Ok(job)
    }

    /// Whether this prepared job's snapshot holds preloaded packages.
    pub fn preloaded(&self) -> bool {
        self.snapshot
            .as_ref()
            .is_some_and(|snapshot| snapshot.packages)
    }

    /// The bytes of the picture this prepared job is restored from (0 if none).
    pub fn picture_bytes(&self) -> usize {
        self.snapshot
            .as_ref()
            .map_or(0, |snapshot| snapshot.image.len())
    }

    /// After its report is taken: this prepared job again, restored for the next job,
    /// or `None` when it cannot be (it was not made from a snapshot, or its job made
    /// host functions of its own); it is then freed the ordinary way.
    pub fn recycle(mut self) -> Option<LiveJob> {
        let snapshot = self.snapshot.as_ref()?;
        let context = self.context.as_ref()?;
        if context.with(|ctx| pins::count(&ctx)) != snapshot.pins {
            return None;
        }
        // References into the heap taken after the picture: the restore takes the
        // values they refer to (and their counts) back to before they existed.
        if let Some(handles) = &mut self.handles
            && let Some(promise) = handles.promise.take()
        {
            std::mem::forget(promise);
        }
        // SAFETY: the picture is of this arena; the only references into the heap kept
        // past this point (the context, the runtime, the hooks, the pins) were all
        // taken before the picture, and the job's own are forgotten above.
        unsafe { snapshot.arena.restore(&snapshot.image) };
        self.reset_host_state();
        Some(self)
    }

    /// Resets the Rust state the heap's host functions share to what it was when the
    /// picture was taken.
    fn reset_host_state(&mut self) {
        let Some(snapshot) = &self.snapshot else {
            return;
        };
        let state = &mut self.state;
        state.limits = snapshot.limits;
        state.meter.set_limit(snapshot.limits.memory_bytes);
        state.meter.restore();
        state.interrupted.set(false);
        state.loads.reset();
        state.no_function.set(false);
        *state.logs.borrow_mut() = LogSink::new(
            snapshot.limits.max_log_entries,
            snapshot.limits.max_log_bytes,
        );
        let now = Instant::now();
        state.started.set(now);
        state.deadline.set(now + UNSTARTED_DEADLINE);
        if let Some(fetch) = &state.fetch {
            let mut fetch = fetch.borrow_mut();
            fetch.reset();
            fetch.set_deadline(now + UNSTARTED_DEADLINE);
        }
        state.waits.reset();
        state.modules.restore(&snapshot.modules);
        self.outcome = None;
        if let Some(context) = &self.context {
            context.with(|ctx| {
                intrinsics::restore(&ctx, snapshot.intrinsics);
                lazy::reset(&ctx);
            });
        }
    }
}

/// Why [`LiveJob::snapshot`] made no snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoSnapshot {
    /// No address space for another arena now (others may be freed later).
    NoRoom,
    /// Preparing in an arena failed, or hit the memory limit: it would again.
    Unprepared,
    /// A package cannot be in a snapshot in this form, for the reason given: one
    /// without it can.
    Package {
        package: String,
        form: Kind,
        why: String,
    },
}
