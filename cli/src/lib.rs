//! The `warren` command: run a function locally, submit it to a Warren fleet, load a
//! fleet and measure it, look at what it dead-lettered. Its library half is for the
//! benchmark (`warren-bench`), which drives the same load generator.
//!
//! # Layout
//! - [`cli`]: the command line (`clap`): subcommands and their shared arguments.
//! - [`commands`]: one file per subcommand: `run`, `submit`, `bench`, `dlq`,
//!   `status`; each returns the process's exit code.
//! - [`loadgen`]: keeps jobs in flight and measures throughput and latency.
//! - [`local`]: one job in a local sandbox, as a worker would run it (`run`,
//!   `dlq replay`): the only use of `warren-worker`.
//! - [`input`]: code and `--input` arguments; [`render`]: results for people.
//!
//! Dependencies point down: `commands` use the rest; `loadgen`, `commands::dlq`
//! and `commands::submit` speak to the broker through `warren-client` and
//! `warren-amqp`.

pub mod cli;
pub mod commands;
pub mod input;
pub mod loadgen;
pub mod local;
pub mod render;
