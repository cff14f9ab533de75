//! Which of the jobs a worker holds goes into its engine next: round robin across
//! tenants, so a tenant with many jobs held waits its turn like one with a single job,
//! and at most `--tenant-max-slots` of one tenant's jobs are in the engine at once.
//!
//! The engine takes up to twice its slots: the second half waits inside it, so a slot
//! never idles between two jobs, and a job admitted now starts within about one job's
//! run. A job parked on `fetch` or a timer keeps its place.
//!
//! Only tenants with jobs held have an entry: the table grows with the jobs held (the
//! prefetch window), never with the number of tenants seen.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use prometheus::IntGauge;
use tokio::sync::oneshot;

use super::lock::lock;

/// The pool's admission into its engine.
#[derive(Clone)]
pub struct Admission {
    state: Arc<Mutex<State>>,
}

struct State {
    /// Places left in the engine.
    free: usize,
    /// Most jobs of one tenant in the engine at once.
    cap: usize,
    tenants: HashMap<String, Tenant>,
    /// Tenants with jobs waiting, in turn order.
    turns: VecDeque<String>,
    /// Jobs waiting, all tenants together, also shown by `gauge`.
    waiting: usize,
    gauge: IntGauge,
    next_ticket: u64,
}

/// One tenant's jobs in the worker.
#[derive(Default)]
struct Tenant {
    /// Its jobs held by the worker: waiting, admitted or running.
    held: usize,
    /// Its jobs in the engine.
    admitted: usize,
    /// Its waiting jobs, oldest first.
    waiting: VecDeque<(u64, oneshot::Sender<()>)>,
}

impl Admission {
    /// An engine of `slots` slots; at most `cap` jobs of one tenant in it (no cap:
    /// `None`).
    /// `gauge` shows how many jobs wait.
    pub fn new(slots: usize, cap: Option<usize>, gauge: IntGauge) -> Admission {
        Admission::with_places(slots.max(1).saturating_mul(2), cap, gauge)
    }

    /// An engine with room for `places` jobs.
    fn with_places(places: usize, cap: Option<usize>, gauge: IntGauge) -> Admission {
        Admission {
            state: Arc::new(Mutex::new(State {
                free: places,
                cap: cap.map_or(places, |cap| cap.max(1)),
                tenants: HashMap::new(),
                turns: VecDeque::new(),
                waiting: 0,
                gauge,
                next_ticket: 0,
            })),
        }
    }

    /// Jobs of `tenant` the worker holds now.
    #[cfg(test)]
    fn held(&self, tenant: &str) -> usize {
        lock(&self.state).tenants.get(tenant).map_or(0, |t| t.held)
    }

    /// Jobs waiting for their turn, all tenants together.
    #[cfg(test)]
    fn waiting(&self) -> usize {
        lock(&self.state).waiting
    }

    /// Counts a job of `tenant` as held, unless the tenant holds `share` jobs already.
    pub fn hold_within(&self, tenant: &str, share: usize) -> Option<Place> {
        let mut state = lock(&self.state);
        let entry = state.tenants.entry(tenant.to_owned()).or_default();
        if entry.held >= share {
            if entry.held == 0 {
                state.tenants.remove(tenant);
            }
            return None;
        }
        entry.held += 1;
        Some(Place {
            state: self.state.clone(),
            tenant: tenant.to_owned(),
            stage: Stage::Held,
        })
    }

    /// Counts a job of `tenant` as held until the returned place is dropped.
    pub fn hold(&self, tenant: &str) -> Place {
        let mut state = lock(&self.state);
        state.tenants.entry(tenant.to_owned()).or_default().held += 1;
        Place {
            state: self.state.clone(),
            tenant: tenant.to_owned(),
            stage: Stage::Held,
        }
    }
}

/// A held job's place: held, waiting for its turn, or in the engine. Dropping it
/// gives everything back (a cancelled wait included).
pub struct Place {
    state: Arc<Mutex<State>>,
    tenant: String,
    stage: Stage,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Held,
    Waiting(u64),
    Admitted,
}

impl Place {
    /// Waits for the job's turn into the engine.
    pub async fn admit(&mut self) {
        let receiver = {
            let mut state = lock(&self.state);
            let cap = state.cap;
            let free = state.free;
            let ticket = state.next_ticket;
            let Some(tenant) = state.tenants.get_mut(&self.tenant) else {
                return;
            };
            if free > 0 && tenant.admitted < cap && tenant.waiting.is_empty() {
                tenant.admitted += 1;
                state.free -= 1;
                self.stage = Stage::Admitted;
                return;
            }
            let (sender, receiver) = oneshot::channel();
            tenant.waiting.push_back((ticket, sender));
            let first = tenant.waiting.len() == 1;
            state.next_ticket += 1;
            state.waiting += 1;
            state.gauge.set(state.waiting as i64);
            if first {
                state.turns.push_back(self.tenant.clone());
            }
            self.stage = Stage::Waiting(ticket);
            receiver
        };
        // The sender is only dropped after admitting (the stage says so) or with the
        // whole state; either way the wait is over.
        let _ = receiver.await;
        self.stage = Stage::Admitted;
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut guard = lock(&self.state);
        let state = &mut *guard;
        let Some(tenant) = state.tenants.get_mut(&self.tenant) else {
            return;
        };
        tenant.held = tenant.held.saturating_sub(1);
        let mut freed = false;
        match self.stage {
            Stage::Held => {}
            Stage::Waiting(ticket) => {
                let before = tenant.waiting.len();
                tenant.waiting.retain(|(t, _)| *t != ticket);
                if tenant.waiting.len() < before {
                    state.waiting -= 1;
                    state.gauge.set(state.waiting as i64);
                    // No other job of it waits: its turn goes, so it cannot get two.
                    if tenant.waiting.is_empty() {
                        state.turns.retain(|t| *t != self.tenant);
                    }
                } else {
                    // Admitted while the wait was being cancelled.
                    tenant.admitted = tenant.admitted.saturating_sub(1);
                    freed = true;
                }
            }
            Stage::Admitted => {
                tenant.admitted = tenant.admitted.saturating_sub(1);
                freed = true;
            }
        }
        let idle = tenant.held == 0;
        if idle {
            state.tenants.remove(&self.tenant);
            state.turns.retain(|t| *t != self.tenant);
        }
        if freed {
            state.free += 1;
        }
        state.dispatch();
    }
}

impl State {
    /// Admits waiting jobs while the engine has room: one per tenant per turn, skipping
    /// tenants at their cap.
    fn dispatch(&mut self) {
        let mut passed = 0;
        while self.free > 0 && passed < self.turns.len() {
            let Some(name) = self.turns.pop_front() else {
                break;
            };
            let cap = self.cap;
            let Some(tenant) = self.tenants.get_mut(&name) else {
                continue;
            };
            if tenant.admitted >= cap {
                self.turns.push_back(name);
                passed += 1;
                continue;
            }
            let Some((_, sender)) = tenant.waiting.pop_front() else {
                continue;
            };
            tenant.admitted += 1;
            let more = !tenant.waiting.is_empty();
            self.free -= 1;
            self.waiting -= 1;
            self.gauge.set(self.waiting as i64);
            passed = 0;
            // A receiver gone means its place is being dropped: the drop sees it
            // admitted and gives the room back.
            let _ = sender.send(());
            if more {
                self.turns.push_back(name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn gauge() -> IntGauge {
        IntGauge::new("waiting", "test").expect("gauge")
    }

    /// A job of `tenant` admitted into the engine, or `None` if it is still waiting
    /// after a moment.
    async fn admitted(admission: &Admission, tenant: &str) -> Option<Place> {
        let mut place = admission.hold(tenant);
        tokio::time::timeout(Duration::from_millis(50), place.admit())
            .await
            .ok()
            .map(|()| place)
    }

    #[tokio::test]
    async fn a_tenant_at_its_cap_waits_while_others_run() {
        let admission = Admission::new(4, Some(1), gauge());
        let first = admitted(&admission, "a").await.expect("a's first job");
        let other = admitted(&admission, "b").await.expect("b is not held back");
        assert!(
            admitted(&admission, "a").await.is_none(),
            "a second job of tenant a ran beside the first"
        );
        assert_eq!(
            admission.held("a"),
            1,
            "the cancelled wait gave its place back"
        );
        let mut second = admission.hold("a");
        let waiting = tokio::spawn(async move {
            second.admit().await;
            second
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(admission.waiting(), 1);
        drop(first);
        let second = tokio::time::timeout(Duration::from_secs(1), waiting)
            .await
            .expect("tenant a's slot freed")
            .expect("task");
        drop((second, other));
        assert_eq!((admission.held("a"), admission.held("b")), (0, 0));
        assert!(
            lock(&admission.state).tenants.is_empty(),
            "idle tenants are forgotten"
        );
        assert_eq!(lock(&admission.state).free, 8);
    }

    #[tokio::test]
    async fn waiting_jobs_are_admitted_one_tenant_at_a_time() {
        // Room for one job at a time: the order is the admission order.
        let admission = Admission::with_places(1, None, gauge());
        let running = admitted(&admission, "a").await.expect("room");
        let (order, mut order_rx) = tokio::sync::mpsc::unbounded_channel();
        let mut tasks = Vec::new();
        // Tenant a queues five jobs, then b two, then c one.
        for tenant in ["a", "a", "a", "a", "a", "b", "b", "c"] {
            let mut place = admission.hold(tenant);
            let order = order.clone();
            tasks.push(tokio::spawn(async move {
                place.admit().await;
                let _ = order.send(place.tenant.clone());
                // Run briefly, then leave room for the next.
                tokio::time::sleep(Duration::from_millis(5)).await;
                drop(place);
            }));
            tokio::task::yield_now().await;
        }
        assert_eq!(admission.waiting(), 8);
        drop(running);
        for task in tasks {
            task.await.expect("task");
        }
        drop(order);
        let mut seen = Vec::new();
        while let Some(tenant) = order_rx.recv().await {
            seen.push(tenant);
        }
        assert_eq!(seen, ["a", "b", "c", "a", "b", "a", "a", "a"]);
    }
}
