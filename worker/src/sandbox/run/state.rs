//! What a job's parts share: the state its host functions and its driver both see,
//! and what identifies the job to its own code.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Instant;

use crate::sandbox::globals::console::LogSink;
use crate::sandbox::globals::fetch::JobFetch;
use crate::sandbox::limits::EffectiveLimits;
use crate::sandbox::modules::failures::LoadFailures;
use crate::sandbox::modules::graph::JobModules;
use crate::sandbox::runtime::allocator::MemoryMeter;
use crate::sandbox::runtime::settle::Waits;

/// What identifies a job to its own code (`ctx` in `f(input, ctx)`).
#[derive(Debug, Clone, Copy)]
pub struct JobIdentity<'a> {
    pub job_id: &'a str,
    pub attempt: u32,
}

/// What is shared between a job's host functions and its driver.
pub struct JobState {
    pub meter: Rc<MemoryMeter>,
    pub interrupted: Rc<Cell<bool>>,
    pub loads: LoadFailures,
    pub no_function: Rc<Cell<bool>>,
    pub logs: Rc<RefCell<LogSink>>,
    pub fetch: Option<Rc<RefCell<JobFetch>>>,
    /// When the slot took the job: the zero of its clock (`host.clock()`).
    pub started: Rc<Cell<Instant>>,
    /// Read by the interrupt handler.
    pub deadline: Rc<Cell<Instant>>,
    /// The job's synchronous waits (also in its context's userdata).
    pub waits: Waits,
    /// What the job's runtime has loaded (shared with its resolver and loader).
    pub modules: JobModules,
    pub limits: EffectiveLimits,
}
