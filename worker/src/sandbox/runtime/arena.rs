//! One runtime's heap in a single mapping, and pictures of it.
//!
//! Every allocation QuickJS makes for a runtime built over an [`Arena`] comes from one
//! private mapping, handed out by a TLSF allocator (`rlsf`) whose bookkeeping lives at
//! the start of that same mapping. The heap's whole state is therefore the mapping's
//! bytes up to the end handed to the allocator so far: copying them out
//! ([`Arena::capture`]) and back ([`Arena::restore`]) takes the heap back to the
//! moment of the picture, byte for byte, with no work done by QuickJS.
//!
//! A picture holds absolute addresses, so it is only ever restored into the arena it
//! was taken of.
//!
//! The picture's whole pages are watched for writes (`write_watch`): a restore copies
//! back only the pages written since, from originals saved as each was first written,
//! and the rest of the picture is not kept twice. Only the picture's last, partial
//! page is copied out and back every time (and the whole picture, should the process
//! be unable to watch the arena).

use std::alloc::Layout;
use std::cell::{Cell, RefCell};
use std::io;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::write_watch::Watch;

/// The allocator over an arena, 16 size classes per power of two. With 59 classes of
/// powers its pools have no size limit, so that growing the arena extends one pool
/// (and its last free block) instead of adding small separate ones.
type Heap = rlsf::Tlsf<'static, u64, u16, 59, 16>;

/// The alignment of every block, as `malloc` gives on this platform.
const ALIGN: usize = 16;

/// How much more of the mapping the allocator is given at a time. Small, because a
/// restore copies everything given so far.
const GROW_STEP: usize = 32 << 10;

/// Bytes a restore clears by writing zeros; past that, it hands the pages back to the
/// kernel instead (they read as zeros again, at a page fault each when next touched).
const ZERO_WRITE_LIMIT: usize = 1 << 20;

/// Bytes of address space all live arenas of the process have reserved.
static RESERVED: AtomicUsize = AtomicUsize::new(0);

/// The most they may reserve (see [`limit_reservations`]).
static BUDGET: AtomicUsize = AtomicUsize::new(usize::MAX);

/// Caps the address space all arenas of this process may reserve together: a sandbox
/// process's `RLIMIT_AS` also has to hold the heaps of runtimes built without one.
/// An arena that would go past it is not made (its runtime is then built the
/// ordinary way).
pub fn limit_reservations(bytes: usize) {
    BUDGET.store(bytes, Ordering::Relaxed);
}

/// A mapping one runtime's heap lives in.
pub struct Arena {
    base: NonNull<u8>,
    len: usize,
    /// Bytes from the base handed to the allocator (its bookkeeping included).
    given: Cell<usize>,
    /// The most `given` has been since the last restore (what a restore must clear).
    reached: Cell<usize>,
    /// The pages of the last picture, watched for writes.
    watch: RefCell<Option<Watch>>,
}

/// The bytes of an arena's heap at one moment: those from `from` on (the rest is in
/// the arena, watched).
pub struct Image {
    bytes: Box<[u8]>,
    from: usize,
}

impl Image {
    /// Its size in bytes.
    pub fn len(&self) -> usize {
        self.from + self.bytes.len()
    }
}

impl Arena {
    /// Maps an arena of `len` bytes (reserved, not committed: pages cost memory only
    /// once written) and sets its allocator up.
    pub fn new(len: usize) -> io::Result<Arena> {
        let page = page_size();
        let len = len.max(GROW_STEP * 2).next_multiple_of(page);
        let reserved = RESERVED.fetch_add(len, Ordering::Relaxed);
        if reserved.saturating_add(len) > BUDGET.load(Ordering::Relaxed) {
            RESERVED.fetch_sub(len, Ordering::Relaxed);
            return Err(io::Error::other(
                "no address space left for another arena in this process",
            ));
        }
        // SAFETY: a fresh private anonymous mapping; nothing else refers to it.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            RESERVED.fetch_sub(len, Ordering::Relaxed);
            return Err(io::Error::last_os_error());
        }
        let Some(base) = NonNull::new(base.cast::<u8>()) else {
            RESERVED.fetch_sub(len, Ordering::Relaxed);
            return Err(io::Error::other("null mapping"));
        };
        // SAFETY: the mapping is at least two grow steps long, page aligned (so aligned
        // for `Heap`), and ours alone.
        unsafe { base.as_ptr().cast::<Heap>().write(Heap::new()) };
        let start = size_of::<Heap>().next_multiple_of(rlsf::GRANULARITY);
        let arena = Arena {
            base,
            len,
            given: Cell::new(start),
            reached: Cell::new(start),
            watch: RefCell::new(None),
        };
        // SAFETY: the block lies inside the mapping, after the heap's bookkeeping.
        let first = unsafe {
            arena
                .heap()
                .insert_free_block_ptr(arena.span(start, GROW_STEP))
        };
        let Some(first) = first else {
            return Err(io::Error::other("the arena's first block is too small"));
        };
        arena.extend_to(start + first.get());
        Ok(arena)
    }

    /// A block of `size` bytes, or null if the arena is full.
    pub fn allocate(&self, size: usize) -> *mut u8 {
        let Ok(layout) = Layout::from_size_align(size.max(1), ALIGN) else {
            return std::ptr::null_mut();
        };
        loop {
            if let Some(block) = self.heap().allocate(layout) {
                return block.as_ptr();
            }
            if !self.grow(layout.size()) {
                return std::ptr::null_mut();
            }
        }
    }

    /// Frees `ptr`.
    ///
    /// # Safety
    /// `ptr` must be a live block of this arena.
    pub unsafe fn free(&self, ptr: NonNull<u8>) {
        // SAFETY: per the caller, with the alignment every block has.
        unsafe { self.heap().deallocate(ptr, ALIGN) };
    }

    /// Resizes `ptr` to `size` bytes (moving it if need be); null if the arena is full,
    /// `ptr` then left as it was.
    ///
    /// # Safety
    /// `ptr` must be a live block of this arena.
    pub unsafe fn reallocate(&self, ptr: NonNull<u8>, size: usize) -> *mut u8 {
        let Ok(layout) = Layout::from_size_align(size.max(1), ALIGN) else {
            return std::ptr::null_mut();
        };
        loop {
            // SAFETY: per the caller; every block has this alignment.
            if let Some(block) = unsafe { self.heap().reallocate(ptr, layout) } {
                return block.as_ptr();
            }
            if !self.grow(layout.size()) {
                return std::ptr::null_mut();
            }
        }
    }

    /// The bytes block `ptr` may use.
    ///
    /// # Safety
    /// `ptr` must be a live block of an arena.
    pub unsafe fn usable_size(ptr: NonNull<u8>) -> usize {
        // SAFETY: per the caller.
        unsafe { Heap::allocation_usable_size(ptr) }
    }

    /// Takes every free block of the heap for good, so that what is allocated from
    /// now on comes from memory the arena has not given out yet. Call before a
    /// picture: a job's allocations then land past it, where a restore clears them,
    /// instead of in holes scattered over the picture's pages, each of which it would
    /// then have to copy back. The holes' bytes stay unused (they are resident
    /// already: what they held was freed).
    pub fn plug_holes(&self) {
        let mut size = self.given.get().next_power_of_two();
        while size >= ALIGN {
            let Ok(layout) = Layout::from_size_align(size, ALIGN) else {
                break;
            };
            // Never `grow`: only what the allocator already has.
            while self.heap().allocate(layout).is_some() {}
            size /= 2;
        }
    }

    /// A picture of the heap as it is now. Its whole pages stay in the arena, watched
    /// for writes, unless the process cannot watch them.
    pub fn capture(&self) -> Image {
        let given = self.given.get();
        // An earlier picture's pages are writable again, and no longer watched.
        self.watch.replace(None);
        let page = page_size();
        let whole = given / page * page;
        // SAFETY: the whole pages are mapped read-write and stay mapped as long as the
        // arena, which drops the watch before it unmaps them; nothing else changes
        // their protection.
        let watch = (whole > 0)
            .then(|| unsafe { Watch::new(self.base, whole, page) }.ok())
            .flatten();
        let from = if watch.is_some() { whole } else { 0 };
        self.watch.replace(watch);
        // SAFETY: the first `given` bytes are mapped and initialised (zero when never
        // written).
        let bytes = unsafe { std::slice::from_raw_parts(self.base.as_ptr(), given) };
        Image {
            bytes: bytes[from..].into(),
            from,
        }
    }

    /// Pages of the picture written since it was taken or last re-protected, and
    /// pages whose original bytes are kept (both 0 when the arena is not watched).
    #[cfg(test)]
    pub fn written_and_saved_pages(&self) -> (usize, usize) {
        self.watch
            .borrow()
            .as_ref()
            .map_or((0, 0), |watch| (watch.written_pages(), watch.saved_pages()))
    }

    /// Puts `image` (a picture of this arena) back, and clears every byte given to the
    /// allocator since it was taken, so that nothing written after the picture can be
    /// read again.
    ///
    /// # Safety
    /// `image` must come from this arena's [`capture`](Arena::capture), and nothing may
    /// use a block allocated after it was taken (the runtime over the arena included)
    /// until it is restored to the state it had then.
    pub unsafe fn restore(&self, image: &Image) {
        let kept = image.len();
        let reached = self.reached.get();
        // Written zeros up to a page boundary past the limit; pages beyond, released.
        let cleared = (kept + ZERO_WRITE_LIMIT)
            .next_multiple_of(page_size())
            .min(reached);
        if let Some(watch) = self.watch.borrow_mut().as_mut() {
            debug_assert_eq!(watch.len(), image.from, "a picture of this arena");
            // SAFETY: per the caller, nothing uses the heap during the restore.
            unsafe { watch.restore() };
        }
        // SAFETY: `kept` ≤ `cleared` ≤ `reached` ≤ `len`: every range is inside the
        // mapping, and the picture does not overlap it.
        unsafe {
            let base = self.base.as_ptr();
            std::ptr::copy_nonoverlapping(
                image.bytes.as_ptr(),
                base.add(image.from),
                image.bytes.len(),
            );
            std::ptr::write_bytes(base.add(kept), 0, cleared - kept);
            if reached > cleared {
                // `cleared` is page aligned here. Released pages read as zeros; should
                // the call fail, write them.
                let (start, len) = (base.add(cleared), reached - cleared);
                if libc::madvise(start.cast(), len, libc::MADV_DONTNEED) != 0 {
                    std::ptr::write_bytes(start, 0, len);
                }
            }
        }
        self.given.set(kept);
        self.reached.set(kept);
    }

    /// Gives the allocator room for a block of `size` bytes; false when the mapping
    /// has no more.
    fn grow(&self, size: usize) -> bool {
        let given = self.given.get();
        // Enough for the block even if the last free block is unusable, with the
        // allocator's rounding of sizes up to their class.
        let want = (size + size / 8 + 4 * rlsf::GRANULARITY).next_multiple_of(GROW_STEP);
        let step = want.min(self.len - given);
        if step < size + 2 * rlsf::GRANULARITY {
            return false;
        }
        // SAFETY: the block starts where the pool ends (`given`) and lies inside the
        // mapping.
        let added = unsafe { self.heap().append_free_block_ptr(self.span(given, step)) };
        if added == 0 {
            return false;
        }
        self.extend_to(given + added);
        true
    }

    fn extend_to(&self, given: usize) {
        self.given.set(given);
        self.reached.set(self.reached.get().max(given));
    }

    /// The allocator, at the start of the mapping.
    #[allow(clippy::mut_from_ref)]
    fn heap(&self) -> &mut Heap {
        // SAFETY: `new` wrote a `Heap` at the base, and restores only ever put back
        // pictures of it. An arena serves one runtime on one thread (it is not
        // `Sync`), and no caller holds this borrow across another call.
        unsafe { &mut *self.base.as_ptr().cast::<Heap>() }
    }

    /// `len` bytes of the mapping from `offset`.
    fn span(&self, offset: usize, len: usize) -> NonNull<[u8]> {
        // SAFETY: callers keep `offset + len` within the mapping.
        let start = unsafe { self.base.add(offset) };
        NonNull::slice_from_raw_parts(start, len)
    }
}

impl Drop for Arena {
    fn drop(&mut self) {
        // Its pages writable, and no longer looked up by the fault handler.
        self.watch.replace(None);
        // SAFETY: the mapping is ours; nothing refers to it once its arena is dropped
        // (its runtime holds the arena until it is freed).
        unsafe { libc::munmap(self.base.as_ptr().cast(), self.len) };
        RESERVED.fetch_sub(self.len, Ordering::Relaxed);
    }
}

fn page_size() -> usize {
    // SAFETY: a plain query.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size).unwrap_or(4096).max(4096)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(ptr: *mut u8, byte: u8, len: usize) {
        assert!(!ptr.is_null());
        // SAFETY: `ptr` is a live block of at least `len` bytes.
        unsafe { std::ptr::write_bytes(ptr, byte, len) };
    }

    fn read(ptr: *mut u8, len: usize) -> Vec<u8> {
        // SAFETY: `ptr` is a live block of at least `len` bytes.
        unsafe { std::slice::from_raw_parts(ptr, len) }.to_vec()
    }

    #[test]
    fn a_restore_brings_back_the_pictured_heap_and_clears_what_came_after() {
        let arena = Arena::new(64 << 20).expect("arena");
        let kept = arena.allocate(1000);
        fill(kept, 7, 1000);
        let image = arena.capture();

        fill(kept, 9, 1000);
        // Past the first grow step: the heap grows, and the restore must clear it.
        let later = arena.allocate(3 << 20);
        fill(later, 0xAB, 3 << 20);
        let small = arena.allocate(64);
        fill(small, 0xCD, 64);
        // SAFETY: nothing allocated after the picture is used past this point.
        unsafe { arena.restore(&image) };

        assert_eq!(
            read(kept, 1000),
            vec![7; 1000],
            "the pictured bytes are back"
        );
        assert_eq!(arena.given.get(), image.len());
        // Nothing written after the picture can be read again (the block holds only
        // what the picture held: zeros and the allocator's own words).
        let after = arena.allocate(3 << 20);
        // (The allocator's words are addresses, whose bytes may be anything: look for
        // runs of what was written.)
        let seen = read(after, 3 << 20);
        let written = |byte: u8| seen.windows(8).any(|run| run == [byte; 8]);
        assert!(!written(0xAB) && !written(0xCD));
        assert!(seen.iter().filter(|b| **b != 0).count() < 64);
        // The allocator's state came back too: the same request gets the same block.
        // SAFETY: `after` is a live block of this arena.
        unsafe { arena.free(NonNull::new(after).expect("block")) };
        unsafe { arena.restore(&image) };
        assert_eq!(arena.allocate(3 << 20), later);
    }

    #[test]
    fn a_restore_copies_back_only_the_pages_written_since_the_picture() {
        use super::super::write_watch::{LEARN_RESTORES, REPROTECT_EVERY};
        let arena = Arena::new(16 << 20).expect("arena");
        let block = arena.allocate(1 << 20);
        fill(block, 1, 1 << 20);
        let image = arena.capture();
        assert_eq!(arena.written_and_saved_pages(), (0, 0), "all read-only");
        let write = |offsets: &[usize]| {
            for &offset in offsets {
                // SAFETY: inside the 1 MiB block.
                unsafe { *block.add(offset) = 9 };
            }
        };
        write(&[10, 500_000, 900_000]);
        assert_eq!(arena.written_and_saved_pages(), (3, 3));
        // SAFETY: nothing allocated after the picture is used past this point.
        unsafe { arena.restore(&image) };
        assert_eq!(
            read(block, 1 << 20),
            vec![1; 1 << 20],
            "the written pages are back"
        );
        // Written pages stay writable until they are protected again, every
        // `REPROTECT_EVERY` restores; their originals stay saved.
        for round in 1..REPROTECT_EVERY {
            assert_eq!(arena.written_and_saved_pages(), (3, 3), "round {round}");
            write(&[20, 500_100]);
            // SAFETY: as above.
            unsafe { arena.restore(&image) };
            // (The pages written, not the whole block: a thousand rounds.)
            // SAFETY: inside the block.
            let back = unsafe { [*block.add(20), *block.add(500_100)] };
            assert_eq!(back, [1, 1]);
        }
        assert_eq!(arena.written_and_saved_pages(), (0, 3), "protected again");
        write(&[900_000]);
        assert_eq!(arena.written_and_saved_pages(), (1, 3));
        // SAFETY: as above.
        unsafe { arena.restore(&image) };
        assert_eq!(read(block, 1 << 20), vec![1; 1 << 20]);
        // A job that writes far more pages than the jobs before it (a garbage
        // collection) gets them protected again at the next restore, not after
        // `REPROTECT_EVERY`.
        for _ in 0..LEARN_RESTORES {
            write(&[10]);
            // SAFETY: as above.
            unsafe { arena.restore(&image) };
        }
        let many: Vec<usize> = (0..100).map(|page| page * 4096 + 7).collect();
        write(&many);
        assert!(arena.written_and_saved_pages().0 >= 100);
        // SAFETY: as above.
        unsafe { arena.restore(&image) };
        assert_eq!(
            arena.written_and_saved_pages().0,
            0,
            "protected again at once"
        );
        assert_eq!(read(block, 1 << 20), vec![1; 1 << 20]);
    }

    #[test]
    fn blocks_grow_shrink_and_report_their_size() {
        let arena = Arena::new(8 << 20).expect("arena");
        let a = arena.allocate(100);
        fill(a, 1, 100);
        // SAFETY: `a` is a live block of this arena.
        let usable = unsafe { Arena::usable_size(NonNull::new(a).expect("block")) };
        assert!(usable >= 100);
        // SAFETY: as above.
        let b = unsafe { arena.reallocate(NonNull::new(a).expect("block"), 200_000) };
        assert_eq!(read(b, 100), vec![1; 100], "contents move with the block");
        // SAFETY: `b` is live.
        unsafe { arena.free(NonNull::new(b).expect("block")) };
    }

    #[test]
    fn a_full_arena_refuses_instead_of_failing() {
        let arena = Arena::new(1 << 20).expect("arena");
        assert!(arena.allocate(2 << 20).is_null());
        let mut blocks = 0;
        while !arena.allocate(64 << 10).is_null() {
            blocks += 1;
        }
        assert!(
            (10..16).contains(&blocks),
            "{blocks} blocks of 64 KiB in 1 MiB"
        );
    }
}
