//! Quarantine of code that keeps breaking its sandbox: the events a pool's workers and
//! the `warren quarantine` command write to the pool's quarantine stream, and the
//! ledger every reader derives from them in stream order, so that every worker comes
//! to the same decisions without talking to the others.
//!
//! A code is known by its fingerprint, the SHA-256 of its source in hex. When a job
//! crashes its sandbox or is killed by the watchdog, its worker appends a `strike`.
//! `strikes` strikes of one code within `window_ms` quarantine it for `cooldown_ms`
//! from the last one: every reader sees that strike, and the worker that wrote it
//! appends a `quarantined` event, which is what `warren quarantine list` reads and
//! what readers with other thresholds follow. A `release` ends a quarantine and
//! forgets the strikes before it. See docs/security.md.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Now, in ms since the epoch: the clock of every event's `at_ms`.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// One entry of a quarantine stream (a JSON object; `event` names the kind).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum QuarantineEvent {
    /// A job of `code` crashed its sandbox (`how`: `crash`) or was killed by the
    /// watchdog (`watchdog`).
    Strike {
        /// Unique, so a strike read twice counts once.
        id: String,
        code: String,
        how: String,
        worker: String,
        at_ms: u64,
    },
    /// `code` is refused until `until_ms`.
    Quarantined {
        code: String,
        until_ms: u64,
        strikes: u32,
        worker: String,
        at_ms: u64,
    },
    /// An operator let `code` run again.
    Release { code: String, at_ms: u64 },
    /// Written by a reader to know when it has read everything before it.
    Mark { id: String },
}

/// When a code goes into quarantine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuarantinePolicy {
    pub strikes: u32,
    pub window_ms: u64,
    pub cooldown_ms: u64,
}

/// What a reader knows of a pool's quarantine, from the events read so far.
#[derive(Debug, Default)]
pub struct Ledger {
    /// `None`: the reader only follows `quarantined` and `release` events.
    policy: Option<QuarantinePolicy>,
    /// Recent strikes of each code: when, and their ids.
    strikes: HashMap<String, Vec<(u64, String)>>,
    quarantined: HashMap<String, Quarantine>,
    /// When each recently released code was released: earlier events of it are past.
    released: HashMap<String, u64>,
}

/// A code's quarantine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quarantine {
    pub until_ms: u64,
    pub strikes: u32,
}

/// A quarantine a strike just decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub code: String,
    pub quarantine: Quarantine,
    /// The worker whose strike decided it: the one that records the decision.
    pub worker: String,
    /// When that strike was: the decision's time (a release after it voids it).
    pub at_ms: u64,
}

/// How far ahead of a reader's clock an event may be dated: farther, it is ignored, so
/// that one event from a wrong clock cannot age every other event out of the ledger.
pub const MAX_CLOCK_SKEW_MS: u64 = 5 * 60 * 1000;

impl Ledger {
    pub fn new(policy: Option<QuarantinePolicy>) -> Ledger {
        Ledger {
            policy,
            ..Ledger::default()
        }
    }

    /// Takes the next event of the stream into account, read at `now_ms`: the
    /// quarantine it decided, if it is a strike that crossed the threshold. Events
    /// dated more than [`MAX_CLOCK_SKEW_MS`] ahead are ignored.
    pub fn apply(&mut self, event: QuarantineEvent, now_ms: u64) -> Option<Decision> {
        let at = match &event {
            QuarantineEvent::Strike { at_ms, .. }
            | QuarantineEvent::Quarantined { at_ms, .. }
            | QuarantineEvent::Release { at_ms, .. } => *at_ms,
            QuarantineEvent::Mark { .. } => 0,
        };
        if at > now_ms.saturating_add(MAX_CLOCK_SKEW_MS) {
            return None;
        }
        match event {
            QuarantineEvent::Strike {
                id,
                code,
                worker,
                at_ms,
                ..
            } => self.strike(id, code, worker, at_ms),
            QuarantineEvent::Quarantined {
                code,
                until_ms,
                strikes,
                at_ms,
                ..
            } => {
                if !self.is_released_after(&code, at_ms) {
                    let entry = self
                        .quarantined
                        .entry(code)
                        .or_insert(Quarantine { until_ms, strikes });
                    entry.until_ms = entry.until_ms.max(until_ms);
                }
                None
            }
            QuarantineEvent::Release { code, at_ms } => {
                self.quarantined.remove(&code);
                self.strikes.remove(&code);
                let released = self.released.entry(code).or_insert(at_ms);
                *released = (*released).max(at_ms);
                None
            }
            QuarantineEvent::Mark { .. } => None,
        }
    }

    fn strike(&mut self, id: String, code: String, worker: String, at: u64) -> Option<Decision> {
        let policy = self.policy?;
        if self.is_released_after(&code, at) {
            return None;
        }
        self.forget_before(at.saturating_sub(policy.window_ms.max(policy.cooldown_ms)));
        let strikes = self.strikes.entry(code.clone()).or_default();
        if strikes.iter().any(|(_, seen)| *seen == id) {
            return None;
        }
        strikes.push((at, id));
        strikes.retain(|(when, _)| when.saturating_add(policy.window_ms) >= at);
        let count = u32::try_from(strikes.len()).unwrap_or(u32::MAX);
        if count < policy.strikes.max(1) || self.quarantined_until(&code, at).is_some() {
            return None;
        }
        let quarantine = Quarantine {
            until_ms: at.saturating_add(policy.cooldown_ms),
            strikes: count,
        };
        self.quarantined.insert(code.clone(), quarantine);
        Some(Decision {
            code,
            quarantine,
            worker,
            at_ms: at,
        })
    }

    fn is_released_after(&self, code: &str, at: u64) -> bool {
        self.released
            .get(code)
            .is_some_and(|released| *released >= at)
    }

    /// Drops what no longer matters at `horizon`: older strikes, ended quarantines and
    /// releases, so the ledger stays as small as the recent trouble.
    fn forget_before(&mut self, horizon: u64) {
        self.strikes.retain(|_, strikes| {
            strikes.retain(|(when, _)| *when >= horizon);
            !strikes.is_empty()
        });
        self.quarantined.retain(|_, q| q.until_ms >= horizon);
        self.released.retain(|_, released| *released >= horizon);
    }

    /// Until when `code` is quarantined, if it is at `now_ms`.
    pub fn quarantined_until(&self, code: &str, now_ms: u64) -> Option<u64> {
        self.quarantined
            .get(code)
            .map(|q| q.until_ms)
            .filter(|until| *until > now_ms)
    }

    /// How many codes are in quarantine at `now_ms`.
    pub fn in_force(&self, now_ms: u64) -> usize {
        self.quarantined
            .values()
            .filter(|q| q.until_ms > now_ms)
            .count()
    }

    /// Every code in quarantine at `now_ms`, the longest-lasting first.
    pub fn list(&self, now_ms: u64) -> Vec<(String, Quarantine)> {
        let mut list: Vec<(String, Quarantine)> = self
            .quarantined
            .iter()
            .filter(|(_, q)| q.until_ms > now_ms)
            .map(|(code, q)| (code.clone(), *q))
            .collect();
        list.sort_by(|a, b| b.1.until_ms.cmp(&a.1.until_ms).then(a.0.cmp(&b.0)));
        list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: QuarantinePolicy = QuarantinePolicy {
        strikes: 3,
        window_ms: 60_000,
        cooldown_ms: 600_000,
    };

    fn strike(id: &str, code: &str, at_ms: u64) -> QuarantineEvent {
        QuarantineEvent::Strike {
            id: id.into(),
            code: code.into(),
            how: "crash".into(),
            worker: format!("w-{id}"),
            at_ms,
        }
    }

    impl Ledger {
        /// Applies `event` read just after it was written.
        fn apply_now(&mut self, event: QuarantineEvent) -> Option<Decision> {
            self.apply(event, 10_000)
        }
    }

    /// The `quarantined` event of code "c" after strikes at 1, 2 and 3 s.
    fn decided_at_3s() -> QuarantineEvent {
        QuarantineEvent::Quarantined {
            code: "c".into(),
            until_ms: 603_000,
            strikes: 3,
            worker: "w-3".into(),
            at_ms: 3_000,
        }
    }

    #[test]
    fn an_event_dated_far_ahead_is_ignored() {
        let mut ledger = Ledger::new(Some(POLICY));
        for (id, at) in [("1", 1_000), ("2", 2_000), ("3", 3_000)] {
            ledger.apply_now(strike(id, "c", at));
        }
        // A strike from a clock a year ahead would age every other event out.
        let far = 10_000 + MAX_CLOCK_SKEW_MS + 1;
        assert_eq!(ledger.apply_now(strike("4", "d", far)), None);
        assert_eq!(ledger.quarantined_until("c", 10_000), Some(603_000));
        assert_eq!(ledger.in_force(10_000), 1);
    }

    #[test]
    fn strikes_within_the_window_quarantine_a_code_once() {
        let mut ledger = Ledger::new(Some(POLICY));
        assert_eq!(ledger.apply_now(strike("1", "c", 1_000)), None);
        assert_eq!(ledger.apply_now(strike("2", "c", 2_000)), None);
        // The same strike read again (a reader that reconnected) counts once.
        assert_eq!(ledger.apply_now(strike("2", "c", 2_000)), None);
        let decided = ledger
            .apply_now(strike("3", "c", 3_000))
            .expect("a quarantine");
        assert_eq!(decided.worker, "w-3");
        assert_eq!(decided.quarantine.until_ms, 603_000);
        assert_eq!(ledger.quarantined_until("c", 3_000), Some(603_000));
        assert_eq!(ledger.quarantined_until("other", 3_000), None);
        // More strikes while it lasts decide nothing more.
        assert_eq!(ledger.apply_now(strike("4", "c", 4_000)), None);
        // It ends by itself.
        assert_eq!(ledger.quarantined_until("c", 603_001), None);
    }

    #[test]
    fn strikes_too_far_apart_do_not_add_up() {
        let mut ledger = Ledger::new(Some(POLICY));
        ledger.apply_now(strike("1", "c", 0));
        ledger.apply_now(strike("2", "c", 50_000));
        assert_eq!(ledger.apply_now(strike("3", "c", 70_000)), None);
        assert!(ledger.apply_now(strike("4", "c", 80_000)).is_some());
    }

    #[test]
    fn a_release_ends_the_quarantine_and_forgets_the_strikes_before_it() {
        let mut ledger = Ledger::new(Some(POLICY));
        for (id, at) in [("1", 1_000), ("2", 2_000), ("3", 3_000)] {
            ledger.apply_now(strike(id, "c", at));
        }
        ledger.apply_now(QuarantineEvent::Release {
            code: "c".into(),
            at_ms: 5_000,
        });
        assert_eq!(ledger.quarantined_until("c", 5_000), None);
        // Replayed events from before the release change nothing.
        for (id, at) in [("1", 1_000), ("2", 2_000), ("3", 3_000)] {
            assert_eq!(ledger.apply_now(strike(id, "c", at)), None);
        }
        ledger.apply_now(decided_at_3s());
        assert_eq!(ledger.quarantined_until("c", 6_000), None);
        // New strikes start from nothing.
        ledger.apply_now(strike("5", "c", 6_000));
        ledger.apply_now(strike("6", "c", 7_000));
        assert!(ledger.apply_now(strike("7", "c", 8_000)).is_some());
    }

    #[test]
    fn a_reader_without_a_policy_follows_the_decisions() {
        let mut ledger = Ledger::new(None);
        for (id, at) in [("1", 1_000), ("2", 2_000), ("3", 3_000)] {
            assert_eq!(ledger.apply_now(strike(id, "c", at)), None);
        }
        assert_eq!(ledger.list(3_000), []);
        ledger.apply_now(decided_at_3s());
        assert_eq!(
            ledger.list(4_000),
            [(
                "c".to_owned(),
                Quarantine {
                    until_ms: 603_000,
                    strikes: 3
                }
            )]
        );
    }

    #[test]
    fn events_are_json_objects_named_by_their_event_field() {
        let text = r#"{"event":"release","code":"ab","at_ms":7}"#;
        let event: QuarantineEvent = serde_json::from_str(text).expect("parse");
        assert_eq!(
            event,
            QuarantineEvent::Release {
                code: "ab".into(),
                at_ms: 7
            }
        );
        assert_eq!(serde_json::to_string(&event).expect("json"), text);
    }
}
