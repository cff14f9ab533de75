//! A thread slot (`--isolation thread`): one dedicated OS thread of the worker that
//! runs jobs, each in a fresh runtime. It runs one job's JavaScript at a time; a job
//! that can only wait (for a `fetch` response or a timer) is parked, and the slot
//! takes the next job meanwhile (see [`super::jobs`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use tokio::task::AbortHandle;

use super::watchdog::{SharedReply, SlotWatch};
use crate::egress::{FetchError, FetchRequest, FetchResponse, Fetcher};
use crate::sandbox::job::{JobReport, Task};
use crate::sandbox::setup::SlotSetup;
use crate::sandbox::slot::jobs::{JobSet, SlotHost};
use crate::sandbox::stats::EngineStats;
use crate::sandbox::stats::WatchdogStats;

/// What a slot thread starts with.
#[derive(Clone)]
pub struct SlotContext {
    pub setup: SlotSetup,
    /// The queue all slots take tasks from.
    pub tasks: Receiver<Task>,
    pub stats: Arc<EngineStats>,
    /// The HTTP client and the runtime it runs on, in pools granted `fetch`.
    pub io: Option<(Fetcher, tokio::runtime::Handle)>,
    /// What the watchdog sees of this slot.
    pub watch: Arc<SlotWatch>,
    pub watchdog: Arc<WatchdogStats>,
}

/// A response for a parked job, sent back by the request's task.
struct Fetched {
    job: u64,
    request: u32,
    result: Result<FetchResponse, FetchError>,
}

/// A slot thread's side of [`SlotHost`]: counters, the watchdog's view, requests on
/// the worker's runtime, reports through oneshot channels.
struct ThreadHost {
    stats: Arc<EngineStats>,
    watch: Arc<SlotWatch>,
    io: Option<(Fetcher, tokio::runtime::Handle)>,
    responses: Sender<Fetched>,
    requests: HashMap<u64, Vec<AbortHandle>>,
}

impl SlotHost for ThreadHost {
    type Reply = SharedReply;

    fn entering(&mut self, _key: u64, deadline: Instant, timeout: Duration, reply: &SharedReply) {
        self.stats.busy.fetch_add(1, Ordering::Relaxed);
        self.watch.enter(deadline, timeout, reply);
    }

    fn leaving(&mut self) {
        self.watch.leave();
        self.stats.busy.fetch_sub(1, Ordering::Relaxed);
    }

    fn request(&mut self, key: u64, id: u32, request: FetchRequest) {
        let Some((fetcher, runtime)) = &self.io else {
            return;
        };
        let (fetcher, responses) = (fetcher.clone(), self.responses.clone());
        let task = runtime.spawn(async move {
            let result = fetcher.fetch(request).await;
            let _ = responses.send(Fetched {
                job: key,
                request: id,
                result,
            });
        });
        self.requests
            .entry(key)
            .or_default()
            .push(task.abort_handle());
    }

    fn parked(&mut self, _key: u64) {
        self.stats.waiting.fetch_add(1, Ordering::Relaxed);
    }

    fn report(&mut self, key: u64, reply: SharedReply, report: JobReport, parked: bool) {
        // What the job still awaited is of no use to anyone now.
        for request in self.requests.remove(&key).unwrap_or_default() {
            request.abort();
        }
        if parked {
            self.stats.waiting.fetch_sub(1, Ordering::Relaxed);
        }
        reply.send(report);
    }
}

/// The body of a slot thread: serve tasks until the queue closes (or the watchdog
/// retires the slot) and no job is left.
pub fn serve(context: SlotContext) {
    let (responses, fetched) = crossbeam_channel::unbounded();
    let host = ThreadHost {
        stats: context.stats.clone(),
        watch: context.watch.clone(),
        io: context.io.clone(),
        responses,
        requests: HashMap::new(),
    };
    let mut jobs = JobSet::new(context.setup.clone(), host);
    // The first job's runtime, whether or not a job already waits: preloading the
    // pool's packages into it may take long, and a busy slot may never be idle.
    jobs.prepare_ahead();
    let mut next_key = 0u64;
    let mut open = true;
    loop {
        if context.watch.retired() {
            // The watchdog answered for a job this slot overran and started a
            // replacement: finish what is parked here, take nothing new.
            open = false;
        }
        if !open && jobs.is_empty() {
            if context.watch.retired() {
                context
                    .watchdog
                    .retired_alive
                    .fetch_sub(1, Ordering::Relaxed);
            }
            return;
        }
        if open && context.tasks.is_empty() {
            // About to wait: have the next job's context ready meanwhile.
            jobs.prepare_ahead();
        }
        // Take new tasks only while the queue is open; `never` blocks forever.
        let tasks = if open {
            context.tasks.clone()
        } else {
            crossbeam_channel::never()
        };
        let timeout = match jobs.next_wake() {
            Some(at) => crossbeam_channel::at(at),
            None => crossbeam_channel::never(),
        };
        crossbeam_channel::select! {
            recv(tasks) -> task => match task {
                Ok(task) => {
                    next_key += 1;
                    jobs.start(next_key, &task.request, SharedReply::new(task.reply));
                }
                Err(_) => open = false,
            },
            recv(fetched) -> fetched => {
                if let Ok(Fetched { job, request, result }) = fetched {
                    jobs.deliver(job, request, result);
                }
            },
            recv(timeout) -> _ => jobs.wake_due(),
        }
    }
}
