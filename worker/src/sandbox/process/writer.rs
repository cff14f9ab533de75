//! The worker's writes to one sandbox process, from any thread, never blocking it: a
//! frame is written at once if the socket takes it whole (the usual case: the
//! process is idle and reading), and otherwise the rest is left to the channel's
//! own writer thread, which finishes it (and any later frame, in order) as the
//! process reads. A tokio thread dispatching a job must not wait on a process
//! that is busy running a timer callback.

use std::collections::VecDeque;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// Frames waiting for the writer thread.
#[derive(Default)]
struct Backlog {
    /// The front frame stays queued while the writer thread writes it, so later
    /// frames queue behind it.
    frames: VecDeque<Vec<u8>>,
    /// The process is gone or the channel closed: drop everything.
    closed: bool,
}

/// Writes frames to one process.
pub struct ChannelWriter {
    channel: Arc<OwnedFd>,
    backlog: Mutex<Backlog>,
    wake: Condvar,
}

impl ChannelWriter {
    /// A writer for `channel`, with its writer thread.
    pub fn start(channel: Arc<OwnedFd>) -> io::Result<Arc<ChannelWriter>> {
        let writer = Arc::new(ChannelWriter {
            channel,
            backlog: Mutex::default(),
            wake: Condvar::new(),
        });
        let background = writer.clone();
        std::thread::Builder::new()
            .name("warren-sandbox-write".into())
            .spawn(move || background.drain())?;
        Ok(writer)
    }

    fn backlog(&self) -> MutexGuard<'_, Backlog> {
        self.backlog
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues `frame` behind any earlier one, writing as much as the socket takes now.
    pub fn send(&self, frame: Vec<u8>) {
        let mut backlog = self.backlog();
        if backlog.closed {
            return;
        }
        if backlog.frames.is_empty() {
            match send_now(&self.channel, &frame) {
                Ok(written) if written == frame.len() => return,
                Ok(written) => backlog.frames.push_back(frame[written..].to_vec()),
                Err(_) => {
                    // The process is gone, or the channel broke: either way the
                    // supervisor must see the end and settle what the process held.
                    backlog.closed = true;
                    self.hang_up();
                    return;
                }
            }
        } else {
            backlog.frames.push_back(frame);
        }
        self.wake.notify_one();
    }

    /// Stops the writer thread and drops what was not written (the thread holds the
    /// writer, so this must be called when the process is done with).
    pub fn close(&self) {
        let mut backlog = self.backlog();
        backlog.closed = true;
        backlog.frames.clear();
        self.wake.notify_one();
    }

    /// Shuts the channel down both ways, so the process and the worker's reader see
    /// its end.
    fn hang_up(&self) {
        // SAFETY: shutdown on an open socket.
        unsafe { libc::shutdown(self.channel.as_raw_fd(), libc::SHUT_RDWR) };
    }

    /// The writer thread: writes queued frames, blocking as long as the process
    /// takes to read them.
    fn drain(&self) {
        let mut backlog = self.backlog();
        loop {
            if backlog.closed {
                return;
            }
            let Some(frame) = backlog.frames.front().cloned() else {
                backlog = self
                    .wake
                    .wait(backlog)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                continue;
            };
            drop(backlog);
            let written = super::pipe::write_all(&self.channel, &frame);
            backlog = self.backlog();
            backlog.frames.pop_front();
            if written.is_err() {
                backlog.closed = true;
                self.hang_up();
            }
        }
    }
}

/// Writes what the socket takes without waiting; the count written.
fn send_now(channel: &OwnedFd, frame: &[u8]) -> io::Result<usize> {
    let mut written = 0;
    while written < frame.len() {
        let rest = &frame[written..];
        // SAFETY: a valid buffer of `rest.len()` bytes on an open socket.
        let sent = unsafe {
            libc::send(
                channel.as_raw_fd(),
                rest.as_ptr().cast(),
                rest.len(),
                libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL,
            )
        };
        if sent < 0 {
            let err = io::Error::last_os_error();
            match err.kind() {
                io::ErrorKind::Interrupted => continue,
                io::ErrorKind::WouldBlock => return Ok(written),
                _ => return Err(err),
            }
        }
        written += sent as usize;
    }
    Ok(written)
}
