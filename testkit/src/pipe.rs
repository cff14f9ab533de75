//! Standard output whose reader has already gone away, as `| head -c 0` leaves it.

use std::os::fd::{FromRawFd, OwnedFd};
use std::process::Stdio;

/// The writing end of a pipe whose reading end is closed: the first write to it fails
/// with EPIPE (or raises SIGPIPE).
pub fn closed_pipe() -> Stdio {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe() returns.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0, "pipe()");
    // SAFETY: pipe() just opened both, and nothing else owns them.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    Stdio::from(write)
}

/// Asserts that a command whose standard output was [`closed_pipe`] ended as a Unix
/// tool does there: by SIGPIPE, having said nothing on standard error.
#[track_caller]
pub fn assert_ended_quietly(output: &std::process::Output, what: &str) {
    use std::os::unix::process::ExitStatusExt;
    assert!(
        output.stderr.is_empty(),
        "{what}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        output.status.signal(),
        Some(libc::SIGPIPE),
        "{what}: {:?}",
        output.status
    );
}
