//! What the watchdog sees of a sandbox process: a few words of memory shared between
//! the worker and the process (a memfd both map). The process writes which job it is
//! running and that job's deadline on the system's monotonic clock whenever it enters
//! or leaves JavaScript, and whether its next job's context is prepared; the worker
//! reads them. No message, no syscall per job, and the worker learns it even when the
//! process can no longer say anything.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// The shared words: the running job's key (0: none), its deadline, and whether the
/// next job's context is ready (1) or would be made when the job comes (0).
#[repr(C)]
struct Words {
    running: AtomicU64,
    deadline_ns: AtomicU64,
    prepared: AtomicU64,
}

const SIZE: usize = std::mem::size_of::<Words>();

/// One mapping of a process's watch words.
pub struct SharedWatch {
    words: NonNull<Words>,
}

// SAFETY: the mapping is only accessed through atomics and lives until drop.
unsafe impl Send for SharedWatch {}
// SAFETY: as above.
unsafe impl Sync for SharedWatch {}

impl SharedWatch {
    /// New watch words in a fresh memfd: the mapping, and the fd to hand the process.
    pub fn create() -> io::Result<(SharedWatch, OwnedFd)> {
        // SAFETY: a static, NUL-terminated name.
        let raw = unsafe { libc::memfd_create(c"warren-watch".as_ptr(), libc::MFD_CLOEXEC) };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: memfd_create just returned this descriptor, owned by no one else.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        // SAFETY: a valid descriptor.
        if unsafe { libc::ftruncate(fd.as_raw_fd(), SIZE as libc::off_t) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let watch = SharedWatch::map(&fd)?;
        Ok((watch, fd))
    }

    /// Maps the watch words behind `fd` (the fd may be closed afterwards).
    pub fn map(fd: &OwnedFd) -> io::Result<SharedWatch> {
        // SAFETY: mapping SIZE bytes of a descriptor at least that long, shared.
        let address = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                SIZE,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd.as_raw_fd(),
                0,
            )
        };
        if address == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let words = NonNull::new(address.cast::<Words>()).ok_or_else(io::Error::last_os_error)?;
        Ok(SharedWatch { words })
    }

    fn words(&self) -> &Words {
        // SAFETY: the mapping is valid, aligned (page-aligned) and zero-initialised
        // (a fresh memfd), which is a valid `Words`.
        unsafe { self.words.as_ref() }
    }

    /// The process enters job `key`'s JavaScript, which must be done by `deadline`.
    pub fn enter(&self, key: u64, deadline: Instant) {
        let left = deadline.saturating_duration_since(Instant::now());
        let deadline_ns = monotonic_ns().saturating_add(left.as_nanos() as u64);
        let words = self.words();
        words.deadline_ns.store(deadline_ns, Ordering::Relaxed);
        words.running.store(key, Ordering::Release);
    }

    /// The process is back in its own loop.
    pub fn leave(&self) {
        self.words().running.store(0, Ordering::Release);
    }

    /// The process has (or no longer has) its next job's context ready.
    pub fn set_prepared(&self, prepared: bool) {
        self.words()
            .prepared
            .store(u64::from(prepared), Ordering::Relaxed);
    }

    /// Whether a job sent to the process now would find its context ready (a hint for
    /// choosing between free processes: a process may say anything here).
    pub fn prepared(&self) -> bool {
        self.words().prepared.load(Ordering::Relaxed) == 1
    }

    /// The job running now and its deadline (monotonic nanoseconds), if any.
    pub fn running(&self) -> Option<(u64, u64)> {
        let words = self.words();
        loop {
            let key = words.running.load(Ordering::Acquire);
            if key == 0 {
                return None;
            }
            let deadline = words.deadline_ns.load(Ordering::Relaxed);
            // The same key before and after: the deadline belongs to it.
            if words.running.load(Ordering::Acquire) == key {
                return Some((key, deadline));
            }
        }
    }
}

impl Drop for SharedWatch {
    fn drop(&mut self) {
        // SAFETY: unmapping exactly what `map` mapped; no reference outlives self.
        unsafe { libc::munmap(self.words.as_ptr().cast(), SIZE) };
    }
}

/// The system's monotonic clock, the same in every process.
pub fn monotonic_ns() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid timespec to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    (now.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(now.tv_nsec as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn two_mappings_see_the_same_words() {
        let (worker, fd) = SharedWatch::create().expect("memfd");
        let process = SharedWatch::map(&fd).expect("second mapping");
        drop(fd);
        assert_eq!(worker.running(), None);
        let before = monotonic_ns();
        process.enter(42, Instant::now() + Duration::from_millis(500));
        let (key, deadline) = worker.running().expect("running");
        assert_eq!(key, 42);
        assert!(deadline >= before + 400_000_000 && deadline <= monotonic_ns() + 500_000_000);
        process.leave();
        assert_eq!(worker.running(), None);
        assert!(!worker.prepared());
        process.set_prepared(true);
        assert!(worker.prepared());
        process.set_prepared(false);
        assert!(!worker.prepared());
    }
}
