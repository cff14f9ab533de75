//! What a prepared job's runtime is restored from (see `snapshot`).

use std::rc::Rc;

use crate::sandbox::limits::EffectiveLimits;
use crate::sandbox::modules::graph::JobModules;
use crate::sandbox::runtime::arena::{Arena, Image};

/// What a prepared job's runtime is restored from.
pub struct Snapshot {
    pub arena: Rc<Arena>,
    pub image: Image,
    /// The module graph when the picture was taken.
    pub modules: JobModules,
    /// The intrinsics added by then.
    pub intrinsics: u8,
    /// The host functions pinned by then.
    pub pins: usize,
    /// The limits a prepared job runs under until its job starts.
    pub limits: EffectiveLimits,
    /// Whether the pool's packages were preloaded (some may have been left out).
    pub packages: bool,
}
