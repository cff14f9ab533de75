//! Sandbox processes (`--isolation process`, the default): every slot is a child
//! process of the worker that confines itself (seccomp, Landlock, rlimits) before it
//! sees a job, talks to the worker over a socketpair only, and is killed and
//! replaced when it overruns a deadline the interrupt handler could not enforce, or
//! dies. What a job can do to its process stays in that process.
//!
//! - [`supervisor`]: the worker's side: start, feed, watch, replace.
//! - [`child`]: the process's side: set up, confine, serve.
//! - [`confine`]: the walls. [`protocol`], [`codec`], [`pipe`]: the channel.
//! - [`watch`]: memory shared with the process, for the watchdog.
//! - [`writer`]: writes to a process that never block the writing thread.

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
