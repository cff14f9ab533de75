//! The worker's side of its sandbox processes. Each slot is one process, started at
//! engine start and replaced whenever it dies. A job goes straight to a free
//! process from the thread that submits it (or waits in the queue until a process is
//! done with its last one); per slot, a supervisor thread starts the process, reads
//! what it sends (reports, parks, `fetch` requests), hands it the next queued job,
//! and, when it dies, settles every job it held. A watchdog thread kills a process
//! still inside a job well past the job's deadline.
//!
//! When a process dies, the job it was running gets `crash` (or `timeout`, when the
//! watchdog killed it); the jobs it merely held, waiting for a response or a timer,
//! are started again from scratch in another process, since they did nothing wrong.
//!
//! - [`pool`]: the processes of one engine, run as its [`isolation`] says; [`state`]:
//!   what the parts below share (the slots, a live process, the jobs it holds).
//! - [`dispatch`]: handing queued jobs to free processes.
//! - [`process`]: starting a process, the handshake, and a slot's supervisor thread.
//! - [`reader`]: what a process sends (reports, parks, `fetch` requests).
//! - [`death`]: settling the jobs a dead process held.
//! - [`stderr`]: what a process writes to standard error, relayed into the log.
//! - [`watchdog`]: killing a process that overran a deadline.

mod death;
mod dispatch;
mod isolation;
mod pool;
mod process;
mod reader;
mod state;
mod stderr;
mod watchdog;

pub use isolation::ProcessIsolation;
pub use pool::ProcessPool;
