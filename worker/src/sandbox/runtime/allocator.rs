//! A metered allocator for one job's QuickJS runtime.
//!
//! QuickJS turns a failed allocation into a catchable `out of memory` error, so a job
//! can swallow it and fail some other way. Enforcing the limit here, instead of with
//! `JS_SetMemoryLimit`, lets the sandbox know for certain that the limit was hit, and
//! gives each job an exact peak figure for its result's stats.
//!
//! A runtime restored from a snapshot allocates from its [`Arena`] instead of libc
//! ([`ArenaAllocator`]); its meter then counts from the snapshot's own bytes (its
//! baseline), so a job's limit and peak are what the job itself allocated.

use std::cell::Cell;
use std::ptr::NonNull;
use std::rc::Rc;

use rquickjs::Ctx;
use rquickjs::allocator::Allocator;

use super::arena::Arena;

/// Byte counts shared between a job's allocator and the code that runs the job.
#[derive(Debug)]
pub struct MemoryMeter {
    limit: Cell<usize>,
    used: Cell<usize>,
    peak: Cell<usize>,
    exceeded: Cell<bool>,
    /// Bytes that are not the job's: the snapshot's, in a restored runtime.
    baseline: Cell<usize>,
}

impl MemoryMeter {
    pub fn new(limit: usize) -> Rc<MemoryMeter> {
        Rc::new(MemoryMeter {
            limit: Cell::new(limit),
            used: Cell::new(0),
            peak: Cell::new(0),
            exceeded: Cell::new(false),
            baseline: Cell::new(0),
        })
    }

    /// Sets the limit for the job about to run in a runtime prepared under another.
    pub fn set_limit(&self, limit: usize) {
        self.limit.set(limit);
    }

    /// Bytes held now (the baseline's included).
    pub fn used(&self) -> usize {
        self.used.get()
    }

    /// Whether any allocation was refused for going over the limit.
    pub fn exceeded(&self) -> bool {
        self.exceeded.get()
    }

    /// The most bytes the job held at once (on top of the baseline).
    pub fn peak(&self) -> usize {
        self.peak.get() - self.baseline.get()
    }

    /// Makes what the runtime holds now the baseline: the snapshot's bytes, which the
    /// jobs restored from it neither pay for nor report.
    pub fn set_baseline(&self) {
        self.baseline.set(self.used.get());
        self.peak.set(self.used.get());
    }

    /// Back to the baseline, as when the snapshot was taken: for a restored runtime.
    pub fn restore(&self) {
        self.used.set(self.baseline.get());
        self.peak.set(self.baseline.get());
        self.exceeded.set(false);
    }

    /// Remembers an allocation refused for want of room (the same as for the limit).
    fn refused(&self) {
        self.exceeded.set(true);
    }

    /// Runs `warren_work` with the limit lifted and the peak kept as it was: for the
    /// host's own reading of what a job left (its error's text, its value's JSON),
    /// which must neither fail at the job's limit nor count as the job's use.
    pub fn unmetered<T>(&self, warren_work: impl FnOnce() -> T) -> T {
        let (limit, peak) = (self.limit.replace(usize::MAX), self.peak.get());
        let out = warren_work();
        self.limit.set(limit);
        self.peak.set(peak);
        out
    }

    /// Whether `more` bytes fit under the limit; remembers a refusal.
    fn fits(&self, more: usize) -> bool {
        let allowed = self.limit.get().saturating_add(self.baseline.get());
        if self.used.get().saturating_add(more) > allowed {
            self.exceeded.set(true);
            return false;
        }
        true
    }

    fn grow(&self, by: usize) {
        let used = self.used.get().saturating_add(by);
        self.used.set(used);
        if used > self.peak.get() {
            self.peak.set(used);
        }
    }

    fn shrink(&self, by: usize) {
        self.used.set(self.used.get().saturating_sub(by));
    }
}

/// libc's allocator with a byte limit and a peak gauge.
pub struct MeteredAllocator {
    meter: Rc<MemoryMeter>,
}

impl MeteredAllocator {
    pub fn new(meter: Rc<MemoryMeter>) -> MeteredAllocator {
        MeteredAllocator { meter }
    }
}

fn usable(ptr: *mut u8) -> usize {
    // SAFETY: only called on pointers returned by libc's malloc family below.
    unsafe { libc::malloc_usable_size(ptr.cast()) }
}

// SAFETY: every pointer comes from libc's malloc/calloc/realloc, which return memory
// aligned for any fundamental type, and `usable_size` reports libc's own figure.
unsafe impl Allocator for MeteredAllocator {
    fn alloc(&mut self, size: usize) -> *mut u8 {
        if !self.meter.fits(size) {
            return std::ptr::null_mut();
        }
        // SAFETY: plain libc allocation.
        let ptr = unsafe { libc::malloc(size) }.cast::<u8>();
        if !ptr.is_null() {
            self.meter.grow(usable(ptr));
        }
        ptr
    }

    fn calloc(&mut self, count: usize, size: usize) -> *mut u8 {
        let Some(total) = count.checked_mul(size) else {
            return std::ptr::null_mut();
        };
        if !self.meter.fits(total) {
            return std::ptr::null_mut();
        }
        // SAFETY: plain libc allocation.
        let ptr = unsafe { libc::calloc(count, size) }.cast::<u8>();
        if !ptr.is_null() {
            self.meter.grow(usable(ptr));
        }
        ptr
    }

    unsafe fn dealloc(&mut self, ptr: *mut u8) {
        if ptr.is_null() {
            return;
        }
        self.meter.shrink(usable(ptr));
        // SAFETY: the caller guarantees `ptr` came from this allocator.
        unsafe { libc::free(ptr.cast()) };
    }

    unsafe fn realloc(&mut self, ptr: *mut u8, new_size: usize) -> *mut u8 {
        let old = if ptr.is_null() { 0 } else { usable(ptr) };
        if new_size > old && !self.meter.fits(new_size - old) {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller guarantees `ptr` came from this allocator (or is null).
        let new_ptr = unsafe { libc::realloc(ptr.cast(), new_size) }.cast::<u8>();
        if new_ptr.is_null() {
            return new_ptr;
        }
        self.meter.shrink(old);
        self.meter.grow(usable(new_ptr));
        new_ptr
    }

    unsafe fn usable_size(ptr: *mut u8) -> usize {
        usable(ptr)
    }
}

/// An [`Arena`]'s allocator with a byte limit and a peak gauge.
pub struct ArenaAllocator {
    arena: Rc<Arena>,
    meter: Rc<MemoryMeter>,
}

impl ArenaAllocator {
    pub fn new(arena: Rc<Arena>, meter: Rc<MemoryMeter>) -> ArenaAllocator {
        ArenaAllocator { arena, meter }
    }
}

fn arena_usable(ptr: NonNull<u8>) -> usize {
    // SAFETY: only called on live blocks of the arena below.
    unsafe { Arena::usable_size(ptr) }
}

// SAFETY: every pointer comes from the arena, whose blocks are aligned to 16 bytes
// (what malloc gives), and `usable_size` reports the arena's own figure.
unsafe impl Allocator for ArenaAllocator {
    fn alloc(&mut self, size: usize) -> *mut u8 {
        if !self.meter.fits(size) {
            return std::ptr::null_mut();
        }
        let ptr = self.arena.allocate(size);
        match NonNull::new(ptr) {
            Some(block) => self.meter.grow(arena_usable(block)),
            None => self.meter.refused(),
        }
        ptr
    }

    fn calloc(&mut self, count: usize, size: usize) -> *mut u8 {
        let Some(total) = count.checked_mul(size) else {
            return std::ptr::null_mut();
        };
        let ptr = self.alloc(total);
        if !ptr.is_null() {
            // SAFETY: a fresh block of at least `total` bytes. Arena memory is reused
            // within a job, so it is cleared here, as calloc promises.
            unsafe { std::ptr::write_bytes(ptr, 0, total) };
        }
        ptr
    }

    unsafe fn dealloc(&mut self, ptr: *mut u8) {
        let Some(block) = NonNull::new(ptr) else {
            return;
        };
        self.meter.shrink(arena_usable(block));
        // SAFETY: the caller guarantees `ptr` came from this allocator.
        unsafe { self.arena.free(block) };
    }

    unsafe fn realloc(&mut self, ptr: *mut u8, new_size: usize) -> *mut u8 {
        let Some(block) = NonNull::new(ptr) else {
            return self.alloc(new_size);
        };
        let old = arena_usable(block);
        if new_size > old && !self.meter.fits(new_size - old) {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller guarantees `ptr` came from this allocator.
        let moved = unsafe { self.arena.reallocate(block, new_size) };
        match NonNull::new(moved) {
            Some(moved) => {
                self.meter.shrink(old);
                self.meter.grow(arena_usable(moved));
            }
            None => self.meter.refused(),
        }
        moved
    }

    unsafe fn usable_size(ptr: *mut u8) -> usize {
        NonNull::new(ptr).map_or(0, arena_usable)
    }
}

/// Runs the host's `warren_work` on `ctx` outside the job's memory limit, when `ctx`
/// is a job's (elsewhere, as it is).
pub fn unmetered<T>(ctx: &Ctx<'_>, warren_work: impl FnOnce() -> T) -> T {
    let meter = ctx.userdata::<JobMeter>().map(|meter| meter.0.clone());
    match meter {
        Some(meter) => meter.unmetered(warren_work),
        None => warren_work(),
    }
}

/// The meter of a job's runtime, kept in its context's userdata so that code given
/// only a context can step outside the limit (see [`unmetered`]).
pub struct JobMeter(pub Rc<MemoryMeter>);

// SAFETY: `JobMeter` holds no JS values, so it has no lifetime to change.
unsafe impl<'js> rquickjs::JsLifetime<'js> for JobMeter {
    type Changed<'to> = JobMeter;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_limit_and_remembers_it() {
        let meter = MemoryMeter::new(4096);
        let mut alloc = MeteredAllocator::new(meter.clone());
        let a = alloc.alloc(1000);
        assert!(!a.is_null());
        assert!(!meter.exceeded());
        assert!(alloc.alloc(8000).is_null());
        assert!(meter.exceeded());
        let peak = meter.peak();
        assert!(peak >= 1000);
        // SAFETY: `a` came from this allocator.
        let b = unsafe { alloc.realloc(a, 2000) };
        assert!(!b.is_null());
        assert!(meter.peak() >= 2000);
        // SAFETY: `b` came from this allocator.
        unsafe { alloc.dealloc(b) };
        assert_eq!(meter.used.get(), 0);
    }
}
