//! A pool's prefetch window when the operator set none: how many unacknowledged jobs
//! the broker may hand this worker, following the jobs it runs.
//!
//! Too shallow a window leaves slots idle while the broker refills it: a trivial job
//! holds a slot for a tenth of a millisecond, and a refill (result published and
//! confirmed, job acked, next job delivered) takes a millisecond or more. Too deep a
//! window holds jobs that wait here for a slot while another worker's slots are idle.
//! By Little's law the slots stay busy when the window holds what they finish during
//! a job's stay plus one refill:
//!
//! `window = slots × (wall + refill) / busy`
//!
//! with the means, over the jobs of the last period, of `busy` (the time a job holds
//! a slot) and `wall` (its time in the sandbox: longer than `busy` when it waits for
//! a timer or `fetch`, holding no slot), and `refill` four times the mean time from
//! a job's end to its result's confirm (that round trip, then the ack and the next
//! delivery, each through a busy broker). Rounded down and never below the slot
//! count: jobs far longer than a refill get one per slot, trivial jobs a deep window.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::watch;

/// The least refill time assumed.
const MIN_REFILL: Duration = Duration::from_millis(1);

/// How long the pool gathers jobs before it looks at the window again. A single
/// job's slot time is noisy (a preempted slot, a collection): the window follows
/// the sums of a period's jobs, and changes at most once a period.
const PERIOD: Duration = Duration::from_millis(100);

/// How long a period's ideal holds the window up. The time from a job's end to its
/// ack swings tenfold with the broker's load from one period to the next, so the
/// window shrinks only when every period of the last second called for less: too
/// deep a window for short jobs costs little, too shallow a one costs throughput.
const SHRINK_AFTER: Duration = Duration::from_secs(1);

/// Follows a pool's jobs and says when its window should change.
pub struct PrefetchWindow {
    slots: u16,
    max: u16,
    state: Mutex<State>,
    target: watch::Sender<u16>,
}

/// The period under way and the ideals of the recent ones.
#[derive(Debug, Default)]
struct State {
    period: Period,
    /// When each recent period ended, and the window it called for.
    recent: VecDeque<(Instant, f64)>,
    /// When the last job finished.
    last_job: Option<Instant>,
}

/// What the jobs finished since the window was last looked at cost, in seconds.
#[derive(Debug, Default)]
struct Period {
    busy: f64,
    wall: f64,
    settle: f64,
    jobs: u32,
    /// When the period began; `None` before the first job, which is looked at on its
    /// own so that a pool of short jobs deepens its window at once.
    began: Option<Instant>,
}

/// What one job cost.
#[derive(Debug, Clone, Copy)]
pub struct JobTimes {
    /// Time it held a slot.
    pub busy: Duration,
    /// Time in the sandbox, waits included.
    pub wall: Duration,
    /// From its end to its result's confirm (to the ack being sent).
    pub settle: Duration,
}

impl PrefetchWindow {
    /// A window for `slots` slots, at most `max` deep, starting at the slot count: no
    /// job waits for a slot until the pool knows its jobs are short.
    pub fn new(slots: u16, max: u16) -> PrefetchWindow {
        let slots = slots.max(1);
        let (target, _) = watch::channel(slots);
        PrefetchWindow {
            slots,
            max: max.max(slots),
            state: Mutex::new(State::default()),
            target,
        }
    }

    /// Back to the slot count, after the pool lost its connection: every job held when
    /// a connection drops goes back to the queue and counts towards its delivery
    /// limit, so while the broker is unsettled (a node restarting) the pool holds few
    /// jobs; the window grows again as jobs flow.
    pub fn restart(&self) {
        self.target.send_replace(self.slots);
    }

    /// The window now.
    pub fn current(&self) -> u16 {
        *self.target.borrow()
    }

    /// Told of every change of the window.
    pub fn subscribe(&self) -> watch::Receiver<u16> {
        self.target.subscribe()
    }

    /// Takes one finished job into account; the window may change.
    pub fn observe(&self, times: JobTimes) {
        self.observe_at(times, Instant::now());
    }

    fn observe_at(&self, times: JobTimes, now: Instant) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        state.last_job = Some(now);
        let State { period, recent, .. } = &mut *state;
        let busy = times.busy.as_secs_f64();
        period.busy += busy;
        period.wall += times.wall.as_secs_f64().max(busy);
        period.settle += times.settle.as_secs_f64();
        period.jobs += 1;
        if period
            .began
            .is_some_and(|began| now.duration_since(began) < PERIOD)
        {
            return;
        }
        let ideal = self.ideal(period);
        *period = Period {
            began: Some(now),
            ..Period::default()
        };
        while recent
            .front()
            .is_some_and(|(ended, _)| now.duration_since(*ended) > SHRINK_AFTER)
        {
            recent.pop_front();
        }
        recent.push_back((now, ideal));
        let recent_most = recent.iter().map(|(_, ideal)| *ideal).fold(ideal, f64::max);
        if let Some(next) = self.step(self.current(), ideal, recent_most) {
            self.target.send_replace(next);
        }
    }

    /// Falls back to one job per slot once no job has finished for a while: a window
    /// deepened by short jobs must not take in a burst of long ones after a lull.
    /// Call now and then (at least every [`SHRINK_AFTER`]).
    pub fn check_quiet(&self) {
        self.check_quiet_at(Instant::now());
    }

    fn check_quiet_at(&self, now: Instant) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let quiet = state
            .last_job
            .is_none_or(|last| now.duration_since(last) >= SHRINK_AFTER);
        if quiet && self.current() > self.slots {
            *state = State::default();
            self.target.send_replace(self.slots);
        }
    }

    /// The window a period's jobs call for, before rounding.
    fn ideal(&self, period: &Period) -> f64 {
        let jobs = f64::from(period.jobs.max(1));
        let refill = (4.0 * period.settle / jobs).max(MIN_REFILL.as_secs_f64());
        let busy = (period.busy / jobs).max(1e-6);
        f64::from(self.slots) * (period.wall / jobs + refill) / busy
    }

    /// The window to move to from `current`, if the gap is worth a change. It grows
    /// to the last period's `ideal` when that is a quarter deeper (one job for a small
    /// window). It shrinks to the `recent_most` any period of the last second called
    /// for once that is below half of it, or, for a window under twice the slot count,
    /// half a job below it: long jobs (whose ideal is the slot count) stop queueing
    /// behind each other within a second.
    fn step(&self, current: u16, ideal: f64, recent_most: f64) -> Option<u16> {
        let rounded = |ideal: f64| {
            ideal
                .floor()
                .clamp(f64::from(self.slots), f64::from(self.max)) as u16
        };
        let deeper = rounded(ideal);
        if deeper >= current.saturating_add((current / 4).max(1)) {
            return Some(deeper);
        }
        let (now, slots) = (f64::from(current), f64::from(self.slots));
        let shrink_below = if now >= 2.0 * slots + 1.0 {
            now / 2.0
        } else {
            now - 0.5
        };
        let shallower = rounded(recent_most);
        (shallower < current && recent_most < shrink_below).then_some(shallower)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn times(busy_ms: f64, wall_ms: f64, settle_ms: f64) -> JobTimes {
        JobTimes {
            busy: Duration::from_secs_f64(busy_ms / 1000.0),
            wall: Duration::from_secs_f64(wall_ms / 1000.0),
            settle: Duration::from_secs_f64(settle_ms / 1000.0),
        }
    }

    /// Feeds `count` alike jobs, `PERIOD` apart, and returns the window.
    fn settle_on(window: &PrefetchWindow, job: JobTimes, count: usize) -> u16 {
        let start = Instant::now();
        for n in 0..count {
            window.observe_at(job, start + PERIOD * (n as u32 + 1));
        }
        window.current()
    }

    #[test]
    fn starts_at_the_slot_count() {
        assert_eq!(PrefetchWindow::new(2, 128).current(), 2);
        assert_eq!(PrefetchWindow::new(0, 128).current(), 1);
    }

    #[test]
    fn short_jobs_get_a_deep_window_and_long_ones_a_job_per_slot() {
        // 0.1 ms jobs, 0.51 ms from end to ack: 2 × (0.1 + 4 × 0.51) / 0.1 = 42.8.
        let short = PrefetchWindow::new(2, 128);
        assert_eq!(settle_on(&short, times(0.1, 0.1, 0.51), 20), 42);
        // Jobs of a second never hold one waiting for a slot.
        let long = PrefetchWindow::new(2, 128);
        assert_eq!(settle_on(&long, times(1000.0, 1000.0, 1.0), 20), 2);
        // Nor do jobs of 100 ms: 2 × 102 / 100 rounds down to 2.
        let tenth = PrefetchWindow::new(2, 128);
        assert_eq!(settle_on(&tenth, times(100.0, 100.0, 1.0), 20), 2);
    }

    #[test]
    fn jobs_that_wait_without_a_slot_get_room_to_wait() {
        // 1 ms of work around a 200 ms fetch: many can wait at once.
        let window = PrefetchWindow::new(2, 128);
        assert_eq!(settle_on(&window, times(1.0, 201.0, 1.0), 20), 128);
    }

    #[test]
    fn the_window_stays_within_its_bounds() {
        let window = PrefetchWindow::new(4, 16);
        assert_eq!(settle_on(&window, times(0.01, 0.01, 5.0), 20), 16);
        assert_eq!(settle_on(&window, times(5000.0, 5000.0, 5.0), 200), 4);
    }

    #[test]
    fn follows_a_change_of_workload_both_ways() {
        let window = PrefetchWindow::new(2, 128);
        assert!(settle_on(&window, times(0.1, 0.1, 1.0), 30) > 30);
        assert_eq!(settle_on(&window, times(500.0, 500.0, 1.0), 60), 2);
        // The mean falls back slowly from jobs 5,000 times longer: ~100 jobs.
        assert!(settle_on(&window, times(0.1, 0.1, 1.0), 120) > 30);
    }

    #[test]
    fn small_wobbles_change_nothing() {
        let window = PrefetchWindow::new(2, 128);
        let start = settle_on(&window, times(0.1, 0.1, 1.0), 40);
        // A tenth slower or faster moves the ideal by less than a quarter.
        let mut changes = 0;
        let mut last = start;
        let base = Instant::now() + PERIOD * 100;
        for n in 0..200u32 {
            let busy = if n % 2 == 0 { 0.095 } else { 0.105 };
            window.observe_at(times(busy, busy, 1.0), base + PERIOD * n);
            if window.current() != last {
                changes += 1;
                last = window.current();
            }
        }
        assert_eq!(changes, 0, "window {start} moved to {last}");
    }

    #[test]
    fn one_slow_job_among_many_short_ones_changes_nothing() {
        let window = PrefetchWindow::new(2, 128);
        let deep = settle_on(&window, times(0.1, 0.1, 0.51), 5);
        assert_eq!(deep, 42);
        // One period: 150 jobs of 0.1 ms and one preempted for 5 ms.
        let began = Instant::now() + PERIOD * 10;
        for n in 0..150u32 {
            window.observe_at(times(0.1, 0.1, 0.51), began + PERIOD * n / 200);
        }
        window.observe_at(times(5.0, 5.0, 0.51), began + PERIOD * 2);
        assert_eq!(window.current(), deep);
    }

    #[test]
    fn changes_at_most_once_per_period() {
        let window = PrefetchWindow::new(2, 128);
        let now = Instant::now();
        window.observe_at(times(0.1, 0.1, 1.0), now);
        let first = window.current();
        assert!(first > 2);
        // Much longer jobs right after: too soon to follow them.
        window.observe_at(times(900.0, 900.0, 1.0), now + PERIOD / 2);
        assert_eq!(window.current(), first);
        // Long jobs for a whole second: now it shrinks.
        window.observe_at(times(900.0, 900.0, 1.0), now + PERIOD);
        assert_eq!(window.current(), first);
        window.observe_at(times(900.0, 900.0, 1.0), now + SHRINK_AFTER);
        assert_eq!(window.current(), first);
        window.observe_at(times(900.0, 900.0, 1.0), now + PERIOD + SHRINK_AFTER);
        assert_eq!(window.current(), 2);
    }

    #[test]
    fn many_slots_and_long_jobs_shrink_to_one_per_slot() {
        // 16 slots, 100 ms jobs, a slow broker for one period: 16 × 125 / 100 = 20.
        let window = PrefetchWindow::new(16, 128);
        let start = Instant::now();
        window.observe_at(times(100.0, 100.0, 6.25), start);
        assert_eq!(window.current(), 20);
        // Then a quick one: 16 × 104 / 100 = 16.6, half a job below 20 and more.
        for n in 1..=15u32 {
            window.observe_at(times(100.0, 100.0, 1.0), start + PERIOD * n);
        }
        assert_eq!(window.current(), 16);
    }

    #[test]
    fn a_lull_brings_the_window_back_to_one_job_per_slot() {
        let window = PrefetchWindow::new(2, 128);
        let start = Instant::now();
        window.observe_at(times(0.1, 0.1, 1.0), start);
        assert!(window.current() > 2);
        window.check_quiet_at(start + SHRINK_AFTER / 2);
        assert!(window.current() > 2, "jobs finished just now");
        window.check_quiet_at(start + SHRINK_AFTER);
        assert_eq!(window.current(), 2);
        // And it deepens again with the next short job.
        window.observe_at(times(0.1, 0.1, 1.0), start + SHRINK_AFTER * 2);
        assert!(window.current() > 2);
    }

    #[test]
    fn subscribers_hear_of_changes() {
        let window = PrefetchWindow::new(1, 64);
        let mut changes = window.subscribe();
        assert!(!changes.has_changed().unwrap_or(true));
        window.observe(times(0.1, 0.1, 1.0));
        assert!(changes.has_changed().unwrap_or(false));
        assert_eq!(*changes.borrow_and_update(), window.current());
    }
}
