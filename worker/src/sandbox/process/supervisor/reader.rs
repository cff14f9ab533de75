//! What a sandbox process sends, read on the worker's runtime (or on the supervisor
//! thread without one): reports, parks and `fetch` requests, each checked as
//! untrusted input.

use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

use super::dispatch::pump;
use super::state::{InFlight, Link, ProcessSlot, Shared};
use crate::sandbox::job::JobReport;
use crate::sandbox::limits::WATCHDOG_MARGIN as MARGIN;
use crate::sandbox::process::codec::{self, Decoder, Encoder};
use crate::sandbox::process::pipe::FrameReader;
use crate::sandbox::process::protocol::{self, PARKED, REPORT, REQUEST, fetch, jobs};

/// The channel, for tokio's reactor.
pub(super) struct WatchedChannel(pub(super) Arc<OwnedFd>);

impl AsRawFd for WatchedChannel {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.0.as_raw_fd()
    }
}

/// Handles what the process sends, on this thread, until it stops sending; returns why.
pub(super) fn read_blocking(
    mut reader: FrameReader,
    shared: &Shared,
    slot: &ProcessSlot,
    link: &Arc<Link>,
) -> String {
    loop {
        let frame = match reader.next(None) {
            Ok(Some(frame)) => frame,
            Ok(None) => continue,
            Err(err) => return err.to_string(),
        };
        if let Err(err) = handle(frame, shared, slot, link) {
            return format!("it sent a malformed frame ({err})");
        }
    }
}

/// Handles what the process sends, as tokio reports it readable, until it stops
/// sending; returns why.
pub(super) async fn read_frames(
    mut reader: FrameReader,
    channel: WatchedChannel,
    shared: &Shared,
    index: usize,
    link: &Arc<Link>,
) -> String {
    let slot = &shared.slots[index];
    // SAFETY: the descriptor is owned by the `Arc<OwnedFd>` inside `channel`, which
    // the AsyncFd holds, so it stays open and the same for the AsyncFd's lifetime.
    let registered = unsafe { AsyncFd::register_with_interest(channel, Interest::READABLE) };
    let channel = match registered {
        Ok(channel) => channel,
        Err(err) => return format!("cannot watch the channel: {err}"),
    };
    loop {
        let mut ready = match channel.readable().await {
            Ok(ready) => ready,
            Err(err) => return format!("watching the channel: {err}"),
        };
        // Data may have come before this event (or before the channel was watched at
        // all): read until the socket says it is empty.
        reader.ready_again();
        loop {
            match reader.try_next() {
                Ok(Some(frame)) => {
                    if let Err(err) = handle(frame, shared, slot, link) {
                        return format!("it sent a malformed frame ({err})");
                    }
                    // A process that never stops sending must not hold the thread.
                    tokio::task::consume_budget().await;
                }
                Ok(None) => {
                    ready.clear_ready();
                    break;
                }
                Err(err) => return err.to_string(),
            }
        }
    }
}

/// One frame from a process.
fn handle(
    frame: &[u8],
    shared: &Shared,
    slot: &ProcessSlot,
    link: &Arc<Link>,
) -> Result<(), codec::CodecError> {
    let (tag, mut d) = Decoder::frame(frame)?;
    match tag {
        PARKED => {
            let key = d.u64()?;
            d.end()?;
            if let Some(job) = link.held().jobs.get_mut(&key)
                && !job.parked
            {
                job.parked = true;
                shared.stats.waiting.fetch_add(1, Ordering::Relaxed);
            }
            settled(shared, slot, link, key);
        }
        REPORT => {
            let key = d.u64()?;
            let report = jobs::get_report(&mut d, shared.limits.max_log_entries + 1)?;
            d.end()?;
            let job = link.held().jobs.remove(&key);
            // The process is free before the report goes out: the next job starts
            // while this one's caller wakes.
            settled(shared, slot, link, key);
            if let Some(job) = job {
                finish(shared, job, report);
            }
        }
        REQUEST => {
            let key = d.u64()?;
            let id = d.u32()?;
            let mut request = fetch::get_fetch_request(&mut d)?;
            d.end()?;
            let Some((fetcher, runtime)) = &shared.io else {
                return Err(codec::CodecError::Invalid(
                    "request in a pool without fetch",
                ));
            };
            let mut held = link.held();
            let Some(job) = held.jobs.get_mut(&key) else {
                return Ok(());
            };
            // The pool's caps and the job's deadline hold whatever the process says.
            if job.requests.len() >= fetcher.caps().max_requests as usize {
                return Err(codec::CodecError::Invalid(
                    "more requests than the pool allows",
                ));
            }
            request.deadline = request.deadline.min(job.deadline + MARGIN);
            let (fetcher, writer) = (fetcher.clone(), link.writer.clone());
            let task = runtime.spawn(async move {
                let result = fetcher.fetch(request).await;
                let mut frame = Encoder::frame(protocol::FETCHED);
                frame.u64(key).u32(id);
                fetch::put_fetch_result(&mut frame, &result);
                writer.send(frame.finish());
            });
            job.requests.push(task.abort_handle());
        }
        other => return Err(codec::CodecError::Tag(other)),
    }
    Ok(())
}

/// The process is done with task `key`; if that was the task it was last given, it
/// is free for the next.
fn settled(shared: &Shared, slot: &ProcessSlot, link: &Link, key: u64) {
    if link
        .current
        .compare_exchange(key, 0, Ordering::SeqCst, Ordering::SeqCst)
        .is_ok()
    {
        slot.claimed.store(false, Ordering::SeqCst);
        pump(shared, slot);
    }
}

/// Sends a job's report and cancels what it still awaited.
fn finish(shared: &Shared, job: InFlight, report: JobReport) {
    for request in job.requests {
        request.abort();
    }
    if job.parked {
        shared.stats.waiting.fetch_sub(1, Ordering::Relaxed);
    }
    let _ = job.task.reply.send(report);
}
