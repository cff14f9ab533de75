//! The sandbox process itself: `warren-worker` started by the worker with a hidden
//! argument. It takes its set-up from the channel, confines itself, says it is
//! ready, and then serves jobs one at a time from the channel, single-threaded,
//! until the worker closes it. It has no configuration, environment, files or
//! sockets of its own.

use std::io::Write as _;
use std::mem::ManuallyDrop;
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use super::codec::{self, Decoder, Encoder};
use super::confine::{CHANNEL_FD, LIBRARY_FD, WATCH_FD, confine};
use super::pipe::{FrameReader, ReadError, write_all};
use super::protocol::{self, CLOSE, FETCHED, INIT, TASK, fetch, init};
use super::watch::SharedWatch;
use crate::egress::FetchRequest;
use crate::sandbox::job::JobReport;
use crate::sandbox::modules::library_text::{LibraryText, SharedText};
use crate::sandbox::slot::jobs::{JobSet, SlotHost};

/// The argument that makes `warren-worker` a sandbox process.
pub const SANDBOX_ARG: &str = "--warren-sandbox-process";

unsafe extern "C" {
    /// Loads the time zone once, before the filesystem is out of reach.
    fn tzset();
}

/// Exit status of a sandbox process that could not start.
const SETUP_FAILED: u8 = 70;
/// Exit status of a sandbox process whose worker sent something it cannot read.
const PROTOCOL_ERROR: u8 = 71;

/// A sandbox process's side of [`SlotHost`]: the watch words and the channel.
struct ProcessHost {
    /// Never closed: the process ends with `_exit`, and a close on the way out (with
    /// its debug-build checks) would meet the seccomp filter.
    channel: ManuallyDrop<OwnedFd>,
    watch: SharedWatch,
    buf: Vec<u8>,
}

impl ProcessHost {
    fn send(&mut self, frame: Encoder) {
        let frame = frame.finish();
        if write_all(&self.channel, &frame).is_err() {
            // The worker is gone: nobody is left to report to.
            std::process::exit(0);
        }
        self.buf = frame;
    }

    fn frame(&mut self, tag: u8) -> Encoder {
        Encoder::reuse(std::mem::take(&mut self.buf), tag)
    }
}

impl SlotHost for ProcessHost {
    type Reply = ();

    fn entering(&mut self, key: u64, deadline: Instant, _timeout: Duration, _reply: &()) {
        self.watch.enter(key, deadline);
    }

    fn leaving(&mut self) {
        self.watch.leave();
    }

    fn request(&mut self, key: u64, id: u32, request: FetchRequest) {
        let mut frame = self.frame(protocol::REQUEST);
        frame.u64(key).u32(id);
        fetch::put_fetch_request(&mut frame, &request);
        self.send(frame);
    }

    fn parked(&mut self, key: u64) {
        let mut frame = self.frame(protocol::PARKED);
        frame.u64(key);
        self.send(frame);
    }

    fn report(&mut self, key: u64, _reply: (), report: JobReport, _parked: bool) {
        let mut frame = self.frame(protocol::REPORT);
        frame.u64(key);
        protocol::jobs::put_report(&mut frame, &report);
        self.send(frame);
    }
}

/// The sandbox process's `main`.
pub fn main() -> ExitCode {
    // Terminal and service-manager signals are for the worker, which drains its jobs
    // and then closes the channel; the process ends with it. A memory fault kills the
    // process at once (Rust's stack-overflow handler would make a forbidden call to
    // reset itself, and the worker would see SIGSYS instead of the fault).
    // SAFETY: setting dispositions before anything else runs.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
        libc::signal(libc::SIGTERM, libc::SIG_IGN);
        libc::signal(libc::SIGSEGV, libc::SIG_DFL);
        libc::signal(libc::SIGBUS, libc::SIG_DFL);
    }
    let status = match serve() {
        Ok(()) => 0,
        Err((status, message)) => {
            // Not `eprintln!`, which panics when standard error is closed.
            let _ = writeln!(std::io::stderr(), "warren sandbox process: {message}");
            status
        }
    };
    // Straight out: no destructors or exit handlers, which would make calls the
    // seccomp filter forbids; the kernel frees everything.
    // SAFETY: ends the process; nothing runs after it.
    unsafe { libc::_exit(i32::from(status)) }
}

fn serve() -> Result<(), (u8, String)> {
    let setup_failed = |message: String| (SETUP_FAILED, message);
    // SAFETY: the worker hands these descriptors over, open, to this process alone.
    let (channel, watch_fd) = unsafe {
        (
            OwnedFd::from_raw_fd(CHANNEL_FD),
            OwnedFd::from_raw_fd(WATCH_FD),
        )
    };
    let watch = SharedWatch::map(&watch_fd).map_err(|err| setup_failed(format!("watch: {err}")))?;
    drop(watch_fd);
    let mut reader = FrameReader::new(&channel, u32::MAX as usize);
    let init = {
        let frame = reader
            .next(None)
            .map_err(|err| setup_failed(format!("no set-up: {err}")))?
            .ok_or_else(|| setup_failed("no set-up".into()))?;
        let (tag, mut d) =
            Decoder::frame(frame).map_err(|err| setup_failed(format!("set-up: {err}")))?;
        if tag != INIT {
            return Err(setup_failed(format!("set-up expected, got tag {tag}")));
        }
        // The library's text is shared when the set-up says so: mapped, and its
        // descriptor closed, before the process confines itself.
        let shared = || {
            // SAFETY: the worker hands this descriptor over, open, when the set-up
            // says the library is shared (and only then is this called).
            let fd = unsafe { OwnedFd::from_raw_fd(LIBRARY_FD) };
            SharedText::map(&fd).map(LibraryText::Shared)
        };
        init::decode_init(&mut d, shared).map_err(|err| setup_failed(format!("set-up: {err}")))?
    };
    // SAFETY: plain libc call, single-threaded.
    unsafe { tzset() };
    // Warnings (a package the snapshot leaves out) go where the process's other
    // messages go: stderr, a pipe the worker relays into its log.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::WARN)
        .without_time()
        .with_ansi(false)
        .try_init();
    // Snapshot arenas share the address space with the heaps of runtimes built
    // without one: leave those the room the worker's start-up check counts on.
    let limits = &init.setup.limits;
    let heaps = (2 * limits.memory_mb + limits.stack_kb / 1024 + 256) << 20;
    crate::sandbox::runtime::arena::limit_reservations(
        usize::try_from(init.address_space_bytes.saturating_sub(heaps)).unwrap_or(usize::MAX),
    );
    // Arenas are watched for writes by a fault handler, which cannot be installed once
    // the process is confined.
    if init.setup.snapshots {
        crate::sandbox::runtime::write_watch::install();
    }
    let confined =
        confine(init.address_space_bytes).map_err(|err| setup_failed(format!("confine: {err}")))?;
    let host = ProcessHost {
        channel: ManuallyDrop::new(channel),
        watch,
        buf: Vec::with_capacity(4096),
    };
    let timeout = Duration::from_millis(init.setup.limits.timeout_ms);
    let mut jobs = JobSet::new(init.setup, host);
    // Ready once the first job's runtime is: no job waits here while the pool's
    // packages are preloaded into it.
    jobs.prepare_ahead();
    jobs.host.watch.set_prepared(true);
    let mut ready = jobs.host.frame(protocol::READY);
    ready.u32(confined.landlock_abi);
    jobs.host.send(ready);
    let mut open = true;
    let protocol_error = |err: codec::CodecError| (PROTOCOL_ERROR, format!("bad frame: {err}"));
    loop {
        if !open && jobs.is_empty() {
            return Ok(());
        }
        if open
            && !reader
                .has_input()
                .map_err(|err| (PROTOCOL_ERROR, err.to_string()))?
        {
            // About to wait: have the next job's context ready meanwhile, and let the
            // worker know, so it prefers this process for the next job.
            jobs.prepare_ahead();
            jobs.host.watch.set_prepared(true);
        }
        let frame = match reader.next(jobs.next_wake()) {
            Ok(Some(frame)) => frame,
            Ok(None) => {
                jobs.wake_due();
                continue;
            }
            Err(ReadError::Closed) => return Ok(()),
            Err(err) => return Err((PROTOCOL_ERROR, err.to_string())),
        };
        let (tag, mut d) = Decoder::frame(frame).map_err(protocol_error)?;
        match tag {
            TASK => {
                let key = d.u64().map_err(protocol_error)?;
                jobs.host.watch.set_prepared(false);
                // The task is this process's business from here: if reading or
                // starting it kills the process, the worker blames this task.
                jobs.host.watch.enter(key, Instant::now() + timeout);
                let request = protocol::jobs::get_request(&mut d).map_err(protocol_error)?;
                #[cfg(feature = "test-hooks")]
                test_hooks::before_job(&request.job_id);
                jobs.start(key, &request, ());
            }
            FETCHED => {
                let key = d.u64().map_err(protocol_error)?;
                let id = d.u32().map_err(protocol_error)?;
                let result = fetch::get_fetch_result(&mut d).map_err(protocol_error)?;
                jobs.deliver(key, id, result);
            }
            CLOSE => open = false,
            other => return Err((PROTOCOL_ERROR, format!("unknown tag {other}"))),
        }
        // Timers that fell due while the frame was handled run now, not after the next.
        if jobs.next_wake().is_some_and(|wake| wake <= Instant::now()) {
            jobs.wake_due();
        }
    }
}

/// Test-only misbehaviour, compiled into `warren-worker-test-hooks` alone: a job whose
/// id is `warren-test-sandbox-ACTION-…` makes its sandbox process do ACTION first.
#[cfg(feature = "test-hooks")]
mod test_hooks {
    pub fn before_job(job_id: &str) {
        let Some(action) = job_id.strip_prefix("warren-test-sandbox-") else {
            return;
        };
        // SAFETY: deliberately forbidden or fatal calls, for tests of the walls.
        unsafe {
            match action.split('-').next() {
                Some("open") => {
                    libc::open(c"/etc/hostname".as_ptr(), libc::O_RDONLY);
                }
                Some("socket") => {
                    libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
                }
                Some("execve") => {
                    let argv = [c"/bin/true".as_ptr(), std::ptr::null()];
                    let envp = [std::ptr::null()];
                    libc::execve(c"/bin/true".as_ptr(), argv.as_ptr(), envp.as_ptr());
                }
                Some("abort") => std::process::abort(),
                Some("segv") => {
                    std::ptr::write_volatile(std::ptr::dangling_mut::<u64>().wrapping_add(1), 1);
                }
                _ => {}
            }
        }
    }
}
