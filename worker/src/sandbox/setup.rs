//! What every slot of an engine is set up with, whether it is a thread of the worker
//! or a sandbox process (which receives it over its channel).

use std::sync::Arc;

use super::code::HostBytecode;
use super::globals::fetch::FetchGrant;
use super::limits::PoolLimits;
use super::modules::ModuleTable;

/// What every slot of an engine shares.
#[derive(Clone)]
pub struct SlotSetup {
    pub limits: PoolLimits,
    pub modules: Arc<ModuleTable>,
    /// Most bytes of source plus bytecode the slot keeps cached.
    pub cache_bytes: usize,
    /// Warren's and the operator's JS, compiled once.
    pub host: Arc<HostBytecode>,
    /// The pool's `fetch`, if it grants one.
    pub fetch: Option<FetchGrant>,
    /// Whether job code may compile code at run time (`eval`, `new Function`).
    pub allow_eval: bool,
    /// Whether jobs run in runtimes restored from a snapshot (`run::snapshot`).
    pub snapshots: bool,
    /// The operator's packages evaluated in every snapshot (`run::preload`).
    pub preload: Arc<[String]>,
}
