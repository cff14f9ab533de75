//! Frames over one end of the socketpair between the worker and a sandbox process,
//! with plain `read`/`write`/`poll` calls: the sandbox's seccomp filter allows those
//! and nothing that opens anything.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::time::Instant;

use super::codec::LENGTH_BYTES;

/// Reads whole frames, buffering what arrives beyond the current one.
pub struct FrameReader {
    fd: RawFd,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    max_frame: usize,
    /// The last read took less than it could: the socket was empty then. Only
    /// meaningful within one readiness cycle (see [`FrameReader::ready_again`]).
    drained: bool,
}

/// Why no frame came.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("the other side closed the channel")]
    Closed,
    #[error("a frame of {0} bytes is over the limit")]
    TooLarge(usize),
    #[error("reading the channel: {0}")]
    Io(#[from] io::Error),
}

impl FrameReader {
    /// A reader of `fd`, which must outlive it; frames longer than `max_frame` are refused.
    pub fn new(fd: &OwnedFd, max_frame: usize) -> FrameReader {
        FrameReader {
            fd: fd.as_raw_fd(),
            buf: vec![0; 64 << 10],
            start: 0,
            end: 0,
            max_frame,
            drained: false,
        }
    }

    /// The next frame's body (tag and payload). With a `deadline`, waits at most until
    /// then and returns `None` if no whole frame came; without one, waits as long as
    /// it takes.
    pub fn next(&mut self, deadline: Option<Instant>) -> Result<Option<&[u8]>, ReadError> {
        loop {
            if let Some(length) = self.complete()? {
                let body = self.start + LENGTH_BYTES;
                self.start = body + length;
                return Ok(Some(&self.buf[body..body + length]));
            }
            if let Some(deadline) = deadline
                && !readable(self.fd, deadline)?
            {
                return Ok(None);
            }
            self.fill()?;
        }
    }

    /// Whether a frame (or its start, or the end of the channel) is here already, so
    /// that [`FrameReader::next`] would not wait.
    pub fn has_input(&mut self) -> Result<bool, ReadError> {
        Ok(self.complete()?.is_some() || self.end > self.start || wait(self.fd, libc::POLLIN, 0)?)
    }

    /// Starts a readiness cycle of a non-blocking descriptor: what earlier reads saw
    /// says nothing about what has arrived since.
    pub fn ready_again(&mut self) {
        self.drained = false;
    }

    /// For a non-blocking descriptor, within a readiness cycle: the next frame if one is
    /// buffered or can be read now; `None` when the socket has nothing more for now.
    pub fn try_next(&mut self) -> Result<Option<&[u8]>, ReadError> {
        loop {
            if let Some(length) = self.complete()? {
                let body = self.start + LENGTH_BYTES;
                self.start = body + length;
                return Ok(Some(&self.buf[body..body + length]));
            }
            // A read in this cycle found the socket empty after it: anything newer
            // comes with a newer readiness event, so the read that would only say
            // EAGAIN is skipped.
            if std::mem::take(&mut self.drained) {
                return Ok(None);
            }
            match self.fill() {
                Ok(()) => {}
                Err(ReadError::Io(err)) if err.kind() == io::ErrorKind::WouldBlock => {
                    return Ok(None);
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// The length of the frame at `start`, if all of it is buffered.
    fn complete(&mut self) -> Result<Option<usize>, ReadError> {
        let buffered = self.end - self.start;
        if buffered < LENGTH_BYTES {
            return Ok(None);
        }
        let mut prefix = [0; LENGTH_BYTES];
        prefix.copy_from_slice(&self.buf[self.start..self.start + LENGTH_BYTES]);
        let length = u32::from_le_bytes(prefix) as usize;
        if length > self.max_frame {
            return Err(ReadError::TooLarge(length));
        }
        if buffered - LENGTH_BYTES >= length {
            return Ok(Some(length));
        }
        // Make room for the whole frame: move it to the front, grow if needed.
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() < LENGTH_BYTES + length {
            // Exactly the frame's size: the buffer never holds more than the largest
            // frame (or its first 64 KiB).
            self.buf
                .reserve_exact(LENGTH_BYTES + length - self.buf.len());
            self.buf.resize(LENGTH_BYTES + length, 0);
        }
        Ok(None)
    }

    /// One `read` into the free part of the buffer.
    fn fill(&mut self) -> Result<(), ReadError> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.end == self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        loop {
            let free = &mut self.buf[self.end..];
            // SAFETY: `free` is a valid, writable buffer of `free.len()` bytes.
            let read = unsafe { libc::read(self.fd, free.as_mut_ptr().cast(), free.len()) };
            match read {
                0 => return Err(ReadError::Closed),
                n if n > 0 => {
                    self.drained = (n as usize) < free.len();
                    self.end += n as usize;
                    return Ok(());
                }
                _ => {
                    let err = io::Error::last_os_error();
                    if err.kind() != io::ErrorKind::Interrupted {
                        return Err(ReadError::Io(err));
                    }
                }
            }
        }
    }
}

/// Waits until `fd` is readable or `deadline` passes.
fn readable(fd: RawFd, deadline: Instant) -> io::Result<bool> {
    let left = deadline.saturating_duration_since(Instant::now());
    // Round up, so a wait never ends just before the deadline.
    let millis = left.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32;
    wait(fd, libc::POLLIN, millis)
}

/// Waits up to `millis` (-1: forever) for `events` on `fd`; whether they came.
fn wait(fd: RawFd, events: libc::c_short, millis: i32) -> io::Result<bool> {
    loop {
        let mut poll = libc::pollfd {
            fd,
            events,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let ready = unsafe { libc::poll(&mut poll, 1, millis) };
        match ready {
            0 => return Ok(false),
            n if n > 0 => return Ok(true),
            _ => {
                let err = io::Error::last_os_error();
                if err.kind() != io::ErrorKind::Interrupted {
                    return Err(err);
                }
            }
        }
    }
}

/// Writes all of `bytes` to `fd`, waiting as long as it takes (also when `fd` is
/// non-blocking).
pub fn write_all(fd: &OwnedFd, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        // SAFETY: `bytes` is a valid buffer of `bytes.len()` bytes.
        let written = unsafe { libc::write(fd.as_raw_fd(), bytes.as_ptr().cast(), bytes.len()) };
        if written < 0 {
            let err = io::Error::last_os_error();
            match err.kind() {
                io::ErrorKind::Interrupted => continue,
                io::ErrorKind::WouldBlock => {
                    wait(fd.as_raw_fd(), libc::POLLOUT, -1)?;
                    continue;
                }
                _ => return Err(err),
            }
        }
        bytes = &bytes[written as usize..];
    }
    Ok(())
}

/// Makes `fd` non-blocking, for the worker's async reads.
pub fn set_nonblocking(fd: &OwnedFd) -> io::Result<()> {
    // SAFETY: fcntl on an open descriptor.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    // SAFETY: as above.
    if flags < 0
        || unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK) } < 0
    {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::process::codec::Encoder;
    use std::os::unix::net::UnixStream;
    use std::time::Duration;

    #[test]
    fn frames_arrive_whole_however_they_are_split() {
        let (a, b) = UnixStream::pair().expect("pair");
        let (a, b) = (OwnedFd::from(a), OwnedFd::from(b));
        let mut big = Encoder::frame(7);
        big.bytes(&vec![42; 200_000]);
        let big = big.finish();
        let mut small = Encoder::frame(8);
        small.u32(5);
        let small = small.finish();
        let writer = std::thread::spawn(move || {
            // The big frame in two pieces, then a small one.
            write_all(&a, &big[..1000]).expect("write");
            std::thread::sleep(Duration::from_millis(20));
            write_all(&a, &big[1000..]).expect("write");
            write_all(&a, &small).expect("write");
            a
        });
        let mut reader = FrameReader::new(&b, 1 << 20);
        let frame = reader.next(None).expect("frame").expect("some");
        assert_eq!(frame[0], 7);
        assert_eq!(frame.len(), 1 + 4 + 200_000);
        let frame = reader.next(None).expect("frame").expect("some");
        assert_eq!(frame, &[8, 5, 0, 0, 0]);
        // Nothing more: a deadline ends the wait.
        let waited = reader
            .next(Some(Instant::now() + Duration::from_millis(10)))
            .expect("no error");
        assert!(waited.is_none());
        drop(writer.join().expect("writer"));
        assert!(matches!(reader.next(None), Err(ReadError::Closed)));
    }

    #[test]
    fn a_new_readiness_cycle_reads_what_came_since_the_socket_was_last_empty() {
        let (a, b) = UnixStream::pair().expect("pair");
        let (a, b) = (OwnedFd::from(a), OwnedFd::from(b));
        let frame = |tag| Encoder::frame(tag).finish();
        let mut reader = FrameReader::new(&b, 1 << 20);
        write_all(&a, &frame(1)).expect("write");
        assert_eq!(reader.next(None).expect("read").expect("frame"), &[1]);
        // The last read emptied the socket; a frame written since needs a new cycle.
        set_nonblocking(&b).expect("non-blocking");
        write_all(&a, &frame(2)).expect("write");
        assert!(reader.try_next().expect("no error").is_none());
        reader.ready_again();
        assert_eq!(reader.try_next().expect("read").expect("frame"), &[2]);
        // Nothing more: the socket says so without blocking.
        reader.ready_again();
        assert!(reader.try_next().expect("no error").is_none());
    }

    #[test]
    fn oversized_frames_are_refused() {
        let (a, b) = UnixStream::pair().expect("pair");
        let (a, b) = (OwnedFd::from(a), OwnedFd::from(b));
        let mut frame = Encoder::frame(1);
        frame.bytes(&[0; 100]);
        write_all(&a, &frame.finish()).expect("write");
        let mut reader = FrameReader::new(&b, 50);
        assert!(matches!(reader.next(None), Err(ReadError::TooLarge(_))));
    }
}
