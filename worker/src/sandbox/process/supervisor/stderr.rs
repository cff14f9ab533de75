//! A sandbox process's standard error, relayed into the worker's log.
//!
//! Sandbox processes write little there, as plain text: a package left out of the
//! snapshot, a Rust panic, glibc's report of a corrupt heap, why set-up failed. Each
//! line becomes a WARN event of the worker's own log (target `warren_sandbox`, with
//! the process id), so it goes where the log goes, in the log's format. Past
//! [`MAX_LINES`] lines in a [`WINDOW`] (a job that makes a host call panic again and
//! again could write that many) the rest of the window's lines are read and dropped,
//! and counted in a line when the window ends: a process can neither flood the log
//! nor block on a full pipe.

use std::io::{self, BufRead, BufReader, Read};
use std::process::ChildStderr;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Lines relayed per process and window.
const MAX_LINES: usize = 100;

/// How long a process's budget of lines lasts.
const WINDOW: Duration = Duration::from_secs(60);

/// The longest line relayed; a longer one is cut, and goes on as further lines.
const MAX_LINE_BYTES: u64 = 4096;

/// Relays `stderr` of the sandbox process `pid` on a thread of its own, which ends
/// when the process (and every copy of its descriptor) is gone.
pub fn relay(stderr: ChildStderr, pid: u32) -> io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("warren-sandbox-log".into())
        .spawn(move || relay_lines(BufReader::new(stderr), pid))
}

fn relay_lines(mut reader: impl BufRead, pid: u32) {
    let mut line = Vec::new();
    let (mut window, mut lines, mut dropped) = (Instant::now(), 0, 0);
    loop {
        line.clear();
        let read = reader
            .by_ref()
            .take(MAX_LINE_BYTES)
            .read_until(b'\n', &mut line);
        let ended = !matches!(read, Ok(1..));
        if ended || window.elapsed() >= WINDOW {
            if dropped > 0 {
                tracing::warn!(
                    target: "warren_sandbox",
                    pid,
                    dropped,
                    "the sandbox process wrote more than {MAX_LINES} lines to standard error within a minute: {dropped} were dropped"
                );
            }
            (window, lines, dropped) = (Instant::now(), 0, 0);
        }
        if ended {
            return;
        }
        lines += 1;
        if lines <= MAX_LINES {
            let text = String::from_utf8_lossy(&line);
            tracing::warn!(target: "warren_sandbox", pid, "{}", text.trim_end());
        } else {
            dropped += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_is_read_to_the_end_however_long_or_many() {
        // Long lines are cut, excess lines dropped; either way the reader reaches the
        // end (a process never blocks on a full pipe).
        let mut text = "x".repeat(10_000);
        text.push('\n');
        for n in 0..500 {
            text.push_str(&format!("line {n}\n"));
        }
        let mut reader = io::Cursor::new(text.into_bytes());
        relay_lines(&mut reader, 1);
        assert_eq!(reader.position() as usize, reader.get_ref().len());
    }
}
