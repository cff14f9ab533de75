//! The worker's side of its sandbox processes. Each slot is one process, started at
//! engine start and replaced whenever it dies. A job goes straight to a free
//! process from the thread that submits it (or waits in the queue until a process is
//! done with its last one); per slot, a supervisor thread starts the process, reads
//! what it sends (reports, parks, `fetch` requests), hands it the next queued job,
//! and, when it dies, settles every job it held. A watchdog thread kills a process
//! still inside a job well past the job's deadline.
//!
//! When a process dies, the job it was running gets `crash` (or `timeout`, when the
//! watchdog killed it); the jobs it merely held, waiting for a response or a timer,
//! are started again from scratch in another process, since they did nothing wrong.

use std::collections::HashMap;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use futures_lite::FutureExt;
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::runtime::RuntimeFlavor;
use tokio::task::AbortHandle;
use warren_wire::ErrorKind;

use super::child::SANDBOX_ARG;
use super::codec::{self, Decoder, Encoder};
use super::confine::{CHANNEL_FD, WATCH_FD};
use super::pipe::{FrameReader, set_nonblocking, write_all};
use super::protocol::{self, PARKED, READY, REPORT, REQUEST};
use super::watch::{SharedWatch, monotonic_ns};
use super::writer::ChannelWriter;
use crate::egress::Fetcher;
use crate::sandbox::engine::{EngineConfig, EngineStats, JobReport, Task};
use crate::sandbox::jobs::{SlotSetup, failed};
use crate::sandbox::limits::PoolLimits;
use crate::sandbox::slot::count_cache;
use crate::sandbox::watchdog::{MARGIN, TICK, WatchdogStats};

/// How a pool runs its sandbox processes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessIsolation {
    /// The `warren-worker` executable to start as a sandbox process.
    pub program: PathBuf,
    /// Virtual memory each sandbox process may map (`RLIMIT_AS`).
    pub address_space_bytes: u64,
}

impl ProcessIsolation {
    /// Sandbox processes running `program`, with the default address-space cap.
    pub fn new(program: impl Into<PathBuf>) -> ProcessIsolation {
        ProcessIsolation {
            program: program.into(),
            address_space_bytes: 4 << 30,
        }
    }

    /// Sandbox processes running this very executable, even if its file has been
    /// replaced since (a rolling upgrade must not mix versions in one worker).
    pub fn this_executable() -> ProcessIsolation {
        ProcessIsolation::new("/proc/self/exe")
    }
}

/// A job a sandbox process holds, until it reports.
struct InFlight {
    task: Task,
    parked: bool,
    requests: Vec<AbortHandle>,
    /// When the job must be over, by the worker's clock: what the process says is
    /// not trusted for that.
    deadline: Instant,
}

/// The jobs one process holds; `dead` once its supervisor has settled them.
#[derive(Default)]
struct Held {
    jobs: HashMap<u64, InFlight>,
    dead: bool,
}

/// What every slot of an engine shares.
struct Shared {
    isolation: ProcessIsolation,
    thread_stack_bytes: usize,
    limits: PoolLimits,
    /// The set-up frame every process starts with.
    init: Vec<u8>,
    /// Jobs no process has taken yet.
    queue: (Sender<Task>, Receiver<Task>),
    /// The engine is gone: processes are closed once idle, none are replaced.
    closed: AtomicBool,
    stats: Arc<EngineStats>,
    io: Option<(Fetcher, tokio::runtime::Handle)>,
    /// The multi-threaded runtime the engine was started in, if any: processes' reports
    /// are read there, so a report wakes the job's task without a thread in between.
    reactor: Option<tokio::runtime::Handle>,
    /// Largest frame a process may send.
    max_frame: usize,
    slots: Vec<Arc<ProcessSlot>>,
}

/// A live process, as everyone but its supervisor sees it.
struct Link {
    pid: libc::pid_t,
    watch: Arc<SharedWatch>,
    writer: Arc<ChannelWriter>,
    held: Mutex<Held>,
    /// The task it was last given and has not reported or parked yet (0: none).
    current: AtomicU64,
    next_key: AtomicU64,
}

impl Link {
    fn held(&self) -> MutexGuard<'_, Held> {
        self.held
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// One slot: whichever process serves it at the moment.
struct ProcessSlot {
    /// Set while the process may not be given a task: it is busy with one, being
    /// replaced, or closed. A task goes to a slot only by setting this.
    claimed: AtomicBool,
    link: Mutex<Option<Arc<Link>>>,
    /// The job the watchdog killed this slot's process for (0: none).
    killed_for: AtomicU64,
}

impl ProcessSlot {
    /// Whether the slot's process says its next job's context is ready.
    fn prepared(&self) -> bool {
        self.link()
            .as_ref()
            .is_some_and(|link| link.watch.prepared())
    }

    fn link(&self) -> MutexGuard<'_, Option<Arc<Link>>> {
        self.link
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The sandbox processes of one engine.
pub struct ProcessPool {
    shared: Arc<Shared>,
}

/// A job dies with its process at most this often before it is failed as `crash`
/// rather than started again: a job that keeps bringing processes down is the cause.
const MAX_DEATHS: u32 = 2;

/// How long a new process may take to say it is ready.
const READY_TIMEOUT: Duration = Duration::from_secs(10);

impl ProcessPool {
    /// Starts one process per slot and waits until all are ready.
    pub fn start(
        isolation: ProcessIsolation,
        config: &EngineConfig,
        setup: &SlotSetup,
        stats: Arc<EngineStats>,
        watchdog: Arc<WatchdogStats>,
        io: Option<(Fetcher, tokio::runtime::Handle)>,
    ) -> Result<ProcessPool, String> {
        let (slots, thread_stack_bytes) = (config.slots, config.thread_stack_bytes);
        let limits = &setup.limits;
        let fetch_bytes = setup
            .fetch
            .as_ref()
            .map_or(0, |grant| grant.caps.max_request_bytes + (128 << 10));
        let max_frame = (16 << 20)
            + 2 * limits.max_result_bytes
            + 2 * limits.max_log_bytes
            + 8 * limits.max_log_entries
            + fetch_bytes;
        let shared = Arc::new(Shared {
            init: protocol::encode_init(setup, isolation.address_space_bytes),
            isolation,
            thread_stack_bytes,
            limits: setup.limits.clone(),
            queue: crossbeam_channel::unbounded(),
            closed: AtomicBool::new(false),
            stats,
            io,
            reactor: tokio::runtime::Handle::try_current()
                .ok()
                .filter(|runtime| runtime.runtime_flavor() == RuntimeFlavor::MultiThread),
            max_frame,
            slots: (0..slots)
                .map(|_| {
                    Arc::new(ProcessSlot {
                        claimed: AtomicBool::new(true),
                        link: Mutex::new(None),
                        killed_for: AtomicU64::new(0),
                    })
                })
                .collect(),
        });
        let (started, results) = crossbeam_channel::unbounded();
        for index in 0..slots {
            let (shared, started) = (shared.clone(), started.clone());
            std::thread::Builder::new()
                .name("warren-sandbox".into())
                .spawn(move || supervise(&shared, index, started))
                .map_err(|err| format!("cannot start a supervisor thread: {err}"))?;
        }
        let pool = ProcessPool { shared };
        for _ in 0..slots {
            // On failure, dropping the pool closes the processes that did start.
            results.recv().map_err(|_| {
                "a sandbox supervisor ended before its process started".to_string()
            })??;
        }
        // The watchdog runs while any process may still hold a job, engine or not.
        let watched = Arc::downgrade(&pool.shared);
        std::thread::Builder::new()
            .name("warren-watchdog".into())
            .spawn(move || kill_overruns(&watched, &watchdog))
            .map_err(|err| format!("cannot start the watchdog thread: {err}"))?;
        Ok(pool)
    }

    /// Hands `task` to a free process, or queues it until one is free.
    pub fn submit(&self, task: Task) {
        let _ = self.shared.queue.0.send(task);
        pump_all(&self.shared);
    }

    /// Processes inside a job's JavaScript right now.
    pub fn busy(&self) -> usize {
        self.shared
            .slots
            .iter()
            .filter(|slot| {
                slot.link()
                    .as_ref()
                    .is_some_and(|link| link.watch.running().is_some())
            })
            .count()
    }

    /// The process ids of the sandbox processes now.
    pub fn pids(&self) -> Vec<u32> {
        self.shared
            .slots
            .iter()
            .filter_map(|slot| slot.link().as_ref().map(|link| link.pid as u32))
            .collect()
    }
}

impl Drop for ProcessPool {
    /// Closes every process once it is idle and the queue is empty; jobs already
    /// queued or held still finish.
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::SeqCst);
        pump_all(&self.shared);
    }
}

/// Gives queued tasks to free processes until either runs out: first to processes
/// whose next context is prepared (the job starts at once), then to any.
fn pump_all(shared: &Shared) {
    for prepared_only in [true, false] {
        for slot in &shared.slots {
            if shared.queue.1.is_empty() && !shared.closed.load(Ordering::SeqCst) {
                return;
            }
            if prepared_only && !slot.prepared() {
                continue;
            }
            pump(shared, slot);
        }
    }
}

/// If `slot` is free, gives it the next queued task (or, once the engine is closed
/// and nothing is queued, closes its process).
fn pump(shared: &Shared, slot: &ProcessSlot) {
    loop {
        if slot
            .claimed
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .is_err()
        {
            return;
        }
        match shared.queue.1.try_recv() {
            Ok(task) => {
                dispatch(shared, slot, task);
                return;
            }
            Err(_) if shared.closed.load(Ordering::SeqCst) => {
                // Stays claimed: the process gets no task after this.
                if let Some(link) = slot.link().as_ref() {
                    link.writer.send(Encoder::frame(protocol::CLOSE).finish());
                }
                return;
            }
            Err(_) => {
                slot.claimed.store(false, Ordering::SeqCst);
                // A task queued while this slot was claimed may have found no free
                // slot: look again now that this one is free.
                if shared.queue.1.is_empty() {
                    return;
                }
            }
        }
    }
}

/// Sends a task to the slot's process (which the caller has claimed).
fn dispatch(shared: &Shared, slot: &ProcessSlot, task: Task) {
    let link = slot.link().clone();
    let Some(link) = link else {
        // No process (it is being replaced): back to the queue for another slot.
        let _ = shared.queue.0.send(task);
        pump_all(shared);
        return;
    };
    let deadline = Instant::now() + shared.limits.for_job(&task.request.limits).timeout;
    let key = link.next_key.fetch_add(1, Ordering::Relaxed) + 1;
    let mut frame = Encoder::frame(protocol::TASK);
    frame.u64(key);
    codec::put_request(&mut frame, &task.request);
    {
        let mut held = link.held();
        if held.dead {
            drop(held);
            let _ = shared.queue.0.send(task);
            pump_all(shared);
            return;
        }
        held.jobs.insert(
            key,
            InFlight {
                task,
                parked: false,
                requests: Vec::new(),
                deadline,
            },
        );
    }
    link.current.store(key, Ordering::SeqCst);
    link.writer.send(frame.finish());
}

/// The watchdog: kills a process still inside a job [`MARGIN`] past its deadline.
/// Its supervisor then reports the job as `timeout` and starts a replacement. It also
/// kills a process that holds any job far past that job's deadline by the worker's
/// own clock (a process that lies in its watch words, or never reports): a working
/// process reports every job by its deadline plus, at worst, the time another job it
/// was running took.
fn kill_overruns(shared: &Weak<Shared>, stats: &WatchdogStats) {
    let margin = MARGIN.as_nanos() as u64;
    while let Some(shared) = shared.upgrade() {
        let now = monotonic_ns();
        let late = Instant::now()
            .checked_sub(Duration::from_millis(shared.limits.timeout_ms) + 10 * MARGIN);
        for slot in &shared.slots {
            let link = slot.link();
            let Some(link) = link.as_ref() else {
                continue;
            };
            if slot.killed_for.load(Ordering::Acquire) != 0 {
                continue;
            }
            let overrun = link
                .watch
                .running()
                .filter(|(_, deadline)| now > deadline.saturating_add(margin))
                .map(|(key, _)| key);
            let withheld =
                late.is_some_and(|late| link.held().jobs.values().any(|job| job.deadline < late));
            if overrun.is_some() || withheld {
                if overrun.is_some() {
                    stats.overruns.fetch_add(1, Ordering::Relaxed);
                }
                slot.killed_for
                    .store(overrun.unwrap_or(WITHHELD), Ordering::Release);
                // SAFETY: the process is reaped only after its link is taken under
                // this lock, so the pid is still this slot's process.
                unsafe { libc::kill(link.pid, libc::SIGKILL) };
            }
        }
        drop(shared);
        std::thread::sleep(TICK);
    }
}

/// `killed_for` of a process killed for holding a job far too long, not for one job
/// it was running.
const WITHHELD: u64 = u64::MAX;

/// A supervisor thread: keeps a live process in its slot until the engine closes.
fn supervise(shared: &Arc<Shared>, index: usize, started: Sender<Result<(), String>>) {
    let mut started = Some(started);
    let mut failures = 0u32;
    loop {
        match Process::start(shared) {
            Ok(process) => {
                let (again, served) = process.serve(shared, index, &mut started);
                if !again {
                    return;
                }
                // A process that dies before it took a single job points at the
                // set-up, not at a job: do not spin on it.
                if served {
                    failures = 0;
                } else {
                    failures += 1;
                    std::thread::sleep(Duration::from_millis(10 << failures.min(7)));
                }
            }
            Err(err) => {
                if let Some(started) = started.take() {
                    let _ = started.send(Err(err));
                    return;
                }
                if shared.closed.load(Ordering::SeqCst) {
                    return;
                }
                failures += 1;
                tracing::error!(cause = %err, failures, "Cannot start a sandbox process; retrying.");
                std::thread::sleep(Duration::from_millis(100 << failures.min(5)));
            }
        }
    }
}

/// One sandbox process, started and ready.
struct Process {
    child: std::process::Child,
    channel: Arc<OwnedFd>,
    reader: Option<FrameReader>,
    watch: Arc<SharedWatch>,
}

/// The channel, for tokio's reactor.
struct WatchedChannel(Arc<OwnedFd>);

impl AsRawFd for WatchedChannel {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.0.as_raw_fd()
    }
}

impl Process {
    /// Starts a process, hands it its set-up and waits until it is confined and ready.
    fn start(shared: &Shared) -> Result<Process, String> {
        let (ours, theirs) =
            UnixStream::pair().map_err(|err| format!("cannot create a socketpair: {err}"))?;
        let (watch, watch_fd) = SharedWatch::create()
            .map_err(|err| format!("cannot create the watch memory: {err}"))?;
        let child = spawn(shared, &OwnedFd::from(theirs), &watch_fd).map_err(|err| {
            format!(
                "cannot start the sandbox process {}: {err}",
                shared.isolation.program.display()
            )
        })?;
        let channel = Arc::new(OwnedFd::from(ours));
        let mut process = Process {
            child,
            reader: Some(FrameReader::new(&channel, shared.max_frame)),
            channel,
            watch: Arc::new(watch),
        };
        match process.handshake(shared) {
            Ok(landlock) => {
                tracing::debug!(pid = process.child.id(), landlock, "Sandbox process ready.");
                Ok(process)
            }
            Err(err) => {
                let _ = process.child.kill();
                let ended = match process.child.wait() {
                    Ok(status) => describe(status),
                    Err(err) => format!("could not be reaped: {err}"),
                };
                Err(format!(
                    "the sandbox process could not start: {err}; it {ended} (its own message, if any, is above; --isolation thread runs without sandbox processes)"
                ))
            }
        }
    }

    /// Sends the set-up; returns the Landlock ABI the process enforces.
    fn handshake(&mut self, shared: &Shared) -> Result<u32, String> {
        write_all(&self.channel, &shared.init).map_err(|err| format!("sending set-up: {err}"))?;
        let reader = self.reader.as_mut().ok_or("no reader")?;
        let frame = reader
            .next(Some(Instant::now() + READY_TIMEOUT))
            .map_err(|err| format!("waiting for it: {err}"))?
            .ok_or("it did not say it was ready in time")?;
        let (tag, mut d) =
            Decoder::frame(frame).map_err(|err| format!("malformed ready: {err}"))?;
        if tag != READY {
            return Err(format!("malformed ready: tag {tag}"));
        }
        let landlock = d.u32().map_err(|err| format!("malformed ready: {err}"))?;
        d.end().map_err(|err| format!("malformed ready: {err}"))?;
        Ok(landlock)
    }

    /// Serves tasks through the process until it dies or closes, then settles what it
    /// held (`started` hears once the process is in its slot, at engine start). Returns
    /// whether the slot needs a new process, and whether this one took any task.
    fn serve(
        mut self,
        shared: &Arc<Shared>,
        index: usize,
        started: &mut Option<Sender<Result<(), String>>>,
    ) -> (bool, bool) {
        let slot = &shared.slots[index];
        let writer = match ChannelWriter::start(self.channel.clone()) {
            Ok(writer) => writer,
            Err(err) => {
                tracing::error!(cause = %err, "Cannot start a sandbox writer thread.");
                let _ = self.child.kill();
                let _ = self.child.wait();
                return (true, false);
            }
        };
        let link = Arc::new(Link {
            pid: self.child.id() as libc::pid_t,
            watch: self.watch.clone(),
            writer,
            held: Mutex::default(),
            current: AtomicU64::new(0),
            next_key: AtomicU64::new(0),
        });
        *slot.link() = Some(link.clone());
        if let Some(started) = started.take() {
            let _ = started.send(Ok(()));
        }
        slot.claimed.store(false, Ordering::SeqCst);
        pump(shared, slot);
        let ended = match (self.reader.take(), &shared.reactor) {
            (Some(reader), Some(runtime)) => self.read_async(reader, runtime, shared, index, &link),
            (Some(reader), None) => catch_unwind(AssertUnwindSafe(|| {
                read_blocking(reader, shared, slot, &link)
            }))
            .unwrap_or_else(|_| "reading its frames panicked".to_string()),
            (None, _) => "no reader".to_string(),
        };
        let served = link.next_key.load(Ordering::Relaxed) > 0;
        (self.settle(shared, slot, &link, ended), served)
    }

    /// Reads on the worker's runtime until the process stops sending; returns why.
    fn read_async(
        &self,
        reader: FrameReader,
        runtime: &tokio::runtime::Handle,
        shared: &Arc<Shared>,
        index: usize,
        link: &Arc<Link>,
    ) -> String {
        if let Err(err) = set_nonblocking(&self.channel) {
            return format!("cannot make the channel non-blocking: {err}");
        }
        let (done, ended) = crossbeam_channel::bounded(1);
        let channel = WatchedChannel(self.channel.clone());
        let (reading, link) = (shared.clone(), link.clone());
        runtime.spawn(async move {
            let reading = AssertUnwindSafe(read_frames(reader, channel, &reading, index, &link));
            let why = reading
                .catch_unwind()
                .await
                .unwrap_or_else(|_| "reading its frames panicked".to_string());
            let _ = done.send(why);
        });
        ended.recv().unwrap_or_else(|_| {
            // Reports can no longer be read: the engine cannot serve any more.
            shared.closed.store(true, Ordering::SeqCst);
            "the runtime it reported on shut down".to_string()
        })
    }

    /// The process stopped talking: make sure it is dead, reap it, and settle every
    /// job it held. Returns whether the slot needs a new process.
    fn settle(mut self, shared: &Shared, slot: &ProcessSlot, link: &Link, ended: String) -> bool {
        // No task may go to this process any more.
        slot.claimed.store(true, Ordering::SeqCst);
        let running = self.watch.running().map(|(key, _)| key);
        {
            // Killed and reaped only once the link is gone, under its lock, so the
            // watchdog never signals a pid that may have been reused.
            let mut current = slot.link();
            let _ = self.child.kill();
            *current = None;
        }
        link.writer.close();
        let status = self.child.wait();
        let killed_for = slot.killed_for.swap(0, Ordering::AcqRel);
        let closed = shared.closed.load(Ordering::SeqCst);
        let jobs: Vec<(u64, InFlight)> = {
            let mut held = link.held();
            held.dead = true;
            held.jobs.drain().collect()
        };
        // The engine is gone and the process held nothing: it exited when told to
        // close, or was stopped here because the runtime it reported on shut down.
        if closed && jobs.is_empty() {
            if let Ok(status) = status
                && !status.success()
                && status.signal() != Some(libc::SIGKILL)
            {
                shared.stats.process_deaths.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(pid = link.pid, cause = %describe(status), "Sandbox process failed while closing.");
            }
            return false;
        }
        shared.stats.process_deaths.fetch_add(1, Ordering::Relaxed);
        let cause = match &status {
            Ok(status) => describe(*status),
            Err(err) => format!("could not be reaped: {err}"),
        };
        // Only the job it was running is to blame; one just handed to it, or one it
        // held, is started again (a job that keeps killing processes still ends,
        // after MAX_DEATHS).
        let blamed = match killed_for {
            0 | WITHHELD => running,
            key => Some(key),
        };
        tracing::warn!(
            pid = link.pid,
            cause = %cause,
            ended = %ended,
            held = jobs.len(),
            watchdog = killed_for != 0,
            "Sandbox process died; replacing it."
        );
        let mut retried = false;
        for (key, mut job) in jobs {
            for request in job.requests.drain(..) {
                request.abort();
            }
            if job.parked {
                shared.stats.waiting.fetch_sub(1, Ordering::Relaxed);
            }
            let report = if killed_for == key {
                let timeout = shared.limits.for_job(&job.task.request.limits).timeout;
                Some(failed(
                    ErrorKind::Timeout,
                    format!(
                        "the job ran past its time limit of {} ms inside one call the engine could not interrupt; the watchdog killed its sandbox process",
                        timeout.as_millis()
                    ),
                ))
            } else if Some(key) == blamed {
                Some(failed(
                    ErrorKind::Crash,
                    format!("the sandbox process running the job {cause}"),
                ))
            } else if closed || job.task.deaths >= MAX_DEATHS {
                Some(failed(
                    ErrorKind::Crash,
                    format!("the sandbox process holding the job {cause}"),
                ))
            } else {
                None
            };
            match report {
                Some(report) => {
                    let _ = job.task.reply.send(report);
                }
                None => {
                    job.task.deaths += 1;
                    let _ = shared.queue.0.send(job.task);
                    retried = true;
                }
            }
        }
        if retried {
            pump_all(shared);
        }
        !closed
    }
}

/// Handles what the process sends, on this thread, until it stops sending; returns why.
fn read_blocking(
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
async fn read_frames(
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

/// Starts the process with the channel as fd 3 and the watch memory as fd 4, in its
/// own process group (a terminal's ^C is for the worker), with no environment but
/// `TZ`, killed if its supervisor thread dies.
fn spawn(shared: &Shared, channel: &OwnedFd, watch: &OwnedFd) -> io::Result<std::process::Child> {
    let mut command = Command::new(&shared.isolation.program);
    command
        .arg0("warren-sandbox")
        .arg(SANDBOX_ARG)
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .process_group(0);
    if let Some(tz) = std::env::var_os("TZ") {
        command.env("TZ", tz);
    }
    let (channel, watch) = (channel.as_raw_fd(), watch.as_raw_fd());
    let stack = libc::rlimit {
        rlim_cur: shared.thread_stack_bytes as libc::rlim_t,
        rlim_max: shared.thread_stack_bytes as libc::rlim_t,
    };
    // SAFETY: getpid has no preconditions.
    let parent = unsafe { libc::getpid() };
    // SAFETY: the closure runs in the forked child before exec and calls only
    // async-signal-safe functions (fcntl, dup2, prctl, setrlimit, getppid).
    unsafe {
        command.pre_exec(move || {
            // Move both out of the way first, so neither lands on the other's number.
            let channel = libc::fcntl(channel, libc::F_DUPFD_CLOEXEC, 10);
            let watch = libc::fcntl(watch, libc::F_DUPFD_CLOEXEC, 10);
            if channel < 0
                || watch < 0
                || libc::dup2(channel, CHANNEL_FD) < 0
                || libc::dup2(watch, WATCH_FD) < 0
                || libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0
                || libc::setrlimit(libc::RLIMIT_STACK, &stack) != 0
            {
                return Err(io::Error::last_os_error());
            }
            if libc::getppid() != parent {
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        })
    };
    command.spawn()
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
            let report = codec::get_report(&mut d, shared.limits.max_log_entries + 1)?;
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
            let mut request = codec::get_fetch_request(&mut d)?;
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
                codec::put_fetch_result(&mut frame, &result);
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
    count_cache(&shared.stats, report.cache);
    let _ = job.task.reply.send(report);
}

/// How a process ended, for logs and crash reports.
fn describe(status: ExitStatus) -> String {
    match (status.signal(), status.code()) {
        (Some(signal), _) => {
            let what = match signal {
                libc::SIGSYS => "SIGSYS: a system call its seccomp filter forbids",
                libc::SIGSEGV => "SIGSEGV: a memory fault",
                libc::SIGBUS => "SIGBUS: a memory fault",
                libc::SIGABRT => "SIGABRT: an abort",
                libc::SIGILL => "SIGILL: an illegal instruction",
                libc::SIGFPE => "SIGFPE: an arithmetic fault",
                libc::SIGKILL => "SIGKILL: out of memory, or killed from outside",
                _ => "a signal",
            };
            format!("was killed by signal {signal} ({what})")
        }
        (None, Some(code)) => format!("exited with status {code}"),
        (None, None) => "ended".to_string(),
    }
}
