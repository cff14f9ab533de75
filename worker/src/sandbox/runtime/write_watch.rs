//! The pages of an arena written since its picture was taken, learnt from the
//! processor's page protection, so that a restore copies back only those.
//!
//! After a picture, the arena's pages are made read-only. The first write to one
//! faults; the process's `SIGSEGV` handler ([`install`]) finds the page in a watched
//! range, copies its bytes (still the picture's) to the range's store of originals,
//! marks it written and makes it writable, and the write goes ahead. A restore copies
//! the originals of the written pages back. Written pages stay writable, so a page
//! every job writes costs one fault, not one per job. They are made read-only again
//! when they have become many more than the jobs usually write (a garbage collection
//! writes every object: one such job would otherwise make every later restore copy
//! the whole heap), and every [`REPROTECT_EVERY`] restores in any case.
//!
//! A page no job wrote is never copied, in either direction: a picture with large
//! libraries in it costs a restore what the jobs touch, and holds in memory only the
//! originals of pages that were written.
//!
//! The kernel does not fault on the process's behalf: a system call that writes into a
//! read-only page fails (`EFAULT`). Nothing writes into a runtime's heap from a system
//! call (`getrandom` fills a buffer of its own first: `modules::crypto`).
//!
//! A fault anywhere else goes to the handler that was there before (Rust's guard-page
//! check, or the default action, which ends the process as it would have).

use std::ffi::{c_int, c_void};
use std::io;
use std::ptr::NonNull;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicPtr, AtomicU8, AtomicU64, AtomicUsize, Ordering};

/// The most restores between two re-protections of the pages jobs wrote.
pub const REPROTECT_EVERY: u32 = 1024;

/// Restores after a protection whose written pages tell how many a job usually
/// writes (the fewest of them).
pub const LEARN_RESTORES: u32 = 8;

/// Written pages past twice the usual count (and this many more) are protected again
/// at the next restore.
const GROWTH_SLACK: usize = 64;

/// Watched ranges the process can have at once; an arena that finds none free is
/// restored by copying its whole picture.
const RANGES: usize = 512;

const FREE: u8 = 0;
const CLAIMED: u8 = 1;
const LIVE: u8 = 2;

/// A watched range, as the fault handler reads it.
struct Range {
    state: AtomicU8,
    /// Changed every time the range is claimed: a reader that finds it unchanged
    /// after reading the fields read one range's, not two.
    generation: AtomicUsize,
    start: AtomicUsize,
    end: AtomicUsize,
    /// One bit per page: written (and writable) since last protected.
    written: AtomicPtr<AtomicU64>,
    /// One bit per page: its original bytes are in `originals`.
    saved: AtomicPtr<AtomicU64>,
    originals: AtomicPtr<u8>,
}

#[allow(clippy::declare_interior_mutable_const)]
const EMPTY_RANGE: Range = Range {
    state: AtomicU8::new(FREE),
    generation: AtomicUsize::new(0),
    start: AtomicUsize::new(0),
    end: AtomicUsize::new(0),
    written: AtomicPtr::new(std::ptr::null_mut()),
    saved: AtomicPtr::new(std::ptr::null_mut()),
    originals: AtomicPtr::new(std::ptr::null_mut()),
};

static WATCHED: [Range; RANGES] = [EMPTY_RANGE; RANGES];

/// The handler that was installed before ours, to pass other faults to.
static PREVIOUS: OnceLock<Previous> = OnceLock::new();

struct Previous(libc::sigaction);

// SAFETY: a plain C struct of a function pointer, flags and a signal mask, written
// once before the handler is installed and only read after.
unsafe impl Sync for Previous {}
// SAFETY: as above.
unsafe impl Send for Previous {}

/// Installs the fault handler (once per process). A sandbox process calls it before
/// it confines itself, which forbids installing handlers.
pub fn install() -> bool {
    // Asked once here, so that the handler never has to.
    page_size();
    PREVIOUS
        .get_or_init(|| {
            // SAFETY: zeroed `sigaction` structs are valid; the handler is an
            // `extern "C"` function of the SA_SIGINFO shape.
            unsafe {
                let mut ours: libc::sigaction = std::mem::zeroed();
                ours.sa_sigaction = on_fault as *const () as usize;
                ours.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
                libc::sigemptyset(&mut ours.sa_mask);
                let mut previous: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(libc::SIGSEGV, &ours, &mut previous) != 0 {
                    // Not installed: `sa_sigaction` stays 0 (SIG_DFL) and nothing is
                    // watched (see `installed`).
                    previous.sa_flags = -1;
                }
                Previous(previous)
            }
        })
        .0
        .sa_flags
        != -1
}

/// Pages of one arena watched for writes.
pub struct Watch {
    index: usize,
    start: NonNull<u8>,
    pages: usize,
    page: usize,
    written: Box<[AtomicU64]>,
    /// Read by the fault handler, through its range.
    #[cfg_attr(not(test), allow(dead_code))]
    saved: Box<[AtomicU64]>,
    originals: NonNull<u8>,
    /// Restores since the pages were last protected.
    restores: u32,
    /// The fewest pages written among the first restores since then.
    usual: usize,
}

impl Watch {
    /// Watches the `len` bytes (whole pages) from `start`, which now hold the picture:
    /// makes them read-only. `None` when the process cannot watch another range.
    ///
    /// # Safety
    /// The range must be mapped, readable and writable, and stay mapped while the
    /// `Watch` lives; nothing may change its protection meanwhile.
    pub unsafe fn new(start: NonNull<u8>, len: usize, page: usize) -> io::Result<Watch> {
        if !install() {
            return Err(io::Error::other("no fault handler"));
        }
        let pages = len / page;
        let words = pages.div_ceil(64).max(1);
        let bits = || (0..words).map(|_| AtomicU64::new(0)).collect::<Box<[_]>>();
        let (written, saved) = (bits(), bits());
        // SAFETY: a fresh private anonymous mapping, reserved, not committed.
        let originals = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len.max(page),
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if originals == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let originals =
            NonNull::new(originals.cast::<u8>()).ok_or_else(|| io::Error::other("null"))?;
        let unmap = || {
            // SAFETY: the mapping made above, not yet handed to anyone.
            unsafe { libc::munmap(originals.as_ptr().cast(), len.max(page)) };
        };
        let Some(index) = WATCHED.iter().position(|range| {
            range
                .state
                .compare_exchange(FREE, CLAIMED, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
        }) else {
            unmap();
            return Err(io::Error::other("every watched range is taken"));
        };
        let range = &WATCHED[index];
        range.generation.fetch_add(1, Ordering::AcqRel);
        range
            .start
            .store(start.as_ptr() as usize, Ordering::Relaxed);
        range
            .end
            .store(start.as_ptr() as usize + pages * page, Ordering::Relaxed);
        range
            .written
            .store(written.as_ptr().cast_mut(), Ordering::Relaxed);
        range
            .saved
            .store(saved.as_ptr().cast_mut(), Ordering::Relaxed);
        range.originals.store(originals.as_ptr(), Ordering::Relaxed);
        range.state.store(LIVE, Ordering::Release);
        let watch = Watch {
            index,
            start,
            pages,
            page,
            written,
            saved,
            originals,
            restores: 0,
            usual: usize::MAX,
        };
        // SAFETY: per the caller, the range is ours to protect.
        if unsafe { libc::mprotect(start.as_ptr().cast(), pages * page, libc::PROT_READ) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(watch)
    }

    /// The bytes it watches.
    pub fn len(&self) -> usize {
        self.pages * self.page
    }

    /// Copies back the original bytes of every page written since the picture, and
    /// makes them read-only again when they have grown many (see the module's
    /// documentation).
    ///
    /// # Safety
    /// Nothing may use the watched memory during the call.
    pub unsafe fn restore(&mut self) {
        let base = self.start.as_ptr();
        let mut reprotect = Vec::new();
        let runs = runs(&self.written, self.pages);
        let written: usize = runs.iter().map(|(_, count)| count).sum();
        self.restores += 1;
        if self.restores <= LEARN_RESTORES {
            self.usual = self.usual.min(written);
        }
        let again = self.restores >= REPROTECT_EVERY
            || (self.restores > LEARN_RESTORES
                && written > self.usual.saturating_mul(2).saturating_add(GROWTH_SLACK));
        for (first, count) in runs {
            let (offset, len) = (first * self.page, count * self.page);
            // SAFETY: written pages are writable and their originals saved (the
            // handler saves before it marks); both ranges lie inside their mappings.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    self.originals.as_ptr().add(offset),
                    base.add(offset),
                    len,
                )
            };
            if again {
                reprotect.push((offset, len));
            }
        }
        if again {
            self.restores = 0;
            self.usual = usize::MAX;
            for (offset, len) in reprotect {
                // Cleared before the page is read-only: a write in between would
                // fault and mark it again, never be missed.
                for page in offset / self.page..(offset + len) / self.page {
                    self.written[page / 64].fetch_and(!(1 << (page % 64)), Ordering::Relaxed);
                }
                // SAFETY: inside the watched range, which is ours.
                let protected =
                    unsafe { libc::mprotect(base.add(offset).cast(), len, libc::PROT_READ) };
                if protected != 0 {
                    // Still writable: keep them marked, copied at every restore.
                    for page in offset / self.page..(offset + len) / self.page {
                        self.written[page / 64].fetch_or(1 << (page % 64), Ordering::Relaxed);
                    }
                }
            }
        }
    }

    /// Pages written since the picture or the last re-protection.
    #[cfg(test)]
    pub fn written_pages(&self) -> usize {
        self.written
            .iter()
            .map(|word| word.load(Ordering::Relaxed).count_ones() as usize)
            .sum()
    }

    /// Pages whose originals are kept.
    #[cfg(test)]
    pub fn saved_pages(&self) -> usize {
        self.saved
            .iter()
            .map(|word| word.load(Ordering::Relaxed).count_ones() as usize)
            .sum()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        WATCHED[self.index].state.store(FREE, Ordering::Release);
        // SAFETY: the range is ours (per `new`); the originals' mapping is ours alone.
        unsafe {
            libc::mprotect(
                self.start.as_ptr().cast(),
                self.len(),
                libc::PROT_READ | libc::PROT_WRITE,
            );
            libc::munmap(self.originals.as_ptr().cast(), self.len().max(self.page));
        }
    }
}

/// Runs of set bits among the first `pages` bits: (first, count).
fn runs(bits: &[AtomicU64], pages: usize) -> Vec<(usize, usize)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for (index, word) in bits.iter().enumerate() {
        let mut word = word.load(Ordering::Relaxed);
        while word != 0 {
            let bit = word.trailing_zeros() as usize;
            word &= word - 1;
            let page = index * 64 + bit;
            if page >= pages {
                break;
            }
            match runs.last_mut() {
                Some((first, count)) if *first + *count == page => *count += 1,
                _ => runs.push((page, 1)),
            }
        }
    }
    runs
}

/// The `SIGSEGV` handler: a first write to a watched page is let through; any other
/// fault goes to the previous handler.
extern "C" fn on_fault(signal: c_int, info: *mut libc::siginfo_t, context: *mut c_void) {
    // SAFETY: the kernel hands a valid `siginfo_t` to an SA_SIGINFO handler.
    let address = unsafe { (*info).si_addr() } as usize;
    if !let_write_through(address) {
        // SAFETY: as the kernel called us.
        unsafe { pass_on(signal, info, context) };
    }
}

/// Marks the watched page at `address` written, after saving its original bytes, and
/// makes it writable; false when `address` is in no watched range (or the page cannot
/// be made writable). Only async-signal-safe work: atomics, copies, `mprotect`.
fn let_write_through(address: usize) -> bool {
    let page = page_size();
    for range in &WATCHED {
        let generation = range.generation.load(Ordering::Acquire);
        if range.state.load(Ordering::Acquire) != LIVE {
            continue;
        }
        let (start, end) = (
            range.start.load(Ordering::Relaxed),
            range.end.load(Ordering::Relaxed),
        );
        let (saved, written, originals) = (
            range.saved.load(Ordering::Relaxed),
            range.written.load(Ordering::Relaxed),
            range.originals.load(Ordering::Relaxed),
        );
        // Re-read: another thread may have dropped and claimed the range meanwhile.
        if range.state.load(Ordering::Acquire) != LIVE
            || range.generation.load(Ordering::Acquire) != generation
            || address < start
            || address >= end
        {
            continue;
        }
        let index = (address - start) / page;
        let pages = (end - start) / page;
        // SAFETY: the range is live, so its bitmaps and originals are allocated for
        // every page in it, and its pages are mapped.
        unsafe {
            save(saved, originals, start, index, page);
            set(written, index);
            let at = (start + index * page) as *mut libc::c_void;
            if libc::mprotect(at, page, libc::PROT_READ | libc::PROT_WRITE) == 0 {
                return true;
            }
            // The kernel refused to split the mapping once more (too many mappings):
            // the whole range becomes writable, every page saved and marked written,
            // so that the next restore copies it all back (and protects it again).
            for other in 0..pages {
                save(saved, originals, start, other, page);
                set(written, other);
            }
            let whole = start as *mut libc::c_void;
            return libc::mprotect(whole, end - start, libc::PROT_READ | libc::PROT_WRITE) == 0;
        }
    }
    false
}

/// Copies page `index`'s original bytes aside, unless they already are.
///
/// # Safety
/// The pointers are a live range's, and `index` one of its pages.
unsafe fn save(saved: *mut AtomicU64, originals: *mut u8, start: usize, index: usize, page: usize) {
    let bit = 1u64 << (index % 64);
    // SAFETY: per the caller.
    unsafe {
        let word = &*saved.add(index / 64);
        if word.load(Ordering::Relaxed) & bit == 0 {
            let at = (start + index * page) as *const u8;
            std::ptr::copy_nonoverlapping(at, originals.add(index * page), page);
            word.fetch_or(bit, Ordering::Relaxed);
        }
    }
}

/// Marks page `index` in `bits`.
///
/// # Safety
/// `bits` has a bit for `index`.
unsafe fn set(bits: *mut AtomicU64, index: usize) {
    // SAFETY: per the caller.
    unsafe { (*bits.add(index / 64)).fetch_or(1 << (index % 64), Ordering::Relaxed) };
}

/// Hands a fault that is not ours to the handler installed before.
///
/// # Safety
/// Called from the signal handler with the kernel's arguments.
unsafe fn pass_on(signal: c_int, info: *mut libc::siginfo_t, context: *mut c_void) {
    let previous = PREVIOUS.get().map(|previous| previous.0);
    let handler = previous.map_or(libc::SIG_DFL, |previous| previous.sa_sigaction);
    // SAFETY: the kernel's `siginfo_t`.
    let sent = unsafe { (*info).si_code } <= 0;
    // A signal sent by another process goes to the default action whatever handler
    // was there (Rust's guard-page check would swallow it, and remove this handler).
    if sent || handler == libc::SIG_DFL || handler == libc::SIG_IGN {
        // The default action: once this handler returns, a fault happens again; a
        // signal that was sent, not a fault, is sent again (blocked until then).
        // SAFETY: a zeroed `sigaction` is SIG_DFL with no flags; `info` is the kernel's.
        unsafe {
            let mut default: libc::sigaction = std::mem::zeroed();
            libc::sigemptyset(&mut default.sa_mask);
            libc::sigaction(signal, &default, std::ptr::null_mut());
            if sent {
                libc::raise(signal);
            }
        }
        return;
    }
    let siginfo = previous.is_some_and(|previous| previous.sa_flags & libc::SA_SIGINFO != 0);
    // SAFETY: the previous handler was installed with this shape (per its flags).
    unsafe {
        if siginfo {
            let handler: extern "C" fn(c_int, *mut libc::siginfo_t, *mut c_void) =
                std::mem::transmute(handler);
            handler(signal, info, context);
        } else {
            let handler: extern "C" fn(c_int) = std::mem::transmute(handler);
            handler(signal);
        }
    }
}

fn page_size() -> usize {
    static PAGE: AtomicUsize = AtomicUsize::new(0);
    match PAGE.load(Ordering::Relaxed) {
        0 => {
            // SAFETY: a plain query (async-signal-safe).
            let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
            let size = usize::try_from(size).unwrap_or(4096).max(4096);
            PAGE.store(size, Ordering::Relaxed);
            size
        }
        size => size,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_join_neighbouring_pages() {
        let bits: Vec<AtomicU64> = vec![AtomicU64::new(0b1110_0110), AtomicU64::new(1)];
        bits[0].fetch_or(1 << 63, Ordering::Relaxed);
        assert_eq!(runs(&bits, 128), vec![(1, 2), (5, 3), (63, 2)]);
        assert_eq!(runs(&bits, 64), vec![(1, 2), (5, 3), (63, 1)]);
    }
}
