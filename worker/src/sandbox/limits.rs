//! A pool's limits and the effective limits of one job.

use std::time::Duration;

use warren_wire::JobLimits;

/// How long past its deadline a job may run before a watchdog answers for it (the thread slots'
/// watchdog, or the one that kills sandbox processes).
pub const WATCHDOG_MARGIN: Duration = Duration::from_millis(100);

/// How often a watchdog looks.
pub const WATCHDOG_TICK: Duration = Duration::from_millis(20);

/// The maxima a pool allows. A job's own `limits` can lower them, never raise them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolLimits {
    /// Wall-clock limit of a job, in milliseconds.
    pub timeout_ms: u64,
    /// JS heap limit of a job, in MiB.
    pub memory_mb: u64,
    /// JS stack limit, in KiB. Must stay well below the slot thread's stack.
    pub stack_kb: u64,
    /// Largest serialised `value`, in bytes.
    pub max_result_bytes: usize,
    /// Most `console` entries kept per job.
    pub max_log_entries: usize,
    /// Most bytes of `console` messages kept per job.
    pub max_log_bytes: usize,
}

impl Default for PoolLimits {
    fn default() -> Self {
        PoolLimits {
            timeout_ms: 5_000,
            memory_mb: 64,
            stack_kb: 1024,
            max_result_bytes: 1 << 20,
            max_log_entries: 1_000,
            max_log_bytes: 64 << 10,
        }
    }
}

/// The limits one job runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EffectiveLimits {
    pub timeout: Duration,
    pub memory_bytes: usize,
    pub stack_bytes: usize,
    pub max_result_bytes: usize,
    pub max_log_entries: usize,
    pub max_log_bytes: usize,
}

impl PoolLimits {
    /// The pool's limits lowered by a job's request (clamped, never raised).
    pub fn for_job(&self, requested: &JobLimits) -> EffectiveLimits {
        let timeout_ms = requested
            .timeout_ms
            .map_or(self.timeout_ms, |t| t.min(self.timeout_ms));
        let memory_mb = requested
            .memory_mb
            .map_or(self.memory_mb, |m| m.min(self.memory_mb));
        EffectiveLimits {
            timeout: Duration::from_millis(timeout_ms),
            memory_bytes: usize::try_from(memory_mb.saturating_mul(1 << 20)).unwrap_or(usize::MAX),
            stack_bytes: usize::try_from(self.stack_kb.saturating_mul(1 << 10))
                .unwrap_or(usize::MAX),
            max_result_bytes: self.max_result_bytes,
            max_log_entries: self.max_log_entries,
            max_log_bytes: self.max_log_bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_limits_lower_but_never_raise() {
        let pool = PoolLimits::default();
        let none = pool.for_job(&JobLimits::default());
        assert_eq!(none.timeout, Duration::from_secs(5));
        assert_eq!(none.memory_bytes, 64 << 20);
        let lower = pool.for_job(&JobLimits {
            timeout_ms: Some(10),
            memory_mb: Some(2),
        });
        assert_eq!(lower.timeout, Duration::from_millis(10));
        assert_eq!(lower.memory_bytes, 2 << 20);
        let higher = pool.for_job(&JobLimits {
            timeout_ms: Some(u64::MAX),
            memory_mb: Some(u64::MAX),
        });
        assert_eq!(higher.timeout, Duration::from_secs(5));
        assert_eq!(higher.memory_bytes, 64 << 20);
    }
}
