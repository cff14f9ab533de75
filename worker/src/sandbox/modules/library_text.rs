//! The text of the operator's library files, as one block the worker and its sandbox
//! processes share: read once at start-up into a sealed memfd that every process maps
//! read-only. However many sandbox processes a worker runs, and however often one is
//! replaced, the files are in memory once (the memfd's pages) and a new process gets
//! them without a copy. Libraries made in memory (tests, tools), and libraries on a
//! system without memfds, keep their text on the heap and hand it to processes in
//! their set-up instead.
//!
//! The mappings are private: kernels before 6.7 (and gVisor) refuse any shared
//! mapping of a write-sealed memfd, even a read-only one, and a private one still
//! reads the memfd's own pages. A process that made its mapping writable would change
//! only its own copy; the seals keep the memfd itself unchangeable.

use std::fs::File;
use std::io::{self, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::ptr::NonNull;

/// Where one file's text lies in the block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub len: usize,
}

/// The block of every library file's text.
pub enum LibraryText {
    /// Made in memory.
    Heap(Vec<u8>),
    /// A sealed memfd, mapped read-only.
    Shared(SharedText),
}

impl LibraryText {
    /// The whole block.
    pub fn bytes(&self) -> &[u8] {
        match self {
            LibraryText::Heap(bytes) => bytes,
            LibraryText::Shared(shared) => shared.bytes(),
        }
    }

    /// The text at `span`, if the span lies inside the block.
    pub fn get(&self, span: Span) -> Option<&[u8]> {
        self.bytes()
            .get(span.start..span.start.checked_add(span.len)?)
    }

    /// The memfd to hand a sandbox process, when the block is shared.
    pub fn shared_fd(&self) -> Option<&OwnedFd> {
        match self {
            LibraryText::Heap(_) => None,
            LibraryText::Shared(shared) => shared.fd.as_ref(),
        }
    }
}

impl Default for LibraryText {
    fn default() -> Self {
        LibraryText::Heap(Vec::new())
    }
}

impl PartialEq for LibraryText {
    fn eq(&self, other: &Self) -> bool {
        self.bytes() == other.bytes()
    }
}

impl Eq for LibraryText {}

impl std::fmt::Debug for LibraryText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self {
            LibraryText::Heap(_) => "heap",
            LibraryText::Shared(_) => "shared",
        };
        write!(f, "LibraryText({kind}, {} bytes)", self.bytes().len())
    }
}

/// A read-only, private mapping of a sealed memfd (none when it is empty).
pub struct SharedText {
    map: Option<NonNull<u8>>,
    len: usize,
    /// The memfd, kept by the worker to hand to new sandbox processes (a process
    /// closes its own once mapped).
    fd: Option<OwnedFd>,
}

// SAFETY: the mapping is read-only, never written by anyone (the memfd is sealed
// against writes), and lives until drop.
unsafe impl Send for SharedText {}
// SAFETY: as above: shared reads of immutable bytes.
unsafe impl Sync for SharedText {}

impl SharedText {
    /// Maps the sealed memfd `fd` read-only (a sandbox process, with the memfd its
    /// worker handed it; `fd` may be closed afterwards).
    pub fn map(fd: &OwnedFd) -> io::Result<SharedText> {
        // SAFETY: fstat on a valid descriptor into a zeroed struct.
        let len = unsafe {
            let mut stat: libc::stat = std::mem::zeroed();
            if libc::fstat(fd.as_raw_fd(), &mut stat) != 0 {
                return Err(io::Error::last_os_error());
            }
            usize::try_from(stat.st_size).map_err(|_| io::Error::other("bad memfd size"))?
        };
        Self::map_len(fd, len)
    }

    fn map_len(fd: &OwnedFd, len: usize) -> io::Result<SharedText> {
        if len == 0 {
            return Ok(SharedText {
                map: None,
                len,
                fd: None,
            });
        }
        // SAFETY: mapping `len` bytes of a descriptor that long, read-only and private.
        let address = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_PRIVATE,
                fd.as_raw_fd(),
                0,
            )
        };
        if address == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let map = NonNull::new(address.cast::<u8>()).ok_or_else(io::Error::last_os_error)?;
        Ok(SharedText {
            map: Some(map),
            len,
            fd: None,
        })
    }

    fn bytes(&self) -> &[u8] {
        match self.map {
            // SAFETY: `len` mapped bytes, readable and unchanging until drop.
            Some(map) => unsafe { std::slice::from_raw_parts(map.as_ptr(), self.len) },
            None => &[],
        }
    }
}

impl Drop for SharedText {
    fn drop(&mut self) {
        if let Some(map) = self.map {
            // SAFETY: unmapping exactly what `map_len` mapped, once.
            unsafe { libc::munmap(map.as_ptr().cast(), self.len) };
        }
    }
}

/// Writes a block file by file into a fresh memfd, then seals and maps it.
pub struct TextWriter {
    file: File,
    len: usize,
}

impl TextWriter {
    pub fn new() -> io::Result<TextWriter> {
        // SAFETY: a static, NUL-terminated name.
        let raw = unsafe {
            libc::memfd_create(
                c"warren-library".as_ptr(),
                libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING,
            )
        };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: memfd_create just returned this descriptor, owned by no one else.
        let file = File::from(unsafe { OwnedFd::from_raw_fd(raw) });
        Ok(TextWriter { file, len: 0 })
    }

    /// Appends one file's text; where it lies.
    pub fn append(&mut self, text: &[u8]) -> io::Result<Span> {
        self.file.write_all(text)?;
        let span = Span {
            start: self.len,
            len: text.len(),
        };
        self.len += text.len();
        Ok(span)
    }

    /// The block, sealed against any change and mapped read-only.
    pub fn finish(self) -> io::Result<LibraryText> {
        let fd = OwnedFd::from(self.file);
        let seals =
            libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE | libc::F_SEAL_SEAL;
        // SAFETY: fcntl on a valid memfd made with MFD_ALLOW_SEALING.
        if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_ADD_SEALS, seals) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let mut shared = SharedText::map_len(&fd, self.len)?;
        shared.fd = Some(fd);
        Ok(LibraryText::Shared(shared))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_block_reads_back_and_cannot_be_changed() {
        let mut writer = TextWriter::new().expect("memfd");
        let a = writer.append(b"export default 1;").expect("write");
        let b = writer.append("// é\n".as_bytes()).expect("write");
        let text = writer.finish().expect("sealed");
        assert_eq!(text.get(a), Some(&b"export default 1;"[..]));
        assert_eq!(text.get(b), Some("// é\n".as_bytes()));
        assert_eq!(
            text.get(Span {
                start: b.start,
                len: b.len + 1
            }),
            None
        );
        let fd = text.shared_fd().expect("shared");
        // What a sandbox process sees, through its own mapping.
        let theirs = SharedText::map(fd).expect("maps");
        assert_eq!(theirs.bytes(), text.bytes());
        // Sealed: no write through the descriptor, no growing it.
        let mut file = File::from(fd.try_clone().expect("dup"));
        assert!(file.write_all(b"x").is_err());
        // SAFETY: ftruncate on a valid descriptor.
        assert_ne!(unsafe { libc::ftruncate(fd.as_raw_fd(), 1) }, 0);
    }

    #[test]
    fn an_empty_block_is_shared_without_a_mapping() {
        let text = TextWriter::new().expect("memfd").finish().expect("sealed");
        assert!(text.bytes().is_empty());
        let theirs = SharedText::map(text.shared_fd().expect("shared")).expect("maps");
        assert!(theirs.bytes().is_empty());
    }
}
