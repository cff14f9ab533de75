//! A global allocator for test builds that watches the largest single allocation a
//! thread makes while asked to, so tests can prove that decoding hostile input
//! allocates in proportion to the input. A crate's tests install it with
//!
//! ```ignore
//! #[cfg(test)]
//! #[global_allocator]
//! static ALLOCATOR: warren_testkit::alloc::Watching = warren_testkit::alloc::Watching;
//! ```
//!
//! and measure with [`largest_during`].

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Runs `f` and returns what it gave and the largest single allocation it made on
/// this thread (0 when [`Watching`] is not the global allocator).
pub fn largest_during<R>(f: impl FnOnce() -> R) -> (R, usize) {
    LARGEST.with(|largest| largest.set(Some(0)));
    let result = f();
    let largest = LARGEST.with(|largest| largest.take()).unwrap_or(0);
    (result, largest)
}

/// The system allocator, noting sizes for the thread that watches.
pub struct Watching;

thread_local! {
    /// The largest allocation since watching began on this thread (`None`: not watching).
    static LARGEST: Cell<Option<usize>> = const { Cell::new(None) };
}

fn note(size: usize) {
    let _ = LARGEST.try_with(|largest| {
        if let Some(so_far) = largest.get() {
            largest.set(Some(so_far.max(size)));
        }
    });
}

// SAFETY: every call is passed on to the system allocator unchanged; noting a size
// allocates nothing.
unsafe impl GlobalAlloc for Watching {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: as the caller promised for `layout`.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: as the caller promised for `layout`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        // SAFETY: as the caller promised for `ptr`, `layout` and `new_size`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as the caller promised for `ptr` and `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}
