//! A cap per tenant on a pool's slots (`--tenant-max-slots`): at most K of one
//! tenant's jobs run at once in this worker, so one tenant's CPU-bound jobs cannot
//! hold every slot. A job over its tenant's cap waits here, holding its delivery but
//! no slot, while other tenants' jobs take the free slots.
//!
//! Only tenants with jobs in the worker have an entry: the map grows with the jobs
//! held (the prefetch window), never with the number of tenants seen.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The running jobs of each tenant with jobs in the pool.
pub struct TenantSlots {
    cap: usize,
    tenants: Arc<Mutex<HashMap<String, Tenant>>>,
}

/// One tenant's share: its permits, and how many of its jobs hold or await one.
struct Tenant {
    slots: Arc<Semaphore>,
    jobs: usize,
}

impl TenantSlots {
    /// At most `cap` (at least 1) jobs of one tenant at once.
    pub fn new(cap: usize) -> TenantSlots {
        TenantSlots {
            cap: cap.max(1),
            tenants: Arc::default(),
        }
    }

    /// Waits until `tenant` has a slot to spare; the slot is the tenant's until the
    /// returned share is dropped.
    pub async fn acquire(&self, tenant: &str) -> TenantShare {
        let slots = {
            let mut tenants = lock(&self.tenants);
            let entry = tenants.entry(tenant.to_owned()).or_insert_with(|| Tenant {
                slots: Arc::new(Semaphore::new(self.cap)),
                jobs: 0,
            });
            entry.jobs += 1;
            entry.slots.clone()
        };
        // The share is made before waiting, so a job cancelled while it waits still
        // gives its place back.
        let mut share = TenantShare {
            tenant: tenant.to_owned(),
            tenants: self.tenants.clone(),
            permit: None,
        };
        // The semaphore is never closed: acquiring can only succeed.
        share.permit = slots.acquire_owned().await.ok();
        share
    }

    /// Jobs (running or waiting) of `tenant` in the pool.
    #[cfg(test)]
    fn jobs(&self, tenant: &str) -> usize {
        lock(&self.tenants).get(tenant).map_or(0, |t| t.jobs)
    }
}

/// A job's place in its tenant's share; gives it back when dropped.
pub struct TenantShare {
    tenant: String,
    tenants: Arc<Mutex<HashMap<String, Tenant>>>,
    permit: Option<OwnedSemaphorePermit>,
}

impl Drop for TenantShare {
    fn drop(&mut self) {
        self.permit.take();
        let mut tenants = lock(&self.tenants);
        if let Some(entry) = tenants.get_mut(&self.tenant) {
            entry.jobs = entry.jobs.saturating_sub(1);
            if entry.jobs == 0 {
                tenants.remove(&self.tenant);
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_tenant_at_its_cap_waits_while_others_run() {
        let slots = TenantSlots::new(1);
        let first = slots.acquire("a").await;
        // Another tenant is not held back.
        let other = slots.acquire("b").await;
        // The same tenant waits until its running job ends.
        let waiting = tokio::time::timeout(Duration::from_millis(50), slots.acquire("a")).await;
        assert!(
            waiting.is_err(),
            "a second job of tenant a ran beside the first"
        );
        assert_eq!(slots.jobs("a"), 1, "the cancelled wait gave its place back");
        drop(first);
        let second = tokio::time::timeout(Duration::from_secs(1), slots.acquire("a"))
            .await
            .expect("tenant a's slot freed");
        drop((second, other));
        assert_eq!((slots.jobs("a"), slots.jobs("b")), (0, 0));
        assert!(
            lock(&slots.tenants).is_empty(),
            "idle tenants are forgotten"
        );
    }
}
