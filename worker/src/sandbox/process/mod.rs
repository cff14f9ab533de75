//! Sandbox processes (`--isolation process`, the default): every slot is a child
//! process of the worker that confines itself (seccomp, Landlock, rlimits) before it
//! sees a job, talks to the worker over a socketpair only, and is killed and
//! replaced when it overruns a deadline the interrupt handler could not enforce, or
//! dies. What a job can do to its process stays in that process.
//!
//! - [`supervisor`]: the worker's side: start, feed, watch, replace.
//! - [`child`]: the process's side: set up, confine, serve.
//! - [`confine`]: the walls.
//! - the channel: [`codec`] (framing), [`protocol`] (the messages), [`pipe`] (reading
//!   frames), [`writer`] (writes that never block the writing thread).
//! - [`watch`]: memory shared with the process, for the watchdog.

pub mod child;
pub mod codec;
pub mod confine;
pub mod pipe;
pub mod protocol;
pub mod supervisor;
pub mod watch;
pub mod writer;

pub use child::SANDBOX_ARG;
pub use supervisor::{ProcessIsolation, ProcessPool};

/// The ids of `parent`'s child processes, from `/proc`: a worker's sandbox processes,
/// for tools and tests that watch a worker from outside.
pub fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                // The command may hold spaces and parentheses: fields follow the last ')'.
                stat.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
                    == Some(parent)
            })
        })
        .collect()
}
