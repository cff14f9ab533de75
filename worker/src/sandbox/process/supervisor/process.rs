//! Starting a sandbox process, the handshake that sets it up, and the supervisor
//! thread that keeps a live process in its slot until the engine closes.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;
use futures_lite::FutureExt;
use warren_wire::ErrorKind;

use super::death::{Death, Verdict, describe};
use super::dispatch::{pump, pump_all};
use super::reader::{WatchedChannel, read_blocking, read_frames};
use super::state::{InFlight, Link, ProcessSlot, Shared};
use crate::sandbox::events::{ProcessDied, ProcessFailedClosing};
use crate::sandbox::job::{SandboxBreak, broken, failed};
use crate::sandbox::process::child::SANDBOX_ARG;
use crate::sandbox::process::codec::Decoder;
use crate::sandbox::process::confine::{CHANNEL_FD, LIBRARY_FD, WATCH_FD};
use crate::sandbox::process::pipe::{FrameReader, set_nonblocking, write_all};
use crate::sandbox::process::protocol::READY;
use crate::sandbox::process::watch::SharedWatch;
use crate::sandbox::process::writer::ChannelWriter;

/// A supervisor thread: keeps a live process in its slot until the engine closes.
pub(super) fn supervise(shared: &Arc<Shared>, index: usize, started: Sender<Result<(), String>>) {
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
pub(super) struct Process {
    pub(super) child: std::process::Child,
    pub(super) channel: Arc<OwnedFd>,
    pub(super) reader: Option<FrameReader>,
    pub(super) watch: Arc<SharedWatch>,
}

impl Process {
    /// Starts a process, hands it its set-up and waits until it is confined and ready.
    fn start(shared: &Shared) -> Result<Process, String> {
        let (ours, theirs) =
            UnixStream::pair().map_err(|err| format!("cannot create a socketpair: {err}"))?;
        let (watch, watch_fd) = SharedWatch::create()
            .map_err(|err| format!("cannot create the watch memory: {err}"))?;
        let mut child = spawn(shared, &OwnedFd::from(theirs), &watch_fd).map_err(|err| {
            format!(
                "cannot start the sandbox process {}: {err}",
                shared.isolation.program.display()
            )
        })?;
        let relay = child.stderr.take().and_then(|stderr| {
            super::stderr::relay(stderr, child.id())
                .inspect_err(|err| {
                    // Its messages are lost (writes to the closed pipe fail), not its work.
                    tracing::warn!(
                        pid = child.id(),
                        "cannot relay the sandbox process's standard error: {err}"
                    );
                })
                .ok()
        });
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
                // Reaped, it holds the pipe no longer: its last words are logged
                // before the error that points at them.
                if let Some(relay) = relay {
                    let _ = relay.join();
                }
                Err(format!(
                    "the sandbox process could not start: {err}; it {ended} (its own message, if any, is in the log, target warren_sandbox; --isolation thread runs without sandbox processes)"
                ))
            }
        }
    }

    /// Sends the set-up; returns the Landlock ABI the process enforces.
    fn handshake(&mut self, shared: &Shared) -> Result<u32, String> {
        write_all(&self.channel, &shared.init).map_err(|err| format!("sending set-up: {err}"))?;
        let reader = self.reader.as_mut().ok_or("no reader")?;
        let frame = reader
            .next(Some(Instant::now() + shared.ready_timeout))
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
    pub(super) fn settle(
        mut self,
        shared: &Shared,
        slot: &ProcessSlot,
        link: &Link,
        ended: String,
    ) -> bool {
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
                ProcessFailedClosing {
                    pid: link.pid,
                    cause: &describe(status),
                }
                .emit(&shared.stats);
            }
            return false;
        }
        let cause = match &status {
            Ok(status) => describe(*status),
            Err(err) => format!("could not be reaped: {err}"),
        };
        let death = Death {
            killed_for,
            running,
            closed,
        };
        ProcessDied {
            pid: link.pid,
            cause: &cause,
            ended: &ended,
            held: jobs.len(),
            watchdog: killed_for != 0,
        }
        .emit(&shared.stats);
        let mut retried = false;
        for (key, mut job) in jobs {
            for request in job.requests.drain(..) {
                request.abort();
            }
            if job.parked {
                shared.stats.waiting.fetch_sub(1, Ordering::Relaxed);
            }
            let timeout = shared.limits.for_job(&job.task.request.limits).timeout;
            let report = match death.verdict(key, job.task.deaths) {
                Verdict::Overran => Some(broken(
                    ErrorKind::Timeout,
                    format!(
                        "the job ran past its time limit of {} ms inside one call the engine could not interrupt; the watchdog killed its sandbox process",
                        timeout.as_millis()
                    ),
                    SandboxBreak::Watchdog,
                )),
                Verdict::Crashed => Some(broken(
                    ErrorKind::Crash,
                    format!("the sandbox process running the job {cause}"),
                    SandboxBreak::Crash,
                )),
                // Only held, not running, when its processes died: no strike against
                // its code.
                Verdict::GaveUp => Some(failed(
                    ErrorKind::Crash,
                    format!("the sandbox process holding the job {cause}"),
                )),
                Verdict::Retried => None,
            };
            match report {
                Some(mut report) => {
                    // The job's time: from when it was handed to a process to now.
                    let started = job.deadline.checked_sub(timeout);
                    report.run.wall = started.map_or(Duration::ZERO, |at| at.elapsed());
                    // It held the process to the end, as far as the pool can tell.
                    report.run.busy = report.run.wall;
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

/// Starts the process with the channel as fd 3, the watch memory as fd 4 and a pipe
/// as standard error (relayed into the log), in its own process group (a terminal's
/// ^C is for the worker), with no environment but `TZ`, killed if its supervisor
/// thread dies.
fn spawn(shared: &Shared, channel: &OwnedFd, watch: &OwnedFd) -> io::Result<std::process::Child> {
    let mut command = Command::new(&shared.isolation.program);
    command
        .arg0("warren-sandbox")
        .arg(SANDBOX_ARG)
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0);
    if let Some(tz) = std::env::var_os("TZ") {
        command.env("TZ", tz);
    }
    let (channel, watch) = (channel.as_raw_fd(), watch.as_raw_fd());
    let library = shared.library.text().shared_fd().map(|fd| fd.as_raw_fd());
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
            // Move them out of the way first, so none lands on another's number.
            let channel = libc::fcntl(channel, libc::F_DUPFD_CLOEXEC, 10);
            let watch = libc::fcntl(watch, libc::F_DUPFD_CLOEXEC, 10);
            let library = library.map_or(0, |fd| libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 10));
            if channel < 0
                || watch < 0
                || library < 0
                || libc::dup2(channel, CHANNEL_FD) < 0
                || libc::dup2(watch, WATCH_FD) < 0
                || (library > 0 && libc::dup2(library, LIBRARY_FD) < 0)
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
