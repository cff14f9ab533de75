//! Per-tenant figures without per-tenant metrics: a label per tenant would make one
//! Prometheus series per tenant and outcome, unbounded with thousands of tenants. A
//! pool instead sums each tenant's jobs, slot time and wait for its turn over a
//! minute and logs the busiest few once a minute ("Busiest tenants."), and every
//! job's span carries its tenant, so logs and traces can be searched by tenant.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tracing::info;

use super::lock::lock;

/// Tenants named in the minute's line.
const SHOWN: usize = 5;

/// The most tenants a minute keeps apart; jobs of any more are summed as one.
const MOST_TENANTS: usize = 10_000;

/// The name under which tenants past [`MOST_TENANTS`] are summed.
const OTHERS: &str = "(others)";

/// This minute's figures of each tenant with a job finished in it.
#[derive(Default)]
pub struct TenantFigures {
    minute: Mutex<HashMap<String, Figures>>,
}

/// One tenant's minute.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Figures {
    jobs: u64,
    /// Time its jobs held slots.
    busy: Duration,
    /// The longest one of its jobs waited in the worker for its turn.
    longest_turn_wait: Duration,
}

impl TenantFigures {
    /// Counts a job of `tenant` that held a slot for `busy` after waiting `waited` for
    /// its turn.
    pub fn record(&self, tenant: &str, busy: Duration, waited: Duration) {
        let mut minute = lock(&self.minute);
        let name = if minute.len() >= MOST_TENANTS && !minute.contains_key(tenant) {
            OTHERS
        } else {
            tenant
        };
        let figures = minute.entry(name.to_owned()).or_default();
        figures.jobs += 1;
        figures.busy += busy;
        figures.longest_turn_wait = figures.longest_turn_wait.max(waited);
    }

    /// Logs the minute's busiest tenants by slot time, and starts the next minute.
    pub fn log_minute(&self, queue: &str) {
        let minute = std::mem::take(&mut *lock(&self.minute));
        if minute.is_empty() {
            return;
        }
        let tenants = minute.len();
        let busiest = busiest(minute)
            .iter()
            .map(|(tenant, f)| {
                let name = if tenant.is_empty() {
                    "(default)"
                } else {
                    tenant.as_str()
                };
                format!(
                    "{name:?}: {} jobs, {} ms in slots, waited up to {} ms for its turn",
                    f.jobs,
                    f.busy.as_millis(),
                    f.longest_turn_wait.as_millis()
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        info!(queue, tenants, busiest, "Busiest tenants.");
    }
}

/// The [`SHOWN`] tenants that held slots longest.
fn busiest(minute: HashMap<String, Figures>) -> Vec<(String, Figures)> {
    let mut all: Vec<(String, Figures)> = minute.into_iter().collect();
    all.sort_by(|a, b| b.1.busy.cmp(&a.1.busy).then_with(|| a.0.cmp(&b.0)));
    all.truncate(SHOWN);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busiest_tenants_are_those_that_held_slots_longest() {
        let figures = TenantFigures::default();
        let ms = Duration::from_millis;
        for n in 0..8 {
            figures.record(&format!("t{n}"), ms(n * 10), ms(n));
        }
        figures.record("t1", ms(100), ms(50));
        let minute = std::mem::take(&mut *lock(&figures.minute));
        let names: Vec<String> = busiest(minute).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["t1", "t7", "t6", "t5", "t4"]);
    }

    #[test]
    fn tenants_past_the_most_kept_are_summed_as_one() {
        let figures = TenantFigures::default();
        for n in 0..MOST_TENANTS + 5 {
            figures.record(&format!("t{n}"), Duration::from_millis(1), Duration::ZERO);
        }
        let minute = lock(&figures.minute);
        assert_eq!(minute.len(), MOST_TENANTS + 1);
        assert_eq!(minute.get(OTHERS).map(|f| f.jobs), Some(5));
    }
}
