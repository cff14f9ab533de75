//! Counters an engine's slots keep, read for metrics.

use std::sync::atomic::{AtomicU64, AtomicUsize};

/// Counters the slots keep, for metrics.
#[derive(Debug, Default)]
pub struct EngineStats {
    /// Slots running JavaScript right now.
    pub busy: AtomicUsize,
    /// Jobs parked while they wait for a response or a timer.
    pub waiting: AtomicUsize,
    /// Sandbox processes that died and were replaced.
    pub process_deaths: AtomicU64,
}

/// A watchdog's counters, for metrics and tests.
#[derive(Debug, Default)]
pub struct WatchdogStats {
    /// Jobs the watchdog answered for.
    pub overruns: AtomicUsize,
    /// Retired slot threads still running a job.
    pub retired_alive: AtomicUsize,
}
