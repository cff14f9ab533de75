//! Settings that cannot work together, refused at start-up with a message that says
//! what to change.

use std::time::Duration;

use super::pool::{PoolConfig, Prefetch};
use crate::sandbox::Isolation;

/// Refuses settings that cannot work together.
pub fn check_pool(
    pool: &PoolConfig,
    grace: Duration,
    consumer_timeout_ms: u64,
    slot_stack_mb: u64,
) -> anyhow::Result<()> {
    let name = &pool.queue;
    let limits = &pool.engine.limits;
    if name.is_empty() || name.len() > 255 - warren_wire::DEAD_LETTER_SUFFIX.len() {
        anyhow::bail!("queue name {name:?} must be 1 to 250 bytes");
    }
    if pool.engine.slots == 0 {
        anyhow::bail!("pool {name:?}: concurrency must be at least 1");
    }
    if let Prefetch::Fixed(prefetch) = pool.prefetch
        && usize::from(prefetch) < pool.engine.slots
    {
        anyhow::bail!(
            "pool {name:?}: prefetch {prefetch} is below concurrency {}: slots would sit idle; raise --prefetch or lower --concurrency",
            pool.engine.slots
        );
    }
    if limits.timeout_ms == 0 || limits.memory_mb == 0 {
        anyhow::bail!("pool {name:?}: timeout and memory limits must be positive");
    }
    if let Isolation::Process(process) = &pool.engine.isolation {
        // Room for two jobs at their limit, the engine and the stack.
        let needed_mb = 2 * limits.memory_mb + slot_stack_mb + 256;
        if process.address_space_bytes < needed_mb << 20 {
            anyhow::bail!(
                "pool {name:?}: --sandbox-address-space-mb {} leaves a sandbox process no room for jobs of --memory-mb {}; give it at least {needed_mb}",
                process.address_space_bytes >> 20,
                limits.memory_mb
            );
        }
    }
    if Duration::from_millis(limits.timeout_ms) > grace {
        anyhow::bail!(
            "pool {name:?}: job timeout {} ms is longer than the shutdown grace {:.1} s, so a stopping worker could not finish a job it started; raise --shutdown-grace or lower --timeout-ms",
            limits.timeout_ms,
            grace.as_secs_f64()
        );
    }
    if limits.timeout_ms >= consumer_timeout_ms {
        anyhow::bail!(
            "pool {name:?}: job timeout {} ms reaches the broker's consumer_timeout ({consumer_timeout_ms} ms), which would close the channel under a running job",
            limits.timeout_ms
        );
    }
    if grace.as_millis() >= u128::from(consumer_timeout_ms) {
        anyhow::bail!(
            "the shutdown grace reaches the broker's consumer_timeout ({consumer_timeout_ms} ms); lower --shutdown-grace"
        );
    }
    if limits.stack_kb == 0 || limits.stack_kb > 16 * 1024 {
        anyhow::bail!(
            "pool {name:?}: --stack-kb must be between 1 and 16384 (QuickJS ignores 0 and larger values)"
        );
    }
    if limits.stack_kb.saturating_mul(2) > slot_stack_mb.saturating_mul(1024) {
        anyhow::bail!(
            "pool {name:?}: JS stack limit {} KiB is too close to the sandbox thread stack of {slot_stack_mb} MiB (it must be at most half); raise --slot-stack-mb or lower --stack-kb",
            limits.stack_kb
        );
    }
    if limits.max_result_bytes == 0 || pool.max_job_bytes == 0 {
        anyhow::bail!("pool {name:?}: --max-job-bytes and --max-result-bytes must be positive");
    }
    Ok(())
}
