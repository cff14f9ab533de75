//! The sandbox's telemetry events. Each `emit` writes its log line and updates the
//! engine's counters together (the worker exports those counters as metrics), so the
//! logs and the counts cannot drift apart.

use std::sync::atomic::Ordering;

use tracing::{debug, warn};

use super::stats::{EngineStats, WatchdogStats};

/// A sandbox process died, or was killed, holding jobs (or the engine still open):
/// it is replaced.
pub struct ProcessDied<'a> {
    pub pid: i32,
    /// How it ended.
    pub cause: &'a str,
    /// Why its supervisor stopped reading it.
    pub ended: &'a str,
    /// Jobs it held.
    pub held: usize,
    /// Whether the watchdog killed it.
    pub watchdog: bool,
}

impl ProcessDied<'_> {
    pub fn emit(self, stats: &EngineStats) {
        stats.process_deaths.fetch_add(1, Ordering::Relaxed);
        warn!(
            pid = self.pid,
            cause = %self.cause,
            ended = %self.ended,
            held = self.held,
            watchdog = self.watchdog,
            "Sandbox process died; replacing it."
        );
    }
}

/// A sandbox process told to close (the engine is gone) ended with a failure.
pub struct ProcessFailedClosing<'a> {
    pub pid: i32,
    pub cause: &'a str,
}

impl ProcessFailedClosing<'_> {
    pub fn emit(self, stats: &EngineStats) {
        stats.process_deaths.fetch_add(1, Ordering::Relaxed);
        warn!(pid = self.pid, cause = %self.cause, "Sandbox process failed while closing.");
    }
}

/// A job stayed inside one call the interrupt handler could not stop, past its
/// deadline and the margin: a watchdog answered for it (`timeout`).
pub struct WatchdogOverran {
    /// `thread` (the slot thread is retired) or `process` (it is killed).
    pub slot: &'static str,
}

impl WatchdogOverran {
    pub fn emit(self, stats: &WatchdogStats) {
        stats.overruns.fetch_add(1, Ordering::Relaxed);
        debug!(
            slot = self.slot,
            "A job overran its deadline inside one call; the watchdog answered for it."
        );
    }
}
