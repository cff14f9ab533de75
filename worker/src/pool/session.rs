//! A pool's session with the broker: consume its queue until shutdown (then drain
//! within the grace) or until the connection fails.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use lapin::options::ConfirmSelectOptions;
use lapin::{Channel, Connection};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tracing::{debug, info, warn};
use warren_amqp::acks::Settler;

use super::Pool;
use super::consumers::Consumers;
use crate::config::Prefetch;

/// What a job's task shares with its session.
pub(super) struct JobLink {
    /// The channel results are published on, in confirm mode.
    pub publish: Channel,
    pub settler: Settler,
    /// Notified when `publish` turns out to be closed.
    pub results_closed: Arc<Notify>,
    /// True once the session is lost: jobs not yet started are dropped.
    pub lost: watch::Receiver<bool>,
}

/// Why a session with the broker ended.
#[derive(Debug)]
pub enum SessionEnd {
    /// Shutdown was requested and the pool drained.
    Drained,
    /// The connection or channel failed; reconnect.
    Lost(String),
}

/// How often the session has its adaptive window check for a lull.
const QUIET_CHECK: Duration = Duration::from_millis(250);

/// How long a starting pool reads its quarantine stream before it takes jobs.
const QUARANTINE_CATCH_UP: Duration = Duration::from_secs(5);

/// How often the busiest tenants are logged.
const TENANT_FIGURES_EVERY: Duration = Duration::from_secs(60);

/// How long a draining pool waits for its last acks to be sent (they normally go at
/// once; this bounds a connection that stopped taking frames).
const SETTLE_GRACE: Duration = Duration::from_secs(2);

impl Pool {
    /// Consumes until shutdown (then drains within the grace) or until the connection fails.
    pub async fn session(
        self: &Arc<Self>,
        connection: &Connection,
        mut shutdown: watch::Receiver<bool>,
        grace: Duration,
        consuming: &AtomicBool,
    ) -> SessionEnd {
        let queue = self.config.queue.as_str();
        let slots = u16::try_from(self.engine.slots()).unwrap_or(u16::MAX);
        // Subscribed before reading, so that no change is missed.
        let mut resized = self.window.as_ref().map(|window| window.subscribe());
        let (steady, window) = match (self.config.prefetch, resized.as_mut()) {
            (Prefetch::Fixed(fixed), _) => (fixed, fixed),
            (Prefetch::Adaptive { .. }, Some(changes)) => (slots, *changes.borrow_and_update()),
            (Prefetch::Adaptive { .. }, None) => (slots, slots),
        };
        let setup = async {
            let consume = connection.create_channel().await?;
            let publish = connection.create_channel().await?;
            publish
                .confirm_select(ConfirmSelectOptions::default())
                .await?;
            // A starting worker knows the quarantines in force before its first job.
            if let Some(quarantine) = &self.quarantine {
                quarantine
                    .catch_up(connection, &publish, QUARANTINE_CATCH_UP)
                    .await;
            }
            let tag = format!("{}/{}", self.worker_name, queue);
            let consumers = Consumers::start(
                consume.clone(),
                queue,
                tag,
                steady,
                self.windows(window),
                self.backlog_queues(),
            )
            .await?;
            Ok::<_, lapin::Error>((consume, publish, consumers))
        };
        let (consume, publish, mut consumers) = match setup.await {
            Ok(parts) => parts,
            Err(err) => return SessionEnd::Lost(format!("cannot start consuming {queue}: {err}")),
        };
        let prefetch_gauge = self.metrics.prefetch.with_label_values(&[queue]);
        prefetch_gauge.set(i64::from(consumers.window()));
        // The quarantine stream is read while the session lasts.
        let following = async {
            match &self.quarantine {
                Some(quarantine) => quarantine.follow(connection, &publish).await,
                None => std::future::pending().await,
            }
        };
        let mut following = std::pin::pin!(following);
        consuming.store(true, Ordering::SeqCst);
        info!(
            queue,
            prefetch = consumers.window(),
            adaptive = self.window.is_some(),
            slots = self.engine.slots(),
            "Consuming."
        );

        let (settler, settling) = Settler::start(consume.clone());
        // Told when a result cannot be published because its channel closed: every
        // later result would fail too, so the session starts over on a new connection.
        let results_closed = Arc::new(Notify::new());
        let (lost, lost_jobs) = watch::channel(false);
        let mut tasks = JoinSet::new();
        // How often an adaptive window checks whether jobs stopped finishing.
        let mut quiet_checks = tokio::time::interval(QUIET_CHECK);
        quiet_checks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Once a minute, the busiest tenants are logged.
        let mut minutes = tokio::time::interval_at(
            tokio::time::Instant::now() + TENANT_FIGURES_EVERY,
            TENANT_FIGURES_EVERY,
        );
        minutes.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut cancelled = *shutdown.borrow();
        let mut stop_at: Option<Instant> = None;
        if cancelled {
            stop_at = Some(Instant::now() + grace);
            let _ = consumers.cancel().await;
        }
        let end = loop {
            tokio::select! {
                changed = shutdown.changed(), if !cancelled => {
                    if changed.is_err() || *shutdown.borrow() {
                        cancelled = true;
                        consuming.store(false, Ordering::SeqCst);
                        stop_at = Some(Instant::now() + grace);
                        info!(queue, in_flight = tasks.len(), "Stopping: no new jobs; finishing those held.");
                        if let Err(err) = consumers.cancel().await {
                            break SessionEnd::Lost(format!("cancel failed: {err}"));
                        }
                    }
                }
                _ = quiet_checks.tick(), if self.window.is_some() && !cancelled => {
                    if let Some(window) = &self.window {
                        window.check_quiet();
                    }
                }
                Some(window) = next_window(&mut resized), if !cancelled => {
                    let (window, backlog_window) = self.windows(window);
                    if let Err(err) = consumers.resize(window, backlog_window).await {
                        break SessionEnd::Lost(format!("cannot resize the prefetch window: {err}"));
                    }
                    prefetch_gauge.set(i64::from(consumers.window()));
                    debug!(queue, prefetch = consumers.window(), "Prefetch window resized.");
                }
                item = consumers.next() => match item {
                    Some(Ok(delivery)) => {
                        settler.received(delivery.delivery_tag);
                        let link = JobLink {
                            publish: publish.clone(),
                            settler: settler.clone(),
                            results_closed: results_closed.clone(),
                            lost: lost_jobs.clone(),
                        };
                        let pool = self.clone();
                        tasks.spawn(async move { pool.handle(delivery, &link).await });
                    }
                    Some(Err(err)) => break SessionEnd::Lost(format!("consumer failed: {err}")),
                    None if cancelled => break SessionEnd::Drained,
                    None => break SessionEnd::Lost("the broker cancelled the consumer".into()),
                },
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
                _ = minutes.tick() => self.tenant_figures.log_minute(queue),
                () = &mut following => {}
                () = results_closed.notified() => {
                    break SessionEnd::Lost("the channel results are published on closed".into());
                }
            }
        };
        consuming.store(false, Ordering::SeqCst);
        if let SessionEnd::Drained = end {
            // Finish what this worker holds, within the grace; the rest goes back.
            let deadline = stop_at.unwrap_or_else(Instant::now);
            let drained = tokio::time::timeout_at(deadline.into(), async {
                while tasks.join_next().await.is_some() {}
            })
            .await;
            if drained.is_err() {
                warn!(
                    queue,
                    unfinished = tasks.len(),
                    "Shutdown grace over; returning unfinished jobs to the queue."
                );
                tasks.abort_all();
                while tasks.join_next().await.is_some() {}
            }
            // Every task is over: the settling task sends the last acks, then ends.
            drop(settler);
            let _ = tokio::time::timeout(SETTLE_GRACE, settling).await;
            let _ = publish.close(200, "OK".into()).await;
            let _ = consume.close(200, "OK".into()).await;
            info!(queue, "Drained.");
        } else {
            // The broker redelivers what was in flight: jobs not yet started are
            // dropped, those running end on their own.
            lost.send_replace(true);
            tasks.detach_all();
        }
        end
    }
}

/// The shallowest adaptive window of a pool with fair shares: its workers move the
/// jobs of tenants over their share as fast as a flood arrives, and a job being moved
/// stays a millisecond or two.
const SORTING_WINDOW: u16 = 32;

impl Pool {
    /// The prefetch of the jobs queue and of each backlog queue when the jobs call for
    /// a window of `window`: see [`windows`].
    fn windows(&self, window: u16) -> (u16, u16) {
        windows(self.config.prefetch, self.backlog_queues().len(), window)
    }
}

/// The prefetch of the jobs queue and of each of `backlogs` backlog queues when the
/// jobs call for a window of `window`. With fair shares the jobs queue's adaptive
/// window is at least [`SORTING_WINDOW`] (moves pass through it), and each backlog
/// queue takes the window the jobs call for; but all the backlog queues together never
/// hold more than the window's most (adaptive: what 128 MiB of jobs allows; fixed: the
/// `--prefetch`), so a worker holds at most twice that in all.
fn windows(prefetch: Prefetch, backlogs: usize, window: u16) -> (u16, u16) {
    let backlogs = u16::try_from(backlogs).unwrap_or(u16::MAX);
    if backlogs == 0 {
        return (window, window);
    }
    let most = prefetch.most();
    let per_backlog = window.min((most / backlogs).max(1));
    match prefetch {
        Prefetch::Adaptive { .. } => (window.max(SORTING_WINDOW.min(most)), per_backlog),
        Prefetch::Fixed(_) => (window, per_backlog),
    }
}

/// The next window the pool's jobs call for; never, for a fixed prefetch.
async fn next_window(resized: &mut Option<watch::Receiver<u16>>) -> Option<u16> {
    match resized {
        Some(changes) => {
            changes.changed().await.ok()?;
            Some(*changes.borrow_and_update())
        }
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fair_shares_keep_what_a_worker_holds_within_twice_its_window() {
        let adaptive = |max| Prefetch::Adaptive { max };
        // Without backlog queues, the window as it is.
        assert_eq!(windows(adaptive(128), 0, 2), (2, 2));
        // Moves need room in the jobs queue; each backlog queue gets the window...
        assert_eq!(windows(adaptive(128), 4, 2), (32, 2));
        // ...but together no more than the most.
        assert_eq!(windows(adaptive(128), 4, 100), (100, 32));
        // Large jobs: the sorting room is capped by the memory bound too.
        assert_eq!(windows(adaptive(8), 4, 2), (8, 2));
        // A fixed prefetch is shared by the backlog queues.
        assert_eq!(windows(Prefetch::Fixed(4), 4, 4), (4, 1));
        assert_eq!(windows(Prefetch::Fixed(16), 4, 16), (16, 4));
    }
}
