//! One delivery run to its end: validated, run in the sandbox, its result published
//! and confirmed, then settled. Job failures are outcomes, published like any result;
//! only a result that could not be published leaves the job unsettled, for the broker
//! to redeliver.

use std::sync::Arc;
use std::time::{Duration, Instant};

use lapin::message::Delivery;
use tracing::{Instrument, info_span};
use warren_amqp::acks::Settlement;
use warren_amqp::envelope::Envelope;
use warren_amqp::publish::{Published, publish_result};
use warren_wire::{DELIVERY_LIMIT, ErrorKind, Job, JobResult, Outcome, Stats};

use super::Pool;
use super::admission::Place;
use super::backlog::move_job;
use super::quarantine::{Quarantine, fingerprint, now_ms};
use super::session::JobLink;
use super::window::JobTimes;
use crate::events::{
    JobConsole, JobDeadLettered, JobDropped, JobFinished, JobMoved, JobReceived, JobRejected,
    JobSettled, ResultPublished,
};
use crate::sandbox::{CacheUse, JobRequest};

impl Pool {
    /// Runs one delivery to its end: result published and confirmed, then acked.
    pub(super) async fn handle(self: Arc<Self>, delivery: Delivery, link: &JobLink) {
        let queue = self.config.queue.as_str();
        let envelope = Envelope::of(&delivery);
        // Test builds only: a job that kills the whole worker, as an engine fault would.
        #[cfg(feature = "test-hooks")]
        if envelope.job_id.starts_with("warren-test-abort") {
            std::process::abort();
        }
        // Test builds only: the result channel closes under the job's first attempt.
        #[cfg(feature = "test-hooks")]
        if envelope.job_id.starts_with("warren-test-close-results") && envelope.attempt == 1 {
            let _ = link.publish.close(200, "test hook".into()).await;
        }
        let span = info_span!(
            "job",
            job_id = %envelope.job_id,
            queue,
            attempt = envelope.attempt,
            tenant = envelope.tenant.as_str(),
            outcome = tracing::field::Empty,
            wall_ms = tracing::field::Empty,
            trace_id = tracing::field::Empty,
            span_id = tracing::field::Empty,
            parent_span_id = tracing::field::Empty,
        );
        if let (Some(parent), Some(trace)) = (&envelope.trace_parent, &envelope.trace) {
            span.record("trace_id", parent.trace_id.as_str());
            span.record("span_id", trace.span_id.as_str());
            span.record("parent_span_id", parent.span_id.as_str());
        }
        // A moved job starts counting its deliveries afresh in its backlog queue: past
        // the jobs queue's limit, counted from the first, it is dead-lettered as the
        // jobs queue would have.
        if envelope.moved && i64::from(envelope.attempt) > DELIVERY_LIMIT + 1 {
            JobDeadLettered {
                job_id: &envelope.job_id,
                attempt: envelope.attempt,
            }
            .emit();
            link.settler
                .finished(delivery.delivery_tag, Settlement::DeadLetter);
            return;
        }
        // A tenant over its share has the job moved to its backlog queue (unless it was
        // moved already); counted as held at once otherwise, so that the next delivery
        // of its tenant sees it.
        let place = match &self.backlogs {
            Some(backlogs) if !envelope.moved => {
                match self
                    .admission
                    .hold_within(&envelope.tenant, backlogs.share())
                {
                    Some(place) => place,
                    None => {
                        let to = backlogs.queue_for(&envelope.tenant).to_owned();
                        match self.move_to_backlog(&delivery, &envelope, &to, link).await {
                            Moved::Yes => return,
                            // The backlog queue could not take it: it runs here.
                            Moved::No => self.admission.hold(&envelope.tenant),
                        }
                    }
                }
            }
            _ => self.admission.hold(&envelope.tenant),
        };
        async {
            let metrics = &self.metrics;
            JobReceived {
                queue,
                envelope: &envelope,
            }
            .emit(metrics);
            let Some((result, cache, busy)) = self.run(&delivery, &envelope, place, link).await
            else {
                JobDropped { queue }.emit(metrics);
                return;
            };
            let finished = Instant::now();
            JobFinished {
                queue,
                result: &result,
                cache,
            }
            .emit(metrics);
            if self.config.log_job_console {
                JobConsole { logs: &result.logs }.emit();
            }
            let settlement = match envelope.reply_to.as_deref() {
                None => Some(Settlement::Ack),
                Some(reply_to) => {
                    let published =
                        publish_result(&link.publish, reply_to, &envelope, &result.to_json()).await;
                    ResultPublished {
                        reply_to,
                        published: &published,
                    }
                    .emit(metrics);
                    settlement(&published)
                }
            };
            match settlement {
                Some(settlement) => link.settler.finished(delivery.delivery_tag, settlement),
                None if !link.publish.status().connected() => link.results_closed.notify_one(),
                None => {}
            }
            if let Some(window) = &self.window
                && !busy.is_zero()
            {
                window.observe(JobTimes {
                    busy,
                    wall: Duration::from_secs_f64(result.stats.wall_ms / 1000.0),
                    settle: finished.elapsed(),
                });
            }
            JobSettled {
                queue,
                result: &result,
                settled: settlement.is_some(),
            }
            .emit(metrics);
        }
        .instrument(span)
        .await
    }

    /// Validates and runs the job: its result body, whether its code was cached, and
    /// how long it held a slot (zero if it never ran).
    async fn run(
        &self,
        delivery: &Delivery,
        envelope: &Envelope,
        mut place: Place,
        link: &JobLink,
    ) -> Option<(JobResult, Option<CacheUse>, Duration)> {
        let job = match Job::from_message(
            envelope.content_type.as_deref(),
            &delivery.data,
            self.config.max_job_bytes,
        ) {
            Ok(job) => job,
            Err(rejected) => {
                JobRejected { cause: &rejected }.emit();
                let result = JobResult::new(
                    envelope.job_id.clone(),
                    Outcome::error(ErrorKind::BadRequest, rejected.to_string()),
                    Vec::new(),
                    Stats::measured(Duration::ZERO, None, envelope.attempt),
                    self.worker_name.clone(),
                );
                return Some((result, None, Duration::ZERO));
            }
        };
        // Quarantined code never reaches a sandbox.
        let code_of = self
            .quarantine
            .as_ref()
            .map(|quarantine| (quarantine, fingerprint(&job.code)));
        let refused = |code: &str| {
            let (quarantine, _) = code_of.as_ref()?;
            let until = quarantine.refuses(code)?;
            Some(JobResult::new(
                envelope.job_id.clone(),
                Outcome::error(ErrorKind::Quarantined, refusal(code, until, quarantine)),
                Vec::new(),
                Stats::measured(Duration::ZERO, None, envelope.attempt),
                self.worker_name.clone(),
            ))
        };
        if let Some((_, code)) = &code_of
            && let Some(result) = refused(code)
        {
            return Some((result, None, Duration::ZERO));
        }
        // The job waits for its tenant's turn (and, at its cap, for one of its jobs to
        // end), unless the session is lost meanwhile: then the broker hands it out again.
        let asked = Instant::now();
        let mut lost = link.lost.clone();
        tokio::select! {
            () = place.admit() => {}
            _ = lost.wait_for(|lost| *lost) => return None,
        }
        let waited = asked.elapsed();
        // A quarantine decided while it waited applies too.
        if let Some((_, code)) = &code_of
            && let Some(result) = refused(code)
        {
            return Some((result, None, Duration::ZERO));
        }
        let report = self
            .engine
            .run(JobRequest {
                job_id: envelope.job_id.clone(),
                attempt: envelope.attempt,
                code: job.code,
                input: job.input,
                limits: job.limits,
            })
            .await;
        if let (Some((quarantine, code)), Some(how)) = (&code_of, report.broke) {
            quarantine.strike(&link.publish, code, how).await;
        }
        let (cache, busy) = (report.cache, report.run.busy);
        self.tenant_figures.record(&envelope.tenant, busy, waited);
        let result =
            report
                .run
                .into_result(envelope.job_id.clone(), envelope.attempt, &self.worker_name);
        Some((result, cache, busy))
    }
}

/// Why a job of quarantined code was not run, and what the operator can do.
fn refusal(code: &str, until_ms: u64, quarantine: &Quarantine) -> String {
    let policy = quarantine.policy();
    let left = until_ms.saturating_sub(now_ms()).div_ceil(1000);
    format!(
        "the job's code (sha256 {code}) is quarantined for another {left} s: its jobs crashed their sandbox or were killed by the watchdog {} times within {} s; an operator can release it with `warren quarantine release {code}`",
        policy.strikes,
        policy.window_ms / 1000
    )
}

/// Whether a job went to a backlog queue.
enum Moved {
    /// Moved and acked: another delivery runs it.
    Yes,
    /// Still this worker's to run.
    No,
}

impl Pool {
    /// Moves a job to the backlog queue `to` and acks it once the broker confirmed the
    /// copy. If the broker refused it, the job stays here; if the channel failed, the
    /// delivery is left for the broker to hand out again.
    async fn move_to_backlog(
        &self,
        delivery: &Delivery,
        envelope: &Envelope,
        to: &str,
        link: &JobLink,
    ) -> Moved {
        let moved = move_job(&link.publish, delivery, envelope, to).await;
        JobMoved {
            queue: self.config.queue.as_str(),
            job_id: &envelope.job_id,
            to,
            moved: &moved,
        }
        .emit(&self.metrics);
        match moved {
            Ok(Published::Confirmed) => {
                link.settler
                    .finished(delivery.delivery_tag, Settlement::Ack);
                Moved::Yes
            }
            Ok(Published::Returned(_) | Published::Nacked) => Moved::No,
            // The copy may or may not be in the backlog queue: the job goes back to
            // the jobs queue (at worst it runs twice, as after a redelivery). If the
            // channel is gone, the broker returns it by itself.
            Err(_) => {
                if link.publish.status().connected() {
                    link.settler
                        .finished(delivery.delivery_tag, Settlement::Requeue);
                } else {
                    link.results_closed.notify_one();
                }
                Moved::Yes
            }
        }
    }
}

/// How a job whose result was published is settled: acked once the result is
/// confirmed, or had nowhere to go (lost by design: no such reply queue); back to the
/// queue when the broker refused it; left unsettled when publishing failed (the
/// channel is gone, and the broker redelivers the job).
fn settlement(published: &lapin::Result<Published>) -> Option<Settlement> {
    match published {
        Ok(Published::Confirmed | Published::Returned(_)) => Some(Settlement::Ack),
        Ok(Published::Nacked) => Some(Settlement::Requeue),
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_settles_its_job_by_what_the_broker_did_with_it() {
        assert_eq!(settlement(&Ok(Published::Confirmed)), Some(Settlement::Ack));
        assert_eq!(
            settlement(&Ok(Published::Returned("NO_ROUTE".into()))),
            Some(Settlement::Ack)
        );
        assert_eq!(
            settlement(&Ok(Published::Nacked)),
            Some(Settlement::Requeue)
        );
        assert_eq!(
            settlement(&Err(lapin::Error::from(
                lapin::ErrorKind::InvalidChannelState(
                    lapin::ChannelState::Closed,
                    "publishing a result"
                )
            ))),
            None
        );
    }
}
